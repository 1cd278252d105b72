// The data of engram-edit-eval (docs/editing.md §6), built from ../shared/data and the model:
// edit requests from known_1000 (prompt → " " + attribute), their paraphrases (the subject in
// the relation's other templates, tools/episodic/eval_data.h's loader), and the unrelated
// prompts — sentence starts from the books and the model's own story openings — with the
// unedited model's greedy continuations the locality score compares against.
#ifndef ENGRAM_TOOLS_EDITING_EDIT_EVAL_DATA_H_
#define ENGRAM_TOOLS_EDITING_EDIT_EVAL_DATA_H_

#include <cstddef>
#include <string>
#include <vector>

#include "compute/editing/edit_state.h"
#include "compute/model/model_bundle.h"
#include "engram/status.h"

namespace engram::tools {

// A prompt as the evaluation feeds it: BOS + tokens, and the tokens it is scored against.
struct ScoredPrompt {
  std::string text;
  std::vector<int> tokens;    // with BOS
  std::vector<int> expected;  // Rel/Gen: the target's tokens; Loc: the unedited continuation
  std::size_t edit = 0;       // Rel/Gen: index of the edit case it belongs to
};

struct EditCase {
  compute::editing::EditRequest request;
  std::size_t fact = 0;  // index into known_1000
};

struct EditEvalData {
  std::vector<EditCase> cases;            // the edits, in order
  std::vector<ScoredPrompt> reliability;  // one per case: its own prompt
  std::vector<ScoredPrompt> generality;   // the paraphrases of the cases
  std::vector<ScoredPrompt> locality;     // book starts, then story openings
  std::size_t book_prompts = 0;           // the first book_prompts of locality are book starts
  std::size_t skipped = 0;                // facts whose target does not start at a token boundary
};

inline constexpr int kLocalityTokens = 32;

struct EditEvalDataOptions {
  std::string data_dir;
  std::size_t edits = 10;      // T: the first T usable facts of known_1000
  std::size_t first_fact = 0;  // start there
  std::size_t book_prompts = 200;
  std::size_t story_prompts = 200;
  std::size_t max_paraphrases = 0;  // 0: all
};

// Errors: NOTFOUND/CORRUPT (data files), COMPUTE (the decode engine).
Result<EditEvalData> LoadEditEvalData(const compute::ModelBundle& model,
                                      const EditEvalDataOptions& options);

}  // namespace engram::tools

#endif  // ENGRAM_TOOLS_EDITING_EDIT_EVAL_DATA_H_
