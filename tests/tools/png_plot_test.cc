// The dependency-free PNG writer of the evaluation tools (tools/episodic/png_plot.h): its
// checksums against published values, and a file's structure (chunks, CRCs, the stored-block
// zlib stream decoded back to the image's rows).
#include "tools/episodic/png_plot.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace engram::tools {
namespace {

std::uint32_t BigEndian(const std::string& s, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<std::uint8_t>(s[at])) << 24) |
         (static_cast<std::uint32_t>(static_cast<std::uint8_t>(s[at + 1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<std::uint8_t>(s[at + 2])) << 8) |
         static_cast<std::uint32_t>(static_cast<std::uint8_t>(s[at + 3]));
}

TEST(PngPlotTest, ChecksumsMatchPublishedValues) {
  EXPECT_EQ(Crc32("IEND"), 0xAE426082U);       // every PNG's last four bytes
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926U);  // the CRC-32 check value
  EXPECT_EQ(Crc32(""), 0U);
  EXPECT_EQ(Crc32("6789", Crc32("12345")), 0xCBF43926U);  // continuing a running CRC
  EXPECT_EQ(Adler32("Wikipedia"), 0x11E60398U);
  EXPECT_EQ(Adler32(""), 1U);
  // 1x1 8-bit RGB: the IHDR chunk's CRC as in any such file.
  EXPECT_EQ(Crc32(std::string("IHDR\0\0\0\1\0\0\0\1\x08\x02\0\0\0", 17)), 0x907753DEU);
}

// Walks the chunks, checks each CRC, and inflates the stored blocks of IDAT.
TEST(PngPlotTest, FileIsWellFormedAndHoldsThePixels) {
  RgbImage image(200, 120, {255, 255, 255});  // 72,120 raw bytes: two stored blocks
  image.Set(3, 4, {10, 20, 30});
  image.Line(0, 119, 199, 0, {200, 0, 0}, 2);
  const std::string png = EncodePng(image);
  ASSERT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::string types, idat;
  for (std::size_t at = 8; at < png.size();) {
    const std::uint32_t length = BigEndian(png, at);
    const std::string type = png.substr(at + 4, 4);
    ASSERT_LE(at + 12 + length, png.size());
    EXPECT_EQ(Crc32(std::string_view(png).substr(at + 4, 4 + length)),
              BigEndian(png, at + 8 + length))
        << type;
    if (type == "IDAT") idat += png.substr(at + 8, length);
    types += type + " ";
    at += 12 + length;
  }
  EXPECT_EQ(types, "IHDR IDAT IEND ");
  ASSERT_GE(idat.size(), 6u);
  EXPECT_EQ((static_cast<std::uint8_t>(idat[0]) * 256 + static_cast<std::uint8_t>(idat[1])) % 31,
            0);
  std::string raw;
  std::size_t at = 2, blocks = 0;
  for (bool last = false; !last; ++blocks) {
    last = (idat[at] & 1) != 0;
    const std::size_t len =
        static_cast<std::uint8_t>(idat[at + 1]) |
        (static_cast<std::size_t>(static_cast<std::uint8_t>(idat[at + 2])) << 8);
    const std::size_t nlen =
        static_cast<std::uint8_t>(idat[at + 3]) |
        (static_cast<std::size_t>(static_cast<std::uint8_t>(idat[at + 4])) << 8);
    EXPECT_EQ(len ^ 0xFFFF, nlen);
    raw += idat.substr(at + 5, len);
    at += 5 + len;
  }
  EXPECT_EQ(blocks, 2u);
  EXPECT_EQ(BigEndian(idat, at), Adler32(raw));
  ASSERT_EQ(raw.size(), 120u * (1 + 200 * 3));
  const std::size_t pixel = 4 * (1 + 200 * 3) + 1 + 3 * 3;
  EXPECT_EQ(raw[4 * (1 + 200 * 3)], '\0');  // filter type None
  EXPECT_EQ(raw.substr(pixel, 3), std::string("\x0a\x14\x1e", 3));
}

TEST(PngPlotTest, PlotDrawsAxesAndSeries) {
  LinePlot plot;
  plot.title = "T";
  plot.log2_x = true;
  plot.series.push_back({"a", {0, 0, 255}, {64, 4096}, {1.0, 0.5}});
  const RgbImage image = RenderLinePlot(plot, 320, 200);
  int blue = 0;
  for (int y = 0; y < image.height(); ++y) {
    for (int x = 0; x < image.width(); ++x) {
      const Rgb p = image.Get(x, y);
      blue += p.r == 0 && p.g == 0 && p.b == 255;
    }
  }
  EXPECT_GT(blue, 100);
}

}  // namespace
}  // namespace engram::tools
