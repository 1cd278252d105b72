// engram-compute under hostile or broken input: every bad frame gets an error reply or a
// closed connection, never a crash, and other connections keep being served.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <thread>

#include "query/compute_client/compute_client.h"
#include "query/compute_client/compute_process.h"

namespace engram::query {
namespace {

namespace fb = protocol::fb;

class BadFramesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SpawnOptions options;
    options.binary = std::string(ENGRAM_BIN_DIR) + "/engram-compute";
    options.extra_args = {"--max-frame", "1048576", "--max-slots", "16"};
    auto process = ComputeProcess::Spawn(options);
    ASSERT_TRUE(process.ok()) << process.status().ToString();
    process_ = std::move(process).value().release();
  }
  static void TearDownTestSuite() { delete process_; }

  std::unique_ptr<ComputeClient> Connect() {
    auto client = ComputeClient::Connect(process_->address());
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return std::move(client).value();
  }

  static std::string Header(std::uint32_t length) {
    std::string h(4, '\0');
    for (int i = 0; i < 4; ++i)
      h[static_cast<std::size_t>(i)] = static_cast<char>(length >> (8 * i));
    return h;
  }

  // The server is alive and a fresh connection works.
  void ExpectHealthy() {
    ASSERT_TRUE(process_->Alive()) << "engram-compute died";
    auto client = Connect();
    auto tokens = client->Tokenize("Once upon a time");
    ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
    EXPECT_GT(tokens->size(), 2u);
  }

  static Status ReplyStatus(const Result<ReceivedFrame>& r) {
    if (!r.ok()) return r.status();
    if (r->frame->body_type() != fb::Body::ErrorReply) return Status::Ok();
    const fb::ErrorReply* error = r->frame->body_as_ErrorReply();
    if (error == nullptr) return CorruptError("error frame without a body");
    return protocol::StatusFromErrorReply(*error);
  }

  static ComputeProcess* process_;
};

ComputeProcess* BadFramesTest::process_ = nullptr;

TEST_F(BadFramesTest, GarbagePayloadGetsCorruptAndTheConnectionLives) {
  auto client = Connect();
  const std::string garbage(32, '\xFF');
  auto reply = client->RawExchange(Header(32) + garbage);
  EXPECT_EQ(ReplyStatus(reply).code(), ErrorCode::kCorrupt);
  // Same connection, next request: still served.
  auto tokens = client->Tokenize("hello");
  EXPECT_TRUE(tokens.ok()) << tokens.status().ToString();
}

TEST_F(BadFramesTest, UnknownOpAndReplyTypesAreSyntaxErrors) {
  auto client = Connect();
  {
    flatbuffers::FlatBufferBuilder b;
    const auto body = fb::CreateModelInfoRequest(b);
    auto reply = client->RawExchange(protocol::FinishFrame(
        b, fb::CreateFrame(b, 41, false, static_cast<fb::Body>(200), body.Union())));
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->frame->id(), 41u);
    const Status s = ReplyStatus(reply);
    EXPECT_EQ(s.code(), ErrorCode::kSyntax);
    EXPECT_NE(s.message().find("unknown op"), std::string::npos) << s.ToString();
  }
  {
    // A reply body sent as a request.
    auto reply = client->RawExchange(protocol::EncodeErrorFrame(42, InternalError("x")));
    EXPECT_EQ(ReplyStatus(reply).code(), ErrorCode::kSyntax);
  }
  {
    // A frame with no body at all.
    flatbuffers::FlatBufferBuilder b;
    auto reply = client->RawExchange(protocol::FinishFrame(b, fb::CreateFrame(b, 43)));
    EXPECT_EQ(ReplyStatus(reply).code(), ErrorCode::kSyntax);
  }
  EXPECT_TRUE(client->Tokenize("still fine").ok());
}

TEST_F(BadFramesTest, RequestTypesWithoutABodyAreSyntaxErrors) {
  // A verified frame can name a request type and carry no table for it.
  auto client = Connect();
  for (auto type : {fb::Body::HelloRequest, fb::Body::ModelInfoRequest, fb::Body::TokenizeRequest,
                    fb::Body::DetokenizeRequest, fb::Body::GenerateRequest, fb::Body::CancelRequest,
                    fb::Body::BlobPutRequest, fb::Body::BlobHasRequest, fb::Body::BlobGetRequest}) {
    flatbuffers::FlatBufferBuilder b;
    fb::FrameBuilder frame(b);
    frame.add_id(77);
    frame.add_body_type(type);
    b.Finish(frame.Finish());
    std::string wire(4, '\0');
    const auto size = static_cast<std::uint32_t>(b.GetSize());
    for (int i = 0; i < 4; ++i)
      wire[static_cast<std::size_t>(i)] = static_cast<char>(size >> (8 * i));
    wire.append(reinterpret_cast<const char*>(b.GetBufferPointer()), size);
    auto reply = client->RawExchange(wire);
    ASSERT_TRUE(reply.ok()) << protocol::BodyName(type) << ": " << reply.status().ToString();
    EXPECT_EQ(reply->frame->id(), 77u);
    const Status s = ReplyStatus(reply);
    EXPECT_EQ(s.code(), ErrorCode::kSyntax) << protocol::BodyName(type);
    EXPECT_NE(s.message().find("no body"), std::string::npos) << s.ToString();
  }
  ExpectHealthy();
}

