// Exact top-16 chunk retrieval over 1,000,000 chunk keys (float32, head_dim 8 and 64), one
// query and a batch of 512: engram's ChunkKeyStore::Search against faiss IndexFlatIP on the same
// keys and queries, in the same process and run (issue 7, docs/context.md "Retrieval").
//
// After the timings it prints, per case, engram time / faiss time (median of the repetitions;
// target <= 1.0), then checks exactness: engram's hits must equal a brute-force fma scan bit for
// bit (recall 1.0) and faiss's ids up to ties (where they differ, the two chunks' exact scores,
// computed in double, must agree to within float rounding). Exit status 1 when a check fails.
// Run through tools/bench/chunk_search_bench.sh, which installs faiss (Debian libfaiss-dev).
#include <benchmark/benchmark.h>
#include <faiss/IndexFlat.h>
#include <faiss/utils/distances.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compute/context/chunk_search.h"
#include "compute/context/chunk_search_kernels.h"

namespace engram::compute::context {
namespace {

constexpr std::int64_t kChunks = 1'000'000;
constexpr std::int64_t kTopK = 16;
constexpr std::int64_t kBatch = 512;
// Batch queries checked against the brute-force scan (a full scan per query is slow).
constexpr std::int64_t kCheckedBatchQueries = 32;

// Uniform values in [-1, 1) from SplitMix64: reproducible and fast for 64M values.
std::vector<float> UniformValues(std::int64_t n, std::uint64_t seed) {
  std::vector<float> v(static_cast<std::size_t>(n));
  std::uint64_t x = seed;
  for (float& f : v) {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    f = static_cast<float>(static_cast<double>(z >> 40) / static_cast<double>(1ULL << 23) - 1.0);
  }
  return v;
}

// The same keys in engram's store (searching with the intra-op pool, and with one thread) and
// in a faiss flat inner-product index.
struct Dataset {
  std::int64_t d = 0;
  std::vector<float> queries;  // [kBatch x d]
  std::unique_ptr<ChunkKeyStore> store;
  std::unique_ptr<ChunkKeyStore> store_1thread;
  std::unique_ptr<faiss::IndexFlatIP> index;
};

std::unique_ptr<ChunkKeyStore> MakeStore(std::int64_t d, int threads,
                                         const std::vector<float>& keys) {
  ChunkStoreOptions options;
  options.heads = 1;
  options.head_dim = d;
  options.capacity = kChunks;
  options.threads = threads;
  auto store = ChunkKeyStore::Create(options);
  if (!store.ok() || !store->Append(keys).ok()) {
    std::fprintf(stderr, "cannot build the engram store\n");
    std::exit(2);
  }
  return std::make_unique<ChunkKeyStore>(std::move(store).value());
}

Dataset& Data(std::int64_t d) {
  static std::map<std::int64_t, Dataset> datasets;
  Dataset& data = datasets[d];
  if (data.store) return data;
  data.d = d;
  const std::vector<float> keys = UniformValues(kChunks * d, 1000 + static_cast<std::uint64_t>(d));
  data.queries = UniformValues(kBatch * d, 2000 + static_cast<std::uint64_t>(d));
  data.store = MakeStore(d, 0, keys);
  data.store_1thread = MakeStore(d, 1, keys);
  data.index = std::make_unique<faiss::IndexFlatIP>(static_cast<faiss::Index::idx_t>(d));
  data.index->add(kChunks, keys.data());
  return data;
}

void BM_Engram(benchmark::State& state) {
  const std::int64_t d = state.range(0), n = state.range(1);
  Dataset& data = Data(d);
  const ChunkKeyStore& store = state.range(2) == 1 ? *data.store_1thread : *data.store;
  const std::span<const float> queries(data.queries.data(), static_cast<std::size_t>(n * d));
  for (auto _ : state) {
    auto result = store.Search(0, queries, kTopK);
    if (!result.ok()) state.SkipWithError(result.status().ToString().c_str());
    benchmark::DoNotOptimize(result);
  }
}

void BM_Faiss(benchmark::State& state) {
  const std::int64_t d = state.range(0), n = state.range(1);
  Dataset& data = Data(d);
  std::vector<float> distances(static_cast<std::size_t>(n * kTopK));
  std::vector<faiss::Index::idx_t> labels(static_cast<std::size_t>(n * kTopK));
  for (auto _ : state) {
    data.index->search(n, data.queries.data(), kTopK, distances.data(), labels.data());
    benchmark::DoNotOptimize(labels.data());
  }
}

// Forwards to the console and keeps each benchmark's per-iteration real times (ms).
class CapturingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const double ms =
          run.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(run.time_unit) * 1e3;
      const std::string name = run.run_name.function_name + "/" + run.run_name.args;
      if (run.run_type == Run::RT_Iteration) {
        times[name].push_back(ms);
      } else if (run.aggregate_name == "median") {
        medians[name] = ms;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  // The median over repetitions (benchmark's own aggregate when it reported one).
  double Median(const std::string& name) const {
    const auto aggregate = medians.find(name);
    if (aggregate != medians.end()) return aggregate->second;
    std::vector<double> v = times.at(name);
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  }
  bool Ran(const std::string& name) const {
    return times.count(name) != 0 || medians.count(name) != 0;
  }
  std::map<std::string, std::vector<double>> times;
  std::map<std::string, double> medians;
};

// The brute-force scan: the fma chain of chunk_search.h per key, a full order by (score
// descending, chunk ascending), the first k.
std::vector<ChunkHit> BruteForce(const ChunkKeyStore& store, const float* q, std::int64_t d) {
  std::vector<ChunkHit> all(static_cast<std::size_t>(kChunks));
  for (std::int64_t c = 0; c < kChunks; ++c) {
    const float* key = store.Key(0, c)->data();
    float s = 0.0f;
    for (std::int64_t j = 0; j < d; ++j) s = std::fma(q[j], key[j], s);
    all[static_cast<std::size_t>(c)] = ChunkHit{s, c};
  }
  std::partial_sort(all.begin(), all.begin() + kTopK, all.end(), internal::Better);
  all.resize(kTopK);
  return all;
}

double ExactDot(const float* q, const float* k, std::int64_t d) {
  double s = 0;
  for (std::int64_t j = 0; j < d; ++j) s += static_cast<double>(q[j]) * k[j];
  return s;
}

// Checks one dataset's engram results (one query and the batch) against brute force and faiss.
bool CheckExactness(Dataset& data) {
  const std::int64_t d = data.d;
  bool ok = true;
  for (const std::int64_t n : {std::int64_t{1}, kBatch}) {
    auto engram = data.store->Search(
        0, std::span<const float>(data.queries.data(), static_cast<std::size_t>(n * d)), kTopK);
    std::vector<float> distances(static_cast<std::size_t>(n * kTopK));
    std::vector<faiss::Index::idx_t> labels(static_cast<std::size_t>(n * kTopK));
    data.index->search(n, data.queries.data(), kTopK, distances.data(), labels.data());
    if (!engram.ok()) {
      std::printf("d %lld n %lld: %s\n", static_cast<long long>(d), static_cast<long long>(n),
                  engram.status().ToString().c_str());
      return false;
    }
    // Brute force on every query of a single search, on a spread sample of the batch.
    const std::int64_t step = n == 1 ? 1 : n / kCheckedBatchQueries;
    std::int64_t checked = 0, found = 0, exact_lists = 0;
    for (std::int64_t q = 0; q < n; q += step) {
      const std::vector<ChunkHit> expected =
          BruteForce(*data.store, data.queries.data() + q * d, d);
      const auto actual = engram->Query(q);
      for (const ChunkHit& e : expected) {
        found += std::any_of(actual.begin(), actual.end(),
                             [&](const ChunkHit& a) { return a.chunk == e.chunk; });
      }
      exact_lists += std::equal(expected.begin(), expected.end(), actual.begin(), actual.end());
      ++checked;
    }
    const double recall = static_cast<double>(found) / static_cast<double>(checked * kTopK);
    // faiss: every query; positions whose ids differ must hold exact scores within rounding.
    std::int64_t same_ids = 0, tie_swaps = 0, unexplained = 0;
    for (std::int64_t q = 0; q < n; ++q) {
      const float* query = data.queries.data() + q * d;
      for (std::int64_t i = 0; i < kTopK; ++i) {
        const std::int64_t ours = engram->Query(q)[static_cast<std::size_t>(i)].chunk;
        const std::int64_t theirs = labels[static_cast<std::size_t>(q * kTopK + i)];
        if (ours == theirs) {
          ++same_ids;
          continue;
        }
        if (theirs < 0) {
          ++unexplained;
          continue;
        }
        const double a = ExactDot(query, data.store->Key(0, ours)->data(), d);
        const double b = ExactDot(query, data.store->Key(0, theirs)->data(), d);
        // Both sides round d products and sums in float: differences below ~d ulps of the
        // scores' scale are ties.
        const double tolerance = 1e-6 * static_cast<double>(d) * std::max(1.0, std::fabs(a));
        (std::fabs(a - b) <= tolerance ? tie_swaps : unexplained) += 1;
      }
    }
    std::printf(
        "check d %-3lld queries %-4lld: brute force on %lld queries: recall %.6f, identical "
        "lists (ids, order, score bits) %lld/%lld; faiss ids equal at %lld of %lld positions, "
        "%lld near-tie swaps, %lld unexplained\n",
        static_cast<long long>(d), static_cast<long long>(n), static_cast<long long>(checked),
        recall, static_cast<long long>(exact_lists), static_cast<long long>(checked),
        static_cast<long long>(same_ids), static_cast<long long>(n * kTopK),
        static_cast<long long>(tie_swaps), static_cast<long long>(unexplained));
    ok = ok && recall == 1.0 && exact_lists == checked && unexplained == 0;
  }
  return ok;
}

}  // namespace
}  // namespace engram::compute::context

