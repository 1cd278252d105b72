// Running statements through the C API: the engram_exec* and engram_session_exec* functions,
// engram_exec_options_init and the interrupts. Every exec function comes down to Exec, run by
// GuardedExec, which turns any exception into a results object holding one failure, so that
// none reaches the C caller (why: internal.h).
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/c_api/internal.h"
#include "engram/database.h"
#include "engram/engram.h"
#include "engram/statement_result.h"
#include "engram/status.h"

using engram::c_api::CopyVersioned;
using engram::c_api::Entry;
using engram::c_api::StopFlags;

namespace {

// A results object holding one failure: how the exec functions report a failure of the call
// itself. nullptr when even that cannot be allocated.
engram_results* FailedCall(int code, std::string_view message) noexcept {
  try {
    auto results = std::make_unique<engram_results>();
    Entry entry;
    entry.status =
        engram::Status::Error(static_cast<engram::ErrorCode>(code), std::string(message));
    results->entries.push_back(std::move(entry));
    results->json.resize(1);
    return results.release();
  } catch (...) {
    return nullptr;
  }
}

// The common body of every exec function. `session` is the statement stream, `stop` its flags.
int Exec(engram::Session& session, StopFlags& stop, std::string_view text,
         const engram_exec_options* options, engram_results** out) {
  engram_exec_options opts;
  engram_exec_options_init(&opts);
  if (options != nullptr) {
    std::string problem = CopyVersioned(*options, opts);
    if (!problem.empty()) {
      if (out != nullptr) *out = FailedCall(ENGRAM_SYNTAX, "engram_exec_options " + problem);
      return ENGRAM_SYNTAX;
    }
  }

  // The pieces of GENERATE text go to the C callback NUL-terminated, hence the copy into a
  // buffer reused for every piece.
  std::string piece;
  bool callback_stopped = false;
  std::vector<std::string> sources;
  engram::ExecuteOptions execute;
  execute.stop_on_error = opts.stop_on_error != 0;
  execute.cancel = &stop.cancel;
  if (opts.on_text != nullptr) {
    execute.on_text = [&](std::string_view text_piece) {
      piece.assign(text_piece);
      if (opts.on_text(piece.c_str(), piece.size(), opts.user_data) != 0) {
        callback_stopped = true;
        stop.cancel.store(true);
      }
    };
  }
  execute.on_result = [&](std::string_view statement,
                          const engram::Result<engram::StatementResult>&) {
    if (out != nullptr) sources.emplace_back(statement);  // only kept for the results object
    // A callback's stop request ends with its GENERATE; an interrupt's lasts the whole call.
    if (callback_stopped) {
      callback_stopped = false;
      stop.EndStatement();
    }
  };

  stop.Reset();
  std::vector<engram::Result<engram::StatementResult>> raw = session.Execute(text, execute);

  int code = ENGRAM_OK;
  for (const auto& result : raw) {
    if (!result.ok()) {
      code = static_cast<int>(result.status().code());
      break;
    }
  }
  if (out == nullptr) return code;

  auto results = std::make_unique<engram_results>();
  results->entries.resize(raw.size());
  results->json.resize(raw.size());
  // on_result runs once per result, in order; should that ever not hold, no sources rather
  // than wrong ones.
  const bool sources_match = sources.size() == raw.size();
  for (std::size_t i = 0; i < raw.size(); ++i) {
    Entry& entry = results->entries[i];
    entry.ok = raw[i].ok();
    if (entry.ok) {
      entry.value = std::move(raw[i]).value();
    } else {
      entry.status = raw[i].status();
    }
    if (sources_match) {
      entry.has_source = true;
      entry.source = std::move(sources[i]);
    }
  }
  *out = results.release();
  return code;
}

// Runs Exec, turning an exception into ENGRAM_INTERNAL with a one-failure results object. (Exec
// stores *out last, after everything that can throw, so a caught exception never leaves a
// results object behind to free.)
template <typename Handle>
int GuardedExec(Handle* handle, engram::Session* (*session_of)(Handle*), const char* function,
                const char* text, std::size_t length, const engram_exec_options* options,
                engram_results** out) noexcept {
  if (out != nullptr) *out = nullptr;
  auto fail = [&](int code, std::string_view message) noexcept {
    if (out != nullptr) *out = FailedCall(code, message);
    return code;
  };
  if (handle == nullptr) return fail(ENGRAM_SYNTAX, "the database or session handle is NULL");
  if (text == nullptr && length != 0) return fail(ENGRAM_SYNTAX, "the statement text is NULL");
  try {
    return Exec(*session_of(handle), handle->stop,
                text == nullptr ? std::string_view() : std::string_view(text, length), options,
                out);
  } catch (const std::bad_alloc&) {
    return fail(ENGRAM_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    try {
      return fail(ENGRAM_INTERNAL, std::string(function) + ": unexpected exception: " + e.what());
    } catch (...) {
      return fail(ENGRAM_INTERNAL, "unexpected exception");
    }
  } catch (...) {
    return fail(ENGRAM_INTERNAL, "unexpected exception of unknown type");
  }
}

// GuardedExec's remote-mode counterpart: the statements go to engramd (remote.cc).
int GuardedRemoteExec(engram::c_api::RemoteHandle& remote, const char* function, const char* text,
                      std::size_t length, const engram_exec_options* options,
                      engram_results** out) noexcept {
  if (out != nullptr) *out = nullptr;
  auto fail = [&](int code, std::string_view message) noexcept {
    if (out != nullptr) *out = FailedCall(code, message);
    return code;
  };
  if (text == nullptr && length != 0) return fail(ENGRAM_SYNTAX, "the statement text is NULL");
  try {
    engram_exec_options opts;
    engram_exec_options_init(&opts);
    if (options != nullptr) {
      std::string problem = CopyVersioned(*options, opts);
      if (!problem.empty()) return fail(ENGRAM_SYNTAX, "engram_exec_options " + problem);
    }
    return engram::c_api::ExecRemote(
        remote, text == nullptr ? std::string_view() : std::string_view(text, length), opts, out);
  } catch (const std::bad_alloc&) {
    return fail(ENGRAM_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    try {
      return fail(ENGRAM_INTERNAL, std::string(function) + ": unexpected exception: " + e.what());
    } catch (...) {
      return fail(ENGRAM_INTERNAL, "unexpected exception");
    }
  } catch (...) {
    return fail(ENGRAM_INTERNAL, "unexpected exception of unknown type");
  }
}

engram::Session* DefaultSession(engram_db* db) {
  return &db->database->default_session();
}

engram::Session* SessionOf(engram_session* session) {
  return session->session.get();
}

// The NUL-terminated, optionally streaming forms of both exec families: `exec_n` is
// engram_exec_n or engram_session_exec_n.
template <typename Handle>
int ExecCString(Handle* handle,
                int (*exec_n)(Handle*, const char*, size_t, const engram_exec_options*,
                              engram_results**),
                const char* statements, engram_text_callback on_text, void* user_data,
                engram_results** out) {
  if (statements == nullptr) {
    if (out != nullptr) *out = FailedCall(ENGRAM_SYNTAX, "the statement text is NULL");
    return ENGRAM_SYNTAX;
  }
  engram_exec_options options;
  engram_exec_options_init(&options);
  options.on_text = on_text;
  options.user_data = user_data;
  return exec_n(handle, statements, std::strlen(statements), &options, out);
}

}  // namespace

extern "C" {

// --- Exec ---

void engram_exec_options_init(engram_exec_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->size = sizeof(*options);
}

int engram_exec(engram_db* db, const char* statements, engram_results** out) {
  return engram_exec_stream(db, statements, nullptr, nullptr, out);
}

int engram_exec_stream(engram_db* db, const char* statements, engram_text_callback on_text,
                       void* user_data, engram_results** out) {
  return ExecCString(db, &engram_exec_n, statements, on_text, user_data, out);
}

int engram_exec_n(engram_db* db, const char* text, size_t length,
                  const engram_exec_options* options, engram_results** out) {
  if (db != nullptr && db->remote) {
    return GuardedRemoteExec(*db->remote, "engram_exec", text, length, options, out);
  }
  return GuardedExec(db, &DefaultSession, "engram_exec", text, length, options, out);
}

int engram_session_exec(engram_session* session, const char* statements, engram_results** out) {
  return engram_session_exec_stream(session, statements, nullptr, nullptr, out);
}

int engram_session_exec_stream(engram_session* session, const char* statements,
                               engram_text_callback on_text, void* user_data,
                               engram_results** out) {
  return ExecCString(session, &engram_session_exec_n, statements, on_text, user_data, out);
}

int engram_session_exec_n(engram_session* session, const char* text, size_t length,
                          const engram_exec_options* options, engram_results** out) {
  if (session != nullptr && session->remote) {
    return GuardedRemoteExec(*session->remote, "engram_session_exec", text, length, options, out);
  }
  return GuardedExec(session, &SessionOf, "engram_session_exec", text, length, options, out);
}

void engram_interrupt(engram_db* db) {
  if (db != nullptr) db->stop.Interrupt();
}

void engram_session_interrupt(engram_session* session) {
  if (session != nullptr) session->stop.Interrupt();
}

}  // extern "C"
