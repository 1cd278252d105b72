#include "server/commands.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "query/language/lexer.h"
#include "server/resp_writer.h"
#include "server/server.h"
#include "server/statement_job.h"

namespace engram::server {
namespace {

constexpr std::array<std::string_view, 14> kStatementCommands = {
    "CREATE",   "DROP",    "WRITE", "READ", "FORGET", "GENERATE", "SNAPSHOT",
    "ROLLBACK", "HISTORY", "DIFF",  "SHOW", "BEGIN",  "COMMIT",   "ABORT"};

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool IsStatementCommand(std::string_view name) {
  return std::find(kStatementCommands.begin(), kStatementCommands.end(), name) !=
         kStatementCommands.end();
}

void Error(Connection& c, std::string_view code, std::string_view message) {
  RespWriter(c.out, c.protocol).Error(code, message);
}

void WrongArity(Connection& c, std::string_view name) {
  Error(c, "SYNTAX", "wrong number of arguments for '" + std::string(name) + "'");
}

// Logs `c` in as `user`: a new tenant means a new Session (the old one, and a transaction it
// had open, goes with it).
void LogIn(Connection& c, std::string user, std::string tenant) {
  if (tenant != c.tenant) c.slot.reset();
  c.authenticated = true;
  c.user = std::move(user);
  c.tenant = std::move(tenant);
}

// AUTH's two forms: AUTH password (the user "default") and AUTH user password.
bool Authenticate(Connection& c, std::string_view user, std::string_view password) {
  Server& server = c.server();
  if (!server.auth_required()) {
    Error(c, "AUTH",
          "AUTH called but engramd has no users (start it with --users or --requirepass)");
    return false;
  }
  std::optional<std::string> tenant = server.options().users.Authenticate(user, password);
  if (!tenant) {
    Error(c, "AUTH", "invalid username-password pair or user is disabled");
    return false;
  }
  LogIn(c, std::string(user), std::move(*tenant));
  return true;
}

void Hello(Connection& c, const std::vector<std::string>& args) {
  int protocol = c.protocol;
  std::size_t i = 1;
  if (args.size() > 1) {
    const std::string& version = args[1];
    if (version != "2" && version != "3") {
      Error(c, "SYNTAX", "unsupported protocol version '" + version + "' (2 or 3)");
      return;
    }
    protocol = version[0] - '0';
    i = 2;
  }
  std::string name = c.client_name;
  while (i < args.size()) {
    const std::string option = Upper(args[i]);
    if (option == "AUTH" && i + 2 < args.size()) {
      if (!Authenticate(c, args[i + 1], args[i + 2])) return;
      i += 3;
    } else if (option == "SETNAME" && i + 1 < args.size()) {
      name = args[i + 1];
      i += 2;
    } else {
      Error(c, "SYNTAX", "HELLO: unexpected argument '" + args[i] + "'");
      return;
    }
  }
  c.protocol = protocol;
  c.client_name = name;
  RespWriter w(c.out, c.protocol);
  const bool known = c.authenticated || !c.server().auth_required();
  w.MapHeader(known ? 8 : 7);
  w.Bulk("server");
  w.Bulk("engramd");
  w.Bulk("version");
  w.Bulk(ENGRAM_VERSION);
  w.Bulk("proto");
  w.Integer(c.protocol);
  w.Bulk("id");
  w.Unsigned(c.id());
  w.Bulk("mode");
  w.Bulk("standalone");
  w.Bulk("role");
  w.Bulk("master");
  w.Bulk("modules");
  w.ArrayHeader(0);
  if (known) {
    w.Bulk("tenant");
    w.Bulk(c.tenant);
  }
}

void Info(Connection& c) {
  Server& server = c.server();
  const ServerStats& stats = server.stats();
  std::string text;
  auto line = [&](std::string_view key, const std::string& value) {
    text += key;
    text += ':';
    text += value;
    text += "\r\n";
  };
  text += "# Server\r\n";
  line("engramd_version", ENGRAM_VERSION);
  line("process_id", std::to_string(::getpid()));
  line("tcp_port", std::to_string(server.tcp_port()));
  line("uptime_in_seconds", std::to_string(server.uptime_seconds()));
  line("worker_threads", std::to_string(server.options().threads));
  text += "\r\n# Clients\r\n";
  line("connected_clients", std::to_string(server.client_count()));
  line("maxclients", std::to_string(server.options().max_clients));
  line("generates_in_flight", std::to_string(server.generates_in_flight()));
  line("max_generates", std::to_string(server.options().max_generates));
  text += "\r\n# Stats\r\n";
  line("total_connections_received", std::to_string(stats.connections_received));
  line("rejected_connections", std::to_string(stats.connections_rejected));
  line("total_commands_processed", std::to_string(stats.commands));
  line("total_statements", std::to_string(stats.statements));
  line("protocol_errors", std::to_string(stats.protocol_errors));
  // Only the caller's own identity: nothing here describes another tenant.
  text += "\r\n# Session\r\n";
  line("auth", server.auth_required() ? "on" : "off");
  line("tenant", c.authenticated || !server.auth_required() ? c.tenant : "");
  RespWriter(c.out, c.protocol).Bulk(text);
}

void Client(Connection& c, const std::vector<std::string>& args) {
  const std::string sub = args.size() > 1 ? Upper(args[1]) : "";
  RespWriter w(c.out, c.protocol);
  if (sub == "SETNAME" && args.size() == 3) {
    c.client_name = args[2];
    w.SimpleString("OK");
  } else if (sub == "GETNAME" && args.size() == 2) {
    if (c.client_name.empty()) {
      w.Null();
    } else {
      w.Bulk(c.client_name);
    }
  } else if (sub == "ID" && args.size() == 2) {
    w.Unsigned(c.id());
  } else {
    Error(c, "SYNTAX", "CLIENT supports SETNAME, GETNAME and ID");
  }
}

void StartStatement(Connection& c, std::vector<std::string> args, bool is_query) {
  Server& server = c.server();
  bool generate = false;
  if (is_query) {
    if (args.size() >= 2) {
      query::Lexer lexer(args[1]);
      Result<query::Token> first = lexer.Next();
      generate = first.ok() && first->Is(query::Keyword::kGenerate);
    }
  } else {
    generate = Upper(args[0]) == "GENERATE";
  }
  if (generate && server.generates_in_flight() >= server.options().max_generates) {
    Error(c, "LIMIT",
          "too many GENERATEs in flight (" + std::to_string(server.options().max_generates) +
              "); retry later");
    return;
  }
  if (!c.slot) {
    Result<std::unique_ptr<Session>> session = server.database().OpenSession(c.tenant);
    if (!session.ok()) {
      RespWriter(c.out, c.protocol)
          .Error(ErrorCodeName(session.status().code()), session.status().message());
      return;
    }
    c.slot = std::make_shared<SessionSlot>();
    c.slot->session = std::move(*session);
  }
  ++server.stats().statements;
  if (generate) server.AddGenerate();
  c.SetBusy();
  auto job = std::make_shared<StatementJob>();
  job->server = &server;
  job->connection_id = c.id();
  job->slot = c.slot;
  job->protocol = c.protocol;
  job->is_query = is_query;
  job->generate = generate;
  job->args = std::move(args);
  server.pool().Submit([job] { RunStatementJob(*job); });
}

}  // namespace

void RunCommand(Connection& c, std::vector<std::string>& args) {
  const std::string name = Upper(args[0]);
  RespWriter w(c.out, c.protocol);
  // What an unauthenticated client may do.
  if (name == "PING") {
    if (args.size() > 2) return WrongArity(c, name);
    if (args.size() == 2) {
      w.Bulk(args[1]);
    } else {
      w.SimpleString("PONG");
    }
    return;
  }
  if (name == "QUIT") {
    w.SimpleString("OK");
    c.CloseAfterFlush();
    return;
  }
  if (name == "HELLO") return Hello(c, args);
  if (name == "AUTH") {
    if (args.size() == 2) {
      if (Authenticate(c, "default", args[1])) w.SimpleString("OK");
    } else if (args.size() == 3) {
      if (Authenticate(c, args[1], args[2])) w.SimpleString("OK");
    } else {
      WrongArity(c, name);
    }
    return;
  }
  if (c.server().auth_required() && !c.authenticated) {
    Error(c, "AUTH", "authentication required: AUTH [user] password");
    return;
  }
  if (name == "QUERY") return StartStatement(c, std::exchange(args, {}), true);
  if (IsStatementCommand(name)) return StartStatement(c, std::exchange(args, {}), false);
  if (name == "INFO") return Info(c);
  if (name == "ECHO") {
    if (args.size() != 2) return WrongArity(c, name);
    w.Bulk(args[1]);
    return;
  }
  if (name == "CLIENT") return Client(c, args);
  if (name == "COMMAND") {
    // redis-cli asks for command docs when it starts: there are none to give.
    w.ArrayHeader(0);
    return;
  }
  Error(c, "SYNTAX", "unknown command '" + args[0].substr(0, 64) + "'");
}

}  // namespace engram::server
