// Greedy decode throughput of stories260K: one stream, and N streams batched in one engine step
// (N = 1, 8, 64). Each stream decodes kPositions positions from BOS, feeding back its argmax,
// exactly as `engram-compute generate --temperature 0` does. The LibTorch engine runs the same
// work in the same process as the baseline, so the ratio between them is meaningful on any
// machine. Counter "tok/s" is aggregate tokens per second.

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "compute/model/model_bundle.h"
#include "compute/model/sampler.h"
#include "compute/runtime/engine_factory.h"

namespace engram::compute {
namespace {

constexpr int kPositions = 256;  // llama2.c's default step count

const ModelBundle& Model() {
  static const ModelBundle* model = [] {
    auto loaded = LoadModel("");
    if (!loaded.ok()) {
      std::fprintf(stderr, "%s\n", loaded.status().ToString().c_str());
      std::exit(1);
    }
    return new ModelBundle(std::move(loaded).value());
  }();
  return *model;
}

std::unique_ptr<DecodeEngine> MakeEngine(const std::string& engine, int slots, int threads) {
  EngineOptions options;
  options.engine = engine;
  options.max_slots = slots;
  options.threads = threads;
  auto created = CreateDecodeEngine(Model().checkpoint.weights, options);
  if (!created.ok()) {
    std::fprintf(stderr, "%s\n", created.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(created).value();
}

// Decodes `streams` greedy streams for kPositions positions each, all in one batch per step.
void DecodeBatch(DecodeEngine& engine, int streams, std::vector<float>& logits) {
  const int vocab = engine.config().vocab_size;
  std::vector<int> slots(static_cast<std::size_t>(streams)), tokens(slots.size()),
      positions(slots.size());
  for (int s = 0; s < streams; ++s) {
    slots[static_cast<std::size_t>(s)] = s;
    tokens[static_cast<std::size_t>(s)] = 1;  // BOS
  }
  for (int pos = 0; pos < kPositions; ++pos) {
    std::fill(positions.begin(), positions.end(), pos);
    if (!engine.Step(slots, tokens, positions, logits).ok()) std::abort();
    for (int s = 0; s < streams; ++s) {
      tokens[static_cast<std::size_t>(s)] =
          Argmax({logits.data() + static_cast<std::ptrdiff_t>(s) * vocab,
                  static_cast<std::size_t>(vocab)});
    }
  }
  benchmark::DoNotOptimize(tokens.data());
}

void BM_Decode(benchmark::State& state, const std::string& engine_name, int threads) {
  const int streams = static_cast<int>(state.range(0));
  auto engine = MakeEngine(engine_name, streams, threads);
  std::vector<float> logits(static_cast<std::size_t>(streams) * engine->config().vocab_size);
  for (auto _ : state) DecodeBatch(*engine, streams, logits);
  state.counters["tok/s"] = benchmark::Counter(static_cast<double>(streams) * kPositions,
                                               benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(engine->name() +
                 (threads == 0 ? ", all threads" : ", " + std::to_string(threads) + " thread(s)"));
}

// Fused CPU kernels, one thread (compare with llama2.c's single-threaded run.c).
BENCHMARK_CAPTURE(BM_Decode, cpu_fused_1thread, std::string("cpu"), 1)
    ->Arg(1)
    ->Arg(8)
    ->Arg(64)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
// Fused CPU kernels, one thread per core.
BENCHMARK_CAPTURE(BM_Decode, cpu_fused_all_threads, std::string("cpu"), 0)
    ->Arg(1)
    ->Arg(8)
    ->Arg(64)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
// Baseline: the LibTorch engine (per-op dispatch), same work.
BENCHMARK_CAPTURE(BM_Decode, torch, std::string("torch"), 0)
    ->Arg(1)
    ->Arg(8)
    ->Arg(64)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace engram::compute

BENCHMARK_MAIN();
