// One generation stream: feeds the prompt, then samples until a stop condition. The same state
// machine drives the one-shot CLI (GenerateSync) and the batch scheduler, so both produce the
// same tokens for the same request.
#ifndef ENGRAM_COMPUTE_RUNTIME_GENERATION_H_
#define ENGRAM_COMPUTE_RUNTIME_GENERATION_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "compute/model/sampler.h"
#include "compute/runtime/decode_engine.h"
#include "compute/runtime/memory_guide.h"

namespace engram::compute {

// Why a stream stopped. Frozen values: they cross the wire protocol.
enum class StopReason : std::uint8_t {
  kMaxTokens = 0,  // max_new_tokens generated
  kBos = 1,        // the model produced BOS, llama2.c's sequence delimiter (not emitted)
  kContext = 2,    // the context window is full
  kCancelled = 3,  // the requester cancelled or went away
  kError = 4,      // the engine failed; see the accompanying Status
};

std::string_view StopReasonName(StopReason reason);

struct GenerationRequest {
  std::vector<int> prompt_tokens;  // at least one token; usually starts with BOS
  int max_new_tokens = 256;        // 0 generates nothing
  SamplingParams sampling;
  bool stop_at_bos = true;
  // Memory-conditioned decoding (docs/episodic.md §5; semantics in memory_guide.h): at each
  // generated step every guide may propose the token that followed the longest suffix (>=
  // min_match tokens, not crossing a BOS) of prompt + generated tokens inside its own tokens;
  // p = λ·p_mem + (1 − λ)·p_model. A step where no guide proposes (always, with no guides) is the
  // plain sampler's, token-identical to llama2.c. At most kMaxGuides guides of at most
  // kMaxGuideTokens tokens, weights in (0, 1] (GenerateSync rejects others with SYNTAX; a
  // DecodeStream ignores guides with an invalid weight). Cost per step: O(guides × guide length
  // × match length).
  std::vector<MemoryGuide> guides;
  int min_match = 2;
};

class DecodeStream {
 public:
  DecodeStream(GenerationRequest request, int slot, int context_window);

  int slot() const { return slot_; }
  // Binds the stream to a KV slot (the batch scheduler assigns it at admission).
  void AssignSlot(int slot) { slot_ = slot; }
  // The token and position to feed in the next engine step.
  int input_token() const { return input_token_; }
  int position() const { return position_; }
  bool finished() const { return finished_; }
  StopReason stop_reason() const { return stop_reason_; }
  int generated() const { return generated_; }
  const GenerationRequest& request() const { return request_; }
  // The token preceding the last emitted one (for llama2.c's decode rule), valid after Advance.
  int previous_token() const { return previous_token_; }

  // Consumes the logits of the step that fed input_token(). Returns the newly generated token,
  // or nullopt while still reading the prompt or when the stream stopped.
  std::optional<int> Advance(std::span<float> logits);

  void Cancel() { Finish(StopReason::kCancelled); }

 private:
  void Finish(StopReason reason) {
    finished_ = true;
    stop_reason_ = reason;
  }

  GenerationRequest request_;
  Sampler sampler_;
  std::vector<int> context_;  // prompt + generated tokens, kept only when there are guides
  int slot_;
  int context_window_;
  int input_token_ = 0;
  int previous_token_ = 0;
  int position_ = 0;
  int generated_ = 0;
  bool finished_ = false;
  StopReason stop_reason_ = StopReason::kMaxTokens;
};

struct GenerationResult {
  std::vector<int> tokens;  // generated tokens only
  StopReason stop_reason = StopReason::kMaxTokens;
};

// Runs `request` to completion on slot 0 of `engine`, calling on_token(prev, token) for every
// generated token. `context_window` (0 = the model's) caps the positions used, prompt included.
// `cancelled` (when set) is polled before each step; true stops with StopReason::kCancelled.
// Errors: those of DecodeEngine::Step, SYNTAX for an empty prompt or invalid guides.
Result<GenerationResult> GenerateSync(DecodeEngine& engine, GenerationRequest request,
                                      const std::function<void(int prev, int token)>& on_token,
                                      int context_window = 0,
                                      const std::function<bool()>& cancelled = nullptr);

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_RUNTIME_GENERATION_H_
