// Connection: one client of engramd on the event loop: its socket, the bytes read and not yet
// parsed, the commands parsed and not yet run, the replies not yet written, its protocol
// version, who it authenticated as, and its Session.
//
// Commands run strictly in order: the connection-level ones (commands.h) right away on the
// loop, a statement on a worker, during which the connection reads ahead (up to
// max_pipelined commands) but starts nothing else; the statement's reply (Server::Post) lets it
// go on. The Session sits in a shared SessionSlot so that a job in flight keeps it alive after
// the client has gone; closing the connection raises the slot's cancel flag, which stops a
// GENERATE early.
//
// Ownership: created by Server::Accept with new; deletes itself in its close callback, after
// telling the Server (Forget). Thread-safety: loop thread only, except SessionSlot (below).
#ifndef ENGRAM_SERVER_CONNECTION_H_
#define ENGRAM_SERVER_CONNECTION_H_

#include <uv.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engram/database.h"
#include "server/resp_reader.h"

namespace engram::server {

class Server;

// A connection's Session and the flag that cancels its running GENERATE. The session is used
// by one job at a time (the connection runs one statement at a time); cancel may be raised from
// the loop while a worker polls it.
struct SessionSlot {
  std::unique_ptr<Session> session;
  std::atomic<bool> cancel{false};
};

class Connection {
 public:
  Connection(Server& server, std::uint64_t id, bool tcp);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The handle to accept into (uv_tcp_t or uv_pipe_t, initialised).
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&handle_); }
  // Starts reading (after a successful accept).
  void Start();
  // Replies `-CODE message` and closes once it is written.
  void Refuse(std::string_view code, std::string_view message);
  // Stops reading and closes once the replies owed are written (now when idle).
  void CloseAfterFlush();
  // Closes now, dropping unwritten replies (idle timeout, a dead peer).
  void CloseNow();
  // A job's bytes arrived (Server::Post): see there.
  void OnEvent(std::string bytes, bool final);
  // SIGTERM: start nothing new, finish what runs, then close.
  void Drain();

  std::uint64_t id() const { return id_; }
  bool busy() const { return busy_; }
  std::chrono::steady_clock::time_point last_active() const { return last_active_; }

  // --- for the command handlers (commands.cc) ---
  Server& server() { return server_; }
  int protocol = 2;
  bool authenticated = false;
  std::string user;
  std::string tenant = "default";
  std::string client_name;
  std::shared_ptr<SessionSlot> slot;  // opened on the first statement; replaced on a tenant change
  std::string out;                    // replies not yet handed to uv_write
  bool closing() const { return closing_; }
  // The statement now running on a worker; the next command waits for its reply.
  void SetBusy() { busy_ = true; }

 private:
  static void OnAlloc(uv_handle_t* handle, std::size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnClose(uv_handle_t* handle);
  void RunQueued();
  void Flush();
  void UpdateReading();
  void Close();

  Server& server_;
  std::uint64_t id_;
  union {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } handle_;
  RequestReader reader_;
  std::vector<std::string> scratch_;  // the command being parsed (reused: no allocation each)
  std::deque<std::vector<std::string>> queue_;
  bool busy_ = false;
  bool reading_ = false;
  bool closing_ = false;  // no more commands; close once flushed and idle
  bool closed_ = false;   // uv_close called
  bool read_eof_ = false;
  Status pending_error_;
  bool reader_failed_ = false;     // a protocol error ended the byte stream  // the protocol error
                                   // whose marker (an empty command) is queued
  std::size_t writing_bytes_ = 0;  // handed to uv_write, not yet confirmed
  std::chrono::steady_clock::time_point last_active_;
};

}  // namespace engram::server

#endif  // ENGRAM_SERVER_CONNECTION_H_
