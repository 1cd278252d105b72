// Sessions of one engram::Database running GENERATE at the same time: aggregate tokens/s when
// the engine reaches its co-process over one connection (every model call serialised: the
// engine before its connection pool) and over several (the default 8: concurrent generations
// meet in the co-process's batch scheduler, which decodes them as one batch). The baseline is
// the one-connection run, in the same process, on the same machine.
//
//   build/bin/session_concurrency_bench [--benchmark_min_time=5]

#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "tools/bench/statement_bench_support.h"

namespace engram::tools {
namespace {

constexpr int kSessions = 8;
constexpr const char* kGenerate = "GENERATE 'Once upon a time' MAX 64 TEMPERATURE 0";

// One database (and co-process) per connection count, opened at first use.
std::map<int, std::unique_ptr<BenchDatabase>>& Databases() {
  static std::map<int, std::unique_ptr<BenchDatabase>> databases;
  return databases;
}

BenchDatabase& DatabaseWith(int connections) {
  auto& database = Databases()[connections];
  if (!database) {
    DatabaseOptions options;
    options.compute_connections = connections;
    database = OpenBenchDatabase(options);
  }
  return *database;
}

std::map<int, double>& TokensPerSecond() {
  static std::map<int, double> rates;
  return rates;
}

void BM_ConcurrentGenerate(benchmark::State& state) {
  const int connections = static_cast<int>(state.range(0));
  Database& db = *DatabaseWith(connections).db;
  std::vector<std::unique_ptr<Session>> sessions;
  for (int i = 0; i < kSessions; ++i) {
    auto session = db.OpenSession("t" + std::to_string(i));
    if (!session.ok()) Die(session.status());
    sessions.push_back(std::move(session).value());
  }
  std::uint64_t tokens = 0;
  double seconds = 0;
  for (auto _ : state) {
    std::vector<std::uint64_t> made(kSessions, 0);
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int i = 0; i < kSessions; ++i) {
      threads.emplace_back([&, i] {
        auto results = sessions[i]->Execute(kGenerate);
        if (results.size() != 1 || !results[0].ok()) Die(results[0].status());
        made[i] = results[0]->U64("tokens").value_or(0);
      });
    }
    for (std::thread& t : threads) t.join();
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(elapsed);
    seconds += elapsed;
    for (std::uint64_t n : made) tokens += n;
  }
  const double rate = seconds > 0 ? static_cast<double>(tokens) / seconds : 0;
  state.counters["tokens_per_s"] = rate;
  TokensPerSecond()[connections] = rate;
}
BENCHMARK(BM_ConcurrentGenerate)
    ->ArgName("connections")
    ->Arg(1)
    ->Arg(8)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void Report() {
  auto& rates = TokensPerSecond();
  if (rates.count(1) == 0 || rates.count(8) == 0 || rates[1] <= 0) return;
  std::printf("\n%d sessions, each '%s' at once:\n", kSessions, kGenerate);
  std::printf("  1 connection : %8.0f tokens/s (baseline)\n", rates[1]);
  std::printf("  8 connections: %8.0f tokens/s (%.2fx)\n", rates[8], rates[8] / rates[1]);
}

}  // namespace
}  // namespace engram::tools

int main(int argc, char** argv) {
  std::unique_ptr<engram::tools::BenchDatabase> none;
  const int code = engram::tools::RunStatementBenchmarks(argc, argv, engram::tools::Report, none);
  for (auto& [connections, database] : engram::tools::Databases()) {
    database->db.reset();  // stops its co-process
    std::error_code error;
    std::filesystem::remove_all(database->dir, error);
  }
  return code;
}
