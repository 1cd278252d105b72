// The record store (storage/) measured on fresh databases in temporary directories:
//
//  1. Commit throughput of Store::Commit against raw LMDB puts in the same process, with the same
//     env flags, synced commits, map size, value sizes and records per transaction
//     (BM_RawLmdbPut, BM_StoreCommit; target: store >= 0.5x raw). BM_StoreVsRawInterleaved
//     alternates one raw and one store transaction per iteration so that both see the same disk;
//     its `ratio` is the steadier estimate. Both ratios are printed in a summary after the run.
//     `wr_KiB/txn` and `wr_calls/txn` are what LMDB passed to write syscalls per commit: the pages
//     a commit dirtied, which is what the store's extra tables cost.
//  2. Snapshot creation at 10k, 100k and 1M records (target: < 1 ms and flat across sizes).
//     BM_RawLmdbSmallCommit is the floor any synced commit pays on this disk.
//  3. Rollback time against the records changed since the snapshot, and against the database
//     size at a fixed number of changes (target: grows with the first, flat in the second).
//  4. Storage bytes of 100 versions of a 1 MiB f32 tensor with 1 % changed per version, with and
//     without chunking, for contiguous and scattered changes (a measurement, run once).
//
// Databases go to $TMPDIR (default /tmp) and are removed afterwards. On a tmpfs (TMPDIR=/dev/shm)
// fsync costs nothing, which isolates the CPU cost of the store from the disk's.

#include <benchmark/benchmark.h>
#include <lmdb.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "storage/store.h"
#include "storage/types.h"
#include "storage/write_batch.h"

namespace engram::storage {
namespace {

// One map size for the store and the raw env, large enough that neither grows during a run:
// the store would double its map where raw LMDB would fail with MDB_MAP_FULL.
constexpr std::uint64_t kMapBytes = std::uint64_t{16} << 30;
constexpr unsigned kEnvFlags = MDB_NOTLS | MDB_NORDAHEAD;  // as Store::Impl::OpenEnv
constexpr char kMemory[] = "bench";
constexpr char kStatement[] = "bench";
// Records per commit when building the large databases of the snapshot and rollback benchmarks.
constexpr std::int64_t kBuildBatchRecords = 10000;
// Floats of the small inline tensor every record of those databases holds.
constexpr std::size_t kSmallTensorFloats = 16;

// ---- What the runs leave for the summary ---------------------------------------------------

using CommitConfig = std::pair<std::int64_t, std::int64_t>;  // value_bytes, records_per_txn
using DedupVariant = std::pair<std::int64_t, bool>;          // chunk_bytes, scattered

struct DedupResult {
  std::uint64_t blob_bytes = 0;
  std::uint64_t file_bytes = 0;
  std::uint64_t used_bytes = 0;
  std::uint64_t blobs = 0;
};

struct Summary {
  // records/s of the last run of each configuration, measured with the same clock for both so
  // their ratio is meaningful. Benchmarks run in registration order and each BM_RawLmdbPut is
  // registered right before its BM_StoreCommit.
  std::map<CommitConfig, double> raw_records_per_s;
  std::map<CommitConfig, double> store_records_per_s;
  // The ratio measured with raw and store transactions alternating (BM_StoreVsRawInterleaved).
  std::map<CommitConfig, double> interleaved_ratio;
  std::map<DedupVariant, DedupResult> dedup;
};

// Never destroyed: static objects must be trivially destructible (Google style).
Summary& Results() {
  static Summary* summary = new Summary;
  return *summary;
}

// ---- Errors and timing ----------------------------------------------------------------------

void Die(const std::string& what, const std::string& why) {
  std::fprintf(stderr, "storage_bench: %s: %s\n", what.c_str(), why.c_str());
  std::abort();
}

void Check(const Status& status, const std::string& what) {
  if (!status.ok()) Die(what, status.ToString());
}

template <typename T>
T Unwrap(Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what, result.status().ToString());
  return std::move(result).value();
}

void CheckLmdb(int rc, const std::string& what) {
  if (rc != MDB_SUCCESS) Die(what, mdb_strerror(rc));
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// p50 / p99 of per-iteration times in microseconds, as counters (rpc_bench does the same).
void ReportPercentiles(benchmark::State& state, std::vector<double> micros) {
  if (micros.empty()) return;
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) {
    return micros[static_cast<std::size_t>(q * static_cast<double>(micros.size() - 1))];
  };
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
}

// ---- Temporary databases --------------------------------------------------------------------

// A fresh directory under $TMPDIR (default /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                          "/engram-storage-bench-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) Die("mkdtemp " + pattern, std::strerror(errno));
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A store in its own temporary directory. Members are destroyed in reverse order, so the store
// is closed before its directory is removed.
struct TempStore {
  TempDir dir;
  std::unique_ptr<Store> store;

