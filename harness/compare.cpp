// The comparison harness: see compare.h and docs/COMPARE.md.
#include "harness/compare.h"
#include "harness/experiment.h"
#include "harness/report.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/executor.h"
#include "common/executor.h"
#include "env/episode.h"
#include "env/ground_truth.h"
#include "env/shopper_model.h"
#include "env/world.h"
#include "policy/fixed_policies.h"
#include "policy/learned_policy.h"
#include "replay/h5.h"
#include "agents/simulated_logs.h"
#include "ope/offline_eval.h"
#include "policy/logged_targets.h"
#include "replay/log_store.h"
#include "policy/evaluation.h"
#include "ope/reward_model.h"

namespace bundlerl {
namespace fs = std::filesystem;
namespace {


void Say(const std::string& line) { std::cerr << "compare: " << line << std::endl; }

}  // namespace

void CompareConfig::Declare(OptionList& o) {
  o.Add("compare.kind", &kind, "the experiment (a registered kind; see the list above)");
  o.Add("compare.data", &data, "dataset folder (default: the kind's folder under $BUNDLERL_DATA, ../shared/data or data/)");
  o.Add("compare.name", &name, "results folder name (results/<name>)");
  o.Add("compare.seed", &seed, "seed of logging, truth and bootstrap");
  o.Add("compare.log_rounds", &log_rounds, "logged rounds");
  o.Add("compare.logging_policy", &logging_policy, "the logging policy");
  o.Add("compare.strategies", &strategies, "strategies, comma-separated");
  o.Add("compare.estimators", &estimators, "estimators, comma-separated");
  o.Add("compare.agents", &agents, "agents trained and compared ([train] settings)");
  o.Add("compare.agent_seeds", &agent_seeds,
        "training seeds per agent: the first seed's policy is evaluated off-policy, all of them give "
        "the mean and spread of the agent's true value");
  o.Add("compare.truth_episodes", &truth_episodes, "simulated episodes per strategy (first pass)");
  o.Add("compare.truth_precision", &truth_precision,
        "a truth's standard error at most this share of the smallest unmarked estimate's; more episodes "
        "are simulated until it is (0: off)");
  o.Add("compare.truth_max_episodes", &truth_max_episodes, "the most episodes a truth may take");
  o.Add("compare.bootstrap", &bootstrap, "bootstrap resamples (0: normal CI)");
  o.Add("compare.folds", &folds, "reward-model folds");
  o.Add("compare.shopper_model", &shopper_model,
        "choice model fitted to the logged slates, for the model-based estimators and the reliability check: "
        "auto (mnl unless a round has two clicks, then independent), mnl, cascade, independent or none");
  o.Add("compare.min_ess", &reliability.min_ess, "an estimate whose weights' effective sample size is below this is unreliable");
  o.Add("compare.max_weight_share", &reliability.max_weight_share,
        "an estimate with one row carrying more than this share of the weight is unreliable");
  o.Add("compare.bias_z", &reliability.bias_z,
        "unreliable when the fitted model puts the estimator's bias beyond this many of its own standard errors ...");
  o.Add("compare.bias_share", &reliability.bias_share, "... and beyond this share of the estimate's standard error");
  o.Add("compare.max_check_ratio", &reliability.max_check_ratio,
        "unreliable when the fitted model's check is this many times less precise than the estimate");
  o.Add("compare.model_features", &model_features,
        "feature groups of the fitted shopper model: kernel, bundle, profile, item, unit");
  o.Add("compare.model_slates", &model_slates, "slates drawn from each target per round to value it in the fitted model");
  o.Add("compare.threads", &threads, "threads");
  o.Add("compare.out", &out_dir, "output folder (default results/<name>)");
}

void OpeBenchmarkConfig::Declare(OptionList& o) {
  o.Add("ope_benchmark.rounds", &rounds, "sizes, comma-separated");
  o.Add("ope_benchmark.seeds", &seeds, "repetitions per size, at most");
  o.Add("ope_benchmark.max_total_rounds", &max_total_rounds, "rounds per size over all its seeds (at least 3 seeds)");
}

void OpeBenchmarkConfig::Validate() const {
  if (rounds.empty()) Fail("config key 'ope_benchmark.rounds': no size given");
  RequireDistinct("ope_benchmark.rounds", rounds);
  for (int64_t n : rounds)
    if (n < 100 || n > kMaxLogRounds)
      Fail("config key 'ope_benchmark.rounds': expected sizes in [100, ", kMaxLogRounds, "], got ", n);
  RequireInRange("ope_benchmark.seeds", seeds, 1, 100000);
  RequireInRange("ope_benchmark.max_total_rounds", max_total_rounds, 100, kMaxLogRounds);
}

void CompareConfig::Validate() const {
  RequireInRange("compare.log_rounds", log_rounds, 100, kMaxLogRounds);
  if (truth_episodes < 100) Fail("config key 'compare.truth_episodes': expected at least 100, got ", truth_episodes);
  if (!(truth_precision >= 0 && truth_precision <= 1))
    Fail("config key 'compare.truth_precision': expected a number in [0, 1], got ", truth_precision);
  if (truth_max_episodes < truth_episodes || truth_max_episodes > 1000000000)
    Fail("config key 'compare.truth_max_episodes': expected a number in [compare.truth_episodes, 1e9], got ",
         truth_max_episodes);
  if (strategies.empty() && agents.empty()) Fail("config key 'compare.strategies': no strategy named");
  if (estimators.empty()) Fail("config key 'compare.estimators': no estimator named");
  if (folds < 2) Fail("config key 'compare.folds': expected at least 2, got ", folds);
  if (shopper_model != "auto" && shopper_model != "mnl" && shopper_model != "cascade" && shopper_model != "independent" &&
      shopper_model != "none")
    Fail("config key 'compare.shopper_model': expected auto, mnl, cascade, independent or none, got '", shopper_model, "'");
  try {
    CheckShopperModelFeatures(model_features);
  } catch (const Error& e) {
    Fail("config key 'compare.model_features': ", e.what());
  }
  if (!(reliability.min_ess >= 0)) Fail("config key 'compare.min_ess': expected a number >= 0");
  if (!(reliability.max_weight_share > 0 && reliability.max_weight_share <= 1))
    Fail("config key 'compare.max_weight_share': expected a number in (0, 1]");
  if (!(reliability.bias_z >= 0) || !(reliability.bias_share >= 0) || !(reliability.max_check_ratio > 0))
    Fail("config keys 'compare.bias_z', 'compare.bias_share', 'compare.max_check_ratio': expected numbers >= 0 (> 0)");
  if (model_slates < 1 || model_slates > 1000)
    Fail("config key 'compare.model_slates': expected a number in [1, 1000], got ", model_slates);
  if (agent_seeds < 1 || agent_seeds > 100)
    Fail("config key 'compare.agent_seeds': expected a number in [1, 100], got ", agent_seeds);
  if (bootstrap < 0 || bootstrap > 1000000)
    Fail("config key 'compare.bootstrap': expected a number in [0, 1000000], got ", bootstrap);
  CheckBootstrapSamples(bootstrap, 0.05, "config key 'compare.bootstrap'");
  ValidateThreads(threads, "config key 'compare.threads'");
  if (name.empty() || name.find('/') != std::string::npos)
    Fail("config key 'compare.name': expected a plain folder name, got '", name, "'");
}

std::vector<OpeData> StrategyOpeData(const LoggedDataset& logs, const ItemKernels& kernels,
                                     const std::vector<std::shared_ptr<const SlatePolicy>>& strategies, int folds,
                                     uint64_t fold_seed, int threads, const ShopperModelOptions* shopper_model,
                                     ShopperModelSummary* fitted, const SlatePolicy* logging) {
  // The reward model: logistic on (kernel features, one-hot slot), cross-fitted by round.
  RewardModelConfig rm;
  rm.model = "logistic:0.001";
  rm.folds = folds;
  rm.seed = fold_seed;
  LoggedTargetOptions opt;
  opt.reward_model = &rm;
  opt.threads = threads;
  opt.logging = logging;
  std::vector<const SlatePolicy*> policies;
  for (const auto& s : strategies) policies.push_back(s.get());
  std::vector<OpeData> data = BuildPolicyOpeData(logs, kernels, FeatureSpec(), policies, opt);
  if (shopper_model) {
    ShopperModelSummary summary = AddShopperModelColumns(logs, kernels, policies, *shopper_model, data);
    if (fitted) *fitted = std::move(summary);
  }
  return data;
}

bool NeedsShopperModel(const std::vector<std::unique_ptr<Estimator>>& estimators) {
  for (const auto& e : estimators)
    if (e->needs() == Needs::kShopperModel || e->needs() == Needs::kShopperModelAndSlate) return true;
  return false;
}

namespace {

// The fitted shopper model's settings of a comparison whose logs come from `seed`.
ShopperModelOptions ShopperModelOptionsOf(const CompareConfig& cfg, uint64_t seed) {
  ShopperModelOptions o;
  o.choice = cfg.shopper_model;
  o.target_slates = cfg.model_slates;
  o.features = cfg.model_features;
  o.seed = StreamSeed(seed, Stream::kTargetSlates);
  o.threads = cfg.threads;
  return o;
}

// Every strategy's estimates on the comparison's logs, judged: the one evaluation call
// (policy/evaluation.h) with the comparison's reward model, seeds and fitted shopper model.
Evaluation EvaluateStrategies(const LoggedDataset& logs, const std::vector<std::shared_ptr<const SlatePolicy>>& strategies,
                              const CompareConfig& cfg, const SlatePolicy* logging) {
  std::vector<PolicyToEvaluate> policies;
  // Named by their index too: two strategies may share a name (epsilon-greedy with two rates).
  for (size_t i = 0; i < strategies.size(); ++i)
    policies.push_back({Concat(i, " ", strategies[i]->name()), strategies[i], false, {}});
  EvaluationOptions o;
  o.estimators = cfg.estimators;
  o.features = "kernel";
  o.reward_model = "logistic:0.001";  // on (kernel features, one-hot slot), cross-fitted by round
  o.folds = cfg.folds;
  o.fold_seed = StreamSeed(cfg.seed, Stream::kRewardModelFolds);
  o.logging = logging;
  o.shopper_model = ShopperModelOptionsOf(cfg, cfg.seed);
  o.shopper_model.reward = "click";  // the comparison's model answers with clicks, whatever the reward
  o.shopper_model_rounds = std::max<int64_t>(1000, logs.rounds.n);  // every round, as the comparison has
  o.require_shopper_model = cfg.shopper_model != "none";
  o.rule = cfg.reliability;
  o.estimate.threads = cfg.threads;
  o.estimate.bootstrap_samples = cfg.bootstrap;
  o.estimate.seed = StreamSeed(cfg.seed, Stream::kBootstrap);
  return EvaluatePolicies(InMemoryRounds(logs), policies, o);
}

}  // namespace

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
  LoggedDataset logs;
  std::vector<OpeData> data;
  double logged_value = 0;
};

