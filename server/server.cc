#include "server/server.h"

#include <arpa/inet.h>
#include <signal.h>
#include <unistd.h>

#include <utility>

#include "server/connection.h"

namespace engram::server {
namespace {

std::string UvError(int code) {
  return std::string(uv_err_name(code)) + ": " + uv_strerror(code);
}

}  // namespace

Server::Server(Database& database, ServerOptions options)
    : database_(database),
      options_(std::move(options)),
      pool_(options_.threads),
      started_(std::chrono::steady_clock::now()) {
  uv_loop_init(&loop_);
}

Server::~Server() {
  pool_.Stop();
  // Run() closes every handle before it returns; a failed Run may leave some to close here.
  uv_walk(
      &loop_,
      [](uv_handle_t* handle, void*) {
        if (!uv_is_closing(handle)) uv_close(handle, nullptr);
      },
      nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

std::uint64_t Server::uptime_seconds() const {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_)
          .count());
}

Status Server::Run() {
  std::vector<std::string> addresses;
  uv_async_init(&loop_, &events_async_, &Server::OnEvents);
  events_async_.data = this;
  if (options_.port >= 0) {
    uv_tcp_init(&loop_, &tcp_);
    tcp_.data = this;
    has_tcp_ = true;
    sockaddr_storage address{};
    int rc = options_.bind.find(':') != std::string::npos
                 ? uv_ip6_addr(options_.bind.c_str(), options_.port,
                               reinterpret_cast<sockaddr_in6*>(&address))
                 : uv_ip4_addr(options_.bind.c_str(), options_.port,
                               reinterpret_cast<sockaddr_in*>(&address));
    if (rc != 0) return InternalError("--bind '" + options_.bind + "': " + UvError(rc));
    rc = uv_tcp_bind(&tcp_, reinterpret_cast<const sockaddr*>(&address), 0);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&tcp_), 511, &Server::OnConnection);
    if (rc != 0) {
      return InternalError("cannot listen on " + options_.bind + ":" +
                           std::to_string(options_.port) + ": " + UvError(rc));
    }
    sockaddr_storage bound{};
    int length = sizeof(bound);
    uv_tcp_getsockname(&tcp_, reinterpret_cast<sockaddr*>(&bound), &length);
    tcp_port_ =
        ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    const bool v6 = options_.bind.find(':') != std::string::npos;
    addresses.push_back("tcp://" + (v6 ? "[" + options_.bind + "]" : options_.bind) + ":" +
                        std::to_string(tcp_port_));
  }
  if (!options_.unix_socket.empty()) {
    uv_pipe_init(&loop_, &pipe_, 0);
    pipe_.data = this;
    has_pipe_ = true;
    ::unlink(options_.unix_socket.c_str());  // a stale socket of an earlier run
    int rc = uv_pipe_bind(&pipe_, options_.unix_socket.c_str());
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&pipe_), 511, &Server::OnConnection);
    if (rc != 0) {
      return InternalError("cannot listen on unix:" + options_.unix_socket + ": " + UvError(rc));
    }
    addresses.push_back("unix:" + options_.unix_socket);
  }
  if (addresses.empty()) return InternalError("no listener: give --port or --unixsocket");

  uv_signal_init(&loop_, &sigterm_);
  sigterm_.data = this;
  uv_signal_start(&sigterm_, &Server::OnSignal, SIGTERM);
  uv_signal_init(&loop_, &sigint_);
  sigint_.data = this;
  uv_signal_start(&sigint_, &Server::OnSignal, SIGINT);
  uv_timer_init(&loop_, &timer_);
  timer_.data = this;
  uv_timer_start(&timer_, &Server::OnTimer, 1000, 1000);

  if (options_.on_ready) options_.on_ready(addresses);
  uv_run(&loop_, UV_RUN_DEFAULT);
  pool_.Stop();
  return Status::Ok();
}

void Server::OnConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<Server*>(listener->data);
  if (status < 0 || self->draining_) return;
  self->Accept(listener, listener == reinterpret_cast<uv_stream_t*>(&self->tcp_));
}

void Server::Accept(uv_stream_t* listener, bool tcp) {
  auto* connection = new Connection(*this, next_id_++, tcp);
  if (uv_accept(listener, connection->stream()) != 0) {
    connection->CloseNow();  // its close callback deletes it
    connections_[connection->id()] = connection;
    return;
  }
  ++stats_.connections_received;
  connections_[connection->id()] = connection;
  if (tcp) uv_tcp_nodelay(reinterpret_cast<uv_tcp_t*>(connection->stream()), 1);
  if (connections_.size() > options_.max_clients) {
    ++stats_.connections_rejected;
    connection->Refuse(
        "LIMIT", "max number of clients reached (" + std::to_string(options_.max_clients) + ")");
    return;
  }
  connection->Start();
}

void Server::Forget(std::uint64_t id) {
  connections_.erase(id);
  if (draining_) MaybeFinish();
}

void Server::Post(std::uint64_t id, std::string bytes, bool final, bool generate) {
  std::lock_guard lock(events_mutex_);
  // A job that outlives every connection (its client left) may finish after the loop closed.
  if (events_closed_) return;
  events_.push_back(Event{id, std::move(bytes), final, generate});
  uv_async_send(&events_async_);
}

void Server::OnEvents(uv_async_t* async) {
  auto* self = static_cast<Server*>(async->data);
  std::vector<Event> events;
  {
    std::lock_guard lock(self->events_mutex_);
    events.swap(self->events_);
  }
  for (Event& event : events) {
    if (event.generate && self->generates_in_flight_ > 0) --self->generates_in_flight_;
    auto it = self->connections_.find(event.id);
    // A client that has gone gets nothing; its statement has finished all the same.
    if (it != self->connections_.end()) it->second->OnEvent(std::move(event.bytes), event.final);
  }
}

void Server::OnTimer(uv_timer_t* timer) {
  auto* self = static_cast<Server*>(timer->data);
  if (self->options_.idle_timeout.count() <= 0) return;
  const auto now = std::chrono::steady_clock::now();
  std::vector<Connection*> idle;
  for (auto& [id, connection] : self->connections_) {
    if (!connection->busy() && now - connection->last_active() > self->options_.idle_timeout) {
      idle.push_back(connection);
    }
  }
  for (Connection* connection : idle) connection->CloseNow();
}

void Server::OnSignal(uv_signal_t* signal, int) {
  static_cast<Server*>(signal->data)->StartDrain();
}

void Server::StartDrain() {
  if (draining_) return;
  draining_ = true;
  if (has_tcp_) uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), nullptr);
  if (has_pipe_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&pipe_), nullptr);
    ::unlink(options_.unix_socket.c_str());
  }
  std::vector<Connection*> open;
  for (auto& [id, connection] : connections_) open.push_back(connection);
  for (Connection* connection : open) connection->Drain();
  MaybeFinish();
}

void Server::MaybeFinish() {
  if (finished_ || !connections_.empty()) return;
  finished_ = true;
  // Every reply owed has been written: close the loop's own handles so uv_run returns.
  uv_close(reinterpret_cast<uv_handle_t*>(&sigterm_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigint_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
  {
    std::lock_guard lock(events_mutex_);
    events_closed_ = true;
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&events_async_), nullptr);
}

}  // namespace engram::server
