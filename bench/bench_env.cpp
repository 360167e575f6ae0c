// Benchmark of the shopper simulator: steps per second, with observation building and
// response sampling included, policy time excluded (slates come from a precomputed list).
// Two observations: the state observation (ObserveState: candidates, history and the
// platform's user state, kept up to date in O(d) per click; a policy computes the feature
// rows it scores) and the full observation (Observe: the whole [C, F] feature matrix, kept up
// to date in O(C) per click and per reset).
// Usage: bench_env [seconds_per_cell=2] [items: 1000, 100000 or 0 for both]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "env/session_batch.h"
#include "env/shopper_model.h"
#include "env/world.h"

using namespace bundlerl;
using Clock = std::chrono::steady_clock;

namespace {

struct Cell {
  double steps_per_second, click_rate, mean_steps;
};

// `count` valid slates (K distinct candidates of C) drawn in advance: policy time excluded.
std::vector<int32_t> PrecomputedSlates(int64_t count, int64_t K, int64_t C, uint64_t seed) {
  std::vector<int32_t> slates(count * K);
  SplitMix64 g(seed);
  for (int64_t i = 0; i < count; ++i)
    for (int64_t a = 0; a < K; ++a) {
      int32_t c;
      do c = static_cast<int32_t>(g.Below(C));
      while (std::find(&slates[i * K], &slates[i * K + a], c) != &slates[i * K + a]);
      slates[i * K + a] = c;
    }
  return slates;
}

// The default world with M items in 20 categories.
std::shared_ptr<const World> BenchWorld(int64_t M) {
  WorldConfig w;
  w.num_items = M;
  w.num_categories = 20;
  return World::Generate(w);
}

Cell Run(std::shared_ptr<const ShopperModel> model, int threads, double seconds, bool full) {
  const int64_t K = model->session_config().slate_size, C = model->session_config().num_candidates;
  std::vector<int64_t> steps(threads, 0), clicks(threads, 0), episodes(threads, 0), sink(threads, 0);
  auto work = [&](int t) {
    ShopperSession s(model);
    const std::vector<int32_t> slates = PrecomputedSlates(4096, K, C, DeriveSeed(9, t));
    const auto end = Clock::now() + std::chrono::duration<double>(seconds);
    int64_t e = 0, n = 0, k = 0;
    while (Clock::now() < end) {
      for (int rep = 0; rep < 64; ++rep) {
        s.Reset(static_cast<int32_t>((e * 7919 + t) % model->world().num_shoppers()), DeriveSeed(t, e));
        ++e;
        while (!s.done()) {
          const Observation o = full ? s.Observe() : s.ObserveState();
          sink[t] += o.history_length;
          k += __builtin_popcount(s.Step(&slates[(n & 4095) * K]).clicks);
          ++n;
        }
      }
    }
    steps[t] = n, clicks[t] = k, episodes[t] = e;
  };
  const auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  const double sec = std::chrono::duration<double>(Clock::now() - t0).count();
  int64_t n = 0, k = 0, e = 0;
  for (int t = 0; t < threads; ++t) n += steps[t], k += clicks[t], e += episodes[t];
  if (sink[0] < 0) std::printf("unreachable\n");  // keeps the observation alive
  return {n / sec, static_cast<double>(k) / n, static_cast<double>(n) / e};
}

// The same through SessionBatch: N sessions per Step on a persistent pool of `threads`.
double RunBatch(std::shared_ptr<const ShopperModel> model, int threads, double seconds, bool full, int64_t N) {
  const int64_t K = model->session_config().slate_size, C = model->session_config().num_candidates;
  SessionBatch batch(model, N, 9, threads, full ? ObservationKind::kFull : ObservationKind::kState);
  constexpr int64_t kRounds = 16;  // precomputed slates for 16 batch steps, reused in turn
  const std::vector<int32_t> slates = PrecomputedSlates(kRounds * N, K, C, 17);
  std::vector<StepResult> out(N);
  const auto t0 = Clock::now();
  const auto end = t0 + std::chrono::duration<double>(seconds);
  int64_t steps = 0, r = 0;
  while (Clock::now() < end) {
    batch.Step(&slates[(r++ % kRounds) * N * K], out.data());
    steps += N;
  }
  return steps / std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  const int64_t only_items = argc > 2 ? std::atoll(argv[2]) : 0;
  WorldConfig defaults;
  ShopperConfig shopper;
  SessionConfig session;
  std::printf("shopper steps per second, observation building and response sampling included,\n"
              "policy excluded (slates drawn uniformly from 4096 precomputed ones).\n"
              "world: default [world] config (seed %llu, %lld users, %lld categories, embedding_dim %lld,\n"
              "history_length %lld, %lld baskets) except items = candidates; kernels: embedding cosine\n"
              "(content), basket Jaccard (complement), tabulated up to %lld items; shopper: %s choice,\n"
              "bundle term on (complementarity %.1f, redundancy %.1f), no noise, leave %.2f + %.2f per miss,\n"
              "history cap %lld; session: max_steps %lld, reward click; %.1f s per cell.\n"
              "state: ObserveState() each step (user state, O(d) per click; rows on demand);\n"
              "full:  Observe() each step (the whole [C, %d] feature matrix, O(C) per click and reset)\n\n",
              (unsigned long long)defaults.seed, (long long)defaults.num_users, (long long)20,
              (long long)defaults.embedding_dim, (long long)defaults.history_length, (long long)defaults.baskets,
              (long long)defaults.similarity_table_items, shopper.choice_model.c_str(), shopper.complementarity,
              shopper.redundancy, shopper.leave_base, shopper.leave_per_miss, (long long)shopper.max_history,
              (long long)session.max_steps, seconds, kNumFeatures);
  std::printf("%8s %4s %8s %16s %16s %10s %10s\n", "items", "K", "threads", "state steps/s/th",
              "full steps/s/th", "clicks/step", "steps/ep");
  for (int64_t M : {1000, 100000}) {
    if (only_items && M != only_items) continue;
    const auto world = BenchWorld(M);
    for (int64_t K : {3, 10}) {
      SessionConfig se;
      se.slate_size = K;
      se.num_candidates = M;
      const auto model = std::make_shared<const ShopperModel>(world, shopper, se);
      for (int threads : {1, 2}) {
        const Cell st = Run(model, threads, seconds, false);
        const Cell full = Run(model, threads, seconds, true);
        std::printf("%8lld %4lld %8d %16.0f %16.0f %10.3f %10.2f\n", (long long)M, (long long)K, threads,
                    st.steps_per_second / threads, full.steps_per_second / threads, st.click_rate,
                    st.mean_steps);
        std::fflush(stdout);
      }
    }
  }
  const int64_t N = argc > 3 ? std::atoll(argv[3]) : 256;
  std::printf("\nbatched: SessionBatch of %lld sessions (auto-reset, observations refreshed in the workers),\n"
              "one Step call per %lld shopper steps; K = 3\n\n", (long long)N, (long long)N);
  std::printf("%8s %8s %16s %16s\n", "items", "threads", "state steps/s/th", "full steps/s/th");
  for (int64_t M : {1000, 100000}) {
    if (only_items && M != only_items) continue;
    const auto world = BenchWorld(M);
    SessionConfig se;
    se.num_candidates = M;
    const auto model = std::make_shared<const ShopperModel>(world, shopper, se);
    for (int threads : {1, 2}) {
      const double st = RunBatch(model, threads, seconds, false, N);
      const double full = RunBatch(model, threads, seconds, true, N);
      std::printf("%8lld %8d %16.0f %16.0f\n", (long long)M, threads, st / threads, full / threads);
      std::fflush(stdout);
    }
  }
  return 0;
}
