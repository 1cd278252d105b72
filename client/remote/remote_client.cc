// RemoteClient (engram/remote.h): statements over RESP3 to engramd, results rebuilt from the
// reply maps.
#include <exception>
#include <span>
#include <utility>

#include "client/remote/resp_connection.h"
#include "engram/remote.h"
#include "query/language/parser.h"

namespace engram {
namespace {

using remote::RespValue;

// "-CODE message (at byte N)" as a Status with the code, message and position.
Status ErrorFromReply(const std::string& text) {
  const std::size_t space = text.find(' ');
  const std::string code = text.substr(0, space);
  std::string message = space == std::string::npos ? "" : text.substr(space + 1);
  std::optional<ErrorCode> parsed = ErrorCodeFromName(code);
  if (!parsed || *parsed == ErrorCode::kOk) {
    return Status::Error(ErrorCode::kInternal, "engramd: " + text);
  }
  std::int64_t position = -1;
  const std::string marker = " (at byte ";
  const std::size_t at = message.rfind(marker);
  if (at != std::string::npos && !message.empty() && message.back() == ')') {
    const std::string digits =
        message.substr(at + marker.size(), message.size() - 1 - at - marker.size());
    if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos) {
      position = std::stoll(digits);
      message.erase(at);
    }
  }
  return Status::Error(*parsed, std::move(message), position);
}

Result<Value> ToValue(const RespValue& v) {
  switch (v.type) {
    case RespValue::Type::kNull:
      return Value{};
    case RespValue::Type::kBool:
      return Value{v.boolean};
    case RespValue::Type::kInteger:
      if (v.integer >= 0) return Value{static_cast<std::uint64_t>(v.integer)};
      return Value{v.integer};
    case RespValue::Type::kDouble:
      return Value{v.number};
    case RespValue::Type::kBigNumber: {
      std::uint64_t number = 0;
      try {
        number = std::stoull(v.text);
      } catch (const std::exception&) {
        return CorruptError("engramd sent a big number out of range: " + v.text);
      }
      return Value{number};
    }
    case RespValue::Type::kSimple:
    case RespValue::Type::kBulk:
      return Value{v.text};
    default:
      return CorruptError("engramd sent a nested value where a scalar belongs");
  }
}

// The reply to a statement: +OK (no fields) or a map of fields with an optional "rows" entry.
Result<StatementResult> ToResult(const RespValue& reply) {
  StatementResult result;
  if (reply.type == RespValue::Type::kError) return ErrorFromReply(reply.text);
  if (reply.type == RespValue::Type::kSimple) return result;
  if (reply.type != RespValue::Type::kMap) {
    return CorruptError("engramd replied to a statement with something other than a map");
  }
  for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    const std::string& key = reply.elements[i].text;
    const RespValue& value = reply.elements[i + 1];
    if (key == "rows" && value.type == RespValue::Type::kArray) {
      result.has_rows = true;
      for (const RespValue& row : value.elements) {
        if (row.type != RespValue::Type::kMap) return CorruptError("a row that is not a map");
        if (result.columns.empty() && result.rows.empty()) {
          for (std::size_t c = 0; c + 1 < row.elements.size(); c += 2) {
            result.columns.push_back(row.elements[c].text);
          }
        }
        std::vector<Value> cells;
        for (std::size_t c = 0; c + 1 < row.elements.size(); c += 2) {
          ENGRAM_ASSIGN_OR_RETURN(Value cell, ToValue(row.elements[c + 1]));
          cells.push_back(std::move(cell));
        }
        result.rows.push_back(std::move(cells));
      }
      continue;
    }
    ENGRAM_ASSIGN_OR_RETURN(Value field, ToValue(value));
    result.fields.push_back(Field{key, std::move(field)});
  }
  return result;
}

}  // namespace

struct RemoteClient::Impl {
  std::unique_ptr<remote::RespConnection> connection;
  std::string tenant = "default";