  TempStore() {
    OpenOptions options;
    options.initial_map_bytes = kMapBytes;
    store = Unwrap(Store::Open(dir.path(), options), "open store in " + dir.path());
  }
};

// A plain LMDB env with one named table, opened exactly as the store opens its env.
class RawLmdb {
 public:
  RawLmdb() {
    CheckLmdb(mdb_env_create(&env_), "mdb_env_create");
    CheckLmdb(mdb_env_set_maxdbs(env_, 16), "mdb_env_set_maxdbs");
    CheckLmdb(mdb_env_set_maxreaders(env_, OpenOptions().max_readers), "mdb_env_set_maxreaders");
    CheckLmdb(mdb_env_set_mapsize(env_, kMapBytes), "mdb_env_set_mapsize");
    CheckLmdb(mdb_env_open(env_, dir_.path().c_str(), kEnvFlags, 0644), "mdb_env_open");
    MDB_txn* txn = Begin();
    CheckLmdb(mdb_dbi_open(txn, "records", MDB_CREATE, &dbi_), "mdb_dbi_open");
    CheckLmdb(mdb_txn_commit(txn), "mdb_txn_commit");
  }
  ~RawLmdb() { mdb_env_close(env_); }
  RawLmdb(const RawLmdb&) = delete;
  RawLmdb& operator=(const RawLmdb&) = delete;

  MDB_txn* Begin() {
    MDB_txn* txn = nullptr;
    CheckLmdb(mdb_txn_begin(env_, nullptr, 0, &txn), "mdb_txn_begin");
    return txn;
  }
  void Put(MDB_txn* txn, std::string_view key, std::string_view value) {
    MDB_val k{key.size(), const_cast<char*>(key.data())};
    MDB_val v{value.size(), const_cast<char*>(value.data())};
    CheckLmdb(mdb_put(txn, dbi_, &k, &v, 0), "mdb_put");
  }

 private:
  TempDir dir_;  // declared first: removed after the env is closed
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
};

// ---- Record contents ------------------------------------------------------------------------

void AppendU64Be(std::string* out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}

// A key shaped like the store's `records` key of the same record (docs/format.md §3), so the
// raw table sees keys of the same length and order.
std::string RawRecordKey(std::uint64_t id) {
  std::string key = Tenant::Default().name();
  key.push_back('\0');
  key += kMemory;
  key.push_back('\0');
  key.push_back(static_cast<char>(RecordKind::kContextChunk));
  AppendU64Be(&key, id);
  AppendU64Be(&key, 1);
  return key;
}

RecordKey BenchKey(RecordKind kind, std::uint64_t id) {
  return RecordKey{kMemory, kind, id};
}

// Random bytes whose first 8 bytes are overwritten per record (Stamp), so every record's
// contents are distinct and content addressing cannot share any blob.
std::vector<std::byte> RandomBytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::byte> bytes(size);
  for (std::byte& b : bytes) b = static_cast<std::byte>(rng());
  return bytes;
}

void Stamp(std::vector<std::byte>* bytes, std::uint64_t serial) {
  std::memcpy(bytes->data(), &serial, std::min(sizeof(serial), bytes->size()));
}

