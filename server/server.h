// Server: engramd's event loop (libuv). It accepts RESP clients on TCP and/or a unix socket,
// reads their pipelined commands, answers the connection-level ones (PING, HELLO, AUTH, QUIT,
// INFO) on the loop, and runs statements on a WorkerPool in one engram::Session per connection,
// so that model work never blocks the loop. Each connection's commands are answered in order,
// one statement at a time (a Session takes one call at a time); different connections run in
// parallel. docs/server.md describes the commands, replies, limits and shutdown.
//
// Ownership: the Database must outlive the Server. Thread-safety: Run is called once, on the
// thread that owns the loop; Post is the only method other threads call (through the jobs).
#ifndef ENGRAM_SERVER_SERVER_H_
#define ENGRAM_SERVER_SERVER_H_

#include <uv.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engram/database.h"
#include "engram/status.h"
#include "server/resp_reader.h"
#include "server/users.h"
#include "server/worker_pool.h"

namespace engram::server {

struct ServerOptions {
  std::string bind = "127.0.0.1";
  int port = 7379;          // 0: any free port (the ready line says which); -1: no TCP
  std::string unix_socket;  // empty: none
  UserTable users;          // empty: authentication is off, every client is tenant "default"
  ReaderLimits reader;
  std::size_t max_clients = 10000;
  std::chrono::seconds idle_timeout{300};  // 0: never close idle clients
  std::size_t max_generates = 8;           // GENERATEs running at once, all clients
  std::size_t threads = 8;                 // worker threads running statements
  std::size_t max_pipelined = 1024;        // commands read ahead per client before pausing
  std::size_t max_output_bytes = std::size_t{64} << 20;  // unsent replies before pausing
  // Called once the listeners are bound, with their addresses ("tcp://127.0.0.1:7379",
  // "unix:/path").
  std::function<void(const std::vector<std::string>& addresses)> on_ready;
};

// Counters for INFO (loop thread only).
struct ServerStats {
  std::uint64_t connections_received = 0;
  std::uint64_t connections_rejected = 0;
  std::uint64_t commands = 0;
  std::uint64_t statements = 0;
  std::uint64_t errors = 0;
  std::uint64_t protocol_errors = 0;
};

class Connection;

class Server {
 public:
  Server(Database& database, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listeners and runs the loop until SIGTERM or SIGINT has drained every client:
  // no new connections, commands already running finish and their replies are sent, commands
  // not yet started are dropped (never acknowledged), then the connections close. Errors:
  // INTERNAL when a listener cannot be bound (address in use, bad path).
  Status Run();

  // From a worker: bytes for connection `id` (a push frame, or with `final` the statement's
  // reply, which lets the connection go on with its next command). `generate` marks the final
  // event of a GENERATE (the in-flight count drops).
  void Post(std::uint64_t id, std::string bytes, bool final, bool generate);

  // --- for Connection and the command handlers (loop thread) ---
  uv_loop_t* loop() { return &loop_; }
  Database& database() { return database_; }
  const ServerOptions& options() const { return options_; }
  ServerStats& stats() { return stats_; }
  WorkerPool& pool() { return pool_; }
  bool auth_required() const { return !options_.users.empty(); }
  bool draining() const { return draining_; }
  std::size_t client_count() const { return connections_.size(); }
  std::size_t generates_in_flight() const { return generates_in_flight_; }
  void AddGenerate() { ++generates_in_flight_; }
  std::uint64_t uptime_seconds() const;
  int tcp_port() const { return tcp_port_; }
  // The connection is closed and gone (its close callback ran).
  void Forget(std::uint64_t id);

 private:
  static void OnConnection(uv_stream_t* listener, int status);
  static void OnEvents(uv_async_t* async);
  static void OnSignal(uv_signal_t* signal, int signum);
  static void OnTimer(uv_timer_t* timer);
  void Accept(uv_stream_t* listener, bool tcp);
  void StartDrain();
  void MaybeFinish();

  Database& database_;
  ServerOptions options_;
  ServerStats stats_;
  WorkerPool pool_;
  uv_loop_t loop_{};
  uv_tcp_t tcp_{};
  uv_pipe_t pipe_{};
  bool has_tcp_ = false;
  bool has_pipe_ = false;
  int tcp_port_ = 0;
  uv_async_t events_async_{};
  uv_signal_t sigterm_{};
  uv_signal_t sigint_{};
  uv_timer_t timer_{};
  bool draining_ = false;
  bool finished_ = false;
  std::uint64_t next_id_ = 1;
  std::size_t generates_in_flight_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::unordered_map<std::uint64_t, Connection*> connections_;

  struct Event {
    std::uint64_t id;
    std::string bytes;
    bool final;
    bool generate;
  };
  std::mutex events_mutex_;
  std::vector<Event> events_;
  bool events_closed_ = false;  // guarded by events_mutex_: the async handle is closing
};

}  // namespace engram::server

#endif  // ENGRAM_SERVER_SERVER_H_