TEST_F(BadFramesTest, OversizedAndEmptyLengthsCloseTheConnection) {
  for (std::uint32_t length : {0xFFFFFFFFu, 1048577u, 0u}) {
    auto client = Connect();
    auto reply = client->RawExchange(Header(length));
    const Status s = ReplyStatus(reply);
    EXPECT_EQ(s.code(), length == 0 ? ErrorCode::kCorrupt : ErrorCode::kLimit) << length;
    // The stream cannot be resynchronised: the server closed it.
    auto after = client->Tokenize("x");
    EXPECT_EQ(after.status().code(), ErrorCode::kCompute) << after.status().ToString();
  }
  ExpectHealthy();
}

TEST_F(BadFramesTest, TruncatedFrameThenDisconnect) {
  {
    auto channel = FrameChannel::Connect(process_->address(), std::chrono::seconds(5));
    ASSERT_TRUE(channel.ok());
    ASSERT_TRUE(
        (*channel)->Write(Header(100) + std::string(10, 'a'), std::chrono::seconds(5)).ok());
  }  // closed mid-frame
  ExpectHealthy();
}

TEST_F(BadFramesTest, FrameSentOneByteAtATime) {
  auto channel = FrameChannel::Connect(process_->address(), std::chrono::seconds(5));
  ASSERT_TRUE(channel.ok());
  flatbuffers::FlatBufferBuilder b;
  const auto req = fb::CreateTokenizeRequest(b, b.CreateString("Lily"), true, false);
  const std::string frame = protocol::FinishFrame(
      b, fb::CreateFrame(b, 7, false, fb::Body::TokenizeRequest, req.Union()));
  for (char c : frame)
    ASSERT_TRUE((*channel)->Write(std::string_view(&c, 1), std::chrono::seconds(5)).ok());
  auto reply = (*channel)->Read(std::chrono::seconds(5));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->frame->id(), 7u);
  EXPECT_EQ(reply->frame->body_type(), fb::Body::TokenizeReply);
}

TEST_F(BadFramesTest, FuzzedFramesNeverKillTheServer) {
  // Valid requests of every kind, randomly mutated, each on its own connection so that a
  // mutation of the length or a closed stream does not stop the run.
  std::vector<std::string> seeds;
  {
    flatbuffers::FlatBufferBuilder b;
    const std::vector<int> tokens = {1, 400, 30};
    auto g = fb::CreateGenerateRequest(b, b.CreateString("Once"), b.CreateVector(tokens), 4, 0.0f,
                                       0.9f, 1, true, true);
    seeds.push_back(protocol::FinishFrame(
        b, fb::CreateFrame(b, 1, false, fb::Body::GenerateRequest, g.Union())));
  }
  {
    flatbuffers::FlatBufferBuilder b;
    auto t = fb::CreateTokenizeRequest(b, b.CreateString("Lily and Ben"), true, false);
    seeds.push_back(protocol::FinishFrame(
        b, fb::CreateFrame(b, 2, false, fb::Body::TokenizeRequest, t.Union())));
  }
  {
    flatbuffers::FlatBufferBuilder b;
    const std::vector<int> tokens = {300, 301, 302};
    auto d = fb::CreateDetokenizeRequest(b, b.CreateVector(tokens), 1);
    seeds.push_back(protocol::FinishFrame(
        b, fb::CreateFrame(b, 3, false, fb::Body::DetokenizeRequest, d.Union())));
  }
  {
    flatbuffers::FlatBufferBuilder b;
    const std::vector<std::uint8_t> data(100, 7);
    auto p = fb::CreateBlobPutRequest(b, b.CreateVector(data));
    seeds.push_back(protocol::FinishFrame(
        b, fb::CreateFrame(b, 4, false, fb::Body::BlobPutRequest, p.Union())));
  }
  std::mt19937 rng(20261122);
  for (int i = 0; i < 300; ++i) {
    std::string frame = seeds[static_cast<std::size_t>(i) % seeds.size()];
    const int flips = 1 + static_cast<int>(rng() % 6);
    for (int f = 0; f < flips; ++f) {
      // Mostly payload bytes; sometimes the length header too.
      const std::size_t at = rng() % 8 == 0 ? rng() % 4 : 4 + rng() % (frame.size() - 4);
      frame[at] = static_cast<char>(frame[at] ^ static_cast<char>(1 + rng() % 255));
    }
    auto channel = FrameChannel::Connect(process_->address(), std::chrono::seconds(5));
    ASSERT_TRUE(channel.ok());
    std::uint32_t declared = 0;
    for (int k = 3; k >= 0; --k)
      declared = declared << 8 | static_cast<std::uint8_t>(frame[static_cast<std::size_t>(k)]);
    const bool framed = declared == frame.size() - 4;
    if ((*channel)->Write(frame, std::chrono::seconds(5)).ok()) {
      // Whatever comes back (a reply, an error, or a close after a bad length) is fine. When the
      // mutated header announces more bytes than were sent the server rightly waits for them,
      // so do not wait long for an answer then.
      (void)(*channel)->Read(framed ? std::chrono::milliseconds(5000)
                                    : std::chrono::milliseconds(100));
    }
  }
  ExpectHealthy();
}

