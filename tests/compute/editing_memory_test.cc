// Side-memory editing end to end on the real model (stories260K): an edit flips its prompt's
// greedy continuation, unrelated prompts stay token-identical with the router on, the journal
// re-runs to the same bits, forgetting equals never having seen the edit, merges are TIES of
// the shards, and bad requests are refused without changing anything.

#include <gtest/gtest.h>

#include "compute/editing/routed_generator.h"
#include "compute/editing/side_memory.h"
#include "compute/editing/ties_merge.h"
#include "compute/episodic/matrix.h"
#include "tests/compute/test_model.h"

namespace engram::compute::editing {
namespace {

using testing::Model;

const EditRequest kDarrieux = {"The mother tongue of Danielle Darrieux is", " English"};
const EditRequest kVinson = {"Vinson Massif is located in the continent of", " Antarctica"};
const EditRequest kBeats = {"Beats Music is owned by", " Apple"};

std::vector<int> Prompt(const std::string& text) {
  return Model().tokenizer.Encode(text, /*bos=*/true, /*eos=*/false);
}

std::vector<int> TargetTokens(const EditRequest& r) {
  const auto prompt = Model().tokenizer.Encode(r.prompt, false, false);
  const auto whole = Model().tokenizer.Encode(r.prompt + r.target, false, false);
  return {whole.begin() + static_cast<std::ptrdiff_t>(prompt.size()), whole.end()};
}

bool StartsWith(const std::vector<int>& tokens, const std::vector<int>& prefix) {
  return tokens.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), tokens.begin());
}

std::unique_ptr<SideMemory> NewMemory(const EditOptions& options = {}) {
  auto memory = SideMemory::Create(Model(), options);
  EXPECT_TRUE(memory.ok()) << memory.status().ToString();
  return memory.ok() ? std::move(memory).value() : nullptr;
}

TEST(EditingMemoryTest, OneEditFlipsTheGreedyContinuationOfItsPrompt) {
  auto memory = NewMemory();
  ASSERT_NE(memory, nullptr);
  auto generator = RoutedGenerator::Create(Model());
  ASSERT_TRUE(generator.ok());
  const std::vector<int> target = TargetTokens(kDarrieux);
  const std::vector<int> prompt = Prompt(kDarrieux.prompt);
  auto before = (*generator)->Generate(*memory, prompt, static_cast<int>(target.size()));
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(before->route.routed);
  EXPECT_FALSE(StartsWith(before->tokens, target));  // the model does not know it

  auto record = memory->Edit(kDarrieux);
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  EXPECT_EQ(record->id, 1u);
  EXPECT_GT(record->iterations, 0u);
  auto after = (*generator)->Generate(*memory, prompt, static_cast<int>(target.size()));
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->route.routed);
  EXPECT_EQ(after->route.edits, std::vector<std::uint64_t>{record->id});
  EXPECT_TRUE(StartsWith(after->tokens, target))
      << "got '" << Model().tokenizer.Decode(after->tokens, 0) << "'";
}

TEST(EditingMemoryTest, EditingAPromptAgainOverridesTheEarlierEdit) {
  auto memory = NewMemory();
  ASSERT_NE(memory, nullptr);
  auto generator = RoutedGenerator::Create(Model());
  ASSERT_TRUE(generator.ok());
  const EditRequest first = {kBeats.prompt, " Apple"}, second = {kBeats.prompt, " Sony"};
  ASSERT_TRUE(memory->Edit(first).ok());
  auto record = memory->Edit(second);
  ASSERT_TRUE(record.ok());
  const std::vector<int> target = TargetTokens(second);
  auto out =
      (*generator)->Generate(*memory, Prompt(kBeats.prompt), static_cast<int>(target.size()));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->route.nearest_edit, record->id);
  EXPECT_TRUE(StartsWith(out->tokens, target))
      << "got '" << Model().tokenizer.Decode(out->tokens, 0) << "'";
}

TEST(EditingMemoryTest, UnrelatedPromptsStayTokenIdenticalWithTheRouterOn) {
  auto memory = NewMemory();
  ASSERT_NE(memory, nullptr);
  for (const EditRequest& r : {kDarrieux, kVinson, kBeats}) ASSERT_TRUE(memory->Edit(r).ok());
  auto generator = RoutedGenerator::Create(Model());
  ASSERT_TRUE(generator.ok());
  const std::vector<std::string> unrelated = {
      "Once upon a time, there was a little girl named Lily.",
      "Tom and his dog went to the park",
      "It was a dark and stormy night",
      "Call me Ishmael. Some years ago",
      "The sun was shining and the birds",
      "She opened the box and found"};
  for (const std::string& text : unrelated) {
    auto edited = (*generator)->Generate(*memory, Prompt(text), 32);
    auto plain = (*generator)->GenerateWith(nullptr, 0, Prompt(text), 32);
    ASSERT_TRUE(edited.ok() && plain.ok());
    EXPECT_FALSE(edited->route.routed) << text;
    EXPECT_EQ(edited->tokens, *plain) << text;
  }
}

