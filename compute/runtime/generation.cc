#include "compute/runtime/generation.h"

#include <algorithm>

#include "compute/model/tokenizer.h"

namespace engram::compute {

std::string_view StopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kMaxTokens:
      return "max_tokens";
    case StopReason::kBos:
      return "bos";
    case StopReason::kContext:
      return "context";
    case StopReason::kCancelled:
      return "cancelled";
    case StopReason::kError:
      return "error";
  }
  return "unknown";
}

DecodeStream::DecodeStream(GenerationRequest request, int slot, int context_window)
    : request_(std::move(request)),
      sampler_(request_.sampling),
      slot_(slot),
      context_window_(context_window) {
  // Callers validate guides (ValidateGuides); the caps are enforced here too, so that no path
  // can make a step's matching cost more than the documented bound.
  if (request_.guides.size() > static_cast<std::size_t>(kMaxGuides)) {
    request_.guides.resize(kMaxGuides);
  }
  for (MemoryGuide& guide : request_.guides) {
    if (guide.tokens.size() > static_cast<std::size_t>(kMaxGuideTokens)) {
      guide.tokens.resize(kMaxGuideTokens);
    }
  }
  if (request_.prompt_tokens.empty() || request_.max_new_tokens <= 0) {
    Finish(StopReason::kMaxTokens);
    return;
  }
  if (static_cast<int>(request_.prompt_tokens.size()) > context_window_) {
    Finish(StopReason::kContext);
    return;
  }
  input_token_ = request_.prompt_tokens.front();
  if (!request_.guides.empty()) context_ = request_.prompt_tokens;
}

std::optional<int> DecodeStream::Advance(std::span<float> logits) {
  if (finished_) return std::nullopt;
  const int prompt_len = static_cast<int>(request_.prompt_tokens.size());
  const int pos = position_++;
  previous_token_ = input_token_;
  if (pos < prompt_len - 1) {  // still feeding the prompt: the logits are not needed
    input_token_ = request_.prompt_tokens[static_cast<std::size_t>(pos + 1)];
    return std::nullopt;
  }
  int next;
  std::vector<GuideProposal> proposals;
  if (!request_.guides.empty()) {
    proposals = ProposeTokens(context_, request_.guides, request_.min_match,
                              static_cast<int>(logits.size()));
  }
  if (proposals.empty()) {
    next = sampler_.Sample(logits);  // the plain path, token-identical to llama2.c
  } else if (request_.sampling.temperature == 0.0f || logits.size() == 1) {
    next = GreedyMix(logits, proposals);
  } else {
    MixIntoLogits(logits, request_.sampling.temperature, proposals);
    next = sampler_.Sample(logits);
  }
  if (next == Tokenizer::kBos && request_.stop_at_bos) {
    Finish(StopReason::kBos);
    return std::nullopt;
  }
  ++generated_;
  input_token_ = next;
  if (!request_.guides.empty()) context_.push_back(next);
  if (generated_ >= request_.max_new_tokens) {
    Finish(StopReason::kMaxTokens);
  } else if (position_ >= context_window_) {
    Finish(StopReason::kContext);
  }
  return next;
}

Result<GenerationResult> GenerateSync(DecodeEngine& engine, GenerationRequest request,
                                      const std::function<void(int prev, int token)>& on_token,
                                      int context_window, const std::function<bool()>& cancelled) {
  if (request.prompt_tokens.empty())
    return SyntaxError("generation needs at least one prompt token");
  ENGRAM_RETURN_IF_ERROR(ValidateGuides(request.guides));
  const int window = context_window > 0 ? std::min(context_window, engine.config().seq_len)
                                        : engine.config().seq_len;
  DecodeStream stream(std::move(request), /*slot=*/0, window);
  std::vector<float> logits(static_cast<std::size_t>(engine.config().vocab_size));
  GenerationResult result;
  while (!stream.finished()) {
    if (cancelled && cancelled()) {
      stream.Cancel();
      break;
    }
    const int slot = stream.slot(), token = stream.input_token(), pos = stream.position();
    ENGRAM_RETURN_IF_ERROR(engine.Step({&slot, 1}, {&token, 1}, {&pos, 1}, logits));
    if (auto next = stream.Advance(logits)) {
      result.tokens.push_back(*next);
      if (on_token) on_token(stream.previous_token(), *next);
    }
  }
  result.stop_reason = stream.stop_reason();
  return result;
}

}  // namespace engram::compute
