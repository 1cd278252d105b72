#include "client/cli/operator_commands.h"

#include <cstdio>
#include <iostream>

#include "client/flags.h"
#include "client/json.h"
#include "storage/store.h"

namespace engram::cli {
namespace {

constexpr const char* kDefaultDb = "./engram.db";

// Prints `status` as the error of `command` (JSON when asked) and returns exit status 1.
int Fail(const std::string& command, const Status& status, bool json) {
  if (json) {
    JsonObject error;
    error.Add("code", ErrorCodeName(status.code())).Add("message", status.message());
    std::cout << JsonObject().Add("ok", false).AddRaw("error", error.str()).str() << "\n";
  } else {
    std::cerr << "engram " << command << ": " << status.ToString() << "\n";
  }
  return 1;
}

struct Parsed {
  Flags flags;
  std::string db;
  bool json = false;
};

// Parses `args` for `command`; on a usage error prints it and returns nullopt.
std::optional<Parsed> Parse(const std::string& command, const std::vector<std::string>& args,
                            const std::set<std::string>& valued = {}) {
  std::set<std::string> with_value = valued;
  with_value.insert("db");
  auto flags = Flags::Parse(args, with_value, {"json"});
  if (!flags.ok() || !flags->positional().empty()) {
    std::cerr << "engram " << command << ": "
              << (flags.ok() ? "unexpected argument '" + flags->positional()[0] + "'"
                             : flags.status().ToString())
              << "\n";
    return std::nullopt;
  }
  Parsed parsed{std::move(*flags), "", false};
  parsed.db = parsed.flags.String("db", kDefaultDb);
  parsed.json = parsed.flags.Has("json");
  return parsed;
}

Result<std::unique_ptr<storage::Store>> OpenExisting(const std::string& db, bool read_only) {
  storage::OpenOptions options;
  options.read_only = read_only;
  options.create_if_missing = false;
  return storage::Store::Open(db, options);
}

std::string Mib(std::uint64_t bytes) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buffer;
}

}  // namespace

int StatCommand(const std::vector<std::string>& args) {
  auto parsed = Parse("stat", args);
  if (!parsed) return 2;
  auto store = OpenExisting(parsed->db, /*read_only=*/true);
  if (!store.ok()) return Fail("stat", store.status(), parsed->json);
  auto stats = (*store)->Stat();
  if (!stats.ok()) return Fail("stat", stats.status(), parsed->json);
  const storage::StoreStats& s = *stats;
  if (parsed->json) {
    JsonObject prunable;
    prunable.Add("versions", s.prunable.versions_deleted)
        .Add("blobs", s.prunable.blobs_deleted)
        .Add("blob_bytes", s.prunable.blob_bytes_freed);
    JsonObject retention;
    retention.Add("retain_versions", s.retain_versions)
        .Add("retained_from", s.retained_from)
        .Add("snapshots", s.snapshots)
        .AddRaw("prunable", prunable.str());
    JsonObject out;
    out.Add("ok", true)
        .Add("db", s.dir)
        .Add("format_version", s.format_version)
        .Add("head", s.head)
        .Add("page_size", s.page_size)
        .Add("map_bytes", s.map_bytes)
        .Add("used_bytes", s.used_bytes)
        .Add("file_bytes", s.file_bytes)
        .Add("tenants", s.tenants)
        .Add("records", s.record_keys)
        .Add("live_records", s.live_records)
        .Add("versions", s.record_versions)
        .Add("tombstones", s.tombstones)
        .Add("blobs", s.blobs)
        .Add("blob_bytes", s.blob_bytes)
        .Add("commits", s.commits)
        .Add("audit_markers", s.audit_markers)
        .Add("readers", s.readers)
        .Add("max_readers", s.max_readers)
        .AddRaw("retention", retention.str());
    std::cout << out.str() << "\n";
    return 0;
  }
  std::printf("database        %s (format %u)\n", s.dir.c_str(), s.format_version);
  std::printf("head version    %llu\n", static_cast<unsigned long long>(s.head));
  std::printf("map             %s used of %s mapped (file %s, page %llu B)\n",
              Mib(s.used_bytes).c_str(), Mib(s.map_bytes).c_str(), Mib(s.file_bytes).c_str(),
              static_cast<unsigned long long>(s.page_size));
  std::printf("records         %llu (%llu live), %llu versions, %llu tombstones, %llu tenants\n",
              static_cast<unsigned long long>(s.record_keys),
              static_cast<unsigned long long>(s.live_records),
              static_cast<unsigned long long>(s.record_versions),
              static_cast<unsigned long long>(s.tombstones),
              static_cast<unsigned long long>(s.tenants));
  std::printf("blobs           %llu (%s of payload)\n", static_cast<unsigned long long>(s.blobs),
              Mib(s.blob_bytes).c_str());
  std::printf("commits         %llu, %llu purge markers\n",
              static_cast<unsigned long long>(s.commits),
              static_cast<unsigned long long>(s.audit_markers));
  std::printf("readers         %u of %u slots\n", s.readers, s.max_readers);
  if (s.retain_versions == 0) {
    std::printf("retention       every version kept; %llu snapshots\n",
                static_cast<unsigned long long>(s.snapshots));
  } else {
    std::printf("retention       last %llu versions + %llu snapshots; pruned below %llu\n",
                static_cast<unsigned long long>(s.retain_versions),
                static_cast<unsigned long long>(s.snapshots),
                static_cast<unsigned long long>(s.retained_from));
    std::printf("gc would free   %llu versions, %llu blobs (%s)\n",
                static_cast<unsigned long long>(s.prunable.versions_deleted),
                static_cast<unsigned long long>(s.prunable.blobs_deleted),
                Mib(s.prunable.blob_bytes_freed).c_str());
  }
  return 0;
}

