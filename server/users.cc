#include "server/users.h"

#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

namespace engram::server {
namespace {

bool HasBlank(std::string_view text) {
  return text.find_first_of(" \t\r\n") != std::string_view::npos;
}

// Equal iff same length and same bytes, comparing every byte of `b` whatever `a` holds, so the
// time taken does not tell an attacker how much of a guess was right.
bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < b.size(); ++i) {
    const char x = i < a.size() ? a[i] : 0;
    difference |= static_cast<unsigned char>(x ^ b[i]);
  }
  return difference == 0;
}

}  // namespace

bool IsValidTenantName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!letter(name[0])) return false;
  for (char c : name) {
    if (!letter(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

Status UserTable::Add(std::string name, std::string password, std::string tenant) {
  if (name.empty() || HasBlank(name) || HasBlank(password)) {
    return SyntaxError("a user name or password is empty or holds a blank");
  }
  if (!IsValidTenantName(tenant)) {
    return SyntaxError("tenant '" + tenant +
                       "' is not a valid name (1-64 bytes of [A-Za-z0-9_], starting with a "
                       "letter or '_')");
  }
  users_[std::move(name)] = User{std::move(password), std::move(tenant)};
  return Status::Ok();
}

Result<UserTable> UserTable::Parse(std::string_view text) {
  UserTable table;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    std::vector<std::string> fields;
    std::istringstream words{std::string(line)};
    for (std::string word; words >> word;) fields.push_back(word);
    if (fields.empty() || fields[0][0] == '#') continue;
    const std::string where = "users file line " + std::to_string(line_number);
    if (fields.size() != 3) {
      return SyntaxError(where + ": expected 'name password tenant', found " +
                         std::to_string(fields.size()) + " fields");
    }
    if (table.users_.count(fields[0]) != 0) {
      return SyntaxError(where + ": user '" + fields[0] + "' is listed twice");
    }
    Status added = table.Add(fields[0], fields[1], fields[2]);
    if (!added.ok()) return added.WithContext(where);
  }
  return table;
}

Result<UserTable> UserTable::Load(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return NotFoundError("cannot read the users file '" + path + "'");
  std::ostringstream text;
  text << file.rdbuf();
  return Parse(text.str());
}

std::optional<std::string> UserTable::Authenticate(std::string_view name,
                                                   std::string_view password) const {
  auto it = users_.find(name);
  if (it == users_.end()) {
    // Compare anyway, so an unknown name costs the same as a wrong password.
    ConstantTimeEqual(password, password);
    return std::nullopt;
  }
  if (!ConstantTimeEqual(it->second.password, password)) return std::nullopt;
  return it->second.tenant;
}

}  // namespace engram::server
