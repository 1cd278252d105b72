// How the CLI shows statement results: the output modes, the printer that the script runner,
// the REPL and the demo share, and the error report with its caret.
//
// Modes (docs/cli.md):
//   box    a Unicode box table sized to the terminal (the default on a terminal)
//   table  ToTable's plain text (the default when stdout is not a terminal)
//   json   one contract.md JSON object per statement (jsonlines), errors included
// In both human modes a GENERATE's text is printed as it arrives (Text), and its result then
// shows only the remaining fields; errors go to the error stream as
//   Error: SYNTAX at byte 14: expected ...
//   LINE 1: SHOW MEMORIES now
//                         ^
// In json mode everything, errors included, is one line on the output stream.
//
// Thread-safety: a ResultPrinter is used from one thread at a time.
#ifndef ENGRAM_CLIENT_CLI_OUTPUT_H_
#define ENGRAM_CLIENT_CLI_OUTPUT_H_

#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "engram/statement_result.h"
#include "engram/status.h"

namespace engram::cli {

enum class OutputMode { kBox, kTable, kJson };

// "box", "table" or "json" to the mode; nullopt for anything else.
std::optional<OutputMode> ParseOutputMode(std::string_view name);
std::string_view OutputModeName(OutputMode mode);

// The human report of a failed statement: "Error: CODE at byte N: message\n" ("Error: CODE:
// message\n" without a position), then, when the position lies within `input` (the whole text
// given to Execute, in which positions are byte offsets), "LINE n: <that line>\n" and a caret
// line under the error's column. When `statement` is a view into `input` (the failed
// statement's text, as ExecuteOptions::on_result gives it), the line is cut to that statement,
// so other statements on the same line do not crowd it. Long lines are shown as a window around
// the position with "…".
std::string FormatError(const Status& status, std::string_view input,
                        std::string_view statement = {});

// The width of the terminal on `file` (columns), or `fallback` when it is not a terminal.
std::size_t TerminalWidth(std::FILE* file, std::size_t fallback = 100);

class ResultPrinter {
 public:
  explicit ResultPrinter(OutputMode mode, std::FILE* out = stdout, std::FILE* err = stderr);

  OutputMode mode() const { return mode_; }
  // Where results go (stdout in the CLI).
  std::FILE* out() const { return out_; }
  void set_mode(OutputMode mode) { mode_ = mode; }

  // A piece of a running GENERATE's text: printed and flushed at once in the human modes,
  // ignored in json mode (the final result carries the text).
  void Text(std::string_view piece);

  // One statement's result. `input` is the whole text the statement came from and `statement`
  // the statement's text within it, if known (for the caret, see FormatError). A GENERATE's
  // text shows as plain text, not as a `text:` field: whatever of it did not stream yet, then a
  // newline, then its other fields.
  void Print(const Result<StatementResult>& result, std::string_view input,
             std::string_view statement = {});

  // "Run Time: 0.012 s" (on the error stream in json mode, so stdout stays jsonlines).
  void Timer(double seconds);

  // A line for the user (notes of the REPL and the runner) on the error stream.
  void Note(std::string_view line);

 private:
  void EndStreamedLine();

  OutputMode mode_;
  std::FILE* out_;
  std::FILE* err_;
  std::string streamed_;       // the text pieces the current statement printed
  bool at_line_start_ = true;  // the last byte printed to out_ was a newline (or none yet)
};

}  // namespace engram::cli

#endif  // ENGRAM_CLIENT_CLI_OUTPUT_H_
