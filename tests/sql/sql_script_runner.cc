// The runner of one parsed .test script (sql_script_runner.h): each record run on its session,
// its outcome compared with what the record expects, and a failure reported at its line.
#include "tests/sql/sql_script_runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engram/database.h"
#include "engram/statement_result.h"
#include "engram/status.h"
#include "tests/sql/sql_match.h"
#include "tests/sql/sql_script.h"

namespace engram::sqltest {
namespace {

constexpr std::string_view kDefaultSession = "default";

std::string LineCount(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " line" : " lines");
}

std::string Block(const std::vector<std::string>& lines) {
  if (lines.empty()) return "  (nothing)\n";
  std::string block;
  for (const std::string& line : lines) block += "  " + line + "\n";
  return block;
}

std::string Describe(const Status& status) {
  std::string text = std::string(ErrorCodeName(status.code()));
  if (status.position() >= 0) text += " at " + std::to_string(status.position());
  return text + ": " + status.message();
}

// A failure message, reported at file:line of the script when the object dies (after the `<<`
// of one full expression), so that the IDE and the log point at the record.
class Failure {
 public:
  Failure(const std::string& file, int line) : file_(file), line_(line) {}
  Failure(const Failure&) = delete;
  Failure& operator=(const Failure&) = delete;
  ~Failure() { ADD_FAILURE_AT(file_.c_str(), line_) << out_.str(); }

  template <typename T>
  Failure& operator<<(const T& value) {
    out_ << value;
    return *this;
  }

 private:
  const std::string& file_;
  int line_;
  std::ostringstream out_;
};

DatabaseOptions TestDatabaseOptions() {
  DatabaseOptions options;
  options.compute_binary = std::string(ENGRAM_BIN_DIR) + "/engram-compute";
  options.compute_args = {"--max-slots", "4"};
  return options;
}

// Runs one parsed script on a database in `db_path`, reporting failures at `file`:line.
class ScriptRunner {
 public:
  ScriptRunner(std::string file, std::string db_path)
      : file_(std::move(file)), db_path_(std::move(db_path)) {}

  void Run(const std::vector<Record>& records) {
    if (!OpenDatabase(0)) return;
    for (const Record& record : records) {
      if (!RunRecord(record)) return;  // the database or a session is gone: nothing to go on with
    }
  }

 private:
  // Returns false when the script cannot go on.
  bool RunRecord(const Record& record) {
    switch (record.kind) {
      case RecordKind::kStatementOk:
        RunStatementOk(record);
        return true;
      case RecordKind::kStatementError:
        RunStatementError(record);
        return true;
      case RecordKind::kQuery:
        RunQuery(record);
        return true;
      case RecordKind::kSession:
        return SwitchSession(record);
      case RecordKind::kReopen:
        sessions_.clear();  // before the database they borrow; open transactions abort
        db_.reset();
        return OpenDatabase(record.line);
    }
    return false;
  }

  bool OpenDatabase(int line) {
    auto db = Database::Open(db_path_, TestDatabaseOptions());
    if (!db.ok()) {
      Fail(line) << "cannot open the database: " << Describe(db.status());
      return false;
    }
    db_ = std::move(*db);
    return true;
  }

  bool SwitchSession(const Record& record) {
    const std::string tenant = record.tenant.value_or(std::string(kDefaultSession));
    const auto known = tenants_.find(record.session);
    if (record.session == kDefaultSession && tenant != kDefaultSession) {
      Fail(record.line) << "the session 'default' is the database's own, of the tenant 'default'";
      return false;
    }
    if (known != tenants_.end() && record.tenant && known->second != tenant) {
      Fail(record.line) << "session '" << record.session << "' has the tenant '" << known->second
                        << "', not '" << tenant << "'";
      return false;
    }
    if (known == tenants_.end()) tenants_[record.session] = tenant;
    current_ = record.session;
    return Current(record.line) != nullptr;
  }

  // The current session, opened (again, after a reopen) when needed; nullptr on failure.
  Session* Current(int line) {
    if (current_ == kDefaultSession) return &db_->default_session();
    auto& session = sessions_[current_];
    if (!session) {
      auto opened = db_->OpenSession(tenants_[current_]);
      if (!opened.ok()) {
        Fail(line) << "cannot open session '" << current_ << "': " << Describe(opened.status());
        return nullptr;
      }
      session = std::move(*opened);
    }
    return session.get();
  }

