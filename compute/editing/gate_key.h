// The text gate's keys (docs/editing.md §3): a prompt's episodic code and each edit prompt's,
// compared by cosine. Routing compares one prompt with every edit (a thousand at T = 1,000),
// so both sides are prepared once: an edit's code with its norm, a prompt's code scattered into
// a dense array with its norm; the cosine is then one gather per edit code entry. It sums the
// same products in the same order as episodic::Cosine, so the result is that function's, bit
// for bit. Torch-free; plain values and pure functions.
#ifndef ENGRAM_COMPUTE_EDITING_GATE_KEY_H_
#define ENGRAM_COMPUTE_EDITING_GATE_KEY_H_

#include <vector>

#include "compute/episodic/ngram_encoder.h"

namespace engram::compute::editing {

struct EditKey {
  episodic::SparseCode code;
  double norm = 0;
};

struct PromptKey {
  episodic::SparseCode code;
  std::vector<double> dense;  // the code's values at their indices, up to its largest index
  double norm = 0;
};

EditKey MakeEditKey(episodic::SparseCode code);
PromptKey MakePromptKey(episodic::SparseCode code);

// episodic::Cosine(prompt.code, edit.code); 0 when either code is empty.
double KeyCosine(const PromptKey& prompt, const EditKey& edit);

}  // namespace engram::compute::editing

#endif  // ENGRAM_COMPUTE_EDITING_GATE_KEY_H_
