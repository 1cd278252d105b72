// The torch-free parts of side-memory editing: TIES merging against a hand-computed example,
// exact sparse deltas, the per-shard gradient mask, seeds, and the state's byte encoding.

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "compute/editing/edit_pieces.h"
#include "compute/editing/edit_state.h"
#include "compute/editing/gate_key.h"
#include "compute/editing/sparse_delta.h"
#include "compute/editing/ties_merge.h"
#include "compute/protocol/edit_wire.h"

namespace engram::compute::editing {
namespace {

// By hand (density 0.5 keeps ⌈0.5·5⌉ = 3 entries of each task vector, weights 1/3):
//   τ1 = [ .5, -.2,  0, .3, .8]  → trimmed [ .5,  0,  0,  .3, .8]
//   τ2 = [ .3,  .6, -.1, -.7, .2] → trimmed [ .3, .6,  0, -.7,  0]
//   τ3 = [-.9,  .1,  .2, -.1, .6] → trimmed [-.9,  0, .2,   0, .6]
//   elected signs of the sums: [-(−.1), +, +, −(−.4), +]
//   disjoint means:            [-.9, .6, .2, -.7, (.8 + .6)/2 = .7]
TEST(TiesMergeTest, MatchesAHandComputedExample) {
  const std::vector<std::vector<float>> tasks = {{0.5f, -0.2f, 0.0f, 0.3f, 0.8f},
                                                 {0.3f, 0.6f, -0.1f, -0.7f, 0.2f},
                                                 {-0.9f, 0.1f, 0.2f, -0.1f, 0.6f}};
  auto merged = TiesMerge(tasks, 0.5f);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  const std::vector<float> expected = {-0.9f, 0.6f, 0.2f, -0.7f, 0.7f};
  ASSERT_EQ(merged->size(), expected.size());
  for (std::size_t j = 0; j < expected.size(); ++j) {
    EXPECT_NEAR((*merged)[j], expected[j], 1e-7f) << "entry " << j;
  }
  // A single agreeing entry is taken exactly.
  EXPECT_EQ((*merged)[1], 0.6f);
  EXPECT_EQ((*merged)[2], 0.2f);
}

TEST(TiesMergeTest, TrimTiesKeepTheLowerIndexAndZeroSumsStayZero) {
  // Density 1/3 keeps one entry: equal magnitudes keep the first.
  auto trimmed = TiesMerge(std::vector<std::vector<float>>{{0.4f, -0.4f, 0.4f}}, 1.0f / 3);
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(*trimmed, (std::vector<float>{0.4f, 0.0f, 0.0f}));
  // Opposite entries of equal weight elect no sign.
  auto cancelled = TiesMerge(std::vector<std::vector<float>>{{0.5f}, {-0.5f}}, 1.0f);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ((*cancelled)[0], 0.0f);
  // Weights move the election and the mean: 3·(−.5) + 1·(.5) < 0.
  const std::vector<double> weights = {1.0, 3.0};
  auto weighted = TiesMerge(std::vector<std::vector<float>>{{0.5f}, {-0.5f}}, 1.0f, weights);
  ASSERT_TRUE(weighted.ok());
  EXPECT_EQ((*weighted)[0], -0.5f);
}

TEST(TiesMergeTest, BadArgumentsAreSyntaxErrors) {
  EXPECT_EQ(TiesMerge({}, 0.5f).status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(TiesMerge(std::vector<std::vector<float>>{{1.0f}, {1.0f, 2.0f}}, 0.5f).status().code(),
            ErrorCode::kSyntax);
  EXPECT_EQ(TiesMerge(std::vector<std::vector<float>>{{1.0f}}, 0.0f).status().code(),
            ErrorCode::kSyntax);
  const std::vector<double> negative = {-1.0};
  EXPECT_EQ(TiesMerge(std::vector<std::vector<float>>{{1.0f}}, 1.0f, negative).status().code(),
            ErrorCode::kSyntax);
}

TEST(SparseDeltaTest, RoundTripsAndAppliesExactly) {
  const std::vector<float> dense = {0.0f, 1.5f, 0.0f, -0.25f, -0.0f, 3.0f};
  const SparseDelta delta = SparseFromDense(dense);
  EXPECT_EQ(delta.index, (std::vector<std::uint32_t>{1, 3, 5}));
  EXPECT_TRUE(CheckDelta(delta, dense.size()).ok());
  const std::vector<float> back = DenseFromSparse(delta, dense.size());
  for (std::size_t i = 0; i < dense.size(); ++i) EXPECT_EQ(back[i], dense[i] + 0.0f);
  const std::vector<float> base = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};
  EXPECT_EQ(ApplyDelta(base, delta), (std::vector<float>{1.0f, 3.5f, 3.0f, 3.75f, 5.0f, 9.0f}));
  SparseDelta bad = delta;
  bad.index[2] = 1;
  EXPECT_EQ(CheckDelta(bad, dense.size()).code(), ErrorCode::kSyntax);
  EXPECT_EQ(CheckDelta(delta, 5).code(), ErrorCode::kSyntax);
}

TEST(SparseDeltaTest, MaskAndSeedsAreFixedFunctions) {
  const auto a = GradientMask(42, 11008, 0.2f);
  EXPECT_EQ(a, GradientMask(42, 11008, 0.2f));
  EXPECT_NE(a, GradientMask(43, 11008, 0.2f));
  std::size_t kept = 0;
  for (std::uint8_t m : a) kept += m;
  EXPECT_NEAR(static_cast<double>(kept) / a.size(), 0.2, 0.02);
  for (std::uint8_t m : GradientMask(42, 100, 1.0f)) EXPECT_EQ(m, 1);
  EXPECT_EQ(DeriveSeed(7, "mask", "a"), DeriveSeed(7, "mask", "a"));
  EXPECT_NE(DeriveSeed(7, "mask", "a"), DeriveSeed(7, "mask", "b"));
  EXPECT_NE(DeriveSeed(7, "mask", "a"), DeriveSeed(7, "unrelated", "a"));
  EXPECT_NE(DeriveSeed(7, "mask", "a"), DeriveSeed(8, "mask", "a"));
}

SideMemoryState SampleState() {
  SideMemoryState s;
  s.model_fingerprint = {0x1234, 0x5678};
  s.gate_encoder = 1;
  s.rows = 4;
  s.cols = 5;
  s.next_edit_id = 3;
  s.next_shard_id = 3;
  s.next_memory_id = 2;
  EditRecord a;
  a.id = 1;
  a.request = {"The capital of France is", " Paris"};
  a.shard = 1;
  a.mask_seed = 99;
  a.iterations = 7;
  a.loss = 0.0125f;
  EditRecord b = a;
  b.id = 2;
  b.request = {"Water boils at", " 100 degrees"};
  b.shard = 2;
  s.edits = {a, b};
  // One sparse delta, one dense (more than half of the 20 entries non-zero).
  SparseDelta dense;
  for (std::uint32_t i = 0; i < 20; ++i) {
    if (i % 7 != 3 && i != 8) {  // 0.125 · 8 − 1 = 0 is no entry
      dense.index.push_back(i);
      dense.value.push_back(0.125f * static_cast<float>(i) - 1.0f);
    }
  }
  s.shards = {{1, 99, {1}, {{3, 17}, {0.5f, -0.25f}}}, {2, 98, {2}, dense}};
  RoutedMemory merged;
  merged.id = 1;
  merged.shards = {1, 2};
  merged.merged = true;
  merged.delta = {{3, 4}, {0.5f, 1e-3f}};
  merged.threshold = 1.5f;
  merged.min_act = 1.7f;
  s.memories = {merged};
  s.journal = {{JournalOp::Kind::kEdit, a}, {JournalOp::Kind::kEdit, b}};
  return s;
}

TEST(EditStateTest, EncodesAndDecodesBitForBit) {
  const SideMemoryState s = SampleState();
  const std::string bytes = EncodeState(s);
  auto back = DecodeState(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, s);
  EXPECT_EQ(EncodeState(*back), bytes);
  EXPECT_EQ(StateHash(*back), StateHash(s));
  // The content hash ignores the journal; the state hash does not.
  SideMemoryState without = s;
  without.journal.clear();
  EXPECT_EQ(ContentHashOf(without), ContentHashOf(s));
  EXPECT_NE(StateHash(without), StateHash(s));
  auto op = DecodeJournalOp(EncodeJournalOp(s.journal[1]));
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(*op, s.journal[1]);
  auto options = DecodeOptions(EncodeOptions(s.options));
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(*options, s.options);
}

TEST(EditStateTest, MalformedBytesAreCorrupt) {
  const std::string bytes = EncodeState(SampleState());
  for (std::size_t cut : {std::size_t{0}, std::size_t{7}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_EQ(DecodeState(bytes.substr(0, cut)).status().code(), ErrorCode::kCorrupt) << cut;
  }
  EXPECT_EQ(DecodeState(bytes + "x").status().code(), ErrorCode::kCorrupt);
  std::string magic = bytes;
  magic[0] = 'X';
  EXPECT_EQ(DecodeState(magic).status().code(), ErrorCode::kCorrupt);
  // References that do not resolve: an edit naming a missing shard.
  SideMemoryState dangling = SampleState();
  dangling.edits[1].shard = 7;
  EXPECT_EQ(DecodeState(EncodeState(dangling)).status().code(), ErrorCode::kCorrupt);
  // A shard in no memory.
  SideMemoryState orphan = SampleState();
  orphan.memories[0].shards = {1};
  EXPECT_EQ(DecodeState(EncodeState(orphan)).status().code(), ErrorCode::kCorrupt);
}

// The pieces the store keeps (docs/format.md §14) join back to the same state.
std::vector<DeltaView> Views(const StatePieces& pieces) {
  std::vector<DeltaView> views;
  for (const DeltaPiece& d : pieces.deltas) views.push_back({d.id, d.dense});
  return views;
}

TEST(EditPiecesTest, SplitAndJoinGiveTheSameStateBitForBit) {
  const SideMemoryState s = SampleState();
  const StatePieces pieces = SplitState(s);
  ASSERT_EQ(pieces.edits.size(), 2u);
  ASSERT_EQ(pieces.deltas.size(), 3u);  // two shards and the merged memory
  EXPECT_EQ(pieces.deltas[2].id, kMergedDeltaBase + 1);
  EXPECT_EQ(pieces.deltas[0].dense.size(), 20u);
  EXPECT_EQ(pieces.deltas[0].dense[17], -0.25f);
  auto joined = JoinState(pieces.header, pieces.edits, Views(pieces));
  ASSERT_TRUE(joined.ok()) << joined.status().ToString();
  EXPECT_EQ(*joined, s);  // the sample's journal is its live edits
  EXPECT_EQ(EncodeState(*joined), EncodeState(s));
  // The header holds no edit text and no delta.
  EXPECT_EQ(pieces.header.find("Paris"), std::string::npos);
  EXPECT_LT(pieces.header.size(), EncodeState(s).size() / 2);
}

TEST(EditPiecesTest, PiecesThatDoNotFitAreCorrupt) {
  const StatePieces pieces = SplitState(SampleState());
  const auto corrupt = [](const Result<SideMemoryState>& r) {
    return r.status().code() == ErrorCode::kCorrupt;
  };
  std::vector<DeltaView> views = Views(pieces);
  EXPECT_TRUE(corrupt(JoinState(pieces.header, pieces.edits,
                                std::span<const DeltaView>(views).first(2))));  // a delta missing
  std::vector<DeltaView> extra = views;
  extra.push_back({7, views[0].dense});
  EXPECT_TRUE(corrupt(JoinState(pieces.header, pieces.edits, extra)));
  std::vector<DeltaView> short_delta = views;
  short_delta[0].dense = short_delta[0].dense.first(19);
  EXPECT_TRUE(corrupt(JoinState(pieces.header, pieces.edits, short_delta)));
  std::vector<EditPiece> renamed = pieces.edits;
  renamed[0].id = 2;
  EXPECT_TRUE(corrupt(JoinState(pieces.header, renamed, views)));
  std::vector<EditPiece> one = {pieces.edits[0]};  // edit 2's shard names a missing edit
  EXPECT_TRUE(corrupt(JoinState(pieces.header, one, views)));
  EXPECT_TRUE(corrupt(JoinState(pieces.header.substr(0, 20), pieces.edits, views)));
}

TEST(EditPiecesTest, TheStateKeyCoversEveryPiece) {
  const StatePieces pieces = SplitState(SampleState());
  protocol::EditStateSpec spec;
  spec.complete = true;
  spec.header = pieces.header;
  for (const EditPiece& e : pieces.edits) spec.edits.push_back({e.id, e.bytes});
  for (const DeltaPiece& d : pieces.deltas) {
    spec.deltas.push_back({d.id, ContentHash(d.dense.data(), d.dense.size() * sizeof(float))});
  }
  const Hash128 key = protocol::EditStateKey(spec);
  EXPECT_EQ(protocol::EditStateKey(spec), key);
  protocol::EditStateSpec changed = spec;
  changed.edits[1].bytes.back() ^= 1;
  EXPECT_NE(protocol::EditStateKey(changed), key);
  changed = spec;
  changed.deltas[0].blob.low ^= 1;
  EXPECT_NE(protocol::EditStateKey(changed), key);
  changed = spec;
  changed.deltas.pop_back();
  EXPECT_NE(protocol::EditStateKey(changed), key);
  changed = spec;
  changed.header.back() ^= 1;
  EXPECT_NE(protocol::EditStateKey(changed), key);
}

// The gate's prepared cosine is episodic::Cosine to the bit (routing decisions and READ EDITS'
// similarities do not depend on which one computed them).
TEST(GateKeyTest, KeyCosineIsEpisodicCosineBitForBit) {
  std::mt19937_64 rng(7);
  auto code = [&](std::size_t n) {
    episodic::SparseCode c;
    std::uint32_t index = 0;
    for (std::size_t k = 0; k < n; ++k) {
      index += 1 + static_cast<std::uint32_t>(rng() % 40);
      c.index.push_back(index);
      c.value.push_back(std::uniform_real_distribution<double>(-1, 1)(rng));
    }
    return c;
  };
  for (int trial = 0; trial < 200; ++trial) {
    const episodic::SparseCode a = code(rng() % 60), b = code(rng() % 60);
    const double expected = episodic::Cosine(a, b);
    EXPECT_EQ(KeyCosine(MakePromptKey(a), MakeEditKey(b)), expected) << trial;
  }
  EXPECT_EQ(KeyCosine(MakePromptKey({}), MakeEditKey(code(5))), 0.0);
}

}  // namespace
}  // namespace engram::compute::editing
