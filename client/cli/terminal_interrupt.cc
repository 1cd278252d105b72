#include "client/cli/terminal_interrupt.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace engram::cli {
namespace {

constexpr char kControlC = 0x03;
constexpr std::size_t kMaxTypeAhead = 4096;

}  // namespace

TerminalInterruptWatcher::TerminalInterruptWatcher(int fd, std::atomic<bool>* cancel)
    : fd_(fd), cancel_(cancel) {
  if (::isatty(fd_) == 0 || ::tcgetattr(fd_, &saved_) != 0) return;
  termios raw = saved_;
  raw.c_lflag &= static_cast<tcflag_t>(~(ISIG | ICANON | ECHO));
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  if (::pipe2(wake_, O_CLOEXEC) != 0) return;
  if (::tcsetattr(fd_, TCSANOW, &raw) != 0) {
    ::close(wake_[0]);
    ::close(wake_[1]);
    wake_[0] = wake_[1] = -1;
    return;
  }
  active_ = true;
  thread_ = std::thread([this] { Watch(); });
}

TerminalInterruptWatcher::~TerminalInterruptWatcher() {
  Stop();
}

std::string TerminalInterruptWatcher::Stop() {
  if (!active_) return {};
  active_ = false;
  const char wake = 'w';
  while (::write(wake_[1], &wake, 1) < 0 && errno == EINTR) {
  }
  thread_.join();
  ::tcsetattr(fd_, TCSANOW, &saved_);
  ::close(wake_[0]);
  ::close(wake_[1]);
  wake_[0] = wake_[1] = -1;
  return std::move(typed_);
}

void TerminalInterruptWatcher::Watch() {
  for (;;) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    const int ready = ::poll(fds, 2, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) != 0) {
      char buffer[256];
      const ssize_t n = ::read(fd_, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      for (ssize_t i = 0; i < n; ++i) {
        if (buffer[i] == kControlC) {
          cancel_->store(true);
        } else if (typed_.size() < kMaxTypeAhead) {
          typed_ += buffer[i];
        }
      }
    } else if (fds[0].revents != 0) {
      return;  // hang-up or error on the terminal
    }
  }
}

}  // namespace engram::cli
