// The episodic part of one memory as a statement sees it (docs/format.md §11): its header,
// checkpoint and entries in the store as of a version, with an open transaction's batch applied
// over them; and the calls that bring the co-process to that state (docs/protocol.md §5.8),
// answering its requests for texts and checkpoint blobs. Internal to the executor.
//
// Thread-safety: an EpisodicView is used by one thread; it borrows the ReadTxn and the batch,
// which must outlive it.
#ifndef ENGRAM_QUERY_EXECUTOR_EPISODIC_STATE_H_
#define ENGRAM_QUERY_EXECUTOR_EPISODIC_STATE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engram/status.h"
#include "query/compute_client/compute_link.h"
#include "query/executor/episodic_header.h"
#include "storage/store.h"
#include "storage/write_batch.h"

namespace engram::query::internal {

struct EpisodicEntry {
  std::uint64_t id = 0;
  std::string text;
  storage::Version version = 0;  // the record's version; 0 while pending in the batch
};

class EpisodicView {
 public:
  // Errors: those of the store reads, CORRUPT (a malformed header or checkpoint).
  static Result<EpisodicView> Load(const storage::ReadTxn& read, const storage::Tenant& tenant,
                                   std::string memory, storage::Version as_of,
                                   const storage::WriteBatch* batch);

  // Whether the memory has episodic records (its first WRITE made them).
  bool exists() const { return header_.has_value(); }
  const EpisodicHeader& header() const { return *header_; }
  // For a memory's first WRITE: the header its records will start with (no checkpoint, no
  // operations). Only when !exists().
  void StartWith(EpisodicHeader header) { header_ = std::move(header); }
  const std::string& memory() const { return memory_; }

  // Live entry `id`, or nullopt.
  Result<std::optional<EpisodicEntry>> Entry(std::uint64_t id) const;
  // Every live entry, in id order.
  Result<std::vector<EpisodicEntry>> LiveEntries() const;

  // The state for the co-process; `complete` adds every text it may need (live entries and the
  // entries forgotten by the journal). Errors: NOTFOUND when a needed entry was purged.
  Result<EpisodicStateSpec> Spec(bool complete) const;

  // Sends the checkpoint's M and P to the co-process's blob cache.
  Status PutCheckpoint(ComputeLink& link) const;

 private:
  EpisodicView() = default;
  Result<std::optional<storage::Record>> GetRecord(const storage::RecordKey& key,
                                                   storage::Version as_of) const;

  const storage::ReadTxn* read_ = nullptr;
  const storage::WriteBatch* batch_ = nullptr;
  storage::Tenant tenant_ = storage::Tenant::Default();
  std::string memory_;
  storage::Version as_of_ = storage::kHeadVersion;
  std::optional<EpisodicHeader> header_;
  std::optional<storage::Record> checkpoint_;
  bool checkpoint_pending_ = false;  // the checkpoint record is in the batch, not the store
};

// The settings the co-process needs, from a header.
EpisodicSettings SettingsOf(const EpisodicHeader& header);
// The journal operation on the wire.
EpisodicOp WireOp(const EpisodicJournalOp& op);

// Apply / read through the co-process, starting from `view`'s state: the light request first,
// then with the complete state, then with the checkpoint blobs sent, as the co-process asks.
Result<EpisodicApplyResult> ApplyEpisodic(ComputeLink& link, const EpisodicView& view,
                                          const std::vector<EpisodicOp>& ops,
                                          const std::vector<EpisodicText>& texts, bool checkpoint);
Result<EpisodicReadResult> ReadEpisodic(ComputeLink& link, const EpisodicView& view,
                                        const EpisodicReadParams& params);
// Several memories read together (the hierarchical read, docs/episodic.md §5): the first
// view's state, the others as params.more (which this sets). At least one view.
Result<EpisodicReadResult> ReadEpisodic(ComputeLink& link,
                                        std::span<const EpisodicView* const> views,
                                        const EpisodicReadParams& params);

}  // namespace engram::query::internal

#endif  // ENGRAM_QUERY_EXECUTOR_EPISODIC_STATE_H_
