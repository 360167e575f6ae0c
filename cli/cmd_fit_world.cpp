// bundlerl fit-world --logs F.h5 --out W.h5: a shopper world fitted to a log (env/fitted_world.h).
#include <iomanip>
#include <iostream>

#include "cli/commands.h"
#include "cli/fitted_world_options.h"
#include "cli/options.h"
#include "common/error.h"
#include "common/executor.h"
#include "harness/world_file.h"
#include "replay/log_store.h"

namespace bundlerl::cli {

void AddFittedWorldOptions(po::options_description& desc) {
  const FittedWorldOptions d;
  desc.add_options()
      ("world-kind", po::value<std::string>()->default_value(d.kind),
       "fitted world: slates (a choice model of the logged slates), choices (a log of what was chosen: each "
       "choice against sampled alternatives) or auto (choices when every logged slot is clicked)")
      ("world-choice", po::value<std::string>()->default_value(d.model.choice),
       "fitted world, slates: the choice model (auto: mnl unless a round has two clicks; mnl, cascade, independent)")
      ("world-model-features", po::value<std::string>()->default_value("auto"),
       "fitted world: the model's feature groups (kernel, bundle, profile, item, unit; auto: those with few parameters)")
      ("world-negatives", po::value<int64_t>()->default_value(d.negatives),
       "fitted world, choices: sampled alternatives per choice")
      ("world-heldout", po::value<double>()->default_value(d.heldout_share),
       "fitted world: share of the later rounds held out for the log-likelihood report (0: none)")
      ("world-max-rounds", po::value<int64_t>()->default_value(d.max_rounds),
       "fitted world: rounds the model is fitted to, at most (evenly spread)")
      ("world-l2", po::value<double>()->default_value(d.model.l2), "fitted world: ridge penalty of the fit")
      ("world-slate-size", po::value<int64_t>()->default_value(0),
       "fitted world, choices: the slots of the agent's slate (default: the log's)")
      ("world-expected-reward", po::bool_switch()->default_value(false),
       "fitted world: a step earns its expected clicks under the model (no click noise)");
}

FittedWorldOptions FittedWorldOptionsFrom(const po::variables_map& vm, const std::string& kernels,
                                          const std::string& features, uint64_t seed, int threads) {
  FittedWorldOptions o;
  o.kind = vm["world-kind"].as<std::string>();
  if (o.kind != "auto" && o.kind != "slates" && o.kind != "choices")
    Fail("--world-kind: expected auto, slates or choices, got '", o.kind, "'");
  o.model.choice = vm["world-choice"].as<std::string>();
  try {
    CheckChoiceName(o.model.choice, true);
  } catch (const Error& e) {
    Fail("--world-choice: ", e.what());
  }
  o.model.features = vm["world-model-features"].as<std::string>();
  if (o.model.features != "auto") {
    try {
      CheckShopperModelFeatures(o.model.features);
    } catch (const Error& e) {
      Fail("--world-model-features: ", e.what());
    }
  }
  o.negatives = vm["world-negatives"].as<int64_t>();
  if (o.negatives < 1 || o.negatives > 1000) Fail("--world-negatives: expected a number in [1, 1000], got ", o.negatives);
  o.heldout_share = vm["world-heldout"].as<double>();
  if (!(o.heldout_share >= 0 && o.heldout_share < 1)) Fail("--world-heldout: expected a share in [0, 1), got ", o.heldout_share);
  o.max_rounds = vm["world-max-rounds"].as<int64_t>();
  if (o.max_rounds < 100 || o.max_rounds > 100000000) Fail("--world-max-rounds: expected a number in [100, 1e8], got ", o.max_rounds);
  o.model.l2 = vm["world-l2"].as<double>();
  if (!(o.model.l2 >= 0 && o.model.l2 < 1e6)) Fail("--world-l2: expected a number in [0, 1e6), got ", o.model.l2);
  o.slate_size = vm["world-slate-size"].as<int64_t>();
  if (o.slate_size < 0 || o.slate_size > 31) Fail("--world-slate-size: expected a number in [0, 31], got ", o.slate_size);
  o.expected_reward = vm["world-expected-reward"].as<bool>();
  o.kernels = kernels;
  o.features = features;
  o.seed = seed;
  o.threads = threads;
  return o;
}

void PrintFittedWorld(const FittedWorld& w, std::ostream& out) {
  const FittedWorldReport& r = w.report();
  const LoggedDataset& d = w.logs();
  out << "fitted world: " << d.meta.source << ", " << d.rounds.n << " logged rounds, slates of " << w.slate_size()
      << " from " << w.num_candidates() << " candidates, features " << w.feature_spec().ToString()
      << (w.expected_reward() ? ", expected rewards" : "") << "\n"
      << "shopper model: " << r.model.choice << ", " << r.model.rounds << (r.kind == "choices" ? " choices" : " rounds")
      << ", log-likelihood " << std::setprecision(5) << r.model.loglik << " per "
      << (r.kind == "choices" ? "choice" : "round") << " (" << r.model.loglik_null << " without features)\n";
  if (r.heldout)
    out << "held out: the model of the earlier " << r.train_rounds << " rounds on the later " << r.heldout_rounds
        << ": log-likelihood " << r.heldout_loglik << " against " << r.heldout_loglik_null << " without features\n";
  out << "parameters (estimate +- standard error):\n";
  int64_t units = 0;
  for (size_t j = 0; j < r.model.parameters.size() && j < r.model.estimate.size(); ++j) {
    if (r.model.parameters[j].rfind("unit_", 0) == 0) {  // one per item: counted, not listed
      ++units;
      continue;
    }
    out << "  " << std::left << std::setw(24) << r.model.parameters[j] << std::right << std::setw(12)
        << r.model.estimate[j];
    if (j < r.model.stderr_.size()) out << " +- " << r.model.stderr_[j];
    out << "\n";
  }
  if (units > 0) out << "  and " << units << " unit_<item> weights (one per item; the world file's /world/beta)\n";
}

int RunFitWorld(const std::vector<std::string>& args, const std::string& command_line) {
  po::options_description desc(
      "bundlerl fit-world --logs F.h5 --out W.h5\n\n"
      "Fits a shopper world to a logged file: episodes start from its rounds (user, history up to\n"
      "the round, candidates, context), and a choice model fitted to its slates answers the slates\n"
      "an agent shows (docs/SIMULATOR.md, \"Worlds fitted to logs\"). Prints the model and its\n"
      "held-out log-likelihood against the model without features. `bundlerl train --world W.h5`\n"
      "trains reinforce or ppo in it, `bundlerl simulate --world W.h5 --policy P` values a policy.\n\noptions");
  desc.add_options()
      ("logs", po::value<std::string>()->required(), "the logged file (bundlerl import, synth, split, compare)")
      ("out", po::value<std::string>()->required(), "the world file (written atomically)")
      ("kernels", po::value<std::string>()->default_value(""), "kernel spec of the observations (default: the log's)")
      ("features", po::value<std::string>()->default_value(""),
       "the agent's feature rows (default: what the log holds, as train --logs)")
      ("seed", po::value<uint64_t>()->default_value(1), "seed of the sampled alternatives")
      ("threads", po::value<int>()->default_value(2), "threads");
  AddFittedWorldOptions(desc);
  auto parsed = ParseSubcommand("fit-world", args, desc);
  if (parsed.help) {
    std::cout << desc << "\n";
    return 0;
  }
  const auto& vm = parsed.vm;
  const std::string logs = vm["logs"].as<std::string>(), out = vm["out"].as<std::string>();
  if (out.empty()) Fail("--out: expected a file name, got an empty one");
  CheckOutputIsNotInput(out, {logs, parsed.config_file});
  const int threads = vm["threads"].as<int>();
  ValidateThreads(threads, "--threads");
  const FittedWorldOptions o = FittedWorldOptionsFrom(vm, vm["kernels"].as<std::string>(),
                                                      vm["features"].as<std::string>(), vm["seed"].as<uint64_t>(), threads);
  std::shared_ptr<const FittedWorld> world;
  try {
    world = FittedWorld::Fit(ReadDataset(logs), o);
  } catch (const Error& e) {
    Fail(logs, ": ", e.what());
  }
  SaveFittedWorld(*world, out, command_line);
  PrintFittedWorld(*world, std::cout);
  std::cout << "wrote " << out << "\n";
  return 0;
}

}  // namespace bundlerl::cli
