// `engram-compute serve`: the co-process. Loads the model once, then serves the compute protocol
// until SIGINT/SIGTERM. Prints one "listening on ADDRESS" line on stdout when ready.

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>

#include "compute/cli/commands.h"
#include "compute/context/context_engine.h"
#include "compute/editing/edit_engine.h"
#include "compute/episodic/episodic_engine.h"
#include "compute/episodic/shipped_encoder.h"
#include "compute/server/compute_server.h"

namespace engram::compute {
namespace {

// The episodic state cache by default: an eighth of physical memory, within 512 MiB .. 8 GiB.
// A memory's state is ~50 MiB with the default settings (docs/protocol.md §5.8), so a server with
// many active memories keeps them built instead of rebuilding one per request; it is a cache,
// filled only by memories in use.
std::int64_t DefaultEpisodicCacheBytes() {
  constexpr std::int64_t kMin = std::int64_t{512} << 20, kMax = std::int64_t{8} << 30;
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return kMin;
  return std::clamp(static_cast<std::int64_t>(pages) * page / 8, kMin, kMax);
}

}  // namespace

int RunServe(const std::vector<std::string>& args) {
  // Writes to a closed stdout (the spawning engine stops reading after the ready line) or to a
  // vanished peer must fail with an error, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  auto flags = Flags::Parse(args,
                            {"listen", "model", "tokenizer", "engine", "device", "threads", "isa",
                             "max-slots", "max-frame", "blob-cache", "max-connections", "parent-fd",
                             "episodic-dir", "episodic-cache", "edit-cache", "workers",
                             "model-workers"},
                            {});
  if (!flags.ok()) return ReportFailure(flags.status());
  if (!flags->Has("listen"))
    return ReportFailure(SyntaxError("serve needs --listen unix:PATH|tcp://HOST:PORT"));
  auto address = protocol::ParseAddress(flags->String("listen"));
  if (!address.ok()) return ReportFailure(address.status());
  auto engine_options = EngineOptionsFromFlags(*flags);
  if (!engine_options.ok()) return ReportFailure(engine_options.status());
  auto max_frame =
      flags->Int("max-frame", static_cast<std::int64_t>(protocol::kDefaultMaxFrameBytes));
  auto blob_cache = flags->Int("blob-cache", std::int64_t{1} << 30);
  auto max_connections = flags->Int("max-connections", 256);
  auto parent_fd = flags->Int("parent-fd", -1);
  auto episodic_cache = flags->Int("episodic-cache", DefaultEpisodicCacheBytes());
  auto edit_cache = flags->Int("edit-cache", std::int64_t{1} << 30);
  auto workers = flags->Int("workers", 2);
  auto model_workers = flags->Int("model-workers", 2);
  for (const Status& s :
       {max_frame.status(), blob_cache.status(), max_connections.status(), parent_fd.status(),
        episodic_cache.status(), edit_cache.status(), workers.status(), model_workers.status()}) {
    if (!s.ok()) return ReportFailure(s);
  }
  if (*workers < 1 || *workers > 256 || *model_workers < 1 || *model_workers > 256) {
    return ReportFailure(SyntaxError("--workers and --model-workers must be within 1 .. 256"));
  }
  if (*max_frame < 1024 || *max_frame > (std::int64_t{1} << 31)) {
    return ReportFailure(SyntaxError("--max-frame must be within 1 KiB .. 2 GiB"));
  }
  if (*blob_cache < 0 || *max_connections < 1 || *episodic_cache < 0 || *edit_cache < 0) {
    return ReportFailure(SyntaxError(
        "--blob-cache, --episodic-cache and --edit-cache must be >= 0 and --max-connections >= 1"));
  }

  auto model = LoadModelFromFlags(*flags);
  if (!model.ok()) return ReportFailure(model.status());
  auto engine = CreateDecodeEngine(model->checkpoint.weights, *engine_options);
  if (!engine.ok()) return ReportFailure(engine.status());

  ServiceOptions service_options;
  service_options.blob_cache_bytes = static_cast<std::size_t>(*blob_cache);
  service_options.max_reply_bytes = static_cast<std::size_t>(*max_frame);
  service_options.worker_threads = static_cast<int>(*workers);
  service_options.model_threads = static_cast<int>(*model_workers);
  // The episodic encoder's tables are loaded at the first episodic request, so a co-process
  // without them still serves everything else.
  episodic::EpisodicEngineOptions episodic_options;
  episodic_options.asset_dir = flags->Has("episodic-dir")
                                   ? flags->String("episodic-dir")
                                   : episodic::DefaultEpisodicAssetDir(model->checkpoint_path);
  episodic_options.cache_bytes = static_cast<std::size_t>(*episodic_cache);
  context::ContextEngineOptions context_options;
  context_options.isa = engine_options->isa;
  auto edits = std::make_unique<editing::EditEngine>(*model, static_cast<std::size_t>(*edit_cache),
                                                     episodic_options.asset_dir);
  ComputeService service(*model, **engine, service_options,
                         std::make_unique<episodic::EpisodicEngine>(episodic_options),
                         std::make_unique<context::ContextEngine>(*model, context_options),
                         std::move(edits));
  ServerOptions server_options;
  server_options.max_frame_bytes = static_cast<std::size_t>(*max_frame);
  server_options.max_connections = static_cast<std::size_t>(*max_connections);
  ComputeServer server(service, server_options);
  auto bound = server.Listen(*address);
  if (!bound.ok()) return ReportFailure(bound.status());
  if (*parent_fd >= 0) server.WatchParent(static_cast<int>(*parent_fd));

  std::printf("engram-compute: listening on %s (model %s, engine %s on %s)\n",
              bound->ToString().c_str(), model->fingerprint.ToHex().c_str(),
              (*engine)->name().c_str(), (*engine)->device().c_str());
  std::fflush(stdout);
  server.Run(/*handle_signals=*/true);
  service.Shutdown();
  return 0;
}

}  // namespace engram::compute
