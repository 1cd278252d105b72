// ChunkKeyStore: the ring of per-head key rows, argument checks, and the parallel search that
// splits each head's chunk range over work items, scans them with the selected kernel and
// merges the items' lists in the total order of chunk_search.h (so the result does not depend
// on how the range was split or which thread ran what).
#include "compute/context/chunk_search.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <memory>
#include <new>
#include <string>

#include "compute/context/chunk_search_kernels.h"

namespace engram::compute::context {

using internal::AlignedFloats;
using internal::KeySegment;
using internal::QueryBlock;
using internal::TopKLists;

namespace {

// Below this much work (multiply-adds) an item is not worth a thread of its own.
constexpr std::int64_t kMinItemWork = 1 << 18;
constexpr std::int64_t kMinItemKeys = 256;
// Items per thread: several, so a thread slowed by others on the machine is helped out.
constexpr std::int64_t kItemsPerThread = 4;
// The lists of all items together stay below this many bytes (they are k per query per item).
constexpr std::int64_t kListBudgetBytes = std::int64_t{256} << 20;
// Growth of the ring (rows per head): doubling, from at least this many rows.
constexpr std::int64_t kMinSlots = 1024;

std::string Str(std::int64_t v) {
  return std::to_string(v);
}

Status CheckPositive(std::int64_t value, std::int64_t limit, const char* what) {
  if (value < 1) return SyntaxError(std::string(what) + " must be at least 1, got " + Str(value));
  if (value > limit) {
    return LimitError(std::string(what) + " " + Str(value) + " exceeds the configured limit of " +
                      Str(limit));
  }
  return Status::Ok();
}

// Every value finite and within kMaxAbsValue (a NaN fails the comparison too).
Status CheckValues(std::span<const float> values, std::int64_t row_width, const char* what) {
  bool ok = true;
  for (const float v : values) ok &= std::fabs(v) <= kMaxAbsValue;
  if (ok) return Status::Ok();
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!(std::fabs(values[i]) <= kMaxAbsValue)) {
      return SyntaxError(std::string(what) + " row " +
                         Str(static_cast<std::int64_t>(i) / row_width) + " holds " +
                         (std::isfinite(values[i]) ? "a value beyond 1e16" : "a non-finite value"));
    }
  }
  return Status::Ok();
}

Status FromException(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) {
    return LimitError("chunk search: out of memory");
  }
  return InternalError(std::string("chunk search: ") + e.what());
}

// The live chunks [first, end) of every head: a ring of `slots` rows of head_dim floats per
// head, chunk `first` at row `start_row`.
struct Ring {
  std::int64_t d = 0;
  std::int64_t slots = 0;
  std::int64_t start_row = 0;
  std::int64_t first = 0;
  std::int64_t end = 0;
  std::vector<AlignedFloats> rows;  // per head: slots x d

  std::int64_t RowOf(std::int64_t chunk) const { return (start_row + (chunk - first)) % slots; }

  // The chunks [begin, stop) of one head as at most two contiguous runs of rows.
  int Segments(std::int64_t head, std::int64_t begin, std::int64_t stop, KeySegment out[2]) const {
    if (begin >= stop) return 0;
    const float* base = rows[static_cast<std::size_t>(head)].get();
    const std::int64_t row = RowOf(begin);
    const std::int64_t first_run = std::min(stop - begin, slots - row);
    out[0] = KeySegment{base + row * d, first_run, begin};
    if (first_run == stop - begin) return 1;
    out[1] = KeySegment{base, stop - begin - first_run, begin + first_run};
    return 2;
  }

  void DropOldest(std::int64_t count) {
    if (count == 0) return;
    first += count;
    start_row = (start_row + count) % slots;
  }

  // Re-lays the live rows at the start of `new_slots`-row buffers, all allocated before any is
  // replaced, so a failed allocation (std::bad_alloc) leaves the ring as it was.
  void Grow(std::int64_t new_slots) {
    std::vector<AlignedFloats> grown;
    grown.reserve(rows.size());
    for (std::size_t h = 0; h < rows.size(); ++h) {
      grown.push_back(internal::AllocateFloats(new_slots * d));
    }
    for (std::size_t h = 0; h < rows.size(); ++h) {
      KeySegment runs[2];
      const int n = Segments(static_cast<std::int64_t>(h), first, end, runs);
      float* out = grown[h].get();
      for (int r = 0; r < n; ++r) out = std::copy_n(runs[r].keys, runs[r].count * d, out);
    }
    rows = std::move(grown);
    slots = new_slots;
    start_row = 0;
  }
};

}  // namespace

