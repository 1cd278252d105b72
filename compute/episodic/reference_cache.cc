#include "compute/episodic/reference_cache.h"

#include "compute/episodic/reference_memory.h"

namespace engram::compute::episodic {

std::vector<double> SparseAddress(const Matrix& pinv, const SparseCode& code) {
  const auto k = static_cast<std::size_t>(pinv.cols);
  std::vector<double> w(k, 0.0);
  for (std::size_t j = 0; j < code.index.size(); ++j) {
    const double z = code.value[j];
    const double* row = pinv.data.data() + static_cast<std::size_t>(code.index[j]) * k;
    for (std::size_t i = 0; i < k; ++i) w[i] += z * row[i];
  }
  return w;
}

Result<std::shared_ptr<const Matrix>> ReferenceCache::PseudoInverse(std::int64_t slots,
                                                                    std::int64_t code_width,
                                                                    std::uint64_t seed) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->slots == slots && it->code_width == code_width && it->seed == seed) {
      entries_.splice(entries_.begin(), entries_, it);
      return entries_.front().pinv;
    }
  }
  ENGRAM_ASSIGN_OR_RETURN(ReferenceMemory reference,
                          ReferenceMemory::Create(slots, code_width, seed));
  auto pinv = std::make_shared<const Matrix>(reference.PseudoInverse());
  entries_.push_front(Entry{slots, code_width, seed, pinv});
  while (entries_.size() > max_entries_) entries_.pop_back();
  return pinv;
}

}  // namespace engram::compute::episodic
