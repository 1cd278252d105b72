// engram-edit-eval's measurement (docs/editing.md §6): T sequential edits into one side
// memory, then Rel, Gen and Loc with the router on, routing statistics and timings.
#ifndef ENGRAM_TOOLS_EDITING_EDIT_EVAL_RUN_H_
#define ENGRAM_TOOLS_EDITING_EDIT_EVAL_RUN_H_

#include <string>
#include <vector>

#include "compute/editing/edit_options.h"
#include "compute/model/model_bundle.h"
#include "tools/editing/edit_eval_data.h"

namespace engram::tools {

struct Rate {
  std::size_t hits = 0, total = 0;
  double value() const { return total == 0 ? 0.0 : static_cast<double>(hits) / total; }
};

struct EditEvalReport {
  std::size_t edits = 0, failed_edits = 0;
  Rate rel, gen;                // greedy continuation starts with the target's tokens
  Rate rel_routed, gen_routed;  // routed to the memory that holds the edit
  Rate rel_before;              // the unedited model already produced the target
  Rate rel_oracle, gen_oracle;  // with the memory holding the edit forced (a perfect router)
  double loc = 0;               // mean token agreement with the unedited model (32 tokens)
  double loc_books = 0, loc_stories = 0;
  Rate loc_routed;  // unrelated prompts routed to some memory
  std::size_t memories = 0, shards = 0;
  // Edit latency (seconds per edit), iterations.
  double edit_p50 = 0, edit_p95 = 0, edit_mean = 0, iterations_mean = 0;
  double final_ce_mean = 0, act_edit_mean = 0, act_unrelated_mean = 0;
  // Routing: seconds per decision; generation tokens/s without and with the side memory
  // (the latter including the decision) over the locality prompts.
  double route_seconds = 0;
  double tokens_per_second_base = 0, tokens_per_second_routed = 0;
  // Score / threshold ratios (p5, p50, p95): own memory on its prompt and on its
  // paraphrases, the nearest memory (by key, or by Δ without a gate) on unrelated prompts.
  std::vector<double> own_ratio, unrelated_ratio, paraphrase_ratio;
  double total_seconds = 0;
  // Tab-separated lines (--dump), for reading failures and for the routing trade-off table
  // (tools/editing/route_tradeoff.py):
  //   rel|gen  routed_right  own_key  own_ratio  hit  hit_perfect_router  prompt  target  output
  //   loc      routed  nearest_key  nearest_ratio  agreement  prompt  nearest_edit_prompt
  // (ratio = Δ / threshold of that memory; output = the perfect router's continuation).
  std::vector<std::string> dump;
  std::string state_hash;
  std::size_t state_bytes = 0;
};

// Errors: those of SideMemory and the decode engines (an edit that fails with SYNTAX/LIMIT is
// counted in failed_edits, not an error).
Result<EditEvalReport> RunEditEval(const compute::ModelBundle& model,
                                   const compute::editing::EditOptions& options,
                                   const EditEvalData& data, bool verbose);

}  // namespace engram::tools

#endif  // ENGRAM_TOOLS_EDITING_EDIT_EVAL_RUN_H_
