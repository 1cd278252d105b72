// Plain values of the episodic memory operations (docs/protocol.md §5.8; frame.fbs Episodic*),
// shared by the engine's compute client and the co-process's handler so both sides speak of the
// same things. No behaviour here.
#ifndef ENGRAM_COMPUTE_PROTOCOL_EPISODIC_TYPES_H_
#define ENGRAM_COMPUTE_PROTOCOL_EPISODIC_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compute/protocol/content_hash.h"

namespace engram::protocol {

// The matrices of an episodic checkpoint, in their order on the wire and in the checkpoint
// record (docs/format.md §11): Bᵀ (C x K), S (K x K), Q (K x K), float64.
inline constexpr std::size_t kEpisodicCheckpointBlobs = 3;

struct EpisodicSettings {
  std::uint32_t slots = 0;       // K
  std::uint32_t code_width = 0;  // C
  double ridge = 0;              // λ
  std::uint64_t seed = 0;        // reference memory seed
  std::uint32_t encoder_version = 0;
};

// Write `ids` as one episode, or forget them.
struct EpisodicOp {
  bool forget = false;
  std::vector<std::uint64_t> ids;
  std::vector<std::uint64_t> tags;  // write: XXH3-64 of each text (frame.fbs); forget: empty
};

struct EpisodicText {
  std::uint64_t id = 0;
  std::string text;
};

// A state: replay(checkpoint, ops). See frame.fbs EpisodicState for `texts` and `complete`.
struct EpisodicStateSpec {
  std::string memory_uid;
  EpisodicSettings settings;
  // The checkpoint's blobs in the order Bᵀ, S, Q (kEpisodicCheckpointBlobs); empty: none.
  std::vector<Hash128> checkpoint;
  std::vector<EpisodicOp> ops;
  std::vector<EpisodicText> texts;
  bool complete = false;
};

// What the co-process lacked to answer (nothing was done): the wire's `need`. 1: the state
// (resend it complete), 2: a checkpoint blob (BlobPut it, resend).
enum class EpisodicNeed : std::uint8_t { kNothing = 0, kCompleteState = 1, kCheckpointBlobs = 2 };

// One query's answer.
struct EpisodicRecall {
  bool in_scope = false;
  double scope_score = 0;
  std::vector<std::uint64_t> ids;  // best first
  std::vector<double> scores;
  // With several memories read together: the memory of each id (0: the first state, i: the
  // i-th further one). Empty for a single memory.
  std::vector<std::uint32_t> memories;
};

// EpisodicApply's answer; with need != kNothing nothing was applied.
struct EpisodicApplyResult {
  EpisodicNeed need = EpisodicNeed::kNothing;
  std::int64_t rows = 0;            // live rows of the new state
  std::vector<Hash128> checkpoint;  // when a checkpoint was asked for: Bᵀ, S, Q
};

// EpisodicRead's answer: one recall per query unless need != kNothing.
struct EpisodicReadResult {
  EpisodicNeed need = EpisodicNeed::kNothing;
  std::uint32_t need_state = 0;  // which state `need` concerns (0: the first, i: the i-th more)
  std::vector<EpisodicRecall> results;
};

}  // namespace engram::protocol

#endif  // ENGRAM_COMPUTE_PROTOCOL_EPISODIC_TYPES_H_
