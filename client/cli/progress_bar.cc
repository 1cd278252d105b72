#include "client/cli/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "client/cli/output.h"

namespace engram::cli {
namespace {

// 86508 -> "86,508"
std::string Grouped(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// `done` grouped and right-aligned to the width of `total`, so the line keeps its length.
std::string Padded(std::uint64_t done, std::uint64_t total) {
  const std::string shown = Grouped(done), widest = Grouped(total);
  return std::string(widest.size() > shown.size() ? widest.size() - shown.size() : 0, ' ') + shown;
}

constexpr std::size_t kMinBar = 10;
constexpr std::size_t kMaxBar = 40;
// Fast statements (a READ takes about a millisecond) would otherwise redraw the line a thousand
// times a second, for no one: nobody reads it faster than this.
constexpr std::chrono::milliseconds kRedrawInterval{100};

// The percentage right-aligned to 4 columns ("  5%", " 52%", "100%"), so the line keeps its
// length. `done` <= `total`.
std::string Percent(std::uint64_t done, std::uint64_t total) {
  const unsigned percent = total == 0 ? 100u : static_cast<unsigned>(done * 100 / total);
  const std::string digits = std::to_string(percent);
  return std::string(3 - std::min<std::size_t>(digits.size(), 3), ' ') + digits + "%";
}

// " 52%  45,012 / 86,508 tokens": the percentage, then `done` of `total` `unit`.
std::string Counts(std::uint64_t done, std::uint64_t total, const char* unit) {
  return Percent(done, total) + "  " + Padded(done, total) + " / " + Grouped(total) + " " + unit;
}

// `label` "[" bar "] " `numbers`, the bar as wide as `width` allows (kMinBar to kMaxBar
// columns); `numbers` alone when not even the narrowest bar fits. `done` <= `total`.
std::string WithBar(const std::string& label, std::uint64_t done, std::uint64_t total,
                    const std::string& numbers, std::size_t width) {
  const std::size_t fixed = label.size() + 3 + numbers.size();
  if (width < fixed + kMinBar) return numbers;
  const std::size_t bar = std::min(kMaxBar, width - fixed);
  const std::size_t filled =
      total == 0 ? bar : static_cast<std::size_t>(done * bar / std::max<std::uint64_t>(total, 1));
  return label + "[" + std::string(filled, '#') + std::string(bar - filled, '-') + "] " + numbers;
}

}  // namespace

std::string ProgressLine(std::uint64_t done, std::uint64_t total, std::size_t width) {
  done = std::min(done, total);
  return WithBar("encoding ", done, total, Counts(done, total, "tokens"), width);
}

std::string StatementProgressLine(std::uint64_t done, std::uint64_t total, double elapsed_seconds,
                                  std::size_t width) {
  done = std::min(done, total);
  const std::string counts = Counts(done, total, "statements");
  const std::string eta = done == 0
                              ? "-:--"
                              : FormatDuration(elapsed_seconds * static_cast<double>(total - done) /
                                               static_cast<double>(done));
  const std::string times = "  " + FormatDuration(elapsed_seconds) + " elapsed  ETA " + eta;
  // On a narrow terminal the count matters more than the times.
  if (counts.size() + times.size() > width) return counts;
  return WithBar("running ", done, total, counts + times, width);
}

std::string FormatDuration(double seconds) {
  const std::uint64_t total = seconds > 0 ? static_cast<std::uint64_t>(std::llround(seconds)) : 0;
  const std::uint64_t hours = total / 3600, minutes = total / 60 % 60, secs = total % 60;
  char text[32];
  if (hours > 0) {
    std::snprintf(text, sizeof(text), "%llu:%02llu:%02llu", static_cast<unsigned long long>(hours),
                  static_cast<unsigned long long>(minutes), static_cast<unsigned long long>(secs));
  } else {
    std::snprintf(text, sizeof(text), "%llu:%02llu", static_cast<unsigned long long>(minutes),
                  static_cast<unsigned long long>(secs));
  }
  return text;
}

ProgressBar::ProgressBar(std::FILE* err) : err_(err), enabled_(::isatty(::fileno(err)) != 0) {}

void ProgressBar::Update(std::uint64_t done, std::uint64_t total) {
  if (!Due(Kind::kTokens)) return;
  // One column short of the terminal, so the cursor never wraps.
  Draw(Kind::kTokens, ProgressLine(done, total, TerminalWidth(err_, 80) - 1));
}

void ProgressBar::UpdateStatements(std::uint64_t done, std::uint64_t total,
                                   double elapsed_seconds) {
  if (!Due(Kind::kStatements)) return;
  Draw(Kind::kStatements,
       StatementProgressLine(done, total, elapsed_seconds, TerminalWidth(err_, 80) - 1));
}

void ProgressBar::Clear() {
  if (shown_ == Kind::kNone) return;
  std::fputs("\r\033[K", err_);
  std::fflush(err_);
  shown_ = Kind::kNone;
}

bool ProgressBar::Due(Kind kind) const {
  if (!enabled_) return false;
  return shown_ != kind || std::chrono::steady_clock::now() - drawn_at_ >= kRedrawInterval;
}

void ProgressBar::Draw(Kind kind, const std::string& line) {
  std::fprintf(err_, "\r\033[K%s", line.c_str());
  std::fflush(err_);
  shown_ = kind;
  drawn_at_ = std::chrono::steady_clock::now();
}

}  // namespace engram::cli
