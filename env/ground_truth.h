// Ground truth for a policy in the simulator: the expected total reward of an episode, by
// on-policy simulation (mean and standard error over seeded episodes) and, for small worlds,
// exactly by enumeration over the policy's slates and the shopper's responses.
#pragma once

#include <cstdint>
#include <memory>

#include <functional>
#include <utility>
#include <vector>

#include "env/environment.h"
#include "env/shopper_model.h"

namespace bundlerl {

// The simulator takes policies as functions, so that env/ needs no policy class: wrap any
// SlatePolicy with [&](auto&... a) { policy.Act(a...); } (and Enumerate likewise).
using ActFunction = std::function<void(const Observation&, SplitMix64&, int32_t*)>;
using SlateDistribution = std::vector<std::pair<std::vector<int32_t>, double>>;
using EnumerateFunction = std::function<SlateDistribution(const Observation&)>;

struct ValueEstimate {
  double value = 0, stderr_ = 0;  // mean episode reward and its standard error
  int64_t episodes = 0;
  double mean_steps = 0, mean_clicks = 0;
};

// Episode e starts as StartOfEpisode(seed, e) says (env/episode.h). The result does not depend on the number of threads. `kind`: the observation the
// policy gets (the state observation for policies that compute their rows, or need none).
ValueEstimate SimulateValue(std::shared_ptr<const ShopperModel> model, const ActFunction& act,
                            int64_t episodes, uint64_t seed, int threads = 2,
                            ObservationKind kind = ObservationKind::kFull);

// Per-episode reward, steps and clicks of episodes e with e % world == rank (zeros for the
// others): a rank's share of SimulateValue; sum the vectors over ranks, then ValueFromEpisodes.
struct EpisodeTotals {
  std::vector<double> reward, steps, clicks;
};
EpisodeTotals SimulateEpisodes(std::shared_ptr<const ShopperModel> model, const ActFunction& act,
                               int64_t episodes, uint64_t seed, int threads, int rank = 0, int world = 1,
                               ObservationKind kind = ObservationKind::kFull);
ValueEstimate ValueFromEpisodes(const EpisodeTotals& totals);

// The same over any environment (a world fitted to logs): episodes e with e % world == rank,
// each started as env says for (seed, e); one session per thread, results independent of the
// thread count.
EpisodeTotals SimulateEnvironmentEpisodes(const Environment& env, const ActFunction& act, int64_t episodes,
                                          uint64_t seed, int threads, int rank = 0, int world = 1);

// Exact expected episode reward of `policy`, averaged over the world's shoppers (uniform).
// Needs session.candidates == world items, shopper.noise_sd == 0 and shopper.drift_sd == 0.
double ExactValue(std::shared_ptr<const ShopperModel> model, const EnumerateFunction& policy);
double ExactValueForUser(std::shared_ptr<const ShopperModel> model, const EnumerateFunction& policy,
                         int32_t user);
// The best achievable value (max over slates at every state) and the value of the myopic
// policy that maximises the immediate expected reward, for one shopper.
double OptimalValue(std::shared_ptr<const ShopperModel> model, int32_t user);
double MyopicValue(std::shared_ptr<const ShopperModel> model, int32_t user);

}  // namespace bundlerl
