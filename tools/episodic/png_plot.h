// A tiny PNG writer and line-plot renderer for the evaluation tools (engram-episodic-eval's
// capacity curve), with no dependency: the zlib stream uses stored (uncompressed) deflate
// blocks, and CRC-32 and Adler-32 are computed here. A plot is small (640x400 RGB is 750 KiB
// uncompressed), so compression is not worth a library.
//
// Thread-safety: plain values and pure functions.
#ifndef ENGRAM_TOOLS_EPISODIC_PNG_PLOT_H_
#define ENGRAM_TOOLS_EPISODIC_PNG_PLOT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"

namespace engram::tools {

// CRC-32 (ISO-HDLC, the PNG chunk checksum) of `data`, continuing from `crc` (0 to start).
std::uint32_t Crc32(std::string_view data, std::uint32_t crc = 0);
// Adler-32 (the zlib stream checksum) of `data`.
std::uint32_t Adler32(std::string_view data);

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
};

class RgbImage {
 public:
  RgbImage(int width, int height, Rgb background);
  int width() const { return width_; }
  int height() const { return height_; }
  // Pixels outside the image are ignored, so drawing code need not clip.
  void Set(int x, int y, Rgb color);
  Rgb Get(int x, int y) const;
  void FillRect(int x0, int y0, int x1, int y1, Rgb color);  // inclusive corners
  // A line `thickness` pixels wide (Bresenham with a square pen).
  void Line(int x0, int y0, int x1, int y1, Rgb color, int thickness = 1);
  // `text` in a 5x7 bitmap font scaled by `scale`, top-left at (x, y); lower case is drawn as
  // upper case, characters without a glyph as '?'.
  void Text(int x, int y, std::string_view text, Rgb color, int scale = 1);
  // The width in pixels that Text() draws `text` at `scale`.
  static int TextWidth(std::string_view text, int scale = 1);

 private:
  int width_, height_;
  std::vector<std::uint8_t> pixels_;  // row-major RGB
};

// The image as a PNG file's bytes (8-bit RGB, no interlace, filter 0 on every row).
std::string EncodePng(const RgbImage& image);
// EncodePng() written to `path`. INTERNAL when the file cannot be written.
Status WritePng(const std::string& path, const RgbImage& image);

struct PlotSeries {
  std::string label;
  Rgb color;
  std::vector<double> x, y;  // same length
};

struct LinePlot {
  std::string title, x_label, y_label;
  bool log2_x = false;  // x ticks at the data's x values, spaced by log2
  double y_min = 0.0, y_max = 1.0;
  double y_tick = 0.2;
  std::vector<PlotSeries> series;
};

// Axes with tick marks and labels, a light grid, the series as lines with point markers, and a
// legend. Series with fewer than one point are skipped.
RgbImage RenderLinePlot(const LinePlot& plot, int width = 640, int height = 400);

}  // namespace engram::tools

#endif  // ENGRAM_TOOLS_EPISODIC_PNG_PLOT_H_
