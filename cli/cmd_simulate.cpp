// bundlerl simulate --config sim_configs/default.ini --policy NAME [--episodes N] [--seed S]
#include <iomanip>
#include <iostream>

#include "cli/commands.h"
#include "cli/dist_flags.h"
#include "cli/sim_options.h"
#include "common/error.h"
#include "common/executor.h"
#include "policy/fixed_policies.h"
#include "env/ground_truth.h"
#include "harness/world_file.h"
#include "policy/learned_policy.h"

namespace bundlerl::cli {

int RunSimulate(const std::vector<std::string>& args, const std::string&) {
  SimOptions o;
  std::string policy_name;
  int64_t episodes = 0;
  uint64_t seed = 0;
  int threads = 2;
  bool exact = false, one_step = false;
  std::string observation = "full", world_path;
  po::options_description desc(
      "bundlerl simulate --config FILE.ini --policy NAME [--episodes N] [--seed S]\n\n"
      "The expected total reward of a session under a strategy, by on-policy simulation in the\n"
      "config's world (mean and standard error over seeded episodes); with --exact also by\n"
      "enumeration (small worlds only). With --world, in a world fitted to a log (bundlerl\n"
      "fit-world): episodes replay its logged rounds, the fitted shopper model answers. The policy\n"
      "is a policy file from bundlerl train, or a strategy:\n" + PolicyRegistry::Help() + "\noptions");
  desc.add_options()
      ("policy", po::value(&policy_name)->required(), "a strategy name, or a policy file from bundlerl train")
      ("episodes", po::value(&episodes)->default_value(20000), "simulated episodes")
      ("seed", po::value(&seed)->default_value(1), "seed of the episodes")
      ("threads", po::value(&threads)->default_value(2), "threads")
      ("world", po::value(&world_path)->default_value(""), "a fitted world (bundlerl fit-world) instead of the config's")
      ("one-step", po::bool_switch(&one_step), "value of one slate (session.max_steps = 1), the OPE estimand of compare")
      ("exact", po::bool_switch(&exact), "also compute the exact value by enumeration")
      ("observation", po::value(&observation)->default_value(observation),
       "full: the session keeps the [candidates x features] matrix; state: the policy computes the "
       "rows it needs from the user state (same values; faster for policies that need few or none)");
  AddSimOptions(desc, o, /*with_compare=*/true);  // the keys of every shipped config are accepted
  DistributedFlags dist;
  AddDistributedOptions(desc, dist);
  auto parsed = ParseSubcommand("simulate", args, desc);
  if (parsed.help) {
    std::cout << desc << "\n";
    return 0;
  }
  FinishSimOptions(o, parsed);
  if (one_step) o.session.max_steps = 1;
  if (episodes <= 0) Fail("--episodes: expected a positive number, got ", episodes);
  ValidateThreads(threads, "--threads");
  PolicyInfo info;
  const auto policy = IsPolicyFile(policy_name) ? LoadLearnedPolicy(policy_name, &info) : MakePolicy(policy_name);
  const ObservationKind kind = ParseObservationKind(observation);
  const auto comm = MakeCommunicator(dist);
  const ActFunction act = [&](const Observation& ob, SplitMix64& r, int32_t* s) { policy->Act(ob, r, s); };
  EpisodeTotals totals;
  std::shared_ptr<const ShopperModel> model;
  std::vector<std::string> warnings;
  if (!world_path.empty()) {
    if (exact) Fail("--exact: enumeration is for the config's world; a fitted world is valued by simulation");
    const auto world = LoadFittedWorld(world_path);
    if (IsPolicyFile(policy_name) && info.num_features != world->num_features())
      Fail(policy_name, ": the policy scores ", info.num_features, " features (", info.features, ") but ", world_path,
           " gives rows of ", world->num_features(), " (", world->feature_spec().ToString(), ")");
    if (IsPolicyFile(policy_name))
      CheckPolicyCatalog(policy_name, info, CatalogFingerprint(world->logs()), world_path, &warnings);
    totals = SimulateEnvironmentEpisodes(*world, act, episodes, seed, threads, comm->rank(), comm->world_size());
  } else {
    // Sessions split by rank (episode e on rank e mod world), seeds from (seed, e): the same
    // numbers as one process.
    model = std::make_shared<const ShopperModel>(World::Generate(o.world), o.shopper, o.session);
    if (IsPolicyFile(policy_name) && model->world().catalog())
      CheckPolicyCatalog(policy_name, info, CatalogFingerprint(*model->world().catalog()), "the config's world", &warnings);
    totals = SimulateEpisodes(model, act, episodes, seed, threads, comm->rank(), comm->world_size(), kind);
  }
  comm->AllReduceSum(totals.reward);
  comm->AllReduceSum(totals.steps);
  comm->AllReduceSum(totals.clicks);
  const ValueEstimate v = ValueFromEpisodes(totals);
  if (comm->rank() != 0) return 0;
  for (const auto& w : warnings) std::cerr << "warning: " << w << "\n";
  std::cout << std::setprecision(6) << "policy " << policy->name() << ": value " << v.value << " +- "
            << v.stderr_ << " (standard error, " << v.episodes << " episodes, seed " << seed << ")\n"
            << "mean steps " << v.mean_steps << ", mean clicks " << v.mean_clicks << "\n";
  if (exact) {
    const double x = ExactValue(model, [&](const Observation& ob) { return policy->Enumerate(ob); });
    std::cout << "exact value " << x << " (simulation - exact = " << (v.value - x) / v.stderr_ << " standard errors)\n";
  }
  return 0;
}

}  // namespace bundlerl::cli
