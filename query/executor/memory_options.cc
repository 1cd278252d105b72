#include "query/executor/memory_options.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "client/json.h"
#include "client/json_reader.h"
#include "engram/statement_result.h"

namespace engram::query {
namespace {

enum class OptionType { kInteger, kNumber };

// An option: integers within [min, max], or numbers (integer or decimal) within (min, max]
// (`min_open`) or [min, max].
struct OptionSpec {
  std::string_view key;
  OptionType type;
  double default_value;
  double min;
  double max;
  bool min_open;
  std::string_view meaning;
};

// The table of docs/query-language.md §5.1; mechanism issues append their rows.
constexpr OptionSpec kOptionTable[] = {
    {"slots", OptionType::kInteger, kDefaultSlots, 1, kMaxSlots, false, "episodic memory rows K"},
    {"ridge", OptionType::kNumber, kDefaultRidge, 0, 1e6, true,
     "episodic ridge λ, the prior's weight"},
    {"scope_threshold", OptionType::kNumber, kDefaultScopeThreshold, 0, 1, false,
     "episodic scope: cosine a query needs to its nearest fact"},
    {"guide_weight", OptionType::kNumber, kDefaultGuideWeight, 0, 1, true,
     "GENERATE USING: weight of the recalled fact's continuation"},
    {"checkpoint_every", OptionType::kInteger, kDefaultCheckpointEvery, 1, 65536, false,
     "episodic operations between checkpoints of the memory matrix"},
    {"context_layer", OptionType::kInteger, kDefaultContextLayer, 0, 255, false,
     "context memory: the model layer whose keys and values it keeps"},
    {"chunk_tokens", OptionType::kInteger, kDefaultChunkTokens, 1, 256, false,
     "context memory: tokens per chunk (csz)"},
    {"context_window", OptionType::kInteger, kDefaultContextWindow, 2, 65536, false,
     "context memory: positions of one encoding segment, BOS included"},
    {"max_chunks", OptionType::kInteger, 0, 0, 1e12, false,
     "context memory: chunks kept, the oldest evicted first (0: no limit)"},
    {"context_weight", OptionType::kNumber, kDefaultContextWeight, 0, 1, true,
     "GENERATE USING: weight of the context memory's proposals"},
    {"edit_layer", OptionType::kInteger, kEditDefaults.layer, 0, 255, false,
     "edit memory: the layer whose FFN w2 the side memory copies"},
    {"edit_steps", OptionType::kInteger, kEditDefaults.max_steps, 1, 1000, false,
     "edit memory: most SGD steps per edit"},
    {"edit_lr", OptionType::kNumber, 1.0, 0, 100, true, "edit memory: SGD learning rate"},
    {"edit_mask_ratio", OptionType::kNumber, 1.0, 0, 1, true,
     "edit memory: fraction of w2 each shard's gradient mask keeps"},
    {"edit_save_freq", OptionType::kInteger, kEditDefaults.save_freq, 1, 1000, false,
     "edit memory: edits per shard"},
    {"edit_merge_freq", OptionType::kInteger, kEditDefaults.merge_freq, 0, 100000, false,
     "edit memory: edits per TIES merge (a multiple of edit_save_freq; 0: never)"},
    {"edit_act_ratio", OptionType::kNumber, 0.75, 0, 1, true,
     "edit memory: router threshold as a fraction of the edits' smallest activation score"},
    {"edit_gate_threshold", OptionType::kNumber, 0.3, 0, 1, false,
     "edit memory: cosine a prompt needs to an edit's prompt to be routed"},
};

constexpr std::string_view kEditPrefix = "edit_";
// The decimal defaults above, written as the user would, are the co-process's (floats).
static_assert(static_cast<float>(1.0) == kEditDefaults.learning_rate);
static_assert(static_cast<float>(1.0) == kEditDefaults.mask_ratio);
static_assert(static_cast<float>(0.75) == kEditDefaults.act_ratio);
static_assert(static_cast<float>(0.3) == kEditDefaults.gate_threshold);

std::string FormatBound(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

std::string KnownKeys() {
  std::string keys;
  for (const OptionSpec& spec : kOptionTable) {
    if (!keys.empty()) keys += ", ";
    keys += spec.key;
  }
  return keys;
}

Status CheckValue(const OptionSpec& spec, const Option& option) {
  const auto* integer = std::get_if<std::int64_t>(&option.value.value);
  const auto* decimal = std::get_if<double>(&option.value.value);
  const auto fail = [&](const std::string& takes) {
    return SyntaxError("option " + std::string(spec.key) + " takes " + takes + " (" +
                           std::string(spec.meaning) + ")",
                       static_cast<std::int64_t>(option.value.position));
  };
  switch (spec.type) {
    case OptionType::kInteger:
      if (integer == nullptr || *integer < spec.min || *integer > spec.max) {
        return fail("an integer from " + FormatBound(spec.min) + " to " + FormatBound(spec.max));
      }
      return Status::Ok();
    case OptionType::kNumber: {
      double value = NAN;
      if (integer != nullptr) value = static_cast<double>(*integer);
      if (decimal != nullptr) value = *decimal;
      const bool above_min = spec.min_open ? value > spec.min : value >= spec.min;
      if (!(above_min && value <= spec.max)) {
        return fail(std::string("a number ") + (spec.min_open ? "above " : "from ") +
                    FormatBound(spec.min) + (spec.min_open ? " and at most " : " to ") +
                    FormatBound(spec.max));
      }
      return Status::Ok();
    }
  }
  return InternalError("unknown option type");
}

// The option's default as an OptionValue of its type.
OptionValue DefaultValue(const OptionSpec& spec) {
  if (spec.type == OptionType::kInteger) return static_cast<std::int64_t>(spec.default_value);
  return spec.default_value;
}

// A resolved value as a number (integers of number options are stored as written).
double AsNumber(const OptionValue& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&value)) return *d;
  return NAN;
}

std::string OptionValueToJson(const OptionValue& value) {
  struct Visitor {
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const {  // shortest text that reads back exactly
      char text[32];
      const auto end = std::to_chars(text, text + sizeof(text), d).ptr;
      std::string out(text, end);
      if (out.find_first_of(".en") == std::string::npos) out += ".0";  // stays a decimal
      return out;
    }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const std::string& s) const { return JsonString(s); }
  };
  return std::visit(Visitor{}, value);
}

