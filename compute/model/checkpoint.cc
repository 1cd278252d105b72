#include "compute/model/checkpoint.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <sys/stat.h>

namespace engram::compute {
namespace {

constexpr std::uint32_t kV1Magic = 0x616b3432;  // "ak42" read as a little-endian uint32
constexpr std::int64_t kV1HeaderBytes = 256;
constexpr std::int64_t kLegacyHeaderBytes = 7 * 4;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// The tensors in the order each format stores them. kRopeTables stands for the two RoPE tables
// the legacy format carries (engram recomputes RoPE, like llama2.c's run.c).
constexpr int kRopeTables = -1;

std::vector<int> FileOrder(CheckpointFormat format, bool shared) {
  using W = WeightId;
  auto id = [](W w) { return static_cast<int>(w); };
  std::vector<int> order;
  if (format == CheckpointFormat::kLegacy) {
    order = {id(W::kTokenEmbedding),
             id(W::kRmsAttention),
             id(W::kWq),
             id(W::kWk),
             id(W::kWv),
             id(W::kWo),
             id(W::kRmsFfn),
             id(W::kW1),
             id(W::kW2),
             id(W::kW3),
             id(W::kRmsFinal),
             kRopeTables};
  } else {
    order = {id(W::kRmsAttention), id(W::kRmsFfn), id(W::kRmsFinal), id(W::kTokenEmbedding),
             id(W::kWq),           id(W::kWk),     id(W::kWv),       id(W::kWo),
             id(W::kW1),           id(W::kW2),     id(W::kW3)};
  }
  if (!shared) order.push_back(id(W::kClassifier));
  return order;
}

std::int64_t RopeTablesNumel(const LlamaConfig& c) {
  return 2 * static_cast<std::int64_t>(c.seq_len) * (c.head_size() / 2);
}

std::int64_t ExpectedBytes(const LlamaConfig& c, CheckpointFormat format) {
  std::int64_t floats = 0;
  for (int t : FileOrder(format, c.shared_classifier)) {
    floats += t == kRopeTables ? RopeTablesNumel(c) : WeightNumel(c, static_cast<WeightId>(t));
  }
  const std::int64_t header =
      format == CheckpointFormat::kLegacy ? kLegacyHeaderBytes : kV1HeaderBytes;
  return header + floats * 4;
}

void ConfigFromInts(const std::int32_t* v, LlamaConfig* c) {
  c->dim = v[0];
  c->hidden_dim = v[1];
  c->n_layers = v[2];
  c->n_heads = v[3];
  c->n_kv_heads = v[4];
  c->vocab_size = v[5];
  c->seq_len = v[6];
}

Status ModelFileError(const std::string& path, const std::string& what) {
  return ModelError("model file '" + path + "': " + what);
}

// Reads the header; leaves the file positioned at the first weight.
Result<std::pair<LlamaConfig, CheckpointFormat>> ReadHeader(std::FILE* f, const std::string& path,
                                                            std::int64_t file_size) {
  if (file_size < kLegacyHeaderBytes) {
    return ModelFileError(path,
                          "too small to be a checkpoint (" + std::to_string(file_size) + " bytes)");
  }
  std::uint8_t head[kV1HeaderBytes] = {};
  const std::size_t want = static_cast<std::size_t>(std::min(file_size, kV1HeaderBytes));
  if (std::fread(head, 1, want, f) != want) return ModelFileError(path, "read failed");

  std::uint32_t magic = 0;
  std::memcpy(&magic, head, 4);
  LlamaConfig config;
  CheckpointFormat format;
  if (magic == kV1Magic) {
    if (file_size < kV1HeaderBytes) return ModelFileError(path, "truncated v1 header");
    std::int32_t version = 0;
    std::memcpy(&version, head + 4, 4);
    if (version != 1) {
      return ModelFileError(path, "unsupported llama2.c export version " + std::to_string(version) +
                                      " (engram reads v0 and v1)");
    }
    std::int32_t ints[7];
    std::memcpy(ints, head + 8, sizeof(ints));
    ConfigFromInts(ints, &config);
    const std::uint8_t shared = head[8 + sizeof(ints)];
    if (shared > 1) return ModelFileError(path, "shared-classifier flag is not 0 or 1");
    config.shared_classifier = shared == 1;
    format = CheckpointFormat::kV1;
  } else {
    std::int32_t ints[7];
    std::memcpy(ints, head, sizeof(ints));
    ConfigFromInts(ints, &config);
    // A negative vocabulary size is llama2.c's legacy flag for a separate classifier.
    config.shared_classifier = config.vocab_size > 0;
    if (config.vocab_size < 0 && config.vocab_size != INT32_MIN)
      config.vocab_size = -config.vocab_size;
    format = CheckpointFormat::kLegacy;
  }
  ENGRAM_RETURN_IF_ERROR(config.Validate().WithContext("model file '" + path + "'"));
  const std::int64_t expected = ExpectedBytes(config, format);
  if (expected != file_size) {
    return ModelFileError(path, "size mismatch: the " + std::string(CheckpointFormatName(format)) +
                                    " header (" + config.ToString() + ") implies " +
                                    std::to_string(expected) + " bytes, the file has " +
                                    std::to_string(file_size));
  }
  const long weights_at = format == CheckpointFormat::kLegacy ? kLegacyHeaderBytes : kV1HeaderBytes;
  if (std::fseek(f, weights_at, SEEK_SET) != 0) return ModelFileError(path, "seek failed");
  return std::make_pair(config, format);
}

Status WriteAll(std::FILE* f, const void* data, std::size_t bytes) {
  if (std::fwrite(data, 1, bytes, f) != bytes) return InternalError("short write");
  return Status::Ok();
}

}  // namespace

std::string_view CheckpointFormatName(CheckpointFormat format) {
  return format == CheckpointFormat::kLegacy ? "legacy" : "v1";
}

Result<Checkpoint> ReadCheckpoint(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return NotFoundError("model file '" + path + "' not found");
  if (!S_ISREG(st.st_mode)) return ModelFileError(path, "not a regular file");
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) return NotFoundError("model file '" + path + "' cannot be opened");