struct ChunkKeyStore::State {
  ChunkStoreOptions options;
  Ring ring;
};

ChunkKeyStore::ChunkKeyStore(std::unique_ptr<State> state) : state_(std::move(state)) {}
ChunkKeyStore::ChunkKeyStore(ChunkKeyStore&&) noexcept = default;
ChunkKeyStore& ChunkKeyStore::operator=(ChunkKeyStore&&) noexcept = default;
ChunkKeyStore::~ChunkKeyStore() = default;

Result<ChunkKeyStore> ChunkKeyStore::Create(const ChunkStoreOptions& options) {
  const ChunkSearchLimits& limits = options.limits;
  ENGRAM_RETURN_IF_ERROR(CheckPositive(options.heads, limits.max_heads, "heads"));
  ENGRAM_RETURN_IF_ERROR(
      CheckPositive(options.head_dim, std::min(limits.max_head_dim, kMaxHeadDim), "head_dim"));
  ENGRAM_RETURN_IF_ERROR(CheckPositive(options.capacity, limits.max_chunks, "capacity"));
  if (options.threads < 0) {
    return SyntaxError("threads must be 0 (the intra-op pool) or more, got " +
                       Str(options.threads));
  }
  if (limits.max_k < 1 || limits.max_queries < 1 || limits.max_hits < 1) {
    return SyntaxError("the limits max_k, max_queries and max_hits must be at least 1");
  }
  try {
    auto state = std::make_unique<State>();
    state->options = options;
    state->ring.d = options.head_dim;
    state->ring.rows.resize(static_cast<std::size_t>(options.heads));
    return ChunkKeyStore(std::move(state));
  } catch (const std::exception& e) {
    return FromException(e);
  }
}

std::int64_t ChunkKeyStore::first_chunk() const {
  return state_->ring.first;
}
std::int64_t ChunkKeyStore::end_chunk() const {
  return state_->ring.end;
}
std::int64_t ChunkKeyStore::heads() const {
  return state_->options.heads;
}
std::int64_t ChunkKeyStore::head_dim() const {
  return state_->options.head_dim;
}
std::int64_t ChunkKeyStore::capacity() const {
  return state_->options.capacity;
}

Result<std::int64_t> ChunkKeyStore::Append(std::span<const float> keys) {
  const ChunkStoreOptions& o = state_->options;
  Ring& ring = state_->ring;
  const std::int64_t d = o.head_dim;
  const std::int64_t width = o.heads * d;
  const auto size = static_cast<std::int64_t>(keys.size());
  if (size % width != 0) {
    return SyntaxError("appended keys hold " + Str(size) +
                       " values, not a whole number of chunks of " + Str(o.heads) + " heads x " +
                       Str(d));
  }
  const std::int64_t n = size / width;
  if (n > o.capacity) {
    return LimitError("appending " + Str(n) + " chunks at once exceeds the capacity of " +
                      Str(o.capacity));
  }
  ENGRAM_RETURN_IF_ERROR(CheckValues(keys, width, "appended chunk"));
  if (n == 0) return ring.end;

  // FIFO: the oldest chunks beyond capacity go first (their rows are not copied by a growth),
  // then the ring grows if the survivors and the new chunks do not fit its rows.
  const std::int64_t evict = std::max<std::int64_t>(0, (ring.end - ring.first) + n - o.capacity);
  const std::int64_t live = ring.end - ring.first - evict;
  if (live + n > ring.slots) {
    const std::int64_t slots =
        std::min(o.capacity, std::max({live + n, 2 * ring.slots, kMinSlots}));
    const std::int64_t first = ring.first, start_row = ring.start_row;
    try {
      ring.DropOldest(evict);
      ring.Grow(slots);
    } catch (const std::exception& e) {
      ring.first = first;
      ring.start_row = start_row;
      return FromException(e);
    }
  } else {
    ring.DropOldest(evict);
  }

  const std::int64_t appended = ring.end;
  ring.end += n;
  for (std::int64_t c = 0; c < n; ++c) {
    const std::int64_t row = ring.RowOf(appended + c);
    for (std::int64_t h = 0; h < o.heads; ++h) {
      std::copy_n(keys.data() + (c * o.heads + h) * d, d,
                  ring.rows[static_cast<std::size_t>(h)].get() + row * d);
    }
  }
  return appended;
}

