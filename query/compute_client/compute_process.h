// ComputeProcess: an engram-compute child process serving on a private unix socket.
//
// Spawn() creates a private directory (mode 0700) under $TMPDIR, starts
// `engram-compute serve --listen unix:DIR/compute.sock ...`, and waits for its "listening" line.
// The child is tied to this process by a pipe (--parent-fd): it exits when this process exits,
// however that happens. Destruction stops it (closes the pipe, SIGTERM, then SIGKILL after a
// grace period) and removes the directory.
//
// Thread-safety: none; ComputeLink serialises use.
#ifndef ENGRAM_QUERY_COMPUTE_CLIENT_COMPUTE_PROCESS_H_
#define ENGRAM_QUERY_COMPUTE_CLIENT_COMPUTE_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "compute/protocol/address.h"
#include "engram/status.h"

namespace engram::query {

struct SpawnOptions {
  std::string binary;                   // "" = FindComputeBinary()
  std::string model;                    // --model; "" = the co-process default
  std::vector<std::string> extra_args;  // e.g. {"--device", "cuda"}
  std::chrono::milliseconds start_timeout{60'000};
};

class ComputeProcess {
 public:
  // Errors: NOTFOUND (no binary), COMPUTE (failed to start or exited before listening; the
  // message carries its exit status).
  static Result<std::unique_ptr<ComputeProcess>> Spawn(const SpawnOptions& options);
  ~ComputeProcess();
  ComputeProcess(const ComputeProcess&) = delete;
  ComputeProcess& operator=(const ComputeProcess&) = delete;

  const protocol::Address& address() const { return address_; }
  pid_t pid() const { return pid_; }

  // False once the child has exited (reaps it).
  bool Alive();

  // Closes the lifeline and sends SIGTERM, waits up to `grace`, then SIGKILL; reaps the child.
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

 private:
  ComputeProcess() = default;

  pid_t pid_ = -1;
  int lifeline_ = -1;  // write end of the pipe the child watches
  std::string dir_;
  protocol::Address address_;
};

// engram-compute next to the running executable, else $ENGRAM_COMPUTE, else the first on PATH.
// Empty when none is found.
std::string FindComputeBinary();

}  // namespace engram::query

#endif  // ENGRAM_QUERY_COMPUTE_CLIENT_COMPUTE_PROCESS_H_
