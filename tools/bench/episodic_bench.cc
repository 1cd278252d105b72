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
//
// FactoredMemory (docs/episodic.md §8 "Latency") against EpisodicMemory on the same state: K =
// 768, C = 4096, N = 1,000 live rows of random sparse unit codes with 250–350 non-zeros (the
// shipped encoder's sparsity), 64 more rows to write:
//
//   BM_Factored/LarimarWrite      one N = 1 write (Factored: Bᵀ, S, Q and the read factor's
//                                 rank-2 update, plus its periodic refactorisation amortised;
//                                 the forget back is not timed)
//   BM_Factored/LarimarForget     one N = 1 forget of a live row (the rewrite is not timed)
//   BM_FactoredRead               a read as the co-process does it: the probe (g, the solve, z_r
//                                 = Bᵀx), then both inner products with each of the 1,000 codes
//   BM_FactoredWriteThenRead      a write then a read (no refactorisation: the factor follows)
//   BM_FactoredRefactor           the read factor from scratch (Cholesky of Q + εI, own loops)
//   BM_FactoredMaterialize        M and P (exports and tests only)
//   BM_LarimarReadCached          EpisodicMemory::Read of one code while its factor is cached
//   BM_LarimarWriteThenRead       a write then a read (the read rebuilds M Mᵀ's factor)

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "compute/episodic/episodic_memory.h"
#include "compute/episodic/factored_memory.h"
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

// --- FactoredMemory vs EpisodicMemory at K = 768 with sparse codes ---

constexpr std::int64_t kSparseSlots = 768;
constexpr std::int64_t kLive = 1000;
constexpr std::int64_t kExtra = 64;

struct SparseFixture {
  std::vector<SparseCode> codes;  // kLive + kExtra
  Matrix z;                       // dense codes
  Matrix w;                       // addresses
  std::vector<EpisodeRow> rows;   // all codes with their addresses
  std::vector<EpisodeRow> live;   // the first kLive
  std::unique_ptr<FactoredMemory> factored;
  std::unique_ptr<EpisodicMemory> episodic;
};

SparseFixture& Sparse() {
  static std::unique_ptr<SparseFixture> f;
  if (f) return *f;
  f = std::make_unique<SparseFixture>();
  const std::int64_t n = kLive + kExtra;
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::uint32_t> bucket(0, kWidth - 1);
  std::uniform_int_distribution<int> count(250, 350);
  std::normal_distribution<double> normal;
  f->z = Matrix::Zeros(n, kWidth);
  for (std::int64_t i = 0; i < n; ++i) {
    std::vector<double> dense(kWidth, 0.0);
    for (int j = count(rng); j > 0;) {
      const std::uint32_t b = bucket(rng);
      if (dense[b] == 0.0) dense[b] = normal(rng), --j;
    }
    double norm = 0.0;
    for (double v : dense) norm += v * v;
    SparseCode code;
    for (std::uint32_t c = 0; c < kWidth; ++c) {
      if (dense[c] != 0.0) {
        code.index.push_back(c);
        code.value.push_back(dense[c] / std::sqrt(norm));
        f->z(i, c) = code.value.back();
      }
    }
    f->codes.push_back(std::move(code));
  }
  const ReferenceMemory ref = Must(ReferenceMemory::Create(kSparseSlots, kWidth, 1));
  f->w = Must(ref.Addresses(f->z));
  for (std::int64_t i = 0; i < n; ++i) f->rows.push_back(EpisodeRow{&f->codes[i], f->w.row(i)});
  f->live.assign(f->rows.begin(), f->rows.begin() + kLive);
  FactoredOptions fo;
  fo.slots = kSparseSlots;
  fo.code_width = kWidth;
  f->factored = std::make_unique<FactoredMemory>(Must(FactoredMemory::Create(fo)));
  Must(f->factored->Write(f->live));
  EpisodicOptions eo;
  eo.slots = kSparseSlots;
  eo.code_width = kWidth;
  f->episodic = std::make_unique<EpisodicMemory>(Must(EpisodicMemory::FromEpisodes(
      eo, MatrixView{std::span<const double>(f->z.data).first(kLive * kWidth), kLive, kWidth},
      MatrixView{std::span<const double>(f->w.data).first(kLive * kSparseSlots), kLive,
                 kSparseSlots})));
  return *f;
}

std::span<const EpisodeRow> One(const SparseFixture& f, std::int64_t i) {
  return std::span<const EpisodeRow>(f.rows).subspan(static_cast<std::size_t>(i), 1);
}

// Writes the extra rows then forgets them again, so that the fixture's state stays at the live
// rows (up to rounding) for the benchmarks that follow.
void BM_FactoredWrite(benchmark::State& state) {
  SparseFixture& f = Sparse();
  std::int64_t i = 0;
  for (auto _ : state) {
    Must(f.factored->Write(One(f, kLive + i)));
    state.PauseTiming();
    Must(f.factored->Forget(One(f, kLive + i)));
    state.ResumeTiming();
    i = (i + 1) % kExtra;
  }
}

void BM_FactoredForget(benchmark::State& state) {
  SparseFixture& f = Sparse();
  std::int64_t i = 0;
  for (auto _ : state) {
    Must(f.factored->Forget(One(f, i)));
    state.PauseTiming();
    Must(f.factored->Write(One(f, i)));  // now last in write order: the sum is the same rows
    state.ResumeTiming();
    i = (i + 1) % kLive;
  }
}