Status ChunkKeyStore::EvictOldest(std::int64_t count) {
  Ring& ring = state_->ring;
  if (count < 0 || count > ring.end - ring.first) {
    return SyntaxError("cannot evict " + Str(count) + " chunks from a store holding " +
                       Str(ring.end - ring.first));
  }
  ring.DropOldest(count);
  return Status::Ok();
}

Result<std::span<const float>> ChunkKeyStore::Key(std::int64_t head, std::int64_t chunk) const {
  const Ring& ring = state_->ring;
  if (head < 0 || head >= state_->options.heads) {
    return SyntaxError("head " + Str(head) + " is not in [0, " + Str(state_->options.heads) + ")");
  }
  if (chunk < ring.first || chunk >= ring.end) {
    return SyntaxError("chunk " + Str(chunk) + " is not live (live: [" + Str(ring.first) + ", " +
                       Str(ring.end) + "))");
  }
  const float* row = ring.rows[static_cast<std::size_t>(head)].get() + ring.RowOf(chunk) * ring.d;
  return std::span<const float>(row, static_cast<std::size_t>(ring.d));
}

// ---------------------------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------------------------

namespace {

// One head's queries within a search.
struct HeadJob {
  std::int64_t head = 0;
  const float* queries = nullptr;
  std::int64_t count = 0;
  AlignedFloats transposed;  // [d x padded]
  std::int64_t padded = 0;
  std::int64_t first_item = 0;
  std::int64_t items = 0;
};

// A run of one job's chunks, scanned by one thread into its own lists.
struct WorkItem {
  std::int64_t job = 0;
  std::int64_t begin = 0;
  std::int64_t end = 0;
};

// The claim counter of a search's work items, shared with its helper threads. It outlives the
// search when a helper starts after the search is over: that helper finds no item left and
// touches nothing else.
struct ItemClaims {
  explicit ItemClaims(std::int64_t n) : count(n) {}
  const std::int64_t count;
  std::atomic<std::int64_t> next{0};
  std::atomic<std::int64_t> done{0};
};

// Runs run(item, worker) for items 0 .. count - 1 on the calling thread (worker 0) and on up to
// `helpers` tasks of LibTorch's inter-op pool (workers 1 ..), which claim items from a shared
// counter; returns when every item is done. The caller waits only for items a running helper
// has claimed, never for a helper that has not started: on a busy machine a helper may get a
// core late or not at all, and an OpenMP-style join would wait a whole time slice for it.
template <class Run>
void RunItems(std::int64_t count, int helpers, const Run& run) {
  auto claims = std::make_shared<ItemClaims>(count);
  const Run* body = &run;  // used only for a claimed item, i.e. before this function returns
  const auto drain = [claims, body](int worker) {
    for (std::int64_t i = claims->next.fetch_add(1); i < claims->count;
         i = claims->next.fetch_add(1)) {
      (*body)(i, worker);
      if (claims->done.fetch_add(1) + 1 == claims->count) claims->done.notify_all();
    }
  };
  for (int h = 1; h <= helpers; ++h) {
    try {
      at::launch([drain, h] { drain(h); });
    } catch (...) {
      break;  // no helper then: the caller does the rest itself
    }
  }
  drain(0);
  for (std::int64_t done = claims->done.load(); done != count; done = claims->done.load()) {
    claims->done.wait(done);
  }
}

int SearchThreads(int configured) {
  const int pool = at::get_num_threads();
  return std::max(1, configured == 0 ? pool : std::min(configured, pool));
}

// Validates the shared arguments of Search and SearchHeads; `range` is resolved in place.
Status CheckSearch(const ChunkStoreOptions& o, std::int64_t first, std::int64_t end,
                   std::int64_t heads, std::int64_t queries_per_head, std::int64_t k,
                   std::optional<ChunkRange>& range) {
  if (k < 1) return SyntaxError("k must be at least 1, got " + Str(k));
  if (k > o.limits.max_k) {
    return LimitError("k " + Str(k) + " exceeds the configured limit of " + Str(o.limits.max_k));
  }
  ENGRAM_RETURN_IF_ERROR(CheckPositive(queries_per_head, o.limits.max_queries, "queries"));
  if (heads * queries_per_head * k > o.limits.max_hits) {
    return LimitError(Str(heads * queries_per_head) + " queries x k " + Str(k) +
                      " exceed the configured limit of " + Str(o.limits.max_hits) + " hits");
  }
  if (!range) range = ChunkRange{first, end};
  if (range->begin > range->end || range->begin < first || range->end > end) {
    return SyntaxError("chunk range [" + Str(range->begin) + ", " + Str(range->end) +
                       ") is not within the live chunks [" + Str(first) + ", " + Str(end) + ")");
  }
  return Status::Ok();
}

// Runs the jobs (one per head searched) over `range` and returns one result per job. Throws
// std::bad_alloc (before any worker starts).
std::vector<ChunkSearchResult> RunSearch(const Ring& ring, int configured_threads,
                                         std::vector<HeadJob>& jobs, std::int64_t k,
                                         ChunkRange range) {
  const std::int64_t d = ring.d;
  const std::int64_t chunks = range.end - range.begin;
  std::vector<ChunkSearchResult> results(jobs.size());
  const std::int64_t hits = std::min(k, chunks);
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    results[j].queries = jobs[j].count;
    results[j].hits_per_query = hits;
  }
  if (hits == 0) return results;

