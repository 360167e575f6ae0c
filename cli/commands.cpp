// The subcommand table: see commands.h.
#include "cli/commands.h"

namespace bundlerl::cli {

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"compare", "the main job: strategies x estimators against simulator truth -> results/", RunCompare},
      {"ope-benchmark", "estimator bias and RMSE against the number of logged rounds -> results/", RunOpeBenchmark},
      {"train", "train an agent (reinforce, ppo, offpolicy-reinforce, ipw, linucb, lints)", RunTrain},
      {"simulate", "a strategy's expected session reward by simulation (and enumeration)", RunSimulate},
      {"synth", "log rounds of a simulated world to a BundleRL HDF5 file, in chunks (any size)", RunSynth},
      {"import", "convert a public dataset (obd, bundles, amazon) to a BundleRL HDF5 file", RunImport},
      {"evaluate", "off-policy estimates of policies from logs, with confidence intervals", RunEvaluate},
      {"similarity", "top-N neighbours of every item under a similarity kernel, as CSV", RunSimilarity},
      {"info", "summarise a BundleRL HDF5 file (rounds, items, click rate per position, ...)", RunInfo},
      {"split", "split a logged file's rounds in time (e.g. train on the first half, evaluate on the second)", RunSplit},
  };
  return commands;
}

}  // namespace bundlerl::cli
