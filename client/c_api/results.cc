// Reading results through the C API: engram_results_free and the engram_result_* accessors of
// statements, errors, JSON, fields, columns, rows and cells.
//
// The accessors only index into vectors after bounds checks and do not allocate (except
// engram_result_json, which has its own guard), so unlike the exec functions they need no try
// block. A value is handed out as its engram_type, checked here against engram::Value.
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "client/c_api/internal.h"
#include "engram/engram.h"
#include "engram/statement_result.h"

// engram_type is the index of the alternative in engram::Value, so a type is one variant index.
#define ENGRAM_CHECK_TYPE(c_name, cxx_type)                                                  \
  static_assert(std::is_same_v<std::variant_alternative_t<c_name, engram::Value>, cxx_type>, \
                #c_name " is not the index of " #cxx_type " in engram::Value")
ENGRAM_CHECK_TYPE(ENGRAM_NULL, std::monostate);
ENGRAM_CHECK_TYPE(ENGRAM_BOOL, bool);
ENGRAM_CHECK_TYPE(ENGRAM_INT, std::int64_t);
ENGRAM_CHECK_TYPE(ENGRAM_UINT, std::uint64_t);
ENGRAM_CHECK_TYPE(ENGRAM_DOUBLE, double);
ENGRAM_CHECK_TYPE(ENGRAM_TEXT, std::string);
#undef ENGRAM_CHECK_TYPE
static_assert(std::variant_size_v<engram::Value> == ENGRAM_TEXT + 1,
              "engram::Value has a type the C API does not name");

using engram::c_api::Entry;

namespace {

const Entry* EntryAt(const engram_results* results, std::size_t i) {
  if (results == nullptr || i >= results->entries.size()) return nullptr;
  return &results->entries[i];
}

// The successful result of statement i, or nullptr.
const engram::StatementResult* ValueAt(const engram_results* results, std::size_t i) {
  const Entry* entry = EntryAt(results, i);
  return entry != nullptr && entry->ok ? &entry->value : nullptr;
}

const engram::Value* FieldAt(const engram_results* results, std::size_t i, std::size_t f) {
  const engram::StatementResult* value = ValueAt(results, i);
  if (value == nullptr || f >= value->fields.size()) return nullptr;
  return &value->fields[f].value;
}

const engram::Value* CellAt(const engram_results* results, std::size_t i, std::size_t row,
                            std::size_t c) {
  const engram::StatementResult* value = ValueAt(results, i);
  if (value == nullptr || row >= value->rows.size() || c >= value->rows[row].size()) {
    return nullptr;
  }
  return &value->rows[row][c];
}

engram_type TypeOf(const engram::Value* value) {
  return value == nullptr ? ENGRAM_NULL : static_cast<engram_type>(value->index());
}

std::int64_t Int64Of(const engram::Value* value) {
  if (value == nullptr) return 0;
  if (const auto* i = std::get_if<std::int64_t>(value)) return *i;
  if (const auto* u = std::get_if<std::uint64_t>(value)) {
    return *u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
               ? static_cast<std::int64_t>(*u)
               : 0;
  }
  if (const auto* b = std::get_if<bool>(value)) return *b ? 1 : 0;
  return 0;
}

std::uint64_t Uint64Of(const engram::Value* value) {
  if (value == nullptr) return 0;
  if (const auto* u = std::get_if<std::uint64_t>(value)) return *u;
  if (const auto* i = std::get_if<std::int64_t>(value)) {
    return *i >= 0 ? static_cast<std::uint64_t>(*i) : 0;
  }
  if (const auto* b = std::get_if<bool>(value)) return *b ? 1 : 0;
  return 0;
}

double DoubleOf(const engram::Value* value) {
  if (value == nullptr) return 0.0;
  if (const auto* d = std::get_if<double>(value)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(value)) return static_cast<double>(*i);
  if (const auto* u = std::get_if<std::uint64_t>(value)) return static_cast<double>(*u);
  if (const auto* b = std::get_if<bool>(value)) return *b ? 1.0 : 0.0;
  return 0.0;
}

const char* TextOf(const engram::Value* value, std::size_t* length) {
  const auto* text = value == nullptr ? nullptr : std::get_if<std::string>(value);
  if (length != nullptr) *length = text == nullptr ? 0 : text->size();
  return text == nullptr ? nullptr : text->c_str();
}

std::int64_t IndexOf(const std::vector<std::string>& names, const char* name) {
  if (name == nullptr) return -1;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<std::int64_t>(i);
  }
  return -1;
}

}  // namespace