std::string_view AsView(const std::vector<std::byte>& bytes) {
  return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// A small record: a line of text and an inline f32 tensor, distinct per (id, generation).
RecordData SmallRecord(std::uint64_t id, std::uint64_t generation) {
  float z[kSmallTensorFloats];
  for (std::size_t i = 0; i < kSmallTensorFloats; ++i) {
    z[i] = static_cast<float>(id) + static_cast<float>(generation) * 0.5f + static_cast<float>(i);
  }
  RecordData data;
  data.text = "fact " + std::to_string(id) + " generation " + std::to_string(generation);
  data.tensors.push_back(TensorData::Copy("z", DType::kF32, {kSmallTensorFloats}, z, sizeof(z)));
  return data;
}

// ---- 1. Commit throughput: Store against raw LMDB -------------------------------------------

// What this process has passed to write syscalls (/proc/self/io): LMDB writes its dirty pages
// with pwrite/writev, so the bytes per commit show how many pages a commit touched.
struct WriteIo {
  double bytes = 0;
  double calls = 0;
};

WriteIo ReadWriteIo() {
  WriteIo io;
  std::FILE* file = std::fopen("/proc/self/io", "r");
  if (file == nullptr) return io;
  char name[64];
  std::uint64_t value = 0;
  while (std::fscanf(file, "%63s %" SCNu64, name, &value) == 2) {
    if (std::strcmp(name, "wchar:") == 0) io.bytes = static_cast<double>(value);
    if (std::strcmp(name, "syscw:") == 0) io.calls = static_cast<double>(value);
  }
  std::fclose(file);
  return io;
}

void ReportWriteIo(benchmark::State& state, const WriteIo& before) {
  const WriteIo after = ReadWriteIo();
  const auto txns = static_cast<double>(state.iterations());
  state.counters["wr_KiB/txn"] = (after.bytes - before.bytes) / 1024 / txns;
  state.counters["wr_calls/txn"] = (after.calls - before.calls) / txns;
}

// One transaction of `records` raw puts of `value` (stamped per record), committed.
void RawCommit(RawLmdb& lmdb, std::int64_t records, std::vector<std::byte>* value,
               std::uint64_t* next_id) {
  MDB_txn* txn = lmdb.Begin();
  for (std::int64_t r = 0; r < records; ++r) {
    Stamp(value, *next_id);
    lmdb.Put(txn, RawRecordKey((*next_id)++), AsView(*value));
  }
  CheckLmdb(mdb_txn_commit(txn), "mdb_txn_commit");
}

// The same through the store, timed as a caller sees it: building the batch (copying and
// hashing each payload) and Store::Commit. The raw side's equivalent is mdb_put's copy.
void StoreCommit(Store& store, std::int64_t records, std::vector<std::byte>* value,
                 std::uint64_t* next_id) {
  WriteBatch batch(Tenant::Default());
  for (std::int64_t r = 0; r < records; ++r) {
    Stamp(value, *next_id);
    RecordData data;
    data.tensors.push_back(
        TensorData::Copy("v", DType::kU8, {value->size()}, value->data(), value->size()));
    Check(batch.Put(BenchKey(RecordKind::kContextChunk, (*next_id)++), std::move(data)), "put");
  }
  Check(store.Commit(batch, kStatement).status(), "commit");
}

// Runs `commit_one_txn` per iteration and returns records/s over the whole loop.
template <typename CommitOneTxn>
double RunCommitLoop(benchmark::State& state, CommitOneTxn commit_one_txn) {
  const std::int64_t records_per_txn = state.range(1);
  const WriteIo io = ReadWriteIo();
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) commit_one_txn();
  const double seconds = SecondsSince(start);
  ReportWriteIo(state, io);
  state.SetItemsProcessed(state.iterations() * records_per_txn);
  return static_cast<double>(state.iterations() * records_per_txn) / seconds;
}

