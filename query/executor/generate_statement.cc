// GENERATE (docs/query-language.md §5.9): the model continues the prompt through the compute
// co-process. With USING, the memories' episodic readouts of the prompt guide decoding
// (docs/episodic.md §5; a prompt out of every memory's scope is generated exactly as without
// USING) and their context memories propose tokens (docs/context.md §2); with AFTER PREFIX the
// prompt continues a stored prefix whose keys and values are loaded, not computed (§6); the
// memories' edits route the prompt once, and a routed generation runs with that side memory
// (docs/editing.md; an unrouted one is exactly the unedited model's).
// Commits nothing.
#include <optional>
#include <random>
#include <string>

#include "query/executor/executor.h"
#include "query/executor/statement_helpers.h"
#include "query/language/limits.h"

namespace engram::query {
namespace {

using internal::Pos;

constexpr int kDefaultMaxTokens = 256;
constexpr double kDefaultTemperature = 1.0;
constexpr double kDefaultTopP = 0.9;

constexpr int kStopCancelled = 3;

// The result's `finish`: why the generation stopped (compute::StopReason's frozen values).
std::string_view FinishName(int stop_reason) {
  switch (stop_reason) {
    case 0:
      return "length";  // MAX reached
    case 1:
      return "end";  // the model ended the text (BOS)
    case 2:
      return "context";  // the context window is full
    case kStopCancelled:
      return "cancelled";
    default:
      return "error";
  }
}

// A fresh seed for a GENERATE without SEED; returned in the result so the output can be
// reproduced. Never 0 (the sampler replaces 0 by a constant, which would hide the draw).
std::uint64_t DrawSeed() {
  std::random_device device;
  std::uint64_t seed = 0;
  while (seed == 0) seed = (std::uint64_t{device()} << 32) ^ device();
  return seed;
}

}  // namespace

Result<StatementResult> Executor::Generate(const GenerateStatement& generate, std::size_t position,
                                           const StatementHooks& hooks) {
  ENGRAM_ASSIGN_OR_RETURN(ComputeLink * link, Link(position));
  ComputeLink& compute = *link;
  const auto at = [position](const Status& status) {
    return Status::Error(status.code(), "GENERATE: " + status.message(), Pos(position));
  };

  Result<ModelInfo> model = compute.Model();
  if (!model.ok()) return at(model.status());
  // After a stored prefix, the prompt continues its tokens (no BOS of its own).
  std::optional<protocol::PrefixRef> prefix;
  if (generate.prefix_memory) {
    ENGRAM_ASSIGN_OR_RETURN(
        prefix, RecallPrefix(compute, *generate.prefix_memory, generate.prefix_id, *model));
  }
  Result<std::vector<int>> prompt = compute.Tokenize(generate.prompt.value, /*bos=*/!prefix);
  if (!prompt.ok()) return at(prompt.status());

  // The window must hold the prefix, the prompt and every new token: an explicit MAX that does
  // not fit is an error, the default MAX shrinks to what fits.
  const auto window = static_cast<std::uint64_t>(model->seq_len);
  const std::uint64_t prompt_tokens = prompt->size();
  const std::uint64_t prefix_tokens = prefix ? prefix->tokens.size() : 0;
  const std::uint64_t used = prefix_tokens + prompt_tokens;
  const std::string what =
      (prefix ? "a prefix of " + std::to_string(prefix_tokens) + " tokens and " : std::string()) +
      "a prompt of " + std::to_string(prompt_tokens);
  if (used >= window) {
    return Status::Error(ErrorCode::kLimit,
                         (prefix ? what + " tokens are " + std::to_string(used) + " tokens"
                                 : "the prompt is " + std::to_string(prompt_tokens) + " tokens") +
                             "; the model's context window is " + std::to_string(window) +
                             " and leaves no room to generate",
                         Pos(generate.prompt.position));
  }
  std::uint64_t max_tokens = std::min<std::uint64_t>(kDefaultMaxTokens, window - used);
  if (generate.max_tokens) {
    max_tokens = generate.max_tokens->value;
    if (used + max_tokens > window) {
      return Status::Error(ErrorCode::kLimit,
                           "MAX " + std::to_string(max_tokens) + " after " + what +
                               " tokens passes the model's context window of " +
                               std::to_string(window) + " (at most " +
                               std::to_string(window - used) + " new tokens fit)",
                           Pos(generate.max_tokens->position));
    }
  }

  GenerateParams params;
  params.prefix = prefix;
  std::optional<Recall> recall;
  std::optional<ContextRecall> context;
  std::optional<EditRecall> edits;
  if (!generate.memories.empty()) {
    ENGRAM_ASSIGN_OR_RETURN(recall,
                            RecallGuides(compute, generate.memories, generate.prompt.value));
    params.guides = recall->guides;
    ENGRAM_ASSIGN_OR_RETURN(context, RecallContext(compute, generate.memories));
    params.context = context->states;
    params.context_lambda = context->weight;
    ENGRAM_ASSIGN_OR_RETURN(edits, RecallEdits(compute, generate.memories, generate.prompt.value));
    if (edits->edit && prefix) {
      return Status::Error(ErrorCode::kSyntax,
                           "GENERATE: an edit routes this prompt, and a generation with an edited "
                           "side memory cannot also run AFTER PREFIX (the prefix's keys and "
                           "values are the unedited model's)",
                           Pos(position));
    }
    params.edit = edits->edit;
  }
  params.prompt_tokens = std::move(*prompt);
  params.max_new_tokens = static_cast<int>(max_tokens);
  params.temperature =
      static_cast<float>(generate.temperature ? generate.temperature->value : kDefaultTemperature);
  params.top_p = static_cast<float>(generate.top_p ? generate.top_p->value : kDefaultTopP);
  // Greedy decoding uses no randomness: without SEED it needs none (the result's seed is null).
  const bool greedy = params.temperature == 0.0f;
  if (generate.seed) {
    params.seed = generate.seed->value;
  } else if (!greedy) {
    params.seed = DrawSeed();
  }
  params.stream = static_cast<bool>(hooks.on_text) || hooks.cancel != nullptr;

  // What the chunks carried before a cancel was seen: a cancelled GENERATE ends there.
  std::size_t streamed = 0;  // bytes of text (each passed to on_text)
  std::size_t streamed_tokens = 0;
  bool cancel_seen = false;
  const auto on_chunk = [&](const GenerateChunk& chunk) {
    if (hooks.on_text && !chunk.text.empty()) hooks.on_text(chunk.text);
    streamed += chunk.text.size();
    streamed_tokens += chunk.tokens.size();
    cancel_seen = hooks.cancel != nullptr && hooks.cancel->load();
    return !cancel_seen;
  };
  Result<GenerateResult> generated = compute.Generate(params, on_chunk);
  // Only the routed edit state's absence is worth a retry (not, say, context blocks the
  // co-process no longer holds).
  if (!generated.ok() && generated.status().code() == ErrorCode::kNotFound && params.edit &&
      streamed_tokens == 0 &&
      (generated.status().message().find("edit state") != std::string::npos ||
       generated.status().message().find("side memory") != std::string::npos)) {
    // The routed state left the co-process's cache between the route and the generation (an
    // edit of the same memory by another session moved it to a new key, or it was evicted):
    // route again, once, on the state the store holds now.
    ENGRAM_ASSIGN_OR_RETURN(edits, RecallEdits(compute, generate.memories, generate.prompt.value));
    params.edit = edits->edit;
    generated = compute.Generate(params, on_chunk);
  }
  if (!generated.ok()) return at(generated.status());
  if (cancel_seen && streamed_tokens <= generated->tokens.size() &&
      streamed <= generated->text.size()) {
    // The caller stopped it: the result ends with the last piece it was given, also when the
    // co-process had generated further (or finished) before the cancel reached it.
    generated->tokens.resize(streamed_tokens);
    generated->text.resize(streamed);
    generated->stop_reason = kStopCancelled;
    generated->stop_reason_name = "cancelled";
  } else if (hooks.on_text && streamed < generated->text.size()) {
    // Text the chunks did not carry: pass it on, so that what on_text saw is always the
    // result's text.
    hooks.on_text(std::string_view(generated->text).substr(streamed));
  }

  StatementResult result = internal::Named("GENERATE");
  result.Add("text", generated->text)
      .Add("tokens", static_cast<std::uint64_t>(generated->tokens.size()))
      .Add("seed", generate.seed || !greedy ? Value(params.seed) : Value())
      .Add("finish", std::string(FinishName(generated->stop_reason)))
      .Add("prompt_tokens", prompt_tokens);
  if (prefix) result.Add("prefix_tokens", prefix_tokens);
  if (recall) {
    result.Add("in_scope", recall->in_scope)
        .Add("guides", static_cast<std::uint64_t>(recall->guides.size()))
        .Add("context_memories", static_cast<std::uint64_t>(context->states.size()));
    if (edits->any) result.Add("edit", edits->edit ? Value(edits->routed_edit) : Value());
  }
  return result;
}

}  // namespace engram::query
