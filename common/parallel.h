// A static round-robin thread loop: task i runs on thread i mod threads, so per-thread
// buffers can be indexed by the thread and results written by task index are deterministic.
#pragma once

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

namespace bundlerl {

// Calls f(thread, task) for every task in [0, n_tasks) on up to `threads` threads.
template <typename F>
void ParallelFor(int threads, int64_t n_tasks, F f) {
  threads = std::max(1, std::min<int>(threads, static_cast<int>(std::max<int64_t>(1, n_tasks))));
  if (threads == 1) {
    for (int64_t i = 0; i < n_tasks; ++i) f(0, i);
    return;
  }
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int64_t i = t; i < n_tasks; i += threads) f(t, i);
    });
  for (auto& th : pool) th.join();
}

}  // namespace bundlerl