PreparedLogs PrepareOpe(const std::shared_ptr<const ShopperModel>& bandit,
                        const std::vector<std::shared_ptr<const SlatePolicy>>& strategies,
                        const SlatePolicy& logging, int64_t n_rounds, uint64_t log_seed,
                        int folds, uint64_t fold_seed, int threads, bool verbose,
                        const ShopperModelOptions* shopper_model = nullptr) {
  PreparedLogs prepared;
  if (verbose) Say("logging " + std::to_string(n_rounds) + " rounds with " + logging.name());
  SimulatedLogConfig lc;
  lc.rounds = n_rounds;
  lc.seed = log_seed;
  lc.threads = threads;
  lc.source = "synthetic";
  prepared.logs = LogSimulatedRounds(bandit, logging, lc);
  prepared.logged_value = MeanReward(prepared.logs) * static_cast<double>(prepared.logs.meta.slots_per_round);
  if (verbose) Say("logged value " + FormatFixed(prepared.logged_value, 4) + " per slate");
  prepared.data = StrategyOpeData(prepared.logs, bandit->world().kernels(), strategies, folds, fold_seed, threads,
                                  shopper_model, nullptr, &logging);
  if (verbose) Say("reward model fitted (" + std::to_string(folds) + "-fold cross-fitted logistic)");
  return prepared;
}