int VerifyCommand(const std::vector<std::string>& args) {
  auto parsed = Parse("verify", args);
  if (!parsed) return 2;
  auto store = OpenExisting(parsed->db, /*read_only=*/true);
  if (!store.ok()) return Fail("verify", store.status(), parsed->json);
  auto report = (*store)->Verify();
  if (!report.ok()) return Fail("verify", report.status(), parsed->json);
  if (parsed->json) {
    std::string problems = "[";
    for (std::size_t i = 0; i < report->problems.size(); ++i) {
      problems += (i > 0 ? ", " : "") + JsonString(report->problems[i]);
    }
    problems += "]";
    JsonObject out;
    out.Add("ok", report->clean())
        .Add("records", report->records_checked)
        .Add("blobs", report->blobs_checked)
        .Add("commits", report->commits_checked)
        .AddRaw("problems", problems);
    if (!report->clean()) {
      out.AddRaw("error",
                 JsonObject()
                     .Add("code", "CORRUPT")
                     .Add("message", std::to_string(report->problems.size()) + " problem(s) found")
                     .str());
    }
    std::cout << out.str() << "\n";
  } else if (report->clean()) {
    std::printf("ok: %llu record versions, %llu blobs, %llu commits checked\n",
                static_cast<unsigned long long>(report->records_checked),
                static_cast<unsigned long long>(report->blobs_checked),
                static_cast<unsigned long long>(report->commits_checked));
  } else {
    for (const std::string& problem : report->problems) {
      std::printf("CORRUPT: %s\n", problem.c_str());
    }
    std::printf("CORRUPT: %zu problem(s) found in %s\n", report->problems.size(),
                parsed->db.c_str());
  }
  return report->clean() ? 0 : 1;
}

int DumpCommand(const std::vector<std::string>& args) {
  auto parsed = Parse("dump", args);
  if (!parsed) return 2;
  auto store = OpenExisting(parsed->db, /*read_only=*/true);
  if (!store.ok()) return Fail("dump", store.status(), false);
  Status status = (*store)->Dump(stdout);
  return status.ok() ? 0 : Fail("dump", status, false);
}

