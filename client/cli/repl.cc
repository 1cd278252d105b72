#include "client/cli/repl.h"

// readline's headers need <cstdio> first.
#include <cstdio>
// clang-format off
#include <readline/readline.h>
#include <readline/history.h>
// clang-format on
#include <pwd.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "client/cli/repl_state.h"
#include "client/cli/terminal_interrupt.h"
#include "query/language/input.h"

#ifndef ENGRAM_VERSION
#define ENGRAM_VERSION "dev"
#endif

namespace engram::cli {
namespace {

constexpr const char* kPrompt = "engram> ";
constexpr const char* kContinuationPrompt = "   ...> ";
constexpr int kHistoryEntries = 1000;

// Set by Ctrl-C (the terminal watcher while a statement runs, SIGINT from elsewhere); polled by
// a running GENERATE.
std::atomic<bool> g_cancel{false};
// Ctrl-C was typed at the prompt: readline returns the line, which is thrown away.
bool g_cleared_at_prompt = false;

extern "C" void OnSigint(int) {
  g_cancel.store(true);
}

// readline's terminal preparation, with the signal keys off: Ctrl-C arrives as a key (below)
// instead of a SIGINT sent to the whole foreground process group (see terminal_interrupt.h).
void PrepareTerminal(int meta_flag) {
  rl_prep_terminal(meta_flag);
  termios settings{};
  const int fd = ::fileno(rl_instream != nullptr ? rl_instream : stdin);
  if (::tcgetattr(fd, &settings) == 0) {
    settings.c_lflag &= static_cast<tcflag_t>(~ISIG);
    ::tcsetattr(fd, TCSANOW, &settings);
  }
}

// Ctrl-C at the prompt: show "^C", end the line, and have the REPL drop it.
int ClearInput(int, int) {
  rl_point = rl_end;
  rl_redisplay();
  std::fputs("^C", rl_outstream);
  rl_crlf();
  std::fflush(rl_outstream);
  g_cleared_at_prompt = true;
  rl_done = 1;
  return 0;
}

std::string HistoryPath() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    const passwd* user = ::getpwuid(::getuid());
    home = user != nullptr ? user->pw_dir : nullptr;
  }
  return home != nullptr ? std::string(home) + "/.engram_history" : std::string();
}

std::string_view TrimLeft(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return text;
}

// Runs `run` with Ctrl-C watched on the terminal, then hands the keys typed meanwhile back to
// readline.
template <typename Run>
void Watched(Run run) {
  g_cancel.store(false);
  TerminalInterruptWatcher watcher(STDIN_FILENO, &g_cancel);
  run();
  const std::string typed = watcher.Stop();
  for (char c : typed) rl_stuff_char(static_cast<unsigned char>(c));
  g_cancel.store(false);
}

}  // namespace

int RunRepl(std::unique_ptr<Database> db, const ReplConfig& config) {
  ReplState state{std::move(db), config.db_path, config.db_options, ResultPrinter(config.mode)};
  state.run.bail = config.bail;
  state.run.cancel = &g_cancel;

  std::printf("engram %s, database %s\n", ENGRAM_VERSION, state.db_path.c_str());
  std::printf("Statements end with ';'. Enter .help for help, Ctrl-D or .quit to leave.\n");
  std::fflush(stdout);

  rl_readline_name = "engram";
  rl_catch_signals = 0;
  rl_prep_term_function = PrepareTerminal;
  rl_bind_key(3, ClearInput);
  using_history();
  stifle_history(kHistoryEntries);
  history_write_timestamps = 1;  // so that multi-line entries read back as one
  history_multiline_entries = 1;
  history_comment_char = '#';  // timestamps are "#<seconds>" lines
  const std::string history_path = HistoryPath();
  if (!history_path.empty()) read_history(history_path.c_str());

  struct sigaction on_sigint {};
  struct sigaction previous_sigint {};
  on_sigint.sa_handler = OnSigint;
  on_sigint.sa_flags = SA_RESTART;
  sigemptyset(&on_sigint.sa_mask);
  ::sigaction(SIGINT, &on_sigint, &previous_sigint);

  std::string pending;  // the lines of a statement not yet complete
  while (!state.quit) {
    g_cleared_at_prompt = false;
    char* raw = readline(pending.empty() ? kPrompt : kContinuationPrompt);
    if (g_cleared_at_prompt) {
      std::free(raw);
      pending.clear();
      continue;
    }
    if (raw == nullptr) {  // Ctrl-D
      std::fputc('\n', stdout);
      break;
    }
    std::string line(raw);
    std::free(raw);
    if (pending.empty()) {
      const std::string_view start = TrimLeft(line);
      if (start.empty()) continue;
      if (start.front() == '.') {
        add_history(line.c_str());
        Watched([&] { RunDotCommand(start, state); });
        continue;
      }
    } else {
      pending += '\n';
    }
    pending += line;
    const query::InputState input_state = query::ScanInput(pending);
    if (input_state == query::InputState::kEmpty) {
      pending.clear();
      continue;
    }
    if (!query::IsComplete(pending)) continue;
    add_history(pending.c_str());
    Watched([&] { RunInput(state, pending); });
    pending.clear();
  }
  // End of input after a statement without its ';': run it, as a script's last statement.
  if (query::ScanInput(pending) == query::InputState::kIncomplete) {
    Watched([&] { RunInput(state, pending); });
  }
  if (state.db) AbortOpenTransaction(state.db->default_session(), state.printer, "the REPL");

  // The whole (stifled) history replaces the file; failures (a read-only home, ...) are ignored.
  if (!history_path.empty()) write_history(history_path.c_str());
  ::sigaction(SIGINT, &previous_sigint, nullptr);
  return 0;
}

}  // namespace engram::cli
