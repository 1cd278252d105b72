// Framing and verification of compute-protocol frames (docs/protocol.md).
//
// A frame on the wire: a 4-byte little-endian payload length N, then N bytes holding one
// FlatBuffer rooted at fb::Frame. Nothing in a payload is used before VerifyFrame accepted it.
//
// Thread-safety: free functions; FrameBuffer is a plain value.
#ifndef ENGRAM_COMPUTE_PROTOCOL_FRAME_CODEC_H_
#define ENGRAM_COMPUTE_PROTOCOL_FRAME_CODEC_H_

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <string_view>

#include "compute/protocol/content_hash.h"
#include "compute/protocol/frame_generated.h"
#include "engram/status.h"

namespace engram::protocol {

// Bumped when a change is not backward compatible; peers refuse a different major version.
inline constexpr std::uint32_t kProtocolVersion = 1;
inline constexpr std::size_t kFrameHeaderBytes = 4;
inline constexpr std::size_t kDefaultMaxFrameBytes = 64u << 20;  // 64 MiB

// A 64-byte aligned byte buffer (so blob payloads inside a received frame can be viewed as
// aligned tensors without copying). Move-only.
class FrameBuffer {
 public:
  FrameBuffer() = default;
  explicit FrameBuffer(std::size_t size);
  std::uint8_t* data() { return data_.get(); }
  const std::uint8_t* data() const { return data_.get(); }
  std::size_t size() const { return size_; }

 private:
  struct FreeDeleter {
    void operator()(std::uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<std::uint8_t[], FreeDeleter> data_;
  std::size_t size_ = 0;
};

// Reads the payload length from a 4-byte header. LIMIT error when it exceeds `max_frame_bytes`,
// CORRUPT when it is zero.
Result<std::uint32_t> DecodeFrameLength(const std::uint8_t* header, std::size_t max_frame_bytes);

// Verifies `payload` as a Frame (bounds, offsets, alignment, nesting) and returns its root.
// CORRUPT error when verification fails. The returned pointer views `payload`.
Result<const fb::Frame*> VerifyFrame(std::span<const std::uint8_t> payload);

// Finishes `builder` with `frame` as root and returns header + payload, ready to write.
std::string FinishFrame(flatbuffers::FlatBufferBuilder& builder,
                        flatbuffers::Offset<fb::Frame> frame);

// An ErrorReply frame for request `id`.
std::string EncodeErrorFrame(std::uint64_t id, const Status& status);

// The Status an ErrorReply carries (an unknown code becomes INTERNAL).
Status StatusFromErrorReply(const fb::ErrorReply& reply);

// True for the union members a client may send.
bool IsRequestBody(fb::Body body);

// Name of a body type for messages ("GenerateRequest"), "unknown" when out of range.
std::string_view BodyName(fb::Body body);

// Hash conversions between the wire struct and engram::Hash128.
inline fb::Hash128 ToWire(const Hash128& h) {
  return fb::Hash128(h.high, h.low);
}
inline Hash128 FromWire(const fb::Hash128& h) {
  return Hash128{h.high(), h.low()};
}
}  // namespace engram::protocol

#endif  // ENGRAM_COMPUTE_PROTOCOL_FRAME_CODEC_H_