// A truth precise enough to judge by: where a strategy's truth has a standard error above
// compare.truth_precision times the smallest standard error of its unmarked estimates, it is
// simulated again with enough episodes (the same seed: the first episodes are the same ones),
// at most compare.truth_max_episodes.
void RefineTruths(const std::shared_ptr<const ShopperModel>& bandit,
                  const std::vector<std::shared_ptr<const SlatePolicy>>& strategies, const CompareConfig& cfg,
                  CompareResult& result) {
  for (size_t s = 0; s < strategies.size(); ++s) {
    StrategyResult& r = result.strategies[s];
    double smallest = std::numeric_limits<double>::infinity();
    for (size_t e = 0; e < r.estimates.size(); ++e)
      if (r.reliability[e].reliable && r.estimates[e].stderr_ > 0) smallest = std::min(smallest, r.estimates[e].stderr_);
    if (cfg.truth_precision <= 0 || !std::isfinite(smallest)) continue;
    r.truth_target = cfg.truth_precision * smallest;
    if (r.truth_stderr <= r.truth_target) continue;
    const double ratio = r.truth_stderr / r.truth_target;
    const int64_t episodes = std::min<int64_t>(
        cfg.truth_max_episodes, static_cast<int64_t>(std::ceil(1.05 * ratio * ratio * static_cast<double>(r.truth_episodes))));
    if (episodes <= r.truth_episodes) continue;
    const auto& p = *strategies[s];
    const ActFunction act = [&p](const Observation& o, SplitMix64& g, int32_t* x) { p.Act(o, g, x); };
    const ValueEstimate one = SimulateValue(bandit, act, episodes, cfg.seed, cfg.threads);
    r.truth = one.value;
    r.truth_stderr = one.stderr_;
    r.truth_episodes = episodes;
    Say("truth " + r.name + " refined: " + FormatFixed(r.truth, 4) + " +- " + FormatFixed(r.truth_stderr, 4) + " from " +
        std::to_string(episodes) + " episodes (target " + FormatFixed(r.truth_target, 4) + ")");
  }
}

}  // namespace

