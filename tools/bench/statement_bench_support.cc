#include "tools/bench/statement_bench_support.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace engram::tools {

void Die(const Status& status) {
  std::fprintf(stderr, "%s\n", status.ToString().c_str());
  std::exit(1);
}

std::unique_ptr<BenchDatabase> OpenBenchDatabase(const DatabaseOptions& options) {
  auto bench = std::make_unique<BenchDatabase>();
  std::string pattern = (std::filesystem::temp_directory_path() / "engram-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) Die(InternalError("mkdtemp failed"));
  bench->dir = pattern;
  auto db = Database::Open(bench->dir + "/db", options);  // engram-compute next to this binary
  if (!db.ok()) Die(db.status());
  bench->db = std::move(db).value();
  if (Status s = bench->db->StartCompute(); !s.ok()) Die(s);
  return bench;
}

std::map<std::string, double>& P50s() {
  static std::map<std::string, double> p50s;
  return p50s;
}

void ReportPercentiles(benchmark::State& state, std::vector<double> micros,
                       const std::string& name) {
  if (micros.empty()) return;
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) {
    return micros[static_cast<std::size_t>(q * static_cast<double>(micros.size() - 1))];
  };
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
  P50s()[name] = at(0.50);
}

int RunStatementBenchmarks(int argc, char** argv, const std::function<void()>& report,
                           std::unique_ptr<BenchDatabase>& database) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  report();
  if (database) {
    database->db.reset();
    std::error_code error;
    std::filesystem::remove_all(database->dir, error);
  }
  return 0;
}

namespace {
void RunOrDie(Database& db, const char* statement) {
  auto results = db.Execute(statement);
  if (results.size() != 1) Die(InternalError(std::string("not one result: ") + statement));
  if (!results[0].ok()) Die(results[0].status());
}
}  // namespace

void TimeShowMemories(benchmark::State& state, Database& db) {
  TimeEachStatement(state, "SHOW MEMORIES", NoPrepare,
                    [&](std::size_t) { RunOrDie(db, "SHOW MEMORIES"); });
}

void TimeGenerateMax1(benchmark::State& state, Database& db) {
  TimeEachStatement(state, "GENERATE MAX 1", NoPrepare,
                    [&](std::size_t) { RunOrDie(db, "GENERATE 'x' MAX 1 TEMPERATURE 0"); });
}

}  // namespace engram::tools
