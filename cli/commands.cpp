// The subcommand table: see commands.h. Compiled twice: into bundlerl-full with every command,
// and with BUNDLERL_CLI_LIGHT into bundlerl, where the commands that need LibTorch (FULL below)
// re-execute bundlerl-full with the same arguments, so that import, info, similarity and
// split start without loading LibTorch (whose loading and static initialisation take about
// a second).
#include "cli/commands.h"

#ifdef BUNDLERL_CLI_LIGHT
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "common/error.h"
#define FULL(name, run) ForwardToFull(name)
#else
#define FULL(name, run) run
#endif

namespace bundlerl::cli {

#ifdef BUNDLERL_CLI_LIGHT
namespace {

// Runs `bundlerl-full name args...` from the folder of this executable in place of this
// process; returns only when that fails (an error).
std::function<int(const std::vector<std::string>&, const std::string&)> ForwardToFull(const std::string& name) {
  return [name](const std::vector<std::string>& args, const std::string&) -> int {
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    const std::string full = (ec ? std::filesystem::path(".") : self.parent_path()) / "bundlerl-full";
    std::vector<std::string> argv_strings = {"bundlerl", name};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::cout.flush();
    execv(full.c_str(), argv.data());
    Fail("cannot run ", full, " (the build's executable with the LibTorch commands): ", std::strerror(errno));
  };
}

// similarity runs here, unless its kernel (from --kind or the INI file) is one registered
// only in bundlerl-full (graph:FILE reads graph embeddings, built with the LibTorch models):
// nothing is written before the kernel is built, so the run can start over there.
int SimilarityHereOrInFull(const std::vector<std::string>& args, const std::string& invoked) {
  try {
    return RunSimilarity(args, invoked);
  } catch (const UnknownNameError&) {
    return ForwardToFull("similarity")(args, invoked);
  }
}

}  // namespace
#define SIMILARITY SimilarityHereOrInFull
#else
#define SIMILARITY RunSimilarity
#endif

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"compare", "the main job: strategies x estimators against simulator truth -> results/", FULL("compare", RunCompare)},
      {"ope-benchmark", "estimator bias and RMSE against the number of logged rounds -> results/", FULL("ope-benchmark", RunOpeBenchmark)},
      {"train", "train an agent (reinforce, ppo, offpolicy-reinforce, ipw, linucb, lints)", FULL("train", RunTrain)},
      {"simulate", "a strategy's expected session reward by simulation (and enumeration)", FULL("simulate", RunSimulate)},
      {"fit-world", "fit a shopper world to a logged file (train --world and simulate --world use it)", FULL("fit-world", RunFitWorld)},
      {"synth", "log rounds of a simulated world to a BundleRL HDF5 file, in chunks (any size)", FULL("synth", RunSynth)},
      {"import", "convert a public dataset (obd, bundles, amazon) or your own slate logs to a BundleRL HDF5 file", RunImport},
      {"evaluate", "off-policy estimates of policies from logs, with confidence intervals", FULL("evaluate", RunEvaluate)},
      {"similarity", "top-N neighbours of every item under a similarity kernel, as CSV", SIMILARITY},
      {"info", "summarise a BundleRL HDF5 file (rounds, items, click rate per position, ...)", RunInfo},
      {"split", "split a logged file's rounds in time (e.g. train on the first half, evaluate on the second)", RunSplit},
  };
  return commands;
}

}  // namespace bundlerl::cli