// Args: value_bytes, records_per_txn.
void BM_RawLmdbPut(benchmark::State& state) {
  RawLmdb lmdb;
  std::vector<std::byte> value = RandomBytes(static_cast<std::size_t>(state.range(0)), 1);
  std::uint64_t next_id = 0;
  Results().raw_records_per_s[{state.range(0), state.range(1)}] =
      RunCommitLoop(state, [&] { RawCommit(lmdb, state.range(1), &value, &next_id); });
}

void BM_StoreCommit(benchmark::State& state) {
  TempStore db;
  std::vector<std::byte> value = RandomBytes(static_cast<std::size_t>(state.range(0)), 1);
  std::uint64_t next_id = 0;
  const double rate =
      RunCommitLoop(state, [&] { StoreCommit(*db.store, state.range(1), &value, &next_id); });
  const CommitConfig config{state.range(0), state.range(1)};
  Results().store_records_per_s[config] = rate;
  const auto& raw_rates = Results().raw_records_per_s;
  if (auto raw = raw_rates.find(config); raw != raw_rates.end()) {
    state.counters["vs_raw"] = rate / raw->second;
  }
}

// The disk of this VM drifts (the same raw run varies up to 3x between repetitions), so the
// separate runs' ratio is noisy. Here each iteration commits one raw and one store transaction
// back to back, timing each, so both see the same disk; `ratio` is store/raw records/s.
void BM_StoreVsRawInterleaved(benchmark::State& state) {
  const std::int64_t records_per_txn = state.range(1);
  RawLmdb lmdb;
  TempStore db;
  std::vector<std::byte> value = RandomBytes(static_cast<std::size_t>(state.range(0)), 1);
  std::uint64_t raw_id = 0;
  std::uint64_t store_id = 0;
  double raw_seconds = 0;
  double store_seconds = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    RawCommit(lmdb, records_per_txn, &value, &raw_id);
    raw_seconds += SecondsSince(start);
    start = std::chrono::steady_clock::now();
    StoreCommit(*db.store, records_per_txn, &value, &store_id);
    store_seconds += SecondsSince(start);
  }
  const auto records = static_cast<double>(state.iterations() * records_per_txn);
  state.counters["raw_rec/s"] = records / raw_seconds;
  state.counters["store_rec/s"] = records / store_seconds;
  state.counters["ratio"] = raw_seconds / store_seconds;
  Results().interleaved_ratio[{state.range(0), records_per_txn}] = raw_seconds / store_seconds;
}

// The floor of every synced write on this disk: one small put and a commit.
void BM_RawLmdbSmallCommit(benchmark::State& state) {
  RawLmdb lmdb;
  std::uint64_t next_id = 0;
  for (auto _ : state) {
    MDB_txn* txn = lmdb.Begin();
    lmdb.Put(txn, RawRecordKey(next_id++), "snapshot-sized value");
    CheckLmdb(mdb_txn_commit(txn), "mdb_txn_commit");
  }
}

// ---- Large databases for snapshots and rollback ---------------------------------------------

// A store holding `records` small records in memory kMemory.
struct BuiltDb {
  TempStore db;
  double build_seconds = 0;
};

void Build(BuiltDb* built, std::int64_t records) {
  const Tenant tenant = Tenant::Default();
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t first = 0; first < records; first += kBuildBatchRecords) {
    WriteBatch batch(tenant);
    const std::int64_t last = std::min(records, first + kBuildBatchRecords);
    for (std::int64_t id = first; id < last; ++id) {
      const auto uid = static_cast<std::uint64_t>(id);
      Check(batch.Put(BenchKey(RecordKind::kEpisodicEntry, uid), SmallRecord(uid, 0)), "put");
    }
    Check(built->db.store->Commit(batch, kStatement).status(), "build commit");
  }
  built->build_seconds = SecondsSince(start);
  std::fprintf(stderr, "storage_bench: built %lld records in %.1f s\n",
               static_cast<long long>(records), built->build_seconds);
}

