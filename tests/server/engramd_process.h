// A real engramd for the server tests: started on a fresh database directory with a free TCP
// port (--port 0) and a unix socket, stopped with SIGTERM. Also a blocking RESP client on top
// of the remote client's transport, and helpers to find and kill engramd's co-process.
#ifndef ENGRAM_TESTS_SERVER_ENGRAMD_PROCESS_H_
#define ENGRAM_TESTS_SERVER_ENGRAMD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "client/remote/resp_connection.h"

namespace engram::testing {

// A scratch directory removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class EngramdProcess {
 public:
  // Starts `engramd --db <dir>/db --port 0 --unixsocket <dir>/engramd.sock EXTRA...` and waits
  // for its ready line. started() tells whether that worked (the test then fails).
  explicit EngramdProcess(const std::vector<std::string>& extra_args = {},
                          const std::string& db_dir = "");
  ~EngramdProcess();  // SIGKILL when still running
  EngramdProcess(const EngramdProcess&) = delete;
  EngramdProcess& operator=(const EngramdProcess&) = delete;

  bool started() const { return port_ > 0; }
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  const std::string& unix_socket() const { return socket_; }
  const std::string& db() const { return db_; }
  const std::string& dir() const { return dir_.path(); }
  std::string tcp_address() const { return "resp://127.0.0.1:" + std::to_string(port_); }
  // The server's stderr so far.
  std::string Log() const;

  // SIGTERM, then waits up to `timeout`; the exit status, or -1 (killed, or did not exit).
  int Stop(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Waits up to `timeout` for an exit already under way (no signal sent); as Stop.
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  TempDir dir_;
  std::string db_;
  std::string socket_;
  std::string log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// A RESP connection to `address` ("resp://127.0.0.1:port" or "unix:/path"), nullptr (and a
// test failure) when it cannot connect.
std::unique_ptr<remote::RespConnection> Connect(
    const std::string& address, std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Sends `args` and returns the reply (pushes skipped); a failed receive is a kError value
// "TRANSPORT <message>".
remote::RespValue Call(remote::RespConnection& connection, const std::vector<std::string>& args);

// The value of `key` in a map reply, or nullptr.
const remote::RespValue* MapGet(const remote::RespValue& map, const std::string& key);

// Pids of the processes whose parent is `parent`.
std::vector<pid_t> ChildPids(pid_t parent);

// ENGRAM_BIN_DIR/engramd.
std::string EngramdBinary();

}  // namespace engram::testing

#endif  // ENGRAM_TESTS_SERVER_ENGRAMD_PROCESS_H_
