#include "compute/editing/routed_generator.h"

#include <cstring>

#include "compute/runtime/engine_factory.h"
#include "compute/runtime/generation.h"

namespace engram::compute::editing {
namespace {

EngineOptions SingleStreamEngine() {
  EngineOptions options;
  options.engine = "cpu";
  options.max_slots = 1;
  options.threads = 1;
  return options;
}

Result<std::vector<int>> Greedy(DecodeEngine& engine, std::span<const int> prompt,
                                int max_new_tokens) {
  GenerationRequest request;
  request.prompt_tokens.assign(prompt.begin(), prompt.end());
  request.max_new_tokens = max_new_tokens;
  request.sampling.temperature = 0.0f;
  auto result = GenerateSync(engine, std::move(request), nullptr);
  if (!result.ok()) return result.status();
  return std::move(result->tokens);
}

}  // namespace

Result<LlamaWeights> WeightsWithW2(const LlamaWeights& weights, int layer,
                                   std::span<const float> w2) {
  const LlamaConfig& c = weights.config();
  const std::size_t per_layer = static_cast<std::size_t>(c.dim) * c.hidden_dim;
  if (layer < 0 || layer >= c.n_layers) return SyntaxError("w2 layer outside the model");
  if (w2.size() != per_layer) return SyntaxError("w2 of the wrong size");
  auto copy = LlamaWeights::Allocate(c);
  if (!copy.ok()) return copy.status();
  for (int id = 0; id < kWeightCount; ++id) {
    const auto w = static_cast<WeightId>(id);
    const auto src = weights.Tensor(w);
    auto dst = copy->MutableTensor(w);
    if (!src.empty() && dst.data() != src.data() && dst.size() == src.size()) {
      std::memcpy(dst.data(), src.data(), src.size() * sizeof(float));
    }
  }
  auto dst = copy->MutableTensor(WeightId::kW2);
  std::memcpy(dst.data() + per_layer * static_cast<std::size_t>(layer), w2.data(),
              per_layer * sizeof(float));
  return copy;
}

Result<std::unique_ptr<DecodeEngine>> EngineWithW2(const ModelBundle& model, int layer,
                                                   std::span<const float> w2) {
  auto weights = WeightsWithW2(model.checkpoint.weights, layer, w2);
  if (!weights.ok()) return weights.status();
  return CreateDecodeEngine(*weights, SingleStreamEngine());
}

RoutedGenerator::RoutedGenerator(const ModelBundle& model, std::unique_ptr<DecodeEngine> base,
                                 int cached_engines)
    : model_(model), base_(std::move(base)), cached_engines_(std::max(1, cached_engines)) {}

RoutedGenerator::~RoutedGenerator() = default;

Result<std::unique_ptr<RoutedGenerator>> RoutedGenerator::Create(const ModelBundle& model,
                                                                 int cached_engines) {
  auto base = CreateDecodeEngine(model.checkpoint.weights, SingleStreamEngine());
  if (!base.ok()) return base.status();
  return std::unique_ptr<RoutedGenerator>(
      new RoutedGenerator(model, std::move(base).value(), cached_engines));
}

Result<DecodeEngine*> RoutedGenerator::EngineFor(const SideMemory& memory,
                                                 std::uint64_t memory_id) {
  auto w2 = memory.EffectiveW2(memory_id);
  if (!w2.ok()) return w2.status();
  const Hash128 key = ContentHash(w2->data(), w2->size() * sizeof(float));
  for (auto it = cache_.begin(); it != cache_.end(); ++it) {
    if (it->key == key) {
      cache_.splice(cache_.begin(), cache_, it);
      return cache_.front().engine.get();
    }
  }
  auto engine = EngineWithW2(model_, memory.options().layer, *w2);
  if (!engine.ok()) return engine.status();
  cache_.push_front({key, std::move(engine).value()});
  while (static_cast<int>(cache_.size()) > cached_engines_) cache_.pop_back();
  return cache_.front().engine.get();
}

Result<RoutedGeneration> RoutedGenerator::Generate(SideMemory& memory,
                                                   std::span<const int> prompt_tokens,
                                                   int max_new_tokens) {
  RoutedGeneration out;
  auto route = memory.Route(prompt_tokens);
  if (!route.ok()) return route.status();
  out.route = std::move(route).value();
  auto tokens =
      GenerateWith(&memory, out.route.routed ? out.route.memory : 0, prompt_tokens, max_new_tokens);
  if (!tokens.ok()) return tokens.status();
  out.tokens = std::move(tokens).value();
  return out;
}

Result<std::vector<int>> RoutedGenerator::GenerateWith(const SideMemory* memory,
                                                       std::uint64_t memory_id,
                                                       std::span<const int> prompt_tokens,
                                                       int max_new_tokens) {
  DecodeEngine* engine = base_.get();
  if (memory_id != 0) {
    if (memory == nullptr) return NotFoundError("no side memory given");
    auto e = EngineFor(*memory, memory_id);
    if (!e.ok()) return e.status();
    engine = *e;
  }
  return Greedy(*engine, prompt_tokens, max_new_tokens);
}

}  // namespace engram::compute::editing
