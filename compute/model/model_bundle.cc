#include "compute/model/model_bundle.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

namespace engram::compute {
namespace fs = std::filesystem;
namespace {

// Version tag of the fingerprint encoding; bump when the encoding changes.
constexpr std::string_view kFingerprintTag = "engram-llama-fingerprint-v1";

bool IsFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

std::vector<fs::path> BinFiles(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec) && entry.path().extension() == ".bin")
      out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool LooksLikeTokenizer(const fs::path& p) {
  return p.filename().string().rfind("tok", 0) == 0;
}

Result<fs::path> FindTokenizer(const fs::path& dir) {
  if (IsFile(dir / "tokenizer.bin")) return dir / "tokenizer.bin";
  std::vector<fs::path> found;
  for (const auto& p : BinFiles(dir)) {
    if (LooksLikeTokenizer(p)) found.push_back(p);
  }
  if (found.empty())
    return NotFoundError("no tokenizer (tokenizer.bin or tok*.bin) in '" + dir.string() + "'");
  if (found.size() > 1)
    return ModelError("several tok*.bin files in '" + dir.string() +
                      "'; name one with --tokenizer");
  return found.front();
}

Result<fs::path> FindCheckpoint(const fs::path& dir) {
  if (IsFile(dir / "model.bin")) return dir / "model.bin";
  std::vector<fs::path> found;
  for (const auto& p : BinFiles(dir)) {
    if (!LooksLikeTokenizer(p)) found.push_back(p);
  }
  if (found.empty()) return NotFoundError("no checkpoint (*.bin) in '" + dir.string() + "'");
  if (found.size() > 1)
    return ModelError("several checkpoints in '" + dir.string() + "'; name the file");
  return found.front();
}

fs::path ExecutableDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

}  // namespace

std::string DefaultModelPath() {
  if (const char* env = std::getenv("ENGRAM_MODEL"); env != nullptr && *env != '\0') return env;
  std::vector<fs::path> candidates;
  const fs::path exe_dir = ExecutableDir();
  if (!exe_dir.empty()) {
    candidates.push_back(exe_dir / "../../models/stories260K");  // build/bin in a checkout
    candidates.push_back(exe_dir / "../share/engram/models/stories260K");  // installed
  }
#ifdef ENGRAM_SOURCE_DIR
  candidates.push_back(fs::path(ENGRAM_SOURCE_DIR) / "models/stories260K");
#endif
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_directory(c, ec)) return fs::weakly_canonical(c, ec).string();
  }
  return "";
}

Hash128 ModelFingerprint(const LlamaWeights& weights, const Tokenizer& tokenizer) {
  HashBuilder h;
  h.Add(kFingerprintTag);
  const LlamaConfig& c = weights.config();
  const std::int32_t ints[8] = {
      c.dim,        c.hidden_dim, c.n_layers, c.n_heads,
      c.n_kv_heads, c.vocab_size, c.seq_len,  c.shared_classifier ? 1 : 0};
  h.Add(ints, sizeof(ints));
  for (int i = 0; i < kWeightCount; ++i) {
    auto id = static_cast<WeightId>(i);
    if (id == WeightId::kClassifier && c.shared_classifier) continue;
    auto t = weights.Tensor(id);
    h.Add(t.data(), t.size_bytes());
  }
  for (std::size_t i = 0; i < tokenizer.pieces().size(); ++i) {
    const auto len = static_cast<std::uint32_t>(tokenizer.pieces()[i].size());
    h.Add(&len, sizeof(len));
    h.Add(tokenizer.pieces()[i]);
    h.Add(&tokenizer.scores()[i], sizeof(float));
  }
  return h.Finish();
}

Result<ModelBundle> LoadModel(const std::string& dir_or_file, const std::string& tokenizer_path) {
  const std::string requested = dir_or_file.empty() ? DefaultModelPath() : dir_or_file;
  if (requested.empty()) return NotFoundError("no model given and the default model was not found");
  std::error_code ec;
  const fs::path path(requested);
  if (!fs::exists(path, ec)) return NotFoundError("model path '" + requested + "' not found");

  fs::path checkpoint_file, tokenizer_file;
  if (fs::is_directory(path, ec)) {
    ENGRAM_ASSIGN_OR_RETURN(checkpoint_file, FindCheckpoint(path));
  } else {
    checkpoint_file = path;
  }
  if (!tokenizer_path.empty()) {
    tokenizer_file = tokenizer_path;
  } else {
    ENGRAM_ASSIGN_OR_RETURN(tokenizer_file, FindTokenizer(checkpoint_file.parent_path().empty()
                                                              ? fs::path(".")
                                                              : checkpoint_file.parent_path()));
  }

  ENGRAM_ASSIGN_OR_RETURN(Checkpoint checkpoint, ReadCheckpoint(checkpoint_file.string()));
  ENGRAM_ASSIGN_OR_RETURN(
      Tokenizer tokenizer,
      Tokenizer::Load(tokenizer_file.string(), checkpoint.weights.config().vocab_size));
  const Hash128 fingerprint = ModelFingerprint(checkpoint.weights, tokenizer);
  return ModelBundle{std::move(checkpoint), std::move(tokenizer), checkpoint_file.string(),
                     tokenizer_file.string(), fingerprint};
}

}  // namespace engram::compute
