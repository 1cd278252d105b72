#include "compute/protocol/frame_codec.h"

#include <cstring>
#include <new>

namespace engram::protocol {
namespace {

// Deep enough for every message of this protocol; stops stack abuse by crafted nesting.
constexpr unsigned kMaxVerifierDepth = 16;
constexpr unsigned kMaxVerifierTables = 1u << 20;

}  // namespace

FrameBuffer::FrameBuffer(std::size_t size) : size_(size) {
  const std::size_t bytes = (size + 63) / 64 * 64;
  data_.reset(static_cast<std::uint8_t*>(std::aligned_alloc(64, bytes == 0 ? 64 : bytes)));
  if (!data_) throw std::bad_alloc();  // callers bound `size` by the frame limit first
}

Result<std::uint32_t> DecodeFrameLength(const std::uint8_t* header, std::size_t max_frame_bytes) {
  const std::uint32_t length =
      static_cast<std::uint32_t>(header[0]) | static_cast<std::uint32_t>(header[1]) << 8 |
      static_cast<std::uint32_t>(header[2]) << 16 | static_cast<std::uint32_t>(header[3]) << 24;
  if (length == 0) return CorruptError("empty frame");
  if (length > max_frame_bytes) {
    return LimitError("frame of " + std::to_string(length) + " bytes exceeds the limit of " +
                      std::to_string(max_frame_bytes));
  }
  return length;
}

Result<const fb::Frame*> VerifyFrame(std::span<const std::uint8_t> payload) {
  flatbuffers::Verifier verifier(payload.data(), payload.size(), kMaxVerifierDepth,
                                 kMaxVerifierTables);
  if (!fb::VerifyFrameBuffer(verifier)) {
    return CorruptError("frame of " + std::to_string(payload.size()) +
                        " bytes failed FlatBuffers verification");
  }
  return fb::GetFrame(payload.data());
}

std::string FinishFrame(flatbuffers::FlatBufferBuilder& builder,
                        flatbuffers::Offset<fb::Frame> frame) {
  fb::FinishFrameBuffer(builder, frame);
  const auto size = static_cast<std::uint32_t>(builder.GetSize());
  std::string out(kFrameHeaderBytes + size, '\0');
  const std::uint8_t header[4] = {
      static_cast<std::uint8_t>(size), static_cast<std::uint8_t>(size >> 8),
      static_cast<std::uint8_t>(size >> 16), static_cast<std::uint8_t>(size >> 24)};
  std::memcpy(out.data(), header, 4);
  std::memcpy(out.data() + kFrameHeaderBytes, builder.GetBufferPointer(), size);
  return out;
}

std::string EncodeErrorFrame(std::uint64_t id, const Status& status) {
  flatbuffers::FlatBufferBuilder b(256);
  const auto message = b.CreateString(status.message());
  const auto reply =
      fb::CreateErrorReply(b, static_cast<std::uint8_t>(status.code()), message, status.position());
  return FinishFrame(b, fb::CreateFrame(b, id, false, fb::Body::ErrorReply, reply.Union()));
}

Status StatusFromErrorReply(const fb::ErrorReply& reply) {
  const std::string message = reply.message() ? reply.message()->str() : "";
  auto code = ErrorCodeFromValue(reply.code());
  if (!code || *code == ErrorCode::kOk) {
    return InternalError("peer sent error code " + std::to_string(reply.code()) + ": " + message);
  }
  return Status::Error(*code, message, reply.position());
}

bool IsRequestBody(fb::Body body) {
  switch (body) {
    case fb::Body::HelloRequest:
    case fb::Body::ModelInfoRequest:
    case fb::Body::TokenizeRequest:
    case fb::Body::DetokenizeRequest:
    case fb::Body::GenerateRequest:
    case fb::Body::CancelRequest:
    case fb::Body::BlobPutRequest:
    case fb::Body::BlobHasRequest:
    case fb::Body::BlobGetRequest:
    case fb::Body::EpisodicApplyRequest:
    case fb::Body::EpisodicReadRequest:
    case fb::Body::ContextEncodeRequest:
    case fb::Body::ContextReadRequest:
    case fb::Body::PrefixEncodeRequest:
    case fb::Body::EditApplyRequest:
    case fb::Body::EditRouteRequest:
      return true;
    default:
      return false;
  }
}

std::string_view BodyName(fb::Body body) {
  if (body < fb::Body::MIN || body > fb::Body::MAX) return "unknown";
  return fb::EnumNameBody(body);
}

}  // namespace engram::protocol
