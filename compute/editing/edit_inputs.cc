#include "compute/editing/edit_inputs.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "compute/runtime/engine_factory.h"
#include "compute/runtime/generation.h"

namespace engram::compute::editing {
namespace {

// Short prompts whose continuations become context prefixes (WISE's "I", "You", ... — these
// are the openings stories260K continues sensibly).
constexpr const char* kPrefixStarts[kMaxPrefixes] = {
    "I",   "You", "Because", "Yes", "Q:",   "The", "Once", "One day",
    "She", "We",  "He",      "It",  "Then", "So",  "My",   "They"};

// Story openings whose continuations are the unrelated samples.
constexpr const char* kUnrelatedStarts[kUnrelatedPoolSize] = {
    "Once upon a time", "One day",  "Tom and",  "Lily was",   "The little",  "There was a",
    "Mom said",         "The sun",  "A big",    "Ben wanted", "In the park", "The cat",
    "Sue liked",        "At night", "The bird", "Sam had"};

bool Blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); });
}

Result<std::vector<int>> Continue(DecodeEngine& engine, const Tokenizer& tokenizer,
                                  const char* start, int tokens) {
  GenerationRequest request;
  request.prompt_tokens = tokenizer.Encode(start, /*bos=*/true, /*eos=*/false);
  request.max_new_tokens = tokens;
  request.sampling.temperature = 0.0f;
  auto result = GenerateSync(engine, request, nullptr);
  if (!result.ok()) return result.status();
  std::vector<int> out(request.prompt_tokens.begin() + 1, request.prompt_tokens.end());
  out.insert(out.end(), result->tokens.begin(), result->tokens.end());
  return out;
}

}  // namespace

std::size_t ContextSet::longest_prefix() const {
  std::size_t n = 0;
  for (const auto& p : prefixes) n = std::max(n, p.size());
  return n;
}

Result<ContextSet> BuildContextSet(const LlamaWeights& weights, const Tokenizer& tokenizer,
                                   int prefix_count, int prefix_tokens) {
  EngineOptions options;
  options.engine = "cpu";
  options.max_slots = 1;
  options.threads = 1;
  auto engine = CreateDecodeEngine(weights, options);
  if (!engine.ok()) return engine.status();
  ContextSet set;
  for (int i = 0; i < std::min(prefix_count, kMaxPrefixes); ++i) {
    auto p = Continue(**engine, tokenizer, kPrefixStarts[i], prefix_tokens);
    if (!p.ok()) return p.status();
    set.prefixes.push_back(std::move(p).value());
  }
  for (const char* start : kUnrelatedStarts) {
    auto u = Continue(**engine, tokenizer, start, kUnrelatedTokens);
    if (!u.ok()) return u.status();
    set.unrelated.push_back(std::move(u).value());
  }
  return set;
}

namespace {

// The prompt and target tokens of `prompt` + `target`, or nullopt when the target does not start
// at a token boundary.
std::optional<PromptTarget> Split(const Tokenizer& tokenizer, const std::string& prompt,
                                  const std::string& target) {
  PromptTarget out;
  out.prompt = tokenizer.Encode(prompt, /*bos=*/false, /*eos=*/false);
  const std::vector<int> whole = tokenizer.Encode(prompt + target, /*bos=*/false, /*eos=*/false);
  if (whole.size() <= out.prompt.size() ||
      !std::equal(out.prompt.begin(), out.prompt.end(), whole.begin())) {
    return std::nullopt;
  }
  out.target.assign(whole.begin() + static_cast<std::ptrdiff_t>(out.prompt.size()), whole.end());
  return out;
}

}  // namespace

Result<PreparedEdit> PrepareEdit(const Tokenizer& tokenizer, const EditRequest& request,
                                 std::size_t longest_prefix, int seq_len, int truncations) {
  if (request.prompt.empty() || Blank(request.prompt)) {
    return SyntaxError("edit prompt is empty");
  }
  if (request.target.empty() || Blank(request.target)) {
    return SyntaxError("edit target is empty");
  }
  PreparedEdit out;
  auto split = Split(tokenizer, request.prompt, request.target);
  if (!split) {
    return SyntaxError("edit target '" + request.target +
                       "' does not start at a token boundary of the prompt (start it with a "
                       "space or punctuation)");
  }
  out.prompt = std::move(split->prompt);
  out.target = std::move(split->target);
  std::string cut = request.prompt;
  for (int k = 0; k < truncations; ++k) {
    while (!cut.empty() && std::isspace(static_cast<unsigned char>(cut.back()))) cut.pop_back();
    const std::size_t space = cut.find_last_of(" \t\n");
    if (space == std::string::npos) break;
    cut.resize(space);
    if (Blank(cut)) break;
    if (auto variant = Split(tokenizer, cut, request.target)) {
      out.truncations.push_back(std::move(*variant));
    }
  }
  const std::size_t needed = 1 + longest_prefix + out.prompt.size() + out.target.size();
  if (needed > static_cast<std::size_t>(seq_len)) {
    return LimitError("edit needs " + std::to_string(needed) +
                      " positions (BOS, context prefix, prompt, target) but the context window "
                      "is " +
                      std::to_string(seq_len));
  }
  return out;
}

}  // namespace engram::compute::editing
