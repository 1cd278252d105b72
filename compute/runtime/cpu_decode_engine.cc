#include "compute/runtime/cpu_decode_engine.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <thread>

namespace engram::compute {
namespace {

// Below this many streams per thread, waking a second thread costs more than it saves.
constexpr int kMinRowsPerThread = 2;

}  // namespace

Result<std::unique_ptr<CpuDecodeEngine>> CpuDecodeEngine::Create(const LlamaWeights& weights,
                                                                 const CpuEngineOptions& options) {
  std::string_view isa;
  CpuForwardFn forward = nullptr;
  if (options.isa.empty()) {
    forward = SelectCpuForward(&isa);
  } else {
    forward = CpuForwardByName(options.isa);
    isa = options.isa;
    if (forward == nullptr) {
      return ModelError("CPU kernels '" + options.isa + "' are unknown or unsupported here");
    }
  }
  if (options.max_slots < 1) return LimitError("max_slots must be at least 1");
  if (weights.config().head_size() > kCpuMaxHeadSize) {
    return ModelError("head size " + std::to_string(weights.config().head_size()) +
                      " exceeds the fused CPU engine's " + std::to_string(kCpuMaxHeadSize) +
                      "; use --engine torch");
  }
  try {
    return std::unique_ptr<CpuDecodeEngine>(
        new CpuDecodeEngine(BuildCpuModel(weights), forward, isa, options));
  } catch (const std::bad_alloc&) {
    return LimitError("not enough memory for the CPU decode engine");
  }
}

CpuDecodeEngine::CpuDecodeEngine(CpuModel model, CpuForwardFn forward, std::string_view isa,
                                 const CpuEngineOptions& options)
    : model_(std::move(model)),
      forward_(forward),
      isa_(isa),
      slots_(static_cast<std::size_t>(options.max_slots)),
      runner_(options.threads > 0
                  ? options.threads
                  : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))) {
  for (int t = 0; t < runner_.threads(); ++t) scratch_.emplace_back(CpuScratchFloats(model_));
}

std::string CpuDecodeEngine::name() const {
  return "cpu-fused/" + isa_;
}

KvCacheView CpuDecodeEngine::CacheFor(int slot) {
  Slot& s = slots_[static_cast<std::size_t>(slot)];
  if (s.keys.size() == 0) {
    const std::size_t n = CpuKvCacheFloats(model_);
    s.keys = AlignedFloats(n);
    s.values = AlignedFloats(n);
  }
  return {s.keys.data(), s.values.data()};
}

Status CpuDecodeEngine::Step(std::span<const int> slots, std::span<const int> tokens,
                             std::span<const int> positions, std::span<float> logits) {
  ENGRAM_RETURN_IF_ERROR(ValidateStep(slots, tokens, positions, logits));
  const int batch = static_cast<int>(slots.size());
  if (batch == 0) return Status::Ok();

  std::vector<KvCacheView> caches(static_cast<std::size_t>(batch));
  try {
    for (std::size_t i = 0; i < caches.size(); ++i) {
      caches[i] = CacheFor(slots[i]);
      // A new sequence starts clean: attention reads whole padded blocks (weighting positions
      // past the current one by zero), so nothing of the slot's previous sequence may remain.
      if (positions[i] == 0) {
        const std::size_t bytes = CpuKvCacheFloats(model_) * sizeof(float);
        std::memset(caches[i].keys, 0, bytes);
        std::memset(caches[i].values, 0, bytes);
      }
    }
  } catch (const std::bad_alloc&) {
    return LimitError("not enough memory for another KV cache slot");
  }

  const int vocab = model_.config.vocab_size;
  const int parts = std::clamp(batch / kMinRowsPerThread, 1, runner_.threads());
  runner_.Run(parts, [&](int part) {
    const int begin = static_cast<int>(static_cast<long>(batch) * part / parts);
    const int end = static_cast<int>(static_cast<long>(batch) * (part + 1) / parts);
    for (int row = begin; row < end; row += kCpuTileRows) {
      CpuForwardArgs args;
      args.model = &model_;
      args.rows = std::min(kCpuTileRows, end - row);
      args.tokens = tokens.data() + row;
      args.positions = positions.data() + row;
      args.caches = caches.data() + row;
      args.logits = logits.data() + static_cast<std::ptrdiff_t>(row) * vocab;
      args.logits_stride = vocab;
      args.scratch = scratch_[static_cast<std::size_t>(part)].data();
      forward_(args);
    }
  });
  return Status::Ok();
}

}  // namespace engram::compute
