// The co-process's names for episodic memory states (docs/protocol.md §5.8). A state is
// replay(checkpoint, ops); its key chains XXH3-128 over what determines it:
//
//   key_0 = H("engram-episodic-state-v2", memory_uid, settings, checkpoint hashes or none)
//   key_i = H(key_{i-1}, op_i: forget flag, ids and tags (the write texts' XXH3-64))
//
// Every integer is hashed as fixed-width little-endian bytes and the uid with its length, so
// two different inputs never hash the same byte string. Keys only name cache entries inside one
// co-process; they never cross the wire. Torch-free.
#ifndef ENGRAM_COMPUTE_EPISODIC_STATE_KEY_H_
#define ENGRAM_COMPUTE_EPISODIC_STATE_KEY_H_

#include <span>
#include <string_view>
#include <vector>

#include "compute/protocol/content_hash.h"
#include "compute/server/episodic_handler.h"

namespace engram::compute::episodic {

Hash128 BaseStateKey(std::string_view memory_uid, const EpisodicSettingsSpec& settings,
                     std::span<const Hash128> checkpoint);

Hash128 NextStateKey(const Hash128& previous, const EpisodicOpSpec& op);

// key_0 .. key_n for `ops` (n = ops.size()).
std::vector<Hash128> StateKeys(const Hash128& base, std::span<const EpisodicOpSpec> ops);

}  // namespace engram::compute::episodic

#endif  // ENGRAM_COMPUTE_EPISODIC_STATE_KEY_H_
