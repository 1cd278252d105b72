#include "client/cli/box_table.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <variant>
#include <vector>

namespace engram::cli {
namespace {

constexpr std::string_view kEllipsis = "…";
// A single row with more columns than this that does not fit the line is shown transposed.
constexpr std::size_t kMaxColumnsAcross = 6;

bool IsContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// One line for a cell: control characters (newlines, tabs, ...) become spaces.
std::string OneLine(std::string text) {
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  return text;
}

bool IsNumber(const Value& value) {
  return std::holds_alternative<std::int64_t>(value) ||
         std::holds_alternative<std::uint64_t>(value) || std::holds_alternative<double>(value);
}

std::string Repeat(std::string_view piece, std::size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

enum class Align { kLeft, kRight, kCentre };

// `text` (already at most `width` columns) padded to exactly `width` columns.
std::string Pad(const std::string& text, std::size_t width, Align align) {
  const std::size_t gap = width - std::min(width, DisplayWidth(text));
  switch (align) {
    case Align::kLeft:
      return text + std::string(gap, ' ');
    case Align::kRight:
      return std::string(gap, ' ') + text;
    case Align::kCentre:
      return std::string(gap / 2, ' ') + text + std::string(gap - gap / 2, ' ');
  }
  return text;
}

// A horizontal rule: `left`, then per column width+2 of "─" joined by `middle`, then `right`.
std::string Rule(const std::vector<std::size_t>& widths, std::string_view left,
                 std::string_view middle, std::string_view right) {
  std::string line(left);
  for (std::size_t i = 0; i < widths.size(); ++i) {
    if (i > 0) line += middle;
    line += Repeat("─", widths[i] + 2);
  }
  return line + std::string(right) + "\n";
}

// A table ready to draw: header and cells as one-line texts, and which cells are numbers.
struct Grid {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> cells;
  std::vector<std::vector<bool>> numeric;
};

Grid MakeGrid(const StatementResult& result) {
  Grid grid;
  for (const std::string& column : result.columns) grid.header.push_back(OneLine(column));
  for (const auto& row : result.rows) {
    auto& line = grid.cells.emplace_back();
    auto& right = grid.numeric.emplace_back();
    for (std::size_t i = 0; i < result.columns.size(); ++i) {
      line.push_back(i < row.size() ? OneLine(HumanValue(row[i])) : "");
      right.push_back(i < row.size() && IsNumber(row[i]));
    }
  }
  return grid;
}

// One row's columns as rows of a two-column table (column, value), all left-aligned: a single
// row of many columns (SHOW STATS) reads better down the screen than cut to fit across it.
Grid Transpose(const Grid& grid) {
  Grid turned;
  turned.header = {"column", "value"};
  for (std::size_t i = 0; i < grid.header.size(); ++i) {
    turned.cells.push_back({grid.header[i], grid.cells[0][i]});
    turned.numeric.push_back({false, false});
  }
  return turned;
}

std::size_t LineWidth(const std::vector<std::size_t>& widths) {
  return std::accumulate(widths.begin(), widths.end(), std::size_t{0}) + 3 * widths.size() + 1;
}

// Each column's widest cell (header included), capped at kMaxCellWidth.
std::vector<std::size_t> NaturalWidths(const Grid& grid) {
  std::vector<std::size_t> widths;
  for (const std::string& name : grid.header) {
    widths.push_back(std::max<std::size_t>(1, DisplayWidth(name)));
  }
  for (const auto& row : grid.cells) {
    for (std::size_t i = 0; i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  for (std::size_t& width : widths) width = std::min(width, kMaxCellWidth);
  return widths;
}

// The natural widths, with the widest columns narrowed one column at a time until the line
// fits `line_width`. A column is not narrowed below kMinCellWidth, nor below its widest number
// (numbers are never cut).
std::vector<std::size_t> FittedWidths(const Grid& grid, std::size_t line_width) {
  std::vector<std::size_t> widths = NaturalWidths(grid);
  std::vector<std::size_t> floors(widths.size(), kMinCellWidth);
  for (std::size_t r = 0; r < grid.cells.size(); ++r) {
    for (std::size_t i = 0; i < widths.size(); ++i) {
      if (grid.numeric[r][i]) floors[i] = std::max(floors[i], DisplayWidth(grid.cells[r][i]));
    }
  }
  while (LineWidth(widths) > line_width) {
    std::size_t widest = widths.size();
    for (std::size_t i = 0; i < widths.size(); ++i) {
      if (widths[i] > floors[i] && (widest == widths.size() || widths[i] > widths[widest])) {
        widest = i;
      }
    }
    if (widest == widths.size()) break;
    --widths[widest];
  }
  return widths;
}

std::string Draw(const Grid& grid, const std::vector<std::size_t>& widths) {
  auto line = [&](const std::vector<std::string>& texts, auto align_of) {
    std::string text = "│";
    for (std::size_t i = 0; i < widths.size(); ++i) {
      text += ' ';
      text += Pad(FitToWidth(texts[i], widths[i]), widths[i], align_of(i));
      text += " │";
    }
    return text + "\n";
  };
  std::string out = Rule(widths, "┌", "┬", "┐");
  out += line(grid.header, [](std::size_t) { return Align::kCentre; });
  out += Rule(widths, "├", "┼", "┤");
  if (grid.cells.empty()) {
    // One cell across the whole table: the inner width is every column plus its separators.
    const std::size_t inner = LineWidth(widths) - 4;
    out += "│ ";
    out += Pad("0 rows", inner, Align::kCentre);
    out += " │\n";
    out += "└" + Repeat("─", inner + 2) + "┘\n";
    return out;
  }
  for (std::size_t r = 0; r < grid.cells.size(); ++r) {
    out += line(grid.cells[r],
                [&](std::size_t i) { return grid.numeric[r][i] ? Align::kRight : Align::kLeft; });
  }
  return out + Rule(widths, "└", "┴", "┘");
}

}  // namespace

std::size_t DisplayWidth(std::string_view text) {
  std::size_t width = 0;
  for (char c : text) {
    if (!IsContinuationByte(c)) ++width;
  }
  return width;
}

std::string_view TakeColumns(std::string_view text, std::size_t columns) {
  std::size_t taken = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (IsContinuationByte(text[i])) continue;
    if (taken == columns) return text.substr(0, i);
    ++taken;
  }
  return text;
}

std::string FitToWidth(std::string_view text, std::size_t width) {
  if (DisplayWidth(text) <= width) return std::string(text);
  if (width == 0) return "";
  return std::string(TakeColumns(text, width - 1)) + std::string(kEllipsis);
}

std::string HumanValue(const Value& value) {
  if (const auto* d = std::get_if<double>(&value); d != nullptr && std::isfinite(*d)) {
    char buffer[64];
    auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), *d);
    if (error == std::errc()) return std::string(buffer, end);
  }
  return ValueToText(value);
}

std::string ToBoxTable(const StatementResult& result, std::size_t line_width) {
  std::string out;
  for (const Field& field : result.fields)
    out += field.name + ": " + HumanValue(field.value) + "\n";
  if (!result.has_rows) return out.empty() ? "OK\n" : out;
  if (result.columns.empty()) return out + "(no rows)\n";

  Grid grid = MakeGrid(result);
  if (grid.cells.size() == 1 && grid.header.size() > kMaxColumnsAcross &&
      LineWidth(NaturalWidths(grid)) > line_width) {
    grid = Transpose(grid);
  }
  return out + Draw(grid, FittedWidths(grid, line_width));
}

}  // namespace engram::cli