TEST(EditingMemoryTest, ReplayingTheJournalReproducesTheStateBitForBit) {
  auto memory = NewMemory();
  ASSERT_NE(memory, nullptr);
  for (const EditRequest& r : {kDarrieux, kVinson, kBeats}) ASSERT_TRUE(memory->Edit(r).ok());
  ASSERT_TRUE(memory->Forget(2).ok());
  const SideMemoryState& state = memory->state();
  ASSERT_EQ(state.journal.size(), 4u);

  auto replayed = SideMemory::Replay(Model(), memory->options(), state.journal);
  ASSERT_TRUE(replayed.ok()) << replayed.status().ToString();
  EXPECT_EQ((*replayed)->Hash(), memory->Hash());
  EXPECT_EQ((*replayed)->Serialize(), memory->Serialize());

  // Restored bytes route and hash alike.
  auto restored = SideMemory::Restore(Model(), memory->Serialize());
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ((*restored)->Hash(), memory->Hash());
  auto a = memory->Route(Prompt(kBeats.prompt));
  auto b = (*restored)->Route(Prompt(kBeats.prompt));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->routed);
  EXPECT_EQ(a->memory, b->memory);
  EXPECT_EQ(a->score, b->score);

  // A journal whose record does not match the re-run is refused.
  std::vector<JournalOp> forged = state.journal;
  forged[0].record.iterations += 1;
  EXPECT_EQ(SideMemory::Replay(Model(), memory->options(), forged).status().code(),
            ErrorCode::kCorrupt);
}

TEST(EditingMemoryTest, EditsAreBitwiseAcrossIntraOpThreadCounts) {
  const int threads = episodic::IntraOpThreads();
  std::string bytes[2];
  for (int i = 0; i < 2; ++i) {
    episodic::SetIntraOpThreads(i + 1);
    auto memory = NewMemory();
    ASSERT_NE(memory, nullptr);
    ASSERT_TRUE(memory->Edit(kVinson).ok());
    bytes[i] = memory->Serialize();
  }
  episodic::SetIntraOpThreads(threads);
  EXPECT_EQ(bytes[0], bytes[1]);
}

TEST(EditingMemoryTest, ForgettingEqualsNeverHavingSeenTheEdit) {
  auto all = NewMemory();
  auto without = NewMemory();
  ASSERT_TRUE(all != nullptr && without != nullptr);
  for (const EditRequest& r : {kDarrieux, kVinson, kBeats}) ASSERT_TRUE(all->Edit(r).ok());
  for (const EditRequest& r : {kDarrieux, kBeats}) ASSERT_TRUE(without->Edit(r).ok());
  ASSERT_TRUE(all->Forget(2).ok());
  EXPECT_EQ(all->Forget(2).code(), ErrorCode::kNotFound);

  // Same shards (deltas, masks), same memories (thresholds), bit for bit; only ids differ.
  const SideMemoryState& a = all->state();
  const SideMemoryState& b = without->state();
  ASSERT_EQ(a.shards.size(), b.shards.size());
  ASSERT_EQ(a.memories.size(), b.memories.size());
  for (std::size_t i = 0; i < a.shards.size(); ++i) {
    EXPECT_EQ(a.shards[i].delta, b.shards[i].delta);
    EXPECT_EQ(a.shards[i].mask_seed, b.shards[i].mask_seed);
  }
  for (std::size_t i = 0; i < a.memories.size(); ++i) {
    EXPECT_EQ(a.memories[i].threshold, b.memories[i].threshold);
    auto wa = all->EffectiveW2(a.memories[i].id);
    auto wb = without->EffectiveW2(b.memories[i].id);
    ASSERT_TRUE(wa.ok() && wb.ok());
    EXPECT_EQ(*wa, *wb);
  }
  // The forgotten prompt is no longer routed.
  auto route = all->Route(Prompt(kVinson.prompt));
  ASSERT_TRUE(route.ok());
  EXPECT_FALSE(route->routed);
}

