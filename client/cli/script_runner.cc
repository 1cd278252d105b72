#include "client/cli/script_runner.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>

#include "client/cli/progress_bar.h"
#include "query/language/parser.h"

namespace engram::cli {
namespace {

using Clock = std::chrono::steady_clock;

// How many results Session::Execute will report for `input`: the executor reads statements the
// same way, one result per statement, statements that fail to parse included.
std::uint64_t CountStatements(std::string_view input) {
  query::StatementReader reader(input);
  std::uint64_t count = 0;
  while (true) {
    Result<std::optional<query::Statement>> next = reader.Next();
    if (next.ok() && !next->has_value()) return count;
    ++count;
  }
}

// Whether printing `result` (and its timer line) writes to the terminal the progress line is on
// (stderr), so that the line must be erased first. Results go to the printer's output stream,
// errors in the human modes and json-mode timer lines to stderr.
bool PrintsOnTerminal(const Result<StatementResult>& result, bool output_is_terminal, bool timer) {
  return output_is_terminal || !result.ok() || timer;
}

}  // namespace

RunOutcome RunStatements(Session& session, std::string_view input, ResultPrinter& printer,
                         const RunOptions& options) {
  RunOutcome outcome;
  const Clock::time_point run_started = Clock::now();
  Clock::time_point started = run_started;
  ExecuteOptions execute;
  execute.stop_on_error = options.bail;
  execute.cancel = options.cancel;
  ProgressBar progress;  // on a terminal only
  // Counting parses the input a second time, so only when the line can be seen.
  const std::uint64_t total = options.progress && progress.enabled() ? CountStatements(input) : 0;
  const bool show_statements = total > 1;
  const bool output_is_terminal = ::isatty(::fileno(printer.out())) != 0;
  const auto show_statement_count = [&] {
    if (!show_statements) return;
    progress.UpdateStatements(outcome.statements, total,
                              std::chrono::duration<double>(Clock::now() - run_started).count());
  };
  show_statement_count();  // at once: the first statement may take a while (loading the model)
  // WRITE … CONTEXT of a big text: its tokens, in place of the statement count meanwhile.
  execute.on_progress = [&](std::uint64_t done, std::uint64_t total_tokens) {
    progress.Update(done, total_tokens);
  };
  execute.on_text = [&](std::string_view piece) {
    // GENERATE's text streams onto the line's terminal; the line comes back after the result.
    if (output_is_terminal) progress.Clear();
    printer.Text(piece);
  };
  execute.on_result = [&](std::string_view statement, const Result<StatementResult>& result) {
    // Without the statement count, a WRITE … CONTEXT's token line ends with its statement.
    if (!show_statements || PrintsOnTerminal(result, output_is_terminal, options.timer)) {
      progress.Clear();
    }
    // The statement's run time: from the end of the previous one's printing to its result.
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    ++outcome.statements;
    if (!result.ok()) ++outcome.failed;
    printer.Print(result, input, statement);
    if (options.timer) printer.Timer(seconds);
    // Back at once after an erase (not held to the redraw rate), so that it is there while the
    // next statement runs; then it costs one redraw per result printed to the terminal.
    show_statement_count();
    started = Clock::now();
  };
  session.Execute(input, execute);
  progress.Clear();  // before whatever the caller prints next
  return outcome;
}

Result<std::string> ReadScriptFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return NotFoundError("cannot open '" + path + "': " + std::strerror(errno));
  }
  std::string text = ReadAll(file);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) return InternalError("cannot read '" + path + "'");
  return text;
}

std::string ReadAll(std::FILE* file) {
  std::string text;
  char buffer[65536];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) text.append(buffer, n);
  return text;
}

bool AbortOpenTransaction(Session& session, ResultPrinter& printer, std::string_view where) {
  if (!session.in_transaction()) return false;
  session.AbortTransaction();
  printer.Note("Note: " + std::string(where) +
               " ended inside a transaction (BEGIN without COMMIT); it was aborted and its "
               "writes were discarded.");
  return true;
}

}  // namespace engram::cli