int main(int argc, char** argv) {
  namespace ctx = engram::compute::context;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  for (const std::int64_t d : {8, 64}) {
    for (const std::int64_t n : {std::int64_t{1}, ctx::kBatch}) {
      benchmark::RegisterBenchmark("faiss", ctx::BM_Faiss)
          ->Args({d, n})
          ->ArgNames({"d", "queries"})
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
      for (const std::int64_t threads : {0, 1}) {  // 0: the intra-op pool
        benchmark::RegisterBenchmark("engram", ctx::BM_Engram)
            ->Args({d, n, threads})
            ->ArgNames({"d", "queries", "threads"})
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
      }
    }
  }
  std::printf("engram kernel: %s; OpenMP threads: %d; faiss BLAS from %d queries\n",
              ctx::internal::SelectedScanIsaName(), omp_get_max_threads(),
              faiss::distance_compute_blas_threshold);
  ctx::CapturingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);

  std::printf("\n%-22s %12s %12s %8s %18s\n", "top-16 of 1M keys", "engram ms", "faiss ms", "ratio",
              "engram 1 thread ms");
  std::vector<std::int64_t> checked_dims;
  for (const std::int64_t d : {8, 64}) {
    for (const std::int64_t n : {std::int64_t{1}, ctx::kBatch}) {
      const std::string args = "d:" + std::to_string(d) + "/queries:" + std::to_string(n);
      const std::string pool = "engram/" + args + "/threads:0";
      const std::string one = "engram/" + args + "/threads:1";
      if (!reporter.Ran(pool) || !reporter.Ran("faiss/" + args)) continue;
      const double e = reporter.Median(pool), f = reporter.Median("faiss/" + args);
      std::printf("%-22s %12.3f %12.3f %8.3f", args.c_str(), e, f, e / f);
      if (reporter.Ran(one)) std::printf(" %18.3f", reporter.Median(one));
      std::printf("\n");
      if (checked_dims.empty() || checked_dims.back() != d) checked_dims.push_back(d);
    }
  }
  std::printf(
      "(ratio = engram time / faiss time, both on the machine's threads; medians of the "
      "repetitions; <= 1.0: engram is at least as fast)\n\n");
  bool ok = true;
  for (const std::int64_t d : checked_dims) ok = ctx::CheckExactness(ctx::Data(d)) && ok;
  benchmark::Shutdown();
  std::printf("%s\n", ok ? "exactness: OK" : "exactness: FAILED");
  return ok ? 0 : 1;
}
