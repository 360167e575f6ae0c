// The `obd` comparison: see obd_compare.h.
#include "harness/obd_compare.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "harness/experiment.h"
#include "harness/report.h"
#include "replay/h5.h"
#include "dataset/importers.h"
#include "ope/offline_eval.h"

namespace bundlerl {
namespace fs = std::filesystem;

ObdCompareResult RunObdCompare(const ObdCompareConfig& cfg) {
  const auto t0 = std::chrono::steady_clock::now();
  if (!fs::is_directory(cfg.data_dir))
    Fail("config key 'compare.data': '", cfg.data_dir, "' is not a folder (expected the obd/ data folder)");
  ObdCompareResult out;
  std::vector<std::unique_ptr<Estimator>> estimators;
  for (const auto& e : cfg.estimators) {
    estimators.push_back(MakeEstimator(e));
    out.estimators.push_back(estimators.back()->name());
  }
  for (const auto& c : cfg.campaigns) {
    std::cerr << "compare: obd campaign " << c << std::endl;
    const LoggedDataset random = ImportObd(cfg.data_dir + "/random/" + c, "bundlerl compare (obd)", "uniform");
    const LoggedDataset bts = ImportObd(cfg.data_dir + "/bts/" + c, "bundlerl compare (obd)", "bts");
    const int64_t M = random.meta.n_units, K = random.meta.slate_size;
    // ctr-greedy: items ranked by click rate on the BTS logs (add-one smoothed towards the
    // mean), the best at position 0.
    std::vector<double> clicks(M, 0.0), shown(M, 0.0);
    for (int64_t i = 0; i < bts.rounds.n; ++i)
      clicks[bts.rounds.slate[i]] += bts.rounds.click[i], shown[bts.rounds.slate[i]] += 1;
    const double mean = std::accumulate(clicks.begin(), clicks.end(), 0.0) / std::accumulate(shown.begin(), shown.end(), 0.0);
    std::vector<int32_t> order(M);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
      const double ra = (clicks[a] + mean * 100) / (shown[a] + 100), rb = (clicks[b] + mean * 100) / (shown[b] + 100);
      return ra != rb ? ra > rb : a < b;
    });
    PositionActionTable greedy;
    greedy.n_units = M;
    greedy.K = K;
    greedy.prob.assign(M * K, 0.0);
    for (int64_t k = 0; k < K; ++k) greedy.prob[order[k] * K + k] = 1.0;
    PositionActionTable eps = greedy;
    for (auto& p : eps.prob) p = 0.7 * p + 0.3 / static_cast<double>(M);
    const std::vector<std::pair<std::string, PositionActionTable>> strategies = {
        {"uniform", PositionActionTable::Uniform(M, K)},
        {"bts", PositionActionTable::LoadCsv(cfg.data_dir + "/bts_policy/bts_action_dist_" + c + ".csv", M, K)},
        {"ctr-greedy", greedy},
        {"epsilon-greedy:0.3:ctr-greedy", eps}};
    const double truth_uniform = MeanReward(random), truth_bts = MeanReward(bts);
    for (const auto& [name, table] : strategies) {
      RewardModelConfig rm;
      rm.seed = cfg.seed;
      const OpeData d = BuildOpeData(random, table, &rm, nullptr);
      ObdStrategyResult row;
      row.campaign = c;
      row.strategy = name;
      row.truth = name == "uniform" ? truth_uniform : name == "bts" ? truth_bts : -1;
      EstimateOptions opt;
      opt.threads = cfg.threads;
      opt.bootstrap_samples = cfg.bootstrap;
      opt.seed = cfg.seed;
      for (const auto& e : estimators) row.estimates.push_back(RunEstimator(*e, d, opt));
      out.rows.push_back(std::move(row));
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

void WriteObdCompareReport(const ObdCompareResult& r, const std::string& out_dir, const std::string& resolved,
                           const std::string& command) {
  fs::create_directories(out_dir);
  auto num = [](double x, int p = 5) {
    std::ostringstream o;
    o << std::setprecision(p) << x;
    return o.str();
  };
  {
    AtomicFile md(out_dir + "/summary.md");
    auto& o = md.stream();
    o << "# Open Bandit Dataset: strategies by off-policy evaluation\n\nbundlerl " << BUNDLERL_VERSION << ", "
      << std::fixed << std::setprecision(1) << r.seconds << std::defaultfloat << " s. Command: `" << command
      << "`\n\nEvaluation logs: the uniform-random logs of each campaign (10,000 rows). The truth is known for "
         "`bts` (the on-policy click rate of its own logs, same traffic, same week) and for `uniform`; the other "
         "strategies have OPE estimates only. 95% intervals by bootstrap. Data: Saito et al., NeurIPS 2021 "
         "Datasets and Benchmarks.\n\nA deterministic strategy such as `ctr-greedy` is judged only on the rounds where the uniform "
         "logs happened to show its item at its position (about 100 per position); at click rates near 0.5% "
         "those hold a click or two at most, so the IPS-type estimates and their bootstrap intervals can "
         "collapse to zero: an interval of zero width there is no evidence, and DM's narrow interval ignores "
         "the reward model's error.\n";
    std::string campaign;
    for (const auto& row : r.rows) {
      if (row.campaign != campaign) {
        campaign = row.campaign;
        o << "\n## " << campaign << "\n\n| strategy | truth |";
        for (const auto& e : r.estimators) o << " " << e << " |";
        o << "\n|---|---|";
        for (size_t e = 0; e < r.estimators.size(); ++e) o << "---|";
        o << "\n";
      }
      o << "| " << row.strategy << " | " << (row.truth >= 0 ? num(row.truth, 4) : "unknown") << " |";
      for (const auto& e : row.estimates)
        o << " " << num(e.value, 4) << " [" << num(e.ci_low, 3) << ", " << num(e.ci_high, 3) << "] |";
      o << "\n";
    }
    o << "\n## Resolved configuration\n\n```ini\n" << resolved << "```\n";
    md.Commit();
  }
  {
    AtomicFile csv(out_dir + "/summary.csv");
    csv.stream() << "campaign,strategy,estimator,estimate,stderr,ci_low,ci_high,truth\n" << std::setprecision(10);
    for (const auto& row : r.rows)
      for (size_t e = 0; e < r.estimators.size(); ++e) {
        const auto& x = row.estimates[e];
        csv.stream() << row.campaign << "," << row.strategy << "," << r.estimators[e] << "," << x.value << ","
                     << x.stderr_ << "," << x.ci_low << "," << x.ci_high << ",";
        if (row.truth >= 0) csv.stream() << row.truth;
        csv.stream() << "\n";
      }
    csv.Commit();
  }
  WriteResultsFile(out_dir + "/results.h5", resolved, command, [&](h5::File& f) {
    std::vector<std::string> campaign, strategy;
    std::vector<double> truth, value, lo, hi;
    for (const auto& row : r.rows) {
      campaign.push_back(row.campaign), strategy.push_back(row.strategy), truth.push_back(row.truth);
      for (const auto& e : row.estimates) value.push_back(e.value), lo.push_back(e.ci_low), hi.push_back(e.ci_high);
    }
    const int64_t n = static_cast<int64_t>(r.rows.size()), E = static_cast<int64_t>(r.estimators.size());
    f.WriteStrings("/campaign", campaign);
    f.WriteStrings("/strategy", strategy);
    f.WriteStrings("/estimator", r.estimators);
    f.Write("/truth", truth, {n});
    f.Write("/value", value, {n, E});
    f.Write("/ci_low", lo, {n, E});
    f.Write("/ci_high", hi, {n, E});
  });
}

void ObdCompareConfig::Declare(OptionList& o) {
  o.Add("obd.campaigns", &campaigns, "OBD campaigns (folders under random/ and bts/)");
}

void ObdCompareConfig::Validate() const {
  if (campaigns.empty()) Fail("config key 'obd.campaigns': no campaign named");
  for (const std::string& c : campaigns)
    if (c.empty()) Fail("config key 'obd.campaigns': an empty campaign name");
}

namespace {

class ObdExperiment : public Experiment {
 public:
  void DeclareOptions(OptionList& o) override { config_.Declare(o); }
  void ValidateOptions() const override { config_.Validate(); }
  std::string Run(const ExperimentContext& c) override {
    ObdCompareConfig oc = config_;
    oc.data_dir = c.DataFolder("/obd");
    oc.estimators = c.compare.estimators;
    if (c.compare.bootstrap > 0) oc.bootstrap = c.compare.bootstrap;
    oc.seed = c.compare.seed;
    oc.threads = c.compare.threads;
    const ObdCompareResult r = RunObdCompare(oc);
    WriteObdCompareReport(r, c.out_dir, c.resolved_config, c.command);
    return Concat("wrote ", c.out_dir, "/summary.md, summary.csv, results.h5 (", r.seconds, " s)");
  }

 private:
  ObdCompareConfig config_;
};

const bool kRegistered = ExperimentRegistry::Register(
    {"obd", "strategies by OPE on the Open Bandit Dataset's uniform logs, truths for bts and uniform ([obd])", {},
     [](const Spec&) -> std::unique_ptr<Experiment> { return std::make_unique<ObdExperiment>(); }});

}  // namespace

}  // namespace bundlerl