TEST_F(BadFramesTest, ConcurrentClientsGetIndependentCorrectAnswers) {
  const std::vector<std::string> prompts = {"Once upon a time", "Lily and Ben", "The cat",
                                            "One day",          "Tom was sad",  "Mia had a kite",
                                            "The sun",          "Max ran"};
  std::vector<GenerateResult> sequential;
  {
    auto client = Connect();
    for (const auto& p : prompts) {
      GenerateParams params;
      params.prompt = p;
      params.temperature = 0.0f;
      params.max_new_tokens = 40;
      auto r = client->Generate(params);
      ASSERT_TRUE(r.ok());
      sequential.push_back(*r);
    }
  }
  std::vector<GenerateResult> concurrent(prompts.size());
  std::vector<Status> statuses(prompts.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    threads.emplace_back([&, i] {
      auto client = ComputeClient::Connect(process_->address());
      if (!client.ok()) {
        statuses[i] = client.status();
        return;
      }
      // Meanwhile, every other client also sends a bad frame; it must not disturb the others.
      (void)(*client)->RawExchange(Header(16) + std::string(16, '\x01'));
      GenerateParams params;
      params.prompt = prompts[i];
      params.temperature = 0.0f;
      params.max_new_tokens = 40;
      auto r = (*client)->Generate(params);
      statuses[i] = r.status();
      if (r.ok()) concurrent[i] = *r;
    });
  }
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].ToString();
    EXPECT_EQ(concurrent[i].tokens, sequential[i].tokens) << prompts[i];
    EXPECT_EQ(concurrent[i].text, sequential[i].text);
  }
}

TEST_F(BadFramesTest, RepliesLargerThanTheFrameLimitBecomeLimitErrors) {
  // 300 KB of a character outside the vocabulary: every byte becomes one token, so the reply
  // (4 bytes per token) would exceed this server's 1 MiB frame limit.
  std::string text;
  for (int i = 0; i < 100'000; ++i) text += "\xE2\x9C\x93";
  auto client = Connect();
  auto tokens = client->Tokenize(text);
  EXPECT_EQ(tokens.status().code(), ErrorCode::kLimit) << tokens.status().ToString();
  EXPECT_TRUE(client->Tokenize("still served").ok());
}

TEST_F(BadFramesTest, ClientVanishingMidGenerationIsCancelled) {
  {
    auto channel = FrameChannel::Connect(process_->address(), std::chrono::seconds(5));
    ASSERT_TRUE(channel.ok());
    flatbuffers::FlatBufferBuilder b;
    auto g = fb::CreateGenerateRequest(b, b.CreateString("Once upon a time"), 0, 500, 0.0f, 0.9f, 1,
                                       false, true);
    ASSERT_TRUE(
        (*channel)
            ->Write(protocol::FinishFrame(
                        b, fb::CreateFrame(b, 1, false, fb::Body::GenerateRequest, g.Union())),
                    std::chrono::seconds(5))
            .ok());
    auto first = (*channel)->Read(std::chrono::seconds(5));
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->frame->body_type(), fb::Body::GenerateChunk);
  }  // gone while streaming
  ExpectHealthy();
}

}  // namespace
}  // namespace engram::query
