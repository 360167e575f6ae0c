// The comparison harness: the tool's main job. In the simulator world of a config it
//   1. logs rounds with a logging policy whose propensities are known (and writes them),
//   2. takes the strategies (fixed ones now; learned agents as they land),
//   3. computes every strategy's true value by on-policy simulation, and its OPE estimate
//      and confidence interval under every estimator, from the logs,
//   4. scores each estimator: relative error per strategy, Kendall's tau of its ranking,
//   5. writes results/<name>/: summary.md, summary.csv, results.h5 and PNG plots.
// The OPE estimand is the expected reward of one slate shown to a shopper at the start of a
// session (a contextual slate bandit over the shoppers' start states); the sequential value
// of whole sessions is reported beside it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agents/trainer.h"
#include "env/shopper_model.h"
#include "dataset/dataset.h"
#include "env/config.h"
#include "kernels/features.h"
#include "ope/estimator.h"
#include "ope/reliability.h"
#include "policy/shopper_model_targets.h"

namespace bundlerl {

// The most rounds one simulated log may hold (compare.log_rounds, ope_benchmark.rounds,
// coverage.rounds): a bound on the key, well past what a run on one machine logs.
inline constexpr int64_t kMaxLogRounds = 100000000;

// [compare]
struct CompareConfig {
  std::string kind = "simulator";  // compare.kind: simulator, bundle-ranking or ope-benchmark
  std::string data;                // compare.data: dataset folder (bundle-ranking)
  std::string name = "default";                                  // compare.name
  uint64_t seed = 1;                                             // compare.seed
  int64_t log_rounds = 20000;                                    // compare.log_rounds
  std::string logging_policy = "epsilon-greedy:0.5:popularity";  // compare.logging_policy
  std::vector<std::string> strategies = {"uniform", "popularity", "content", "itemcf", "profile"};
  std::vector<std::string> estimators = {"dm",   "ipw",    "snipw", "dr",     "sndr", "switch-dr", "dros",
                                         "sips", "snsips", "rips",  "snrips", "pi",   "mips",      "model", "slate-dr"};
  std::vector<std::string> agents = {"reinforce", "ppo", "offpolicy-reinforce", "linucb"};  // compare.agents
  TrainConfig train;               // [train]: how the agents are trained
  int64_t agent_seeds = 1;         // compare.agent_seeds: training seeds per agent (true values' spread)
  int64_t truth_episodes = 20000;  // compare.truth_episodes: the first simulation of each truth
  double truth_precision = 0.25;   // compare.truth_precision: the truth's standard error at most
                                   // this share of the smallest unmarked estimate's (0: off)
  int64_t truth_max_episodes = 4000000;  // compare.truth_max_episodes: the most it may take
  int bootstrap = 0;               // compare.bootstrap: 0 = normal intervals
  int folds = 5;                   // compare.folds: reward-model cross-fitting
  std::string shopper_model = "auto";  // compare.shopper_model: the choice model fitted to the logs (auto, mnl, cascade, independent, none)
  int model_slates = 4;               // compare.model_slates: target slates drawn per round to value it
  std::string model_features = "kernel,bundle,profile,item,unit";  // compare.model_features: its feature groups
  ReliabilityRule reliability;        // compare.min_ess, max_weight_share, bias_z, bias_share
  int threads = 2;                 // compare.threads
  std::string out_dir;             // compare.out: default results/<name>
  void Declare(OptionList& options);  // the [compare] keys
  void Validate() const;
};

struct StrategyResult {
  std::string name;
  double truth = 0, truth_stderr = 0;                  // one-step value (the OPE estimand)
  int64_t truth_episodes = 0;                          // the episodes behind it
  double truth_target = 0;                             // the standard error it was to reach
  double episode_value = 0, episode_stderr = 0;        // whole-session value
  std::vector<Estimate> estimates;                     // one per estimator
  std::vector<Reliability> reliability;                // one per estimator
};

struct CompareResult {
  std::vector<StrategyResult> strategies;
  std::vector<std::string> estimators;
  std::vector<double> kendall_tau;      // per estimator
  std::vector<double> mean_abs_rel_error;
  double logged_value = 0;              // mean per-round reward of the logs
  std::vector<std::pair<std::string, std::vector<double>>> curves;  // learning curve per agent
  // Per agent, the true values of the policies trained with seeds seed, seed + 1, ...
  // (compare.agent_seeds of them; the first is the one evaluated off-policy).
  struct AgentSeeds {
    std::string agent;
    std::vector<double> slate_values, session_values;
  };
  std::vector<AgentSeeds> agent_seeds;
  bool shopper_model_fitted = false;
  ShopperModelSummary shopper_model;  // when an estimator uses the fitted shopper model
  double seconds = 0;
};

// Runs the whole comparison and writes the results folder. `resolved_config` (INI text) and
// `command` are stored in results.h5 and summary.md.
CompareResult RunCompare(const WorldConfig& world, const ShopperConfig& shopper,
                         const SessionConfig& session, const CompareConfig& config,
                         const std::string& resolved_config, const std::string& command);

// [ope_benchmark]: estimator error against the number of logged rounds. For each size, logs
// of that many rounds are drawn with several seeds; every estimator estimates every
// strategy (the world, strategies, estimators and logging policy of the [compare] section).
struct OpeBenchmarkConfig {
  std::vector<int64_t> rounds = {1000, 10000, 100000, 1000000};  // ope_benchmark.rounds
  int64_t seeds = 10;                  // ope_benchmark.seeds: repetitions per size, at most
  int64_t max_total_rounds = 3000000;  // ope_benchmark.max_total_rounds: per size (fewer seeds for big sizes, at least 3)
  void Declare(OptionList& options);
  void Validate() const;  // throws Error naming the key
};

struct OpeBenchmarkResult {
  std::vector<int64_t> rounds, seeds;       // per size
  std::vector<std::string> estimators, strategies;
  std::vector<double> truth;                // per strategy
  // [size, estimator]: mean over strategies of |mean error| / truth, and of RMSE / truth.
  std::vector<double> relative_bias, relative_rmse;
  double seconds = 0;
};

OpeBenchmarkResult RunOpeBenchmark(const WorldConfig& world, const ShopperConfig& shopper,
                                   const SessionConfig& session, const CompareConfig& config,
                                   const OpeBenchmarkConfig& benchmark);

// The OPE data of each strategy at the rounds of a simulator log (agents/simulated_logs.h),
// as the comparison computes them: features by `kernels` (the world's, or rebuilt from the
// log's catalog by its kernel spec), a logistic reward model (L2 0.001) on the kernel features
// and the slot, cross-fitted by round with folds from `fold_seed`. With `shopper_model`, also
// the columns of a choice model fitted to the logged slates (policy/shopper_model_targets.h),
// its summary in `fitted`; with the `logging` policy, the abstraction columns of mips.
std::vector<OpeData> StrategyOpeData(const LoggedDataset& logs, const ItemKernels& kernels,
                                     const std::vector<std::shared_ptr<const SlatePolicy>>& strategies, int folds,
                                     uint64_t fold_seed, int threads,
                                     const ShopperModelOptions* shopper_model = nullptr,
                                     ShopperModelSummary* fitted = nullptr, const SlatePolicy* logging = nullptr);
// Whether any of the estimators needs the fitted shopper model's columns.
bool NeedsShopperModel(const std::vector<std::unique_ptr<Estimator>>& estimators);

// One simulated log of `rounds` rounds from `log_seed` under the config's logging policy, and
// each strategy's OPE data on it (reward model, and the fitted shopper model unless
// compare.shopper_model is none): what the OPE benchmark and the coverage study repeat.
std::vector<OpeData> SimulatedOpeData(const std::shared_ptr<const ShopperModel>& bandit,
                                      const std::vector<std::shared_ptr<const SlatePolicy>>& strategies,
                                      const CompareConfig& config, int64_t rounds, uint64_t log_seed);

// Kendall's tau-b between two score vectors (ties handled); 0 if undefined.
double KendallTau(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace bundlerl