// Google Benchmark calls a benchmark function several times while it settles the iteration
// count, so each size is built once and kept (shared by the snapshot and rollback benchmarks)
// until ReleaseBuiltDbs at exit. The map itself is never destroyed (see Results).
std::map<std::int64_t, std::unique_ptr<BuiltDb>>& BuiltDbs() {
  static auto* built_dbs = new std::map<std::int64_t, std::unique_ptr<BuiltDb>>;
  return *built_dbs;
}

BuiltDb& DbWithRecords(std::int64_t records) {
  std::unique_ptr<BuiltDb>& built = BuiltDbs()[records];
  if (built == nullptr) {
    built = std::make_unique<BuiltDb>();
    Build(built.get(), records);
  }
  return *built;
}

void ReleaseBuiltDbs() {
  BuiltDbs().clear();
}

std::uint64_t next_snapshot = 0;

std::string NextSnapshotName() {
  return "snap_" + std::to_string(next_snapshot++);
}

// ---- 2. Snapshot creation -------------------------------------------------------------------

void BM_CreateSnapshot(benchmark::State& state) {
  BuiltDb& built = DbWithRecords(state.range(0));
  const Tenant tenant = Tenant::Default();
  std::vector<double> micros;
  for (auto _ : state) {
    const std::string name = NextSnapshotName();
    const auto start = std::chrono::steady_clock::now();
    Check(built.db.store->CreateSnapshot(tenant, "", name).status(), "snapshot");
    micros.push_back(SecondsSince(start) * 1e6);
  }
  ReportPercentiles(state, std::move(micros));
  state.counters["build_s"] = built.build_seconds;
}

// ---- 3. Rollback ----------------------------------------------------------------------------

// Commits new versions of `changed` distinct random records among the first `records`.
void ChangeRecords(Store& store, std::int64_t records, std::int64_t changed, std::mt19937_64* rng) {
  const Tenant tenant = Tenant::Default();
  WriteBatch batch(tenant);
  std::uniform_int_distribution<std::uint64_t> pick(0, static_cast<std::uint64_t>(records) - 1);
  while (static_cast<std::int64_t>(batch.size()) < changed) {
    const std::uint64_t id = pick(*rng);
    Check(batch.Put(BenchKey(RecordKind::kEpisodicEntry, id), SmallRecord(id, (*rng)() | 1)),
          "put");
  }
  Check(store.Commit(batch, kStatement).status(), "change commit");
}

// Per iteration, untimed: snapshot the memory, change `changed` records. Timed: the rollback
// of the memory to the snapshot. Every iteration starts from the state the previous rollback
// restored, and each rollback only sees the changes since its own snapshot.
void RunRollback(benchmark::State& state, std::int64_t records, std::int64_t changed) {
  BuiltDb& built = DbWithRecords(records);
  Store& store = *built.db.store;
  const Tenant tenant = Tenant::Default();
  std::mt19937_64 rng(static_cast<std::uint64_t>(records * 31 + changed));
  std::vector<double> micros;
  for (auto _ : state) {
    const Version snapshot =
        Unwrap(store.CreateSnapshot(tenant, kMemory, NextSnapshotName()), "snapshot");
    ChangeRecords(store, records, changed, &rng);
    const auto start = std::chrono::steady_clock::now();
    Check(store.Rollback(tenant, kMemory, snapshot, kStatement).status(), "rollback");
    const double seconds = SecondsSince(start);
    state.SetIterationTime(seconds);
    micros.push_back(seconds * 1e6);
  }
  state.SetItemsProcessed(state.iterations() * changed);
  ReportPercentiles(state, std::move(micros));
}

// Args: records in the database, records changed since the snapshot.
void BM_RollbackVsChanged(benchmark::State& state) {
  RunRollback(state, state.range(0), state.range(1));
}
void BM_RollbackVsDbSize(benchmark::State& state) {
  RunRollback(state, state.range(0), state.range(1));
}

// ---- 4. Dedup -------------------------------------------------------------------------------

