// The comparison harness: see compare.h and docs/COMPARE.md.
#include "harness/compare.h"
#include "harness/report.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/executor.h"
#include "env/episode.h"
#include "env/ground_truth.h"
#include "env/shopper_model.h"
#include "env/world.h"
#include "policy/fixed_policies.h"
#include "policy/learned_policy.h"
#include "replay/h5.h"
#include "replay/log_store.h"
#include "ope/reward_model.h"

namespace bundlerl {
namespace fs = std::filesystem;
namespace {


// Logged rounds in memory: what the estimators need, row-major [n, K].
struct Logs {
  int64_t n = 0, K = 0;
  std::vector<int32_t> user, slate, items;
  std::vector<double> reward, pscore, pscore_slate, pscore_cascade;
  std::vector<float> click, purchase, revenue;
  std::vector<double> shown_features;  // [n, K, F]
};

// Replays round r's start state (the same candidates and features as when it was logged).
void StartRound(ShopperSession& s, int64_t users, uint64_t seed, int64_t r) {
  const EpisodeStart start = StartOfEpisode(seed, r, users);
  s.Reset(start.user, start.session_seed);
}

void Say(const std::string& line) { std::cerr << "compare: " << line << std::endl; }

}  // namespace

void CompareConfig::Validate() const {
  if (log_rounds < 100) Fail("config key 'compare.log_rounds': expected at least 100, got ", log_rounds);
  if (truth_episodes < 100) Fail("config key 'compare.truth_episodes': expected at least 100, got ", truth_episodes);
  if (strategies.empty() && agents.empty()) Fail("config key 'compare.strategies': no strategy named");
  if (estimators.empty()) Fail("config key 'compare.estimators': no estimator named");
  if (folds < 2) Fail("config key 'compare.folds': expected at least 2, got ", folds);
  if (bootstrap < 0) Fail("config key 'compare.bootstrap': expected >= 0, got ", bootstrap);
  if (name.empty() || name.find('/') != std::string::npos)
    Fail("config key 'compare.name': expected a plain folder name, got '", name, "'");
}

double KendallTau(const std::vector<double>& a, const std::vector<double>& b) {
  double concordant = 0, discordant = 0, ties_a = 0, ties_b = 0;
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = i + 1; j < a.size(); ++j) {
      const double da = a[i] - a[j], db = b[i] - b[j];
      if (da == 0 && db == 0) continue;
      if (da == 0) ++ties_a;
      else if (db == 0) ++ties_b;
      else if ((da > 0) == (db > 0)) ++concordant;
      else ++discordant;
    }
  const double denom = std::sqrt((concordant + discordant + ties_a) * (concordant + discordant + ties_b));
  return denom > 0 ? (concordant - discordant) / denom : 0.0;
}

