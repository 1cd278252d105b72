#include "server/statement_job.h"

#include <exception>
#include <span>
#include <string_view>
#include <utility>
#include <variant>

#include "engram/database.h"
#include "query/language/parser.h"
#include "query/language/printer.h"
#include "server/reply.h"
#include "server/resp_writer.h"
#include "server/server.h"

namespace engram::server {
namespace {

std::string ErrorBytes(int protocol, const Status& status, bool with_position) {
  std::string bytes;
  RespWriter writer(bytes, protocol);
  WriteStatusError(writer, status, with_position);
  return bytes;
}

// The statement to execute: its text, and whether error positions refer to text the client
// sent (QUERY) rather than to a canonical rendering of its arguments.
struct Prepared {
  std::string text;
  bool positions_are_clients = false;
};

Result<Prepared> Prepare(const StatementJob& job) {
  if (job.is_query) {
    if (job.args.size() != 2) {
      return SyntaxError("QUERY takes one argument, the statement text (got " +
                         std::to_string(job.args.size() - 1) + ")");
    }
    ENGRAM_ASSIGN_OR_RETURN(query::Statement statement, query::ParseStatement(job.args[1]));
    ENGRAM_RETURN_IF_ERROR(CheckRemoteStatement(statement.body));
    return Prepared{job.args[1], true};
  }
  ENGRAM_ASSIGN_OR_RETURN(query::Statement statement, query::ParseArguments(job.args));
  ENGRAM_RETURN_IF_ERROR(CheckRemoteStatement(statement.body));
  // The canonical text parses back to the same statement, and is what HISTORY records.
  return Prepared{query::FormatStatement(statement.body), false};
}

}  // namespace

Status CheckRemoteStatement(const query::StatementBody& body) {
  bool from_file = false;
  if (const auto* context = std::get_if<query::WriteContextStatement>(&body)) {
    from_file = context->from_file;
  } else if (const auto* prefix = std::get_if<query::WritePrefixStatement>(&body)) {
    from_file = prefix->from_file;
  }
  if (from_file) {
    // query-language.md §5: engramd refuses FILE with AUTH (no directory is configured that a
    // client could be allowed to read).
    return Status::Error(ErrorCode::kAuth,
                         "FILE reads the server's own files and is not available through "
                         "engramd: send the text itself");
  }
  return Status::Ok();
}

void RunStatementJob(StatementJob& job) noexcept {
  std::string reply;
  try {
    Result<Prepared> prepared = Prepare(job);
    if (!prepared.ok()) {
      // Parse errors point into what the client sent (for arguments: joined by spaces).
      reply = ErrorBytes(job.protocol, prepared.status(), true);
    } else {
      ExecuteOptions options;
      options.cancel = &job.slot->cancel;
      if (job.protocol >= 3) {
        // RESP3 clients see the text as it is produced: one push per piece.
        options.on_text = [&job](std::string_view piece) {
          std::string push;
          RespWriter writer(push, 3);
          writer.PushHeader(2);
          writer.Bulk("generate");
          writer.Bulk(piece);
          job.server->Post(job.connection_id, std::move(push), false, false);
        };
      }
      std::vector<Result<StatementResult>> results =
          job.slot->session->Execute(prepared->text, options);
      if (results.size() != 1) {
        reply = ErrorBytes(
            job.protocol,
            InternalError("expected one result, got " + std::to_string(results.size())), false);
      } else if (!results[0].ok()) {
        reply = ErrorBytes(job.protocol, results[0].status(), prepared->positions_are_clients);
      } else {
        RespWriter writer(reply, job.protocol);
        WriteResult(writer, *results[0]);
      }
    }
  } catch (const std::exception& e) {
    reply = ErrorBytes(job.protocol, InternalError(std::string("statement failed: ") + e.what()),
                       false);
  } catch (...) {
    reply = ErrorBytes(job.protocol, InternalError("statement failed"), false);
  }
  job.server->Post(job.connection_id, std::move(reply), true, job.generate);
}

}  // namespace engram::server
