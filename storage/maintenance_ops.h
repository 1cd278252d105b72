// Whole-store checks usable inside any transaction (Verify and Load share them). Internal.
#ifndef ENGRAM_STORAGE_MAINTENANCE_OPS_H_
#define ENGRAM_STORAGE_MAINTENANCE_OPS_H_

#include "storage/store_impl.h"

namespace engram::storage {

// Checks every value's checksum and structure, every blob's payload hash, reference counts
// against the references records make, dangling references, commits and history, snapshots and
// meta. Adds a line per problem to report->problems (at most 1000); returns an error only when
// the check itself could not run.
Status VerifyTxn(const lmdb::Txn& txn, const Dbis& dbi, VerifyReport* report);

}  // namespace engram::storage

#endif  // ENGRAM_STORAGE_MAINTENANCE_OPS_H_
