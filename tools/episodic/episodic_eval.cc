// engram-episodic-eval: the episodic memory statements measured end to end on real data, through
// the public engine API (engram::Database, a fresh temporary database and a real engram-compute):
// the "Done when" numbers (docs/episodic.md).
//
//   engram-episodic-eval [--data DIR] [--compute-binary FILE] [--slots K] [--limit N]
//                        [--sizes 64,256,1024,1209,4096] [--gen-max 16] [--json FILE]
//                        [--png FILE] [--db DIR] [--segment N] [--skip-capacity]
//                        [--skip-generate]
//
// Phases (each in its own memory unless said; every WRITE is one fact, as an agent would):
//  1. recall: all known_1000 facts ("prompt attribute") in memory `facts`; READ … TOP 1 with each
//     fact's prompt and each paraphrase (the subject in the relation's other templates); the
//     1,000 unrelated book sentences (docs/episodic.md §6) must be out of scope. A hit is a top-1
//     row whose text is the fact's sentence (some facts share a sentence; ids would miss that).
//  2. forget: FORGET facts ID n for every 12th fact (100 facts); none of them may come back
//     top-1 by its prompt, the others keep their prompt recall.
//  3. generate (on `facts` after the forget): GENERATE prompt USING facts MAX 16 TEMPERATURE 0
//     must continue with " attribute"; for 200 unrelated sentences (every 5th) the output must
//     equal plain GENERATE's. The forgotten facts' prompts are generated with and without USING
//     too: other facts of the same relation can still guide them (docs/episodic.md §6 caveat).
//  4. capacity: prompt@1 and paraphrase@1 over the facts written so far, in memory `capacity`
//     filled one WRITE at a time to each size (the state after n writes is the state of a fresh
//     memory given those n writes, so the sizes share one fill): the first N facts, beyond 1,209
//     every fact then book sentences not among the unrelated queries. The point at the phase-1
//     size is phase 1's measurement (same writes in the same order, so the same state).
//  5. segments (with capacity): the same entries in memories of --segment entries each (512),
//     read together by READ seg1, seg2, … — the hierarchical read (docs/episodic.md §5) — at
//     each size above one segment.
// Exit status: 0 every target met, 1 an error, 2 a usage error, 3 a target missed.
// --limit N runs a subset: the first N facts, and at most N queries of each other kind. --data
// defaults to ../shared/data beside the source tree; --db keeps the database there instead of a
// removed temporary directory.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "client/flags.h"
#include "engram/database.h"
#include "tools/episodic/book_text.h"
#include "tools/episodic/eval_data.h"
#include "tools/episodic/eval_phases.h"
#include "tools/episodic/eval_report.h"
#include "tools/episodic/png_plot.h"

