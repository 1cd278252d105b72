#include "compute/runtime/batch_scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <thread>

#include "compute/runtime/engine_factory.h"
#include "tests/compute/test_model.h"

namespace engram::compute {
namespace {

using testing::Model;

std::unique_ptr<DecodeEngine> Engine(int slots) {
  EngineOptions options;
  options.max_slots = slots;
  auto engine = CreateDecodeEngine(Model().checkpoint.weights, options);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return std::move(engine).value();
}

GenerationRequest Request(const std::string& prompt, float temperature, std::uint64_t seed,
                          int max_new) {
  GenerationRequest r;
  r.prompt_tokens = Model().tokenizer.Encode(prompt, true, false);
  r.sampling = {temperature, 0.9f, seed};
  r.max_new_tokens = max_new;
  return r;
}

// Collects one request's outcome.
struct Collector {
  std::promise<GenerationOutcome> done;
  std::vector<int> streamed;
  GenerationCallbacks Callbacks() {
    return {[this](int token, std::string_view) { streamed.push_back(token); },
            [this](GenerationOutcome o) { done.set_value(std::move(o)); }};
  }
};

TEST(SchedulerTest, ConcurrentRequestsMatchRunningEachAlone) {
  const std::vector<std::string> prompts = {
      "Once upon a time",   "Lily and Ben", "The dog", "One day", "",
      "Tom had a red ball", "Mom said"};
  std::vector<GenerationRequest> requests;
  for (std::size_t i = 0; i < 14; ++i) {
    requests.push_back(Request(prompts[i % prompts.size()], i % 2 == 0 ? 0.0f : 0.9f, 100 + i,
                               20 + static_cast<int>(i) * 7));
  }
  // Fewer slots than requests: some wait and join the batch later.
  auto engine = Engine(5);
  std::vector<std::unique_ptr<Collector>> collectors;
  {
    BatchScheduler scheduler(*engine, Model().tokenizer);
    for (const auto& r : requests) {
      collectors.push_back(std::make_unique<Collector>());
      scheduler.Submit(r, collectors.back()->Callbacks());
    }
    for (std::size_t i = 0; i < requests.size(); ++i) {
      GenerationOutcome got = collectors[i]->done.get_future().get();
      ASSERT_TRUE(got.status.ok());
      auto single_engine = Engine(1);
      auto alone = GenerateSync(*single_engine, requests[i], {});
      ASSERT_TRUE(alone.ok());
      EXPECT_EQ(got.tokens, alone->tokens) << "request " << i;
      EXPECT_EQ(got.stop_reason, alone->stop_reason) << "request " << i;
      EXPECT_EQ(collectors[i]->streamed, got.tokens);
      EXPECT_EQ(got.prompt_tokens, static_cast<int>(requests[i].prompt_tokens.size()));
    }
    const SchedulerStats stats = scheduler.Stats();
    EXPECT_EQ(stats.completed, requests.size());
    EXPECT_GT(stats.tokens_processed, stats.steps) << "steps must have batched several streams";
  }
}

TEST(SchedulerTest, StopReasons) {
  auto engine = Engine(4);
  BatchScheduler scheduler(*engine, Model().tokenizer);
  Collector max_tokens, context, nothing, too_long;
  scheduler.Submit(Request("Once upon a time", 0.0f, 1, 5), max_tokens.Callbacks());

  GenerationRequest near_end;  // 510 prompt tokens: positions 509, 510, 511 each sample one
  near_end.prompt_tokens.assign(510, 300);
  near_end.prompt_tokens[0] = 1;
  near_end.sampling.temperature = 0.0f;
  near_end.stop_at_bos = false;
  near_end.max_new_tokens = 100;
  scheduler.Submit(near_end, context.Callbacks());
  scheduler.Submit(Request("x", 0.0f, 1, 0), nothing.Callbacks());
  GenerationRequest overflow = near_end;
  overflow.prompt_tokens.assign(600, 300);
  scheduler.Submit(overflow, too_long.Callbacks());

  auto a = max_tokens.done.get_future().get();
  EXPECT_EQ(a.stop_reason, StopReason::kMaxTokens);
  EXPECT_EQ(a.tokens.size(), 5u);
  auto b = context.done.get_future().get();
  EXPECT_EQ(b.stop_reason, StopReason::kContext);
  EXPECT_EQ(b.tokens.size(), 3u);
  auto c = nothing.done.get_future().get();
  EXPECT_TRUE(c.tokens.empty());
  auto d = too_long.done.get_future().get();
  EXPECT_EQ(d.stop_reason, StopReason::kContext);
  EXPECT_TRUE(d.tokens.empty());
}

TEST(SchedulerTest, CancelStopsAGeneration) {
  auto engine = Engine(2);
  BatchScheduler scheduler(*engine, Model().tokenizer);
  // The third token's callback holds the scheduler thread until the test has cancelled, so the
  // cancellation provably lands mid-generation whatever the machine's speed.
  std::promise<void> third_token, cancelled;
  std::shared_future<void> cancelled_future = cancelled.get_future().share();
  int seen = 0;
  std::promise<GenerationOutcome> done;
  GenerationRequest r = Request("Once upon a time", 0.0f, 1, 400);
  r.stop_at_bos = false;
  const std::uint64_t ticket =
      scheduler.Submit(r, {[&](int, std::string_view) {
                             if (++seen == 3) {
                               third_token.set_value();
                               cancelled_future.wait();
                             }
                           },
                           [&](GenerationOutcome o) { done.set_value(std::move(o)); }});
  third_token.get_future().wait();
  EXPECT_TRUE(scheduler.Cancel(ticket));
  cancelled.set_value();
  auto outcome = done.get_future().get();
  EXPECT_EQ(outcome.stop_reason, StopReason::kCancelled);
  EXPECT_EQ(outcome.tokens.size(), 3u) << "stopped at the step after the cancel";
  EXPECT_FALSE(scheduler.Cancel(ticket)) << "already finished";
  EXPECT_FALSE(scheduler.Cancel(987654));
}

TEST(SchedulerTest, CancellingAWaitingRequestFinishesItAtOnce) {
  auto engine = Engine(1);
  BatchScheduler scheduler(*engine, Model().tokenizer);
  GenerationRequest long_one = Request("Once upon a time", 0.0f, 1, 500);
  long_one.stop_at_bos = false;
  Collector running, waiting;
  scheduler.Submit(long_one, running.Callbacks());
  const std::uint64_t ticket = scheduler.Submit(long_one, waiting.Callbacks());
  ASSERT_TRUE(scheduler.Cancel(ticket));
  auto outcome = waiting.done.get_future().get();
  EXPECT_EQ(outcome.stop_reason, StopReason::kCancelled);
  EXPECT_TRUE(outcome.tokens.empty()) << "withdrawn from the queue, never admitted";
  EXPECT_EQ(outcome.prompt_tokens, static_cast<int>(long_one.prompt_tokens.size()));
  EXPECT_EQ(running.done.get_future().get().tokens.size(), 500u);
}

TEST(SchedulerTest, ShutdownFinishesEverythingAsCancelled) {
  auto engine = Engine(1);
  std::vector<std::unique_ptr<Collector>> collectors;
  {
    BatchScheduler scheduler(*engine, Model().tokenizer);
    for (int i = 0; i < 4; ++i) {
      collectors.push_back(std::make_unique<Collector>());
      GenerationRequest r = Request("Once upon a time", 0.0f, 1, 500);
      r.stop_at_bos = false;
      scheduler.Submit(r, collectors.back()->Callbacks());
    }
  }  // destroyed while one runs and three wait
  int cancelled = 0;
  for (auto& c : collectors) {
    auto outcome = c->done.get_future().get();
    if (outcome.stop_reason == StopReason::kCancelled) ++cancelled;
  }
  EXPECT_GE(cancelled, 3);
}

}  // namespace
}  // namespace engram::compute
