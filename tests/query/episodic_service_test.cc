// The episodic memory operations (docs/protocol.md §5.8) end to end: a real engram-compute
// with the shipped model and encoder tables, over a real socket through ComputeLink. Writes,
// reads, forgets, the need protocol across co-process restarts, checkpoints restored bit for bit,
// errors that leave the state as it was, and memory guides in GENERATE.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "query/compute_client/compute_link.h"

namespace engram::query {
namespace {

const std::map<std::uint64_t, std::string> kFacts = {
    {1, "Vinson Massif is located in the continent of Antarctica."},
    {2, "The Eiffel Tower is in Paris."},
    {3, "Toyota is a car maker from Japan."},
};
constexpr char kVinsonQuery[] = "Which continent is Vinson Massif in?";
constexpr char kUnrelated[] = "The dog ran after the red ball in the garden.";

LinkOptions Spawn(std::vector<std::string> extra = {}) {
  LinkOptions options;
  options.spawn.binary = std::string(ENGRAM_BIN_DIR) + "/engram-compute";
  options.spawn.extra_args = {"--max-slots", "4"};
  options.spawn.extra_args.insert(options.spawn.extra_args.end(), extra.begin(), extra.end());
  return options;
}

EpisodicOp Write(std::uint64_t id) {
  return EpisodicOp{false, {id}};
}
EpisodicOp Forget(std::uint64_t id) {
  return EpisodicOp{true, {id}};
}

std::vector<EpisodicText> TextsOf(const std::vector<std::uint64_t>& ids) {
  std::vector<EpisodicText> out;
  for (std::uint64_t id : ids) out.push_back({id, kFacts.at(id)});
  return out;
}

// The light form of a state: what the engine sends while the co-process has it cached.
EpisodicStateSpec Light(const std::string& uid, std::vector<EpisodicOp> ops = {}) {
  EpisodicStateSpec s;
  s.memory_uid = uid;
  s.settings = {.slots = 512, .code_width = 4096, .ridge = 1e-3, .seed = 7, .encoder_version = 1};
  s.ops = std::move(ops);
  return s;
}

EpisodicStateSpec Complete(EpisodicStateSpec s, const std::vector<std::uint64_t>& text_ids) {
  s.texts = TextsOf(text_ids);
  s.complete = true;
  return s;
}

EpisodicReadParams Queries(std::vector<std::string> queries) {
  EpisodicReadParams p;
  p.queries = std::move(queries);
  p.top_k = 3;
  return p;
}

// Writes facts 1, 2, 3, one op each, from the empty memory; returns the state's ops.
std::vector<EpisodicOp> WriteThree(ComputeLink& link, const std::string& uid) {
  std::vector<EpisodicOp> ops;
  for (std::uint64_t id : {1, 2, 3}) {
    auto applied = link.EpisodicApply(Light(uid, ops), {Write(id)}, TextsOf({id}), false);
    EXPECT_TRUE(applied.ok()) << applied.status().ToString();
    if (!applied.ok()) return ops;
    EXPECT_EQ(applied->need, EpisodicNeed::kNothing);
    EXPECT_EQ(applied->rows, static_cast<std::int64_t>(id));
    ops.push_back(Write(id));
  }
  return ops;
}

void ExpectSameRecall(const EpisodicReadResult& a, const EpisodicReadResult& b) {
  ASSERT_EQ(a.results.size(), b.results.size());
  for (std::size_t i = 0; i < a.results.size(); ++i) {
    EXPECT_EQ(a.results[i].in_scope, b.results[i].in_scope) << i;
    EXPECT_EQ(a.results[i].scope_score, b.results[i].scope_score) << i;  // bit for bit
    EXPECT_EQ(a.results[i].ids, b.results[i].ids) << i;
    EXPECT_EQ(a.results[i].scores, b.results[i].scores) << i;
  }
}

TEST(EpisodicServiceTest, WriteReadForgetAndReplayAfterRestart) {
  ComputeLink link(Spawn());
  const auto start = std::chrono::steady_clock::now();
  std::vector<EpisodicOp> ops = WriteThree(link, "m1");
  std::printf(
      "[ measured ] first three writes (encoder load included): %.1f ms\n",
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  ASSERT_EQ(ops.size(), 3u);

  auto read = link.EpisodicRead(Light("m1", ops),
                                Queries({kVinsonQuery, kUnrelated, "Where is the Eiffel Tower?"}));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->need, EpisodicNeed::kNothing);
  ASSERT_EQ(read->results.size(), 3u);
  const EpisodicRecall& vinson = read->results[0];
  std::printf(
      "[ measured ] scope: paraphrase %.3f, unrelated %.3f; readout scores %.3f %.3f %.3f\n",
      vinson.scope_score, read->results[1].scope_score,
      vinson.scores.size() > 0 ? vinson.scores[0] : 0.0,
      vinson.scores.size() > 1 ? vinson.scores[1] : 0.0,
      vinson.scores.size() > 2 ? vinson.scores[2] : 0.0);
  ASSERT_EQ(vinson.ids.size(), 3u);
  EXPECT_EQ(vinson.ids[0], 1u);
  EXPECT_TRUE(vinson.in_scope);
  EXPECT_GE(vinson.scope_score, 0.3);
  EXPECT_GT(vinson.scores[0], vinson.scores[1]);
  EXPECT_GE(vinson.scores[1], vinson.scores[2]);
  EXPECT_FALSE(read->results[1].in_scope);
  EXPECT_LT(read->results[1].scope_score, 0.3);
  EXPECT_EQ(read->results[2].ids[0], 2u);
  EXPECT_TRUE(read->results[2].in_scope);

  // Forget fact 1: it is no longer recalled.
  auto forgot = link.EpisodicApply(Light("m1", ops), {Forget(1)}, {}, false);
  ASSERT_TRUE(forgot.ok()) << forgot.status().ToString();
  EXPECT_EQ(forgot->need, EpisodicNeed::kNothing);
  EXPECT_EQ(forgot->rows, 2);
  ops.push_back(Forget(1));
  auto after = link.EpisodicRead(Light("m1", ops), Queries({kVinsonQuery}));
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ASSERT_EQ(after->results.size(), 1u);
  ASSERT_EQ(after->results[0].ids.size(), 2u);
  for (std::uint64_t id : after->results[0].ids) EXPECT_NE(id, 1u);

  // Timing of a cached write and read (informational).
  {
    const auto t0 = std::chrono::steady_clock::now();
    auto w =
        link.EpisodicApply(Light("m1", ops), {Write(4)}, {{4, "Mount Fuji is in Japan."}}, false);
    const auto t1 = std::chrono::steady_clock::now();
    std::vector<EpisodicOp> ops4 = ops;
    ops4.push_back(Write(4));
    auto r1 = link.EpisodicRead(Light("m1", ops4), Queries({kVinsonQuery}));
    const auto t2 = std::chrono::steady_clock::now();
    auto r2 = link.EpisodicRead(Light("m1", ops4), Queries({kVinsonQuery}));
    const auto t3 = std::chrono::steady_clock::now();
    ASSERT_TRUE(w.ok() && r1.ok() && r2.ok());
    auto ms = [](auto a, auto b) {
      return std::chrono::duration<double, std::milli>(b - a).count();
    };
    std::printf(
        "[ measured ] cached write %.2f ms, first read after it %.2f ms, cached read %.2f ms\n",
        ms(t0, t1), ms(t1, t2), ms(t2, t3));
    ExpectSameRecall(*r1, *r2);
  }

  // A fresh co-process knows nothing: the light request needs the complete state, which it
  // replays to the same bits.
  ComputeLink fresh(Spawn());
  auto light = fresh.EpisodicRead(Light("m1", ops), Queries({kVinsonQuery}));
  ASSERT_TRUE(light.ok()) << light.status().ToString();
  EXPECT_EQ(light->need, EpisodicNeed::kCompleteState);
  EXPECT_TRUE(light->results.empty());
  auto replayed =
      fresh.EpisodicRead(Complete(Light("m1", ops), {1, 2, 3}), Queries({kVinsonQuery}));
  ASSERT_TRUE(replayed.ok()) << replayed.status().ToString();
  ASSERT_EQ(replayed->need, EpisodicNeed::kNothing);
  ExpectSameRecall(*replayed, *after);
  // ... and caches it: the light request now works.
  auto cached = fresh.EpisodicRead(Light("m1", ops), Queries({kVinsonQuery}));
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(cached->need, EpisodicNeed::kNothing);
}

TEST(EpisodicServiceTest, CheckpointIsRestoredBitForBitInAFreshCoProcess) {
  ComputeLink link(Spawn());
  std::vector<EpisodicOp> ops;
  for (std::uint64_t id : {1, 2}) {
    ASSERT_TRUE(link.EpisodicApply(Light("m2", ops), {Write(id)}, TextsOf({id}), false).ok());
    ops.push_back(Write(id));
  }
  auto checkpointed = link.EpisodicApply(Light("m2", ops), {Write(3)}, TextsOf({3}), true);
  ASSERT_TRUE(checkpointed.ok()) << checkpointed.status().ToString();
  ASSERT_EQ(checkpointed->need, EpisodicNeed::kNothing);
  EXPECT_EQ(checkpointed->rows, 3);
  ASSERT_EQ(checkpointed->checkpoint.size(), 3u);  // Bᵀ, S, Q
  ops.push_back(Write(3));

  const std::vector<std::string> queries = {kVinsonQuery, kUnrelated, "a car from Japan"};
  auto before = link.EpisodicRead(Light("m2", ops), Queries(queries));
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  ASSERT_EQ(before->need, EpisodicNeed::kNothing);
  EXPECT_EQ(before->results[0].ids[0], 1u);
  EXPECT_EQ(before->results[2].ids[0], 3u);

  // The state is also named by the new checkpoint with no ops.
  EpisodicStateSpec at_checkpoint = Light("m2");
  at_checkpoint.checkpoint = checkpointed->checkpoint;
  auto aliased = link.EpisodicRead(at_checkpoint, Queries(queries));
  ASSERT_TRUE(aliased.ok()) << aliased.status().ToString();
  ASSERT_EQ(aliased->need, EpisodicNeed::kNothing);
  ExpectSameRecall(*aliased, *before);

  auto bt = link.BlobGet(checkpointed->checkpoint[0]);
  auto s = link.BlobGet(checkpointed->checkpoint[1]);
  auto q = link.BlobGet(checkpointed->checkpoint[2]);
  ASSERT_TRUE(bt.ok() && s.ok() && q.ok());
  EXPECT_EQ(bt->size(), 4096u * 512u * 8u);
  EXPECT_EQ(s->size(), 512u * 512u * 8u);
  EXPECT_EQ(q->size(), 512u * 512u * 8u);

  ComputeLink fresh(Spawn());
  auto light = fresh.EpisodicRead(at_checkpoint, Queries(queries));
  ASSERT_TRUE(light.ok());
  EXPECT_EQ(light->need, EpisodicNeed::kCompleteState);
  const EpisodicStateSpec complete = Complete(at_checkpoint, {1, 2, 3});
  auto no_blobs = fresh.EpisodicRead(complete, Queries(queries));
  ASSERT_TRUE(no_blobs.ok()) << no_blobs.status().ToString();
  EXPECT_EQ(no_blobs->need, EpisodicNeed::kCheckpointBlobs);
  ASSERT_TRUE(fresh.BlobPut(*bt).ok());
  ASSERT_TRUE(fresh.BlobPut(*s).ok());
  auto half = fresh.EpisodicRead(complete, Queries(queries));
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(half->need, EpisodicNeed::kCheckpointBlobs);
  ASSERT_TRUE(fresh.BlobPut(*q).ok());
  auto rebuilt = fresh.EpisodicRead(complete, Queries(queries));
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  ASSERT_EQ(rebuilt->need, EpisodicNeed::kNothing);
  ExpectSameRecall(*rebuilt, *before);

  // Ops after the checkpoint apply to the restored state as to the original.
  auto forget_original = link.EpisodicApply(at_checkpoint, {Forget(2)}, {}, false);
  auto forget_restored = fresh.EpisodicApply(at_checkpoint, {Forget(2)}, {}, false);
  ASSERT_TRUE(forget_original.ok() && forget_restored.ok());
  EXPECT_EQ(forget_restored->need, EpisodicNeed::kNothing);
  EXPECT_EQ(forget_restored->rows, 2);
  EpisodicStateSpec after = at_checkpoint;
  after.ops = {Forget(2)};
  auto read_original = link.EpisodicRead(after, Queries(queries));
  auto read_restored = fresh.EpisodicRead(after, Queries(queries));
  ASSERT_TRUE(read_original.ok() && read_restored.ok());
  ExpectSameRecall(*read_restored, *read_original);
  EXPECT_EQ(read_restored->results[0].ids, (std::vector<std::uint64_t>{1, 3}));
}

TEST(EpisodicServiceTest, ErrorsLeaveTheStateAsItWas) {
  ComputeLink link(Spawn());
  const std::vector<EpisodicOp> ops = WriteThree(link, "m3");
  ASSERT_EQ(ops.size(), 3u);
  auto before = link.EpisodicRead(Light("m3", ops), Queries({kVinsonQuery, kUnrelated}));
  ASSERT_TRUE(before.ok() && before->need == EpisodicNeed::kNothing);

  auto unknown = link.EpisodicApply(Light("m3", ops), {Forget(99)}, {}, false);
  EXPECT_EQ(unknown.status().code(), ErrorCode::kNotFound) << unknown.status().ToString();
  // A forget after a valid write in the same request: nothing of it is applied.
  auto partly = link.EpisodicApply(Light("m3", ops), {Write(5), Forget(99)},
                                   {{5, "Mount Fuji is in Japan."}}, false);
  EXPECT_EQ(partly.status().code(), ErrorCode::kNotFound);
  auto no_words = link.EpisodicApply(Light("m3", ops), {Write(4)}, {{4, "?! -- ..."}}, false);
  EXPECT_EQ(no_words.status().code(), ErrorCode::kSyntax);
  EXPECT_NE(no_words.status().message().find("fact 4 has no words"), std::string::npos)
      << no_words.status().ToString();
  auto no_text = link.EpisodicApply(Light("m3", ops), {Write(6)}, {}, false);
  EXPECT_EQ(no_text.status().code(), ErrorCode::kSyntax);
  auto twice = link.EpisodicApply(Light("m3", ops), {Write(2)}, TextsOf({2}), false);
  EXPECT_EQ(twice.status().code(), ErrorCode::kSyntax);
  EpisodicStateSpec other_encoder = Light("m3", ops);
  other_encoder.settings.encoder_version = 2;
  auto model = link.EpisodicRead(other_encoder, Queries({kVinsonQuery}));
  EXPECT_EQ(model.status().code(), ErrorCode::kModel) << model.status().ToString();
  EXPECT_NE(model.status().message().find("encoder version 2"), std::string::npos);
  EpisodicStateSpec bad_slots = Light("m3", ops);
  bad_slots.settings.slots = 5000;
  EXPECT_EQ(link.EpisodicRead(bad_slots, Queries({kVinsonQuery})).status().code(),
            ErrorCode::kSyntax);
  EpisodicReadParams zero_iterations = Queries({kVinsonQuery});
  zero_iterations.iterations = 0;
  EXPECT_EQ(link.EpisodicRead(Light("m3", ops), zero_iterations).status().code(),
            ErrorCode::kSyntax);

  auto after = link.EpisodicRead(Light("m3", ops), Queries({kVinsonQuery, kUnrelated}));
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ASSERT_EQ(after->need, EpisodicNeed::kNothing);
  ExpectSameRecall(*after, *before);
  // The rejected write did not happen: fact 5 can still be written once.
  auto five =
      link.EpisodicApply(Light("m3", ops), {Write(5)}, {{5, "Mount Fuji is in Japan."}}, false);
  ASSERT_TRUE(five.ok()) << five.status().ToString();
  EXPECT_EQ(five->rows, 4);
}

TEST(EpisodicServiceTest, EmptyMemoryAndMissingEncoderTables) {
  ComputeLink link(Spawn({"--episodic-dir", "/nonexistent/episodic"}));
  auto read = link.EpisodicRead(Light("m4"), Queries({kVinsonQuery}));
  EXPECT_EQ(read.status().code(), ErrorCode::kCompute);
  EXPECT_NE(read.status().message().find("/nonexistent/episodic/books_idf_v1.idf"),
            std::string::npos)
      << read.status().ToString();
  GenerateParams plain;
  plain.prompt = "Once upon a time";
  plain.temperature = 0;
  plain.max_new_tokens = 5;
  EXPECT_TRUE(link.Generate(plain).ok()) << "GENERATE must not depend on the episodic tables";

  ComputeLink served(Spawn());
  auto empty = served.EpisodicRead(Light("m5"), Queries({kVinsonQuery, ""}));
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  ASSERT_EQ(empty->need, EpisodicNeed::kNothing);
  ASSERT_EQ(empty->results.size(), 2u);
  for (const EpisodicRecall& r : empty->results) {
    EXPECT_FALSE(r.in_scope);
    EXPECT_EQ(r.scope_score, 0);
    EXPECT_TRUE(r.ids.empty());
  }
}

TEST(EpisodicServiceTest, GenerateFollowsAGuide) {
  ComputeLink link(Spawn());
  GenerateParams plain;
  plain.prompt = "Vinson Massif is located in the continent of";
  plain.temperature = 0;
  plain.max_new_tokens = 12;  // " Antarctica." is 10 tokens of stories260K's vocabulary
  auto unguided = link.Generate(plain);
  ASSERT_TRUE(unguided.ok()) << unguided.status().ToString();
  EXPECT_NE(unguided->text.rfind(" Antarctica", 0), 0u) << unguided->text;

  GenerateParams guided = plain;
  guided.guides = {{"Vinson Massif is located in the continent of Antarctica.", 0.9f}};
  auto result = link.Generate(guided);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->text.rfind(" Antarctica.", 0), 0u) << result->text;

  // A guide that never matches changes nothing, token for token.
  GenerateParams unmatched = plain;
  unmatched.guides = {{"Toyota is a car maker from Japan.", 0.9f}};
  auto same = link.Generate(unmatched);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->tokens, unguided->tokens);

  GenerateParams bad = plain;
  bad.guides = {{"Vinson Massif", 1.5f}};
  EXPECT_EQ(link.Generate(bad).status().code(), ErrorCode::kSyntax);
  bad.guides.assign(17, GuideText{"Vinson Massif", 0.5f});
  EXPECT_EQ(link.Generate(bad).status().code(), ErrorCode::kSyntax);
}

}  // namespace
}  // namespace engram::query
