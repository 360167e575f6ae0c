// bundlerl compare --config sim_configs/default.ini [--out DIR]
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "cli/sim_options.h"
#include "common/error.h"
#include "harness/bundle_ranking.h"
#include "harness/bundle_completion.h"
#include "harness/compare.h"
#include "harness/obd_compare.h"
#include "harness/report.h"

namespace bundlerl::cli {
namespace {

// compare.data, or the dataset's folder under $BUNDLERL_DATA (default ../shared/data).
std::string DataFolder(const std::string& configured, const std::string& under_data) {
  if (!configured.empty()) return configured;
  const char* env = std::getenv("BUNDLERL_DATA");
  return std::string(env && *env ? env : "../shared/data") + under_data;
}

}  // namespace

int RunCompare(const std::vector<std::string>& args, const std::string& command_line) {
  SimOptions o;
  std::string out;
  po::options_description desc(
      "bundlerl compare --config FILE.ini [--out DIR]\n\n"
      "The main job: in the config's world, log rounds with a known logging policy, take the\n"
      "strategies, compute each one's true value by simulation and its OPE estimate under\n"
      "every estimator, score the estimators (relative error, Kendall's tau), and write\n"
      "results/<name>/ (summary.md, summary.csv, results.h5, logs.h5, plots).\n\noptions");
  desc.add_options()("out", po::value(&out)->default_value(""), "output folder (overrides compare.out)");
  AddSimOptions(desc, o, /*with_compare=*/true);
  AddTrainOptions(desc, o.compare.train);
  auto parsed = ParseSubcommand("compare", args, desc);
  if (parsed.help) {
    std::cout << desc << "\n";
    return 0;
  }
  FinishSimOptions(o);
  if (!out.empty()) o.compare.out_dir = out;
  const std::string out_dir = o.compare.out_dir.empty() ? "results/" + o.compare.name : o.compare.out_dir;
  if (o.compare.kind == "bundle-ranking") {
    RankingConfig rc;
    rc.data_dir = DataFolder(o.compare.data, "/bundles/Youshu");
    rc.seed = o.compare.seed;
    rc.threads = o.compare.threads;
    const RankingResult rr = RunBundleRanking(rc);
    WriteRankingReport(rr, out_dir, parsed.resolved, command_line);
    std::cout << "wrote " << out_dir << "/summary.md, summary.csv, results.h5 (" << rr.seconds << " s)\n";
    return 0;
  }
  if (o.compare.kind == "bundle-completion") {
    CompletionConfig cc;
    cc.data_dir = DataFolder(o.compare.data, "/bundles/amazon");
    const CompletionResult cr = RunBundleCompletion(cc);
    WriteCompletionReport(cr, out_dir, parsed.resolved, command_line);
    std::cout << "wrote " << out_dir << "/summary.md, summary.csv, results.h5 (" << cr.seconds << " s)\n";
    return 0;
  }
  if (o.compare.kind == "obd") {
    ObdCompareConfig oc;
    oc.data_dir = DataFolder(o.compare.data, "/obd");
    if (!o.estimators.empty()) oc.estimators = o.compare.estimators;
    oc.bootstrap = o.compare.bootstrap > 0 ? o.compare.bootstrap : oc.bootstrap;
    oc.seed = o.compare.seed;
    oc.threads = o.compare.threads;
    const ObdCompareResult orr = RunObdCompare(oc);
    WriteObdCompareReport(orr, out_dir, parsed.resolved, command_line);
    std::cout << "wrote " << out_dir << "/summary.md, summary.csv, results.h5 (" << orr.seconds << " s)\n";
    return 0;
  }
  if (o.compare.kind == "ope-benchmark") {
    std::vector<std::string> forwarded = args;
    return RunOpeBenchmark(forwarded, command_line);
  }
  if (o.compare.kind != "simulator")
    Fail("config key 'compare.kind': expected simulator, bundle-ranking, bundle-completion, obd or ope-benchmark, got '", o.compare.kind, "'");
  const CompareResult r = bundlerl::RunCompare(o.world, o.shopper, o.session, o.compare, parsed.resolved, command_line);
  WriteCompareReport(r, o.compare, out_dir, parsed.resolved, command_line);
  std::cout << "wrote " << out_dir << "/summary.md, summary.csv, results.h5, logs.h5 (" << r.seconds << " s)\n";
  return 0;
}

}  // namespace bundlerl::cli
