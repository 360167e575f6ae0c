// bundlerl train --config FILE.ini --agent NAME [--logs F.h5] --out policy.pt
#include <unistd.h>

#include <cstdio>
#include <iomanip>
#include <iostream>

#include "agents/agent.h"
#include "agents/trainer.h"
#include "cli/commands.h"
#include "cli/dist_flags.h"
#include "cli/fitted_world_options.h"
#include "cli/sim_options.h"
#include "common/error.h"
#include "env/world.h"
#include "harness/world_file.h"
#include "kernels/builder.h"
#include "replay/h5.h"
#include "replay/log_store.h"

namespace bundlerl::cli {
namespace {

// The kernels and feature rows of a log's rounds: the given specs, else the log's own kernel
// spec and the default features of what it holds. Errors name the file.
struct LogFeatures {
  ItemKernels kernels;
  FeatureSpec features;
};

LogFeatures FeaturesOfLog(const FileRoundSource& logs, const std::string& kernel_spec, const std::string& feature_spec) {
  const LoggedDataset& catalog = logs.catalog();
  try {
    if (logs.num_rounds() == 0)
      Fail("holds no logged rounds to learn from (dataset /rounds is missing; bundle-ranking files hold "
           "interactions only)");
    if (catalog.items.n == 0)
      Fail("holds no item catalog (/items), which the features of its rounds are built from");
    LogFeatures f;
    f.kernels = BuildKernels(catalog, KernelSpec::Parse(kernel_spec.empty() ? catalog.meta.kernels : kernel_spec));
    f.features = feature_spec.empty() ? DefaultFeatureSpec(catalog) : FeatureSpec::Parse(feature_spec);
    return f;
  } catch (const Error& e) {
    Fail(logs.path(), ": ", e.what());
  }
}

}  // namespace

int RunTrain(const std::vector<std::string>& args, const std::string& command_line) {
  SimOptions o;
  TrainConfig& t = o.compare.train;
  std::string out, curve, logs_path, kernel_spec, feature_spec, world_path;
  po::options_description desc(
      "bundlerl train --config FILE.ini --agent NAME [--logs F.h5] [--seed S] --out policy.pt\n\n"
      "Trains an agent and saves its policy (loadable by simulate, evaluate and compare).\n"
      "Without --logs the agent learns in the config's world: online agents play episodes,\n"
      "agents that learn from logs learn from train.log_rounds rounds logged there under\n"
      "train.logging_policy. With --logs the agents that learn from logs learn from a logged file\n"
      "(bundlerl import, or the logs.h5 of compare), each round's features rebuilt from the file by\n"
      "the kernels; reinforce and ppo learn in a shopper world fitted to the file (bundlerl\n"
      "fit-world; the --world-* flags), or in a saved one with --world W.h5. Checkpoints\n"
      "every train.checkpoint_every updates; --resume continues from the checkpoint and ends\n"
      "with the same parameters as an uninterrupted run.\n\nagents:\n" +
      AgentRegistry::Help() + "\noptions");
  desc.add_options()
      ("out", po::value(&out)->required(), "the trained policy file")
      ("curve", po::value(&curve)->default_value(""), "learning curve HDF5 (default OUT.curve.h5)")
      ("agent", po::value(&t.agent)->default_value(t.agent), "train.agent")
      ("seed", po::value(&t.seed)->default_value(t.seed), "train.seed")
      ("logs", po::value(&logs_path)->default_value(""), "learn from the rounds of this logged file")
      ("world", po::value(&world_path)->default_value(""),
       "online agents: learn in this fitted world (bundlerl fit-world)")
      ("kernels", po::value(&kernel_spec)->default_value(""),
       "with --logs: the kernel spec (kernels/builder.h) of the features; default: the file's own")
      ("features", po::value(&feature_spec)->default_value(""),
       "with --logs: the feature rows, e.g. kernel,unit,context,affinity; default: what the file holds")
      ("resume", po::bool_switch(&t.resume), "resume from train.checkpoint if it exists");
  AddSimOptions(desc, o, /*with_compare=*/true);
  AddFittedWorldOptions(desc);
  DistributedFlags dist;
  AddDistributedOptions(desc, dist);
  auto parsed = ParseSubcommand("train", args, desc);
  if (parsed.help) {
    std::cout << desc << "\n";
    return 0;
  }
  FinishSimOptions(o, parsed);
  CheckOutputIsNotInput(out, {logs_path, parsed.config_file});
  if (!curve.empty()) CheckOutputIsNotInput(curve, {logs_path, parsed.config_file, out}, "--curve");
  const auto comm = MakeCommunicator(dist);
  const bool tty = isatty(2) && comm->rank() == 0;
  const ProgressFunction progress = [&](int64_t u, int64_t total, double v) {
    if (comm->rank() != 0) return;
    if (tty || u == total || u % std::max<int64_t>(1, total / 10) == 0) {
      std::cerr << (tty ? "\r" : "") << "train " << t.agent << ": update " << u << "/" << total
                << ", value " << std::setprecision(4) << v << (tty && u != total ? "   " : "\n") << std::flush;
    }
  };
  TrainResult r;
  if (!world_path.empty() && !logs_path.empty()) Fail("give --logs (a logged file) or --world (a fitted world), not both");
  // The online agents learn from a log in the world fitted to it.
  const auto probe = MakeAgent(t.agent, AgentSetup{&t, kNumFeatures, 3, 8, "kernel"});  // what it learns from
  const bool online = probe->learns_online(), log_learner = probe->learns_from_logs();
  if (!world_path.empty() || (!logs_path.empty() && online && !log_learner)) {
    std::shared_ptr<const FittedWorld> world;
    if (!world_path.empty()) {
      world = LoadFittedWorld(world_path);
    } else {
      try {
        world = FittedWorld::Fit(ReadDataset(logs_path), FittedWorldOptionsFrom(parsed.vm, kernel_spec, feature_spec,
                                                                                 t.seed, t.threads));
      } catch (const Error& e) {
        Fail(logs_path, ": ", e.what());
      }
    }
    if (comm->rank() == 0) PrintFittedWorld(*world, std::cerr);
    r = TrainInEnvironment(*world, t, progress, comm.get(), world->feature_spec().ToString());
    r.kernel_spec = world->kernel_spec().ToString();
    r.catalog = CatalogFingerprint(world->logs());
  } else if (logs_path.empty()) {
    const auto world = World::Generate(o.world);
    const auto model = std::make_shared<const ShopperModel>(world, o.shopper, o.session);
    r = TrainAgent(model, t, progress, comm.get());
  } else {
    const FileRoundSource logs(logs_path);
    const LogFeatures f = FeaturesOfLog(logs, kernel_spec, feature_spec);
    try {
      r = TrainFromLogs(logs, f.kernels, f.features, t, progress, comm.get());
    } catch (const Error& e) {
      Fail(logs_path, ": ", e.what());
    }
  }
  if (comm->rank() != 0) return 0;  // rank 0 writes the policy and the curve
  SaveTrainedPolicy(r, out, parsed.resolved);
  if (curve.empty()) curve = out + ".curve.h5";
  h5::WriteFileAtomically(curve, [&](h5::File& f) {
    f.SetAttr("bundlerl_version", std::string(BUNDLERL_VERSION));
    f.SetAttr("config", parsed.resolved);
    f.SetAttr("command", command_line);
    f.SetAttr("agent", t.agent);
    f.SetAttr("seed", static_cast<int64_t>(t.seed));
    f.SetAttr("logs", logs_path);
    f.CreateGroup("/curve");
    std::vector<int64_t> update(r.curve.size());
    for (size_t i = 0; i < update.size(); ++i) update[i] = static_cast<int64_t>(i + 1);
    f.Write("/curve/update", update, {static_cast<int64_t>(update.size())});
    f.Write("/curve/value", r.curve, {static_cast<int64_t>(r.curve.size())});
  });
  std::cout << "wrote " << out << " and " << curve << " (" << r.updates << " updates, " << r.rounds
            << " rounds, " << std::setprecision(3) << r.seconds << " s, " << r.rounds / std::max(r.seconds, 1e-9)
            << " rounds/s)\n";
  return 0;
}

}  // namespace bundlerl::cli