constexpr std::size_t kDedupTensorBytes = std::size_t{1} << 20;
constexpr std::size_t kDedupFloats = kDedupTensorBytes / sizeof(float);
constexpr std::size_t kDedupChangedFloats = kDedupFloats / 100;  // 1 %
constexpr int kDedupVersions = 100;

// Changes 1 % of `values`: one contiguous run at a random place, or random single elements.
void MutateOnePercent(std::vector<float>* values, bool scattered, std::mt19937_64* rng) {
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  if (scattered) {
    std::uniform_int_distribution<std::size_t> index(0, values->size() - 1);
    for (std::size_t i = 0; i < kDedupChangedFloats; ++i) (*values)[index(*rng)] = value(*rng);
    return;
  }
  std::uniform_int_distribution<std::size_t> first(0, values->size() - kDedupChangedFloats);
  const std::size_t start = first(*rng);
  for (std::size_t i = 0; i < kDedupChangedFloats; ++i) (*values)[start + i] = value(*rng);
}

// Args: chunk_bytes (0: one blob per tensor), scattered (0: one contiguous region).
void BM_DedupBytes(benchmark::State& state) {
  const auto chunk_bytes = static_cast<std::uint64_t>(state.range(0));
  const bool scattered = state.range(1) != 0;
  DedupResult result;
  for (auto _ : state) {
    TempStore db;
    const Tenant tenant = Tenant::Default();
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<float> value(-1.0f, 1.0f);
    std::vector<float> values(kDedupFloats);
    for (float& v : values) v = value(rng);
    for (int version = 0; version < kDedupVersions; ++version) {
      if (version > 0) MutateOnePercent(&values, scattered, &rng);
      RecordData data;
      data.tensors.push_back(TensorData::Copy("M", DType::kF32, {kDedupFloats}, values.data(),
                                              kDedupTensorBytes, chunk_bytes));
      WriteBatch batch(tenant);
      Check(batch.Put(BenchKey(RecordKind::kEpisodicState, 0), std::move(data)), "put");
      Check(db.store->Commit(batch, kStatement).status(), "commit");
    }
    state.PauseTiming();  // Stat scans every blob: not part of the writes
    const StoreStats stats = Unwrap(db.store->Stat(), "stat");
    result = DedupResult{stats.blob_bytes, stats.file_bytes, stats.used_bytes, stats.blobs};
    state.ResumeTiming();
  }
  const double naive = static_cast<double>(kDedupTensorBytes) * kDedupVersions;
  using benchmark::Counter;
  state.counters["blob_bytes"] =
      Counter(static_cast<double>(result.blob_bytes), Counter::kDefaults, Counter::kIs1024);
  state.counters["file_bytes"] =
      Counter(static_cast<double>(result.file_bytes), Counter::kDefaults, Counter::kIs1024);
  state.counters["naive_bytes"] = Counter(naive, Counter::kDefaults, Counter::kIs1024);
  state.counters["blobs_vs_naive"] = static_cast<double>(result.blob_bytes) / naive;
  Results().dedup[{state.range(0), scattered}] = result;
}

// ---- Registration and the summary -----------------------------------------------------------

void RegisterCommitBenchmarks() {
  for (std::int64_t value_bytes : {256, 4096, 65536}) {
    for (std::int64_t records_per_txn : {1, 100}) {
      // Raw right before store, so the store run can report the ratio against it.
      benchmark::RegisterBenchmark("BM_RawLmdbPut", BM_RawLmdbPut)
          ->Args({value_bytes, records_per_txn})
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();  // synced commits wait on the disk, not the CPU
      benchmark::RegisterBenchmark("BM_StoreCommit", BM_StoreCommit)
          ->Args({value_bytes, records_per_txn})
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();
      benchmark::RegisterBenchmark("BM_StoreVsRawInterleaved", BM_StoreVsRawInterleaved)
          ->Args({value_bytes, records_per_txn})
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();
    }
  }
  benchmark::RegisterBenchmark("BM_RawLmdbSmallCommit", BM_RawLmdbSmallCommit)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
}

