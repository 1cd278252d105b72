#include "tools/episodic/eval_phases.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <utility>

#include "tools/episodic/episodic_client.h"

namespace engram::tools {
namespace {

constexpr std::size_t kForgetEvery = 12, kForgetCount = 100;
constexpr std::size_t kGenerateUnrelatedEvery = 5;  // 200 of the 1,000
constexpr int kUnrelatedMax = 16;
constexpr double kPromptTarget = 0.99, kParaphraseTarget = 0.85, kUnrelatedOutTarget = 0.95;
constexpr double kAttributeTarget = 0.90, kPlainIdenticalTarget = 1.0;

std::string CreateStatement(const std::string& memory, const EvalOptions& options) {
  std::string s = "CREATE MEMORY " + memory;
  if (options.slots > 0) s += " WITH (slots = " + std::to_string(options.slots) + ")";
  return s;
}

bool TopIs(const ReadOutcome& read, const std::string& text) {
  return !read.rows.empty() && read.rows[0].text == text;
}

double Percentile(std::vector<double> xs, double q) {
  if (xs.empty()) return 0.0;
  std::sort(xs.begin(), xs.end());
  return xs[static_cast<std::size_t>(q * static_cast<double>(xs.size() - 1))];
}

// WRITEs `texts` one statement each; the ids in order, and each statement's time in ms.
Result<std::vector<std::uint64_t>> WriteEach(Database& db, const std::string& memory,
                                             const std::vector<std::string>& texts,
                                             std::vector<double>* millis) {
  std::vector<std::uint64_t> ids;
  for (const std::string& text : texts) {
    Stopwatch watch;
    ENGRAM_ASSIGN_OR_RETURN(std::uint64_t id, WriteFact(db, memory, text));
    if (millis != nullptr) millis->push_back(watch.Seconds() * 1e3);
    ids.push_back(id);
  }
  return ids;
}

// prompt@1 and paraphrase@1 over the first `facts` facts (queries capped at `limit` each).
Result<Recall> MeasureRecall(Database& db, const std::string& memory, const FactSet& set,
                             std::size_t facts, std::size_t limit) {
  Recall r;
  for (const FactQuery& q : set.prompt_queries) {
    if (q.fact >= facts || r.prompt_total >= limit) break;
    ENGRAM_ASSIGN_OR_RETURN(ReadOutcome read, ReadFacts(db, memory, q.text, 1));
    r.prompt_hits += TopIs(read, set.facts[q.fact].Sentence());
    ++r.prompt_total;
  }
  for (const FactQuery& q : set.paraphrase_queries) {
    if (q.fact >= facts || r.para_total >= limit) break;
    ENGRAM_ASSIGN_OR_RETURN(ReadOutcome read, ReadFacts(db, memory, q.text, 1));
    r.para_hits += TopIs(read, set.facts[q.fact].Sentence());
    r.para_in_scope += read.in_scope;
    ++r.para_total;
  }
  return r;
}

// The entries of the capacity phases: the facts in use, then book sentences that are not
// unrelated queries, up to the largest size.
std::vector<std::string> CapacityEntries(const Inputs& in, const EvalOptions& options) {
  std::set<std::size_t> unrelated(in.books.unrelated.begin(), in.books.unrelated.end());
  std::vector<std::string> entries;
  for (std::size_t i = 0; i < in.facts; ++i) entries.push_back(in.set.facts[i].Sentence());
  const std::size_t largest = *std::max_element(options.sizes.begin(), options.sizes.end());
  for (std::size_t c : in.books.candidates) {
    if (entries.size() >= largest) break;
    if (unrelated.count(c) == 0) entries.push_back(in.books.sentences[c].text);
  }
  return entries;
}

double Rate(std::size_t hits, std::size_t total) {
  return total == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(total);
}

}  // namespace

// Phase 1: all facts, then the three kinds of queries.
Result<RecallPhaseResult> RecallPhase(Database& db, const Inputs& in, const EvalOptions& options,
                                      EvalReport& report) {
  ENGRAM_RETURN_IF_ERROR(RunOne(db, CreateStatement("facts", options)).status());
  std::vector<std::string> sentences;
  for (std::size_t i = 0; i < in.facts; ++i) sentences.push_back(in.set.facts[i].Sentence());
  Stopwatch write_watch;
  std::vector<double> millis;
  ENGRAM_ASSIGN_OR_RETURN(std::vector<std::uint64_t> ids,
                          WriteEach(db, "facts", sentences, &millis));
  const double write_s = write_watch.Seconds();
  Stopwatch read_watch;
  ENGRAM_ASSIGN_OR_RETURN(Recall r, MeasureRecall(db, "facts", in.set, in.facts, options.limit));
  std::size_t out_of_scope = 0;
  std::vector<double> unrelated_scores;
  for (const std::string& q : in.unrelated) {
    ENGRAM_ASSIGN_OR_RETURN(ReadOutcome read, ReadFacts(db, "facts", q, 1));
    out_of_scope += !read.in_scope;
    unrelated_scores.push_back(read.scope_score);
  }
  const std::size_t reads = r.prompt_total + r.para_total + in.unrelated.size();
  const double read_s = read_watch.Seconds();

  report.Rate("1 recall", "prompt@1", r.prompt_hits, r.prompt_total, kPromptTarget);
  report.Rate("1 recall", "paraphrase@1", r.para_hits, r.para_total, kParaphraseTarget);
  report.Rate("1 recall", "paraphrase in scope", r.para_in_scope, r.para_total);
  report.Rate("1 recall", "unrelated out of scope", out_of_scope, in.unrelated.size(),
              kUnrelatedOutTarget);
  report.Value("1 recall", "unrelated scope_score p95", Percentile(unrelated_scores, 0.95), "");
  report.Value("1 recall", "WRITE (one fact) p50", Percentile(millis, 0.5), "ms");
  report.Value("1 recall", "WRITE (one fact) p95", Percentile(millis, 0.95), "ms");
  report.Value("1 recall", "READ TOP 1 mean", reads == 0 ? 0.0 : read_s * 1e3 / reads, "ms");
  report.Value("time", "1 recall: " + std::to_string(ids.size()) + " WRITEs", write_s, "s");
  report.Value("time", "1 recall: " + std::to_string(reads) + " READs", read_s, "s");
  return RecallPhaseResult{std::move(ids), r};
}

// Phase 2: forget every kForgetEvery-th fact by id. Returns which facts were forgotten.
Result<std::vector<bool>> ForgetPhase(Database& db, const Inputs& in,
                                      const std::vector<std::uint64_t>& ids, EvalReport& report) {
  Stopwatch watch;
  std::vector<bool> forgotten(in.facts, false);
  std::size_t records = 0, count = 0;
  for (std::size_t i = 0; i < in.facts && count < kForgetCount; i += kForgetEvery) {
    ENGRAM_ASSIGN_OR_RETURN(std::uint64_t n, ForgetFact(db, "facts", ids[i]));
    records += n;
    forgotten[i] = true;
    ++count;
  }
  const double forget_s = watch.Seconds();
  // A forgotten fact's sentence may still be live as another fact's (duplicates in the data):
  // then recalling that text is right, so it is counted apart.
  std::multiset<std::string> live;
  for (std::size_t i = 0; i < in.facts; ++i) {
    if (!forgotten[i]) live.insert(in.set.facts[i].Sentence());
  }
  std::size_t by_id = 0, by_text = 0, duplicate = 0, kept_hits = 0, kept_total = 0;
  for (std::size_t i = 0; i < in.facts; ++i) {
    ENGRAM_ASSIGN_OR_RETURN(ReadOutcome read, ReadFacts(db, "facts", in.set.facts[i].prompt, 1));
    const std::string sentence = in.set.facts[i].Sentence();
    if (forgotten[i]) {
      by_id += !read.rows.empty() && read.rows[0].id == ids[i];
      if (TopIs(read, sentence)) (live.count(sentence) > 0 ? duplicate : by_text) += 1;
    } else {
      kept_hits += TopIs(read, sentence);
      ++kept_total;
    }
  }
  report.Count("2 forget", "facts forgotten", count);
  report.Count("2 forget", "records forgotten", records);
  report.Count("2 forget", "forgotten id top-1 by its prompt", by_id, 0);
  report.Count("2 forget", "forgotten text top-1 (no live duplicate)", by_text, 0);
  report.Count("2 forget", "forgotten text top-1 (a live duplicate)", duplicate);
  report.Rate("2 forget", "others prompt@1", kept_hits, kept_total, kPromptTarget);
  report.Value("time", "2 forget: " + std::to_string(count) + " FORGETs", forget_s, "s");
  report.Value("time", "2 forget: total", watch.Seconds(), "s");
  return forgotten;
}

// Phase 3: on `facts` after the forget.
Status GeneratePhase(Database& db, const Inputs& in, const std::vector<bool>& forgotten,
                     const EvalOptions& options, EvalReport& report) {
  Stopwatch watch;
  std::size_t exact = 0, total = 0, in_scope = 0;
  std::size_t forgotten_exact = 0, forgotten_plain = 0, forgotten_in_scope = 0, forgotten_total = 0;
  // A forgotten fact whose relation and attribute a live fact shares can still be "recalled":
  // that fact's guide proposes the same continuation after the relation's words.
  std::set<std::pair<std::string, std::string>> live_attributes;
  for (std::size_t i = 0; i < in.facts; ++i) {
    if (!forgotten[i]) live_attributes.emplace(in.set.facts[i].relation, in.set.facts[i].attribute);
  }
  std::size_t forgotten_shared = 0;
  for (std::size_t i = 0; i < in.facts; ++i) {
    const Fact& fact = in.set.facts[i];
    ENGRAM_ASSIGN_OR_RETURN(GenerateOutcome g,
                            GenerateGreedy(db, fact.prompt, "facts", options.gen_max));
    const bool starts = g.text.rfind(" " + fact.attribute, 0) == 0;
    if (forgotten[i]) {
      ENGRAM_ASSIGN_OR_RETURN(GenerateOutcome plain,
                              GenerateGreedy(db, fact.prompt, "", options.gen_max));
      forgotten_exact += starts;
      forgotten_plain += plain.text.rfind(" " + fact.attribute, 0) == 0;
      forgotten_in_scope += g.in_scope;
      forgotten_shared += live_attributes.count({fact.relation, fact.attribute});
      ++forgotten_total;
    } else {
      exact += starts;
      in_scope += g.in_scope;
      ++total;
    }
  }
  const double facts_s = watch.Seconds();
  Stopwatch plain_watch;
  std::size_t identical = 0, unrelated_total = 0, unrelated_in_scope = 0;
  for (std::size_t k = 0; k < in.unrelated.size(); k += kGenerateUnrelatedEvery) {
    const std::string& prompt = in.unrelated[k];
    ENGRAM_ASSIGN_OR_RETURN(GenerateOutcome with,
                            GenerateGreedy(db, prompt, "facts", kUnrelatedMax));
    ENGRAM_ASSIGN_OR_RETURN(GenerateOutcome plain, GenerateGreedy(db, prompt, "", kUnrelatedMax));
    identical += with.text == plain.text && with.tokens == plain.tokens;
    unrelated_in_scope += with.in_scope;
    ++unrelated_total;
  }
  report.Rate("3 generate", "remaining facts: starts with ' attribute'", exact, total,
              kAttributeTarget);
  report.Rate("3 generate", "remaining facts: prompt in scope", in_scope, total);
  report.Rate("3 generate", "forgotten facts: starts with ' attribute'", forgotten_exact,
              forgotten_total);
  report.Rate("3 generate", "forgotten facts: same, plain GENERATE", forgotten_plain,
              forgotten_total);
  report.Rate("3 generate", "forgotten facts: prompt in scope", forgotten_in_scope,
              forgotten_total);
  report.Rate("3 generate", "forgotten facts: a live fact has relation+attribute", forgotten_shared,
              forgotten_total);
  report.Rate("3 generate", "unrelated: USING output == plain", identical, unrelated_total,
              kPlainIdenticalTarget);
  report.Rate("3 generate", "unrelated: prompt in scope", unrelated_in_scope, unrelated_total);
  report.Value("time",
               "3 generate: " + std::to_string(in.facts + forgotten_total) + " fact GENERATEs",
               facts_s, "s");
  report.Value("time", "3 generate: " + std::to_string(2 * unrelated_total) + " unrelated",
               plain_watch.Seconds(), "s");
  return Status::Ok();
}

// Phase 4: one memory filled to each size in turn. `phase1` (when given) is the recall at
// in.facts entries.
Status CapacityPhase(Database& db, const Inputs& in, const EvalOptions& options,
                     const Recall* phase1, EvalReport& report) {
  Stopwatch watch;
  ENGRAM_RETURN_IF_ERROR(RunOne(db, CreateStatement("capacity", options)).status());
  const std::vector<std::string> entries = CapacityEntries(in, options);
  std::vector<std::size_t> sizes = options.sizes;
  std::sort(sizes.begin(), sizes.end());
  std::size_t written = 0;
  for (std::size_t n : sizes) {
    n = std::min(n, entries.size());
    if (n <= written) continue;
    std::vector<std::string> batch(entries.begin() + static_cast<std::ptrdiff_t>(written),
                                   entries.begin() + static_cast<std::ptrdiff_t>(n));
    std::vector<double> millis;
    ENGRAM_RETURN_IF_ERROR(WriteEach(db, "capacity", batch, &millis).status());
    report.Value("4 capacity",
                 "WRITE p50, N " + std::to_string(written) + " -> " + std::to_string(n),
                 Percentile(millis, 0.5), "ms");
    written = n;
    Recall r;
    if (phase1 != nullptr && n == in.facts) {
      r = *phase1;
    } else {
      ENGRAM_ASSIGN_OR_RETURN(
          r, MeasureRecall(db, "capacity", in.set, std::min(n, in.facts), options.limit));
    }
    report.CurvePoint("capacity", {"prompt@1", "paraphrase@1"}, static_cast<double>(n),
                      {Rate(r.prompt_hits, r.prompt_total), Rate(r.para_hits, r.para_total)});
    std::fprintf(stderr, "capacity N=%zu: prompt@1 %.4f paraphrase@1 %.4f (%.1f s)\n", n,
                 Rate(r.prompt_hits, r.prompt_total), Rate(r.para_hits, r.para_total),
                 watch.Seconds());
  }
  report.Value("time", "4 capacity: " + std::to_string(written) + " WRITEs + READs",
               watch.Seconds(), "s");
  return Status::Ok();
}

Status SegmentPhase(Database& db, const Inputs& in, const EvalOptions& options,
                    EvalReport& report) {
  Stopwatch watch;
  const std::vector<std::string> entries = CapacityEntries(in, options);
  std::vector<std::size_t> sizes = options.sizes;
  std::sort(sizes.begin(), sizes.end());
  std::string memories;  // "seg1, seg2, …": the memories created so far
  std::size_t written = 0, segments = 0;
  for (std::size_t n : sizes) {
    n = std::min(n, entries.size());
    if (n <= options.segment || n <= written) continue;
    for (; written < n; ++written) {
      if (written % options.segment == 0) {
        const std::string name = "seg" + std::to_string(++segments);
        ENGRAM_RETURN_IF_ERROR(RunOne(db, CreateStatement(name, options)).status());
        memories += (memories.empty() ? "" : ", ") + name;
      }
      ENGRAM_RETURN_IF_ERROR(
          WriteFact(db, "seg" + std::to_string(segments), entries[written]).status());
    }
    Stopwatch reads;
    ENGRAM_ASSIGN_OR_RETURN(
        Recall r, MeasureRecall(db, memories, in.set, std::min(n, in.facts), options.limit));
    const std::string at = "N " + std::to_string(n) + " in " + std::to_string(segments) +
                           " memories of " + std::to_string(options.segment);
    report.Value("5 segments", "READ mean, " + at,
                 reads.Seconds() * 1e3 / static_cast<double>(r.prompt_total + r.para_total), "ms");
    report.Value("5 segments", "prompt@1, " + at, Rate(r.prompt_hits, r.prompt_total), "");
    report.Value("5 segments", "paraphrase@1, " + at, Rate(r.para_hits, r.para_total), "");
    report.CurvePoint("segments", {"prompt@1", "paraphrase@1"}, static_cast<double>(n),
                      {Rate(r.prompt_hits, r.prompt_total), Rate(r.para_hits, r.para_total)});
    std::fprintf(stderr,
                 "segments N=%zu (%zu memories): prompt@1 %.4f paraphrase@1 %.4f (%.1f s)\n", n,
                 segments, Rate(r.prompt_hits, r.prompt_total), Rate(r.para_hits, r.para_total),
                 watch.Seconds());
  }
  report.Value("time", "5 segments: " + std::to_string(written) + " WRITEs + READs",
               watch.Seconds(), "s");
  return Status::Ok();
}

}  // namespace engram::tools
