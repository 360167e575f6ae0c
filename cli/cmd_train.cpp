// bundlerl train --config FILE.ini --agent NAME --seed S --out policy.pt
#include <unistd.h>

#include <cstdio>
#include <iomanip>
#include <iostream>

#include "agents/trainer.h"
#include "cli/commands.h"
#include "cli/dist_flags.h"
#include "cli/sim_options.h"
#include "common/error.h"
#include "env/world.h"
#include "replay/h5.h"

namespace bundlerl::cli {

int RunTrain(const std::vector<std::string>& args, const std::string& command_line) {
  SimOptions o;
  TrainConfig t;
  std::string out, curve;
  po::options_description desc(
      "bundlerl train --config FILE.ini --agent NAME [--seed S] --out policy.pt\n\n"
      "Trains an agent in the config's world and saves its policy (loadable by simulate and\n"
      "compare). Agents: reinforce, ppo (on-policy, in the simulator), offpolicy-reinforce,\n"
      "ipw (from rounds logged by train.logging_policy), linucb, lints (online). Checkpoints\n"
      "every train.checkpoint_every updates; --resume continues from the checkpoint and ends\n"
      "with the same parameters as an uninterrupted run.\n\noptions");
  desc.add_options()
      ("out", po::value(&out)->required(), "the trained policy file")
      ("curve", po::value(&curve)->default_value(""), "learning curve HDF5 (default OUT.curve.h5)")
      ("agent", po::value(&t.agent)->default_value(t.agent), "train.agent")
      ("seed", po::value(&t.seed)->default_value(t.seed), "train.seed")
      ("resume", po::bool_switch(&t.resume), "resume from train.checkpoint if it exists");
  AddTrainOptions(desc, t);
  AddSimOptions(desc, o, /*with_compare=*/true);
  DistributedFlags dist;
  AddDistributedOptions(desc, dist);
  auto parsed = ParseSubcommand("train", args, desc);
  if (parsed.help) {
    std::cout << desc << "\n";
    return 0;
  }
  FinishSimOptions(o);
  const auto world = World::Generate(o.world);
  const auto model = std::make_shared<const ShopperModel>(world, o.shopper, o.session);
  const auto comm = MakeCommunicator(dist);
  const bool tty = isatty(2) && comm->rank() == 0;
  const TrainResult r = TrainAgent(model, t, [&](int64_t u, int64_t total, double v) {
    if (comm->rank() != 0) return;
    if (tty || u == total || u % std::max<int64_t>(1, total / 10) == 0) {
      std::cerr << (tty ? "\r" : "") << "train " << t.agent << ": update " << u << "/" << total
                << ", value " << std::setprecision(4) << v << (tty && u != total ? "   " : "\n") << std::flush;
    }
  }, comm.get());
  if (comm->rank() != 0) return 0;  // rank 0 writes the policy and the curve
  SaveTrainedPolicy(r, out, parsed.resolved);
  if (curve.empty()) curve = out + ".curve.h5";
  h5::WriteFileAtomically(curve, [&](h5::File& f) {
    f.SetAttr("bundlerl_version", std::string(BUNDLERL_VERSION));
    f.SetAttr("config", parsed.resolved);
    f.SetAttr("command", command_line);
    f.SetAttr("agent", t.agent);
    f.SetAttr("seed", static_cast<int64_t>(t.seed));
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
