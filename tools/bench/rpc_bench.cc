// Protocol round trips to a real engram-compute over its private unix socket: latency of a small
// op (p50 / p99 over every iteration), and GENERATE throughput with N concurrent clients (the
// co-process batches them). The baseline in the same process is a bare unix-socket echo of a
// frame of the same size, which bounds what any protocol could reach on this machine.

#include <benchmark/benchmark.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "query/compute_client/compute_client.h"
#include "query/compute_client/compute_process.h"

namespace engram::query {
namespace {

ComputeProcess& Process() {
  static ComputeProcess* process = [] {
    auto spawned = ComputeProcess::Spawn({});
    if (!spawned.ok()) {
      std::fprintf(stderr, "%s\n", spawned.status().ToString().c_str());
      std::exit(1);
    }
    return std::move(spawned).value().release();
  }();
  return *process;
}

std::unique_ptr<ComputeClient> Connect() {
  auto client = ComputeClient::Connect(Process().address());
  if (!client.ok()) std::exit(1);
  return std::move(client).value();
}

// Runs `round_trip` once per iteration, timing each, and reports p50 / p99 in microseconds.
template <typename RoundTrip>
void TimeEachRoundTrip(benchmark::State& state, RoundTrip round_trip) {
  std::vector<double> micros;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    round_trip();
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) {
    return micros[static_cast<std::size_t>(q * static_cast<double>(micros.size() - 1))];
  };
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
}

// Baseline: write a frame-sized message to a socketpair and read it back on another thread.
void BM_UnixSocketEcho(benchmark::State& state) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) std::abort();
  std::atomic<bool> stop{false};
  std::thread echo([&] {
    char buf[64];
    while (!stop) {
      const ssize_t n = ::read(fds[1], buf, sizeof(buf));
      if (n <= 0) break;
      if (::write(fds[1], buf, static_cast<std::size_t>(n)) != n) break;
    }
  });
  char msg[48] = {}, reply[48];
  TimeEachRoundTrip(state, [&] {
    if (::write(fds[0], msg, sizeof(msg)) != static_cast<ssize_t>(sizeof(msg))) std::abort();
    std::size_t got = 0;
    while (got < sizeof(reply)) {
      got += static_cast<std::size_t>(::read(fds[0], reply + got, sizeof(reply) - got));
    }
  });
  stop = true;
  ::shutdown(fds[0], SHUT_RDWR);
  echo.join();
  ::close(fds[0]);
  ::close(fds[1]);
}
BENCHMARK(BM_UnixSocketEcho)->UseRealTime();

// A small op: ModelInfo (no model work), and Tokenize of a short sentence (runs on a worker).
void BM_ModelInfoRoundTrip(benchmark::State& state) {
  auto client = Connect();
  TimeEachRoundTrip(state, [&] {
    if (!client->GetModelInfo().ok()) std::abort();
  });
}
BENCHMARK(BM_ModelInfoRoundTrip)->UseRealTime();

void BM_TokenizeRoundTrip(benchmark::State& state) {
  auto client = Connect();
  TimeEachRoundTrip(state, [&] {
    if (!client->Tokenize("Lily and Ben went to the park.").ok()) std::abort();
  });
}
BENCHMARK(BM_TokenizeRoundTrip)->UseRealTime();

// N clients each generate 256 greedy tokens at once; the co-process batches them.
void BM_GenerateConcurrentClients(benchmark::State& state) {
  const int clients = static_cast<int>(state.range(0));
  std::vector<std::unique_ptr<ComputeClient>> connections;
  for (int i = 0; i < clients; ++i) connections.push_back(Connect());
  for (auto _ : state) {
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i) {
      threads.emplace_back([&, i] {
        GenerateParams p;
        p.prompt_tokens = std::vector<int>{1};
        p.temperature = 0.0f;
        p.max_new_tokens = 256;
        p.stop_at_bos = false;
        if (!connections[static_cast<std::size_t>(i)]->Generate(p).ok()) std::abort();
      });
    }
    for (auto& t : threads) t.join();
  }
  state.counters["tok/s"] = benchmark::Counter(static_cast<double>(clients) * 256,
                                               benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_GenerateConcurrentClients)
    ->Arg(1)
    ->Arg(8)
    ->Arg(64)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace engram::query

BENCHMARK_MAIN();
