// The engram-compute serve command as a process: it exits when its parent's lifeline closes,
// and refuses to replace a non-socket file at its unix address.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "query/compute_client/compute_link.h"

namespace engram::query {
namespace {

std::string Binary() {
  return std::string(ENGRAM_BIN_DIR) + "/engram-compute";
}

// fork + exec with stdout/stderr to `log`; `keep_fd` stays open in the child.
pid_t Start(const std::vector<std::string>& args, const std::string& log, int keep_fd = -1) {
  std::vector<std::string> argv_storage = args;
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    if (keep_fd >= 0) ::fcntl(keep_fd, F_SETFD, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// The exit status, or -1 if it is still running after `timeout`.
int WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(ServeProcessTest, ExitsCleanlyWhenTheLifelineCloses) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("engram-life-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  int life[2];
  ASSERT_EQ(::pipe2(life, O_CLOEXEC), 0);
  const std::string log = (dir / "log").string();
  const pid_t pid = Start({Binary(), "serve", "--listen", "unix:" + (dir / "s.sock").string(),
                           "--parent-fd", std::to_string(life[0])},
                          log, life[0]);
  ::close(life[0]);
  // Wait until it serves, then cut the lifeline as a dying parent would.
  for (int i = 0; i < 500 && Slurp(log).find("listening on") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_NE(Slurp(log).find("listening on"), std::string::npos) << Slurp(log);
  EXPECT_EQ(WaitFor(pid, std::chrono::milliseconds(300)), -1)
      << "must keep serving while the parent lives";
  ::close(life[1]);
  const int status = WaitFor(pid, std::chrono::seconds(10));
  ASSERT_NE(status, -1) << "engram-compute outlived its parent";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_FALSE(std::filesystem::exists(dir / "s.sock")) << "the socket file is removed on exit";
  std::filesystem::remove_all(dir);
}

TEST(ServeProcessTest, ServesOverTcpOnAnEphemeralPort) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("engram-tcp-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string log = (dir / "log").string();
  const pid_t pid = Start({Binary(), "serve", "--listen", "tcp://127.0.0.1:0"}, log);
  std::string ready;
  for (int i = 0; i < 500 && (ready = Slurp(log)).find("listening on") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // "engram-compute: listening on tcp://127.0.0.1:PORT (model ...)"
  const auto at = ready.find("tcp://");
  ASSERT_NE(at, std::string::npos) << ready;
  auto address = protocol::ParseAddress(ready.substr(at, ready.find(' ', at) - at));
  ASSERT_TRUE(address.ok()) << address.status().ToString();
  EXPECT_NE(address->port, 0) << "the ready line reports the bound port";

  LinkOptions options;
  options.address = *address;
  ComputeLink link(options);
  GenerateParams greedy;
  greedy.prompt_tokens = std::vector<int>{1};
  greedy.temperature = 0.0f;
  greedy.max_new_tokens = 200;
  auto result = link.Generate(greedy);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->text,
            Slurp(std::string(ENGRAM_SHARED_DIR) + "/models/stories260K/greedy_200.txt"));

  ::kill(pid, SIGTERM);
  const int status = WaitFor(pid, std::chrono::seconds(10));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  std::filesystem::remove_all(dir);
}

TEST(ServeProcessTest, RefusesToReplaceANonSocketFile) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("engram-file-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto precious = dir / "precious.txt";
  std::ofstream(precious) << "keep me";
  const std::string log = (dir / "log").string();
  const pid_t pid = Start({Binary(), "serve", "--listen", "unix:" + precious.string()}, log);
  const int status = WaitFor(pid, std::chrono::seconds(10));
  ASSERT_NE(status, -1);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
  EXPECT_NE(Slurp(log).find("EXISTS"), std::string::npos) << Slurp(log);
  EXPECT_EQ(Slurp(precious.string()), "keep me");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace engram::query
