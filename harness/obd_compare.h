// The `obd` comparison: strategies evaluated by OPE on the Open Bandit Dataset sample's
// uniform-random logs, per campaign. No simulator: the truth is known only for the Bernoulli
// TS policy (the on-policy click rate of its own logs, which ran on the same traffic) and for
// the uniform policy itself. Strategies are context-free tables P(item at position):
// uniform, bts (its published action distribution), ctr-greedy (the top items by smoothed
// click rate estimated on the BTS logs, so not on the evaluation logs) and an epsilon-greedy
// mixture of it.
#pragma once

#include <string>
#include <vector>

#include "common/options.h"
#include "ope/estimator.h"

namespace bundlerl {

struct ObdCompareConfig {
  std::string data_dir;  // compare.data: the obd/ folder
  std::vector<std::string> campaigns = {"men", "women"};  // obd.campaigns
  std::vector<std::string> estimators = {"dm", "ipw", "snipw", "dr", "sndr", "switch-dr", "dros"};  // compare.estimators
  int bootstrap = 1000;  // compare.bootstrap when positive
  uint64_t seed = 1;     // compare.seed
  int threads = 2;       // compare.threads
  void Declare(OptionList& options);
  void Validate() const;  // obd.campaigns: at least one, no empty name; throws Error naming the key
};

struct ObdStrategyResult {
  std::string campaign, strategy;
  double truth = -1;  // < 0: unknown
  std::vector<Estimate> estimates;
};

struct ObdCompareResult {
  std::vector<std::string> estimators;
  std::vector<ObdStrategyResult> rows;
  double seconds = 0;
};

ObdCompareResult RunObdCompare(const ObdCompareConfig& config);
void WriteObdCompareReport(const ObdCompareResult& result, const std::string& out_dir,
                           const std::string& resolved_config, const std::string& command);

}  // namespace bundlerl
