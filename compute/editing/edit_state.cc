#include "compute/editing/edit_state.h"

#include <bit>
#include <cstring>
#include <set>

namespace engram::compute::editing {
namespace {

constexpr char kStateMagic[8] = {'E', 'N', 'G', 'W', 'I', 'S', 'E', '1'};
constexpr std::uint32_t kOptionsFormat = 1;

class Writer {
 public:
  void U8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) U8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void U64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) U8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void I32(std::int32_t v) { U32(static_cast<std::uint32_t>(v)); }
  void F32(float v) { U32(std::bit_cast<std::uint32_t>(v)); }
  void Str(std::string_view s) {
    U32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  void Bytes(std::string_view s) { out_.append(s); }
  void Ids(const std::vector<std::uint64_t>& ids) {
    U32(static_cast<std::uint32_t>(ids.size()));
    for (std::uint64_t id : ids) U64(id);
  }
  // A delta over `numel` entries: sparse (form 0: count, indices, values) or, when more than
  // half the entries are non-zero, dense (form 1: every value, zeros included) — half the bytes
  // of a delta trained without a mask.
  void Delta(const SparseDelta& d, std::uint32_t numel) {
    if (d.index.size() * 2 > numel) {
      U8(1);
      std::size_t k = 0;
      for (std::uint32_t i = 0; i < numel; ++i) {
        const bool here = k < d.index.size() && d.index[k] == i;
        F32(here ? d.value[k++] : 0.0f);
      }
      return;
    }
    U8(0);
    U32(static_cast<std::uint32_t>(d.index.size()));
    for (std::uint32_t i : d.index) U32(i);
    for (float v : d.value) F32(v);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == in_.size(); }

  std::uint8_t U8() {
    if (!Need(1)) return 0;
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::uint32_t U32() {
    if (!Need(4)) return 0;
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(U8()) << (8 * i);
    return v;
  }
  std::uint64_t U64() {
    if (!Need(8)) return 0;
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(U8()) << (8 * i);
    return v;
  }
  std::int32_t I32() { return static_cast<std::int32_t>(U32()); }
  float F32() { return std::bit_cast<float>(U32()); }
  std::string Str() {
    const std::uint32_t n = U32();
    if (!Need(n)) return {};
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::string_view Bytes(std::size_t n) {
    if (!Need(n)) return {};
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  // A count of items of at least `item_bytes` each: refuses counts the input cannot hold.
  std::uint32_t Count(std::size_t item_bytes) {
    const std::uint32_t n = U32();
    if (ok_ && static_cast<std::uint64_t>(n) * item_bytes > in_.size() - pos_) ok_ = false;
    return ok_ ? n : 0;
  }
  std::vector<std::uint64_t> Ids() {
    std::vector<std::uint64_t> ids(Count(8));
    for (auto& id : ids) id = U64();
    return ids;
  }
  SparseDelta Delta(std::uint32_t numel) {
    SparseDelta d;
    const std::uint8_t form = U8();
    if (form == 1) {
      if (!Need(static_cast<std::size_t>(numel) * 4)) return d;
      for (std::uint32_t i = 0; i < numel; ++i) {
        const float v = F32();
        if (v != 0.0f) {
          d.index.push_back(i);
          d.value.push_back(v);
        }
      }
      return d;
    }
    if (form != 0) ok_ = false;
    const std::uint32_t n = Count(8);
    d.index.resize(n);
    d.value.resize(n);
    for (auto& i : d.index) i = U32();
    for (auto& v : d.value) v = F32();
    return d;
  }

 private:
  bool Need(std::size_t n) {
    if (!ok_ || in_.size() - pos_ < n) ok_ = false;
    return ok_;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

void WriteOptions(Writer& w, const EditOptions& o) {
  w.U32(kOptionsFormat);
  w.I32(o.layer);
  w.F32(o.learning_rate);
  w.I32(o.max_steps);
  w.F32(o.stop_loss);
  w.F32(o.clamp);
  w.F32(o.mask_ratio);
  w.I32(o.prefix_count);
  w.I32(o.prefix_tokens);
  w.I32(o.truncations);
  w.U8(o.router_loss ? 1 : 0);
  w.F32(o.margin_unrelated);
  w.F32(o.margin_edit);
  w.F32(o.margin_gap);
  w.F32(o.router_weight);
  w.F32(o.act_ratio);
  w.U8(static_cast<std::uint8_t>(o.route_rule));
  w.U8(static_cast<std::uint8_t>(o.gate));
  w.F32(o.gate_threshold);
  w.I32(o.save_freq);
  w.I32(o.merge_freq);
  w.F32(o.ties_density);
  w.U64(o.seed);
}

bool ReadOptions(Reader& r, EditOptions& o) {
  if (r.U32() != kOptionsFormat) return false;
  o.layer = r.I32();
  o.learning_rate = r.F32();
  o.max_steps = r.I32();
  o.stop_loss = r.F32();
  o.clamp = r.F32();
  o.mask_ratio = r.F32();
  o.prefix_count = r.I32();
  o.prefix_tokens = r.I32();
  o.truncations = r.I32();
  o.router_loss = r.U8() != 0;
  o.margin_unrelated = r.F32();
  o.margin_edit = r.F32();
  o.margin_gap = r.F32();
  o.router_weight = r.F32();
  o.act_ratio = r.F32();
  const std::uint8_t rule = r.U8();
  if (rule > static_cast<std::uint8_t>(RouteRule::kNearestKey)) return false;
  o.route_rule = static_cast<RouteRule>(rule);
  const std::uint8_t gate = r.U8();
  if (gate > static_cast<std::uint8_t>(RouteGate::kTextCode)) return false;
  o.gate = static_cast<RouteGate>(gate);
  o.gate_threshold = r.F32();
  o.save_freq = r.I32();
  o.merge_freq = r.I32();
  o.ties_density = r.F32();
  o.seed = r.U64();
  return r.ok();
}

void WriteRecord(Writer& w, const EditRecord& e) {
  w.U64(e.id);
  w.Str(e.request.prompt);
  w.Str(e.request.target);
  w.U64(e.shard);
  w.U64(e.mask_seed);
  w.U32(e.unrelated);
  w.U32(e.iterations);
  w.F32(e.loss);
  w.F32(e.ce_loss);
  w.F32(e.act_edit);
  w.F32(e.act_unrelated);
}

EditRecord ReadRecord(Reader& r) {
  EditRecord e;
  e.id = r.U64();
  e.request.prompt = r.Str();
  e.request.target = r.Str();
  e.shard = r.U64();
  e.mask_seed = r.U64();
  e.unrelated = r.U32();
  e.iterations = r.U32();
  e.loss = r.F32();
  e.ce_loss = r.F32();
  e.act_edit = r.F32();
  e.act_unrelated = r.F32();
  return e;
}

void WriteOp(Writer& w, const JournalOp& op) {
  w.U8(static_cast<std::uint8_t>(op.kind));
  WriteRecord(w, op.record);
}

bool ReadOp(Reader& r, JournalOp& op) {
  const std::uint8_t kind = r.U8();
  if (kind > static_cast<std::uint8_t>(JournalOp::Kind::kForget)) return false;
  op.kind = static_cast<JournalOp::Kind>(kind);
  op.record = ReadRecord(r);
  return r.ok();
}

std::string Encode(const SideMemoryState& s, bool with_journal) {
  Writer w;
  w.Bytes(std::string_view(kStateMagic, sizeof(kStateMagic)));
  w.U32(kStateFormat);
  WriteOptions(w, s.options);
  w.U64(s.model_fingerprint.high);
  w.U64(s.model_fingerprint.low);
  w.U32(s.gate_encoder);
  w.U32(s.rows);
  w.U32(s.cols);
  w.U64(s.next_edit_id);
  w.U64(s.next_shard_id);
  w.U64(s.next_memory_id);
  w.U64(s.open_shard);
  w.U32(static_cast<std::uint32_t>(s.edits.size()));
  for (const EditRecord& e : s.edits) WriteRecord(w, e);
  w.U32(static_cast<std::uint32_t>(s.shards.size()));
  for (const Shard& sh : s.shards) {
    w.U64(sh.id);
    w.U64(sh.mask_seed);
    w.Ids(sh.edits);
    w.Delta(sh.delta, s.rows * s.cols);
  }
  w.U32(static_cast<std::uint32_t>(s.memories.size()));
  for (const RoutedMemory& m : s.memories) {
    w.U64(m.id);
    w.Ids(m.shards);
    w.U8(m.merged ? 1 : 0);
    w.Delta(m.delta, s.rows * s.cols);
    w.F32(m.threshold);
    w.F32(m.min_act);
  }
  if (with_journal) {
    w.U32(static_cast<std::uint32_t>(s.journal.size()));
    for (const JournalOp& op : s.journal) WriteOp(w, op);
  } else {
    w.U32(0);
  }
  return w.Take();
}

// References resolve: every edit's shard exists and lists it, every shard is in one memory.
bool Consistent(const SideMemoryState& s) {
  const std::size_t numel = static_cast<std::size_t>(s.rows) * s.cols;
  std::set<std::uint64_t> edit_ids, shard_ids, memory_ids, shards_in_memories;
  for (const EditRecord& e : s.edits) {
    if (e.id == 0 || e.id >= s.next_edit_id || !edit_ids.insert(e.id).second) return false;
  }
  for (const Shard& sh : s.shards) {
    if (sh.id == 0 || sh.id >= s.next_shard_id || !shard_ids.insert(sh.id).second) return false;
    if (!CheckDelta(sh.delta, numel).ok() || sh.edits.empty()) return false;
    for (std::uint64_t id : sh.edits) {
      const EditRecord* e = s.FindEdit(id);
      if (e == nullptr || e->shard != sh.id) return false;
    }
  }
  for (const EditRecord& e : s.edits) {
    if (shard_ids.count(e.shard) == 0) return false;
  }
  for (const RoutedMemory& m : s.memories) {
    if (m.id == 0 || m.id >= s.next_memory_id || !memory_ids.insert(m.id).second) return false;
    if (m.shards.empty() || (!m.merged && m.shards.size() != 1)) return false;
    if (!m.merged && !m.delta.index.empty()) return false;
    if (!CheckDelta(m.delta, numel).ok() && !(m.merged && m.delta.index.empty())) return false;
    for (std::uint64_t id : m.shards) {
      if (shard_ids.count(id) == 0 || !shards_in_memories.insert(id).second) return false;
    }
  }
  if (shards_in_memories.size() != shard_ids.size()) return false;
  return s.open_shard == 0 || shard_ids.count(s.open_shard) == 1;
}

}  // namespace

const EditRecord* SideMemoryState::FindEdit(std::uint64_t id) const {
  for (const EditRecord& e : edits) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

const Shard* SideMemoryState::FindShard(std::uint64_t id) const {
  for (const Shard& s : shards) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

const SparseDelta& SideMemoryState::MemoryDelta(const RoutedMemory& memory) const {
  if (memory.merged) return memory.delta;
  return FindShard(memory.shards.front())->delta;
}

std::string EncodeState(const SideMemoryState& state) {
  return Encode(state, /*with_journal=*/true);
}

Result<SideMemoryState> DecodeStateFields(std::string_view bytes) {
  Reader r(bytes);
  SideMemoryState s;
  if (r.Bytes(sizeof(kStateMagic)) != std::string_view(kStateMagic, sizeof(kStateMagic))) {
    return CorruptError("side memory state: bad magic");
  }
  const std::uint32_t format = r.U32();
  if (format != kStateFormat) {
    return CorruptError("side memory state: format " + std::to_string(format) + ", expected " +
                        std::to_string(kStateFormat));
  }
  if (!ReadOptions(r, s.options)) return CorruptError("side memory state: bad options");
  s.model_fingerprint.high = r.U64();
  s.model_fingerprint.low = r.U64();
  s.gate_encoder = r.U32();
  s.rows = r.U32();
  s.cols = r.U32();
  s.next_edit_id = r.U64();
  s.next_shard_id = r.U64();
  s.next_memory_id = r.U64();
  s.open_shard = r.U64();
  s.edits.resize(r.Count(56));
  for (EditRecord& e : s.edits) e = ReadRecord(r);
  s.shards.resize(r.Count(24));
  for (Shard& sh : s.shards) {
    sh.id = r.U64();
    sh.mask_seed = r.U64();
    sh.edits = r.Ids();
    sh.delta = r.Delta(s.rows * s.cols);
  }
  s.memories.resize(r.Count(21));
  for (RoutedMemory& m : s.memories) {
    m.id = r.U64();
    m.shards = r.Ids();
    m.merged = r.U8() != 0;
    m.delta = r.Delta(s.rows * s.cols);
    m.threshold = r.F32();
    m.min_act = r.F32();
  }
  s.journal.resize(r.Count(57));
  for (JournalOp& op : s.journal) {
    if (!ReadOp(r, op)) break;
  }
  if (!r.ok() || !r.done()) return CorruptError("side memory state: truncated or trailing bytes");
  return s;
}

Status CheckStateReferences(const SideMemoryState& state) {
  if (!Consistent(state)) return CorruptError("side memory state: inconsistent references");
  return Status::Ok();
}

Result<SideMemoryState> DecodeState(std::string_view bytes) {
  ENGRAM_ASSIGN_OR_RETURN(SideMemoryState s, DecodeStateFields(bytes));
  ENGRAM_RETURN_IF_ERROR(CheckStateReferences(s));
  return s;
}

Hash128 ContentHashOf(const SideMemoryState& state) {
  return ContentHash(Encode(state, /*with_journal=*/false));
}

Hash128 StateHash(const SideMemoryState& state) {
  return ContentHash(Encode(state, /*with_journal=*/true));
}

std::string EncodeJournalOp(const JournalOp& op) {
  Writer w;
  WriteOp(w, op);
  return w.Take();
}

Result<JournalOp> DecodeJournalOp(std::string_view bytes) {
  Reader r(bytes);
  JournalOp op;
  if (!ReadOp(r, op) || !r.done()) return CorruptError("edit journal op: malformed");
  return op;
}

std::string EncodeOptions(const EditOptions& options) {
  Writer w;
  WriteOptions(w, options);
  return w.Take();
}

Result<EditOptions> DecodeOptions(std::string_view bytes) {
  Reader r(bytes);
  EditOptions o;
  if (!ReadOptions(r, o) || !r.done()) return CorruptError("edit options: malformed");
  return o;
}

}  // namespace engram::compute::editing
