// Benchmark of the logged-session store: write N rounds in batches, then stream them back.
// Run it under /usr/bin/time -v to see that peak RSS does not grow with N:
//   /usr/bin/time -v build/bench_log_store 10000000 /tmp/big.h5
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "replay/log_store.h"

using namespace bundlerl;

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 1000000;
  const std::string path = argc > 2 ? argv[2] : "/tmp/bundlerl_bench_log.h5";
  const int64_t K = 3, batch_rounds = 65536, n_units = 1000;
  LogMeta meta;
  meta.source = "bench";
  meta.logging_policy = "uniform";
  meta.command = "bench_log_store";
  meta.slate_size = meta.slots_per_round = K;
  meta.n_units = n_units;
  std::mt19937_64 rng(1);
  auto t0 = std::chrono::steady_clock::now();
  {
    LogWriter w(path, meta);
    RoundBatch b;
    b.Reserve(batch_rounds, K, 0);
    for (int64_t first = 0; first < n; first += batch_rounds) {
      b.Clear();
      b.n = std::min(batch_rounds, n - first);
      for (int64_t i = 0; i < b.n; ++i) {
        b.session_id.push_back(first + i);
        b.step.push_back(0);
        b.timestamp.push_back(static_cast<double>(first + i));
        b.user_id.push_back(static_cast<int64_t>(rng() % 100000));
        const int32_t u0 = static_cast<int32_t>(rng() % (n_units - 2));
        for (int k = 0; k < K; ++k) {
          b.slate.push_back(u0 + k);
          b.position.push_back(k);
          b.pscore.push_back(1.0 / n_units);
          b.click.push_back(static_cast<float>(rng() % 100 == 0));
        }
      }
      w.AppendRounds(b);
    }
    w.Commit();
  }
  auto t1 = std::chrono::steady_clock::now();
  LogReader r(path);
  RoundStream stream(r, batch_rounds);
  RoundBatch b;
  double clicks = 0;
  int64_t seen = 0;
  while (stream.Next(b)) {
    for (float c : b.click) clicks += c;
    seen += b.n;
  }
  auto t2 = std::chrono::steady_clock::now();
  const double wsec = std::chrono::duration<double>(t1 - t0).count();
  const double rsec = std::chrono::duration<double>(t2 - t1).count();
  std::printf("rounds=%lld K=%lld batch=%lld units=%lld\n", (long long)n, (long long)K,
              (long long)batch_rounds, (long long)n_units);
  std::printf("write: %.2f s (%.0f rounds/s)\nread+validate: %.2f s (%.0f rounds/s), clicks=%.0f, rounds=%lld\n",
              wsec, n / wsec, rsec, seen / rsec, clicks, (long long)seen);
  return seen == n ? 0 : 1;
}
