// The embedded engine behind engram/database.h: a Store, a lazily started ComputeLink bound to
// the database's model, and one Executor per session.
#include "engram/database.h"

#include <filesystem>
#include <mutex>
#include <optional>
#include <utility>

#include "query/compute_client/compute_link.h"
#include "query/executor/executor.h"
#include "storage/store.h"

namespace engram {
namespace {

// Engine metadata keys (storage meta `engine.<key>`, docs/format.md §2).
constexpr std::string_view kModelPathKey = "model.path";
constexpr std::string_view kModelFingerprintKey = "model.fingerprint";

std::string AbsolutePath(const std::string& path) {
  if (path.empty()) return path;
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  return ec ? path : absolute.lexically_normal().string();
}

}  // namespace

struct Database::Impl {
  std::unique_ptr<storage::Store> store;
  DatabaseOptions options;
  query::LinkOptions link_options;

  std::mutex mutex;  // guards link and fingerprint
  // Serialises the sessions' read-then-write statements (query::ExecutorOptions).
  query::MemoryWriteLocks write_locks;
  std::unique_ptr<query::ComputeLink> link;
  std::string fingerprint;  // bound model; "" until first used

  // A started link serving the database's model (see Database::StartCompute).
  Result<query::ComputeLink*> Compute() {
    std::lock_guard lock(mutex);
    if (!link) link = std::make_unique<query::ComputeLink>(link_options);
    ENGRAM_RETURN_IF_ERROR(link->Start());
    ENGRAM_ASSIGN_OR_RETURN(query::ModelInfo model, link->Model());
    if (fingerprint.empty()) {
      // First use of the model: bind the database to it (a read-only handle binds in memory).
      if (!store->read_only()) {
        ENGRAM_RETURN_IF_ERROR(store->SetEngineMeta(kModelFingerprintKey, model.fingerprint));
      }
      fingerprint = model.fingerprint;
    } else if (model.fingerprint != fingerprint) {
      return ModelError("the database '" + store->dir() + "' is bound to the model with " +
                        "fingerprint " + fingerprint + ", but the co-process serves " +
                        model.checkpoint_path + " with fingerprint " + model.fingerprint +
                        "; open it with the model it was built with (--model)");
    }
    return link.get();
  }

  query::ExecutorOptions ExecutorOptionsFor(storage::Tenant tenant) {
    query::ExecutorOptions executor_options;
    executor_options.tenant = std::move(tenant);
    executor_options.tenant_scoped_stats = options.tenant_scoped_stats;
    executor_options.model_fingerprint = [this] {
      std::lock_guard lock(mutex);
      return fingerprint;
    };
    executor_options.compute = [this] { return Compute(); };
    executor_options.write_locks = &write_locks;
    return executor_options;
  }
};

struct Session::Impl {
  query::Executor executor;
};

// --- Session ---

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

std::vector<Result<StatementResult>> Session::Execute(std::string_view script,
                                                      const ExecuteOptions& options) {
  query::StatementHooks hooks;
  hooks.on_text = options.on_text;
  hooks.on_progress = options.on_progress;
  hooks.cancel = options.cancel;
  hooks.on_result = options.on_result;
  return impl_->executor.Execute(script, options.stop_on_error, hooks);
}

const std::string& Session::tenant() const {
  return impl_->executor.tenant().name();
}

bool Session::in_transaction() const {
  return impl_->executor.in_transaction();
}

void Session::AbortTransaction() {
  impl_->executor.AbortTransaction();
}

// --- Database ---

Result<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                 const DatabaseOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (options.compute_connections < 0) {
    return SyntaxError("compute_connections must be >= 0 (0: the default of " +
                       std::to_string(impl->link_options.max_connections) + ")");
  }
  if (options.compute_connections > 0) {
    impl->link_options.max_connections = options.compute_connections;
  }
  if (!options.compute_address.empty()) {
    Result<protocol::Address> address = protocol::ParseAddress(options.compute_address);
    if (!address.ok()) return address.status().WithContext("--compute");
    impl->link_options.address = *address;
  }
  if (!options.model.empty()) {
    std::error_code ec;
    if (!std::filesystem::exists(options.model, ec)) {
      return NotFoundError("model path '" + options.model + "' not found");
    }
  }
  storage::OpenOptions store_options;
  store_options.read_only = options.read_only;
  store_options.create_if_missing = options.create_if_missing && !options.read_only;
  if (options.initial_map_bytes > 0) store_options.initial_map_bytes = options.initial_map_bytes;
  ENGRAM_ASSIGN_OR_RETURN(impl->store, storage::Store::Open(path, store_options));

  // The model: the one asked for, else the one recorded at creation, else the default.
  ENGRAM_ASSIGN_OR_RETURN(std::optional<std::string> recorded_path,
                          impl->store->GetEngineMeta(kModelPathKey));
  std::string model = AbsolutePath(options.model);
  if (!recorded_path && !impl->store->read_only()) {
    ENGRAM_RETURN_IF_ERROR(impl->store->SetEngineMeta(kModelPathKey, model));
  }
  if (model.empty() && recorded_path) model = *recorded_path;
  ENGRAM_ASSIGN_OR_RETURN(std::optional<std::string> fingerprint,
                          impl->store->GetEngineMeta(kModelFingerprintKey));
  if (fingerprint) impl->fingerprint = *fingerprint;

  impl->link_options.spawn.binary = options.compute_binary;
  impl->link_options.spawn.model = model;
  impl->link_options.spawn.extra_args = options.compute_args;

  std::unique_ptr<Database> db(new Database(std::move(impl)));
  ENGRAM_ASSIGN_OR_RETURN(db->default_session_, db->OpenSession("default"));
  return db;
}

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Database::~Database() {
  default_session_.reset();  // before the store it borrows
}

Result<std::unique_ptr<Session>> Database::OpenSession(std::string_view tenant) {
  ENGRAM_ASSIGN_OR_RETURN(storage::Tenant checked, storage::Tenant::Make(tenant));
  auto impl = std::unique_ptr<Session::Impl>(new Session::Impl{
      query::Executor(*impl_->store, impl_->ExecutorOptionsFor(std::move(checked)))});
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

std::vector<Result<StatementResult>> Database::Execute(std::string_view script,
                                                       const ExecuteOptions& options) {
  return default_session_->Execute(script, options);
}

Session& Database::default_session() {
  return *default_session_;
}

const std::string& Database::path() const {
  return impl_->store->dir();
}

bool Database::read_only() const {
  return impl_->store->read_only();
}

Status Database::StartCompute() {
  return impl_->Compute().status();
}

std::string Database::model_fingerprint() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->fingerprint;
}

}  // namespace engram
