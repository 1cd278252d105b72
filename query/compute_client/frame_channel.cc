#include "query/compute_client/frame_channel.h"

#include <array>

#include <boost/asio/connect.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace engram::query {
namespace asio = boost::asio;
using Protocol = asio::generic::stream_protocol;

struct FrameChannel::Impl {
  asio::io_context io;
  Protocol::socket socket{io};

  // Runs the io_context until `done` or the deadline; on timeout closes the socket (which
  // aborts the operation) and reports it.
  Status RunUntil(const bool& done, const boost::system::error_code& ec,
                  std::chrono::milliseconds timeout, std::string_view what) {
    io.restart();
    io.run_for(timeout);
    if (!done) {
      boost::system::error_code ignored;
      socket.close(ignored);
      io.restart();
      io.run();  // let the aborted operation finish
      return ComputeError("engram-compute did not answer within " +
                          std::to_string(timeout.count()) + " ms (" + std::string(what) + ")");
    }
    if (ec) {
      boost::system::error_code ignored;
      socket.close(ignored);
      if (ec == asio::error::eof || ec == asio::error::connection_reset ||
          ec == asio::error::broken_pipe) {
        return ComputeError("the connection to engram-compute was lost (" + std::string(what) +
                            ")");
      }
      return ComputeError("engram-compute connection failed while " + std::string(what) + ": " +
                          ec.message());
    }
    return Status::Ok();
  }
};

FrameChannel::FrameChannel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FrameChannel::~FrameChannel() = default;

Result<std::unique_ptr<FrameChannel>> FrameChannel::Connect(const protocol::Address& address,
                                                            std::chrono::milliseconds timeout) {
  auto impl = std::make_unique<Impl>();
  boost::system::error_code ec;
  bool done = false;
  if (address.kind == protocol::Address::Kind::kUnix) {
    const Protocol::endpoint endpoint{asio::local::stream_protocol::endpoint(address.path)};
    impl->socket.async_connect(endpoint, [&](boost::system::error_code e) {
      ec = e;
      done = true;
    });
  } else {
    asio::ip::tcp::resolver resolver(impl->io);
    auto results = resolver.resolve(address.host, std::to_string(address.port), ec);
    if (ec) return ComputeError("cannot resolve " + address.ToString() + ": " + ec.message());
    const Protocol::endpoint endpoint{results.begin()->endpoint()};
    impl->socket.async_connect(endpoint, [&](boost::system::error_code e) {
      ec = e;
      done = true;
    });
  }
  Status s = impl->RunUntil(done, ec, timeout, "connecting to " + address.ToString());
  if (!s.ok()) return s;
  boost::system::error_code ignored;
  impl->socket.set_option(asio::ip::tcp::no_delay(true), ignored);  // TCP only; harmless on unix
  return std::unique_ptr<FrameChannel>(new FrameChannel(std::move(impl)));
}

Status FrameChannel::Write(std::string_view bytes, std::chrono::milliseconds timeout) {
  if (!is_open()) return ComputeError("the connection to engram-compute is closed");
  boost::system::error_code ec;
  bool done = false;
  asio::async_write(impl_->socket, asio::buffer(bytes.data(), bytes.size()),
                    [&](boost::system::error_code e, std::size_t) {
                      ec = e;
                      done = true;
                    });
  return impl_->RunUntil(done, ec, timeout, "sending a request");
}

Result<ReceivedFrame> FrameChannel::Read(std::chrono::milliseconds timeout,
                                         std::size_t max_frame_bytes) {
  if (!is_open()) return ComputeError("the connection to engram-compute is closed");
  std::array<std::uint8_t, protocol::kFrameHeaderBytes> header{};
  boost::system::error_code ec;
  bool done = false;
  auto on_done = [&](boost::system::error_code e, std::size_t) {
    ec = e;
    done = true;
  };
  asio::async_read(impl_->socket, asio::buffer(header), on_done);
  ENGRAM_RETURN_IF_ERROR(impl_->RunUntil(done, ec, timeout, "waiting for a reply"));
  auto length = protocol::DecodeFrameLength(header.data(), max_frame_bytes);
  if (!length.ok()) {
    Close();
    return length.status().WithContext("reply from engram-compute");
  }
  ReceivedFrame received;
  received.payload = std::make_shared<protocol::FrameBuffer>(*length);
  done = false;
  asio::async_read(impl_->socket, asio::buffer(received.payload->data(), *length), on_done);
  ENGRAM_RETURN_IF_ERROR(impl_->RunUntil(done, ec, timeout, "reading a reply"));
  auto frame = protocol::VerifyFrame({received.payload->data(), received.payload->size()});
  if (!frame.ok()) {
    Close();
    return frame.status().WithContext("reply from engram-compute");
  }
  received.frame = *frame;
  return received;
}

bool FrameChannel::is_open() const {
  return impl_->socket.is_open();
}

void FrameChannel::Close() {
  boost::system::error_code ignored;
  impl_->socket.close(ignored);
}

}  // namespace engram::query
