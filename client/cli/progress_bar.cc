#include "client/cli/progress_bar.h"

#include <unistd.h>

#include <algorithm>

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

}  // namespace

std::string ProgressLine(std::uint64_t done, std::uint64_t total, std::size_t width) {
  done = std::min(done, total);
  const unsigned percent = total == 0 ? 100u : static_cast<unsigned>(done * 100 / total);
  const std::string numbers = std::string(percent < 10    ? "  "
                                          : percent < 100 ? " "
                                                          : "") +
                              std::to_string(percent) + "%  " + Padded(done, total) + " / " +
                              Grouped(total) + " tokens";
  const std::string label = "encoding ";
  // label + "[" + bar + "] " + numbers (the percentage is padded to 4 columns)
  const std::size_t fixed = label.size() + 3 + numbers.size();
  if (width < fixed + kMinBar) return numbers;
  const std::size_t bar = std::min(kMaxBar, width - fixed);
  const std::size_t filled =
      total == 0 ? bar : static_cast<std::size_t>(done * bar / std::max<std::uint64_t>(total, 1));
  return label + "[" + std::string(filled, '#') + std::string(bar - filled, '-') + "] " + numbers;
}

ProgressBar::ProgressBar(std::FILE* err) : err_(err), enabled_(::isatty(::fileno(err)) != 0) {}

void ProgressBar::Update(std::uint64_t done, std::uint64_t total) {
  if (!enabled_) return;
  // One column short of the terminal, so the cursor never wraps.
  const std::string line = ProgressLine(done, total, TerminalWidth(err_, 80) - 1);
  std::fprintf(err_, "\r\033[K%s", line.c_str());
  std::fflush(err_);
  shown_ = true;
}

void ProgressBar::Clear() {
  if (!shown_) return;
  std::fputs("\r\033[K", err_);
  std::fflush(err_);
  shown_ = false;
}

}  // namespace engram::cli
