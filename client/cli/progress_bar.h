// The CLI's progress line for long statements (WRITE … CONTEXT of a book): drawn on the error
// stream, only when it is a terminal, redrawn in place and erased before anything else prints,
// so that results, pipes and json output never contain it.
//
//   encoding [##########----------]  52%  45,012 / 86,508 tokens
//
// Thread-safety: one thread at a time.
#ifndef ENGRAM_CLIENT_CLI_PROGRESS_BAR_H_
#define ENGRAM_CLIENT_CLI_PROGRESS_BAR_H_

#include <cstdint>
#include <cstdio>
#include <string>

namespace engram::cli {

// The line for `done` of `total` tokens, at most `width` columns (the bar shrinks to fit;
// below 40 columns only the numbers). `done` is clamped to `total`.
std::string ProgressLine(std::uint64_t done, std::uint64_t total, std::size_t width);

class ProgressBar {
 public:
  // Draws on `err` when it is a terminal; otherwise every call does nothing.
  explicit ProgressBar(std::FILE* err = stderr);
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  ~ProgressBar() { Clear(); }

  void Update(std::uint64_t done, std::uint64_t total);
  // Erases the line if one is shown.
  void Clear();

 private:
  std::FILE* err_;
  bool enabled_;
  bool shown_ = false;
};

}  // namespace engram::cli

#endif  // ENGRAM_CLIENT_CLI_PROGRESS_BAR_H_
