// Plain results of compute calls, independent of the wire format.
#ifndef ENGRAM_QUERY_COMPUTE_CLIENT_COMPUTE_TYPES_H_
#define ENGRAM_QUERY_COMPUTE_CLIENT_COMPUTE_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

struct GenerateParams {
  std::string prompt;                             // tokenised by the co-process (with BOS) ...
  std::optional<std::vector<int>> prompt_tokens;  // ... unless exact ids are given
  int max_new_tokens = 256;
  float temperature = 1.0f;
  float top_p = 0.9f;
  std::uint64_t seed = 1;
  bool stop_at_bos = true;
  bool stream = true;
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

}  // namespace engram::query

#endif  // ENGRAM_QUERY_COMPUTE_CLIENT_COMPUTE_TYPES_H_
