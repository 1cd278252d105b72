// The text a `… FILE 'path'` statement names (docs/query-language.md §5.5): read, checked and
// named by its absolute path. Internal to the executor.
#ifndef ENGRAM_QUERY_EXECUTOR_TEXT_FILE_H_
#define ENGRAM_QUERY_EXECUTOR_TEXT_FILE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "engram/status.h"
#include "query/language/ast.h"

namespace engram::query::internal {

// The most bytes such a text may have (a file or a literal).
inline constexpr std::uintmax_t kMaxTextFileBytes = std::uintmax_t{16} << 20;

// An absolute, lexically normal path (what FORGET … SOURCE matches).
std::string NormalPath(const std::string& path);

// The file's text and its normal path. Errors, at the path's position: NOTFOUND (missing, not a
// regular file, unreadable), LIMIT (over 16 MiB), SYNTAX (not text: a NUL byte or invalid UTF-8).
Result<std::pair<std::string, std::string>> ReadTextFile(const Text& path);

// The text of a `… 'text' | FILE 'path'` statement and its source (the normal path; empty for
// a literal): the file's as ReadTextFile, or the literal. Errors: those of ReadTextFile, and
// SYNTAX at the text when it is only white space ("the <what> has no text").
Result<std::pair<std::string, std::string>> StatementText(bool from_file, const Text& text,
                                                          std::string_view what);

}  // namespace engram::query::internal

#endif  // ENGRAM_QUERY_EXECUTOR_TEXT_FILE_H_
