#include "compute/server/compute_server.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace engram::compute {
namespace asio = boost::asio;
using Protocol = asio::generic::stream_protocol;
using Acceptor = asio::basic_socket_acceptor<Protocol>;

class ComputeServer::Impl {
 public:
  class Session;

  Impl(ComputeService& service, const ServerOptions& options)
      : service_(service), options_(options), acceptor_(io_), signals_(io_) {}

  Result<protocol::Address> Listen(const protocol::Address& address);
  void Run(bool handle_signals);
  void WatchParent(int fd);
  void Stop() {
    asio::post(io_, [this] { DoStop(); });
  }
  void Forget(Session* session) { sessions_.erase(session); }

  ComputeService& service_;
  ServerOptions options_;
  asio::io_context io_;

 private:
  void Accept();
  void DoStop();

  Acceptor acceptor_;
  asio::steady_timer accept_retry_{io_};
  asio::signal_set signals_;
  std::unique_ptr<asio::posix::stream_descriptor> parent_;
  std::array<char, 64> parent_buffer_{};
  std::unordered_set<Session*> sessions_;  // owned by their own async operations
  std::string unix_path_;                  // removed on stop
};

class ComputeServer::Impl::Session final : public ReplySink,
                                           public std::enable_shared_from_this<Session> {
 public:
  Session(Protocol::socket socket, Impl& server)
      : socket_(std::move(socket)), server_(server), conn_(std::make_shared<ConnectionState>()) {}

  void Start() { ReadHeader(); }

  void Send(std::string frame, std::uint64_t id, bool final) override {
    asio::post(socket_.get_executor(),
               [self = shared_from_this(), f = std::move(frame), id, final]() mutable {
                 self->Enqueue(std::move(f));
                 if (final) self->OnRequestDone(id);
               });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(Protocol::socket::shutdown_both, ignored);
    socket_.close(ignored);
    server_.service_.OnDisconnect(*conn_);
    server_.Forget(this);
  }

 private:
  void ReadHeader() {
    asio::async_read(socket_, asio::buffer(header_),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (ec) return self->Close();
                       self->OnHeader();
                     });
  }

  void OnHeader() {
    auto length = protocol::DecodeFrameLength(header_.data(), server_.options_.max_frame_bytes);
    if (!length.ok()) {
      // The stream cannot be resynchronised after a bad length: reply, then close.
      close_after_write_ = true;
      return Enqueue(protocol::EncodeErrorFrame(0, length.status()));
    }
    try {
      payload_ = std::make_shared<protocol::FrameBuffer>(*length);
    } catch (const std::bad_alloc&) {
      close_after_write_ = true;
      return Enqueue(protocol::EncodeErrorFrame(
          0, LimitError("no memory for a frame of " + std::to_string(*length) + " bytes")));
    }
    asio::async_read(socket_, asio::buffer(payload_->data(), payload_->size()),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (ec) return self->Close();
                       self->OnPayload();
                     });
  }

  void OnPayload() {
    std::shared_ptr<const protocol::FrameBuffer> payload = std::move(payload_);
    auto frame = protocol::VerifyFrame({payload->data(), payload->size()});
    if (!frame.ok()) {
      Enqueue(protocol::EncodeErrorFrame(0, frame.status()));
    } else if (!protocol::IsRequestBody((*frame)->body_type())) {
      const auto body = (*frame)->body_type();
      Enqueue(protocol::EncodeErrorFrame(
          (*frame)->id(), SyntaxError("unknown op " + std::to_string(static_cast<int>(body)) +
                                      " (" + std::string(protocol::BodyName(body)) + ")")));
    } else if ((*frame)->body() == nullptr) {
      // A verified frame may name a request type yet carry no table for it.
      Enqueue(protocol::EncodeErrorFrame(
          (*frame)->id(), SyntaxError(std::string(protocol::BodyName((*frame)->body_type())) +
                                      " frame has no body")));
    } else {
      in_flight_.emplace((*frame)->id(), payload->size());
      in_flight_bytes_ += payload->size();
      server_.service_.Handle(payload, **frame, shared_from_this(), conn_);
    }
    ReadNextIfAllowed();
  }

  // Backpressure: a client that keeps sending without reading replies stops being read once it
  // has too many requests (or request bytes) in flight; reading resumes as replies complete.
  void ReadNextIfAllowed() {
    if (closed_) return;
    const bool over = in_flight_.size() >= server_.options_.max_requests_in_flight ||
                      in_flight_bytes_ >= server_.options_.max_request_bytes_in_flight;
    reading_paused_ = over;
    if (!over) ReadHeader();
  }

  void OnRequestDone(std::uint64_t id) {
    auto it = in_flight_.find(id);
    if (it == in_flight_.end()) return;
    in_flight_bytes_ -= it->second;
    in_flight_.erase(it);
    if (reading_paused_) ReadNextIfAllowed();
  }

  void Enqueue(std::string frame) {
    if (closed_) return;
    pending_bytes_ += frame.size();
    if (pending_bytes_ > server_.options_.max_pending_reply_bytes) return Close();
    queue_.push_back(std::move(frame));
    if (!writing_) WriteNext();
  }

  void WriteNext() {
    writing_ = true;
    asio::async_write(socket_, asio::buffer(queue_.front()),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->pending_bytes_ -= self->queue_.front().size();
                        self->queue_.pop_front();
                        if (ec) return self->Close();
                        if (!self->queue_.empty()) return self->WriteNext();
                        self->writing_ = false;
                        if (self->close_after_write_) self->Close();
                      });
  }

  Protocol::socket socket_;
  Impl& server_;
  std::shared_ptr<ConnectionState> conn_;
  std::array<std::uint8_t, protocol::kFrameHeaderBytes> header_{};
  std::shared_ptr<protocol::FrameBuffer> payload_;
  std::deque<std::string> queue_;
  std::size_t pending_bytes_ = 0;
  std::unordered_multimap<std::uint64_t, std::size_t> in_flight_;  // request id -> payload bytes
  std::size_t in_flight_bytes_ = 0;
  bool reading_paused_ = false;
  bool writing_ = false;
  bool close_after_write_ = false;
  bool closed_ = false;
};

