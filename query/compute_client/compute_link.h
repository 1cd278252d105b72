// ComputeLink: the engine's handle on its model co-process. It either spawns a private
// engram-compute (the embedded default) or connects to one at a given address (a GPU host),
// and keeps it usable: when the co-process dies, the call in flight fails with COMPUTE, and the
// next call restarts (or reconnects to) it.
//
// The link remembers the model fingerprint of its first connection. If a restarted co-process
// serves a different model (the file changed on disk), calls fail with MODEL rather than
// silently mixing models.
//
// Thread-safety: all methods may be called from any thread. Each call holds one connection to
// the co-process for its duration; concurrent calls (several sessions of one Database) use up to
// LinkOptions::max_connections connections at once, so a long WRITE … CONTEXT or GENERATE does
// not hold up the others, and concurrent GENERATEs meet in the co-process's batch scheduler.
// Beyond that many, a call waits for a connection to come free.
#ifndef ENGRAM_QUERY_COMPUTE_CLIENT_COMPUTE_LINK_H_
#define ENGRAM_QUERY_COMPUTE_CLIENT_COMPUTE_LINK_H_

#include <condition_variable>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "query/compute_client/compute_client.h"
#include "query/compute_client/compute_process.h"

namespace engram::query {

struct LinkOptions {
  // Connect here instead of spawning (e.g. "tcp://gpu-host:7400").
  std::optional<protocol::Address> address;
  SpawnOptions spawn;
  ClientOptions client;
  // Connections open at once: the most calls that run concurrently (at least 1).
  int max_connections = 8;
};

struct LinkStats {
  int starts = 0;    // co-processes spawned (spawn mode)
  int connects = 0;  // successful connections (the pool reuses them across calls)
  int failures = 0;  // calls that failed on transport
};

class ComputeLink {
 public:
  // Does not start anything yet: the first call does. Use Start() to start eagerly.
  explicit ComputeLink(LinkOptions options);
  ~ComputeLink();
  ComputeLink(const ComputeLink&) = delete;
  ComputeLink& operator=(const ComputeLink&) = delete;

  // Connects (spawning if needed). Errors: those of ComputeProcess::Spawn and
  // ComputeClient::Connect, MODEL when the model changed since the first connection.
  Status Start();

  // The model served (after a successful Start or call).
  Result<ModelInfo> Model();

  Result<std::vector<int>> Tokenize(std::string_view text, bool bos = true, bool eos = false);
  Result<std::string> Detokenize(std::span<const int> tokens, int prev_token = 1);
  Result<GenerateResult> Generate(const GenerateParams& params,
                                  const std::function<bool(const GenerateChunk&)>& on_chunk = {});
  // Episodic memory operations (protocol.md §5.8). A reply with need != kNothing did nothing.
  // Errors: SYNTAX (malformed request, a text without words), NOTFOUND (forgetting an id that
  // is not live), LIMIT, COMPUTE, MODEL (the memory's encoder version is not served).
  Result<EpisodicApplyResult> EpisodicApply(const EpisodicStateSpec& state,
                                            const std::vector<EpisodicOp>& ops,
                                            const std::vector<EpisodicText>& texts,
                                            bool checkpoint);
  Result<EpisodicReadResult> EpisodicRead(const EpisodicStateSpec& state,
                                          const EpisodicReadParams& params);
  // Context memory operations (protocol.md §5.9), as ComputeClient's.
  // `progress` as ComputeClient::ContextEncode (after a restart it starts again from 0).
  Result<protocol::ContextEncodeResult> ContextEncode(
      const protocol::ContextSettings& settings, std::string_view text,
      const ComputeClient::EncodeProgress& progress = {});
  Result<protocol::ContextReadResult> ContextRead(const protocol::ContextState& state,
                                                  std::string_view query, std::uint32_t top_k);
  Result<protocol::PrefixRef> PrefixEncode(std::string_view text);
  // Edit memory operations (protocol.md §5.10), as ComputeClient's.
  Result<protocol::EditApplyResult> EditApply(const protocol::EditApplyParams& params);
  Result<protocol::EditRouteResult> EditRoute(const protocol::EditStateSpec& state,
                                              std::string_view prompt, std::uint32_t top_k);
  Result<Hash128> BlobPut(std::span<const std::uint8_t> data);
  Result<std::vector<bool>> BlobHas(std::span<const Hash128> hashes);
  Result<std::vector<std::uint8_t>> BlobGet(const Hash128& hash);

  // The spawned child's pid (-1 in connect mode or when none runs): tests kill it.
  pid_t child_pid() const;
  LinkStats stats() const;

 private:
  // A connection lent to one call, and the pool's epoch when it was lent.
  struct Lease {
    std::shared_ptr<ComputeClient> client;
    std::uint64_t epoch = 0;
  };
  // Takes a live connection (an idle one, a new one, or the next returned when max_connections
  // are in use), then runs `call`; a transport failure drops every idle connection so that the
  // next call reconnects (and restarts a dead co-process).
  template <typename T>
  Result<T> With(const std::function<Result<T>(ComputeClient&)>& call);
  Result<Lease> Acquire();
  void Release(Lease lease, bool transport_failed);
  // Spawn mode: a co-process that died while idle is replaced (and the pool emptied).
  Status EnsureProcessLocked();
  // Opens one more connection (spawn mode: a refused connection replaces the co-process once).
  Result<std::shared_ptr<ComputeClient>> ConnectLocked();
  void DropIdleLocked();

  LinkOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::unique_ptr<ComputeProcess> process_;
  std::vector<std::shared_ptr<ComputeClient>> idle_;
  int open_ = 0;                                       // connections lent out or idle
  int connect_cap_ = std::numeric_limits<int>::max();  // open_ when a connection was refused
  std::uint64_t epoch_ = 0;  // bumped when the pool is emptied; older leases are not kept
  std::optional<std::string> fingerprint_;
  LinkStats stats_;
};

}  // namespace engram::query

#endif  // ENGRAM_QUERY_COMPUTE_CLIENT_COMPUTE_LINK_H_
