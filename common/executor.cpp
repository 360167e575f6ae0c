// The shared executor: see executor.h.
#include "common/executor.h"

#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "common/error.h"

namespace bundlerl {

ThreadPool& SharedPool(int threads) {
  if (threads < 1) threads = 1;
  static std::mutex mutex;
  // Leaked on purpose: workers of a static pool would be joined during static destruction,
  // after other statics they may still reference.
  static auto* pools = new std::map<int, std::unique_ptr<ThreadPool>>();
  std::lock_guard<std::mutex> lock(mutex);
  auto& pool = (*pools)[threads];
  if (!pool) pool = std::make_unique<ThreadPool>(threads);
  return *pool;
}

// MaxThreads() (common/thread_pool.h) is the bound.
void ValidateThreads(int64_t threads, const std::string& key) {
  if (threads < 1 || threads > MaxThreads())
    Fail(key, ": expected a number of threads in [1, ", MaxThreads(), "] (four per hardware thread), got ",
         threads);
}

}  // namespace bundlerl
