// The statements that work on a memory's contents: WRITE, READ, FORGET, GENERATE.
#include <string>
#include <utility>

#include "query/language/limits.h"
#include "query/language/statement_parser.h"

namespace engram::query {

Result<StatementBody> StatementParser::ParseWrite() {
  ENGRAM_RETURN_IF_ERROR(Advance());
  ENGRAM_ASSIGN_OR_RETURN(Name memory, ParseName("a memory name", "after WRITE"));

  if (AtString()) {
    WriteFactsStatement s;
    s.memory = std::move(memory);
    std::string_view context = "after the memory name";
    while (true) {
      if (s.facts.size() >= kMaxFactsPerWrite && AtString()) {
        return ErrorHere(ErrorCode::kLimit,
                         "more than " + std::to_string(kMaxFactsPerWrite) + " facts in one WRITE");
      }
      ENGRAM_ASSIGN_OR_RETURN(Text fact, ParseString("a fact string", context));
      s.facts.push_back(std::move(fact));
      if (!At(TokenKind::kComma)) break;
      ENGRAM_RETURN_IF_ERROR(Advance());
      context = "after ','";
    }
    ENGRAM_RETURN_IF_ERROR(ExpectEnd("','", "after the fact string"));
    return StatementBody(std::move(s));
  }

  if (At(Keyword::kEdit)) {
    ENGRAM_RETURN_IF_ERROR(Advance());
    WriteEditStatement s;
    s.memory = std::move(memory);
    ENGRAM_ASSIGN_OR_RETURN(s.prompt, ParseString("a prompt string", "after EDIT"));
    if (!At(TokenKind::kArrow)) return Fail("'->'", "after the prompt string");
    ENGRAM_RETURN_IF_ERROR(Advance());
    ENGRAM_ASSIGN_OR_RETURN(s.target, ParseString("a target string", "after '->'"));
    ENGRAM_RETURN_IF_ERROR(ExpectEnd("", "after the target string"));
    return StatementBody(std::move(s));
  }

  if (At(Keyword::kContext) || At(Keyword::kPrefix)) {
    const bool context_kind = At(Keyword::kContext);
    const std::string keyword(KeywordSpelling(current_.keyword));
    ENGRAM_RETURN_IF_ERROR(Advance());
    bool from_file = false;
    Text text;
    if (At(Keyword::kFile)) {
      from_file = true;
      ENGRAM_RETURN_IF_ERROR(Advance());
      ENGRAM_ASSIGN_OR_RETURN(text, ParseString("a file path string", "after FILE"));
      ENGRAM_RETURN_IF_ERROR(ExpectEnd("", "after the file path"));
    } else {
      if (!AtString()) return Fail("a text string or FILE", "after " + keyword);
      // The one literal allowed to be larger than a statement.
      exempt_bytes_ =
          current_.string_argument ? arguments_->CurrentArgument().size() : current_.length;
      ENGRAM_ASSIGN_OR_RETURN(text, ParseString("a " + keyword + " text", "after " + keyword));
      ENGRAM_RETURN_IF_ERROR(ExpectEnd("", "after the " + keyword + " text"));
    }
    if (context_kind) {
      return StatementBody(WriteContextStatement{std::move(memory), std::move(text), from_file});
    }
    return StatementBody(WritePrefixStatement{std::move(memory), std::move(text), from_file});
  }

  return Fail("a fact string, EDIT, CONTEXT or PREFIX", "after the memory name");
}

Result<StatementBody> StatementParser::ParseRead() {
  ENGRAM_RETURN_IF_ERROR(Advance());
  ENGRAM_ASSIGN_OR_RETURN(Name memory, ParseName("a memory name", "after READ"));
  // READ m, m2, … 'q': several memories read together (facts only).
  std::vector<Name> more;
  while (At(TokenKind::kComma)) {
    ENGRAM_RETURN_IF_ERROR(Advance());
    if (more.size() + 1 >= kMaxUsingMemories && AtName()) {
      return ErrorHere(ErrorCode::kLimit,
                       "more than " + std::to_string(kMaxUsingMemories) + " memories in one READ");
    }
    ENGRAM_ASSIGN_OR_RETURN(Name name, ParseName("a memory name", "after ','"));
    bool twice = name.value == memory.value;
    for (const Name& other : more) twice = twice || other.value == name.value;
    if (twice) {
      return Status::Error(ErrorCode::kSyntax, "memory '" + name.value + "' is named twice in READ",
                           static_cast<std::int64_t>(name.position));
    }
    more.push_back(std::move(name));
  }
  if (!more.empty() && !AtString()) {
    if (At(Keyword::kEdits) || At(Keyword::kContext)) {
      return ErrorHere(ErrorCode::kSyntax,
                       "READ … " + std::string(KeywordSpelling(current_.keyword)) +
                           " reads one memory; several memories are read for facts only");
    }
    return Fail("a query string or ','", "after the memory name");
  }
  enum class Target { kFacts, kEdits, kContext } target = Target::kFacts;
  if (At(Keyword::kEdits) || At(Keyword::kContext)) {
    target = At(Keyword::kEdits) ? Target::kEdits : Target::kContext;
    const std::string context = "after " + std::string(KeywordSpelling(current_.keyword));
    ENGRAM_RETURN_IF_ERROR(Advance());
    if (!AtString()) return Fail("a query string", context);
  } else if (!AtString()) {
    return Fail("a query string, EDITS, CONTEXT or ','", "after the memory name");
  }
  ENGRAM_ASSIGN_OR_RETURN(Text query, ParseString("a query string", ""));
  std::optional<Count> top;
  if (At(Keyword::kTop)) {
    ENGRAM_RETURN_IF_ERROR(Advance());
    ENGRAM_ASSIGN_OR_RETURN(top, ParseBoundedCount("TOP", kMaxTop, ""));
    ENGRAM_RETURN_IF_ERROR(ExpectEnd("", "after the TOP count"));
  } else {
    ENGRAM_RETURN_IF_ERROR(ExpectEnd("TOP", "after the query string"));
  }
  switch (target) {
    case Target::kFacts:
      return StatementBody(
          ReadFactsStatement{std::move(memory), std::move(query), top, std::move(more)});
    case Target::kEdits:
      return StatementBody(ReadEditsStatement{std::move(memory), std::move(query), top});
    case Target::kContext:
      break;
  }
  return StatementBody(ReadContextStatement{std::move(memory), std::move(query), top});
}

Result<StatementBody> StatementParser::ParseForget() {
  ENGRAM_RETURN_IF_ERROR(Advance());
  ENGRAM_ASSIGN_OR_RETURN(Name memory, ParseName("a memory name", "after FORGET"));
  StatementBody body;
  std::string_view context;  // what the PURGE-or-end check follows
  if (AtString()) {
    ENGRAM_ASSIGN_OR_RETURN(Text fact, ParseString("a fact string", ""));
    body = ForgetFactStatement{std::move(memory), std::move(fact), {}};
    context = "after the fact string";
  } else if (At(Keyword::kId)) {
    ENGRAM_RETURN_IF_ERROR(Advance());
    ENGRAM_ASSIGN_OR_RETURN(Count id, ParseInteger("after ID"));
    body = ForgetFactIdStatement{std::move(memory), id, {}};
    context = "after the id";
  } else if (At(Keyword::kEdit) || At(Keyword::kPrefix)) {
    const bool edit = At(Keyword::kEdit);
    ENGRAM_RETURN_IF_ERROR(Advance());
    ENGRAM_RETURN_IF_ERROR(ExpectKeyword(Keyword::kId, edit ? "after EDIT" : "after PREFIX"));
    ENGRAM_ASSIGN_OR_RETURN(Count id, ParseInteger("after ID"));
    if (edit) {
      body = ForgetEditStatement{std::move(memory), id, {}};
    } else {
      body = ForgetPrefixStatement{std::move(memory), id, {}};
    }
    context = "after the id";
  } else if (At(Keyword::kContext)) {
    ENGRAM_RETURN_IF_ERROR(Advance());
    if (At(Keyword::kId)) {
      ENGRAM_RETURN_IF_ERROR(Advance());
      ENGRAM_ASSIGN_OR_RETURN(Count id, ParseInteger("after ID"));
      body = ForgetContextStatement{std::move(memory), id, {}};
      context = "after the id";
    } else if (At(Keyword::kSource)) {
      ENGRAM_RETURN_IF_ERROR(Advance());
      ENGRAM_ASSIGN_OR_RETURN(Text path, ParseString("a file path string", "after SOURCE"));
      body = ForgetContextSourceStatement{std::move(memory), std::move(path), {}};
      context = "after the file path";
    } else {
      return Fail("ID or SOURCE", "after CONTEXT");
    }
  } else {
    return Fail("a fact string, ID, EDIT, CONTEXT or PREFIX", "after the memory name");
  }
  ENGRAM_ASSIGN_OR_RETURN(Located<bool> purge, ParseOptionalPurge());
  ENGRAM_RETURN_IF_ERROR(purge.value ? ExpectEnd("", "after PURGE") : ExpectEnd("PURGE", context));
  // Every FORGET form has a `purge` member.
  std::visit(
      [&](auto& s) {
        if constexpr (requires { s.purge; }) s.purge = purge;
      },
      body);
  return body;
}

Result<StatementBody> StatementParser::ParseGenerate() {
  ENGRAM_RETURN_IF_ERROR(Advance());
  GenerateStatement s;
  ENGRAM_ASSIGN_OR_RETURN(s.prompt, ParseString("a prompt string", "after GENERATE"));
  bool seen_using = false;
  bool seen_after = false;
  std::string context = "after the prompt string";
  while (!AtEnd()) {
    const Keyword clause = At(TokenKind::kWord) ? current_.keyword : Keyword::kNone;
    const std::string_view spelling = KeywordSpelling(clause);
    auto twice = [&] {
      return ErrorHere(ErrorCode::kSyntax, std::string(spelling) + " is given twice in GENERATE");
    };
    switch (clause) {
      case Keyword::kUsing: {
        if (seen_using) return twice();
        seen_using = true;
        ENGRAM_RETURN_IF_ERROR(Advance());
        std::string_view name_context = "after USING";
        while (true) {
          if (s.memories.size() >= kMaxUsingMemories && AtName()) {
            return ErrorHere(ErrorCode::kLimit, "more than " + std::to_string(kMaxUsingMemories) +
                                                    " memories in USING");
          }
          ENGRAM_ASSIGN_OR_RETURN(Name name, ParseName("a memory name", name_context));
          for (const Name& other : s.memories) {
            if (other.value == name.value) {
              return Status::Error(ErrorCode::kSyntax,
                                   "memory '" + name.value + "' is named twice in USING",
                                   static_cast<std::int64_t>(name.position));
            }
          }
          s.memories.push_back(std::move(name));
          if (!At(TokenKind::kComma)) break;
          ENGRAM_RETURN_IF_ERROR(Advance());
          name_context = "after ','";
        }
        break;
      }
      case Keyword::kAfter: {
        if (seen_after) return twice();
        seen_after = true;
        ENGRAM_RETURN_IF_ERROR(Advance());
        ENGRAM_RETURN_IF_ERROR(ExpectKeyword(Keyword::kPrefix, "after AFTER"));
        ENGRAM_ASSIGN_OR_RETURN(s.prefix_memory, ParseName("a memory name", "after AFTER PREFIX"));
        if (At(Keyword::kId)) {
          ENGRAM_RETURN_IF_ERROR(Advance());
          ENGRAM_ASSIGN_OR_RETURN(s.prefix_id, ParseInteger("after ID"));
        }
        break;
      }
      case Keyword::kMax: {
        if (s.max_tokens) return twice();
        ENGRAM_RETURN_IF_ERROR(Advance());
        ENGRAM_ASSIGN_OR_RETURN(s.max_tokens,
                                ParseBoundedCount("MAX", kMaxGenerateTokens, "tokens"));
        break;
      }
      case Keyword::kTemperature: {
        if (s.temperature) return twice();
        ENGRAM_RETURN_IF_ERROR(Advance());
        if ((At(TokenKind::kInteger) && current_.integer > kMaxTemperature) ||
            (At(TokenKind::kDecimal) && current_.decimal > kMaxTemperature)) {
          return ErrorHere(ErrorCode::kSyntax, "TEMPERATURE must be between 0 and 10, found " +
                                                   DescribeToken(current_, text_));
        }
        ENGRAM_ASSIGN_OR_RETURN(s.temperature, ParseNumber("after TEMPERATURE"));
        break;
      }
      case Keyword::kTopP: {
        if (s.top_p) return twice();
        ENGRAM_RETURN_IF_ERROR(Advance());
        const double p = At(TokenKind::kInteger)   ? static_cast<double>(current_.integer)
                         : At(TokenKind::kDecimal) ? current_.decimal
                                                   : 0.5;  // not a number: ParseNumber says so
        if (!(p > 0 && p <= 1)) {
          return ErrorHere(ErrorCode::kSyntax,
                           "TOP_P must be greater than 0 and at most 1, found " +
                               DescribeToken(current_, text_));
        }
        ENGRAM_ASSIGN_OR_RETURN(s.top_p, ParseNumber("after TOP_P"));
        break;
      }
      case Keyword::kSeed: {
        if (s.seed) return twice();
        ENGRAM_RETURN_IF_ERROR(Advance());
        ENGRAM_ASSIGN_OR_RETURN(s.seed, ParseInteger("after SEED"));
        break;
      }
      default: {
        // Name only the clauses that may still come.
        std::string expected;
        if (context == "after the USING clause") expected += "',', ";
        if (!seen_using) expected += "USING, ";
        if (!seen_after) expected += "AFTER, ";
        if (!s.max_tokens) expected += "MAX, ";
        if (!s.temperature) expected += "TEMPERATURE, ";
        if (!s.top_p) expected += "TOP_P, ";
        if (!s.seed) expected += "SEED, ";
        if (!expected.empty()) expected.resize(expected.size() - 2);  // the last ", "
        return ExpectEnd(expected, context);
      }
    }
    context = "after the " + std::string(spelling) + " clause";
  }
  return StatementBody(std::move(s));
}

}  // namespace engram::query
