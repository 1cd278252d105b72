// The episodic memory's numerical core at Larimar-like sizes: C = 4096 (the width of the hashed
// n-gram encoder), K ∈ {512, 2048} slots, the 1,209 facts of known_1000 as random unit codes.
//
//   BM_WriteOneFact      one incremental write of an N = 1 episode (a forget costs the same)
//   BM_ReadCached        one N = 1 read while pinv(M) is cached
//   BM_WriteThenRead     a write followed by a read: the read rebuilds its Cholesky factor
//   BM_Addresses         W = z · pinv(M_ref) for one fact
//   BM_FromEpisodes      the batch ridge solution over all 1,209 facts — the baseline that
//                        incremental writes and forgets replace, in the same process
//   BM_RecallAllFacts    one batch read of all 1,209 facts; counters recall@1 and mean cosine
//   BM_ReferenceMemory   building M_ref and pinv(M_ref) (once per memory configuration)
//
// Setup (reference memory, addresses, a memory holding the 1,209 facts) is shared per K and not
// timed. Times are wall-clock; LibTorch uses its default intra-op thread count.

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>

#include "compute/episodic/episodic_memory.h"
#include "compute/episodic/reference_memory.h"

namespace engram::compute::episodic {
namespace {

constexpr std::int64_t kWidth = 4096;
constexpr std::int64_t kFacts = 1209;

template <typename T>
T Must(Result<T> result) {
  if (!result.ok()) {
    std::fprintf(stderr, "%s\n", result.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(result).value();
}

void Must(const Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    std::exit(1);
  }
}

struct Fixture {
  std::unique_ptr<ReferenceMemory> ref;
  Matrix z;  // kFacts x C, unit rows
  Matrix w;  // kFacts x K
  EpisodicOptions options;
};

Fixture& Get(std::int64_t slots) {
  static std::map<std::int64_t, std::unique_ptr<Fixture>> fixtures;
  auto& f = fixtures[slots];
  if (!f) {
    f = std::make_unique<Fixture>();
    f->ref = std::make_unique<ReferenceMemory>(Must(ReferenceMemory::Create(slots, kWidth, 1)));
    f->z = Matrix::Zeros(kFacts, kWidth);
    GaussianDeviates(2, f->z.data);
    for (std::int64_t r = 0; r < kFacts; ++r) {
      double norm = 0.0;
      for (double v : f->z.row(r)) norm += v * v;
      norm = std::sqrt(norm);
      for (std::int64_t c = 0; c < kWidth; ++c) f->z(r, c) /= norm;
    }
    f->w = Must(f->ref->Addresses(f->z));
    f->options.slots = slots;
    f->options.code_width = kWidth;
  }
  return *f;
}

MatrixView Row(const Matrix& m, std::int64_t r) {
  return MatrixView{m.row(r), 1, m.cols};
}

// A memory holding all facts (built with the batch solution).
EpisodicMemory Full(const Fixture& f) {
  return Must(EpisodicMemory::FromEpisodes(f.options, f.z, f.w));
}

void BM_WriteOneFact(benchmark::State& state) {
  Fixture& f = Get(state.range(0));
  EpisodicMemory memory = Full(f);
  std::int64_t i = 0;
  for (auto _ : state) {
    Must(memory.Write(Row(f.z, i), Row(f.w, i)));
    i = (i + 1) % kFacts;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ReadCached(benchmark::State& state) {
  Fixture& f = Get(state.range(0));
  EpisodicMemory memory = Full(f);
  benchmark::DoNotOptimize(Must(memory.Read(Row(f.z, 0))));  // builds the cache
  std::int64_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(Must(memory.Read(Row(f.z, i))));
    i = (i + 1) % kFacts;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_WriteThenRead(benchmark::State& state) {
  Fixture& f = Get(state.range(0));
  EpisodicMemory memory = Full(f);
  std::int64_t i = 0;
  for (auto _ : state) {
    Must(memory.Write(Row(f.z, i), Row(f.w, i)));
    benchmark::DoNotOptimize(Must(memory.Read(Row(f.z, i))));
    i = (i + 1) % kFacts;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Addresses(benchmark::State& state) {
  Fixture& f = Get(state.range(0));
  std::int64_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(Must(f.ref->Addresses(Row(f.z, i))));
    i = (i + 1) % kFacts;
  }
}

void BM_FromEpisodes(benchmark::State& state) {
  Fixture& f = Get(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(Full(f));
  state.counters["facts"] = static_cast<double>(kFacts);
}

// Not a timing: reads all facts back from the memory holding all of them and reports how many
// readouts have their own code as the nearest stored code (recall@1) and the mean cosine to it.
// With N = 1209 > K the readout is the projection onto a K-dimensional subspace of the codes'
// span, so this measures capacity.
void BM_RecallAllFacts(benchmark::State& state) {
  Fixture& f = Get(state.range(0));
  EpisodicMemory memory = Full(f);
  Readout read;
  for (auto _ : state) read = Must(memory.Read(f.z));
  std::int64_t hits = 0;
  double cos_sum = 0.0;
  for (std::int64_t i = 0; i < kFacts; ++i) {
    const auto r = read.codes.row(i);
    double rr = 0.0;
    for (double v : r) rr += v * v;
    std::int64_t best = -1;
    double best_cos = -2.0, own = 0.0;
    for (std::int64_t j = 0; j < kFacts; ++j) {
      double dot = 0.0;
      for (std::int64_t c = 0; c < kWidth; ++c) dot += r[static_cast<std::size_t>(c)] * f.z(j, c);
      const double cos = dot / std::sqrt(rr);  // stored codes have unit norm
      if (j == i) own = cos;
      if (cos > best_cos) best_cos = cos, best = j;
    }
    hits += best == i ? 1 : 0;
    cos_sum += own;
  }
  state.counters["recall@1"] = static_cast<double>(hits) / kFacts;
  state.counters["mean_cos"] = cos_sum / kFacts;
}

void BM_ReferenceMemory(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(Must(ReferenceMemory::Create(state.range(0), kWidth, 1)));
  }
}

BENCHMARK(BM_WriteOneFact)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadCached)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WriteThenRead)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Addresses)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FromEpisodes)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_RecallAllFacts)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_ReferenceMemory)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace
}  // namespace engram::compute::episodic

BENCHMARK_MAIN();
