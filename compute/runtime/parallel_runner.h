// A fixed set of worker threads that run one function over a partitioned range and wait for it:
// the calling thread does part 0 itself, so a runner of N threads starts N-1 workers.
//
// Thread-safety: Run() must be called from one thread at a time (the owner of the engine).
#ifndef ENGRAM_COMPUTE_RUNTIME_PARALLEL_RUNNER_H_
#define ENGRAM_COMPUTE_RUNTIME_PARALLEL_RUNNER_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace engram::compute {

class ParallelRunner {
 public:
  // `threads` >= 1; 1 runs everything on the caller.
  explicit ParallelRunner(int threads);
  ~ParallelRunner();
  ParallelRunner(const ParallelRunner&) = delete;
  ParallelRunner& operator=(const ParallelRunner&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(part, parts) for part = 0 .. parts-1 concurrently, parts <= threads(), and returns
  // when all have finished.
  void Run(int parts, const std::function<void(int part)>& fn);

 private:
  void WorkerLoop(int index);

  std::mutex mutex_;
  std::condition_variable start_cv_;
  std::condition_variable done_cv_;
  const std::function<void(int)>* job_ = nullptr;
  int job_parts_ = 0;
  std::uint64_t generation_ = 0;
  int pending_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace engram::compute

#endif  // ENGRAM_COMPUTE_RUNTIME_PARALLEL_RUNNER_H_