  ENGRAM_ASSIGN_OR_RETURN(auto header, ReadHeader(f.get(), path, st.st_size));
  const auto& [config, format] = header;
  ENGRAM_ASSIGN_OR_RETURN(LlamaWeights weights, LlamaWeights::Allocate(config));

  for (int t : FileOrder(format, config.shared_classifier)) {
    if (t == kRopeTables) {
      if (std::fseek(f.get(), static_cast<long>(RopeTablesNumel(config) * 4), SEEK_CUR) != 0) {
        return ModelFileError(path, "seek failed");
      }
      continue;
    }
    auto id = static_cast<WeightId>(t);
    std::span<float> dst = weights.MutableTensor(id);
    if (std::fread(dst.data(), sizeof(float), dst.size(), f.get()) != dst.size()) {
      return ModelFileError(path, "truncated while reading " + std::string(WeightName(id)));
    }
    for (float v : dst) {
      if (!std::isfinite(v)) {
        return ModelFileError(path, "non-finite value in " + std::string(WeightName(id)));
      }
    }
  }
  return Checkpoint{std::move(weights), format};
}

Status WriteCheckpoint(const LlamaWeights& weights, CheckpointFormat format,
                       const std::string& path) {
  const LlamaConfig& c = weights.config();
  File f(std::fopen(path.c_str(), "wb"));
  if (!f) return InternalError("cannot create '" + path + "'");
  std::int32_t ints[7] = {c.dim,        c.hidden_dim, c.n_layers, c.n_heads,
                          c.n_kv_heads, c.vocab_size, c.seq_len};
  if (format == CheckpointFormat::kLegacy) {
    if (!c.shared_classifier) ints[5] = -ints[5];
    ENGRAM_RETURN_IF_ERROR(WriteAll(f.get(), ints, sizeof(ints)));
  } else {
    std::uint8_t head[kV1HeaderBytes] = {};
    const std::int32_t version = 1;
    std::memcpy(head, &kV1Magic, 4);
    std::memcpy(head + 4, &version, 4);
    std::memcpy(head + 8, ints, sizeof(ints));
    head[8 + sizeof(ints)] = c.shared_classifier ? 1 : 0;
    ENGRAM_RETURN_IF_ERROR(WriteAll(f.get(), head, sizeof(head)));
  }
  for (int t : FileOrder(format, c.shared_classifier)) {
    if (t == kRopeTables) {
      // The tables llama2.c's export writes: cos then sin of pos * theta^(-2i/head_size).
      std::vector<float> cos_table, sin_table;
      RopeTables(c, cos_table, sin_table);
      ENGRAM_RETURN_IF_ERROR(WriteAll(f.get(), cos_table.data(), cos_table.size() * 4));
      ENGRAM_RETURN_IF_ERROR(WriteAll(f.get(), sin_table.data(), sin_table.size() * 4));
      continue;
    }
    auto span = weights.Tensor(static_cast<WeightId>(t));
    ENGRAM_RETURN_IF_ERROR(WriteAll(f.get(), span.data(), span.size_bytes()));
  }
  if (std::fflush(f.get()) != 0) return InternalError("cannot flush '" + path + "'");
  return Status::Ok();
}

}  // namespace engram::compute
