#include "tests/cli/engram_process.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <thread>

namespace engram::testing {
namespace {

std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return argv;
}

int ExitCode(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// In a forked child: sets the environment and working directory, then runs engram.
[[noreturn]] void ExecEngram(const std::vector<std::string>& args,
                             const std::vector<std::string>& env, const std::string& cwd) {
  for (const std::string& entry : env) {
    std::string copy = entry;
    const std::size_t eq = copy.find('=');
    if (eq != std::string::npos) ::setenv(copy.substr(0, eq).c_str(), copy.c_str() + eq + 1, 1);
  }
  if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
  std::vector<std::string> full = {EngramBinary()};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv = Argv(full);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

}  // namespace

std::string EngramBinary() {
  return std::string(ENGRAM_BIN_DIR) + "/engram";
}

ProcessResult RunEngram(const std::vector<std::string>& args, std::string_view stdin_text,
                        const std::vector<std::string>& env, const std::string& cwd) {
  ProcessResult result;
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    return result;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ExecEngram(args, env, cwd);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  ::signal(SIGPIPE, SIG_IGN);
  std::size_t written = 0;
  int in_fd = in[1];
  if (stdin_text.empty()) {
    ::close(in_fd);
    in_fd = -1;
  }
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    pollfd fds[3] = {{out_open ? out[0] : -1, POLLIN, 0},
                     {err_open ? err[0] : -1, POLLIN, 0},
                     {in_fd, POLLOUT, 0}};
    if (::poll(fds, 3, 60000) <= 0) break;
    char buffer[65536];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof(buffer));
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
      } else {
        (i == 0 ? out_open : err_open) = false;
      }
    }
    if (in_fd >= 0 && fds[2].revents != 0) {
      const ssize_t n = ::write(in_fd, stdin_text.data() + written, stdin_text.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n <= 0 || written == stdin_text.size()) {
        ::close(in_fd);
        in_fd = -1;
      }
    }
  }
  if (in_fd >= 0) ::close(in_fd);
  ::close(out[0]);
  ::close(err[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = ExitCode(status);
  return result;
}

PtySession::PtySession(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  winsize size{};
  size.ws_row = 40;
  size.ws_col = 100;
  pid_ = ::forkpty(&master_, nullptr, nullptr, &size);
  if (pid_ == 0) ExecEngram(args, env, "");
  if (pid_ < 0) master_ = -1;
}

PtySession::~PtySession() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (master_ >= 0) ::close(master_);
}

void PtySession::Send(std::string_view keys) {
  while (!keys.empty()) {
    const ssize_t n = ::write(master_, keys.data(), keys.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    keys.remove_prefix(static_cast<std::size_t>(n));
  }
}

void PtySession::ReadAvailable(int timeout_ms) {
  pollfd fd = {master_, POLLIN, 0};
  if (::poll(&fd, 1, timeout_ms) <= 0) return;
  char buffer[4096];
  const ssize_t n = ::read(master_, buffer, sizeof(buffer));
  if (n > 0) output_.append(buffer, static_cast<std::size_t>(n));
}

bool PtySession::ReadUntil(std::string_view marker, int count, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int found = 0;
    std::size_t at = mark_;
    std::size_t last_end = mark_;
    while ((at = output_.find(marker, at)) != std::string::npos) {
      ++found;
      at += marker.size();
      last_end = at;
      if (found == count) {
        mark_ = last_end;
        return true;
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    ReadAvailable(50);
  }
}

int PtySession::Wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      ReadAvailable(0);
      return ExitCode(status);
    }
    ReadAvailable(50);
  }
  return -1;
}

}  // namespace engram::testing