namespace {

// Logs `n` one-step rounds under `logging` (round r from StartOfEpisode(log_seed, r)), fits
// the cross-fitted reward model, and computes every strategy's probabilities at the logged
// rounds: one OpeData per strategy.
struct PreparedLogs {
  Logs L;
  std::vector<OpeData> data;
  double logged_value = 0;
};

PreparedLogs PrepareOpe(const std::shared_ptr<const ShopperModel>& bandit,
                        const std::vector<std::shared_ptr<const SlatePolicy>>& strategies,
                        const SlatePolicy& logging_policy, int64_t n_rounds, uint64_t log_seed,
                        int folds, uint64_t fold_seed, int threads, bool verbose) {
  const World* world = &bandit->world();
  const SessionConfig& session = bandit->session_config();
  const int64_t K = session.slate_size, C = session.num_candidates, S = static_cast<int64_t>(strategies.size());
  const int64_t users = world->num_shoppers();
  const SlatePolicy* logging = &logging_policy;
  struct {
    int threads, folds;
    int64_t log_rounds;
  } cfg{threads, folds, n_rounds};
  PreparedLogs prepared;
  Logs& L = prepared.L;
  // 2. Logged rounds under the logging policy.
  if (verbose) Say("logging " + std::to_string(cfg.log_rounds) + " rounds with " + logging->name());
  L.n = cfg.log_rounds;
  L.K = K;
  const int64_t n = L.n, F = kNumFeatures;
  L.user.resize(n), L.slate.resize(n * K), L.items.resize(n * K), L.reward.resize(n * K);
  L.pscore.resize(n * K), L.pscore_slate.resize(n), L.pscore_cascade.resize(n * K);
  L.click.resize(n * K), L.purchase.resize(n * K), L.revenue.resize(n * K);
  L.shown_features.resize(n * K * F);
  std::vector<ShopperSession> sessions(std::max(1, cfg.threads), ShopperSession(bandit));
  {
    std::vector<std::vector<double>> marg(sessions.size(), std::vector<double>(K * C));
    ParallelFor(cfg.threads, n, [&](int t, int64_t r) {
      auto& sess = sessions[t];
      auto& m = marg[t];
      StartRound(sess, users, log_seed, r);
      const Observation o = sess.Observe();
      SplitMix64 rng(StartOfEpisode(log_seed, r, users).policy_seed);
      int32_t* slate = &L.slate[r * K];
      logging->Act(o, rng, slate);
      logging->SlotMarginals(o, m.data());
      L.user[r] = sess.user();
      L.pscore_slate[r] = logging->PrefixProbability(o, slate, K);
      for (int64_t k = 0; k < K; ++k) {
        L.items[r * K + k] = o.candidates[slate[k]];
        L.pscore[r * K + k] = m[k * C + slate[k]];
        L.pscore_cascade[r * K + k] = logging->PrefixProbability(o, slate, k + 1);
        std::copy(o.feature(slate[k]), o.feature(slate[k]) + F, &L.shown_features[(r * K + k) * F]);
      }
      const StepResult res = sess.Step(slate);
      for (int64_t k = 0; k < K; ++k) {
        L.click[r * K + k] = static_cast<float>(res.clicks >> k & 1);
        L.purchase[r * K + k] = static_cast<float>(res.buys >> k & 1);
        L.revenue[r * K + k] = (res.buys >> k & 1) ? static_cast<float>(std::exp(world->kernels().log_price[o.candidates[slate[k]]])) : 0.f;
        L.reward[r * K + k] = session.reward == "click" ? L.click[r * K + k] : L.purchase[r * K + k];
      }
    });
  }
  double total = 0;
  for (double x : L.reward) total += x;
  prepared.logged_value = total / static_cast<double>(n);
  if (verbose) Say("logged value " + FormatFixed(prepared.logged_value, 4) + " per slate");

  // 3. Reward model: logistic on (kernel features, one-hot slot), cross-fitted by round.
  const int64_t dim = F + K;
  Eigen::MatrixXd X(n * K, dim);
  Eigen::VectorXd y(n * K);
  for (int64_t c = 0; c < n * K; ++c) {
    for (int64_t f = 0; f < F; ++f) X(c, f) = L.shown_features[c * F + f];
    for (int64_t k = 0; k < K; ++k) X(c, F + k) = (c % K == k) ? 1.0 : 0.0;
    y[c] = L.reward[c];
  }
  const CrossFit cf = CrossFitRewardModel("logistic:0.001", X, y, K, cfg.folds, fold_seed);
  const std::vector<double> q_hat(cf.out_of_fold.data(), cf.out_of_fold.data() + n * K);
  if (verbose) Say("reward model fitted (" + std::to_string(cfg.folds) + "-fold cross-fitted logistic)");

  // 4. Target-policy quantities at the logged rounds, for every strategy.
  std::vector<OpeData>& data = prepared.data;
  data.resize(S);
  for (auto& d : data) {
    d.n = n;
    d.K = K;
    d.reward = L.reward;
    d.pscore = L.pscore;
    d.pscore_slate = L.pscore_slate;
    d.pscore_cascade = L.pscore_cascade;
    d.q_hat = q_hat;
    d.target.resize(n * K), d.target_slate.resize(n), d.target_cascade.resize(n * K), d.q_hat_target.resize(n * K);
  }
  {
    const int T = static_cast<int>(sessions.size());
    std::vector<std::vector<double>> marg(T, std::vector<double>(K * C));
    std::vector<Eigen::MatrixXd> Xc(T, Eigen::MatrixXd(C, dim));
    ParallelFor(cfg.threads, n, [&](int t, int64_t r) {
      auto& sess = sessions[t];
      StartRound(sess, users, log_seed, r);
      const Observation o = sess.Observe();
      const int32_t* slate = &L.slate[r * K];
      // q_hat for every candidate at every slot, from the model that did not see round r.
      std::vector<Eigen::VectorXd> qa(K);
      for (int64_t k = 0; k < K; ++k) {
        for (int64_t c = 0; c < C; ++c) {
          for (int64_t f = 0; f < F; ++f) Xc[t](c, f) = o.feature(c)[f];
          for (int64_t j = 0; j < K; ++j) Xc[t](c, F + j) = j == k ? 1.0 : 0.0;
        }
        qa[k] = cf.ModelFor(r).Predict(Xc[t]);
      }
      for (int64_t s = 0; s < S; ++s) {
        OpeData& d = data[s];
        strategies[s]->SlotMarginals(o, marg[t].data());
        d.target_slate[r] = strategies[s]->PrefixProbability(o, slate, K);
        for (int64_t k = 0; k < K; ++k) {
          d.target[r * K + k] = marg[t][k * C + slate[k]];
          d.target_cascade[r * K + k] = strategies[s]->PrefixProbability(o, slate, k + 1);
          double e = 0;
          for (int64_t c = 0; c < C; ++c) e += marg[t][k * C + c] * qa[k][c];
          d.q_hat_target[r * K + k] = e;
        }
      }
    });
  }

  return prepared;
}

}  // namespace

