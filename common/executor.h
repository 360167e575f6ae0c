// The shared executor: one persistent ThreadPool per thread count, created on first use and
// kept for the life of the process, so that parallel loops (estimators, logging, truth by
// simulation, kernels, the harness) reuse the same workers instead of starting threads on
// every call. ParallelFor is the entry point for all of them; see common/thread_pool.h for
// the contract (fixed blocks, errors rethrown by lowest task index, nested calls inline).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/thread_pool.h"

namespace bundlerl {

// The process-wide pool of `threads` threads (threads < 1 counts as 1).
ThreadPool& SharedPool(int threads);

// Calls f(thread, task) for every task in [0, n) on the shared pool of `threads` threads.
inline void ParallelFor(int threads, int64_t n, const std::function<void(int, int64_t)>& f) {
  SharedPool(threads).Run(n, f);
}

// Throws Error naming `key` unless 1 <= threads <= MaxThreads().
void ValidateThreads(int64_t threads, const std::string& key);

}  // namespace bundlerl
