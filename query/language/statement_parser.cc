#include "query/language/statement_parser.h"

#include <cstdint>
#include <limits>
#include <utility>

#include "query/language/limits.h"

namespace engram::query {

Result<std::optional<Statement>> StatementParser::Parse() {
  Result<std::optional<Statement>> result = ParseOne();
  if (!result.ok()) error_start_ = lexer_failed_ ? lexer_.error_start() : current_.position;
  return result;
}

Result<std::optional<Statement>> StatementParser::ParseOne() {
  ENGRAM_RETURN_IF_ERROR(Advance());
  while (At(TokenKind::kSemicolon)) ENGRAM_RETURN_IF_ERROR(Advance());
  if (At(TokenKind::kEnd)) {
    offset_ = text_.size();
    return std::optional<Statement>();
  }
  statement_begin_ = current_.position;
  ENGRAM_ASSIGN_OR_RETURN(StatementBody body, ParseBody());
  // Every statement form ends with ExpectEnd: the current token is ';' or the end.
  Statement statement{std::move(body), *statement_begin_, last_end_};
  offset_ = At(TokenKind::kSemicolon) ? current_.end() : text_.size();
  return std::optional<Statement>(std::move(statement));
}

Status StatementParser::Advance() {
  const std::size_t consumed = current_.position;
  last_end_ = current_.end();
  Result<Token> next = arguments_ != nullptr ? arguments_->Next() : lexer_.Next();
  if (!next.ok()) {
    lexer_failed_ = true;
    return next.status();
  }
  current_ = std::move(next).value();
  // Checked as tokens are consumed, so a runaway statement (a list of facts without end) is
  // refused as soon as it passes the limit, at the token that passed it.
  if (statement_begin_ && last_end_ - *statement_begin_ > kMaxStatementBytes + exempt_bytes_) {
    return Status::Error(ErrorCode::kLimit,
                         "statement is longer than " + std::to_string(kMaxStatementBytes) +
                             " bytes (not counting a CONTEXT or PREFIX text)",
                         static_cast<std::int64_t>(consumed));
  }
  return Status::Ok();
}

bool StatementParser::AtName() const {
  return (At(TokenKind::kWord) && current_.keyword == Keyword::kNone) || At(TokenKind::kQuotedName);
}

Status StatementParser::Fail(std::string_view expected, std::string_view context) const {
  std::string message = "expected ";
  message += expected;
  if (!context.empty()) {
    message += ' ';
    message += context;
  }
  message += ", found ";
  message += DescribeToken(current_, text_);
  return ErrorHere(ErrorCode::kSyntax, std::move(message));
}

Status StatementParser::ErrorHere(ErrorCode code, std::string message) const {
  return Status::Error(code, std::move(message), static_cast<std::int64_t>(current_.position));
}

Result<Name> StatementParser::ParseName(std::string_view expected, std::string_view context) {
  if (!AtName()) {
    if (At(TokenKind::kWord)) {
      // A keyword where a name belongs: say how to use it as one.
      return ErrorHere(ErrorCode::kSyntax, "expected " + std::string(expected) + " " +
                                               std::string(context) + ", found keyword '" +
                                               current_.text + "' (write \"" + current_.text +
                                               "\" to use it as a name)");
    }
    return Fail(expected, context);
  }
  Name name{std::move(current_.text), current_.position};
  ENGRAM_RETURN_IF_ERROR(Advance());
  return name;
}

Result<Text> StatementParser::ParseString(std::string_view expected, std::string_view context) {
  if (!AtString()) return Fail(expected, context);
  if (current_.string_argument) {
    // The whole argument, verbatim, with the checks the lexer makes on a string literal.
    const std::string_view argument = arguments_->CurrentArgument();
    if (argument.size() > kMaxContextTextBytes) {
      return ErrorHere(ErrorCode::kLimit, "string argument is longer than " +
                                              std::to_string(kMaxContextTextBytes) + " bytes");
    }
    const std::size_t bad = InvalidUtf8Offset(argument);
    if (bad != argument.size()) {
      return Status::Error(ErrorCode::kSyntax, "invalid UTF-8 in string argument",
                           static_cast<std::int64_t>(arguments_->CurrentArgumentBegin() + bad));
    }
    const std::size_t begin = arguments_->CurrentArgumentBegin();
    Text text{std::string(argument), begin};
    arguments_->SkipRestOfArgument();
    // The statement's source range covers all of it, leading blanks included.
    current_.position = begin;
    current_.length = argument.size();
    ENGRAM_RETURN_IF_ERROR(Advance());
    return text;
  }
  Text text{std::move(current_.text), current_.position};
  ENGRAM_RETURN_IF_ERROR(Advance());
  return text;
}

Result<Count> StatementParser::ParseInteger(std::string_view context) {
  if (!At(TokenKind::kInteger)) return Fail("an integer", context);
  Count count{current_.integer, current_.position};
  ENGRAM_RETURN_IF_ERROR(Advance());
  return count;
}

Result<Count> StatementParser::ParseBoundedCount(std::string_view clause, std::uint64_t max,
                                                 std::string_view unit) {
  if (!At(TokenKind::kInteger)) return Fail("an integer", "after " + std::string(clause));
  const std::uint64_t value = current_.integer;
  if (value == 0) {
    return ErrorHere(ErrorCode::kSyntax, std::string(clause) + " must be at least 1, found 0");
  }
  if (value > max) {
    std::string message = std::string(clause) + " " + std::to_string(value) +
                          " is over the limit of " + std::to_string(max);
    if (!unit.empty()) {
      message += ' ';
      message += unit;
    }
    return ErrorHere(ErrorCode::kLimit, std::move(message));
  }
  return ParseInteger("");
}

Result<Located<double>> StatementParser::ParseNumber(std::string_view context) {
  Located<double> number{0, current_.position};
  if (At(TokenKind::kInteger)) {
    number.value = static_cast<double>(current_.integer);
  } else if (At(TokenKind::kDecimal)) {
    number.value = current_.decimal;
  } else {
    return Fail("a number", context);
  }
  ENGRAM_RETURN_IF_ERROR(Advance());
  return number;
}

Status StatementParser::ExpectKeyword(Keyword keyword, std::string_view context) {
  if (!At(keyword)) return Fail(KeywordSpelling(keyword), context);
  return Advance();
}

Result<Located<bool>> StatementParser::ParseOptionalPurge() {
  if (!At(Keyword::kPurge)) return Located<bool>{false, 0};
  Located<bool> purge{true, current_.position};
  ENGRAM_RETURN_IF_ERROR(Advance());
  return purge;
}

Status StatementParser::ExpectEnd(std::string_view alternatives, std::string_view context) const {
  if (AtEnd()) return Status::Ok();
  if (alternatives.empty()) return Fail("';'", context);
  return Fail(std::string(alternatives) + " or ';'", context);
}

Result<StatementBody> StatementParser::ParseBody() {
  switch (At(TokenKind::kWord) ? current_.keyword : Keyword::kNone) {
    case Keyword::kCreate:
      return ParseCreate();
    case Keyword::kDrop:
      return ParseDrop();
    case Keyword::kWrite:
      return ParseWrite();
    case Keyword::kRead:
      return ParseRead();
    case Keyword::kForget:
      return ParseForget();
    case Keyword::kGenerate:
      return ParseGenerate();
    case Keyword::kSnapshot:
      return ParseSnapshot();
    case Keyword::kRollback:
      return ParseRollback();
    case Keyword::kHistory:
      return ParseHistory();
    case Keyword::kDiff:
      return ParseDiff();
    case Keyword::kShow:
      return ParseShow();
    case Keyword::kBegin:
      return ParseTransaction(BeginStatement{});
    case Keyword::kCommit:
      return ParseTransaction(CommitStatement{});
    case Keyword::kAbort:
      return ParseTransaction(AbortStatement{});
    default:
      return Fail(
          "a statement (CREATE, DROP, WRITE, READ, FORGET, GENERATE, SNAPSHOT, ROLLBACK, "
          "HISTORY, DIFF, SHOW, BEGIN, COMMIT or ABORT)",
          "");
  }
}

Result<StatementBody> StatementParser::ParseCreate() {
  ENGRAM_RETURN_IF_ERROR(Advance());
  ENGRAM_RETURN_IF_ERROR(ExpectKeyword(Keyword::kMemory, "after CREATE"));
  CreateMemoryStatement s;
  ENGRAM_ASSIGN_OR_RETURN(s.memory, ParseName("a memory name", "after CREATE MEMORY"));
  if (!At(Keyword::kWith)) {
    ENGRAM_RETURN_IF_ERROR(ExpectEnd("WITH", "after the memory name"));
    return StatementBody(std::move(s));
  }
  ENGRAM_RETURN_IF_ERROR(Advance());
  if (!At(TokenKind::kLeftParen)) return Fail("'('", "after WITH");
  ENGRAM_RETURN_IF_ERROR(Advance());
  std::string_view context = "after '('";
  while (true) {
    ENGRAM_ASSIGN_OR_RETURN(Option option, ParseOption(context, s.options));
    std::string key = option.key.value;
    s.options.push_back(std::move(option));
    if (At(TokenKind::kRightParen)) {
      ENGRAM_RETURN_IF_ERROR(Advance());
      break;
    }
    if (!At(TokenKind::kComma)) {
      return Fail("',' or ')'", "after the value of option '" + key + "'");
    }
    ENGRAM_RETURN_IF_ERROR(Advance());
    context = "after ','";
  }
  ENGRAM_RETURN_IF_ERROR(ExpectEnd("", "after the options"));
  return StatementBody(std::move(s));
}

Result<Option> StatementParser::ParseOption(std::string_view context,
                                            const std::vector<Option>& existing) {
  // Option keys are not names of stored things, so keywords are fine here (WITH (max = 3)).
  if (!At(TokenKind::kWord) && !At(TokenKind::kQuotedName)) return Fail("an option name", context);
  Option option;
  option.key.position = current_.position;
  for (char c : current_.text) {
    option.key.value.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  const std::string& key = option.key.value;
  for (const Option& other : existing) {
    if (other.key.value == key) {
      return ErrorHere(ErrorCode::kSyntax, "option '" + key + "' is given twice");
    }
  }
  if (existing.size() >= kMaxOptions) {
    return ErrorHere(ErrorCode::kLimit,
                     "more than " + std::to_string(kMaxOptions) + " options in CREATE MEMORY");
  }
  ENGRAM_RETURN_IF_ERROR(Advance());
  if (!At(TokenKind::kEquals)) return Fail("'='", "after option name '" + key + "'");
  ENGRAM_RETURN_IF_ERROR(Advance());

  option.value.position = current_.position;
  const std::string value_context = "as the value of option '" + key + "'";
  bool negative = false;
  if (At(TokenKind::kMinus)) {
    negative = true;
    ENGRAM_RETURN_IF_ERROR(Advance());
    if (!At(TokenKind::kInteger) && !At(TokenKind::kDecimal)) return Fail("a number", "after '-'");
  }
  constexpr std::uint64_t kMaxInt = std::numeric_limits<std::int64_t>::max();
  if (At(TokenKind::kInteger)) {
    const std::uint64_t magnitude = current_.integer;
    if (magnitude > kMaxInt + (negative ? 1 : 0)) {
      return Status::Error(ErrorCode::kSyntax,
                           "option value is out of range (integers in options are between "
                           "-9223372036854775808 and 9223372036854775807)",
                           static_cast<std::int64_t>(option.value.position));
    }
    // -2^63 has no positive counterpart: negate in unsigned arithmetic.
    option.value.value =
        negative ? static_cast<std::int64_t>(~magnitude + 1) : static_cast<std::int64_t>(magnitude);
  } else if (At(TokenKind::kDecimal)) {
    option.value.value = negative ? -current_.decimal : current_.decimal;
  } else if (At(TokenKind::kString)) {
    // A lexed string literal, also from a command argument: an option value is not a position
    // where a whole argument is taken verbatim (ParseString would), so `'x')` stays 'x' then ')'.
    option.value.value = std::move(current_.text);
    ENGRAM_RETURN_IF_ERROR(Advance());
    return option;
  } else if (At(Keyword::kTrue) || At(Keyword::kFalse)) {
    option.value.value = At(Keyword::kTrue);
  } else {
    return Fail("a number, string, TRUE or FALSE", value_context);
  }
  ENGRAM_RETURN_IF_ERROR(Advance());
  return option;
}

Result<StatementBody> StatementParser::ParseDrop() {
  ENGRAM_RETURN_IF_ERROR(Advance());
  ENGRAM_RETURN_IF_ERROR(ExpectKeyword(Keyword::kMemory, "after DROP"));
  DropMemoryStatement s;
  ENGRAM_ASSIGN_OR_RETURN(s.memory, ParseName("a memory name", "after DROP MEMORY"));
  ENGRAM_ASSIGN_OR_RETURN(s.purge, ParseOptionalPurge());
  ENGRAM_RETURN_IF_ERROR(s.purge.value ? ExpectEnd("", "after PURGE")
                                       : ExpectEnd("PURGE", "after the memory name"));
  return StatementBody(std::move(s));
}

Result<StatementBody> StatementParser::ParseShow() {
  ENGRAM_RETURN_IF_ERROR(Advance());
  if (At(Keyword::kMemories)) {
    ENGRAM_RETURN_IF_ERROR(Advance());
    ENGRAM_RETURN_IF_ERROR(ExpectEnd("", "after SHOW MEMORIES"));
    return StatementBody(ShowMemoriesStatement{});
  }
  if (At(Keyword::kStats)) {
    ENGRAM_RETURN_IF_ERROR(Advance());
    ENGRAM_RETURN_IF_ERROR(ExpectEnd("", "after SHOW STATS"));
    return StatementBody(ShowStatsStatement{});
  }
  if (!At(Keyword::kSnapshots)) return Fail("MEMORIES, SNAPSHOTS or STATS", "after SHOW");
  ENGRAM_RETURN_IF_ERROR(Advance());
  ShowSnapshotsStatement s;
  if (At(TokenKind::kWord) || At(TokenKind::kQuotedName)) {
    ENGRAM_ASSIGN_OR_RETURN(s.memory, ParseName("a memory name", "after SHOW SNAPSHOTS"));
    ENGRAM_RETURN_IF_ERROR(ExpectEnd("", "after the memory name"));
  } else {
    ENGRAM_RETURN_IF_ERROR(ExpectEnd("a memory name", "after SHOW SNAPSHOTS"));
  }
  return StatementBody(std::move(s));
}

Result<StatementBody> StatementParser::ParseTransaction(StatementBody body) {
  const std::string keyword(KeywordSpelling(current_.keyword));
  ENGRAM_RETURN_IF_ERROR(Advance());
  if (At(Keyword::kTransaction)) {
    ENGRAM_RETURN_IF_ERROR(Advance());
    ENGRAM_RETURN_IF_ERROR(ExpectEnd("", "after " + keyword + " TRANSACTION"));
  } else {
    ENGRAM_RETURN_IF_ERROR(ExpectEnd("TRANSACTION", "after " + keyword));
  }
  return body;
}

}  // namespace engram::query
