// UserTable: who may use engramd and which tenant each user's session belongs to.
//
// The users file (--users FILE, docs/server.md "Authentication") has one user per line:
//
//   # name      password        tenant
//   alice       correct-horse   team_a
//   bob         battery-staple  team_b
//
// Fields are separated by blanks (so none may contain one); blank lines and lines starting with
// '#' are skipped. Names are unique; a tenant follows the rule of memory names (1-64 bytes of
// [A-Za-z0-9_], starting with a letter or '_'); several users may share a tenant.
// --requirepass P adds the user "default" with password P and the tenant "default" (what
// `AUTH P` with one argument logs in as).
//
// Thread-safety: immutable after loading; Authenticate may be called from any thread.
#ifndef ENGRAM_SERVER_USERS_H_
#define ENGRAM_SERVER_USERS_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "engram/status.h"

namespace engram::server {

class UserTable {
 public:
  // Parses a users file's text. Errors: SYNTAX naming the line (not three fields, a duplicate
  // user, a malformed tenant name).
  static Result<UserTable> Parse(std::string_view text);
  // Reads and parses `path`. Errors: NOTFOUND (cannot be read), those of Parse.
  static Result<UserTable> Load(const std::string& path);

  // Adds (or replaces) a user. Errors: SYNTAX for a malformed tenant or a blank in a field.
  Status Add(std::string name, std::string password, std::string tenant);

  // The tenant of `name` when `password` is its password, else nullopt. The password
  // comparison takes the same time wherever the first difference is.
  std::optional<std::string> Authenticate(std::string_view name, std::string_view password) const;

  bool empty() const { return users_.empty(); }
  std::size_t size() const { return users_.size(); }

 private:
  struct User {
    std::string password;
    std::string tenant;
  };
  std::map<std::string, User, std::less<>> users_;
};

// True for a valid tenant name (the rule of memory names).
bool IsValidTenantName(std::string_view name);

}  // namespace engram::server

#endif  // ENGRAM_SERVER_USERS_H_
