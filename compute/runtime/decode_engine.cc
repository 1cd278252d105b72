#include "compute/runtime/decode_engine.h"

#include <vector>

namespace engram::compute {

Status DecodeEngine::ValidateStep(std::span<const int> slots, std::span<const int> tokens,
                                  std::span<const int> positions, std::span<float> logits) const {
  const LlamaConfig& c = config();
  const std::size_t batch = slots.size();
  if (tokens.size() != batch || positions.size() != batch) {
    return InternalError("decode step: slots, tokens and positions differ in length");
  }
  if (batch > static_cast<std::size_t>(max_slots())) {
    return LimitError("decode step: batch of " + std::to_string(batch) + " exceeds " +
                      std::to_string(max_slots()) + " slots");
  }
  if (logits.size() < batch * static_cast<std::size_t>(c.vocab_size)) {
    return InternalError("decode step: logits buffer too small");
  }
  std::vector<bool> used(static_cast<std::size_t>(max_slots()), false);
  for (std::size_t i = 0; i < batch; ++i) {
    if (slots[i] < 0 || slots[i] >= max_slots()) {
      return LimitError("decode step: slot " + std::to_string(slots[i]) + " out of range");
    }
    if (used[static_cast<std::size_t>(slots[i])]) {
      return InternalError("decode step: slot " + std::to_string(slots[i]) + " used twice");
    }
    used[static_cast<std::size_t>(slots[i])] = true;
    if (tokens[i] < 0 || tokens[i] >= c.vocab_size) {
      return SyntaxError("token id " + std::to_string(tokens[i]) + " outside the vocabulary of " +
                         std::to_string(c.vocab_size));
    }
    if (positions[i] < 0 || positions[i] >= c.seq_len) {
      return LimitError("position " + std::to_string(positions[i]) +
                        " is outside the context window of " + std::to_string(c.seq_len) +
                        " tokens");
    }
  }
  return Status::Ok();
}

}  // namespace engram::compute
