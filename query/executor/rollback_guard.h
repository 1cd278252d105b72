// Whether a rollback can restore a memory's state as it was (docs/query-language.md §5.11). A
// purge deletes every version of a record, so a rollback to a version before it cannot bring
// the record back; for the episodic and edit parts, whose state is computed from their records
// together, the older state then cannot be rebuilt at all, and the rollback is refused rather
// than leaving a memory no statement can use. Internal to the executor.
//
// Thread-safety: a pure function of the read transaction it is given.
#ifndef ENGRAM_QUERY_EXECUTOR_ROLLBACK_GUARD_H_
#define ENGRAM_QUERY_EXECUTOR_ROLLBACK_GUARD_H_

#include <string>

#include "engram/status.h"
#include "storage/store.h"

namespace engram::query::internal {

// OK when rolling `memory` back to `version` restores a state its statements can use: no
// record that its episodic or edit state as of `version` needs has been purged since. A
// memory purged whole (DROP MEMORY … PURGE) passes: nothing of it comes back. Context blocks
// and prefixes purged since pass too: their state is their live records, and the restored
// memory lacks the purged ones as if they had been forgotten. Errors: NOTFOUND naming the
// first such record and the version of its purge; those of the reads.
Status CheckRollbackRestorable(const storage::ReadTxn& read, const storage::Tenant& tenant,
                               const std::string& memory, storage::Version version);

}  // namespace engram::query::internal

#endif  // ENGRAM_QUERY_EXECUTOR_ROLLBACK_GUARD_H_
