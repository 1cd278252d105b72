#include "server/reply.h"

#include <string>
#include <type_traits>
#include <variant>

namespace engram::server {

void WriteValue(RespWriter& writer, const Value& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          writer.Null();
        } else if constexpr (std::is_same_v<T, bool>) {
          writer.Bool(v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          writer.Integer(v);
        } else if constexpr (std::is_same_v<T, std::uint64_t>) {
          writer.Unsigned(v);
        } else if constexpr (std::is_same_v<T, double>) {
          writer.Double(v);
        } else {
          writer.Bulk(v);
        }
      },
      value);
}

void WriteResult(RespWriter& writer, const StatementResult& result) {
  const std::size_t entries = result.fields.size() + (result.has_rows ? 1 : 0);
  if (entries == 0) {
    writer.SimpleString("OK");
    return;
  }
  writer.MapHeader(entries);
  for (const Field& field : result.fields) {
    writer.Bulk(field.name);
    WriteValue(writer, field.value);
  }
  if (!result.has_rows) return;
  writer.Bulk("rows");
  writer.ArrayHeader(result.rows.size());
  for (const std::vector<Value>& row : result.rows) {
    writer.MapHeader(result.columns.size());
    for (std::size_t c = 0; c < result.columns.size(); ++c) {
      writer.Bulk(result.columns[c]);
      if (c < row.size()) {
        WriteValue(writer, row[c]);
      } else {
        writer.Null();
      }
    }
  }
}

void WriteStatusError(RespWriter& writer, const Status& status, bool with_position) {
  std::string message = status.message();
  if (with_position && status.position() >= 0) {
    message += " (at byte " + std::to_string(status.position()) + ")";
  }
  writer.Error(ErrorCodeName(status.code()), message);
}

}  // namespace engram::server
