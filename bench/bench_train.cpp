// Benchmark of off-policy REINFORCE training throughput with the MLP scorer in the OBD shape
// (80 candidates, K = 3): logged rounds consumed per second, observation regeneration and the
// forward/backward pass included, log generation excluded (timed apart).
// Usage: bench_train [updates=50] [batch_rounds=2048]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "agents/trainer.h"
#include "env/world.h"

using namespace bundlerl;

int main(int argc, char** argv) {
  const int64_t updates = argc > 1 ? std::atoll(argv[1]) : 50;
  const int64_t batch = argc > 2 ? std::atoll(argv[2]) : 2048;
  WorldConfig w;
  w.num_items = 400;
  ShopperConfig sh;
  SessionConfig se;
  se.num_candidates = 80;
  se.slate_size = 3;
  const auto model = std::make_shared<const ShopperModel>(World::Generate(w), sh, se);
  TrainConfig c;
  c.agent = "offpolicy-reinforce";
  c.scorer = "mlp";
  c.hidden = 32;
  c.batch_rounds = batch;
  c.log_rounds = updates * batch;
  // Log generation alone (one update of training on top is negligible against it).
  c.updates = 1;
  auto t0 = std::chrono::steady_clock::now();
  TrainAgent(model, c);
  const double log_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  c.updates = updates;
  t0 = std::chrono::steady_clock::now();
  const TrainResult r = TrainAgent(model, c);
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double train = total - log_seconds;
  std::printf("off-policy REINFORCE, MLP scorer (hidden 32), 80 candidates, K = 3, %lld features\n"
              "updates %lld x batch %lld rounds; logs: %lld rounds generated in %.2f s\n"
              "training: %.2f s, %.0f rounds/s (observations regenerated from seeds, forward + backward)\n",
              (long long)7, (long long)updates, (long long)batch, (long long)c.log_rounds, log_seconds, train,
              r.rounds / train);
  return 0;
}
