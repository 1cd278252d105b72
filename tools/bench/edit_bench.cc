// Side-memory editing (docs/editing.md §7) on stories260K with the default EditOptions.
//
//   BM_Edit            one edit request (a known_1000 fact, prompt → " " + attribute) trained
//                      into a memory that already holds the previous ones; counters p50_s and
//                      p95_s over the iterations (the target: p50 ≤ 0.5 s per edit)
//   BM_Route/N         the routing decision for one prompt (activations to the side memory's
//                      layer, the gate's code and nearest edits, Δ of the memories it lets
//                      through) with N memories
//   BM_Generate/0      32 greedy tokens on the unedited model (items = tokens: tokens/s)
//   BM_Generate/1      the same request through the router with N = 1,000 memories, routed to
//                      its edit's memory (decision included; the memory's engine cached)
//   BM_Generate/2      the same, on an unrelated prompt the router does not route
//
// BM_Route and BM_Generate use synthetic memories (the known_1000 prompts as edits, random
// dense deltas of the trained ones' scale, restored from a state): routing costs depend on
// the number of memories and the deltas' density, not on their training. Single-threaded
// engines; LibTorch at its default intra-op thread count.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>

#include "compute/editing/routed_generator.h"
#include "compute/editing/side_memory.h"
#include "tools/episodic/eval_data.h"

namespace engram::compute::editing {
namespace {

template <typename T>
T Must(Result<T> result) {
  if (!result.ok()) {
    std::fprintf(stderr, "%s\n", result.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(result).value();
}

const ModelBundle& Model() {
  static const ModelBundle* model = new ModelBundle(Must(LoadModel("")));
  return *model;
}

const tools::FactSet& Facts() {
  static const tools::FactSet* facts = new tools::FactSet(
      Must(tools::LoadFacts(std::string(ENGRAM_SOURCE_DIR) + "/../shared/data")));
  return *facts;
}

std::vector<int> Prompt(const std::string& text) {
  return Model().tokenizer.Encode(text, true, false);
}

void BM_Edit(benchmark::State& state) {
  auto memory = Must(SideMemory::Create(Model(), EditOptions{}));
  std::vector<double> seconds;
  std::size_t next = 0;
  for (auto _ : state) {
    const tools::Fact& fact = Facts().facts[next++ % Facts().facts.size()];
    const auto start = std::chrono::steady_clock::now();
    auto record = memory->Edit({fact.prompt, " " + fact.attribute});
    seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (!record.ok()) state.SkipWithError(record.status().ToString().c_str());
  }
  std::sort(seconds.begin(), seconds.end());
  state.counters["p50_s"] = seconds[seconds.size() / 2];
  state.counters["p95_s"] = seconds[seconds.size() * 95 / 100];
}
BENCHMARK(BM_Edit)->Iterations(40)->Unit(benchmark::kMillisecond);

// A memory of `n` edits (the first n facts' prompts) with random deltas.
std::unique_ptr<SideMemory> Synthetic(int n) {
  const LlamaConfig& c = Model().config();
  const std::size_t numel = static_cast<std::size_t>(c.dim) * c.hidden_dim;
  auto empty = Must(SideMemory::Create(Model(), EditOptions{}));
  SideMemoryState s = empty->state();
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  for (int i = 1; i <= n; ++i) {
    const tools::Fact& fact = Facts().facts[static_cast<std::size_t>(i - 1)];
    EditRecord e;
    e.id = static_cast<std::uint64_t>(i);
    e.request = {fact.prompt, " " + fact.attribute};
    e.shard = e.id;
    s.edits.push_back(e);
    std::vector<float> dense(numel);
    for (float& v : dense) v = normal(rng);
    s.shards.push_back({e.id, e.id, {e.id}, SparseFromDense(dense)});
    RoutedMemory m;
    m.id = e.id;
    m.shards = {e.id};
    m.threshold = 0.1f;
    m.min_act = 0.1f / s.options.act_ratio;
    s.memories.push_back(m);
  }
  s.next_edit_id = s.next_shard_id = s.next_memory_id = static_cast<std::uint64_t>(n) + 1;
  return Must(SideMemory::Restore(Model(), EncodeState(s)));
}

SideMemory& SyntheticMemory(int n) {
  static std::map<int, std::unique_ptr<SideMemory>>* memories =
      new std::map<int, std::unique_ptr<SideMemory>>();
  auto& slot = (*memories)[n];
  if (slot == nullptr) slot = Synthetic(n);
  return *slot;
}

void BM_Route(benchmark::State& state) {
  SideMemory& memory = SyntheticMemory(static_cast<int>(state.range(0)));
  const std::vector<int> prompt = Prompt(Facts().facts[3].prompt);
  for (auto _ : state) {
    auto route = memory.Route(prompt);
    if (!route.ok() || !route->routed) state.SkipWithError("not routed");
    benchmark::DoNotOptimize(route);
  }
}
BENCHMARK(BM_Route)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_Generate(benchmark::State& state) {
  SideMemory& memory = SyntheticMemory(1000);
  auto generator = Must(RoutedGenerator::Create(Model()));
  const int mode = static_cast<int>(state.range(0));
  const std::vector<int> prompt =
      Prompt(mode == 2 ? "Once upon a time, there was a little girl" : Facts().facts[3].prompt);
  std::int64_t tokens = 0;
  for (auto _ : state) {
    if (mode == 0) {
      auto out = Must(generator->GenerateWith(nullptr, 0, prompt, 32));
      tokens += static_cast<std::int64_t>(out.size());
    } else {
      auto out = Must(generator->Generate(memory, prompt, 32));
      if (out.route.routed != (mode == 1)) state.SkipWithError("unexpected route");
      tokens += static_cast<std::int64_t>(out.tokens.size());
    }
  }
  state.SetItemsProcessed(tokens);
}
BENCHMARK(BM_Generate)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace engram::compute::editing

BENCHMARK_MAIN();
