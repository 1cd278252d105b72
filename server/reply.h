// How engramd answers a statement: a statement's result as a RESP map of contract.md's fields
// (docs/server.md, "Replies"), and a failure as an error line `-CODE message` with a code of
// the one error catalogue (engram/status.h).
//
// Thread-safety: pure functions.
#ifndef ENGRAM_SERVER_REPLY_H_
#define ENGRAM_SERVER_REPLY_H_

#include "engram/statement_result.h"
#include "engram/status.h"
#include "server/resp_writer.h"

namespace engram::server {

// One value: null, a boolean, an integer, a double or a bulk string (RespWriter's fallbacks
// for RESP2).
void WriteValue(RespWriter& writer, const Value& value);

// The result's fields in output order, then "rows" (an array with one map per row, keyed by
// column) when the statement returns rows. A result with neither is `+OK`.
void WriteResult(RespWriter& writer, const StatementResult& result);

// `-CODE message`, with " (at byte N)" appended when `with_position` and the status has a
// position. `status` must be a failure.
void WriteStatusError(RespWriter& writer, const Status& status, bool with_position);

}  // namespace engram::server

#endif  // ENGRAM_SERVER_REPLY_H_
