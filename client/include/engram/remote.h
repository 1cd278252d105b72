// engram/remote.h — a client of engramd, the RESP server (docs/server.md): the same statements
// and results as the embedded engine (engram/database.h), over a socket.
//
//   engram::RemoteOptions options;
//   options.address = "resp://127.0.0.1:7379";   // or "unix:/run/engramd.sock"
//   options.user = "alice"; options.password = "...";
//   auto client = engram::RemoteClient::Connect(options);
//   if (!client.ok()) { ...client.status()... }
//   auto read = (*client)->Query("READ agent 'where does Alice live?' TOP 3");
//   auto same = (*client)->Command({"READ", "agent", "where does Alice live?", "TOP", "3"});
//
// A RemoteClient is one connection, and so one server-side session: the tenant is the one the
// server gives the authenticated user ("default" when the server has no users), and a BEGIN
// stays open on the connection until COMMIT or ABORT. Results are StatementResults built from
// the server's reply map: the fields in the server's order, rows with the columns of the first
// row (a statement that returned no rows has no columns), integers as std::uint64_t when not
// negative (the server's JSON rendering does not tell signed from unsigned), and `statement`
// set from a local parse of what was sent.
//
// Ownership: Connect returns the only owner; destroying it closes the connection (the server
// aborts an open transaction).
// Thread-safety: one thread at a time per RemoteClient; distinct clients are independent.
// Errors are values (engram/status.h); nothing here throws:
//   the server's error replies keep their code (SYNTAX, NOTFOUND, EXISTS, AUTH, CONFLICT,
//   LIMIT, COMPUTE, ...) and message, with the byte position when the server gave one;
//   COMPUTE  the connection could not be made, broke, or timed out (then the client is closed:
//            every later call fails with COMPUTE too);
//   CORRUPT  the server sent bytes that are not RESP;
//   SYNTAX   a malformed address.
#ifndef ENGRAM_REMOTE_H_
#define ENGRAM_REMOTE_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engram/statement_result.h"
#include "engram/status.h"

namespace engram {

struct RemoteOptions {
  // "resp://host:port", "tcp://host:port", "host:port" (IPv4 or a name; "[::1]:port" for IPv6)
  // or "unix:/path".
  std::string address = "resp://127.0.0.1:7379";
  // Credentials (AUTH): none when password is empty; user "default" when only a password is
  // given (engramd --requirepass).
  std::string user;
  std::string password;
  // Connecting and waiting for each reply; zero waits for ever. A GENERATE streaming text
  // resets the wait at every piece.
  std::chrono::milliseconds timeout{60000};
};

class RemoteClient {
 public:
  // Connects, switches to RESP3 (HELLO 3, with AUTH when credentials are set) and learns the
  // session's tenant. Errors: SYNTAX (address), COMPUTE (unreachable), AUTH (refused).
  static Result<std::unique_ptr<RemoteClient>> Connect(const RemoteOptions& options);
  ~RemoteClient();
  RemoteClient(const RemoteClient&) = delete;
  RemoteClient& operator=(const RemoteClient&) = delete;

  // Runs one statement given as text (the QUERY command). `on_text` receives a GENERATE's text
  // as it is produced (the result's "text" is their concatenation); it runs on this thread.
  Result<StatementResult> Query(std::string_view statement,
                                const std::function<void(std::string_view)>& on_text = {});

  // Runs one statement given as its tokens, string literals as plain arguments:
  // {"WRITE", "agent", "Alice lives in Paris."} (query::ParseArguments' rules).
  Result<StatementResult> Command(const std::vector<std::string>& args,
                                  const std::function<void(std::string_view)>& on_text = {});

  // PING. Errors: COMPUTE (the connection is gone).
  Status Ping();

  // The tenant the server runs this connection's statements as.
  const std::string& tenant() const;

 private:
  struct Impl;
  explicit RemoteClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram

#endif  // ENGRAM_REMOTE_H_
