#include "query/language/ast.h"

#include <type_traits>

namespace engram::query {

std::string_view StatementKindName(const StatementBody& body) {
  return std::visit(
      [](const auto& s) -> std::string_view {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, CreateMemoryStatement>) return "CREATE MEMORY";
        if constexpr (std::is_same_v<T, DropMemoryStatement>) return "DROP MEMORY";
        if constexpr (std::is_same_v<T, WriteFactsStatement>) return "WRITE";
        if constexpr (std::is_same_v<T, WriteEditStatement>) return "WRITE EDIT";
        if constexpr (std::is_same_v<T, WriteContextStatement>) return "WRITE CONTEXT";
        if constexpr (std::is_same_v<T, WritePrefixStatement>) return "WRITE PREFIX";
        if constexpr (std::is_same_v<T, ReadFactsStatement>) return "READ";
        if constexpr (std::is_same_v<T, ReadEditsStatement>) return "READ EDITS";
        if constexpr (std::is_same_v<T, ReadContextStatement>) return "READ CONTEXT";
        if constexpr (std::is_same_v<T, ForgetFactStatement>) return "FORGET";
        if constexpr (std::is_same_v<T, ForgetFactIdStatement>) return "FORGET ID";
        if constexpr (std::is_same_v<T, ForgetEditStatement>) return "FORGET EDIT";
        if constexpr (std::is_same_v<T, ForgetContextStatement>) return "FORGET CONTEXT";
        if constexpr (std::is_same_v<T, ForgetContextSourceStatement>) {
          return "FORGET CONTEXT SOURCE";
        }
        if constexpr (std::is_same_v<T, ForgetPrefixStatement>) return "FORGET PREFIX";
        if constexpr (std::is_same_v<T, GenerateStatement>) return "GENERATE";
        if constexpr (std::is_same_v<T, SnapshotStatement>) return "SNAPSHOT";
        if constexpr (std::is_same_v<T, RollbackStatement>) return "ROLLBACK";
        if constexpr (std::is_same_v<T, HistoryStatement>) return "HISTORY";
        if constexpr (std::is_same_v<T, DiffStatement>) return "DIFF";
        if constexpr (std::is_same_v<T, ShowMemoriesStatement>) return "SHOW MEMORIES";
        if constexpr (std::is_same_v<T, ShowSnapshotsStatement>) return "SHOW SNAPSHOTS";
        if constexpr (std::is_same_v<T, ShowStatsStatement>) return "SHOW STATS";
        if constexpr (std::is_same_v<T, BeginStatement>) return "BEGIN";
        if constexpr (std::is_same_v<T, CommitStatement>) return "COMMIT";
        if constexpr (std::is_same_v<T, AbortStatement>) return "ABORT";
      },
      body);
}

}  // namespace engram::query
