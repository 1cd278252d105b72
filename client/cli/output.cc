#include "client/cli/output.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <string>

#include "client/cli/box_table.h"

namespace engram::cli {
namespace {

// Lines wider than this are shown as a window around the error position.
constexpr std::size_t kMaxShownLine = 100;
constexpr std::size_t kColumnsBeforeCaret = 40;
constexpr std::size_t kColumnsAfterCaret = 60;

bool IsContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// The offset `columns` code points before `at`, not before `floor`.
std::size_t StepBack(std::string_view text, std::size_t at, std::size_t floor,
                     std::size_t columns) {
  while (at > floor && columns > 0) {
    --at;
    while (at > floor && IsContinuationByte(text[at])) --at;
    --columns;
  }
  return at;
}

// The offset `columns` code points after `at`, not after `ceiling`.
std::size_t StepForward(std::string_view text, std::size_t at, std::size_t ceiling,
                        std::size_t columns) {
  while (at < ceiling && columns > 0) {
    ++at;
    while (at < ceiling && IsContinuationByte(text[at])) ++at;
    --columns;
  }
  return at;
}

// `text` with control characters (tabs, CR, ...) shown as spaces, so that columns stay aligned.
std::string Printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  return out;
}

}  // namespace

std::optional<OutputMode> ParseOutputMode(std::string_view name) {
  if (name == "box") return OutputMode::kBox;
  if (name == "table") return OutputMode::kTable;
  if (name == "json") return OutputMode::kJson;
  return std::nullopt;
}

std::string_view OutputModeName(OutputMode mode) {
  switch (mode) {
    case OutputMode::kBox:
      return "box";
    case OutputMode::kTable:
      return "table";
    case OutputMode::kJson:
      return "json";
  }
  return "box";
}

std::string FormatError(const Status& status, std::string_view input, std::string_view statement) {
  std::string out = "Error: " + std::string(ErrorCodeName(status.code()));
  if (status.position() >= 0) out += " at byte " + std::to_string(status.position());
  out += ": " + status.message() + "\n";
  if (status.position() < 0 || input.empty() ||
      static_cast<std::uint64_t>(status.position()) > input.size()) {
    return out;
  }
  std::size_t at = static_cast<std::size_t>(status.position());
  // An error at the end of input that ends in a newline points just past the last line.
  while (at == input.size() && at > 0 && (input[at - 1] == '\n' || input[at - 1] == '\r')) {
    input.remove_suffix(1);
    at = input.size();
  }
  const std::size_t newline_before = at == 0 ? std::string_view::npos : input.rfind('\n', at - 1);
  const std::size_t line_start = newline_before == std::string_view::npos ? 0 : newline_before + 1;
  std::size_t line_start_shown = line_start;
  std::size_t line_end = input.find('\n', at);
  if (line_end == std::string_view::npos) line_end = input.size();
  if (line_end > at && input[line_end - 1] == '\r') --line_end;
  // Only the failed statement's part of the line, when the statement is known and holds `at`.
  const std::less_equal<const char*> before_or_at;
  if (!statement.empty() && before_or_at(input.data(), statement.data()) &&
      before_or_at(statement.data() + statement.size(), input.data() + input.size())) {
    const auto statement_start = static_cast<std::size_t>(statement.data() - input.data());
    const std::size_t statement_end = statement_start + statement.size();
    if (statement_start <= at && at <= statement_end) {
      line_start_shown = std::max(line_start, statement_start);
      line_end = std::min(line_end, std::max(statement_end, at));
    }
  }
  const auto line_number =
      1 + std::count(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(line_start), '\n');

  std::size_t start = line_start_shown;
  std::size_t end = line_end;
  if (DisplayWidth(input.substr(start, end - start)) > kMaxShownLine) {
    start = StepBack(input, at, line_start_shown, kColumnsBeforeCaret);
    end = StepForward(input, at, line_end, kColumnsAfterCaret);
  }
  std::string shown = start > line_start_shown ? "…" : "";
  const std::size_t caret_column =
      DisplayWidth(shown) + DisplayWidth(input.substr(start, at - start));
  shown += Printable(input.substr(start, end - start));
  if (end < line_end) shown += "…";
  const std::string prefix = "LINE " + std::to_string(line_number) + ": ";
  out += prefix + shown + "\n";
  out += std::string(prefix.size() + caret_column, ' ') + "^\n";
  return out;
}

std::size_t TerminalWidth(std::FILE* file, std::size_t fallback) {
  winsize size{};
  if (::ioctl(::fileno(file), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return fallback;
}

ResultPrinter::ResultPrinter(OutputMode mode, std::FILE* out, std::FILE* err)
    : mode_(mode), out_(out), err_(err) {}

void ResultPrinter::Text(std::string_view piece) {
  if (mode_ == OutputMode::kJson || piece.empty()) return;
  std::fwrite(piece.data(), 1, piece.size(), out_);
  std::fflush(out_);
  streamed_ += piece;
  at_line_start_ = piece.back() == '\n';
}

void ResultPrinter::EndStreamedLine() {
  if (!at_line_start_) std::fputc('\n', out_);
  at_line_start_ = true;
}

void ResultPrinter::Print(const Result<StatementResult>& result, std::string_view input,
                          std::string_view statement) {
  const std::string streamed = std::move(streamed_);
  streamed_.clear();
  if (mode_ == OutputMode::kJson) {
    const std::string line = ToJson(result) + "\n";
    std::fputs(line.c_str(), out_);
    std::fflush(out_);
    return;
  }
  // A GENERATE's text shows as plain text, not as a field. The streamed pieces are its start;
  // print what did not stream (a cancelled generation's last tokens may arrive only in the
  // result). Other text (none streamed for it) stays a field.
  const Value* text_field = result.ok() ? result->Find("text") : nullptr;
  const std::string* final_text =
      text_field != nullptr ? std::get_if<std::string>(text_field) : nullptr;
  const bool text_shown = final_text != nullptr && final_text->starts_with(streamed) &&
                          (!streamed.empty() || result->statement == "GENERATE");
  if (text_shown && final_text->size() > streamed.size()) {
    std::fwrite(final_text->data() + streamed.size(), 1, final_text->size() - streamed.size(),
                out_);
    at_line_start_ = final_text->back() == '\n';
  }
  EndStreamedLine();
  if (!result.ok()) {
    std::fflush(out_);
    std::fputs(FormatError(result.status(), input, statement).c_str(), err_);
    std::fflush(err_);
    return;
  }
  StatementResult shown = *result;
  if (text_shown) {
    std::erase_if(shown.fields, [](const Field& field) { return field.name == "text"; });
  }
  const std::string text =
      mode_ == OutputMode::kBox ? ToBoxTable(shown, TerminalWidth(out_)) : ToTable(shown);
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

void ResultPrinter::Timer(double seconds) {
  std::FILE* stream = mode_ == OutputMode::kJson ? err_ : out_;
  if (stream == err_) std::fflush(out_);
  std::fprintf(stream, "Run Time: %.3f s\n", seconds);
  std::fflush(stream);
}

void ResultPrinter::Note(std::string_view line) {
  EndStreamedLine();
  std::fflush(out_);
  std::fprintf(err_, "%.*s\n", static_cast<int>(line.size()), line.data());
  std::fflush(err_);
}

}  // namespace engram::cli