  // Split each job's range into items: enough for every thread to have several, none smaller
  // than is worth a thread, and all lists within the memory budget.
  const int threads = SearchThreads(configured_threads);
  const auto job_count = static_cast<std::int64_t>(jobs.size());
  std::vector<WorkItem> items;
  for (std::int64_t j = 0; j < job_count; ++j) {
    HeadJob& job = jobs[static_cast<std::size_t>(j)];
    std::int64_t pieces =
        threads == 1 ? 1 : (kItemsPerThread * threads + job_count - 1) / job_count;
    pieces = std::min(pieces, std::max<std::int64_t>(1, job.count * chunks * d / kMinItemWork));
    pieces = std::min(pieces, std::max<std::int64_t>(1, chunks / kMinItemKeys));
    pieces = std::min(
        pieces, std::max<std::int64_t>(1, kListBudgetBytes / (job_count * job.count * k * 16)));
    job.first_item = static_cast<std::int64_t>(items.size());
    job.items = pieces;
    for (std::int64_t p = 0; p < pieces; ++p) {
      items.push_back(
          WorkItem{j, range.begin + chunks * p / pieces, range.begin + chunks * (p + 1) / pieces});
    }
    // The batch kernel reads the queries transposed, padded with zero columns.
    job.padded =
        (job.count + internal::kTileLanes - 1) / internal::kTileLanes * internal::kTileLanes;
    if (job.count >= internal::kBatchQueries) {
      job.transposed = internal::AllocateFloats(d * job.padded);
      float* qt = job.transposed.get();
      std::fill_n(qt, d * job.padded, 0.0f);
      for (std::int64_t q = 0; q < job.count; ++q) {
        for (std::int64_t i = 0; i < d; ++i) qt[i * job.padded + q] = job.queries[q * d + i];
      }
    }
  }

  // Everything a worker touches is allocated here, so workers cannot fail.
  std::vector<TopKLists> lists;
  lists.reserve(items.size());
  for (const WorkItem& item : items)
    lists.emplace_back(jobs[static_cast<std::size_t>(item.job)].count, k);
  const std::int64_t workers =
      std::min<std::int64_t>(threads, static_cast<std::int64_t>(items.size()));
  std::vector<AlignedFloats> scratch;
  for (std::int64_t w = 0; w < workers; ++w) {
    scratch.push_back(internal::AllocateFloats(internal::ScanScratchFloats(d)));
  }

