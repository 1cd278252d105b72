#include "query/compute_client/compute_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

namespace engram::query {
namespace fs = std::filesystem;
namespace {

bool IsExecutable(const fs::path& p) {
  return ::access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p);
}

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "stopped";
}

// Reads the child's stdout until the "listening on" line, the child exits, or the deadline.
Status AwaitReady(int fd, pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string seen;
  char buf[512];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return ComputeError("engram-compute did not start within " + std::to_string(timeout.count()) +
                          " ms");
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 200)));
    if (r < 0 && errno != EINTR)
      return ComputeError(std::string("poll failed: ") + std::strerror(errno));
    if (r > 0) {
      const ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n > 0) {
        seen.append(buf, static_cast<std::size_t>(n));
        if (seen.find("listening on") != std::string::npos &&
            seen.find('\n') != std::string::npos) {
          return Status::Ok();
        }
        continue;
      }
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return ComputeError("engram-compute " + DescribeExit(status) +
                          " before listening (see its stderr)");
    }
  }
}

}  // namespace

std::string FindComputeBinary() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && IsExecutable(exe.parent_path() / "engram-compute"))
    return (exe.parent_path() / "engram-compute").string();
  if (const char* env = std::getenv("ENGRAM_COMPUTE"); env != nullptr && IsExecutable(env))
    return env;
  if (const char* path = std::getenv("PATH")) {
    std::string_view rest(path);
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const fs::path candidate = fs::path(std::string(rest.substr(0, colon))) / "engram-compute";
      if (IsExecutable(candidate)) return candidate.string();
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  return "";
}

Result<std::unique_ptr<ComputeProcess>> ComputeProcess::Spawn(const SpawnOptions& options) {
  const std::string binary = options.binary.empty() ? FindComputeBinary() : options.binary;
  if (binary.empty() || !IsExecutable(binary)) {
    return NotFoundError(
        "engram-compute binary not found (looked next to this program, in $ENGRAM_COMPUTE and on "
        "PATH)");
  }
  std::unique_ptr<ComputeProcess> process(new ComputeProcess());
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/engram-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    return ComputeError(std::string("cannot create a private socket directory: ") +
                        std::strerror(errno));
  }
  process->dir_ = templ;
  process->address_.kind = protocol::Address::Kind::kUnix;
  process->address_.path = templ + "/compute.sock";

  // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
  // The lifeline: the child watches the read end and exits at end of file, which happens when
  // this process closes the write end or dies in any way (unlike PR_SET_PDEATHSIG, this does
  // not depend on which thread spawned the child).
  int life[2];
  if (::pipe2(life, O_CLOEXEC) != 0) {
    return ComputeError(std::string("pipe failed: ") + std::strerror(errno));
  }
  process->lifeline_ = life[1];
  // In the child the lifeline is moved to this descriptor and everything above it is closed.
  constexpr int kChildLifelineFd = 3;
  std::vector<std::string> args = {binary,        "serve",
                                   "--listen",    process->address_.ToString(),
                                   "--parent-fd", std::to_string(kChildLifelineFd)};
  if (!options.model.empty()) {
    args.push_back("--model");
    args.push_back(options.model);
  }
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(life[0]);
    return ComputeError(std::string("pipe failed: ") + std::strerror(errno));
  }
  const long max_fd = ::sysconf(_SC_OPEN_MAX);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out[0]);
    ::close(out[1]);
    ::close(life[0]);
    return ComputeError(std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec. dup2 clears O_CLOEXEC on the copies.
    // A process group of its own: a Ctrl-C typed at the engine's terminal (the REPL cancels a
    // GENERATE with it) must not reach the co-process. The lifeline still ends it with us.
    ::setpgid(0, 0);
    ::dup2(out[1], STDOUT_FILENO);
    if (life[0] == kChildLifelineFd) {
      ::fcntl(kChildLifelineFd, F_SETFD, 0);  // dup2 onto itself would keep O_CLOEXEC
    } else {
      ::dup2(life[0], kChildLifelineFd);
    }
    // Close every other inherited descriptor: sockets of the engine's other connections
    // (Boost.Asio does not open them close-on-exec) must not be kept alive by the child.
    if (::syscall(SYS_close_range, kChildLifelineFd + 1, ~0U, 0) != 0) {
      for (long fd = kChildLifelineFd + 1; fd < max_fd; ++fd) ::close(static_cast<int>(fd));
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(life[0]);
  process->pid_ = pid;
  Status ready = AwaitReady(out[0], pid, options.start_timeout);
  ::close(out[0]);  // the child ignores SIGPIPE; it prints nothing more on stdout
  if (!ready.ok()) {
    process->Alive();  // reaps a child that already exited
    return ready;      // the destructor stops a live child and removes the directory
  }
  return process;
}

bool ComputeProcess::Alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    pid_ = -1;
    return false;
  }
  return true;
}

void ComputeProcess::Stop(std::chrono::milliseconds grace) {
  if (lifeline_ >= 0) {
    ::close(lifeline_);  // the child sees end of file and shuts down
    lifeline_ = -1;
  }
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    dir_.clear();
  }
}

ComputeProcess::~ComputeProcess() {
  Stop();
}

}  // namespace engram::query