CompareResult RunCompare(const WorldConfig& world_cfg, const ShopperConfig& shopper,
                         const SessionConfig& session, const CompareConfig& cfg,
                         const std::string& resolved_config, const std::string& command) {
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
  // The logged rounds: what the estimators evaluate on and the off-policy agents learn from.
  SimulatedLogConfig lc;
  lc.rounds = cfg.log_rounds;
  lc.seed = log_seed;
  lc.threads = cfg.threads;
  lc.source = "synthetic/" + cfg.name;
  lc.config = resolved_config;
  lc.command = command;
  Say("logging " + std::to_string(cfg.log_rounds) + " rounds with " + logging->name());
  const LoggedDataset logs = LogSimulatedRounds(bandit, *logging, lc);
  result.logged_value = MeanReward(logs) * static_cast<double>(logs.meta.slots_per_round);
  Say("logged value " + FormatFixed(result.logged_value, 4) + " per slate");
  // The agents: on-policy ones in the simulator, off-policy ones from those logged rounds.
  std::vector<std::pair<std::string, std::vector<std::shared_ptr<const SlatePolicy>>>> agent_policies;
  for (const auto& agent : cfg.agents) {
    TrainConfig t = cfg.train;
    t.agent = agent;
    t.seed = cfg.seed;
    t.threads = cfg.threads;
    t.checkpoint.clear();
    t.checkpoint_every = 0;
    t.resume = false;
    Say("training " + agent + " (" + std::to_string(t.updates) + " updates)");
    const TrainResult tr = TrainAgent(model, t, [&](int64_t u, int64_t total, double v) {
      if (u % std::max<int64_t>(1, total / 5) == 0)
        Say("  " + agent + " update " + std::to_string(u) + "/" + std::to_string(total) + ": " + FormatFixed(v, 4));
    }, nullptr, &logs);
    strategies.push_back(tr.policy);
    result.curves.push_back({agent, tr.curve});
    // Further training seeds, for the spread of the agent's true value.
    std::vector<std::shared_ptr<const SlatePolicy>> others;
    for (int64_t k = 1; k < cfg.agent_seeds; ++k) {
      TrainConfig tk = t;
      tk.seed = cfg.seed + static_cast<uint64_t>(k);
      Say("training " + agent + " with seed " + std::to_string(tk.seed));
      others.push_back(TrainAgent(model, tk, nullptr, nullptr, &logs).policy);
    }
    agent_policies.push_back({agent, {tr.policy}});
    for (auto& p : others) agent_policies.back().second.push_back(p);
  }
  std::vector<std::unique_ptr<Estimator>> estimators;
  for (const auto& e : cfg.estimators) estimators.push_back(MakeEstimator(e));
  const int64_t S = static_cast<int64_t>(strategies.size());

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
    r.truth_episodes = cfg.truth_episodes;
    r.episode_value = full.value;
    r.episode_stderr = full.stderr_;
    Say("truth " + r.name + ": " + FormatFixed(r.truth, 4) + " +- " + FormatFixed(r.truth_stderr, 4) +
        " per slate, " + FormatFixed(r.episode_value, 3) + " per session");
  }

  // The agents' other training seeds: true values only.
  if (cfg.agent_seeds > 1) {
    for (const auto& [agent, policies] : agent_policies) {
      CompareResult::AgentSeeds a;
      a.agent = agent;
      for (const auto& policy : policies) {
        const auto& p = *policy;
        const ActFunction act = [&p](const Observation& o, SplitMix64& g, int32_t* x) { p.Act(o, g, x); };
        a.slate_values.push_back(SimulateValue(bandit, act, cfg.truth_episodes, cfg.seed, cfg.threads).value);
        a.session_values.push_back(SimulateValue(model, act, cfg.truth_episodes, cfg.seed, cfg.threads).value);
      }
      result.agent_seeds.push_back(a);
    }
  }

  // 2-5. The reward model, the strategies' probabilities at the logged rounds, the fitted
  // shopper model and every estimate with its judgement: the one evaluation call.
  result.shopper_model_fitted = cfg.shopper_model != "none";
  if (!result.shopper_model_fitted && NeedsShopperModel(estimators))
    Fail("config key 'compare.shopper_model': none, but an estimator needs the fitted shopper model");
  const Evaluation ev = EvaluateStrategies(logs, strategies, cfg, logging.get());
  Say("reward model fitted (" + std::to_string(cfg.folds) + "-fold cross-fitted logistic)");
  result.shopper_model_fitted = ev.shopper_model_fitted;
  result.shopper_model = ev.shopper_model;
  if (result.shopper_model_fitted)
    Say("shopper model fitted (" + result.shopper_model.choice + ", " + std::to_string(result.shopper_model.iterations) +
        " Newton steps, log-likelihood " + FormatFixed(result.shopper_model.loglik, 4) + " per round against " +
        FormatFixed(result.shopper_model.loglik_null, 4) + " without features)");
  // The logs as a BundleRL HDF5 file (what `bundlerl evaluate` and `train --logs` read).
  WriteDataset(logs, out_dir + "/logs.h5", command);
  const size_t E = estimators.size();
  for (int64_t s = 0; s < S; ++s)
    for (size_t e = 0; e < E; ++e) {
      const EvaluationRow& row = ev.rows[s * E + e];
      result.strategies[s].estimates.push_back(row.estimate);
      result.strategies[s].reliability.push_back(row.reliability);
    }
  RefineTruths(bandit, strategies, cfg, result);
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