namespace engram::tools {
namespace {

constexpr int kExitTargetMissed = 3;

// The capacity curve as a PNG (two series: prompt@1, paraphrase@1).
Status WriteCurvePng(const EvalReport::Curve& curve, const std::string& path) {
  LinePlot plot;
  plot.title = "EPISODIC RECALL VS ENTRIES";
  plot.x_label = "ENTRIES N (LOG2)";
  plot.y_label = "RECALL@1";
  plot.log2_x = true;
  const Rgb colors[] = {{31, 119, 180}, {214, 39, 40}};
  for (std::size_t s = 0; s < curve.series.size() && s < 2; ++s) {
    PlotSeries series{curve.series[s], colors[s], curve.x, {}};
    for (const auto& y : curve.y) series.y.push_back(y[s]);
    plot.series.push_back(std::move(series));
  }
  return WritePng(path, RenderLinePlot(plot));
}

Result<EvalOptions> ParseOptions(int argc, char** argv) {
  ENGRAM_ASSIGN_OR_RETURN(
      Flags flags, Flags::Parse({argv + 1, argv + argc},
                                {"data", "compute-binary", "slots", "limit", "sizes", "gen-max",
                                 "json", "png", "db", "segment"},
                                {"skip-capacity", "skip-generate"}));
  if (!flags.positional().empty()) return SyntaxError("unexpected " + flags.positional()[0]);
  EvalOptions o;
  o.data_dir = flags.String("data", std::string(ENGRAM_SOURCE_DIR) + "/../shared/data");
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  o.compute_binary = flags.String(
      "compute-binary", error ? std::string() : (self.parent_path() / "engram-compute").string());
  o.json_path = flags.String("json");
  o.png_path = flags.String("png");
  o.db_dir = flags.String("db");
  ENGRAM_ASSIGN_OR_RETURN(o.slots, flags.Int("slots", 0));
  ENGRAM_ASSIGN_OR_RETURN(std::int64_t limit, flags.Int("limit", 0));
  if (limit > 0) o.limit = static_cast<std::size_t>(limit);
  ENGRAM_ASSIGN_OR_RETURN(std::int64_t gen_max, flags.Int("gen-max", o.gen_max));
  o.gen_max = static_cast<int>(gen_max);
  ENGRAM_ASSIGN_OR_RETURN(std::int64_t segment,
                          flags.Int("segment", static_cast<std::int64_t>(o.segment)));
  if (segment < 1) return SyntaxError("--segment must be at least 1");
  o.segment = static_cast<std::size_t>(segment);
  if (flags.Has("sizes")) {
    o.sizes.clear();
    const std::string list = flags.String("sizes");
    for (std::size_t at = 0; at <= list.size();) {
      const std::size_t comma = std::min(list.find(',', at), list.size());
      const std::string item = list.substr(at, comma - at);
      if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos) {
        return SyntaxError("--sizes: expected numbers separated by commas");
      }
      o.sizes.push_back(std::stoull(item));
      at = comma + 1;
    }
  }
  o.capacity = !flags.Has("skip-capacity");
  o.generate = !flags.Has("skip-generate");
  return o;
}

int Run(const EvalOptions& options) {
  Stopwatch total;
  EvalReport report;
  Inputs in;
  {
    Stopwatch watch;
    auto set = LoadFacts(options.data_dir);
    if (!set.ok()) return Fail(set.status());
    auto books = LoadBookSentences(options.data_dir);
    if (!books.ok()) return Fail(books.status());
    in.set = std::move(set).value();
    in.books = std::move(books).value();
    in.facts = std::min(in.set.facts.size(), options.limit);
    for (std::size_t k : in.books.unrelated) {
      if (in.unrelated.size() >= options.limit) break;
      in.unrelated.push_back(in.books.sentences[k].text);
    }
    report.Value("time", "load data", watch.Seconds(), "s");
  }

  std::string db_dir = options.db_dir;
  const bool temporary = db_dir.empty();
  if (temporary) {
    std::string pattern = (std::filesystem::temp_directory_path() / "engram-eval-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return Fail(InternalError("mkdtemp failed"));
    db_dir = pattern;
  }
  // One exit for every failure below, so that the temporary directory is always removed.
  auto run_phases = [&]() -> Status {
    DatabaseOptions db_options;
    db_options.compute_binary = options.compute_binary;
    ENGRAM_ASSIGN_OR_RETURN(std::unique_ptr<Database> db,
                            Database::Open(db_dir + "/db", db_options));
    Stopwatch start;
    ENGRAM_RETURN_IF_ERROR(db->StartCompute());
    report.Value("time", "start co-process", start.Seconds(), "s");
    std::fprintf(stderr, "facts %zu, unrelated %zu; database %s\n", in.facts, in.unrelated.size(),
                 db_dir.c_str());
    ENGRAM_ASSIGN_OR_RETURN(RecallPhaseResult recall, RecallPhase(*db, in, options, report));
    std::fprintf(stderr, "recall done (%.1f s)\n", total.Seconds());
    ENGRAM_ASSIGN_OR_RETURN(std::vector<bool> forgotten, ForgetPhase(*db, in, recall.ids, report));
    std::fprintf(stderr, "forget done (%.1f s)\n", total.Seconds());
    if (options.generate) {
      ENGRAM_RETURN_IF_ERROR(GeneratePhase(*db, in, forgotten, options, report));
      std::fprintf(stderr, "generate done (%.1f s)\n", total.Seconds());
    }
    if (options.capacity) {
      ENGRAM_RETURN_IF_ERROR(CapacityPhase(*db, in, options, &recall.recall, report));
      ENGRAM_RETURN_IF_ERROR(SegmentPhase(*db, in, options, report));
      if (!options.png_path.empty() && !report.curves().empty()) {
        ENGRAM_RETURN_IF_ERROR(WriteCurvePng(report.curves().front(), options.png_path));
      }
    }
    return Status::Ok();
  };
  const Status status = run_phases();
  if (temporary) std::filesystem::remove_all(db_dir);
  if (!status.ok()) return Fail(status);
  report.Value("time", "total", total.Seconds(), "s");
  std::printf("%s", report.Table().c_str());
  std::printf("all targets met: %s\n", report.Passed() ? "yes" : "no");
  if (!options.json_path.empty()) {
    if (Status s = WriteTextFile(options.json_path, report.Json()); !s.ok()) return Fail(s);
  }
  return report.Passed() ? 0 : kExitTargetMissed;
}

}  // namespace
}  // namespace engram::tools

int main(int argc, char** argv) {
  auto options = engram::tools::ParseOptions(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "%s\n", options.status().ToString().c_str());
    std::fprintf(stderr,
                 "usage: engram-episodic-eval [--data DIR] [--compute-binary FILE] [--slots K] "
                 "[--limit N] [--sizes 64,256,...] [--gen-max N] [--json FILE] [--png FILE] "
                 "[--db DIR] [--segment N] [--skip-capacity] [--skip-generate]\n");
    return 2;
  }
  return engram::tools::Run(*options);
}
