#include "engram/statement_result.h"

#include "client/json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace engram {
namespace {

// Appends `"key": json` to an object body that starts with '{'.
void AddMember(std::string& body, std::string_view key, std::string_view json) {
  if (body.size() > 1) body += ", ";
  body += JsonString(key);
  body += ": ";
  body += json;
}

std::string RowToJson(const std::vector<std::string>& columns, const std::vector<Value>& row) {
  std::string body = "{";
  for (std::size_t i = 0; i < columns.size() && i < row.size(); ++i) {
    AddMember(body, columns[i], ValueToJson(row[i]));
  }
  return body + "}";
}

}  // namespace

StatementResult& StatementResult::Add(std::string name, Value value) {
  fields.push_back(Field{std::move(name), std::move(value)});
  return *this;
}

const Value* StatementResult::Find(std::string_view name) const {
  for (const Field& field : fields) {
    if (field.name == name) return &field.value;
  }
  return nullptr;
}

std::optional<std::uint64_t> StatementResult::U64(std::string_view name) const {
  const Value* value = Find(name);
  if (value == nullptr) return std::nullopt;
  if (const auto* u = std::get_if<std::uint64_t>(value)) return *u;
  return std::nullopt;
}

const Value* StatementResult::Cell(std::size_t row, std::string_view column) const {
  if (row >= rows.size()) return nullptr;
  auto it = std::find(columns.begin(), columns.end(), column);
  if (it == columns.end()) return nullptr;
  auto index = static_cast<std::size_t>(it - columns.begin());
  return index < rows[row].size() ? &rows[row][index] : nullptr;
}

std::string ValueToJson(const Value& value) {
  if (std::holds_alternative<std::string>(value)) return JsonString(std::get<std::string>(value));
  if (std::holds_alternative<std::monostate>(value)) return "null";
  if (const auto* d = std::get_if<double>(&value)) {
    if (!std::isfinite(*d)) return "null";
  }
  return ValueToText(value);
}

std::string ValueToText(const Value& value) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "NULL"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(std::uint64_t u) const { return std::to_string(u); }
    std::string operator()(double d) const {
      char buffer[32];
      std::snprintf(buffer, sizeof(buffer), "%.17g", d);
      return buffer;
    }
    std::string operator()(const std::string& s) const { return s; }
  };
  return std::visit(Visitor{}, value);
}

std::string FormatTime(std::int64_t time_ns) {
  std::int64_t seconds = time_ns / 1000000000;
  std::int64_t nanos = time_ns % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    --seconds;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(nanos));
  return buffer;
}

std::string ToJson(const StatementResult& result) {
  std::string body = "{";
  AddMember(body, "ok", "true");
  for (const Field& field : result.fields) AddMember(body, field.name, ValueToJson(field.value));
  if (result.has_rows) {
    std::string rows = "[";
    for (const auto& row : result.rows) {
      if (rows.size() > 1) rows += ", ";
      rows += RowToJson(result.columns, row);
    }
    AddMember(body, "rows", rows + "]");
  }
  return body + "}";
}

std::string ErrorToJson(const Status& status) {
  std::string error = "{";
  AddMember(error, "code", JsonString(ErrorCodeName(status.code())));
  AddMember(error, "message", JsonString(status.message()));
  AddMember(error, "position",
            status.position() < 0 ? std::string("null") : std::to_string(status.position()));
  std::string body = "{";
  AddMember(body, "ok", "false");
  AddMember(body, "error", error + "}");
  return body + "}";
}

std::string ToJson(const Result<StatementResult>& result) {
  return result.ok() ? ToJson(*result) : ErrorToJson(result.status());
}

std::string ToTable(const StatementResult& result) {
  std::string out;
  for (const Field& field : result.fields) {
    out += field.name + ": " + ValueToText(field.value) + "\n";
  }
  if (!result.has_rows) return out.empty() ? "OK\n" : out;
  if (result.rows.empty()) return out + "(no rows)\n";
  std::vector<std::size_t> widths;
  for (const std::string& column : result.columns) widths.push_back(column.size());
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : result.rows) {
    std::vector<std::string>& line = cells.emplace_back();
    for (std::size_t i = 0; i < widths.size(); ++i) {
      std::string cell = i < row.size() ? ValueToText(row[i]) : "";
      for (char& c : cell) {
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';  // one line per row
      }
      line.push_back(std::move(cell));
      widths[i] = std::max(widths[i], line.back().size());
    }
  }
  auto rule = [&] {
    std::string line = "+";
    for (std::size_t width : widths) line += std::string(width + 2, '-') + "+";
    return line + "\n";
  };
  auto format = [&](const std::vector<std::string>& line) {
    std::string text = "|";
    for (std::size_t i = 0; i < widths.size(); ++i) {
      text += " " + line[i] + std::string(widths[i] - line[i].size(), ' ') + " |";
    }
    return text + "\n";
  };
  out += rule() + format(result.columns) + rule();
  for (const auto& line : cells) out += format(line);
  return out + rule();
}

}  // namespace engram
