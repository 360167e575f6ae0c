// Ground truth by simulation and by enumeration: see ground_truth.h.
#include "env/ground_truth.h"

#include <cmath>
#include <functional>

#include "common/error.h"
#include "common/executor.h"
#include "env/episode.h"

namespace bundlerl {

EpisodeTotals SimulateEpisodes(std::shared_ptr<const ShopperModel> model, const ActFunction& act,
                               int64_t episodes, uint64_t seed, int threads, int rank, int world,
                               ObservationKind kind) {
  if (episodes <= 0) Fail("simulate: episodes must be positive, got ", episodes);
  EpisodeTotals out;
  out.reward.assign(episodes, 0.0), out.steps.assign(episodes, 0.0), out.clicks.assign(episodes, 0.0);
  const int64_t users = model->world().num_shoppers();
  const int64_t K = model->session_config().slate_size;
  threads = std::max(1, threads);
  // This rank's episodes rank, rank + world, ...; one session and slate buffer per thread.
  const int64_t mine = episodes > rank ? (episodes - rank + world - 1) / world : 0;
  std::vector<ShopperSession> sessions(threads, ShopperSession(model));
  std::vector<std::vector<int32_t>> slates(threads, std::vector<int32_t>(K));
  ParallelFor(threads, mine, [&](int t, int64_t j) {
    const int64_t e = rank + j * world;
    ShopperSession& session = sessions[t];
    int32_t* slate = slates[t].data();
    const EpisodeStart start = StartOfEpisode(seed, e, users);
    session.Reset(start.user, start.session_seed);
    SplitMix64 policy_rng(start.policy_seed);
    double r = 0, c = 0;
    while (!session.done()) {
      act(kind == ObservationKind::kFull ? session.Observe() : session.ObserveState(), policy_rng, slate);
      const StepResult res = session.Step(slate);
      r += res.reward;
      c += __builtin_popcount(res.clicks);
    }
    out.reward[e] = r;
    out.steps[e] = static_cast<double>(session.step());
    out.clicks[e] = c;
  });
  return out;
}

EpisodeTotals SimulateEnvironmentEpisodes(const Environment& env, const ActFunction& act, int64_t episodes,
                                          uint64_t seed, int threads, int rank, int world) {
  if (episodes <= 0) Fail("simulate: episodes must be positive, got ", episodes);
  EpisodeTotals out;
  out.reward.assign(episodes, 0.0), out.steps.assign(episodes, 0.0), out.clicks.assign(episodes, 0.0);
  threads = std::max(1, threads);
  const int64_t mine = episodes > rank ? (episodes - rank + world - 1) / world : 0;
  std::vector<std::unique_ptr<EpisodeSession>> sessions;
  for (int t = 0; t < threads; ++t) sessions.push_back(env.NewSession());
  std::vector<std::vector<int32_t>> slates(threads, std::vector<int32_t>(env.slate_size()));
  ParallelFor(threads, mine, [&](int t, int64_t j) {
    const int64_t e = rank + j * world;
    EpisodeSession& session = *sessions[t];
    int32_t* slate = slates[t].data();
    SplitMix64 policy_rng(session.Start(e, seed));
    double r = 0, c = 0;
    while (!session.done()) {
      act(session.Observe(), policy_rng, slate);
      const StepResult res = session.Step(slate);
      r += res.reward;
      c += __builtin_popcount(res.clicks);
    }
    out.reward[e] = r;
    out.steps[e] = static_cast<double>(session.step());
    out.clicks[e] = c;
  });
  return out;
}

ValueEstimate ValueFromEpisodes(const EpisodeTotals& t) {
  ValueEstimate v;
  const int64_t episodes = static_cast<int64_t>(t.reward.size());
  v.episodes = episodes;
  double s = 0, ss = 0;
  for (int64_t e = 0; e < episodes; ++e) {
    s += t.reward[e], ss += t.reward[e] * t.reward[e];
    v.mean_steps += t.steps[e], v.mean_clicks += t.clicks[e];
  }
  v.value = s / episodes;
  v.mean_steps /= episodes;
  v.mean_clicks /= episodes;
  const double var = episodes > 1 ? (ss - s * s / episodes) / (episodes - 1) : 0.0;
  v.stderr_ = std::sqrt(std::max(0.0, var) / episodes);
  return v;
}

ValueEstimate SimulateValue(std::shared_ptr<const ShopperModel> model, const ActFunction& act,
                            int64_t episodes, uint64_t seed, int threads, ObservationKind kind) {
  return ValueFromEpisodes(SimulateEpisodes(model, act, episodes, seed, threads, 0, 1, kind));
}

namespace {

void RequireEnumerable(const ShopperModel& m) {
  if (m.session_config().num_candidates != m.world().num_items())
    Fail("exact value: needs session.candidates equal to the world's items (", m.world().num_items(), ")");
  if (m.shopper_config().noise_sd != 0) Fail("exact value: needs shopper.noise_sd = 0");
  if (m.shopper_config().drift_sd != 0) Fail("exact value: needs shopper.drift_sd = 0");
}

// Value of `session` (not done) when `choose` gives the slate distribution at each state.
double Recurse(const ShopperSession& session,
               const std::function<std::vector<std::pair<std::vector<int32_t>, double>>(ShopperSession&)>& choose) {
  ShopperSession here = session;
  const auto slates = choose(here);
  const int64_t max_steps = session.model().session_config().max_steps;
  std::vector<std::pair<uint32_t, double>> outcomes;
  double v = 0;
  for (const auto& [slate, p] : slates) {
    if (p == 0) continue;
    here.ClickOutcomes(slate.data(), outcomes);
    for (const auto& [mask, q] : outcomes) {
      if (q == 0) continue;
      double value = here.ExpectedReward(slate.data(), mask);
      ShopperSession next = here;
      const double leave = next.Advance(slate.data(), mask);
      if (next.step() < max_steps && leave < 1) value += (1 - leave) * Recurse(next, choose);
      v += p * q * value;
    }
  }
  return v;
}

double ImmediateValue(ShopperSession& s, const std::vector<int32_t>& slate) {
  std::vector<std::pair<uint32_t, double>> outcomes;
  s.ClickOutcomes(slate.data(), outcomes);
  double r = 0;
  for (const auto& [mask, q] : outcomes) r += q * s.ExpectedReward(slate.data(), mask);
  return r;
}

ShopperSession Start(std::shared_ptr<const ShopperModel> model, int32_t user) {
  RequireEnumerable(*model);
  ShopperSession s(model);
  s.Reset(user, 0);
  return s;
}

}  // namespace

double ExactValueForUser(std::shared_ptr<const ShopperModel> model, const EnumerateFunction& policy,
                         int32_t user) {
  return Recurse(Start(model, user), [&](ShopperSession& s) { return policy(s.Observe()); });
}

double ExactValue(std::shared_ptr<const ShopperModel> model, const EnumerateFunction& policy) {
  double v = 0;
  const int64_t users = model->world().num_shoppers();
  for (int32_t u = 0; u < users; ++u) v += ExactValueForUser(model, policy, u);
  return v / static_cast<double>(users);
}

double OptimalValue(std::shared_ptr<const ShopperModel> model, int32_t user) {
  // Max over slates: Recurse with a point mass on the best slate, found by one-step lookahead
  // over the full recursion of each candidate slate.
  const int64_t C = model->session_config().num_candidates, K = model->session_config().slate_size;
  const auto all = AllSlates(C, K);
  std::function<double(const ShopperSession&)> best = [&](const ShopperSession& s) {
    double top = -std::numeric_limits<double>::infinity();
    for (const auto& slate : all) {
      ShopperSession here = s;
      std::vector<std::pair<uint32_t, double>> outcomes;
      here.ClickOutcomes(slate.data(), outcomes);
      double v = 0;
      for (const auto& [mask, q] : outcomes) {
        double value = here.ExpectedReward(slate.data(), mask);
        ShopperSession next = here;
        const double leave = next.Advance(slate.data(), mask);
        if (next.step() < model->session_config().max_steps && leave < 1) value += (1 - leave) * best(next);
        v += q * value;
      }
      top = std::max(top, v);
    }
    return top;
  };
  return best(Start(model, user));
}

double MyopicValue(std::shared_ptr<const ShopperModel> model, int32_t user) {
  const int64_t C = model->session_config().num_candidates, K = model->session_config().slate_size;
  const auto all = AllSlates(C, K);
  return Recurse(Start(model, user), [&](ShopperSession& s) {
    double top = -1;
    std::vector<int32_t> arg;
    for (const auto& slate : all) {
      const double v = ImmediateValue(s, slate);
      if (v > top + 1e-15) top = v, arg = slate;
    }
    return std::vector<std::pair<std::vector<int32_t>, double>>{{arg, 1.0}};
  });
}

}  // namespace bundlerl
