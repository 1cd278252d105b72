#include "query/executor/memory_options.h"

#include "client/json.h"
#include "engram/statement_result.h"

namespace engram::query {
namespace {

enum class OptionType { kPositiveInteger };

struct OptionSpec {
  std::string_view key;
  OptionType type;
  std::int64_t default_value;
  std::string_view meaning;
};

// The table of docs/query-language.md §5.1; mechanism issues append their rows.
constexpr OptionSpec kOptionTable[] = {
    {"slots", OptionType::kPositiveInteger, kDefaultSlots, "episodic memory rows K"},
};

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
  switch (spec.type) {
    case OptionType::kPositiveInteger:
      if (integer == nullptr || *integer < 1) {
        return SyntaxError("option " + std::string(spec.key) + " takes an integer of at least 1 (" +
                               std::string(spec.meaning) + ")",
                           static_cast<std::int64_t>(option.value.position));
      }
      return Status::Ok();
  }
  return InternalError("unknown option type");
}

std::string OptionValueToJson(const OptionValue& value) {
  struct Visitor {
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return ValueToJson(Value(d)); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const std::string& s) const { return JsonString(s); }
  };
  return std::visit(Visitor{}, value);
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
  std::vector<ResolvedOption> resolved;
  for (const OptionSpec& spec : kOptionTable) {
    OptionValue value = spec.default_value;
    for (const Option& option : options) {
      if (option.key.value == spec.key) value = option.value.value;
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

}  // namespace engram::query
