// engramd: the RESP server of engram (docs/server.md).
//
//   engramd --db DIR [--port N] [--bind ADDR] [--unixsocket PATH] [--users FILE]
//           [--requirepass P] [--compute ADDR] [--model PATH] [--threads N]
//           [--compute-connections N] [--maxclients N]
//           [--idle-timeout S] [--max-generates N] [--max-bulk BYTES] [--max-request BYTES]
//
// Prints one line on stdout once it listens ("engramd ready tcp://127.0.0.1:7379 ...") and
// exits 0 after SIGTERM/SIGINT has drained the clients; 1 when it cannot start, 2 on bad flags.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "client/flags.h"
#include "engram/database.h"
#include "server/server.h"

namespace {

constexpr const char* kUsage =
    "usage: engramd --db DIR [--port N] [--bind ADDR] [--unixsocket PATH] [--users FILE]\n"
    "               [--requirepass P] [--compute ADDR] [--model PATH] [--threads N]\n"
    "               [--compute-connections N]\n"
    "               [--maxclients N] [--idle-timeout S] [--max-generates N]\n"
    "               [--max-bulk BYTES] [--max-request BYTES]\n"
    "  --port 0 picks a free port; TCP is off when only --unixsocket is given.\n"
    "  See docs/server.md.\n";

int Fail(const engram::Status& status, int code) {
  std::fprintf(stderr, "engramd: %s\n", status.ToString().c_str());
  return code;
}

// A positive flag value, or the error naming the flag.
engram::Result<std::int64_t> Positive(const engram::Flags& flags, const std::string& name,
                                      std::int64_t fallback, std::int64_t minimum = 1) {
  ENGRAM_ASSIGN_OR_RETURN(std::int64_t value, flags.Int(name, fallback));
  if (value < minimum) {
    return engram::SyntaxError("--" + name + " must be at least " + std::to_string(minimum));
  }
  return value;
}

engram::Result<engram::server::ServerOptions> OptionsFromFlags(const engram::Flags& flags) {
  engram::server::ServerOptions options;
  options.bind = flags.String("bind", options.bind);
  options.unix_socket = flags.String("unixsocket");
  const bool tcp = flags.Has("port") || options.unix_socket.empty();
  ENGRAM_ASSIGN_OR_RETURN(std::int64_t port, Positive(flags, "port", 7379, 0));
  if (port > 65535) return engram::SyntaxError("--port must be at most 65535");
  options.port = tcp ? static_cast<int>(port) : -1;
  if (flags.Has("users")) {
    ENGRAM_ASSIGN_OR_RETURN(options.users, engram::server::UserTable::Load(flags.String("users")));
    if (options.users.empty()) {
      return engram::SyntaxError("--users: the file lists no user");
    }
  }
  if (flags.Has("requirepass")) {
    ENGRAM_RETURN_IF_ERROR(options.users.Add("default", flags.String("requirepass"), "default"));
  }
  ENGRAM_ASSIGN_OR_RETURN(std::int64_t threads, Positive(flags, "threads", 8));
  ENGRAM_ASSIGN_OR_RETURN(std::int64_t clients, Positive(flags, "maxclients", 10000));
  ENGRAM_ASSIGN_OR_RETURN(std::int64_t idle, Positive(flags, "idle-timeout", 300, 0));
  ENGRAM_ASSIGN_OR_RETURN(std::int64_t generates, Positive(flags, "max-generates", 8));
  ENGRAM_ASSIGN_OR_RETURN(std::int64_t bulk, Positive(flags, "max-bulk", 64 << 20));
  ENGRAM_ASSIGN_OR_RETURN(std::int64_t request, Positive(flags, "max-request", 80 << 20));
  options.threads = static_cast<std::size_t>(threads);
  options.max_clients = static_cast<std::size_t>(clients);
  options.idle_timeout = std::chrono::seconds(idle);
  options.max_generates = static_cast<std::size_t>(generates);
  options.reader.max_bulk_bytes = static_cast<std::size_t>(bulk);
  options.reader.max_request_bytes = static_cast<std::size_t>(request);
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto flags =
      engram::Flags::Parse(args,
                           {"db", "port", "bind", "unixsocket", "users", "requirepass", "compute",
                            "model", "threads", "compute-connections", "maxclients", "idle-timeout",
                            "max-generates", "max-bulk", "max-request"},
                           {"help"});
  if (!flags.ok()) {
    std::fputs(kUsage, stderr);
    return Fail(flags.status(), 2);
  }
  if (flags->Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!flags->Has("db") || !flags->positional().empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto options = OptionsFromFlags(*flags);
  if (!options.ok()) return Fail(options.status(), 2);

  // A client that vanishes mid-write must not kill the server.
  ::signal(SIGPIPE, SIG_IGN);

  engram::DatabaseOptions db_options;
  db_options.compute_address = flags->String("compute");
  db_options.model = flags->String("model");
  db_options.tenant_scoped_stats = true;  // SHOW STATS must not describe other tenants
  // By default one co-process connection per statement thread (every running statement reaches
  // the model), within what one co-process takes comfortably (it accepts 256).
  auto connections =
      Positive(*flags, "compute-connections",
               static_cast<std::int64_t>(std::min<std::size_t>(options->threads, 64)));
  if (!connections.ok()) return Fail(connections.status(), 2);
  if (*connections > 256) {
    return Fail(engram::SyntaxError("--compute-connections must be at most 256"), 2);
  }
  db_options.compute_connections = static_cast<int>(*connections);
  auto database = engram::Database::Open(flags->String("db"), db_options);
  if (!database.ok()) return Fail(database.status(), 1);

  options->on_ready = [](const std::vector<std::string>& addresses) {
    std::string line = "engramd ready";
    for (const std::string& address : addresses) line += " " + address;
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  engram::Status status;
  {
    engram::server::Server server(**database, std::move(*options));
    status = server.Run();
  }
  if (!status.ok()) return Fail(status, 1);
  std::fprintf(stderr, "engramd: drained, exiting\n");
  return 0;
}