int LoadCommand(const std::vector<std::string>& args) {
  auto parsed = Parse("load", args);
  if (!parsed) return 2;
  auto store = storage::Store::Open(parsed->db);
  if (!store.ok()) return Fail("load", store.status(), parsed->json);
  Status status = (*store)->Load(stdin);
  if (!status.ok()) return Fail("load", status, parsed->json);
  auto txn = (*store)->BeginRead();
  if (!txn.ok()) return Fail("load", txn.status(), parsed->json);
  if (parsed->json) {
    std::cout << JsonObject().Add("ok", true).Add("head", txn->head()).str() << "\n";
  } else {
    std::printf("loaded %s: head version %llu\n", parsed->db.c_str(),
                static_cast<unsigned long long>(txn->head()));
  }
  return 0;
}

int CompactCommand(const std::vector<std::string>& args) {
  auto parsed = Parse("compact", args);
  if (!parsed) return 2;
  auto store = OpenExisting(parsed->db, /*read_only=*/false);
  if (!store.ok()) return Fail("compact", store.status(), parsed->json);
  auto before = (*store)->Stat();
  auto gc = (*store)->CollectGarbage();
  if (!gc.ok()) return Fail("compact", gc.status(), parsed->json);
  Status status = (*store)->Compact();
  if (!status.ok()) return Fail("compact", status, parsed->json);
  auto after = (*store)->Stat();
  if (!before.ok() || !after.ok()) {
    return Fail("compact", before.ok() ? after.status() : before.status(), parsed->json);
  }
  if (parsed->json) {
    std::cout << JsonObject()
                     .Add("ok", true)
                     .Add("file_bytes_before", before->file_bytes)
                     .Add("file_bytes_after", after->file_bytes)
                     .Add("versions_pruned", gc->versions_deleted)
                     .Add("blobs_pruned", gc->blobs_deleted)
                     .str()
              << "\n";
  } else {
    std::printf("compacted %s: %s -> %s (gc pruned %llu versions, %llu blobs)\n",
                parsed->db.c_str(), Mib(before->file_bytes).c_str(), Mib(after->file_bytes).c_str(),
                static_cast<unsigned long long>(gc->versions_deleted),
                static_cast<unsigned long long>(gc->blobs_deleted));
  }
  return 0;
}

int GcCommand(const std::vector<std::string>& args) {
  auto parsed = Parse("gc", args, {"keep-versions"});
  if (!parsed) return 2;
  auto store = OpenExisting(parsed->db, /*read_only=*/false);
  if (!store.ok()) return Fail("gc", store.status(), parsed->json);
  if (parsed->flags.Has("keep-versions")) {
    auto keep = parsed->flags.Int("keep-versions", 0);
    if (!keep.ok() || *keep < 0) {
      std::cerr << "engram gc: --keep-versions takes a number >= 0 (0 keeps every version)\n";
      return 2;
    }
    Status set = (*store)->SetRetention(static_cast<std::uint64_t>(*keep));
    if (!set.ok()) return Fail("gc", set, parsed->json);
  }
  auto gc = (*store)->CollectGarbage();
  if (!gc.ok()) return Fail("gc", gc.status(), parsed->json);
  if (parsed->json) {
    std::cout << JsonObject()
                     .Add("ok", true)
                     .Add("cutoff", gc->cutoff)
                     .Add("versions_pruned", gc->versions_deleted)
                     .Add("blobs_pruned", gc->blobs_deleted)
                     .Add("blob_bytes_freed", gc->blob_bytes_freed)
                     .str()
              << "\n";
  } else {
    std::printf("gc: pruned %llu versions and %llu blobs (%s) below version %llu\n",
                static_cast<unsigned long long>(gc->versions_deleted),
                static_cast<unsigned long long>(gc->blobs_deleted),
                Mib(gc->blob_bytes_freed).c_str(), static_cast<unsigned long long>(gc->cutoff));
  }
  return 0;
}

}  // namespace engram::cli
