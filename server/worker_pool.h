// WorkerPool: the threads that run statements off the event loop, so that a long model call
// (GENERATE, an episodic READ) never stalls the other connections. Jobs run in submission
// order on the first free thread; a job reports back to the loop itself (uv_async_send through
// Server::Post).
//
// Thread-safety: Submit may be called from any thread; Stop from one thread, once, after the
// last Submit. The destructor stops and joins.
#ifndef ENGRAM_SERVER_WORKER_POOL_H_
#define ENGRAM_SERVER_WORKER_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace engram::server {

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job`. A job must not throw (the server's jobs catch everything they can raise).
  void Submit(std::function<void()> job);

  // Runs the jobs already queued, then joins the threads.
  void Stop();

 private:
  void Run();

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace engram::server

#endif  // ENGRAM_SERVER_WORKER_POOL_H_
