// Running the real `engram` binary in tests: once with pipes (stdin text in, stdout and stderr
// captured apart, exit status), or interactively on a pseudo-terminal (the REPL).
#ifndef ENGRAM_TESTS_CLI_ENGRAM_PROCESS_H_
#define ENGRAM_TESTS_CLI_ENGRAM_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace engram::testing {

// ENGRAM_BIN_DIR/engram.
std::string EngramBinary();

struct ProcessResult {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string out;
  std::string err;
};

// Runs `engram ARGS` with `stdin_text` on its stdin (a pipe, so not a terminal), `env` added to
// the environment ("NAME=value"), and `cwd` as its working directory when not empty.
ProcessResult RunEngram(const std::vector<std::string>& args, std::string_view stdin_text = "",
                        const std::vector<std::string>& env = {}, const std::string& cwd = "");

// `engram ARGS` on a pseudo-terminal: stdin, stdout and stderr are the terminal.
class PtySession {
 public:
  PtySession(const std::vector<std::string>& args, const std::vector<std::string>& env);
  ~PtySession();
  PtySession(const PtySession&) = delete;
  PtySession& operator=(const PtySession&) = delete;

  bool started() const { return pid_ > 0; }
  // Types `keys` on the terminal.
  void Send(std::string_view keys);
  // Reads output until the text read since the last call contains `marker` at least `count`
  // times, or `timeout` passes. Returns whether it was found.
  bool ReadUntil(std::string_view marker, int count = 1,
                 std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Everything read so far.
  const std::string& output() const { return output_; }
  // Waits for the process to exit (reading what it still prints); its exit status or -1.
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  void ReadAvailable(int timeout_ms);

  pid_t pid_ = -1;
  int master_ = -1;
  std::string output_;
  std::size_t mark_ = 0;  // where ReadUntil's current search starts
};

}  // namespace engram::testing

#endif  // ENGRAM_TESTS_CLI_ENGRAM_PROCESS_H_
