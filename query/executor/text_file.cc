#include "query/executor/text_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "query/executor/statement_helpers.h"
#include "query/language/lexer.h"

namespace engram::query::internal {

std::string NormalPath(const std::string& path) {
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(path, error);
  if (error) absolute = path;
  return absolute.lexically_normal().string();
}

Result<std::pair<std::string, std::string>> ReadTextFile(const Text& path) {
  const std::string normal = NormalPath(path.value);
  std::error_code error;
  const auto status = std::filesystem::status(normal, error);
  if (error || !std::filesystem::exists(status)) {
    return Status::Error(ErrorCode::kNotFound, "no file '" + normal + "'", Pos(path.position));
  }
  if (!std::filesystem::is_regular_file(status)) {
    return Status::Error(ErrorCode::kNotFound, "'" + normal + "' is not a regular file",
                         Pos(path.position));
  }
  const std::uintmax_t size = std::filesystem::file_size(normal, error);
  if (!error && size > kMaxTextFileBytes) {
    return Status::Error(ErrorCode::kLimit,
                         "'" + normal + "' is " + std::to_string(size) +
                             " bytes; a context file may have at most " +
                             std::to_string(kMaxTextFileBytes),
                         Pos(path.position));
  }
  std::ifstream in(normal, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return Status::Error(ErrorCode::kNotFound, "'" + normal + "' cannot be read",
                         Pos(path.position));
  }
  std::string text = std::move(content).str();
  if (text.find('\0') != std::string::npos || InvalidUtf8Offset(text) != text.size()) {
    return Status::Error(ErrorCode::kSyntax,
                         "'" + normal + "' is not text (UTF-8 without NUL bytes)",
                         Pos(path.position));
  }
  return std::make_pair(std::move(text), normal);
}

Result<std::pair<std::string, std::string>> StatementText(bool from_file, const Text& text,
                                                          std::string_view what) {
  std::pair<std::string, std::string> content;
  if (from_file) {
    ENGRAM_ASSIGN_OR_RETURN(content, ReadTextFile(text));
  } else {
    content.first = text.value;
  }
  if (content.first.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::Error(ErrorCode::kSyntax, "the " + std::string(what) + " has no text",
                         Pos(text.position));
  }
  return content;
}

}  // namespace engram::query::internal
