#include "client/cli/script_runner.h"

#include <cerrno>
#include <chrono>
#include <cstring>

#include "client/cli/progress_bar.h"

namespace engram::cli {

RunOutcome RunStatements(Session& session, std::string_view input, ResultPrinter& printer,
                         const RunOptions& options) {
  using Clock = std::chrono::steady_clock;
  RunOutcome outcome;
  Clock::time_point started = Clock::now();
  ExecuteOptions execute;
  execute.stop_on_error = options.bail;
  execute.cancel = options.cancel;
  ProgressBar progress;  // WRITE … CONTEXT of a big text, on a terminal
  execute.on_progress = [&](std::uint64_t done, std::uint64_t total) {
    progress.Update(done, total);
  };
  execute.on_text = [&](std::string_view piece) { printer.Text(piece); };
  execute.on_result = [&](std::string_view statement, const Result<StatementResult>& result) {
    progress.Clear();
    // The statement's run time: from the end of the previous one's printing to its result.
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    ++outcome.statements;
    if (!result.ok()) ++outcome.failed;
    printer.Print(result, input, statement);
    if (options.timer) printer.Timer(seconds);
    started = Clock::now();
  };
  session.Execute(input, execute);
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
