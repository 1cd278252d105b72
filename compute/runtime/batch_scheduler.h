// Continuous batching of generation requests over one DecodeEngine.
//
// A scheduler thread owns the engine. Each iteration it admits waiting requests into free KV
// slots, runs one engine step for every active stream (prompt tokens and generated tokens
// alike, each stream at its own position), and retires finished streams — so a new request
// joins the batch at the next step instead of waiting for the others to finish.
//
// Thread-safety: Submit, Cancel and Stats may be called from any thread. Callbacks run on the
// scheduler thread and must not block (post the work elsewhere); they must not call back into
// the scheduler.
#ifndef ENGRAM_COMPUTE_RUNTIME_BATCH_SCHEDULER_H_
#define ENGRAM_COMPUTE_RUNTIME_BATCH_SCHEDULER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "compute/model/tokenizer.h"
#include "compute/runtime/decode_engine.h"
#include "compute/runtime/generation.h"

namespace engram::compute {

struct GenerationOutcome {
  Status status;  // not ok only when stop_reason is kError
  std::vector<int> tokens;
  StopReason stop_reason = StopReason::kMaxTokens;
  int prompt_tokens = 0;
  double seconds = 0;  // admission to finish
};

struct GenerationCallbacks {
  // Each generated token with the bytes it adds to the text.
  std::function<void(int token, std::string_view piece)> on_token;
  // Exactly once per submitted request, also when cancelled or on shutdown.
  std::function<void(GenerationOutcome outcome)> on_done;
};

struct SchedulerStats {
  int active = 0;
  int waiting = 0;
  std::uint64_t steps = 0;             // engine steps run
  std::uint64_t tokens_processed = 0;  // stream-steps (prompt and generated tokens)
  std::uint64_t completed = 0;         // requests finished
};

class BatchScheduler {
 public:
  // `engine` and `tokenizer` must outlive the scheduler. Uses all of the engine's slots.
  BatchScheduler(DecodeEngine& engine, const Tokenizer& tokenizer);
  // Cancels whatever is waiting or active (their on_done runs) and joins the thread.
  ~BatchScheduler();
  BatchScheduler(const BatchScheduler&) = delete;
  BatchScheduler& operator=(const BatchScheduler&) = delete;

  // Queues a request; returns a ticket for Cancel. The request must have a non-empty prompt
  // that fits the context window (the caller validates; an invalid one finishes at once).
  std::uint64_t Submit(GenerationRequest request, GenerationCallbacks callbacks);

  // Cancels a waiting or active request: it finishes with kCancelled at the next step. Returns
  // false when the ticket is unknown or already finished.
  bool Cancel(std::uint64_t ticket);

  SchedulerStats Stats() const;

 private:
  struct Job;

  void Loop();
  void Admit(std::vector<std::unique_ptr<Job>>& active, std::vector<int>& free_slots);
  void Finish(Job& job, Status status);

  DecodeEngine& engine_;
  const Tokenizer& tokenizer_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Job>> waiting_;
  std::unordered_set<std::uint64_t> live_;       // tickets waiting or active
  std::unordered_set<std::uint64_t> cancelled_;  // tickets to cancel at the next step
  std::uint64_t next_ticket_ = 1;
  bool stopping_ = false;
  SchedulerStats stats_;

  std::thread thread_;  // last: starts after every member above is constructed
};

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_RUNTIME_BATCH_SCHEDULER_H_