std::vector<OpeData> SimulatedOpeData(const std::shared_ptr<const ShopperModel>& bandit,
                                      const std::vector<std::shared_ptr<const SlatePolicy>>& strategies,
                                      const CompareConfig& cfg, int64_t rounds, uint64_t log_seed) {
  const auto logging = MakeFixedPolicy(cfg.logging_policy);
  const ShopperModelOptions model_options = ShopperModelOptionsOf(cfg, log_seed);
  return PrepareOpe(bandit, strategies, *logging, rounds, log_seed, cfg.folds,
                    StreamSeed(log_seed, Stream::kRewardModelFolds), cfg.threads, false,
                    cfg.shopper_model != "none" ? &model_options : nullptr)
      .data;
}

OpeBenchmarkResult RunOpeBenchmark(const WorldConfig& world_cfg, const ShopperConfig& shopper,
                                   const SessionConfig& session, const CompareConfig& cfg,
                                   const OpeBenchmarkConfig& bench) {
  cfg.Validate();
  bench.Validate();
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
      const ShopperModelOptions model_options = ShopperModelOptionsOf(cfg, log_seed);
      const PreparedLogs p = PrepareOpe(bandit, strategies, *logging, n, log_seed, cfg.folds,
                                        StreamSeed(log_seed, Stream::kRewardModelFolds), cfg.threads, false,
                                        NeedsShopperModel(estimators) ? &model_options : nullptr);
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

namespace {

// The main job: strategies x estimators against the simulator's truth.
class SimulatorExperiment : public Experiment {
 public:
  void DeclareOptions(OptionList&) override {}  // the shared [world] ... [train] settings
  void ValidateOptions() const override {}      // checked by their own structs
  std::string Run(const ExperimentContext& c) override {
    const CompareResult r = RunCompare(c.world, c.shopper, c.session, c.compare, c.resolved_config, c.command);
    WriteCompareReport(r, c.compare, c.out_dir, c.resolved_config, c.command);
    return Concat("wrote ", c.out_dir, "/summary.md, summary.csv, results.h5, logs.h5 (", r.seconds, " s)");
  }
};

// Estimator error against the number of logged rounds.
class OpeBenchmarkExperiment : public Experiment {
 public:
  void DeclareOptions(OptionList& o) override { config_.Declare(o); }
  void ValidateOptions() const override { config_.Validate(); }
  std::string Run(const ExperimentContext& c) override {
    const OpeBenchmarkResult r = RunOpeBenchmark(c.world, c.shopper, c.session, c.compare, config_);
    WriteOpeBenchmarkReport(r, c.compare, c.out_dir, c.resolved_config, c.command);
    return Concat("wrote ", c.out_dir, "/summary.md, summary.csv, results.h5 (", r.seconds, " s)");
  }

 private:
  OpeBenchmarkConfig config_;
};

const bool kRegisteredSimulator = ExperimentRegistry::Register(
    {"simulator", "the main job: strategies x estimators against the simulator's truth", {},
     [](const Spec&) -> std::unique_ptr<Experiment> { return std::make_unique<SimulatorExperiment>(); }});
const bool kRegisteredOpeBenchmark = ExperimentRegistry::Register(
    {"ope-benchmark", "estimator bias and RMSE against the number of logged rounds ([ope_benchmark])", {},
     [](const Spec&) -> std::unique_ptr<Experiment> { return std::make_unique<OpeBenchmarkExperiment>(); }});

}  // namespace

}  // namespace bundlerl
