// The C API's remote mode: engram_open with options->server talks to an engramd through
// RemoteClient (engram/remote.h). Statements are split and parsed here, so that parse errors,
// sources and positions are exactly the embedded engine's; each statement then runs on the
// server as QUERY, and its reply is the result.
#include <string>
#include <utility>
#include <variant>

#include "client/c_api/internal.h"
#include "query/language/parser.h"

namespace engram::c_api {
namespace {

// The text the reader skipped for a statement that failed to parse, as the executor reports it.
std::string_view Trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  if (!text.empty() && text.back() == ';') text.remove_suffix(1);
  const std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

}  // namespace

int OpenRemote(const RemoteOptions& options, std::unique_ptr<RemoteHandle>& out,
               engram_error** error) {
  auto handle = std::make_unique<RemoteHandle>();
  handle->options = options;
  Result<std::unique_ptr<RemoteClient>> client = RemoteClient::Connect(options);
  if (!client.ok()) {
    SetError(error, client.status());
    return static_cast<int>(client.status().code());
  }
  handle->client = std::move(*client);
  out = std::move(handle);
  return ENGRAM_OK;
}

int ExecRemote(RemoteHandle& remote, std::string_view text, const engram_exec_options& options,
               engram_results** out) {
  std::vector<Entry> entries;
  int code = ENGRAM_OK;
  std::string piece;
  std::function<void(std::string_view)> on_text;
  if (options.on_text != nullptr) {
    on_text = [&](std::string_view text_piece) {
      piece.assign(text_piece);
      // The server cannot be asked to stop (see engram.h): the return value is not used.
      options.on_text(piece.c_str(), piece.size(), options.user_data);
    };
  }
  query::StatementReader reader(text);
  while (true) {
    const std::size_t start = reader.offset();
    Result<std::optional<query::Statement>> next = reader.Next();
    if (next.ok() && !next->has_value()) break;
    Entry entry;
    entry.has_source = true;
    if (!next.ok()) {
      entry.status = next.status();
      entry.source = std::string(Trim(text.substr(start, reader.offset() - start)));
    } else {
      const query::Statement& statement = **next;
      entry.source = std::string(statement.SourceText(text));
      Result<StatementResult> result = remote.client->Query(entry.source, on_text);
      if (result.ok()) {
        entry.ok = true;
        entry.value = std::move(*result);
        if (std::holds_alternative<query::BeginStatement>(statement.body)) {
          remote.in_transaction = true;
        } else if (std::holds_alternative<query::CommitStatement>(statement.body) ||
                   std::holds_alternative<query::AbortStatement>(statement.body)) {
          remote.in_transaction = false;
        }
      } else {
        const Status& status = result.status();
        // The server's positions are in the statement it was sent; ours are in `text`.
        entry.status =
            status.position() >= 0
                ? Status::Error(status.code(), status.message(),
                                status.position() + static_cast<std::int64_t>(statement.begin))
                : status;
      }
    }
    if (!entry.ok && code == ENGRAM_OK) code = static_cast<int>(entry.status.code());
    const bool failed = !entry.ok;
    entries.push_back(std::move(entry));
    if (failed && options.stop_on_error) break;
  }
  if (out != nullptr) {
    auto results = std::make_unique<engram_results>();
    results->json.resize(entries.size());
    results->entries = std::move(entries);
    *out = results.release();
  }
  return code;
}

}  // namespace engram::c_api
