// Opening and closing databases and sessions through the C API (engram_options_init,
// engram_open, engram_close, engram_session_*, engram_in_transaction).
//
// The entry points that can allocate or reach the engine run their bodies in GuardWithError,
// which stops every exception at the C boundary (why: internal.h).
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <utility>

#include "client/c_api/internal.h"
#include "engram/database.h"
#include "engram/engram.h"

using engram::c_api::CopyVersioned;
using engram::c_api::SetError;

namespace {

// Runs `body` (returning an engram_code), turning any exception into ENGRAM_INTERNAL with an
// error object. The one place where exceptions stop for the functions that report through an
// engram_error.
template <typename Body>
int GuardWithError(engram_error** error, const char* function, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    SetError(error, ENGRAM_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    try {
      SetError(error, ENGRAM_INTERNAL,
               std::string(function) + ": unexpected exception: " + e.what());
    } catch (...) {
      SetError(error, ENGRAM_INTERNAL, "unexpected exception");
    }
  } catch (...) {
    SetError(error, ENGRAM_INTERNAL, "unexpected exception of unknown type");
  }
  return ENGRAM_INTERNAL;
}

std::string CString(const char* text) {
  return text == nullptr ? std::string() : std::string(text);
}

}  // namespace

extern "C" {

// --- Databases ---

void engram_options_init(engram_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));  // padding too: see CopyVersioned
  options->size = sizeof(*options);
  options->create_if_missing = 1;
}

int engram_open(const char* path, const engram_options* options, engram_db** out,
                engram_error** error) {
  if (out != nullptr) *out = nullptr;
  if (error != nullptr) *error = nullptr;
  return GuardWithError(error, "engram_open", [&]() -> int {
    if (out == nullptr) {
      SetError(error, ENGRAM_SYNTAX, "engram_open: out is NULL");
      return ENGRAM_SYNTAX;
    }
    engram_options opts;
    engram_options_init(&opts);
    if (options != nullptr) {
      std::string problem = CopyVersioned(*options, opts);
      if (!problem.empty()) {
        SetError(error, ENGRAM_SYNTAX, "engram_open: engram_options " + problem);
        return ENGRAM_SYNTAX;
      }
    }
    if (opts.server != nullptr && opts.server[0] != '\0') {
      engram::RemoteOptions remote;
      remote.address = opts.server;
      remote.user = CString(opts.user);
      remote.password = CString(opts.password);
      auto db = std::make_unique<engram_db>();
      const int rc = engram::c_api::OpenRemote(remote, db->remote, error);
      if (rc != ENGRAM_OK) return rc;
      *out = db.release();
      return ENGRAM_OK;
    }
    if (path == nullptr) {
      SetError(error, ENGRAM_SYNTAX, "engram_open: path is NULL");
      return ENGRAM_SYNTAX;
    }
    engram::DatabaseOptions db_options;
    db_options.create_if_missing = opts.create_if_missing != 0;
    db_options.read_only = opts.read_only != 0;
    db_options.model = CString(opts.model);
    db_options.compute_address = CString(opts.compute_address);
    db_options.compute_binary = CString(opts.compute_binary);
    db_options.compute_connections = opts.compute_connections;
    if (opts.compute_arg_count != 0 && opts.compute_args == nullptr) {
      SetError(error, ENGRAM_SYNTAX, "engram_open: compute_args is NULL with a non-zero count");
      return ENGRAM_SYNTAX;
    }
    for (std::size_t i = 0; i < opts.compute_arg_count; ++i) {
      if (opts.compute_args[i] == nullptr) {
        SetError(error, ENGRAM_SYNTAX,
                 "engram_open: compute_args[" + std::to_string(i) + "] is NULL");
        return ENGRAM_SYNTAX;
      }
      db_options.compute_args.emplace_back(opts.compute_args[i]);
    }

    auto db = std::make_unique<engram_db>();  // before opening: nothing to undo if this throws
    auto database = engram::Database::Open(path, db_options);
    if (!database.ok()) {
      SetError(error, database.status());
      return static_cast<int>(database.status().code());
    }
    db->database = std::shared_ptr<engram::Database>(std::move(*database));
    *out = db.release();
    return ENGRAM_OK;
  });
}

void engram_close(engram_db* db) {
  if (db == nullptr) return;
  // Sessions may keep the Database alive past this call; the default session's transaction
  // ends with the handle regardless, as it would have with the database.
  try {
    // Remote mode: closing the connection makes the server abort an open transaction.
    if (db->database) db->database->default_session().AbortTransaction();
  } catch (...) {
    // Nothing to report to: the handle goes away either way.
  }
  delete db;
}

int engram_in_transaction(const engram_db* db) {
  if (db == nullptr) return 0;
  if (db->remote) return db->remote->in_transaction ? 1 : 0;
  return db->database->default_session().in_transaction() ? 1 : 0;
}

// --- Sessions ---

int engram_session_open(engram_db* db, const char* tenant, engram_session** out,
                        engram_error** error) {
  if (out != nullptr) *out = nullptr;
  if (error != nullptr) *error = nullptr;
  return GuardWithError(error, "engram_session_open", [&]() -> int {
    if (db == nullptr || tenant == nullptr || out == nullptr) {
      SetError(error, ENGRAM_SYNTAX,
               db == nullptr       ? "engram_session_open: db is NULL"
               : tenant == nullptr ? "engram_session_open: tenant is NULL"
                                   : "engram_session_open: out is NULL");
      return ENGRAM_SYNTAX;
    }
    auto handle = std::make_unique<engram_session>();
    if (db->remote) {
      const int rc = engram::c_api::OpenRemote(db->remote->options, handle->remote, error);
      if (rc != ENGRAM_OK) return rc;
      if (handle->remote->client->tenant() != tenant) {
        SetError(error, ENGRAM_TENANT,
                 "engram_session_open: the server runs this user's statements as tenant '" +
                     handle->remote->client->tenant() + "', not '" + tenant + "'");
        return ENGRAM_TENANT;
      }
      *out = handle.release();
      return ENGRAM_OK;
    }
    auto session = db->database->OpenSession(tenant);
    if (!session.ok()) {
      SetError(error, session.status());
      return static_cast<int>(session.status().code());
    }
    handle->database = db->database;
    handle->session = std::move(*session);
    *out = handle.release();
    return ENGRAM_OK;
  });
}

void engram_session_close(engram_session* session) {
  // ~Session aborts an open transaction. It does not throw (LMDB aborts release memory only),
  // and a destructor that did would end the program rather than cross this boundary.
  delete session;
}

const char* engram_session_tenant(const engram_session* session) {
  if (session == nullptr) return nullptr;
  if (session->remote) return session->remote->client->tenant().c_str();
  return session->session->tenant().c_str();
}

int engram_session_in_transaction(const engram_session* session) {
  if (session == nullptr) return 0;
  if (session->remote) return session->remote->in_transaction ? 1 : 0;
  return session->session->in_transaction() ? 1 : 0;
}

}  // extern "C"
