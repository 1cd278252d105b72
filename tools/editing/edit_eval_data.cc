#include "tools/editing/edit_eval_data.h"

#include <sstream>

#include "compute/editing/edit_inputs.h"
#include "compute/runtime/engine_factory.h"
#include "compute/runtime/generation.h"
#include "tools/episodic/eval_data.h"

namespace engram::tools {
namespace {

namespace ce = compute::editing;

constexpr int kBookStartWords = 6;
constexpr int kStoryOpeningTokens = 8;

// The first `words` whitespace-separated words of `sentence`.
std::string FirstWords(const std::string& sentence, int words) {
  std::istringstream in(sentence);
  std::string word, out;
  for (int i = 0; i < words && (in >> word); ++i) out += (i == 0 ? "" : " ") + word;
  return out;
}

Result<std::vector<int>> Greedy(compute::DecodeEngine& engine, const std::vector<int>& prompt,
                                int tokens, float temperature, std::uint64_t seed) {
  compute::GenerationRequest request;
  request.prompt_tokens = prompt;
  request.max_new_tokens = tokens;
  request.sampling.temperature = temperature;
  request.sampling.seed = seed;
  auto result = compute::GenerateSync(engine, request, nullptr);
  if (!result.ok()) return result.status();
  return std::move(result->tokens);
}

}  // namespace

Result<EditEvalData> LoadEditEvalData(const compute::ModelBundle& model,
                                      const EditEvalDataOptions& options) {
  auto facts = LoadFacts(options.data_dir);
  if (!facts.ok()) return facts.status();
  auto books = LoadBookSentences(options.data_dir);
  if (!books.ok()) return books.status();
  const auto& tok = model.tokenizer;
  const int window = model.config().seq_len;

  EditEvalData data;
  std::vector<std::size_t> case_of_fact(facts->facts.size(), SIZE_MAX);
  for (std::size_t f = options.first_fact;
       f < facts->facts.size() && data.cases.size() < options.edits; ++f) {
    const Fact& fact = facts->facts[f];
    ce::EditRequest request{fact.prompt, " " + fact.attribute};
    auto prepared = ce::PrepareEdit(tok, request, 0, window);
    if (!prepared.ok()) {
      ++data.skipped;
      continue;
    }
    case_of_fact[f] = data.cases.size();
    ScoredPrompt rel;
    rel.text = fact.prompt;
    rel.tokens = tok.Encode(fact.prompt, true, false);
    rel.expected = prepared->target;
    rel.edit = data.cases.size();
    data.reliability.push_back(std::move(rel));
    data.cases.push_back({std::move(request), f});
  }
  for (const FactQuery& q : facts->paraphrase_queries) {
    const std::size_t c = case_of_fact[q.fact];
    if (c == SIZE_MAX) continue;
    if (options.max_paraphrases > 0 && data.generality.size() >= options.max_paraphrases) break;
    auto prepared = ce::PrepareEdit(tok, {q.text, data.cases[c].request.target}, 0, window);
    if (!prepared.ok()) continue;
    ScoredPrompt gen;
    gen.text = q.text;
    gen.tokens = tok.Encode(q.text, true, false);
    gen.expected = prepared->target;
    gen.edit = c;
    data.generality.push_back(std::move(gen));
  }

  compute::EngineOptions engine_options;
  engine_options.engine = "cpu";
  engine_options.max_slots = 1;
  engine_options.threads = 1;
  auto engine = compute::CreateDecodeEngine(model.checkpoint.weights, engine_options);
  if (!engine.ok()) return engine.status();
  // Book sentence starts: every 5th of the 1,000 sampled unrelated sentences.
  const std::size_t stride = std::max<std::size_t>(
      1, books->unrelated.size() / std::max<std::size_t>(1, options.book_prompts));
  for (std::size_t k = 0; k < books->unrelated.size() && data.book_prompts < options.book_prompts;
       k += stride) {
    ScoredPrompt loc;
    loc.text = FirstWords(books->sentences[books->unrelated[k]].text, kBookStartWords);
    loc.tokens = tok.Encode(loc.text, true, false);
    auto out = Greedy(**engine, loc.tokens, kLocalityTokens, 0.0f, 0);
    if (!out.ok()) return out.status();
    loc.expected = std::move(out).value();
    data.locality.push_back(std::move(loc));
    ++data.book_prompts;
  }
  // The model's own story openings: sampled (temperature 1, top-p 0.9) from BOS, seeds 1..N.
  for (std::size_t i = 0; i < options.story_prompts; ++i) {
    auto opening = Greedy(**engine, {1}, kStoryOpeningTokens, 1.0f, 1 + i);
    if (!opening.ok()) return opening.status();
    ScoredPrompt loc;
    loc.tokens = {1};
    loc.tokens.insert(loc.tokens.end(), opening->begin(), opening->end());
    loc.text = tok.Decode(*opening);
    auto out = Greedy(**engine, loc.tokens, kLocalityTokens, 0.0f, 0);
    if (!out.ok()) return out.status();
    loc.expected = std::move(out).value();
    data.locality.push_back(std::move(loc));
  }
  return data;
}

}  // namespace engram::tools
