// The experiment interface: what `bundlerl compare` runs. An experiment declares its own
// options beside its code (an INI section of its own, e.g. [ranking]), runs, and writes its
// results folder (summary.md, summary.csv, results.h5 with the resolved config, seed and
// version; plots where it has curves). Experiments register by the name compare.kind takes:
//   simulator          strategies x estimators against the simulator's truth (the main job)
//   ope-benchmark      estimator bias and RMSE against the number of logged rounds
//   bundle-ranking     the Youshu bundle-ranking protocol (Recall / NDCG @ 20, 40)
//   bundle-completion  bundle completion on the Amazon sessions (hit rate, recall @ N)
//   obd                strategies by OPE on the Open Bandit Dataset's uniform logs
//   obd-learned        agents trained on the first half of the OBD logs, evaluated on the second
// The shared settings ([world], [shopper], [session], [compare], [train]) come in the context.
#pragma once

#include <memory>
#include <string>

#include "agents/trainer.h"
#include "common/options.h"
#include "common/registry.h"
#include "env/config.h"
#include "harness/compare.h"

namespace bundlerl {

struct ExperimentContext {
  WorldConfig world;
  ShopperConfig shopper;
  SessionConfig session;
  CompareConfig compare;  // compare.train holds [train]
  std::string out_dir;    // where the results go
  std::string resolved_config, command;
  // The folder of the named dataset: compare.data, else <$BUNDLERL_DATA, or ../shared/data where
  // it exists, or data/ (scripts/get-data.sh)>/under.
  std::string DataFolder(const std::string& under) const;
};

class Experiment {
 public:
  virtual ~Experiment() = default;
  // Adds this experiment's own keys, bound to its settings (called once, before parsing).
  virtual void DeclareOptions(OptionList& options) = 0;
  // Checks those keys' values on their own, without data (ranges, lists, names); throws Error
  // naming the key. Called for every registered experiment after parsing, not only the one
  // that runs, so that a bad value in another experiment's section is refused, not recorded
  // in the results as if it had been used.
  virtual void ValidateOptions() const = 0;
  // Runs with the parsed settings and writes the results folder; returns a line saying what
  // it wrote. Throws Error naming a bad setting by its key.
  virtual std::string Run(const ExperimentContext& context) = 0;
};

using ExperimentRegistry = Registry<std::unique_ptr<Experiment>>;

}  // namespace bundlerl
