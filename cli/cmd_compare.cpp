// bundlerl compare --config sim_configs/default.ini [--out DIR]
#include <iostream>

#include "cli/commands.h"
#include "cli/sim_options.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "harness/experiment.h"

namespace bundlerl::cli {

namespace {

// Runs the experiment compare.kind (or `kind`) names with the parsed settings.
int RunExperiment(SimOptions& o, const ParsedOptions& parsed, const std::string& out, const std::string& command_line,
                  const std::string& kind = "") {
  FinishSimOptions(o, parsed);
  if (!kind.empty()) o.compare.kind = kind;
  if (parsed.vm.count("out") && !parsed.vm["out"].defaulted() && out.empty())
    Fail("--out: expected a folder path, got an empty one");
  if (!out.empty()) o.compare.out_dir = out;
  Experiment* experiment = nullptr;
  for (auto& [name, e] : o.experiments)
    if (name == o.compare.kind) experiment = e.get();
  if (!experiment)
    Fail("config key 'compare.kind': unknown experiment '", o.compare.kind, "'; known: ", ExperimentRegistry::NameList());
  o.compare.Validate();
  ExperimentContext c;
  c.world = o.world;
  c.shopper = o.shopper;
  c.session = o.session;
  c.compare = o.compare;
  // The experiment writes into a staging folder that replaces the output folder whole when
  // it finishes: a failed or killed run leaves the previous results as they were.
  AtomicFolder folder(o.compare.out_dir.empty() ? "results/" + o.compare.name : o.compare.out_dir);
  c.out_dir = c.compare.out_dir = folder.staging();
  c.resolved_config = parsed.resolved;
  c.command = command_line;
  std::string message = experiment->Run(c);
  folder.Commit();
  for (size_t at = message.find(folder.staging()); at != std::string::npos; at = message.find(folder.staging()))
    message.replace(at, folder.staging().size(), folder.path());
  std::cout << message << "\n";
  return 0;
}

}  // namespace

int RunCompare(const std::vector<std::string>& args, const std::string& command_line) {
  SimOptions o;
  std::string out;
  po::options_description desc(
      "bundlerl compare --config FILE.ini [--out DIR]\n\n"
      "Runs the experiment that compare.kind names and writes results/<compare.name>/ (summary.md,\n"
      "summary.csv, results.h5 with the resolved config, seed and version, and plots). Experiments:\n" +
      ExperimentRegistry::Help() + "\noptions");
  desc.add_options()("out", po::value(&out)->default_value(""), "output folder (overrides compare.out)");
  AddSimOptions(desc, o, /*with_compare=*/true);
  auto parsed = ParseSubcommand("compare", args, desc);
  if (parsed.help) {
    std::cout << desc << "\n";
    return 0;
  }
  return RunExperiment(o, parsed, out, command_line);
}

int RunOpeBenchmark(const std::vector<std::string>& args, const std::string& command_line) {
  SimOptions o;
  std::string out;
  po::options_description desc(
      "bundlerl ope-benchmark --config FILE.ini [--out DIR]\n\n"
      "Estimator error against the number of logged rounds in the simulator: bias and RMSE per\n"
      "estimator over seeds, for the strategies, estimators and logging policy of [compare];\n"
      "writes results/<compare.name>/ with a plot (compare with compare.kind = ope-benchmark).\n\noptions");
  desc.add_options()("out", po::value(&out)->default_value(""), "output folder");
  AddSimOptions(desc, o, /*with_compare=*/true);
  auto parsed = ParseSubcommand("ope-benchmark", args, desc);
  if (parsed.help) {
    std::cout << desc << "\n";
    return 0;
  }
  return RunExperiment(o, parsed, out, command_line, "ope-benchmark");
}

}  // namespace bundlerl::cli