void BM_FactoredRefactor(benchmark::State& state) {
  SparseFixture& f = Sparse();
  for (auto _ : state) Must(f.factored->Refactor());
}

// Scores one query against the live codes as EpisodicEngine does: the probe, then per entry
// the query's and the readout's inner products.
double ReadAndScore(SparseFixture& f, const SparseCode& query, std::vector<double>& q_dense) {
  const ReadProbe probe = Must(f.factored->Read(query));
  for (std::size_t j = 0; j < query.index.size(); ++j) q_dense[query.index[j]] = query.value[j];
  double best = -1.0;
  for (const EpisodeRow& e : f.live) {
    double query_dot = 0.0, readout_dot = 0.0;
    const SparseCode& z = *e.code;
    for (std::size_t j = 0; j < z.index.size(); ++j) {
      query_dot += z.value[j] * q_dense[z.index[j]];
      readout_dot += z.value[j] * (probe.is_query ? q_dense[z.index[j]] : probe.values[z.index[j]]);
    }
    best = std::max(best, readout_dot + 1e-9 * query_dot);
  }
  for (const std::uint32_t c : query.index) q_dense[c] = 0.0;
  return best;
}

void BM_FactoredRead(benchmark::State& state) {
  SparseFixture& f = Sparse();
  std::vector<double> q_dense(kWidth, 0.0);
  std::int64_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ReadAndScore(f, f.codes[i], q_dense));
    i = (i + 1) % kLive;
  }
}

void BM_FactoredWriteThenRead(benchmark::State& state) {
  SparseFixture& f = Sparse();
  std::vector<double> q_dense(kWidth, 0.0);
  std::int64_t i = 0;
  for (auto _ : state) {
    Must(f.factored->Write(One(f, kLive + i)));
    benchmark::DoNotOptimize(ReadAndScore(f, f.codes[i], q_dense));
    state.PauseTiming();
    Must(f.factored->Forget(One(f, kLive + i)));
    state.ResumeTiming();
    i = (i + 1) % kExtra;
  }
}

void BM_FactoredMaterialize(benchmark::State& state) {
  SparseFixture& f = Sparse();
  for (auto _ : state) benchmark::DoNotOptimize(Must(f.factored->Materialize()));
}

MatrixView SparseRow(const Matrix& m, std::int64_t i) {
  return MatrixView{m.row(i), 1, m.cols};
}

void BM_LarimarWrite(benchmark::State& state) {
  SparseFixture& f = Sparse();
  std::int64_t i = 0;
  for (auto _ : state) {
    Must(f.episodic->Write(SparseRow(f.z, kLive + i), SparseRow(f.w, kLive + i)));
    state.PauseTiming();
    Must(f.episodic->Forget(SparseRow(f.z, kLive + i), SparseRow(f.w, kLive + i)));
    state.ResumeTiming();
    i = (i + 1) % kExtra;
  }
}

void BM_LarimarForget(benchmark::State& state) {
  SparseFixture& f = Sparse();
  std::int64_t i = 0;
  for (auto _ : state) {
    Must(f.episodic->Forget(SparseRow(f.z, i), SparseRow(f.w, i)));
    state.PauseTiming();
    Must(f.episodic->Write(SparseRow(f.z, i), SparseRow(f.w, i)));
    state.ResumeTiming();
    i = (i + 1) % kLive;
  }
}

void BM_LarimarReadCached(benchmark::State& state) {
  SparseFixture& f = Sparse();
  benchmark::DoNotOptimize(Must(f.episodic->Read(SparseRow(f.z, 0))));
  std::int64_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(Must(f.episodic->Read(SparseRow(f.z, i))));
    i = (i + 1) % kLive;
  }
}

void BM_LarimarWriteThenRead(benchmark::State& state) {
  SparseFixture& f = Sparse();
  std::int64_t i = 0;
  for (auto _ : state) {
    Must(f.episodic->Write(SparseRow(f.z, kLive + i), SparseRow(f.w, kLive + i)));
    benchmark::DoNotOptimize(Must(f.episodic->Read(SparseRow(f.z, kLive + i))));
    state.PauseTiming();
    Must(f.episodic->Forget(SparseRow(f.z, kLive + i), SparseRow(f.w, kLive + i)));
    state.ResumeTiming();
    i = (i + 1) % kExtra;
  }
}

BENCHMARK(BM_FactoredWrite)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FactoredForget)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FactoredRead)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FactoredWriteThenRead)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FactoredRefactor)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FactoredMaterialize)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_LarimarWrite)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LarimarForget)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LarimarReadCached)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LarimarWriteThenRead)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace engram::compute::episodic

// ENGRAM_BENCH_THREADS=n sets LibTorch's intra-op threads (the co-process's --threads); the
// default is LibTorch's own.
int main(int argc, char** argv) {
  if (const char* threads = std::getenv("ENGRAM_BENCH_THREADS")) {
    engram::compute::episodic::SetIntraOpThreads(std::atoi(threads));
  }
  std::printf("intra-op threads: %d\n", engram::compute::episodic::IntraOpThreads());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
