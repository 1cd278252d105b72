// Plain results of compute calls, independent of the wire format.
#ifndef ENGRAM_QUERY_COMPUTE_CLIENT_COMPUTE_TYPES_H_
#define ENGRAM_QUERY_COMPUTE_CLIENT_COMPUTE_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compute/protocol/content_hash.h"
#include "compute/protocol/context_types.h"
#include "compute/protocol/edit_types.h"
#include "compute/protocol/episodic_types.h"

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
  // Context memories whose proposals are mixed in (docs/context.md); each must have been read
  // (ContextRead) first. None: the plain path.
  std::vector<protocol::ContextState> context;
  float context_lambda = 0.9f;
  // Generate after a stored prefix (its blobs must be in the co-process's blob cache);
  // prompt_tokens then continue it, without a BOS.
  std::optional<protocol::PrefixRef> prefix;
  // Generate with this routed side memory of a cached edit state (docs/editing.md); it cannot
  // be combined with context memories or a prefix.
  std::optional<protocol::GenerateEditRef> edit;
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

using protocol::EpisodicApplyResult;
using protocol::EpisodicNeed;
using protocol::EpisodicOp;
using protocol::EpisodicReadResult;
using protocol::EpisodicRecall;
using protocol::EpisodicSettings;
using protocol::EpisodicStateSpec;
using protocol::EpisodicText;

struct EpisodicReadParams {
  std::vector<std::string> queries;
  std::uint32_t top_k = 5;
  std::uint32_t iterations = 1;
  double scope_threshold = 0.3;
  // Further memories read together with the first (the hierarchical read): their states.
  std::vector<EpisodicStateSpec> more;
};

}  // namespace engram::query

#endif  // ENGRAM_QUERY_COMPUTE_CLIENT_COMPUTE_TYPES_H_
