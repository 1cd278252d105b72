// Plain results of compute calls, independent of the wire format.
#ifndef ENGRAM_QUERY_COMPUTE_CLIENT_COMPUTE_TYPES_H_
#define ENGRAM_QUERY_COMPUTE_CLIENT_COMPUTE_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compute/protocol/content_hash.h"

namespace engram::query {

struct ModelInfo {
  std::string fingerprint;  // 32 hex digits
  std::string checkpoint_path;
  std::string checkpoint_format;
  int dim = 0;
  int hidden_dim = 0;
  int n_layers = 0;
  int n_heads = 0;
  int n_kv_heads = 0;
  int vocab_size = 0;
  int seq_len = 0;
  bool shared_classifier = true;
  std::int64_t parameters = 0;
  std::string engine;
  std::string device;
  int max_slots = 0;
  std::string server_name;  // from Hello only
};

// A recalled text that guides decoding (memory-conditioned GENERATE, docs/episodic.md §5).
struct GuideText {
  std::string text;     // tokenised by the co-process without BOS
  float weight = 0.9f;  // in (0, 1]
};

struct GenerateParams {
  std::string prompt;                             // tokenised by the co-process (with BOS) ...
  std::optional<std::vector<int>> prompt_tokens;  // ... unless exact ids are given
  int max_new_tokens = 256;
  float temperature = 1.0f;
  float top_p = 0.9f;
  std::uint64_t seed = 1;
  bool stop_at_bos = true;
  bool stream = true;
  std::vector<GuideText> guides;  // none: the plain model, token-identical
  int min_match = 2;
};

struct GenerateChunk {
  std::vector<int> tokens;
  std::string text;
};

struct GenerateResult {
  std::vector<int> tokens;  // generated tokens only
  std::string text;
  int prompt_tokens = 0;
  int stop_reason = 0;  // compute::StopReason value
  std::string stop_reason_name;
  double seconds = 0;
};

// --- episodic memory (protocol.md §5.8; frame.fbs Episodic*) ---

struct EpisodicSettings {
  std::uint32_t slots = 512;        // K
  std::uint32_t code_width = 4096;  // C
  double ridge = 1e-3;              // λ
  std::uint64_t seed = 0;           // reference memory seed
  std::uint32_t encoder_version = 1;
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
  std::optional<Hash128> checkpoint_m;  // both or neither
  std::optional<Hash128> checkpoint_p;
  std::vector<EpisodicOp> ops;
  std::vector<EpisodicText> texts;
  bool complete = false;
};

// What the co-process lacked to answer (nothing was done): 1 the state (resend complete), 2 a
// checkpoint blob (BlobPut it, resend).
enum class EpisodicNeed : std::uint8_t { kNothing = 0, kCompleteState = 1, kCheckpointBlobs = 2 };

struct EpisodicApplyResult {
  EpisodicNeed need = EpisodicNeed::kNothing;
  std::int64_t rows = 0;
  std::optional<Hash128> checkpoint_m;
  std::optional<Hash128> checkpoint_p;
};

struct EpisodicReadParams {
  std::vector<std::string> queries;
  std::uint32_t top_k = 5;
  std::uint32_t iterations = 1;
  double scope_threshold = 0.3;
};

struct EpisodicRecall {
  bool in_scope = false;
  double scope_score = 0;
  std::vector<std::uint64_t> ids;  // best first
  std::vector<double> scores;
};

struct EpisodicReadResult {
  EpisodicNeed need = EpisodicNeed::kNothing;
  std::vector<EpisodicRecall> results;  // one per query
};

}  // namespace engram::query

#endif  // ENGRAM_QUERY_COMPUTE_CLIENT_COMPUTE_TYPES_H_
