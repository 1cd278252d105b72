#include "compute/runtime/parallel_runner.h"

#include <cassert>

namespace engram::compute {

ParallelRunner::ParallelRunner(int threads) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
}

ParallelRunner::~ParallelRunner() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  start_cv_.notify_all();
  for (auto& w : workers_) w.join();
}

void ParallelRunner::Run(int parts, const std::function<void(int)>& fn) {
  assert(parts >= 1 && parts <= threads());
  if (parts == 1) {
    fn(0);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    job_ = &fn;
    job_parts_ = parts;
    pending_ = parts - 1;
    ++generation_;
  }
  start_cv_.notify_all();
  fn(0);
  std::unique_lock lock(mutex_);
  done_cv_.wait(lock, [this] { return pending_ == 0; });
  job_ = nullptr;
}

void ParallelRunner::WorkerLoop(int index) {
  std::uint64_t seen = 0;
  for (;;) {
    const std::function<void(int)>* job = nullptr;
    {
      std::unique_lock lock(mutex_);
      start_cv_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      if (index >= job_parts_) continue;  // not needed this round
      job = job_;
    }
    (*job)(index);
    {
      std::lock_guard lock(mutex_);
      --pending_;
    }
    done_cv_.notify_one();
  }
}

}  // namespace engram::compute
