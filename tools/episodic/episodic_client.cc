#include "tools/episodic/episodic_client.h"

#include <optional>
#include <variant>

namespace engram::tools {
namespace {

// Integers arrive as int64 or uint64 depending on the field; both are accepted.
std::optional<std::uint64_t> AsU64(const Value* value) {
  if (value == nullptr) return std::nullopt;
  if (const auto* u = std::get_if<std::uint64_t>(value)) return *u;
  if (const auto* i = std::get_if<std::int64_t>(value); i != nullptr && *i >= 0) {
    return static_cast<std::uint64_t>(*i);
  }
  return std::nullopt;
}

std::optional<double> AsDouble(const Value* value) {
  if (value == nullptr) return std::nullopt;
  if (const auto* d = std::get_if<double>(value)) return *d;
  if (auto u = AsU64(value)) return static_cast<double>(*u);
  return std::nullopt;
}

std::optional<bool> AsBool(const Value* value) {
  if (value == nullptr) return std::nullopt;
  if (const auto* b = std::get_if<bool>(value)) return *b;
  return std::nullopt;
}

std::optional<std::string> AsString(const Value* value) {
  if (value == nullptr) return std::nullopt;
  if (const auto* s = std::get_if<std::string>(value)) return *s;
  return std::nullopt;
}

Status Shape(std::string_view statement, std::string_view what) {
  return InternalError(std::string(statement.substr(0, 80)) + ": result without " +
                       std::string(what));
}

}  // namespace

std::string QuoteString(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

Result<StatementResult> RunOne(Database& db, std::string_view statement) {
  std::vector<Result<StatementResult>> results = db.Execute(statement);
  if (results.size() != 1) {
    return InternalError(std::string(statement.substr(0, 80)) + ": " +
                         std::to_string(results.size()) + " results, one expected");
  }
  if (!results[0].ok()) {
    return results[0].status().WithContext(std::string(statement.substr(0, 80)));
  }
  return std::move(results[0]);
}

Result<std::uint64_t> WriteFact(Database& db, std::string_view memory, std::string_view fact) {
  const std::string statement = "WRITE " + std::string(memory) + " " + QuoteString(fact);
  ENGRAM_ASSIGN_OR_RETURN(StatementResult result, RunOne(db, statement));
  auto id = AsU64(result.Find("id"));
  if (!id) return Shape(statement, "id");
  return *id;
}

Result<ReadOutcome> ReadFacts(Database& db, std::string_view memory, std::string_view query,
                              int top) {
  const std::string statement =
      "READ " + std::string(memory) + " " + QuoteString(query) + " TOP " + std::to_string(top);
  ENGRAM_ASSIGN_OR_RETURN(StatementResult result, RunOne(db, statement));
  ReadOutcome out;
  auto in_scope = AsBool(result.Find("in_scope"));
  auto scope_score = AsDouble(result.Find("scope_score"));
  if (!in_scope || !scope_score) return Shape(statement, "in_scope/scope_score");
  out.in_scope = *in_scope;
  out.scope_score = *scope_score;
  for (std::size_t r = 0; r < result.rows.size(); ++r) {
    auto id = AsU64(result.Cell(r, "id"));
    auto text = AsString(result.Cell(r, "text"));
    auto score = AsDouble(result.Cell(r, "score"));
    if (!id || !text || !score) return Shape(statement, "rows of id, text, score");
    out.rows.push_back({*id, std::move(*text), *score});
  }
  return out;
}

Result<std::uint64_t> ForgetFact(Database& db, std::string_view memory, std::uint64_t id) {
  const std::string statement = "FORGET " + std::string(memory) + " ID " + std::to_string(id);
  ENGRAM_ASSIGN_OR_RETURN(StatementResult result, RunOne(db, statement));
  auto forgotten = AsU64(result.Find("forgotten"));
  if (!forgotten) return Shape(statement, "forgotten");
  return *forgotten;
}

Result<GenerateOutcome> GenerateGreedy(Database& db, std::string_view prompt,
                                       std::string_view memory, int max_tokens) {
  std::string statement = "GENERATE " + QuoteString(prompt);
  if (!memory.empty()) statement += " USING " + std::string(memory);
  statement += " MAX " + std::to_string(max_tokens) + " TEMPERATURE 0";
  ENGRAM_ASSIGN_OR_RETURN(StatementResult result, RunOne(db, statement));
  GenerateOutcome out;
  auto text = AsString(result.Find("text"));
  auto tokens = AsU64(result.Find("tokens"));
  if (!text || !tokens) return Shape(statement, "text/tokens");
  out.text = std::move(*text);
  out.tokens = *tokens;
  if (!memory.empty()) {
    auto in_scope = AsBool(result.Find("in_scope"));
    auto guides = AsU64(result.Find("guides"));
    if (!in_scope || !guides) return Shape(statement, "in_scope/guides");
    out.in_scope = *in_scope;
    out.guides = *guides;
  }
  return out;
}

}  // namespace engram::tools
