#include "query/language/printer.h"

#include <charconv>
#include <type_traits>

#include "query/language/token.h"

namespace engram::query {
namespace {

std::string FormatVersionRef(const VersionRef& ref) {
  switch (ref.kind) {
    case VersionRef::Kind::kSnapshot:
      return FormatName(ref.snapshot);
    case VersionRef::Kind::kVersion:
      return "VERSION " + std::to_string(ref.version);
    case VersionRef::Kind::kHead:
      break;
  }
  return "HEAD";
}

std::string FormatOptionValue(const OptionValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return FormatDecimal(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "TRUE" : "FALSE";
        } else {
          return QuoteString(v);
        }
      },
      value);
}

std::string Purge(const Located<bool>& purge) {
  return purge.value ? " PURGE" : "";
}

std::string Top(const std::optional<Count>& top) {
  return top ? " TOP " + std::to_string(top->value) : "";
}

std::string Format(const CreateMemoryStatement& s) {
  std::string out = "CREATE MEMORY " + FormatName(s.memory.value);
  if (s.options.empty()) return out;
  out += " WITH (";
  for (std::size_t i = 0; i < s.options.size(); ++i) {
    if (i > 0) out += ", ";
    out += s.options[i].key.value + " = " + FormatOptionValue(s.options[i].value.value);
  }
  return out + ")";
}
std::string Format(const DropMemoryStatement& s) {
  return "DROP MEMORY " + FormatName(s.memory.value) + Purge(s.purge);
}
std::string Format(const WriteFactsStatement& s) {
  std::string out = "WRITE " + FormatName(s.memory.value);
  for (std::size_t i = 0; i < s.facts.size(); ++i) {
    out += i == 0 ? " " : ", ";
    out += QuoteString(s.facts[i].value);
  }
  return out;
}
std::string Format(const WriteEditStatement& s) {
  return "WRITE " + FormatName(s.memory.value) + " EDIT " + QuoteString(s.prompt.value) + " -> " +
         QuoteString(s.target.value);
}
std::string Format(const WriteContextStatement& s) {
  return "WRITE " + FormatName(s.memory.value) + (s.from_file ? " CONTEXT FILE " : " CONTEXT ") +
         QuoteString(s.text.value);
}
std::string Format(const WritePrefixStatement& s) {
  return "WRITE " + FormatName(s.memory.value) + (s.from_file ? " PREFIX FILE " : " PREFIX ") +
         QuoteString(s.text.value);
}
std::string Format(const ReadFactsStatement& s) {
  std::string names = FormatName(s.memory.value);
  for (const Name& more : s.more) names += ", " + FormatName(more.value);
  return "READ " + names + " " + QuoteString(s.query.value) + Top(s.top);
}
std::string Format(const ReadEditsStatement& s) {
  return "READ " + FormatName(s.memory.value) + " EDITS " + QuoteString(s.query.value) + Top(s.top);
}
std::string Format(const ReadContextStatement& s) {
  return "READ " + FormatName(s.memory.value) + " CONTEXT " + QuoteString(s.query.value) +
         Top(s.top);
}
std::string Format(const ForgetFactStatement& s) {
  return "FORGET " + FormatName(s.memory.value) + " " + QuoteString(s.fact.value) + Purge(s.purge);
}
std::string Format(const ForgetFactIdStatement& s) {
  return "FORGET " + FormatName(s.memory.value) + " ID " + std::to_string(s.id.value) +
         Purge(s.purge);
}
std::string Format(const ForgetEditStatement& s) {
  return "FORGET " + FormatName(s.memory.value) + " EDIT ID " + std::to_string(s.id.value) +
         Purge(s.purge);
}
std::string Format(const ForgetContextStatement& s) {
  return "FORGET " + FormatName(s.memory.value) + " CONTEXT ID " + std::to_string(s.id.value) +
         Purge(s.purge);
}
std::string Format(const ForgetContextSourceStatement& s) {
  return "FORGET " + FormatName(s.memory.value) + " CONTEXT SOURCE " + QuoteString(s.path.value) +
         Purge(s.purge);
}
std::string Format(const ForgetPrefixStatement& s) {
  return "FORGET " + FormatName(s.memory.value) + " PREFIX ID " + std::to_string(s.id.value) +
         Purge(s.purge);
}
std::string Format(const GenerateStatement& s) {
  std::string out = "GENERATE " + QuoteString(s.prompt.value);
  for (std::size_t i = 0; i < s.memories.size(); ++i) {
    out += i == 0 ? " USING " : ", ";
    out += FormatName(s.memories[i].value);
  }
  if (s.prefix_memory) out += " AFTER PREFIX " + FormatName(s.prefix_memory->value);
  if (s.prefix_id) out += " ID " + std::to_string(s.prefix_id->value);
  if (s.max_tokens) out += " MAX " + std::to_string(s.max_tokens->value);
  if (s.temperature) out += " TEMPERATURE " + FormatDecimal(s.temperature->value);
  if (s.top_p) out += " TOP_P " + FormatDecimal(s.top_p->value);
  if (s.seed) out += " SEED " + std::to_string(s.seed->value);
  return out;
}
std::string Format(const SnapshotStatement& s) {
  std::string out = "SNAPSHOT ";
  if (s.memory) out += FormatName(s.memory->value) + " ";
  return out + "AS " + FormatName(s.name.value);
}
std::string Format(const RollbackStatement& s) {
  std::string out = "ROLLBACK ";
  if (s.memory) out += FormatName(s.memory->value) + " ";
  return out + "TO " + FormatVersionRef(s.target);
}
std::string Format(const HistoryStatement& s) {
  std::string out = "HISTORY " + FormatName(s.memory.value);
  if (s.limit) out += " LIMIT " + std::to_string(s.limit->value);
  return out;
}
std::string Format(const DiffStatement& s) {
  return "DIFF " + FormatName(s.memory.value) + " " + FormatVersionRef(s.from) + " " +
         FormatVersionRef(s.to);
}
std::string Format(const ShowMemoriesStatement&) {
  return "SHOW MEMORIES";
}
std::string Format(const ShowSnapshotsStatement& s) {
  return s.memory ? "SHOW SNAPSHOTS " + FormatName(s.memory->value) : "SHOW SNAPSHOTS";
}
std::string Format(const ShowStatsStatement&) {
  return "SHOW STATS";
}
std::string Format(const BeginStatement&) {
  return "BEGIN";
}
std::string Format(const CommitStatement&) {
  return "COMMIT";
}
std::string Format(const AbortStatement&) {
  return "ABORT";
}

}  // namespace

std::string FormatStatement(const StatementBody& body) {
  return std::visit([](const auto& s) { return Format(s); }, body);
}

std::string QuoteString(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('\'');
  for (char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string FormatName(std::string_view name) {
  std::string out(name);
  if (LookupKeyword(name) != Keyword::kNone) {
    out.insert(out.begin(), '"');
    out.push_back('"');
  }
  return out;
}

std::string FormatDecimal(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string out(buffer, ec == std::errc() ? end : buffer);
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

}  // namespace engram::query
