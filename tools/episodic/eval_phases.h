// The phases of engram-episodic-eval (tools/episodic/episodic_eval.cc describes them): each runs
// its statements through an open engram::Database and adds its measurements to the report.
//
// Thread-safety: as Database::Execute (one caller at a time).
#ifndef ENGRAM_TOOLS_EPISODIC_EVAL_PHASES_H_
#define ENGRAM_TOOLS_EPISODIC_EVAL_PHASES_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engram/database.h"
#include "engram/status.h"
#include "tools/episodic/eval_data.h"
#include "tools/episodic/eval_report.h"

namespace engram::tools {

// The flags of engram-episodic-eval.
struct EvalOptions {
  std::string data_dir, compute_binary, json_path, png_path, db_dir;
  std::int64_t slots = 0;  // 0: the memory's default
  std::size_t limit = std::numeric_limits<std::size_t>::max();
  int gen_max = 16;
  std::vector<std::size_t> sizes = {64, 256, 1024, 1209, 4096};
  std::size_t segment = 512;  // facts per memory in phase 5
  bool capacity = true, generate = true;
};

// The data in use (--limit applied).
struct Inputs {
  FactSet set;
  BookSentences books;
  std::size_t facts = 0;               // facts in use (--limit)
  std::vector<std::string> unrelated;  // the unrelated queries in use
};

// Elapsed wall time since construction.
class Stopwatch {
 public:
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Query counts of one recall measurement (READ … TOP 1; a hit is the fact's text top-1).
struct Recall {
  std::size_t prompt_hits = 0, prompt_total = 0;
  std::size_t para_hits = 0, para_in_scope = 0, para_total = 0;
};

struct RecallPhaseResult {
  std::vector<std::uint64_t> ids;  // the facts' ids
  Recall recall;
};

// Phase 1: every fact in memory `facts`, then its prompt, paraphrase and unrelated queries.
Result<RecallPhaseResult> RecallPhase(Database& db, const Inputs& in, const EvalOptions& options,
                                      EvalReport& report);
// Phase 2: forgets 100 facts of `facts` (every 12th) by id; which facts were forgotten.
Result<std::vector<bool>> ForgetPhase(Database& db, const Inputs& in,
                                      const std::vector<std::uint64_t>& ids, EvalReport& report);
// Phase 3: GENERATE … USING facts after the forget; unrelated prompts against plain GENERATE.
Status GeneratePhase(Database& db, const Inputs& in, const std::vector<bool>& forgotten,
                     const EvalOptions& options, EvalReport& report);
// Phase 4: memory `capacity` filled to each of options.sizes; `phase1` (when given) is the
// recall at in.facts entries, reused instead of measured again. Adds the curve "capacity".
Status CapacityPhase(Database& db, const Inputs& in, const EvalOptions& options,
                     const Recall* phase1, EvalReport& report);
// Phase 5: the capacity phase's entries written into memories of options.segment entries each
// (`seg1`, `seg2`, …), read together (READ seg1, seg2, … 'q': the hierarchical read) at each
// size above one segment. Adds the curve "segments".
Status SegmentPhase(Database& db, const Inputs& in, const EvalOptions& options, EvalReport& report);

}  // namespace engram::tools

#endif  // ENGRAM_TOOLS_EPISODIC_EVAL_PHASES_H_