extern "C" {

// --- Results ---

void engram_results_free(engram_results* results) {
  delete results;
}

size_t engram_results_count(const engram_results* results) {
  return results == nullptr ? 0 : results->entries.size();
}

int engram_result_ok(const engram_results* results, size_t i) {
  const Entry* entry = EntryAt(results, i);
  return entry != nullptr && entry->ok ? 1 : 0;
}

int engram_result_error_code(const engram_results* results, size_t i) {
  const Entry* entry = EntryAt(results, i);
  return entry == nullptr || entry->ok ? ENGRAM_OK : static_cast<int>(entry->status.code());
}

const char* engram_result_error_message(const engram_results* results, size_t i) {
  const Entry* entry = EntryAt(results, i);
  return entry == nullptr || entry->ok ? nullptr : entry->status.message().c_str();
}

int64_t engram_result_error_position(const engram_results* results, size_t i) {
  const Entry* entry = EntryAt(results, i);
  return entry == nullptr || entry->ok ? -1 : entry->status.position();
}

const char* engram_result_statement(const engram_results* results, size_t i) {
  const engram::StatementResult* value = ValueAt(results, i);
  return value == nullptr ? nullptr : value->statement.c_str();
}

const char* engram_result_source(const engram_results* results, size_t i, size_t* length) {
  const Entry* entry = EntryAt(results, i);
  const bool has = entry != nullptr && entry->has_source;
  if (length != nullptr) *length = has ? entry->source.size() : 0;
  return has ? entry->source.c_str() : nullptr;
}

const char* engram_result_json(const engram_results* results, size_t i) {
  const Entry* entry = EntryAt(results, i);
  if (entry == nullptr) return nullptr;
  try {
    std::lock_guard lock(results->json_mutex);
    std::unique_ptr<std::string>& json = results->json[i];
    if (!json) {
      json = std::make_unique<std::string>(entry->ok ? engram::ToJson(entry->value)
                                                     : engram::ErrorToJson(entry->status));
    }
    return json->c_str();
  } catch (...) {
    return nullptr;  // out of memory (or a lock failure): documented as NULL
  }
}

size_t engram_result_field_count(const engram_results* results, size_t i) {
  const engram::StatementResult* value = ValueAt(results, i);
  return value == nullptr ? 0 : value->fields.size();
}

const char* engram_result_field_name(const engram_results* results, size_t i, size_t f) {
  const engram::StatementResult* value = ValueAt(results, i);
  if (value == nullptr || f >= value->fields.size()) return nullptr;
  return value->fields[f].name.c_str();
}

int64_t engram_result_field_index(const engram_results* results, size_t i, const char* name) {
  const engram::StatementResult* value = ValueAt(results, i);
  if (value == nullptr || name == nullptr) return -1;
  for (std::size_t f = 0; f < value->fields.size(); ++f) {
    if (value->fields[f].name == name) return static_cast<std::int64_t>(f);
  }
  return -1;
}

engram_type engram_result_field_type(const engram_results* results, size_t i, size_t f) {
  return TypeOf(FieldAt(results, i, f));
}

int64_t engram_result_field_int64(const engram_results* results, size_t i, size_t f) {
  return Int64Of(FieldAt(results, i, f));
}

uint64_t engram_result_field_uint64(const engram_results* results, size_t i, size_t f) {
  return Uint64Of(FieldAt(results, i, f));
}

double engram_result_field_double(const engram_results* results, size_t i, size_t f) {
  return DoubleOf(FieldAt(results, i, f));
}

const char* engram_result_field_text(const engram_results* results, size_t i, size_t f,
                                     size_t* length) {
  return TextOf(FieldAt(results, i, f), length);
}

int engram_result_has_rows(const engram_results* results, size_t i) {
  const engram::StatementResult* value = ValueAt(results, i);
  return value != nullptr && value->has_rows ? 1 : 0;
}

size_t engram_result_column_count(const engram_results* results, size_t i) {
  const engram::StatementResult* value = ValueAt(results, i);
  return value == nullptr ? 0 : value->columns.size();
}

const char* engram_result_column_name(const engram_results* results, size_t i, size_t c) {
  const engram::StatementResult* value = ValueAt(results, i);
  if (value == nullptr || c >= value->columns.size()) return nullptr;
  return value->columns[c].c_str();
}

int64_t engram_result_column_index(const engram_results* results, size_t i, const char* name) {
  const engram::StatementResult* value = ValueAt(results, i);
  return value == nullptr ? -1 : IndexOf(value->columns, name);
}

size_t engram_result_row_count(const engram_results* results, size_t i) {
  const engram::StatementResult* value = ValueAt(results, i);
  return value == nullptr ? 0 : value->rows.size();
}

engram_type engram_result_cell_type(const engram_results* results, size_t i, size_t row, size_t c) {
  return TypeOf(CellAt(results, i, row, c));
}

int64_t engram_result_cell_int64(const engram_results* results, size_t i, size_t row, size_t c) {
  return Int64Of(CellAt(results, i, row, c));
}

uint64_t engram_result_cell_uint64(const engram_results* results, size_t i, size_t row, size_t c) {
  return Uint64Of(CellAt(results, i, row, c));
}

double engram_result_cell_double(const engram_results* results, size_t i, size_t row, size_t c) {
  return DoubleOf(CellAt(results, i, row, c));
}

const char* engram_result_cell_text(const engram_results* results, size_t i, size_t row, size_t c,
                                    size_t* length) {
  return TextOf(CellAt(results, i, row, c), length);
}

}  // extern "C"