  // Runs the record's statement; nullopt (after reporting) unless it gave exactly one result.
  std::optional<Result<StatementResult>> Execute(const Record& record) {
    Session* session = Current(record.line);
    if (session == nullptr) return std::nullopt;
    std::vector<Result<StatementResult>> results = session->Execute(record.sql);
    if (results.size() != 1) {
      Fail(record.line) << "a record must hold exactly one statement; this one gave "
                        << results.size() << " results\nstatement:\n"
                        << record.sql;
      return std::nullopt;
    }
    if (trace_) Trace(record, results[0]);
    return std::move(results[0]);
  }

  // ENGRAM_SQLTEST_TRACE set: every statement's outcome, to write new records from.
  void Trace(const Record& record, const Result<StatementResult>& result) const {
    std::cout << file_ << ":" << record.line << ": [" << current_ << "] " << record.sql << "\n  -> "
              << (result.ok() ? ToJson(*result) : Describe(result.status())) << "\n";
  }

  void RunStatementOk(const Record& record) {
    auto result = Execute(record);
    if (result && !result->ok()) {
      Fail(record.line) << "statement failed\nstatement:\n"
                        << record.sql
                        << "\nexpected: success\nactual:   " << Describe(result->status());
    }
  }

  void RunStatementError(const Record& record) {
    auto result = Execute(record);
    if (!result) return;
    if (result->ok()) {
      Fail(record.line) << "statement succeeded but should have failed\nstatement:\n"
                        << record.sql << "\nexpected: " << ExpectedError(record)
                        << "\nactual:   " << ToJson(**result);
      return;
    }
    const Status& status = result->status();
    bool matches = !record.code || status.code() == *record.code;
    matches = matches && (!record.position || status.position() == *record.position);
    for (const std::string& part : record.message_parts) {
      matches = matches && status.message().find(part) != std::string::npos;
    }
    if (!matches) {
      Fail(record.line) << "wrong error\nstatement:\n"
                        << record.sql << "\nexpected: " << ExpectedError(record)
                        << "\nactual:   " << Describe(status);
    }
  }

  static std::string ExpectedError(const Record& record) {
    std::string text = record.code ? std::string(ErrorCodeName(*record.code)) : "any error";
    if (record.position) text += " at " + std::to_string(*record.position);
    for (const std::string& part : record.message_parts)
      text += ", message containing '" + part + "'";
    return text;
  }

  void RunQuery(const Record& record) {
    auto result = Execute(record);
    if (!result) return;
    if (!result->ok()) {
      Fail(record.line) << "query failed\nstatement:\n"
                        << record.sql << "\nactual: " << Describe(result->status());
      return;
    }
    Result<std::vector<std::string>> actual = RenderQuery(**result, record.names);
    if (!actual.ok()) {
      Fail(record.line) << actual.status().message() << "\nstatement:\n" << record.sql;
      return;
    }
    std::vector<std::string> expected = record.expected;
    if (record.rowsort) {
      std::sort(actual->begin(), actual->end());
      std::sort(expected.begin(), expected.end());
    }
    if (!LinesMatch(expected, *actual)) {
      Fail(record.line) << "wrong result\nstatement:\n"
                        << record.sql << "\nexpected (" << LineCount(expected.size()) << "):\n"
                        << Block(expected) << "actual (" << LineCount(actual->size()) << "):\n"
                        << Block(*actual) << "result as JSON: " << ToJson(**result);
    }
  }

  // A failure reported at the record's line of the script (its first line for line 0).
  Failure Fail(int line) const { return Failure(file_, std::max(line, 1)); }

  std::string file_;
  std::string db_path_;
  std::unique_ptr<Database> db_;
  std::map<std::string, std::unique_ptr<Session>> sessions_;  // by name, "default" excepted
  std::map<std::string, std::string> tenants_;                // by name; kept across reopen
  std::string current_ = std::string(kDefaultSession);
  const bool trace_ = std::getenv("ENGRAM_SQLTEST_TRACE") != nullptr;
};

}  // namespace

void RunScript(const std::string& file, const std::string& db_path,
               const std::vector<Record>& records) {
  ScriptRunner(file, db_path).Run(records);
}

}  // namespace engram::sqltest