  // Sends `args` and reads its reply, passing GENERATE pushes to on_text on the way.
  Result<RespValue> Call(const std::vector<std::string>& args,
                         const std::function<void(std::string_view)>& on_text) {
    ENGRAM_RETURN_IF_ERROR(connection->Send(args));
    while (true) {
      ENGRAM_ASSIGN_OR_RETURN(RespValue reply, connection->Receive());
      if (reply.type != RespValue::Type::kPush) return reply;
      if (reply.elements.size() == 2 && reply.elements[0].text == "generate" && on_text) {
        on_text(reply.elements[1].text);
      }
    }
  }
};

RemoteClient::RemoteClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RemoteClient::~RemoteClient() = default;

Result<std::unique_ptr<RemoteClient>> RemoteClient::Connect(const RemoteOptions& options) {
  try {
    ENGRAM_ASSIGN_OR_RETURN(remote::RespAddress address, remote::ParseRespAddress(options.address));
    auto impl = std::make_unique<Impl>();
    ENGRAM_ASSIGN_OR_RETURN(impl->connection,
                            remote::RespConnection::Open(address, options.timeout));
    std::vector<std::string> hello = {"HELLO", "3"};
    if (!options.password.empty()) {
      hello.insert(hello.end(),
                   {"AUTH", options.user.empty() ? "default" : options.user, options.password});
    }
    ENGRAM_ASSIGN_OR_RETURN(RespValue reply, impl->Call(hello, {}));
    if (reply.type == RespValue::Type::kError) return ErrorFromReply(reply.text);
    if (reply.type != RespValue::Type::kMap) return CorruptError("HELLO's reply is not a map");
    for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
      if (reply.elements[i].text == "tenant") impl->tenant = reply.elements[i + 1].text;
    }
    return std::unique_ptr<RemoteClient>(new RemoteClient(std::move(impl)));
  } catch (const std::exception& e) {
    return InternalError(std::string("RemoteClient::Connect: ") + e.what());
  }
}

Result<StatementResult> RemoteClient::Query(std::string_view statement,
                                            const std::function<void(std::string_view)>& on_text) {
  try {
    ENGRAM_ASSIGN_OR_RETURN(RespValue reply,
                            impl_->Call({"QUERY", std::string(statement)}, on_text));
    ENGRAM_ASSIGN_OR_RETURN(StatementResult result, ToResult(reply));
    Result<query::Statement> parsed = query::ParseStatement(statement);
    if (parsed.ok()) result.statement = std::string(query::StatementKindName(parsed->body));
    return result;
  } catch (const std::exception& e) {
    return InternalError(std::string("RemoteClient::Query: ") + e.what());
  }
}

Result<StatementResult> RemoteClient::Command(
    const std::vector<std::string>& args, const std::function<void(std::string_view)>& on_text) {
  try {
    if (args.empty()) return SyntaxError("a command needs at least its name");
    ENGRAM_ASSIGN_OR_RETURN(RespValue reply, impl_->Call(args, on_text));
    ENGRAM_ASSIGN_OR_RETURN(StatementResult result, ToResult(reply));
    Result<query::Statement> parsed = query::ParseArguments(args);
    if (parsed.ok()) result.statement = std::string(query::StatementKindName(parsed->body));
    return result;
  } catch (const std::exception& e) {
    return InternalError(std::string("RemoteClient::Command: ") + e.what());
  }
}

Status RemoteClient::Ping() {
  try {
    ENGRAM_ASSIGN_OR_RETURN(RespValue reply, impl_->Call({"PING"}, {}));
    if (reply.type == RespValue::Type::kError) return ErrorFromReply(reply.text);
    return Status::Ok();
  } catch (const std::exception& e) {
    return InternalError(std::string("RemoteClient::Ping: ") + e.what());
  }
}

const std::string& RemoteClient::tenant() const {
  return impl_->tenant;
}

}  // namespace engram