// edit_merge_freq must be a multiple of edit_save_freq (merges group whole shards): refused at
// CREATE, at the option written last of the two, rather than at the memory's every edit.
Status CheckEditShards(const std::vector<Option>& options) {
  std::int64_t save = kEditDefaults.save_freq, merge = kEditDefaults.merge_freq;
  std::size_t position = 0;
  for (const Option& option : options) {
    const auto* value = std::get_if<std::int64_t>(&option.value.value);
    if (value == nullptr) continue;
    if (option.key.value == "edit_save_freq") save = *value;
    if (option.key.value == "edit_merge_freq") merge = *value;
    if (option.key.value == "edit_save_freq" || option.key.value == "edit_merge_freq") {
      position = std::max(position, option.value.position);
    }
  }
  if (merge > 0 && save > 0 && merge % save != 0) {
    return SyntaxError("edit_merge_freq " + std::to_string(merge) +
                           " is not a multiple of edit_save_freq " + std::to_string(save) +
                           " (a merge groups whole shards)",
                       static_cast<std::int64_t>(position));
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<ResolvedOption>> ResolveMemoryOptions(const std::vector<Option>& options) {
  for (const Option& option : options) {
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& candidate : kOptionTable) {
      if (candidate.key == option.key.value) spec = &candidate;
    }
    if (spec == nullptr) {
      return SyntaxError("unknown option '" + option.key.value +
                             "' for CREATE MEMORY (known: " + KnownKeys() + ")",
                         static_cast<std::int64_t>(option.key.position));
    }
    ENGRAM_RETURN_IF_ERROR(CheckValue(*spec, option));
  }
  ENGRAM_RETURN_IF_ERROR(CheckEditShards(options));
  std::vector<ResolvedOption> resolved;
  for (const OptionSpec& spec : kOptionTable) {
    OptionValue value = DefaultValue(spec);
    for (const Option& option : options) {
      if (option.key.value != spec.key) continue;
      value = option.value.value;
      if (spec.type == OptionType::kNumber) value = AsNumber(value);
    }
    resolved.push_back(ResolvedOption{std::string(spec.key), value});
  }
  return resolved;
}

std::string EncodeMemoryAttrs(const std::vector<ResolvedOption>& options,
                              std::string_view model_fingerprint) {
  std::string text = "{\"format\": " + std::to_string(kMemoryAttrsFormat) + ", \"options\": {";
  for (std::size_t i = 0; i < options.size(); ++i) {
    if (i > 0) text += ", ";
    text += JsonString(options[i].key) + ": " + OptionValueToJson(options[i].value);
  }
  text += "}, \"model\": ";
  text += model_fingerprint.empty() ? std::string("null") : JsonString(model_fingerprint);
  return text + "}";
}

Result<MemorySettings> DecodeMemoryAttrs(std::string_view attrs) {
  const std::optional<Json> json = ParseJson(attrs);
  if (!json || json->type != Json::Type::kObject) {
    return Status::Error(ErrorCode::kCorrupt, "memory record: attrs are not a JSON object");
  }
  MemorySettings settings;
  const Json& options = (*json)["options"];
  const auto number = [&](std::string_view key, double fallback) {
    const Json& value = options[key];
    if (value.type != Json::Type::kNumber) return fallback;
    try {
      return std::stod(value.text);
    } catch (...) {  // the writer wrote a number; a hand-edited record keeps the default
      return fallback;
    }
  };
  settings.slots = static_cast<std::int64_t>(number("slots", kDefaultSlots));
  settings.ridge = number("ridge", kDefaultRidge);
  settings.scope_threshold = number("scope_threshold", kDefaultScopeThreshold);
  settings.guide_weight = number("guide_weight", kDefaultGuideWeight);
  settings.checkpoint_every =
      static_cast<std::int64_t>(number("checkpoint_every", kDefaultCheckpointEvery));
  settings.context_layer = static_cast<std::int64_t>(number("context_layer", kDefaultContextLayer));
  settings.chunk_tokens = static_cast<std::int64_t>(number("chunk_tokens", kDefaultChunkTokens));
  settings.context_window =
      static_cast<std::int64_t>(number("context_window", kDefaultContextWindow));
  settings.max_chunks = static_cast<std::int64_t>(number("max_chunks", 0));
  settings.context_weight = number("context_weight", kDefaultContextWeight);
  for (const OptionSpec& spec : kOptionTable) {
    if (spec.key.substr(0, kEditPrefix.size()) != kEditPrefix) continue;
    settings.edit_settings.emplace_back(std::string(spec.key),
                                        number(spec.key, spec.default_value));
  }
  const Json& model = (*json)["model"];
  if (model.type == Json::Type::kString) settings.model_fingerprint = model.text;
  if (settings.slots < 1 || settings.slots > kMaxSlots || !(settings.ridge > 0) ||
      settings.checkpoint_every < 1 || !(settings.guide_weight > 0) || settings.context_layer < 0 ||
      settings.chunk_tokens < 1 || settings.context_window < 2 || settings.max_chunks < 0 ||
      !(settings.context_weight > 0)) {
    return Status::Error(ErrorCode::kCorrupt, "memory record: option out of range");
  }
  return settings;
}

namespace {

// A JSON value back to text: the attrs hold only objects, numbers (kept as written), strings,
// booleans and null.
std::string JsonText(const Json& value) {
  switch (value.type) {
    case Json::Type::kNull:
      return "null";
    case Json::Type::kBool:
      return value.boolean ? "true" : "false";
    case Json::Type::kNumber:
      return value.text;
    case Json::Type::kString:
      return JsonString(value.text);
    case Json::Type::kArray: {
      std::string text = "[";
      for (std::size_t i = 0; i < value.items.size(); ++i) {
        text += (i > 0 ? ", " : "") + JsonText(value.items[i]);
      }
      return text + "]";
    }
    case Json::Type::kObject: {
      std::string text = "{";
      for (std::size_t i = 0; i < value.members.size(); ++i) {
        text += (i > 0 ? ", " : "") + JsonString(value.members[i].first) + ": " +
                JsonText(value.members[i].second);
      }
      return text + "}";
    }
  }
  return "null";
}

}  // namespace

Result<std::string> BindMemoryAttrs(std::string_view attrs, std::string_view model_fingerprint) {
  std::optional<Json> json = ParseJson(attrs);
  if (!json || json->type != Json::Type::kObject) {
    return Status::Error(ErrorCode::kCorrupt, "memory record: attrs are not a JSON object");
  }
  Json model;
  model.type = Json::Type::kString;
  model.text = std::string(model_fingerprint);
  bool found = false;
  for (auto& [key, value] : json->members) {
    if (key == "model") {
      value = model;
      found = true;
    }
  }
  if (!found) json->members.emplace_back("model", model);
  return JsonText(*json);
}

}  // namespace engram::query
