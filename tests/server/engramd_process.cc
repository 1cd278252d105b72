#include "tests/server/engramd_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

namespace engram::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "engramd-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

std::string EngramdBinary() {
  return std::string(ENGRAM_BIN_DIR) + "/engramd";
}

EngramdProcess::EngramdProcess(const std::vector<std::string>& extra_args,
                               const std::string& db_dir)
    : db_(db_dir.empty() ? dir_.path() + "/db" : db_dir),
      socket_(dir_.path() + "/engramd.sock"),
      log_(dir_.path() + "/engramd.log") {
  std::vector<std::string> args = {EngramdBinary(), "--db", db_, "--port", "0",
                                   "--unixsocket",  socket_};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  int out[2];
  if (::pipe(out) != 0) return;
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], 1);
    const int err = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (err >= 0) ::dup2(err, 2);
    ::close(out[0]);
    ::close(out[1]);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  // The ready line: "engramd ready tcp://127.0.0.1:PORT unix:PATH".
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buffer[256];
    const ssize_t n = ::read(out[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    line.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  const std::string marker = "tcp://127.0.0.1:";
  const std::size_t at = line.find(marker);
  if (line.rfind("engramd ready", 0) == 0 && at != std::string::npos) {
    port_ = std::atoi(line.c_str() + at + marker.size());
  }
  EXPECT_GT(port_, 0) << "engramd did not start: " << line << "\n" << Log();
}

EngramdProcess::~EngramdProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string EngramdProcess::Log() const {
  std::ifstream file(log_);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

int EngramdProcess::Stop(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  return Wait(timeout);
}

int EngramdProcess::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

std::unique_ptr<remote::RespConnection> Connect(const std::string& address,
                                                std::chrono::milliseconds timeout) {
  Result<remote::RespAddress> parsed = remote::ParseRespAddress(address);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  if (!parsed.ok()) return nullptr;
  auto connection = remote::RespConnection::Open(*parsed, timeout);
  EXPECT_TRUE(connection.ok()) << address << ": " << connection.status().ToString();
  if (!connection.ok()) return nullptr;
  return std::move(*connection);
}

remote::RespValue Call(remote::RespConnection& connection, const std::vector<std::string>& args) {
  remote::RespValue failed;
  failed.type = remote::RespValue::Type::kError;
  Status sent = connection.Send(args);
  if (!sent.ok()) {
    failed.text = "TRANSPORT " + sent.message();
    return failed;
  }
  while (true) {
    Result<remote::RespValue> reply = connection.Receive();
    if (!reply.ok()) {
      failed.text = "TRANSPORT " + reply.status().message();
      return failed;
    }
    if (reply->type != remote::RespValue::Type::kPush) return std::move(*reply);
  }
}

const remote::RespValue* MapGet(const remote::RespValue& map, const std::string& key) {
  for (std::size_t i = 0; i + 1 < map.elements.size(); i += 2) {
    if (map.elements[i].text == key) return &map.elements[i + 1];
  }
  return nullptr;
}

std::vector<pid_t> ChildPids(pid_t parent) {
  std::vector<pid_t> children;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return children;
  while (dirent* entry = ::readdir(proc)) {
    const pid_t pid = std::atoi(entry->d_name);
    if (pid <= 0) continue;
    std::ifstream stat("/proc/" + std::string(entry->d_name) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // pid (comm) state ppid ...: comm may hold spaces, so parse after the last ')'.
    const std::size_t close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(text.substr(close + 1));
    std::string state;
    pid_t ppid = 0;
    fields >> state >> ppid;
    if (ppid == parent && state != "Z") children.push_back(pid);
  }
  ::closedir(proc);
  return children;
}

}  // namespace engram::testing