  const internal::ScanFn scan = internal::SelectScan();
  RunItems(static_cast<std::int64_t>(items.size()), static_cast<int>(workers - 1),
           [&](std::int64_t i, int worker) {
             const WorkItem& item = items[static_cast<std::size_t>(i)];
             const HeadJob& job = jobs[static_cast<std::size_t>(item.job)];
             const QueryBlock block{job.queries, job.transposed.get(), job.count, job.padded};
             KeySegment runs[2];
             const int n = ring.Segments(job.head, item.begin, item.end, runs);
             for (int r = 0; r < n; ++r) {
               scan(runs[r], d, block, scratch[static_cast<std::size_t>(worker)].get(),
                    lists[static_cast<std::size_t>(i)]);
             }
           });

  // Merge: per query, the items' entries in the total order, the first `hits` kept.
  std::vector<ChunkHit> pool;
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    const HeadJob& job = jobs[j];
    ChunkSearchResult& out = results[j];
    out.hits.resize(static_cast<std::size_t>(job.count * hits));
    for (std::int64_t q = 0; q < job.count; ++q) {
      pool.clear();
      for (std::int64_t i = job.first_item; i < job.first_item + job.items; ++i) {
        lists[static_cast<std::size_t>(i)].AppendTo(q, pool);
      }
      std::partial_sort(pool.begin(), pool.begin() + hits, pool.end(), internal::Better);
      std::copy_n(pool.begin(), hits, out.hits.begin() + q * hits);
    }
  }
  return results;
}

}  // namespace

Result<ChunkSearchResult> ChunkKeyStore::Search(std::int64_t head, std::span<const float> queries,
                                                std::int64_t k,
                                                std::optional<ChunkRange> range) const {
  const ChunkStoreOptions& o = state_->options;
  const Ring& ring = state_->ring;
  if (head < 0 || head >= o.heads) {
    return SyntaxError("head " + Str(head) + " is not in [0, " + Str(o.heads) + ")");
  }
  const auto size = static_cast<std::int64_t>(queries.size());
  if (size % ring.d != 0) {
    return SyntaxError("queries hold " + Str(size) + " values, not a whole number of rows of " +
                       Str(ring.d));
  }
  ENGRAM_RETURN_IF_ERROR(CheckSearch(o, ring.first, ring.end, 1, size / ring.d, k, range));
  ENGRAM_RETURN_IF_ERROR(CheckValues(queries, ring.d, "query"));
  try {
    std::vector<HeadJob> jobs(1);
    jobs[0].head = head;
    jobs[0].queries = queries.data();
    jobs[0].count = size / ring.d;
    std::vector<ChunkSearchResult> results = RunSearch(ring, o.threads, jobs, k, *range);
    return std::move(results[0]);
  } catch (const std::exception& e) {
    return FromException(e);
  }
}

Result<std::vector<ChunkSearchResult>> ChunkKeyStore::SearchHeads(
    std::span<const float> queries, std::int64_t k, std::optional<ChunkRange> range) const {
  const ChunkStoreOptions& o = state_->options;
  const Ring& ring = state_->ring;
  const std::int64_t width = o.heads * ring.d;
  const auto size = static_cast<std::int64_t>(queries.size());
  if (size % width != 0) {
    return SyntaxError("queries hold " + Str(size) + " values, not a whole number of rows of " +
                       Str(o.heads) + " heads x " + Str(ring.d));
  }
  const std::int64_t per_head = size / width;
  ENGRAM_RETURN_IF_ERROR(CheckSearch(o, ring.first, ring.end, o.heads, per_head, k, range));
  ENGRAM_RETURN_IF_ERROR(CheckValues(queries, ring.d, "query"));
  try {
    std::vector<HeadJob> jobs(static_cast<std::size_t>(o.heads));
    for (std::int64_t h = 0; h < o.heads; ++h) {
      HeadJob& job = jobs[static_cast<std::size_t>(h)];
      job.head = h;
      job.queries = queries.data() + h * per_head * ring.d;
      job.count = per_head;
    }
    return RunSearch(ring, o.threads, jobs, k, *range);
  } catch (const std::exception& e) {
    return FromException(e);
  }
}

}  // namespace engram::compute::context
