#include "tools/episodic/png_plot.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>

namespace engram::tools {
namespace {

// CRC-32 with the reflected polynomial 0xEDB88320, one table lookup per byte.
const std::array<std::uint32_t, 256>& CrcTable() {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  return table;
}

void PutU32(std::string& out, std::uint32_t v) {  // PNG and zlib integers are big-endian
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

void PutChunk(std::string& out, std::string_view type, std::string_view data) {
  PutU32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t crc_from = out.size();
  out.append(type);
  out.append(data);
  PutU32(out, Crc32(std::string_view(out).substr(crc_from)));
}

// A zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 §3.2.4): each block is a header
// byte (BFINAL, BTYPE 00; byte-aligned, so the rest of the byte is padding), LEN and its one's
// complement little-endian, then LEN raw bytes.
std::string ZlibStored(std::string_view raw) {
  constexpr std::size_t kMaxBlock = 65535;
  std::string out = {'\x78', '\x01'};  // deflate, 32 KiB window, no dictionary; 0x7801 % 31 == 0
  std::size_t at = 0;
  do {
    const std::size_t n = std::min(kMaxBlock, raw.size() - at);
    const bool last = at + n == raw.size();
    out.push_back(static_cast<char>(last ? 1 : 0));
    const auto len = static_cast<std::uint16_t>(n);
    const auto nlen = static_cast<std::uint16_t>(~len);
    for (std::uint16_t v : {len, nlen}) {
      out.push_back(static_cast<char>(v & 0xFF));
      out.push_back(static_cast<char>(v >> 8));
    }
    out.append(raw.substr(at, n));
    at += n;
  } while (at < raw.size());
  PutU32(out, Adler32(raw));
  return out;
}

// 5x7 glyphs, one byte per row, bit 4 the leftmost pixel.
struct Glyph {
  char c;
  std::array<std::uint8_t, 7> rows;
};
constexpr Glyph kFont[] = {
    {' ', {0, 0, 0, 0, 0, 0, 0}},
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}},
    {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}},
    {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}},
    {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}},
    {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}},
    {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
    {'A', {0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11}},
    {'B', {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E}},
    {'C', {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}},
    {'D', {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C}},
    {'E', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}},
    {'F', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}},
    {'G', {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}},
    {'H', {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
    {'I', {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'J', {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C}},
    {'K', {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}},
    {'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}},
    {'M', {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}},
    {'N', {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}},
    {'O', {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
    {'P', {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}},
    {'Q', {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}},
    {'R', {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}},
    {'S', {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}},
    {'T', {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
    {'U', {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
    {'V', {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}},
    {'W', {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}},
    {'X', {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}},
    {'Y', {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04}},
    {'Z', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F}},
    {'.', {0, 0, 0, 0, 0, 0x0C, 0x0C}},
    {',', {0, 0, 0, 0, 0x0C, 0x04, 0x08}},
    {':', {0, 0x0C, 0x0C, 0, 0x0C, 0x0C, 0}},
    {'@', {0x0E, 0x11, 0x01, 0x0D, 0x15, 0x15, 0x0E}},
    {'-', {0, 0, 0, 0x1F, 0, 0, 0}},
    {'_', {0, 0, 0, 0, 0, 0, 0x1F}},
    {'=', {0, 0, 0x1F, 0, 0x1F, 0, 0}},
    {'(', {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}},
    {')', {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}},
    {'/', {0, 0x01, 0x02, 0x04, 0x08, 0x10, 0}},
    {'%', {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03}},
    {'?', {0x0E, 0x11, 0x01, 0x02, 0x04, 0, 0x04}},
};
constexpr int kGlyphAdvance = 6;  // 5 pixels and a gap

const std::array<std::uint8_t, 7>& GlyphRows(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  for (const Glyph& g : kFont) {
    if (g.c == c) return g.rows;
  }
  return GlyphRows('?');
}

// `text` read bottom to top (rotated 90° counter-clockwise), its first glyph's bottom-left at
// (x, y): for a y-axis label.
void VerticalText(RgbImage& image, int x, int y, std::string_view text, Rgb color, int scale) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto& rows = GlyphRows(text[i]);
    const int base = y - static_cast<int>(i) * kGlyphAdvance * scale;
    for (int gy = 0; gy < 7; ++gy) {
      for (int gx = 0; gx < 5; ++gx) {
        if ((rows[static_cast<std::size_t>(gy)] & (0x10 >> gx)) == 0) continue;
        image.FillRect(x + gy * scale, base - (gx + 1) * scale + 1, x + gy * scale + scale - 1,
                       base - gx * scale, color);
      }
    }
  }
}

std::string TickLabel(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

}  // namespace

std::uint32_t Crc32(std::string_view data, std::uint32_t crc) {
  crc = ~crc;
  for (char ch : data) crc = CrcTable()[(crc ^ static_cast<std::uint8_t>(ch)) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

std::uint32_t Adler32(std::string_view data) {
  constexpr std::uint32_t kMod = 65521;
  std::uint32_t a = 1, b = 0;
  for (char ch : data) {
    a = (a + static_cast<std::uint8_t>(ch)) % kMod;
    b = (b + a) % kMod;
  }
  return (b << 16) | a;
}

RgbImage::RgbImage(int width, int height, Rgb background)
    : width_(std::max(width, 1)),
      height_(std::max(height, 1)),
      pixels_(static_cast<std::size_t>(width_) * static_cast<std::size_t>(height_) * 3) {
  for (std::size_t i = 0; i < pixels_.size(); i += 3) {
    pixels_[i] = background.r;
    pixels_[i + 1] = background.g;
    pixels_[i + 2] = background.b;
  }
}

void RgbImage::Set(int x, int y, Rgb color) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  const std::size_t at = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) +
                          static_cast<std::size_t>(x)) *
                         3;
  pixels_[at] = color.r;
  pixels_[at + 1] = color.g;
  pixels_[at + 2] = color.b;
}

Rgb RgbImage::Get(int x, int y) const {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return {};
  const std::size_t at = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) +
                          static_cast<std::size_t>(x)) *
                         3;
  return {pixels_[at], pixels_[at + 1], pixels_[at + 2]};
}

void RgbImage::FillRect(int x0, int y0, int x1, int y1, Rgb color) {
  for (int y = std::min(y0, y1); y <= std::max(y0, y1); ++y) {
    for (int x = std::min(x0, x1); x <= std::max(x0, x1); ++x) Set(x, y, color);
  }
}

void RgbImage::Line(int x0, int y0, int x1, int y1, Rgb color, int thickness) {
  const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
  const int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
  const int lo = -(thickness - 1) / 2, hi = thickness / 2;
  int err = dx + dy;
  for (;;) {
    FillRect(x0 + lo, y0 + lo, x0 + hi, y0 + hi, color);
    if (x0 == x1 && y0 == y1) break;
    const int e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}

void RgbImage::Text(int x, int y, std::string_view text, Rgb color, int scale) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto& rows = GlyphRows(text[i]);
    const int left = x + static_cast<int>(i) * kGlyphAdvance * scale;
    for (int gy = 0; gy < 7; ++gy) {
      for (int gx = 0; gx < 5; ++gx) {
        if ((rows[static_cast<std::size_t>(gy)] & (0x10 >> gx)) == 0) continue;
        FillRect(left + gx * scale, y + gy * scale, left + gx * scale + scale - 1,
                 y + gy * scale + scale - 1, color);
      }
    }
  }
}

int RgbImage::TextWidth(std::string_view text, int scale) {
  return text.empty() ? 0 : (static_cast<int>(text.size()) * kGlyphAdvance - 1) * scale;
}

std::string EncodePng(const RgbImage& image) {
  std::string out = "\x89PNG\r\n\x1a\n";
  std::string header;
  PutU32(header, static_cast<std::uint32_t>(image.width()));
  PutU32(header, static_cast<std::uint32_t>(image.height()));
  header +=
      {'\x08', '\x02', '\x00', '\x00', '\x00'};  // 8-bit, RGB, deflate, filter 0, no interlace
  PutChunk(out, "IHDR", header);
  std::string raw;
  raw.reserve(static_cast<std::size_t>(image.height()) *
              (1 + static_cast<std::size_t>(image.width()) * 3));
  for (int y = 0; y < image.height(); ++y) {
    raw.push_back('\0');  // filter type None
    for (int x = 0; x < image.width(); ++x) {
      const Rgb p = image.Get(x, y);
      raw += {static_cast<char>(p.r), static_cast<char>(p.g), static_cast<char>(p.b)};
    }
  }
  PutChunk(out, "IDAT", ZlibStored(raw));
  PutChunk(out, "IEND", {});
  return out;
}

Status WritePng(const std::string& path, const RgbImage& image) {
  const std::string bytes = EncodePng(image);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return InternalError("cannot write " + path);
  return Status::Ok();
}

RgbImage RenderLinePlot(const LinePlot& plot, int width, int height) {
  constexpr Rgb kWhite{255, 255, 255}, kBlack{0, 0, 0}, kGrid{225, 225, 225};
  constexpr int kScale = 2, kCharH = 7 * kScale;
  RgbImage image(width, height, kWhite);
  const int left = 80, right = width - 24, top = 44, bottom = height - 64;

  // The x range over every series (log2 when asked), padded so end points are not on the axes.
  std::set<double> xs;
  for (const PlotSeries& s : plot.series) xs.insert(s.x.begin(), s.x.end());
  auto u = [&](double x) { return plot.log2_x ? std::log2(std::max(x, 1e-300)) : x; };
  double u_min = xs.empty() ? 0.0 : u(*xs.begin()), u_max = xs.empty() ? 1.0 : u(*xs.rbegin());
  if (u_max <= u_min) {
    u_min -= 1.0;
    u_max += 1.0;
  }
  const double pad = (u_max - u_min) * 0.05;
  u_min -= pad;
  u_max += pad;
  const double y_span = plot.y_max > plot.y_min ? plot.y_max - plot.y_min : 1.0;
  auto px = [&](double x) {
    return left + static_cast<int>(std::lround((u(x) - u_min) / (u_max - u_min) * (right - left)));
  };
  auto py = [&](double y) {
    const double t = std::clamp((y - plot.y_min) / y_span, 0.0, 1.0);
    return bottom - static_cast<int>(std::lround(t * (bottom - top)));
  };

  // Grid, axes, ticks and their labels.
  const int decimals = plot.y_tick >= 0.1 ? 1 : 2;
  const int y_ticks =
      plot.y_tick > 0 ? static_cast<int>(std::floor(y_span / plot.y_tick + 1e-9)) : 0;
  for (int i = 0; i <= y_ticks; ++i) {
    const double v = plot.y_min + i * plot.y_tick;
    const int y = py(v);
    image.Line(left + 1, y, right, y, kGrid);
    image.Line(left - 6, y, left, y, kBlack);
    const std::string label = TickLabel(v, decimals);
    image.Text(left - 10 - RgbImage::TextWidth(label, kScale), y - kCharH / 2, label, kBlack,
               kScale);
  }
  int label_end = -1000;  // a tick label that would overlap the previous one is left out
  for (double x : xs) {
    const int x_at = px(x);
    image.Line(x_at, top, x_at, bottom - 1, kGrid);
    image.Line(x_at, bottom, x_at, bottom + 6, kBlack);
    const std::string label = x == std::floor(x) ? TickLabel(x, 0) : TickLabel(x, 2);
    const int label_x = x_at - RgbImage::TextWidth(label, kScale) / 2;
    if (label_x < label_end + 8) continue;
    image.Text(label_x, bottom + 10, label, kBlack, kScale);
    label_end = label_x + RgbImage::TextWidth(label, kScale);
  }
  image.Line(left, top, left, bottom, kBlack, 2);
  image.Line(left, bottom, right, bottom, kBlack, 2);

  // Titles.
  image.Text((width - RgbImage::TextWidth(plot.title, kScale)) / 2, 12, plot.title, kBlack, kScale);
  image.Text((left + right - RgbImage::TextWidth(plot.x_label, kScale)) / 2, bottom + 34,
             plot.x_label, kBlack, kScale);
  VerticalText(image, 10, (top + bottom + RgbImage::TextWidth(plot.y_label, kScale)) / 2,
               plot.y_label, kBlack, kScale);

  // Series: lines, then square markers on top.
  for (const PlotSeries& s : plot.series) {
    const std::size_t n = std::min(s.x.size(), s.y.size());
    for (std::size_t i = 1; i < n; ++i) {
      image.Line(px(s.x[i - 1]), py(s.y[i - 1]), px(s.x[i]), py(s.y[i]), s.color, 2);
    }
    for (std::size_t i = 0; i < n; ++i) {
      image.FillRect(px(s.x[i]) - 3, py(s.y[i]) - 3, px(s.x[i]) + 3, py(s.y[i]) + 3, s.color);
    }
  }

  // Legend, bottom left inside the axes (recall curves live near the top).
  const int n = static_cast<int>(plot.series.size());
  for (int i = 0; i < n; ++i) {
    const PlotSeries& s = plot.series[static_cast<std::size_t>(i)];
    const int legend_y = bottom - 12 - (n - i) * (kCharH + 8);
    image.Line(left + 14, legend_y + kCharH / 2, left + 40, legend_y + kCharH / 2, s.color, 3);
    image.Text(left + 48, legend_y, s.label, kBlack, kScale);
  }
  return image;
}

}  // namespace engram::tools
