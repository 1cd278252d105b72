// The job that runs one statement command on a worker thread: parse (the arguments with
// query::ParseArguments, or QUERY's text with query::ParseStatement), refuse what a remote
// client may not do, execute in the connection's Session, and encode the reply (streaming a
// GENERATE's text as RESP3 pushes on the way).
//
// Thread-safety: runs on a worker; touches only its own StatementJob, the SessionSlot (one job
// at a time per slot) and Server::Post.
#ifndef ENGRAM_SERVER_STATEMENT_JOB_H_
#define ENGRAM_SERVER_STATEMENT_JOB_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engram/status.h"
#include "query/language/ast.h"
#include "server/connection.h"

namespace engram::server {

class Server;

struct StatementJob {
  Server* server = nullptr;
  std::uint64_t connection_id = 0;
  std::shared_ptr<SessionSlot> slot;
  int protocol = 2;
  bool is_query = false;          // QUERY "<text>" (args[1]) rather than the statement's tokens
  bool generate = false;          // counted in the server's in-flight GENERATEs
  std::vector<std::string> args;  // the command, name included
};

// Runs the job and posts its reply. Never throws.
void RunStatementJob(StatementJob& job) noexcept;

// Why engramd refuses a statement a remote client sent (AUTH for the FILE forms, which would
// read the server's own file system), or OK.
Status CheckRemoteStatement(const query::StatementBody& body);

}  // namespace engram::server

#endif  // ENGRAM_SERVER_STATEMENT_JOB_H_
