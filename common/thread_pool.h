// The executor: a fixed set of worker threads that runs one parallel loop at a time, the
// calling thread taking part. Every parallel loop of BundleRL runs on one of these (the
// simulator's session batches own one; everything else uses the shared pools of
// common/executor.h), so there is one threading model, one error path and one rule for
// determinism: task i's result may depend on i only, never on the thread that ran it.
//
// Contract of Run(n, f):
//   * f(thread, task) is called exactly once for every task in [0, n); thread < size() names
//     a per-thread scratch buffer; thread t takes the contiguous block [t n / size,
//     (t + 1) n / size), so the assignment is fixed for a given pool size.
//   * If tasks throw, the exception of the lowest task index that threw is rethrown to the
//     caller once every block has stopped (a block stops at its first failure). That index
//     does not depend on the number of threads, so neither does the error message.
//   * A Run from inside a task (nested parallelism), or while another thread is running a
//     loop on the same pool, runs its tasks inline on the calling thread, in order, with
//     thread index 0: never a deadlock, and still the same results.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "common/error.h"

namespace bundlerl {

// The most threads a pool may have: four per hardware thread (at least 4). Settings are
// checked against it with the key named (ValidateThreads, common/executor.h); the pool
// itself refuses more, so that no path can start a runaway number of threads.
inline int MaxThreads() {
  const int hw = static_cast<int>(std::thread::hardware_concurrency());
  return 4 * (hw > 0 ? hw : 1);
}

class ThreadPool {
 public:
  explicit ThreadPool(int threads) : size_(threads < 1 ? 1 : threads) {
    if (size_ > MaxThreads())
      Fail("thread pool: ", threads, " threads asked for, at most ", MaxThreads(), " (four per hardware thread)");
    for (int t = 1; t < size_; ++t) workers_.emplace_back([this, t] { Work(t); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    start_.notify_all();
    for (auto& w : workers_) w.join();
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return size_; }

  void Run(int64_t n, const std::function<void(int, int64_t)>& f) {
    if (size_ == 1 || n <= 1 || InsideTask()) return RunInline(n, f);
    std::unique_lock<std::mutex> run_lock(run_mutex_, std::try_to_lock);
    if (!run_lock.owns_lock()) return RunInline(n, f);  // another caller is using the pool
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &f;
      n_ = n;
      error_ = nullptr;
      error_task_ = std::numeric_limits<int64_t>::max();
      pending_.store(size_ - 1, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    start_.notify_all();
    RunBlock(0);
    // Calls come back to back when a batch is stepped in a loop: spin a little before
    // sleeping, since waking a sleeping thread costs tens of microseconds.
    for (int i = 0; i < kSpin && pending_.load(std::memory_order_acquire) != 0; ++i) Pause();
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  static constexpr int kSpin = 4000;  // about 0.1 ms of pause instructions
  static void Pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
  }
  // True on a thread that is running a task of any pool.
  static bool& InsideTask() {
    thread_local bool inside = false;
    return inside;
  }
  struct TaskScope {
    bool previous;
    TaskScope() : previous(InsideTask()) { InsideTask() = true; }
    ~TaskScope() { InsideTask() = previous; }
  };
  static void RunInline(int64_t n, const std::function<void(int, int64_t)>& f) {
    TaskScope scope;
    for (int64_t i = 0; i < n; ++i) f(0, i);
  }
  void RunBlock(int t) {
    const int64_t begin = n_ * t / size_, end = n_ * (t + 1) / size_;
    TaskScope scope;
    int64_t i = begin;
    try {
      for (; i < end; ++i) (*job_)(t, i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (i < error_task_) error_task_ = i, error_ = std::current_exception();
    }
  }
  void Work(int t) {
    uint64_t seen = 0;
    for (;;) {
      for (int i = 0; i < kSpin && generation_.load(std::memory_order_acquire) == seen; ++i) Pause();
      {
        std::unique_lock<std::mutex> lock(mutex_);
        start_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        if (stop_) return;
        seen = generation_.load(std::memory_order_relaxed);
      }
      RunBlock(t);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_one();
      }
    }
  }

  int size_;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;  // held by the caller of a parallel Run
  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(int, int64_t)>* job_ = nullptr;  // written under mutex_
  int64_t n_ = 0;
  std::atomic<int> pending_{0};
  std::atomic<uint64_t> generation_{0};
  bool stop_ = false;
  std::exception_ptr error_;
  int64_t error_task_ = 0;
};

}  // namespace bundlerl
