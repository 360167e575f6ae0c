// bundlerl ope-benchmark --config sim_configs/ope_benchmark.ini [--out DIR]
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/sim_options.h"
#include "common/error.h"
#include "harness/compare.h"
#include "harness/report.h"

namespace bundlerl::cli {

int RunOpeBenchmark(const std::vector<std::string>& args, const std::string& command_line) {
  SimOptions o;
  OpeBenchmarkConfig b;
  std::string out, rounds = "1000,10000,100000,1000000";
  po::options_description desc(
      "bundlerl ope-benchmark --config FILE.ini [--out DIR]\n\n"
      "Estimator error against the number of logged rounds in the simulator: bias and RMSE per\n"
      "estimator over seeds, for the strategies, estimators and logging policy of [compare];\n"
      "writes results/<compare.name>/ with a plot.\n\noptions");
  desc.add_options()
      ("out", po::value(&out)->default_value(""), "output folder")
      ("ope_benchmark.rounds", po::value(&rounds)->default_value(rounds), "sizes, comma-separated")
      ("ope_benchmark.seeds", po::value(&b.seeds)->default_value(b.seeds), "repetitions per size, at most")
      ("ope_benchmark.max_total_rounds", po::value(&b.max_total_rounds)->default_value(b.max_total_rounds),
       "rounds per size over all its seeds (at least 3 seeds)");
  AddSimOptions(desc, o, /*with_compare=*/true);
  AddTrainOptions(desc, o.compare.train);
  auto parsed = ParseSubcommand("ope-benchmark", args, desc);
  if (parsed.help) {
    std::cout << desc << "\n";
    return 0;
  }
  FinishSimOptions(o);
  b.rounds.clear();
  std::stringstream ss(rounds);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end) Fail("config key 'ope_benchmark.rounds': '", item, "' is not an integer");
    b.rounds.push_back(v);
  }
  const std::string out_dir = !out.empty() ? out : o.compare.out_dir.empty() ? "results/" + o.compare.name : o.compare.out_dir;
  const OpeBenchmarkResult r = bundlerl::RunOpeBenchmark(o.world, o.shopper, o.session, o.compare, b);
  WriteOpeBenchmarkReport(r, o.compare, out_dir, parsed.resolved, command_line);
  std::cout << "wrote " << out_dir << "/summary.md, summary.csv, results.h5 (" << r.seconds << " s)\n";
  return 0;
}

}  // namespace bundlerl::cli
