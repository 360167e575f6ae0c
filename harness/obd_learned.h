// The `obd-learned` experiment: the whole path from a real log to a learned policy and its
// off-policy value, on the Open Bandit Dataset sample. For each campaign the uniform-random
// log is split in time halves; each agent is trained on the first half with several seeds
// (bundlerl train --logs, in process), and every trained policy, the uniform (logging)
// policy and the Bernoulli TS table are evaluated on the second half by every estimator
// (bundlerl evaluate --policy, in process), with bootstrap intervals. The truth is known for
// uniform (the second half's click rate) and Bernoulli TS (the click rate of its own log over
// the same days); the learned policies have estimates only, reported per seed and as the
// mean and standard deviation over seeds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agents/trainer.h"
#include "common/options.h"
#include "ope/estimator.h"

namespace bundlerl {

struct ObdLearnedConfig {
  std::string data_dir;  // compare.data: the obd/ folder
  std::vector<std::string> campaigns = {"men", "women"};                // obd_learned.campaigns
  std::vector<std::string> agents = {"offpolicy-reinforce", "ipw"};     // obd_learned.agents
  int64_t seeds = 5;      // obd_learned.seeds: training seeds per agent (1..seeds)
  double split = 0.5;     // obd_learned.split: share of the rounds, by time, to train on
  std::vector<std::string> estimators = {"ipw", "snipw", "dr", "dros"};  // compare.estimators
  int bootstrap = 1000;   // compare.bootstrap when positive
  uint64_t seed = 1;      // compare.seed: folds and bootstrap
  int threads = 2;        // compare.threads
  TrainConfig train;      // [train]
  void Declare(OptionList& options);
  void Validate() const;
};

struct ObdLearnedRow {
  std::string campaign, policy, agent;  // agent: "" for uniform and bts
  int64_t seed = 0;                     // training seed (0 for uniform and bts)
  double truth = -1;                    // < 0: unknown
  std::vector<Estimate> estimates;      // per estimator
};

struct ObdLearnedCampaign {
  std::string campaign;
  int64_t train_rounds = 0, eval_rounds = 0;
  double train_clicks = 0, eval_clicks = 0;
  double bts_truth = 0, bts_truth_stderr = 0;
};

struct ObdLearnedResult {
  std::vector<std::string> estimators;
  std::vector<ObdLearnedCampaign> campaigns;
  std::vector<ObdLearnedRow> rows;
  double seconds = 0;
};

ObdLearnedResult RunObdLearned(const ObdLearnedConfig& config);
void WriteObdLearnedReport(const ObdLearnedResult& result, const ObdLearnedConfig& config, const std::string& out_dir,
                           const std::string& resolved_config, const std::string& command);

}  // namespace bundlerl