CompareResult RunCompare(const WorldConfig& world_cfg, const ShopperConfig& shopper,
                         const SessionConfig& session, const CompareConfig& cfg,
                         const std::string& /*resolved_config: stored by the report*/,
                         const std::string& command) {
  cfg.Validate();
  if (session.reward == "revenue")
    Fail("config key 'session.reward': compare supports click or purchase rewards (the reward "
         "model is a click/purchase probability)");
  const auto t0 = std::chrono::steady_clock::now();
  const std::string out_dir = cfg.out_dir.empty() ? "results/" + cfg.name : cfg.out_dir;
  fs::create_directories(out_dir);

  Say("building the world (seed " + std::to_string(world_cfg.seed) + ")");
  const auto world = World::Generate(world_cfg);
  SessionConfig one_step = session;
  one_step.max_steps = 1;
  const auto model = std::make_shared<const ShopperModel>(world, shopper, session);
  const auto bandit = std::make_shared<const ShopperModel>(world, shopper, one_step);
  std::vector<std::shared_ptr<const SlatePolicy>> strategies;
  for (const auto& name : cfg.strategies) strategies.push_back(MakePolicy(name));
  const auto logging = MakeFixedPolicy(cfg.logging_policy);
  const uint64_t log_seed = StreamSeed(cfg.seed, Stream::kLogging);
  CompareResult result;
  // The agents: on-policy ones in the simulator, off-policy ones from the very rounds logged
  // below (same logging policy, same seeds).
  for (const auto& agent : cfg.agents) {
    TrainConfig t = cfg.train;
    t.agent = agent;
    t.seed = cfg.seed;
    t.logging_policy = cfg.logging_policy;
    t.log_rounds = cfg.log_rounds;
    t.log_seed = log_seed;
    t.checkpoint.clear();
    t.checkpoint_every = 0;
    t.resume = false;
    Say("training " + agent + " (" + std::to_string(t.updates) + " updates)");
    const TrainResult tr = TrainAgent(model, t, [&](int64_t u, int64_t total, double v) {
      if (u % std::max<int64_t>(1, total / 5) == 0)
        Say("  " + agent + " update " + std::to_string(u) + "/" + std::to_string(total) + ": " + FormatFixed(v, 4));
    });
    strategies.push_back(tr.policy);
    result.curves.push_back({agent, tr.curve});
  }
  std::vector<std::unique_ptr<Estimator>> estimators;
  for (const auto& e : cfg.estimators) estimators.push_back(MakeEstimator(e));
  const int64_t K = session.slate_size, S = static_cast<int64_t>(strategies.size());
  const int64_t users = world->num_shoppers();

  result.estimators.clear();
  for (const auto& e : estimators) result.estimators.push_back(e->name());

  // 1. True values by on-policy simulation.
  result.strategies.resize(S);
  for (int64_t s = 0; s < S; ++s) {
    auto& r = result.strategies[s];
    r.name = strategies[s]->name();
    const auto& p = *strategies[s];
    const ActFunction act = [&p](const Observation& o, SplitMix64& g, int32_t* x) { p.Act(o, g, x); };
    // The same seed for every strategy (common random numbers), and the one that
    // `bundlerl simulate --seed` takes, so the two agree exactly.
    const ValueEstimate one = SimulateValue(bandit, act, cfg.truth_episodes, cfg.seed, cfg.threads);
    const ValueEstimate full = SimulateValue(model, act, cfg.truth_episodes, cfg.seed, cfg.threads);
    r.truth = one.value;
    r.truth_stderr = one.stderr_;
    r.episode_value = full.value;
    r.episode_stderr = full.stderr_;
    Say("truth " + r.name + ": " + FormatFixed(r.truth, 4) + " +- " + FormatFixed(r.truth_stderr, 4) +
        " per slate, " + FormatFixed(r.episode_value, 3) + " per session");
  }

  // 2-4. Logged rounds, reward model, the strategies' probabilities at the logged rounds.
  PreparedLogs prepared = PrepareOpe(bandit, strategies, *logging, cfg.log_rounds, log_seed, cfg.folds,
                                     StreamSeed(cfg.seed, Stream::kRewardModelFolds), cfg.threads, true);
  const Logs& L = prepared.L;
  const int64_t n = L.n;
  result.logged_value = prepared.logged_value;
  std::vector<OpeData>& data = prepared.data;
  // The logs as a BundleRL HDF5 file.
  {
    LogMeta meta;
    meta.source = "synthetic/" + cfg.name;
    meta.logging_policy = logging->name();
    meta.command = command;
    meta.slate_size = meta.slots_per_round = K;
    meta.n_units = world->num_items();
    LogWriter w(out_dir + "/logs.h5", meta);
    ItemTable items;
    items.n = world->num_items();
    items.category = world->kernels().category;
    for (double lp : world->kernels().log_price) items.price.push_back(std::exp(lp));
    items.feature_dim = world->embeddings().cols();
    for (int64_t i = 0; i < items.n; ++i)
      for (int64_t j = 0; j < items.feature_dim; ++j) items.features.push_back(static_cast<float>(world->embeddings()(i, j)));
    w.WriteItems(items);
    UserTable ut;
    ut.n = users;
    for (int64_t u = 0; u < users; ++u) ut.history.PushRow(world->shopper(u).history);
    w.WriteUsers(ut);
    RoundBatch b;
    b.n = n;
    for (int64_t r = 0; r < n; ++r) {
      b.session_id.push_back(r);
      b.step.push_back(0);
      b.timestamp.push_back(static_cast<double>(r));
      b.user_id.push_back(L.user[r]);
      for (int64_t k = 0; k < K; ++k) b.position.push_back(static_cast<int32_t>(k));
    }
    b.slate = L.items;
    b.pscore = L.pscore;
    b.pscore_slate = L.pscore_slate;
    b.click = L.click;
    b.purchase = L.purchase;
    b.revenue = L.revenue;
    w.AppendRounds(b);
    w.Commit();
  }

  // 5. Estimates.
  EstimateOptions opt;
  opt.threads = cfg.threads;
  opt.bootstrap_samples = cfg.bootstrap;
  opt.seed = StreamSeed(cfg.seed, Stream::kBootstrap);
  for (int64_t s = 0; s < S; ++s)
    for (const auto& e : estimators) result.strategies[s].estimates.push_back(RunEstimator(*e, data[s], opt));
  std::vector<double> truth(S);
  for (int64_t s = 0; s < S; ++s) truth[s] = result.strategies[s].truth;
  for (size_t e = 0; e < estimators.size(); ++e) {
    std::vector<double> est(S);
    double err = 0;
    for (int64_t s = 0; s < S; ++s) {
      est[s] = result.strategies[s].estimates[e].value;
      err += std::abs(est[s] - truth[s]) / std::max(1e-12, std::abs(truth[s]));
    }
    result.kendall_tau.push_back(KendallTau(est, truth));
    result.mean_abs_rel_error.push_back(err / static_cast<double>(S));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

OpeBenchmarkResult RunOpeBenchmark(const WorldConfig& world_cfg, const ShopperConfig& shopper,
                                   const SessionConfig& session, const CompareConfig& cfg,
                                   const OpeBenchmarkConfig& bench) {
  cfg.Validate();
  if (bench.rounds.empty()) Fail("config key 'ope_benchmark.rounds': no size given");
  for (int64_t n : bench.rounds)
    if (n < 100) Fail("config key 'ope_benchmark.rounds': sizes must be at least 100, got ", n);
  if (bench.seeds < 1) Fail("config key 'ope_benchmark.seeds': expected a positive number");
  const auto t0 = std::chrono::steady_clock::now();
  const auto world = World::Generate(world_cfg);
  SessionConfig one_step = session;
  one_step.max_steps = 1;
  const auto bandit = std::make_shared<const ShopperModel>(world, shopper, one_step);
  std::vector<std::shared_ptr<const SlatePolicy>> strategies;
  for (const auto& name : cfg.strategies) strategies.push_back(MakePolicy(name));
  const auto logging = MakeFixedPolicy(cfg.logging_policy);
  std::vector<std::unique_ptr<Estimator>> estimators;
  for (const auto& e : cfg.estimators) estimators.push_back(MakeEstimator(e));
  OpeBenchmarkResult out;
  const int64_t S = static_cast<int64_t>(strategies.size()), E = static_cast<int64_t>(estimators.size());
  for (const auto& st : strategies) {
    out.strategies.push_back(st->name());
    const auto& p = *st;
    const ValueEstimate v = SimulateValue(
        bandit, [&p](const Observation& o, SplitMix64& g, int32_t* x) { p.Act(o, g, x); }, cfg.truth_episodes,
        cfg.seed, cfg.threads);
    out.truth.push_back(v.value);
    Say("truth " + st->name() + ": " + FormatFixed(v.value, 4) + " +- " + FormatFixed(v.stderr_, 4));
  }
  for (const auto& e : estimators) out.estimators.push_back(e->name());
  EstimateOptions opt;
  opt.threads = cfg.threads;
  for (int64_t n : bench.rounds) {
    const int64_t seeds = std::max<int64_t>(std::min<int64_t>(bench.seeds, bench.max_total_rounds / n), 3);
    out.rounds.push_back(n);
    out.seeds.push_back(seeds);
    std::vector<double> sum(S * E, 0.0), sum_sq(S * E, 0.0);
    for (int64_t rep = 0; rep < seeds; ++rep) {
      const uint64_t log_seed = DeriveSeed(StreamSeed(cfg.seed, Stream::kOpeBenchmark), static_cast<uint64_t>(n * 1000 + rep));
      const PreparedLogs p = PrepareOpe(bandit, strategies, *logging, n, log_seed, cfg.folds,
                                        StreamSeed(log_seed, Stream::kRewardModelFolds), cfg.threads, false);
      for (int64_t s = 0; s < S; ++s)
        for (int64_t e = 0; e < E; ++e) {
          const double err = RunEstimator(*estimators[e], p.data[s], opt).value - out.truth[s];
          sum[s * E + e] += err;
          sum_sq[s * E + e] += err * err;
        }
      Say(std::to_string(n) + " rounds: seed " + std::to_string(rep + 1) + "/" + std::to_string(seeds) + " done");
    }
    for (int64_t e = 0; e < E; ++e) {
      double bias = 0, rmse = 0;
      for (int64_t s = 0; s < S; ++s) {
        bias += std::abs(sum[s * E + e] / seeds) / out.truth[s];
        rmse += std::sqrt(sum_sq[s * E + e] / seeds) / out.truth[s];
      }
      out.relative_bias.push_back(bias / S);
      out.relative_rmse.push_back(rmse / S);
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace bundlerl
