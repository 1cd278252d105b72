// What the statement benchmarks (episodic_statement_bench, prefix_bench) share: a database in a
// temporary directory with its co-process started, per-iteration percentiles kept for the
// ratios printed after the run, and a main that runs the benchmarks, then a report, then
// cleans up. Benchmarks only: failures end the process with the status printed.
#ifndef ENGRAM_TOOLS_BENCH_STATEMENT_BENCH_SUPPORT_H_
#define ENGRAM_TOOLS_BENCH_STATEMENT_BENCH_SUPPORT_H_

#include <benchmark/benchmark.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engram/database.h"

namespace engram::tools {

[[noreturn]] void Die(const Status& status);

// A database under a fresh temporary directory, engram-compute (next to the binary) started.
struct BenchDatabase {
  std::string dir;
  std::unique_ptr<Database> db;
};
std::unique_ptr<BenchDatabase> OpenBenchDatabase(const DatabaseOptions& options = {});

// p50 per benchmark name, filled by ReportPercentiles.
std::map<std::string, double>& P50s();

// Sets the state's p50_us and p99_us counters from `micros` (one per iteration) and keeps the
// p50 under `name`.
void ReportPercentiles(benchmark::State& state, std::vector<double> micros,
                       const std::string& name);

// Runs `prepare(i)` (untimed) then `statement(i)` (timed: manual time) once per iteration, and
// reports p50/p99 in microseconds; the p50 is kept for the ratios under `name`.
template <typename Prepare, typename Statement>
void TimeEachStatement(benchmark::State& state, const std::string& name, Prepare prepare,
                       Statement statement) {
  std::vector<double> micros;
  std::size_t i = 0;
  for (auto _ : state) {
    prepare(i);
    const auto t0 = std::chrono::steady_clock::now();
    statement(i++);
    const auto t1 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    micros.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  ReportPercentiles(state, std::move(micros), name);
}
inline void NoPrepare(std::size_t) {}

// The baselines the statement benchmarks report ratios against, timed as above: SHOW MEMORIES
// (no model, a read transaction; kept as "SHOW MEMORIES") and GENERATE 'x' MAX 1 TEMPERATURE 0
// (one co-process round trip with one decode step; "GENERATE MAX 1").
void TimeShowMemories(benchmark::State& state, Database& db);
void TimeGenerateMax1(benchmark::State& state, Database& db);

// Runs the registered benchmarks, then `report` (the ratios), then closes `database` (stopping
// the co-process) and removes its directory. Returns main's exit code.
int RunStatementBenchmarks(int argc, char** argv, const std::function<void()>& report,
                           std::unique_ptr<BenchDatabase>& database);

}  // namespace engram::tools

#endif  // ENGRAM_TOOLS_BENCH_STATEMENT_BENCH_SUPPORT_H_