void RegisterSnapshotAndRollbackBenchmarks() {
  benchmark::RegisterBenchmark("BM_CreateSnapshot", BM_CreateSnapshot)
      ->Arg(10000)
      ->Arg(100000)
      ->Arg(1000000)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
  auto* vs_changed = benchmark::RegisterBenchmark("BM_RollbackVsChanged", BM_RollbackVsChanged);
  for (std::int64_t changed : {10, 100, 1000, 10000}) vs_changed->Args({100000, changed});
  vs_changed->Unit(benchmark::kMicrosecond)->UseManualTime();
  auto* vs_size = benchmark::RegisterBenchmark("BM_RollbackVsDbSize", BM_RollbackVsDbSize);
  for (std::int64_t records : {10000, 100000, 300000}) vs_size->Args({records, 100});
  vs_size->Unit(benchmark::kMicrosecond)->UseManualTime();
}

// A 64 KiB chunk is stored as 48 header + 65536 payload bytes on overflow pages that start
// with a 16-byte page header: 17 pages, one of them nearly empty. 64 KiB - 64 fills exactly 16
// pages; that variant shows what the page rounding costs.
constexpr std::int64_t kPageFittedChunkBytes = (64 << 10) - 64;

void RegisterDedupBenchmarks() {
  benchmark::RegisterBenchmark("BM_DedupBytes", BM_DedupBytes)
      ->ArgsProduct({{0, 64 << 10, kPageFittedChunkBytes}, {0, 1}})
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

void PrintCommitSummary(const Summary& summary) {
  if (summary.store_records_per_s.empty()) return;
  std::printf("\nStore::Commit vs raw LMDB (records/s, same process; target ratio >= 0.5)\n");
  std::printf("%12s %16s %14s %14s %8s %12s\n", "value_bytes", "records_per_txn", "raw", "store",
              "ratio", "interleaved");
  for (const auto& [config, store_rate] : summary.store_records_per_s) {
    auto raw = summary.raw_records_per_s.find(config);
    if (raw == summary.raw_records_per_s.end()) continue;
    auto interleaved = summary.interleaved_ratio.find(config);
    std::printf("%12" PRId64 " %16" PRId64 " %14.0f %14.0f %8.2f %12.2f\n", config.first,
                config.second, raw->second, store_rate, store_rate / raw->second,
                interleaved == summary.interleaved_ratio.end() ? 0.0 : interleaved->second);
  }
}

void PrintDedupSummary(const Summary& summary) {
  if (summary.dedup.empty()) return;
  const std::uint64_t naive = std::uint64_t{kDedupTensorBytes} * kDedupVersions;
  std::printf("\n%d versions of a 1 MiB f32 tensor, 1 %% changed per version (naive: %" PRIu64
              " bytes)\n",
              kDedupVersions, naive);
  std::printf("%12s %11s %8s %14s %14s %14s %8s\n", "chunk_bytes", "change", "blobs", "blob_bytes",
              "used_bytes", "file_bytes", "vs_naive");
  for (const auto& [variant, r] : summary.dedup) {
    std::printf("%12" PRId64 " %11s %8" PRIu64 " %14" PRIu64 " %14" PRIu64 " %14" PRIu64 " %8.3f\n",
                variant.first, variant.second ? "scattered" : "contiguous", r.blobs, r.blob_bytes,
                r.used_bytes, r.file_bytes,
                static_cast<double>(r.blob_bytes) / static_cast<double>(naive));
  }
}

int RunStorageBench(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RegisterCommitBenchmarks();
  RegisterSnapshotAndRollbackBenchmarks();
  RegisterDedupBenchmarks();
  benchmark::RunSpecifiedBenchmarks();
  ReleaseBuiltDbs();  // closes the stores and removes their directories
  benchmark::Shutdown();
  PrintCommitSummary(Results());
  PrintDedupSummary(Results());
  return 0;
}

}  // namespace
}  // namespace engram::storage

int main(int argc, char** argv) {
  return engram::storage::RunStorageBench(argc, argv);
}
