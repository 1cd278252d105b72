// engramd's commands (docs/server.md, "Commands"): the connection-level ones, answered on the
// loop (PING, ECHO, HELLO, AUTH, QUIT, INFO, CLIENT, COMMAND), and the statements: every
// statement of the query language as a command whose arguments are its tokens
// (query::ParseArguments decides from the grammar which arguments are string literals), and
// QUERY "<statement text>". Statements run on a worker in the connection's Session.
//
// Thread-safety: loop thread (the statement jobs run on workers and report through
// Server::Post).
#ifndef ENGRAM_SERVER_COMMANDS_H_
#define ENGRAM_SERVER_COMMANDS_H_

#include <string>
#include <vector>

#include "server/connection.h"

namespace engram::server {

// Runs one command of `connection` (`args` is never empty): its reply is appended to
// connection.out, or a statement is started (taking `args`, which is left empty) and the
// connection is marked busy.
void RunCommand(Connection& connection, std::vector<std::string>& args);

}  // namespace engram::server

#endif  // ENGRAM_SERVER_COMMANDS_H_
