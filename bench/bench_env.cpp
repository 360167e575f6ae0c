// Benchmark of the shopper simulator: steps per second, with observation building (the
// per-candidate kernel features, kept up to date after every click) and response sampling
// included, policy time excluded (slates come from a precomputed list).
// Usage: bench_env [seconds_per_cell=2]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "env/shopper_model.h"
#include "env/world.h"

using namespace bundlerl;
using Clock = std::chrono::steady_clock;

namespace {

struct Cell {
  double steps_per_second, click_rate, mean_steps;
};

Cell Run(std::shared_ptr<const ShopperModel> model, int threads, double seconds) {
  const int64_t K = model->session_config().slate_size, C = model->session_config().num_candidates;
  std::vector<int64_t> steps(threads, 0), clicks(threads, 0), episodes(threads, 0);
  auto work = [&](int t) {
    ShopperSession s(model);
    // 4096 precomputed valid slates: policy time excluded.
    std::vector<int32_t> slates(4096 * K);
    SplitMix64 g(DeriveSeed(9, t));
    for (int i = 0; i < 4096; ++i)
      for (int64_t a = 0; a < K; ++a) {
        int32_t c;
        do c = static_cast<int32_t>(g.Below(C));
        while (std::find(&slates[i * K], &slates[i * K + a], c) != &slates[i * K + a]);
        slates[i * K + a] = c;
      }
    const auto end = Clock::now() + std::chrono::duration<double>(seconds);
    int64_t e = 0, n = 0, k = 0;
    while (Clock::now() < end) {
      for (int rep = 0; rep < 64; ++rep) {
        s.Reset(static_cast<int32_t>((e * 7919 + t) % model->world().num_shoppers()), DeriveSeed(t, e));
        ++e;
        while (!s.done()) {
          const Observation o = s.Observe();
          (void)o;
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
  return {n / sec, static_cast<double>(k) / n, static_cast<double>(n) / e};
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  std::printf("shopper steps per second (observation building and response sampling included,\n"
              "policy excluded); world: default config except items = candidates; mnl choice,\n"
              "bundle term on, max_steps 10, history cap 50; %.1f s per cell\n\n", seconds);
  std::printf("%8s %4s %8s %14s %16s %10s %10s\n", "items", "K", "threads", "steps/s", "steps/s/thread",
              "clicks/step", "steps/ep");
  for (int64_t M : {1000, 100000}) {
    WorldConfig w;
    w.num_items = M;
    w.num_categories = 20;
    const auto world = World::Generate(w);
    for (int64_t K : {3, 10}) {
      ShopperConfig sh;
      SessionConfig se;
      se.slate_size = K;
      se.num_candidates = M;
      const auto model = std::make_shared<const ShopperModel>(world, sh, se);
      for (int threads : {1, 2}) {
        const Cell c = Run(model, threads, seconds);
        std::printf("%8lld %4lld %8d %14.0f %16.0f %10.3f %10.2f\n", (long long)M, (long long)K, threads,
                    c.steps_per_second, c.steps_per_second / threads, c.click_rate, c.mean_steps);
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
