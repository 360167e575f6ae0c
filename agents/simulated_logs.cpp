// The simulator's logger: see simulated_logs.h.
#include "agents/simulated_logs.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/executor.h"
#include "env/episode.h"

namespace bundlerl {
namespace {

void CheckModel(const ShopperModel& model) {
  if (model.session_config().max_steps != 1)
    Fail("simulated logs: rounds are one-step episodes (session.max_steps = 1), got ", model.session_config().max_steps);
}

}  // namespace

LoggedDataset SimulatedLogCatalog(const ShopperModel& model, const SlatePolicy& logging, const SimulatedLogConfig& c) {
  CheckModel(model);
  const World& world = model.world();
  if (!world.catalog()) Fail("simulated logs: the world was not built from a catalog, so logs of it cannot carry one");
  LoggedDataset d = *world.catalog();
  d.rounds.Clear();
  const SessionConfig& session = model.session_config();
  LogMeta& m = d.meta;
  m.source = c.source.empty() ? "synthetic" : c.source;
  m.logging_policy = logging.name();
  m.unit_kind = "item";
  m.command = c.command;
  m.config = c.config;
  m.slate_size = m.slots_per_round = session.slate_size;
  m.n_units = world.num_items();
  m.num_candidates = session.num_candidates == world.num_items() ? 0 : session.num_candidates;
  m.reward = session.reward;
  m.kernels = world.kernel_spec().ToString();
  d.users = UserTable();
  d.users.n = world.num_shoppers();
  for (int64_t u = 0; u < world.num_shoppers(); ++u) d.users.history.PushRow(world.shopper(u).history);
  return d;
}

void LogSimulatedRange(std::shared_ptr<const ShopperModel> model, const SlatePolicy& logging,
                       const SimulatedLogConfig& c, int64_t first, int64_t n, RoundBatch& b) {
  CheckModel(*model);
  const int64_t K = model->session_config().slate_size, C = model->session_config().num_candidates;
  const int64_t users = model->world().num_shoppers();
  const bool store_candidates = C != model->world().num_items();
  b.Clear();
  b.first_round = first;
  b.n = n;
  b.session_id.resize(n), b.step.assign(n, 0), b.timestamp.resize(n), b.user_id.resize(n), b.round_seed.resize(n);
  b.slate.resize(n * K), b.position.resize(n * K), b.pscore.resize(n * K), b.pscore_slate.resize(n);
  b.pscore_cascade.resize(n * K), b.pscore_item.resize(n * K);
  b.click.resize(n * K), b.purchase.resize(n * K), b.revenue.resize(n * K);
  if (store_candidates) b.candidates.resize(n * C);
  const int threads = std::max(1, c.threads);
  std::vector<ShopperSession> sessions(threads, ShopperSession(model));
  std::vector<std::vector<double>> marginals(threads, std::vector<double>(K * C));
  std::vector<std::vector<int32_t>> slates(threads, std::vector<int32_t>(K));
  const std::vector<double>& log_price = model->world().kernels().log_price;
  ParallelFor(threads, n, [&](int t, int64_t i) {
    const int64_t r = first + i;
    ShopperSession& s = sessions[t];
    std::vector<double>& m = marginals[t];
    int32_t* slate = slates[t].data();
    const EpisodeStart start = StartOfEpisode(c.seed, r, users);
    s.Reset(start.user, start.session_seed);
    const Observation o = s.Observe();
    SplitMix64 rng(start.policy_seed);
    logging.Act(o, rng, slate);
    logging.SlotMarginals(o, m.data());
    b.session_id[i] = r;
    b.timestamp[i] = static_cast<double>(r);
    b.user_id[i] = s.user();
    b.round_seed[i] = start.seed;
    b.pscore_slate[i] = logging.PrefixProbability(o, slate, K);
    if (store_candidates) std::copy(o.candidates, o.candidates + C, &b.candidates[i * C]);
    for (int64_t k = 0; k < K; ++k) {
      const int64_t at = i * K + k;
      b.slate[at] = o.candidates[slate[k]];
      b.position[at] = static_cast<int32_t>(k);
      b.pscore[at] = m[k * C + slate[k]];
      b.pscore_cascade[at] = logging.PrefixProbability(o, slate, k + 1);
      double inclusion = 0;
      for (int64_t j = 0; j < K; ++j) inclusion += m[j * C + slate[k]];
      b.pscore_item[at] = std::min(1.0, inclusion);
    }
    const StepResult res = s.Step(slate);
    for (int64_t k = 0; k < K; ++k) {
      const int64_t at = i * K + k;
      b.click[at] = static_cast<float>(res.clicks >> k & 1);
      b.purchase[at] = static_cast<float>(res.buys >> k & 1);
      b.revenue[at] = (res.buys >> k & 1) ? static_cast<float>(std::exp(log_price[b.slate[at]])) : 0.f;
    }
  });
}

LoggedDataset LogSimulatedRounds(std::shared_ptr<const ShopperModel> model, const SlatePolicy& logging,
                                 const SimulatedLogConfig& c) {
  if (c.rounds < 1) Fail("simulated logs: expected at least one round, got ", c.rounds);
  LoggedDataset d = SimulatedLogCatalog(*model, logging, c);
  LogSimulatedRange(model, logging, c, 0, c.rounds, d.rounds);
  d.Validate(d.meta.source);
  return d;
}

}  // namespace bundlerl