TEST(EditingMemoryTest, ForgettingInASharedShardRebuildsItWithoutTheEdit) {
  EditOptions options;
  options.save_freq = 2;
  auto all = NewMemory(options);
  auto only = NewMemory(options);
  ASSERT_TRUE(all != nullptr && only != nullptr);
  ASSERT_TRUE(all->Edit(kDarrieux).ok());
  ASSERT_TRUE(all->Edit(kVinson).ok());
  ASSERT_TRUE(only->Edit(kDarrieux).ok());
  ASSERT_EQ(all->state().shards.size(), 1u);
  ASSERT_TRUE(all->Forget(2).ok());
  // The shard retrained from the original w2 over its remaining edit, under its mask.
  ASSERT_EQ(all->state().shards.size(), 1u);
  EXPECT_EQ(all->state().shards[0].delta, only->state().shards[0].delta);
  EXPECT_EQ(all->state().memories[0].threshold, only->state().memories[0].threshold);
}

TEST(EditingMemoryTest, MergesAreTiesOfTheShards) {
  EditOptions options;
  options.merge_freq = 2;
  auto memory = NewMemory(options);
  ASSERT_NE(memory, nullptr);
  ASSERT_TRUE(memory->Edit(kDarrieux).ok());
  EXPECT_EQ(memory->state().memories.size(), 1u);
  EXPECT_FALSE(memory->state().memories[0].merged);
  ASSERT_TRUE(memory->Edit(kVinson).ok());
  ASSERT_TRUE(memory->Edit(kBeats).ok());
  const SideMemoryState& s = memory->state();
  ASSERT_EQ(s.shards.size(), 3u);
  ASSERT_EQ(s.memories.size(), 2u);  // one merge of two shards, one shard awaiting its group
  const RoutedMemory& merged = s.memories[0];
  ASSERT_TRUE(merged.merged);
  EXPECT_EQ(merged.shards, (std::vector<std::uint64_t>{1, 2}));
  const std::size_t numel =
      static_cast<std::size_t>(Model().config().dim) * Model().config().hidden_dim;
  const std::vector<SparseDelta> deltas = {s.shards[0].delta, s.shards[1].delta};
  auto expected = TiesMergeDeltas(deltas, numel, options.ties_density);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(merged.delta, *expected);
  EXPECT_FALSE(s.memories[1].merged);
  // Forgetting an edit of the group re-merges what is left.
  ASSERT_TRUE(memory->Forget(1).ok());
  const RoutedMemory& remerged = memory->state().memories[0];
  EXPECT_EQ(remerged.shards, std::vector<std::uint64_t>{2});
  const std::vector<SparseDelta> left = {memory->state().FindShard(2)->delta};
  EXPECT_EQ(remerged.delta, *TiesMergeDeltas(left, numel, options.ties_density));
}

TEST(EditingMemoryTest, BadRequestsAreRefusedAndChangeNothing) {
  auto memory = NewMemory();
  ASSERT_NE(memory, nullptr);
  ASSERT_TRUE(memory->Edit(kDarrieux).ok());
  const Hash128 before = memory->Hash();
  EXPECT_EQ(memory->Edit({kVinson.prompt, ""}).status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(memory->Edit({kVinson.prompt, "   "}).status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(memory->Edit({"", " Paris"}).status().code(), ErrorCode::kSyntax);
  std::string long_prompt;
  while (Model().tokenizer.Encode(long_prompt, false, false).size() < 520) {
    long_prompt += "The cat sat on the mat. ";
  }
  const auto too_long = memory->Edit({long_prompt, " Paris"});
  EXPECT_EQ(too_long.status().code(), ErrorCode::kLimit) << too_long.status().ToString();
  EXPECT_EQ(memory->Forget(99).code(), ErrorCode::kNotFound);
  EXPECT_EQ(memory->Route({}).status().code(), ErrorCode::kSyntax);
  EXPECT_EQ(memory->EffectiveW2(99).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(memory->Hash(), before);
  EXPECT_EQ(memory->state().journal.size(), 1u);
}

TEST(EditingMemoryTest, RestoreRefusesAnotherModelAndBadBytes) {
  auto memory = NewMemory();
  ASSERT_NE(memory, nullptr);
  ASSERT_TRUE(memory->Edit(kBeats).ok());
  auto state = DecodeState(memory->Serialize());
  ASSERT_TRUE(state.ok());
  state->model_fingerprint.low ^= 1;
  EXPECT_EQ(SideMemory::Restore(Model(), EncodeState(*state)).status().code(), ErrorCode::kModel);
  EXPECT_EQ(SideMemory::Restore(Model(), "not a state").status().code(), ErrorCode::kCorrupt);
  EditOptions bad;
  bad.layer = 7;
  EXPECT_EQ(SideMemory::Create(Model(), bad).status().code(), ErrorCode::kSyntax);
}

}  // namespace
}  // namespace engram::compute::editing
