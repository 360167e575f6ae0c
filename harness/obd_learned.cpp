// The `obd-learned` experiment: see obd_learned.h.
#include "harness/obd_learned.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/executor.h"
#include "dataset/importers.h"
#include "harness/experiment.h"
#include "harness/report.h"
#include "kernels/builder.h"
#include "ope/offline_eval.h"
#include "policy/fixed_policies.h"
#include "policy/independent_slots.h"
#include "policy/logged_targets.h"
#include "replay/h5.h"

namespace bundlerl {
namespace fs = std::filesystem;
namespace {

void Say(const std::string& s) { std::cerr << "compare: " << s << std::endl; }

double Clicks(const LoggedDataset& d) {
  double s = 0;
  for (float c : d.rounds.click) s += c;
  return s;
}

// The Bernoulli TS log's click rate over the days of the evaluation half: its truth there.
void BtsTruth(const LoggedDataset& bts, double from_time, ObdLearnedCampaign& c) {
  double clicks = 0, n = 0;
  for (int64_t i = 0; i < bts.rounds.n; ++i)
    if (bts.rounds.timestamp[i] >= from_time) clicks += bts.rounds.click[i], n += 1;
  if (n == 0) Fail("obd-learned: the Bernoulli TS log has no rounds after the split");
  c.bts_truth = clicks / n;
  c.bts_truth_stderr = std::sqrt(c.bts_truth * (1 - c.bts_truth) / n);
}

}  // namespace

void ObdLearnedConfig::Declare(OptionList& o) {
  o.Add("obd_learned.campaigns", &campaigns, "OBD campaigns (folders under random/ and bts/)");
  o.Add("obd_learned.agents", &agents, "agents trained on the first half (agents that learn from logs)");
  o.Add("obd_learned.seeds", &seeds, "training seeds per agent (1 .. seeds)");
  o.Add("obd_learned.split", &split, "share of the uniform log, earliest first, that the agents train on");
}

void ObdLearnedConfig::Validate() const {
  if (campaigns.empty()) Fail("config key 'obd_learned.campaigns': no campaign named");
  if (agents.empty()) Fail("config key 'obd_learned.agents': no agent named");
  if (seeds < 1 || seeds > 100) Fail("config key 'obd_learned.seeds': expected a number in [1, 100], got ", seeds);
  if (!(split > 0 && split < 1)) Fail("config key 'obd_learned.split': expected a share in (0, 1), got ", split);
  train.Validate();
}

ObdLearnedResult RunObdLearned(const ObdLearnedConfig& cfg) {
  const auto t0 = std::chrono::steady_clock::now();
  cfg.Validate();
  if (!fs::is_directory(cfg.data_dir))
    Fail("config key 'compare.data': '", cfg.data_dir, "' is not a folder (expected the obd/ data folder)");
  ObdLearnedResult out;
  std::vector<std::unique_ptr<Estimator>> estimators;
  for (const auto& e : cfg.estimators) {
    estimators.push_back(MakeEstimator(e));
    out.estimators.push_back(estimators.back()->name());
  }
  for (const auto& campaign : cfg.campaigns) {
    const LoggedDataset random = ImportObd(cfg.data_dir + "/random/" + campaign, "bundlerl compare (obd-learned)", "uniform");
    const LoggedDataset bts = ImportObd(cfg.data_dir + "/bts/" + campaign, "bundlerl compare (obd-learned)", "bts");
    const auto [train, eval] = SplitRounds(random, cfg.split);
    ObdLearnedCampaign c;
    c.campaign = campaign;
    c.train_rounds = train.num_rounds();
    c.eval_rounds = eval.num_rounds();
    c.train_clicks = Clicks(train);
    c.eval_clicks = Clicks(eval);
    BtsTruth(bts, eval.rounds.timestamp.front(), c);
    Say(Concat("obd-learned ", campaign, ": training on ", c.train_rounds, " rounds (", c.train_clicks,
               " clicks), evaluating on ", c.eval_rounds, " (", c.eval_clicks, " clicks)"));
    const ItemKernels kernels = BuildKernels(train, KernelSpec());
    const FeatureSpec features = DefaultFeatureSpec(train);
    // The policies: every agent x seed, then uniform and the Bernoulli TS table.
    std::vector<std::shared_ptr<const SlatePolicy>> policies;
    std::vector<ObdLearnedRow> rows;
    for (const auto& agent : cfg.agents)
      for (int64_t s = 1; s <= cfg.seeds; ++s) {
        TrainConfig t = cfg.train;
        t.agent = agent;
        t.seed = static_cast<uint64_t>(s);
        t.threads = cfg.threads;
        t.checkpoint.clear(), t.checkpoint_every = 0, t.resume = false;
        const TrainResult r = TrainFromLogs(InMemoryRounds(train), kernels, features, t);
        policies.push_back(r.policy);
        rows.push_back({campaign, Concat(agent, " (seed ", s, ")"), agent, s, -1, {}});
      }
    const int64_t M = random.meta.n_units, K = random.meta.slate_size;
    const PositionActionTable table =
        PositionActionTable::LoadCsv(cfg.data_dir + "/bts_policy/bts_action_dist_" + campaign + ".csv", M, K);
    policies.push_back(MakeFixedPolicy("uniform"));
    rows.push_back({campaign, "uniform", "", 0, MeanReward(eval), {}});
    policies.push_back(std::make_shared<LoggedPolicy>(table.prob, M, K, "bts"));
    rows.push_back({campaign, "bts", "", 0, c.bts_truth, {}});
    RewardModelConfig rm;
    rm.seed = cfg.seed;
    LoggedTargetOptions topt;
    topt.reward_model = &rm;
    topt.threads = cfg.threads;
    std::vector<const SlatePolicy*> raw;
    for (const auto& p : policies) raw.push_back(p.get());
    const std::vector<OpeData> data = BuildPolicyOpeData(eval, kernels, features, raw, topt);
    EstimateOptions opt;
    opt.threads = cfg.threads;
    opt.bootstrap_samples = cfg.bootstrap;
    opt.seed = StreamSeed(cfg.seed, Stream::kBootstrap);
    for (size_t p = 0; p < rows.size(); ++p)
      for (const auto& e : estimators) rows[p].estimates.push_back(RunEstimator(*e, data[p], opt));
    out.campaigns.push_back(c);
    out.rows.insert(out.rows.end(), rows.begin(), rows.end());
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

namespace {

std::string Num(double x, int precision = 4) {
  std::ostringstream o;
  o << std::setprecision(precision) << x;
  return o.str();
}

}  // namespace

void WriteObdLearnedReport(const ObdLearnedResult& r, const ObdLearnedConfig& cfg, const std::string& out_dir,
                           const std::string& resolved, const std::string& command) {
  fs::create_directories(out_dir);
  const size_t E = r.estimators.size();
  {
    AtomicFile md(out_dir + "/summary.md");
    auto& o = md.stream();
    std::ostringstream conclusions;
    o << "# Open Bandit Dataset: policies learned from the first half, evaluated on the second\n\nbundlerl "
      << BUNDLERL_VERSION << ", " << FormatFixed(r.seconds, 1) << " s. Command: `" << command
      << "`\n\nFor each campaign the uniform-random log is split in time: the agents train on the earlier "
      << Num(cfg.split * 100) << "% of its rows (features: the item one-hot, the user's "
         "categorical features and their affinity to the item, after the kernel columns), "
      << cfg.seeds << " training seeds each, and every policy is evaluated on the later rows. Intervals: 95%, "
      << (cfg.bootstrap > 0 ? Concat("bootstrap with ", cfg.bootstrap, " resamples") : std::string("normal"))
      << ". Truth: the click rate of the evaluation half for `uniform`; for `bts`, the click rate of the "
         "Bernoulli TS log over the same days (same traffic). Data: Saito et al., NeurIPS 2021 Datasets and "
         "Benchmarks.\n";
    for (const auto& c : r.campaigns) {
      o << "\n## " << c.campaign << "\n\nTraining half: " << c.train_rounds << " rows, " << Num(c.train_clicks)
        << " clicks. Evaluation half: " << c.eval_rounds << " rows, " << Num(c.eval_clicks) << " clicks. Bernoulli TS "
        << "truth: " << Num(c.bts_truth) << " +- " << Num(c.bts_truth_stderr, 2) << " (standard error).\n\n| policy | truth |";
      for (const auto& e : r.estimators) o << " " << e << " [95% CI] |";
      o << "\n|---|---|";
      for (size_t e = 0; e < E; ++e) o << "---|";
      o << "\n";
      std::map<std::string, std::vector<std::vector<double>>> per_agent;  // agent -> [estimator][seed]
      for (const auto& row : r.rows) {
        if (row.campaign != c.campaign) continue;
        o << "| " << row.policy << " | " << (row.truth >= 0 ? Num(row.truth) : "unknown") << " |";
        for (const auto& e : row.estimates)
          o << " " << Num(e.value) << " [" << Num(e.ci_low, 3) << ", " << Num(e.ci_high, 3) << "] |";
        o << "\n";
        if (row.agent.empty()) continue;
        auto& v = per_agent[row.agent];
        v.resize(E);
        for (size_t e = 0; e < E; ++e) v[e].push_back(row.estimates[e].value);
      }
      // What the intervals allow: each learned policy against the uniform policy's value.
      double uniform = -1;
      for (const auto& row : r.rows)
        if (row.campaign == c.campaign && row.policy == "uniform") uniform = row.truth;
      int below = 0, above = 0, learned = 0;
      double stderr_sum = 0, value_sum = 0, value_sq = 0;
      for (const auto& row : r.rows) {
        if (row.campaign != c.campaign || row.agent.empty() || row.estimates.empty()) continue;
        ++learned;
        below += row.estimates[0].ci_high < uniform;
        above += row.estimates[0].ci_low > uniform;
        stderr_sum += row.estimates[0].stderr_;
        value_sum += row.estimates[0].value;
        value_sq += row.estimates[0].value * row.estimates[0].value;
      }
      const double spread =
          learned > 1 ? std::sqrt(std::max(0.0, (value_sq - value_sum * value_sum / learned) / (learned - 1))) : 0.0;
      conclusions << "- " << c.campaign << ": of the " << learned << " learned policies, " << above
                  << " have a 95% " << r.estimators[0] << " interval entirely above the uniform policy's value ("
                  << Num(uniform) << "), " << below << " entirely below it, and " << learned - above - below
                  << " overlap it. The evaluation half holds " << Num(c.eval_clicks) << " clicks and the training half "
                  << Num(c.train_clicks) << ". The " << r.estimators[0] << " estimates of the learned policies spread by "
                  << Num(spread, 2) << " (sd over agents and seeds) against a standard error of " << Num(stderr_sum / std::max(1, learned), 2)
                  << " for one estimate.\n";
      for (const auto& [agent, values] : per_agent) {
        o << "| **" << agent << "**, mean +- sd over " << values[0].size() << " seeds | |";
        for (size_t e = 0; e < E; ++e) {
          double m = 0, ss = 0;
          for (double x : values[e]) m += x;
          m /= values[e].size();
          for (double x : values[e]) ss += (x - m) * (x - m);
          const double sd = values[e].size() > 1 ? std::sqrt(ss / (values[e].size() - 1)) : 0.0;
          o << " " << Num(m) << " +- " << Num(sd, 2) << " |";
        }
        o << "\n";
      }
    }
    o << "\n## What these numbers allow\n\n" << conclusions.str()
      << "\nWith a few dozen clicks per half, an interval spans a factor of two or more around its estimate: these "
         "logs can tell a policy that is much worse than uniform from one that is not, but not a learned policy "
         "that is 10-20% better (or worse) from the uniform one; nor can they rank the learned policies against "
         "each other, whose differences are smaller than one estimate's standard error. The Bernoulli TS row "
         "checks the estimators where the truth is known.\n";
    o << "\n## Resolved configuration\n\n```ini\n" << resolved << "```\n";
    md.Commit();
  }
  {
    AtomicFile csv(out_dir + "/summary.csv");
    csv.stream() << "campaign,policy,agent,seed,estimator,estimate,stderr,ci_low,ci_high,truth\n" << std::setprecision(10);
    for (const auto& row : r.rows)
      for (size_t e = 0; e < E; ++e) {
        const auto& x = row.estimates[e];
        csv.stream() << row.campaign << "," << row.policy << "," << row.agent << "," << row.seed << ","
                     << r.estimators[e] << "," << x.value << "," << x.stderr_ << "," << x.ci_low << "," << x.ci_high
                     << ",";
        if (row.truth >= 0) csv.stream() << row.truth;
        csv.stream() << "\n";
      }
    csv.Commit();
  }
  WriteResultsFile(out_dir + "/results.h5", resolved, command, [&](h5::File& f) {
    std::vector<std::string> campaign, policy;
    std::vector<double> truth, value, lo, hi;
    for (const auto& row : r.rows) {
      campaign.push_back(row.campaign), policy.push_back(row.policy), truth.push_back(row.truth);
      for (const auto& e : row.estimates) value.push_back(e.value), lo.push_back(e.ci_low), hi.push_back(e.ci_high);
    }
    const int64_t n = static_cast<int64_t>(r.rows.size()), Ecount = static_cast<int64_t>(E);
    f.SetAttr("seed", static_cast<int64_t>(cfg.seed));
    f.WriteStrings("/campaign", campaign);
    f.WriteStrings("/policy", policy);
    f.WriteStrings("/estimator", r.estimators);
    f.Write("/truth", truth, {n});
    f.Write("/value", value, {n, Ecount});
    f.Write("/ci_low", lo, {n, Ecount});
    f.Write("/ci_high", hi, {n, Ecount});
  });
}

namespace {

class ObdLearnedExperiment : public Experiment {
 public:
  void DeclareOptions(OptionList& o) override { config_.Declare(o); }
  void ValidateOptions() const override { config_.Validate(); }
  std::string Run(const ExperimentContext& c) override {
    ObdLearnedConfig oc = config_;
    oc.data_dir = c.DataFolder("/obd");
    oc.estimators = c.compare.estimators;
    if (c.compare.bootstrap > 0) oc.bootstrap = c.compare.bootstrap;
    oc.seed = c.compare.seed;
    oc.threads = c.compare.threads;
    oc.train = c.compare.train;
    const ObdLearnedResult r = RunObdLearned(oc);
    WriteObdLearnedReport(r, oc, c.out_dir, c.resolved_config, c.command);
    return Concat("wrote ", c.out_dir, "/summary.md, summary.csv, results.h5 (", r.seconds, " s)");
  }

 private:
  ObdLearnedConfig config_;
};

const bool kRegistered = ExperimentRegistry::Register(
    {"obd-learned",
     "agents trained on the first half of the OBD uniform logs, evaluated with bootstrap intervals on the second "
     "([obd_learned], [train])",
     {},
     [](const Spec&) -> std::unique_ptr<Experiment> { return std::make_unique<ObdLearnedExperiment>(); }});

}  // namespace
}  // namespace bundlerl
