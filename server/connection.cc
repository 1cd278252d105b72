#include "server/connection.h"

#include <cstring>
#include <utility>

#include "server/commands.h"
#include "server/resp_writer.h"
#include "server/server.h"

namespace engram::server {
namespace {

struct WriteRequest {
  uv_write_t req;
  std::string data;
};

// One read buffer for every connection: reads are handled to completion before the loop reads
// again, so no two reads ever use it at once.
constexpr std::size_t kReadBufferBytes = 64 * 1024;
char read_buffer[kReadBufferBytes];

}  // namespace

Connection::Connection(Server& server, std::uint64_t id, bool tcp)
    : server_(server), id_(id), last_active_(std::chrono::steady_clock::now()) {
  if (tcp) {
    uv_tcp_init(server.loop(), &handle_.tcp);
  } else {
    uv_pipe_init(server.loop(), &handle_.pipe, 0);
  }
  stream()->data = this;
  reader_ = RequestReader(server.options().reader);
}

void Connection::Start() {
  UpdateReading();
}

void Connection::Refuse(std::string_view code, std::string_view message) {
  RespWriter(out, protocol).Error(code, message);
  CloseAfterFlush();
}

void Connection::CloseAfterFlush() {
  closing_ = true;
  queue_.clear();
  UpdateReading();
  Flush();
}

void Connection::CloseNow() {
  closing_ = true;
  queue_.clear();
  out.clear();
  Close();
}

void Connection::Drain() {
  closing_ = true;
  queue_.clear();
  if (slot) slot->cancel.store(true);
  UpdateReading();
  Flush();
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  // A GENERATE still running for this client stops early; its job keeps the session alive.
  if (slot) slot->cancel.store(true);
  uv_close(reinterpret_cast<uv_handle_t*>(stream()), &Connection::OnClose);
}

void Connection::OnClose(uv_handle_t* handle) {
  auto* self = static_cast<Connection*>(handle->data);
  self->server_.Forget(self->id_);
  delete self;
}

void Connection::OnAlloc(uv_handle_t*, std::size_t, uv_buf_t* buf) {
  *buf = uv_buf_init(read_buffer, kReadBufferBytes);
}

void Connection::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(stream->data);
  if (nread < 0) {
    // EOF or a reset: nobody reads replies any more, but a statement already running finishes
    // (its writes are committed whether or not the client hears of it).
    self->read_eof_ = true;
    self->CloseNow();
    return;
  }
  if (nread == 0 || self->closing_ || self->reader_failed_) return;
  self->last_active_ = std::chrono::steady_clock::now();
  self->reader_.Feed(std::string_view(buf->base, static_cast<std::size_t>(nread)));
  while (true) {
    Result<bool> command = self->reader_.Next(self->scratch_);
    if (!command.ok()) {
      // The stream cannot be resynchronised: answer the commands before it, then the error.
      ++self->server_.stats().protocol_errors;
      self->queue_.push_back({});  // marks where the error reply goes
      self->pending_error_ = command.status();
      self->reader_failed_ = true;
      break;
    }
    if (!*command) break;
    if (self->queue_.empty() && !self->busy_ && !self->closing_ && !self->closed_) {
      // Nothing waits before it: run it now (the common case, and the cheap path for PING).
      ++self->server_.stats().commands;
      RunCommand(*self, self->scratch_);
      if (self->closing_ || self->closed_) break;
      continue;
    }
    self->queue_.push_back(std::move(self->scratch_));
    self->scratch_.clear();
    if (self->queue_.size() >= self->server_.options().max_pipelined) break;
  }
  self->RunQueued();
  self->Flush();
  self->UpdateReading();
}

void Connection::RunQueued() {
  while (!busy_ && !queue_.empty() && !closed_) {
    std::vector<std::string> args = std::move(queue_.front());
    queue_.pop_front();
    if (args.empty()) {
      // The protocol error found after the commands before it.
      RespWriter(out, protocol)
          .Error(ErrorCodeName(pending_error_.code()), pending_error_.message());
      CloseAfterFlush();
      return;
    }
    ++server_.stats().commands;
    RunCommand(*this, args);
    if (closing_) {
      queue_.clear();
      return;
    }
  }
  // More commands may be waiting in the reader's buffer (paused at max_pipelined).
  if (!busy_ && queue_.empty() && reader_.buffered() > 0 && !closing_ && !reader_failed_) {
    while (queue_.size() < server_.options().max_pipelined) {
      Result<bool> command = reader_.Next(scratch_);
      if (!command.ok()) {
        ++server_.stats().protocol_errors;
        queue_.push_back({});
        pending_error_ = command.status();
        reader_failed_ = true;
        break;
      }
      if (!*command) break;
      queue_.push_back(std::move(scratch_));
      scratch_.clear();
    }
    if (!queue_.empty()) RunQueued();
  }
}

void Connection::OnEvent(std::string bytes, bool final) {
  if (closed_) return;
  out += bytes;
  if (final) {
    busy_ = false;
    last_active_ = std::chrono::steady_clock::now();
    if (!closing_) RunQueued();
  }
  Flush();
  UpdateReading();
}

void Connection::Flush() {
  if (closed_) return;
  if (!out.empty() && writing_bytes_ == 0) {
    // Most replies fit in the socket's buffer: write them now, without a request to allocate
    // and a callback to wait for. (Only with nothing in flight, so bytes stay in order.)
    uv_buf_t buf = uv_buf_init(out.data(), static_cast<unsigned>(out.size()));
    const int written = uv_try_write(stream(), &buf, 1);
    if (written > 0) {
      out.erase(0, static_cast<std::size_t>(written));
    } else if (written < 0 && written != UV_EAGAIN) {
      CloseNow();
      return;
    }
  }
  if (!out.empty()) {
    auto* request = new WriteRequest;
    request->data = std::move(out);
    out.clear();
    request->req.data = this;
    writing_bytes_ += request->data.size();
    uv_buf_t buf = uv_buf_init(request->data.data(), static_cast<unsigned>(request->data.size()));
    const int rc = uv_write(&request->req, stream(), &buf, 1, &Connection::OnWrite);
    if (rc != 0) {
      writing_bytes_ -= request->data.size();
      delete request;
      CloseNow();
      return;
    }
  }
  if (closing_ && !busy_ && writing_bytes_ == 0) Close();
}

void Connection::OnWrite(uv_write_t* req, int status) {
  auto* request = reinterpret_cast<WriteRequest*>(req);
  auto* self = static_cast<Connection*>(req->data);
  self->writing_bytes_ -= request->data.size();
  delete request;
  if (status != 0) {
    self->CloseNow();
    return;
  }
  if (self->closing_ && !self->busy_ && self->writing_bytes_ == 0 && self->out.empty()) {
    self->Close();
    return;
  }
  self->UpdateReading();
}

void Connection::UpdateReading() {
  if (closed_) return;
  // Back-pressure: a client that pipelines faster than its commands run, or does not read its
  // replies, is not read from until it catches up.
  const bool want = !closing_ && !read_eof_ && !reader_failed_ &&
                    queue_.size() < server_.options().max_pipelined &&
                    writing_bytes_ + out.size() < server_.options().max_output_bytes;
  if (want == reading_) return;
  if (want) {
    reading_ = uv_read_start(stream(), &Connection::OnAlloc, &Connection::OnRead) == 0;
  } else {
    uv_read_stop(stream());
    reading_ = false;
  }
}

}  // namespace engram::server
