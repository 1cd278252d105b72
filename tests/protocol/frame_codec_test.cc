#include "compute/protocol/frame_codec.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

namespace engram::protocol {
namespace {

std::string GenerateFrame(std::uint64_t id) {
  flatbuffers::FlatBufferBuilder b;
  const std::vector<int> tokens = {1, 400, 30};
  const auto req =
      fb::CreateGenerateRequest(b, b.CreateString("Once upon a time"), b.CreateVector(tokens), 16,
                                0.7f, 0.9f, 42, true, true);
  return FinishFrame(b, fb::CreateFrame(b, id, false, fb::Body::GenerateRequest, req.Union()));
}

// Copies a frame's payload into an aligned buffer, as a receiver does.
FrameBuffer Payload(const std::string& frame) {
  FrameBuffer buffer(frame.size() - kFrameHeaderBytes);
  std::memcpy(buffer.data(), frame.data() + kFrameHeaderBytes, buffer.size());
  return buffer;
}

TEST(FrameCodecTest, RoundTrip) {
  const std::string wire = GenerateFrame(77);
  auto length =
      DecodeFrameLength(reinterpret_cast<const std::uint8_t*>(wire.data()), kDefaultMaxFrameBytes);
  ASSERT_TRUE(length.ok());
  EXPECT_EQ(*length, wire.size() - kFrameHeaderBytes);
  FrameBuffer payload = Payload(wire);
  auto frame = VerifyFrame({payload.data(), payload.size()});
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  EXPECT_EQ((*frame)->id(), 77u);
  ASSERT_EQ((*frame)->body_type(), fb::Body::GenerateRequest);
  const auto* req = (*frame)->body_as_GenerateRequest();
  EXPECT_EQ(req->prompt()->str(), "Once upon a time");
  EXPECT_EQ(req->max_new_tokens(), 16);
  EXPECT_EQ(req->seed(), 42u);
  EXPECT_TRUE(IsRequestBody((*frame)->body_type()));
  EXPECT_EQ(BodyName((*frame)->body_type()), "GenerateRequest");
}

TEST(FrameCodecTest, LengthLimits) {
  const std::uint8_t zero[4] = {0, 0, 0, 0};
  EXPECT_EQ(DecodeFrameLength(zero, 100).status().code(), ErrorCode::kCorrupt);
  const std::uint8_t big[4] = {0, 0, 0, 1};  // 16 MiB
  EXPECT_EQ(DecodeFrameLength(big, 1024).status().code(), ErrorCode::kLimit);
  EXPECT_TRUE(DecodeFrameLength(big, 64u << 20).ok());
}

TEST(FrameCodecTest, ErrorFramesCarryTheCatalogue) {
  const std::string wire = EncodeErrorFrame(9, Status::Error(ErrorCode::kModel, "bad weights"));
  FrameBuffer payload = Payload(wire);
  auto frame = VerifyFrame({payload.data(), payload.size()});
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ((*frame)->id(), 9u);
  const Status s = StatusFromErrorReply(*(*frame)->body_as_ErrorReply());
  EXPECT_EQ(s.code(), ErrorCode::kModel);
  EXPECT_EQ(s.message(), "bad weights");
  EXPECT_FALSE(IsRequestBody((*frame)->body_type()));
}

TEST(FrameCodecTest, ErrorPositionsCrossTheWire) {
  const std::string wire = EncodeErrorFrame(3, SyntaxError("unexpected token", 42));
  FrameBuffer payload = Payload(wire);
  auto frame = VerifyFrame({payload.data(), payload.size()});
  ASSERT_TRUE(frame.ok());
  const Status s = StatusFromErrorReply(*(*frame)->body_as_ErrorReply());
  EXPECT_EQ(s.code(), ErrorCode::kSyntax);
  EXPECT_EQ(s.position(), 42);
  const std::string none = EncodeErrorFrame(4, LimitError("big"));
  FrameBuffer payload2 = Payload(none);
  EXPECT_EQ(StatusFromErrorReply(
                *(*VerifyFrame({payload2.data(), payload2.size()}))->body_as_ErrorReply())
                .position(),
            -1);
}

TEST(FrameCodecTest, GarbageNeverVerifies) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 2000; ++i) {
    FrameBuffer buffer(1 + rng() % 300);
    for (std::size_t k = 0; k < buffer.size(); ++k)
      buffer.data()[k] = static_cast<std::uint8_t>(rng());
    // Must not crash (the sanitizer builds catch reads out of bounds); almost all fail.
    (void)VerifyFrame({buffer.data(), buffer.size()});
  }
  FrameBuffer tiny(3);
  std::memset(tiny.data(), 0xFF, 3);
  EXPECT_EQ(VerifyFrame({tiny.data(), tiny.size()}).status().code(), ErrorCode::kCorrupt);
}

TEST(FrameCodecTest, MutatedFramesAreRejectedOrStillWellFormed) {
  const std::string wire = GenerateFrame(5);
  std::mt19937 rng(99);
  int rejected = 0;
  for (int i = 0; i < 5000; ++i) {
    FrameBuffer payload = Payload(wire);
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f)
      payload.data()[rng() % payload.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    auto frame = VerifyFrame({payload.data(), payload.size()});
    if (!frame.ok()) {
      ++rejected;
      continue;
    }
    // Accepted mutations must be safe to read in full.
    const fb::Frame* f = *frame;
    if (f->body_type() == fb::Body::GenerateRequest) {
      const auto* req = f->body_as_GenerateRequest();
      if (req->prompt()) (void)req->prompt()->str();
      if (req->prompt_tokens()) {
        long sum = 0;
        for (int t : *req->prompt_tokens()) sum += t;
        (void)sum;
      }
    }
  }
  EXPECT_GT(rejected, 100);
}

TEST(FrameCodecTest, UnknownUnionMemberIsReportedNotFatal) {
  // A frame from a newer peer: a body type this build does not know (e.g. 200).
  flatbuffers::FlatBufferBuilder b;
  const auto empty = fb::CreateModelInfoRequest(b);
  std::string wire =
      FinishFrame(b, fb::CreateFrame(b, 3, false, static_cast<fb::Body>(200), empty.Union()));
  FrameBuffer payload = Payload(wire);
  auto frame = VerifyFrame({payload.data(), payload.size()});
  ASSERT_TRUE(frame.ok()) << "unknown union members verify, the dispatcher rejects them";
  EXPECT_FALSE(IsRequestBody((*frame)->body_type()));
  EXPECT_EQ(BodyName((*frame)->body_type()), "unknown");
}

}  // namespace
}  // namespace engram::protocol
