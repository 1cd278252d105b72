// The statements that work on a memory's history: SNAPSHOT, ROLLBACK, HISTORY, DIFF.
#include <string>
#include <utility>

#include "query/language/limits.h"
#include "query/language/statement_parser.h"

namespace engram::query {

Result<StatementBody> StatementParser::ParseSnapshot() {
  ENGRAM_RETURN_IF_ERROR(Advance());
  SnapshotStatement s;
  if (!At(Keyword::kAs)) {
    ENGRAM_ASSIGN_OR_RETURN(s.memory, ParseName("a memory name or AS", "after SNAPSHOT"));
    ENGRAM_RETURN_IF_ERROR(ExpectKeyword(Keyword::kAs, "after the memory name"));
  } else {
    ENGRAM_RETURN_IF_ERROR(Advance());
  }
  ENGRAM_ASSIGN_OR_RETURN(s.name, ParseName("a snapshot name", "after AS"));
  ENGRAM_RETURN_IF_ERROR(ExpectEnd("", "after the snapshot name"));
  return StatementBody(std::move(s));
}

Result<StatementBody> StatementParser::ParseRollback() {
  ENGRAM_RETURN_IF_ERROR(Advance());
  if (At(Keyword::kTransaction)) {  // the SQL spelling of ABORT
    ENGRAM_RETURN_IF_ERROR(Advance());
    ENGRAM_RETURN_IF_ERROR(ExpectEnd("", "after ROLLBACK TRANSACTION"));
    return StatementBody(AbortStatement{});
  }
  RollbackStatement s;
  if (!At(Keyword::kTo)) {
    ENGRAM_ASSIGN_OR_RETURN(s.memory,
                            ParseName("a memory name, TO or TRANSACTION", "after ROLLBACK"));
    ENGRAM_RETURN_IF_ERROR(ExpectKeyword(Keyword::kTo, "after the memory name"));
  } else {
    ENGRAM_RETURN_IF_ERROR(Advance());
  }
  ENGRAM_ASSIGN_OR_RETURN(s.target, ParseVersionRef("a snapshot name or VERSION", "after TO",
                                                    /*allow_head=*/false));
  ENGRAM_RETURN_IF_ERROR(ExpectEnd("", s.target.kind == VersionRef::Kind::kVersion
                                           ? "after the version"
                                           : "after the snapshot name"));
  return StatementBody(std::move(s));
}

Result<StatementBody> StatementParser::ParseHistory() {
  ENGRAM_RETURN_IF_ERROR(Advance());
  HistoryStatement s;
  ENGRAM_ASSIGN_OR_RETURN(s.memory, ParseName("a memory name", "after HISTORY"));
  if (At(Keyword::kLimit)) {
    ENGRAM_RETURN_IF_ERROR(Advance());
    ENGRAM_ASSIGN_OR_RETURN(s.limit, ParseBoundedCount("LIMIT", kMaxHistoryLimit, "entries"));
    ENGRAM_RETURN_IF_ERROR(ExpectEnd("", "after the LIMIT count"));
  } else {
    ENGRAM_RETURN_IF_ERROR(ExpectEnd("LIMIT", "after the memory name"));
  }
  return StatementBody(std::move(s));
}

Result<StatementBody> StatementParser::ParseDiff() {
  ENGRAM_RETURN_IF_ERROR(Advance());
  DiffStatement s;
  ENGRAM_ASSIGN_OR_RETURN(s.memory, ParseName("a memory name", "after DIFF"));
  constexpr std::string_view kExpected = "a snapshot name, VERSION or HEAD";
  ENGRAM_ASSIGN_OR_RETURN(s.from, ParseVersionRef(kExpected, "after the memory name", true));
  ENGRAM_ASSIGN_OR_RETURN(s.to, ParseVersionRef(kExpected, "after the first version", true));
  ENGRAM_RETURN_IF_ERROR(ExpectEnd("", "after the second version"));
  return StatementBody(std::move(s));
}

Result<VersionRef> StatementParser::ParseVersionRef(std::string_view expected,
                                                    std::string_view context, bool allow_head) {
  VersionRef ref;
  ref.position = current_.position;
  if (At(Keyword::kVersion)) {
    ENGRAM_RETURN_IF_ERROR(Advance());
    ENGRAM_ASSIGN_OR_RETURN(Count version, ParseInteger("after VERSION"));
    ref.kind = VersionRef::Kind::kVersion;
    ref.version = version.value;
    return ref;
  }
  if (allow_head && At(Keyword::kHead)) {
    ENGRAM_RETURN_IF_ERROR(Advance());
    ref.kind = VersionRef::Kind::kHead;
    return ref;
  }
  ENGRAM_ASSIGN_OR_RETURN(Name name, ParseName(expected, context));
  ref.kind = VersionRef::Kind::kSnapshot;
  ref.snapshot = std::move(name.value);
  return ref;
}

}  // namespace engram::query