Result<protocol::Address> ComputeServer::Impl::Listen(const protocol::Address& address) {
  boost::system::error_code ec;
  protocol::Address bound = address;
  if (address.kind == protocol::Address::Kind::kUnix) {
    asio::local::stream_protocol::endpoint endpoint(address.path);
    struct stat st {};
    if (::lstat(address.path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) {
        return Status::Error(ErrorCode::kExists, address.path + " exists and is not a socket");
      }
      asio::local::stream_protocol::socket probe(io_);
      probe.connect(endpoint, ec);
      if (!ec)
        return Status::Error(ErrorCode::kExists,
                             "another server is listening on " + address.ToString());
      ::unlink(address.path.c_str());  // a stale socket left by a dead server
      ec.clear();
    }
    const Protocol::endpoint generic(endpoint);
    acceptor_.open(generic.protocol(), ec);
    if (!ec) acceptor_.bind(generic, ec);
    unix_path_ = address.path;
  } else {
    asio::ip::tcp::resolver resolver(io_);
    auto results = resolver.resolve(address.host, std::to_string(address.port), ec);
    if (ec || results.empty())
      return InternalError("cannot resolve '" + address.host + "': " + ec.message());
    const Protocol::endpoint generic(results.begin()->endpoint());
    acceptor_.open(generic.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(generic, ec);
    if (!ec) {
      const Protocol::endpoint local = acceptor_.local_endpoint(ec);
      const auto* sa = reinterpret_cast<const sockaddr*>(local.data());
      if (sa->sa_family == AF_INET) {
        bound.port = ntohs(reinterpret_cast<const sockaddr_in*>(sa)->sin_port);
      } else if (sa->sa_family == AF_INET6) {
        bound.port = ntohs(reinterpret_cast<const sockaddr_in6*>(sa)->sin6_port);
      }
    }
  }
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    if (ec == asio::error::address_in_use) {
      return Status::Error(ErrorCode::kExists, address.ToString() + " is in use");
    }
    return InternalError("cannot listen on " + address.ToString() + ": " + ec.message());
  }
  Accept();
  return bound;
}

void ComputeServer::Impl::Accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, Protocol::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      // E.g. out of file descriptors: retry shortly instead of spinning on the error.
      accept_retry_.expires_after(std::chrono::milliseconds(100));
      accept_retry_.async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec) Accept();
      });
      return;
    }
    boost::system::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);  // fails harmlessly on unix
    if (sessions_.size() >= options_.max_connections) {
      const std::string reply = protocol::EncodeErrorFrame(
          0, LimitError("too many connections (" + std::to_string(options_.max_connections) + ")"));
      asio::write(socket, asio::buffer(reply), ignored);
      socket.close(ignored);
    } else {
      auto session = std::make_shared<Session>(std::move(socket), *this);
      sessions_.insert(session.get());
      session->Start();
    }
    Accept();
  });
}

void ComputeServer::Impl::Run(bool handle_signals) {
  if (handle_signals) {
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    signals_.async_wait([this](boost::system::error_code ec, int) {
      if (!ec) DoStop();
    });
  }
  io_.run();
}

void ComputeServer::Impl::WatchParent(int fd) {
  parent_ = std::make_unique<asio::posix::stream_descriptor>(io_, fd);
  // The parent never writes; end of file means it is gone (however it died).
  parent_->async_read_some(asio::buffer(parent_buffer_),
                           [this](boost::system::error_code ec, std::size_t) {
                             if (ec != asio::error::operation_aborted) DoStop();
                           });
}

void ComputeServer::Impl::DoStop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  signals_.cancel(ignored);
  if (parent_) parent_->close(ignored);
  // Close() removes the session from the set: iterate over a copy.
  std::vector<Session*> sessions(sessions_.begin(), sessions_.end());
  for (Session* s : sessions) s->Close();
  if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
  io_.stop();
}

ComputeServer::ComputeServer(ComputeService& service, const ServerOptions& options)
    : impl_(std::make_unique<Impl>(service, options)) {}

ComputeServer::~ComputeServer() = default;

Result<protocol::Address> ComputeServer::Listen(const protocol::Address& address) {
  return impl_->Listen(address);
}

void ComputeServer::Run(bool handle_signals) {
  impl_->Run(handle_signals);
}

void ComputeServer::WatchParent(int fd) {
  impl_->WatchParent(fd);
}

void ComputeServer::Stop() {
  impl_->Stop();
}

}  // namespace engram::compute
