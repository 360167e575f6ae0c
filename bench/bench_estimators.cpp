// Benchmark of the OPE estimators: one pass over n rounds with K slots, next to a plain loop
// that only streams the same arrays (the memory-bandwidth bound), with 1 and 2 threads; and
// the Poisson bootstrap next to its target. Usage: bench_estimators [rounds=10000000] [K=3] [boot_rows=1000000] [B=1000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "common/random.h"
#include "ope/estimator.h"

using namespace bundlerl;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }
// The process's CPU time since c0 (all threads).
double CpuSeconds(std::clock_t c0) { return double(std::clock() - c0) / CLOCKS_PER_SEC; }

// Streams `arrays` (each of `size` doubles) with `threads` threads, summing every value.
double StreamBound(const std::vector<const std::vector<double>*>& arrays, int threads, double& sink) {
  const int64_t size = static_cast<int64_t>(arrays[0]->size());
  std::vector<double> partial(threads, 0.0);
  const auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      const int64_t b = size * t / threads, e = size * (t + 1) / threads;
      // Eight independent accumulators: bound by memory bandwidth, not by add latency.
      double s[8] = {};
      for (const auto* a : arrays) {
        const double* p = a->data();
        int64_t i = b;
        for (; i + 8 <= e; i += 8)
          for (int l = 0; l < 8; ++l) s[l] += p[i + l];
        for (; i < e; ++i) s[0] += p[i];
      }
      partial[t] = s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
    });
  for (auto& th : pool) th.join();
  const double sec = Seconds(t0);
  for (double p : partial) sink += p;
  return sec;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 10000000;
  const int64_t K = argc > 2 ? std::atoll(argv[2]) : 3;
  // The bootstrap's rows are the first cells of the one-pass arrays: at most n * K of them.
  const int64_t boot_n = std::min<int64_t>(argc > 3 ? std::atoll(argv[3]) : 1000000, n * K);
  const int B = argc > 4 ? std::atoi(argv[4]) : 1000;
  OpeData d;
  d.n = n;
  d.K = K;
  SplitMix64 rng(1);
  const int64_t nk = n * K;
  d.reward.resize(nk), d.pscore.resize(nk), d.target.resize(nk), d.q_hat.resize(nk), d.q_hat_target.resize(nk);
  for (int64_t i = 0; i < nk; ++i) {
    d.pscore[i] = 1.0 / 80;
    d.target[i] = rng.Uniform() * 0.05;
    d.reward[i] = rng.Uniform() < 0.005;
    d.q_hat[i] = 0.005;
    d.q_hat_target[i] = 0.004;
  }
  std::printf("OPE one-pass throughput: rounds=%lld K=%lld (per-slot arrays of %lld doubles)\n",
              (long long)n, (long long)K, (long long)nk);
  std::printf("(estimator pass includes value validation, the max weight and the weight diagnostics;\n"
              " ratio = wall time / stream wall time, cpu ratio = the same in CPU time, which a\n"
              " busy machine disturbs less; each the best of 3 runs)\n");
  std::printf("%-8s %8s %14s %14s %8s %10s\n", "estim.", "threads", "rounds/s", "stream rounds/s", "ratio",
              "cpu ratio");
  double sink = 0;
  // DR first; then the reward-model arrays are dropped, as in a user's IPS-only data, so that
  // the estimator and the stream loop read the same arrays.
  for (const char* spec : {"dr", "ipw", "snipw"}) {
    const auto est = MakeEstimator(spec);
    if (std::string(spec) != "dr") d.q_hat.clear(), d.q_hat_target.clear();
    std::vector<const std::vector<double>*> arrays = {&d.reward, &d.pscore, &d.target};
    if (std::string(spec) == "dr") arrays.push_back(&d.q_hat), arrays.push_back(&d.q_hat_target);
    for (int threads : {1, 2}) {
      EstimateOptions opt;
      opt.threads = threads;
      RunEstimator(*est, d, opt);  // warm-up
      // Best of three for both, alternating, so that a busy machine skews neither side.
      double sec = 1e300, stream = 1e300, cpu = 1e300, stream_cpu = 1e300;
      Estimate e;
      for (int rep = 0; rep < 3; ++rep) {
        const auto t0 = Clock::now();
        std::clock_t c0 = std::clock();
        e = RunEstimator(*est, d, opt);
        sec = std::min(sec, Seconds(t0));
        cpu = std::min(cpu, CpuSeconds(c0));
        c0 = std::clock();
        stream = std::min(stream, StreamBound(arrays, threads, sink));
        stream_cpu = std::min(stream_cpu, CpuSeconds(c0));
      }
      std::printf("%-8s %8d %14.3g %14.3g %8.2f %10.2f   (value %.6f)\n", spec, threads, n / sec,
                  n / stream, sec / stream, cpu / stream_cpu, e.value);
    }
  }
  // Bootstrap: the whole RunEstimator with B resamples, and the pass alone, so that the
  // bootstrap's own time is their difference.
  OpeData small;
  small.n = boot_n;
  small.K = 1;
  small.reward.assign(d.reward.begin(), d.reward.begin() + boot_n);
  small.pscore.assign(d.pscore.begin(), d.pscore.begin() + boot_n);
  small.target.assign(d.target.begin(), d.target.begin() + boot_n);
  std::printf("\nPoisson bootstrap: rows=%lld resamples=%d (target for one term: 1000 x 1M rows "
              "within 0.5 s on 2 threads)\n",
              (long long)boot_n, B);
  std::printf("(cpu s: the process's CPU time in the run; near total s with 2 threads means the\n"
              " threads got one core between them, the machine being busy)\n");
  std::printf("%-8s %8s %10s %10s %10s %10s\n", "estim.", "threads", "total s", "pass s", "boot s", "cpu s");
  for (const char* spec : {"ipw", "snipw"}) {
    const auto est = MakeEstimator(spec);
    for (int threads : {1, 2}) {
      EstimateOptions opt;
      opt.threads = threads;
      auto t0 = Clock::now();
      RunEstimator(*est, small, opt);
      const double pass = Seconds(t0);
      opt.bootstrap_samples = B;
      t0 = Clock::now();
      const std::clock_t c0 = std::clock();
      const Estimate e = RunEstimator(*est, small, opt);
      const double total = Seconds(t0), cpu = CpuSeconds(c0);
      std::printf("%-8s %8d %10.3f %10.3f %10.3f %10.3f   (CI [%.6f, %.6f])\n", spec, threads, total, pass,
                  total - pass, cpu, e.ci_low, e.ci_high);
    }
  }
  return sink == 12345.678 ? 1 : 0;
}
