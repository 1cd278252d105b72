// The CLI's progress lines, drawn on the error stream, only when it is a terminal, redrawn in
// place and erased before anything else prints, so that results, pipes and json output never
// contain them. Two kinds:
//
//   a long statement (WRITE … CONTEXT of a book), its tokens:
//   encoding [##########----------]  52%  45,012 / 86,508 tokens
//
//   a script of several statements (`engram FILE`, stdin, -c), its statements:
//   running [########------------]  40%    400 / 1,000 statements  0:40 elapsed  ETA 1:00
//
// Thread-safety: one thread at a time.
#ifndef ENGRAM_CLIENT_CLI_PROGRESS_BAR_H_
#define ENGRAM_CLIENT_CLI_PROGRESS_BAR_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace engram::cli {

// The line for `done` of `total` tokens, at most `width` columns (the bar shrinks to fit;
// below 40 columns only the numbers). `done` is clamped to `total`.
std::string ProgressLine(std::uint64_t done, std::uint64_t total, std::size_t width);

// The line for `done` of `total` statements after `elapsed_seconds`, with the time left
// estimated from the mean time per statement so far ("-:--" before the first one is done).
// Narrowed like ProgressLine; when even the numbers and times do not fit, only the numbers.
std::string StatementProgressLine(std::uint64_t done, std::uint64_t total, double elapsed_seconds,
                                  std::size_t width);

// "0:07", "12:34", "1:02:03": whole seconds, hours only from one hour on.
std::string FormatDuration(double seconds);

class ProgressBar {
 public:
  // Draws on `err` when it is a terminal; otherwise every call does nothing.
  explicit ProgressBar(std::FILE* err = stderr);
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  ~ProgressBar() { Clear(); }

  // Whether anything is ever drawn (so callers can skip work done only for the line).
  bool enabled() const { return enabled_; }

  // Shows `done` of `total` tokens (ProgressLine).
  void Update(std::uint64_t done, std::uint64_t total);
  // Shows `done` of `total` statements after `elapsed_seconds` (StatementProgressLine).
  void UpdateStatements(std::uint64_t done, std::uint64_t total, double elapsed_seconds);
  // Erases the line if one is shown.
  void Clear();

 private:
  enum class Kind { kNone, kTokens, kStatements };

  // Whether a line of `kind` should be drawn now: a shown line of the same kind is refreshed at
  // most every kRedrawInterval; any other (after a Clear, or the other kind) at once.
  bool Due(Kind kind) const;
  void Draw(Kind kind, const std::string& line);

  std::FILE* err_;
  bool enabled_;
  Kind shown_ = Kind::kNone;
  std::chrono::steady_clock::time_point drawn_at_;
};

}  // namespace engram::cli

#endif  // ENGRAM_CLIENT_CLI_PROGRESS_BAR_H_
