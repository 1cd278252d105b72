#include "compute/episodic/shipped_encoder.h"

#include <filesystem>
#include <memory>
#include <system_error>

namespace engram::compute::episodic {
namespace fs = std::filesystem;

std::string DefaultEpisodicAssetDir(const std::string& checkpoint_path) {
  if (!checkpoint_path.empty()) {
    const fs::path model_dir = fs::path(checkpoint_path).parent_path();
    const fs::path beside = model_dir.parent_path() / "episodic";
    std::error_code ec;
    if (!model_dir.empty() && fs::is_directory(beside, ec)) return beside.string();
  }
  return std::string(ENGRAM_SOURCE_DIR) + "/models/episodic";
}

Result<NgramEncoder> LoadShippedEncoder(const std::string& dir) {
  std::shared_ptr<const IdfTable> tables[2];
  const char* names[2] = {kShippedIdfFile, kShippedWordFactorFile};
  for (int i = 0; i < 2; ++i) {
    const std::string path = (fs::path(dir) / names[i]).string();
    auto table = IdfTable::Load(path);
    if (!table.ok()) {
      return ComputeError("episodic encoder table " + path + " cannot be used (" +
                          table.status().ToString() + "); see serve --episodic-dir");
    }
    tables[i] = std::make_shared<const IdfTable>(std::move(table).value());
  }
  EncoderOptions options;
  options.dim = kDefaultCodeDim;
  options.use_char = true;
  return NgramEncoder::Create(options, tables[0], tables[1]);
}

}  // namespace engram::compute::episodic
