#include "compute/editing/gate_key.h"

#include <cmath>
#include <utility>

namespace engram::compute::editing {

EditKey MakeEditKey(episodic::SparseCode code) {
  EditKey key{std::move(code), 0};
  key.norm = std::sqrt(episodic::Dot(key.code, key.code));
  return key;
}

PromptKey MakePromptKey(episodic::SparseCode code) {
  PromptKey key{std::move(code), {}, 0};
  key.norm = std::sqrt(episodic::Dot(key.code, key.code));
  if (!key.code.index.empty()) key.dense.assign(key.code.index.back() + 1, 0.0);
  for (std::size_t k = 0; k < key.code.index.size(); ++k) {
    key.dense[key.code.index[k]] = key.code.value[k];
  }
  return key;
}

double KeyCosine(const PromptKey& prompt, const EditKey& edit) {
  if (!(prompt.norm > 0 && edit.norm > 0)) return 0.0;
  double dot = 0;
  const std::size_t n = prompt.dense.size();
  for (std::size_t k = 0; k < edit.code.index.size(); ++k) {
    const std::uint32_t i = edit.code.index[k];
    if (i < n) dot += prompt.dense[i] * edit.code.value[k];
  }
  return dot / (prompt.norm * edit.norm);
}

}  // namespace engram::compute::editing
