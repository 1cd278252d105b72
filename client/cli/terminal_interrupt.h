// Ctrl-C on the REPL's terminal while a statement runs, without a signal.
//
// While a statement runs, the REPL turns the terminal's signal keys off (no ISIG) and this
// watcher reads the keys itself: Ctrl-C (0x03) sets the cancel flag that
// ExecuteOptions::cancel polls; any other key typed meanwhile is kept and handed back, to be
// fed to readline as type-ahead. Reading the key rather than catching SIGINT keeps the signal
// from every other process in the terminal's foreground group (a co-process started by hand
// in the same shell, say; the engine's own spawned co-process has a process group of its own)
// and keeps what the user types during a long GENERATE for the next prompt.
//
// Usage: construct before Execute, call Stop() after it. Without a terminal on `fd` it does
// nothing. Not copyable; one per statement run, used from the thread that made it.
#ifndef ENGRAM_CLIENT_CLI_TERMINAL_INTERRUPT_H_
#define ENGRAM_CLIENT_CLI_TERMINAL_INTERRUPT_H_

#include <termios.h>

#include <atomic>
#include <string>
#include <thread>

namespace engram::cli {

class TerminalInterruptWatcher {
 public:
  // Switches the terminal on `fd` to non-canonical input without echo and signal keys, and
  // starts watching it; Ctrl-C then sets `*cancel` to true. `cancel` must outlive the watcher.
  TerminalInterruptWatcher(int fd, std::atomic<bool>* cancel);
  ~TerminalInterruptWatcher();
  TerminalInterruptWatcher(const TerminalInterruptWatcher&) = delete;
  TerminalInterruptWatcher& operator=(const TerminalInterruptWatcher&) = delete;

  // Stops watching, restores the terminal's settings and returns the other bytes typed
  // meanwhile (at most 4 KiB). Idempotent; the destructor calls it.
  std::string Stop();

 private:
  void Watch();

  int fd_;
  std::atomic<bool>* cancel_;
  bool active_ = false;
  termios saved_{};
  int wake_[2] = {-1, -1};
  std::thread thread_;
  std::string typed_;  // written by the watcher thread, read after join
};

}  // namespace engram::cli

#endif  // ENGRAM_CLIENT_CLI_TERMINAL_INTERRUPT_H_
