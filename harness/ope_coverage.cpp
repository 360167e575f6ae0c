// The coverage study: do the intervals of the estimates not marked unreliable hold their
// nominal 95%, and does the mark catch those that would not? In the config's world, `seeds`
// independent logs of `rounds` rounds each; every strategy estimated by every estimator on
// each log, judged by the reliability rule (ope/reliability.h), and checked against the
// strategy's true value (simulated once with compare.truth_episodes episodes). The table
// gives, per estimator, the share of estimates marked unreliable and the coverage of the
// marked and of the unmarked ones, with binomial standard errors.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "env/ground_truth.h"
#include "harness/compare.h"
#include "harness/experiment.h"
#include "harness/report.h"
#include "policy/fixed_policies.h"
#include "policy/learned_policy.h"
#include "replay/h5.h"

namespace bundlerl {
namespace {

// The study's logs: a stream beside the OPE benchmark's.
constexpr uint64_t kCoverageOffset = 0xc07e;

struct CoverageConfig {
  int64_t seeds = 200;    // coverage.seeds
  int64_t rounds = 5000;  // coverage.rounds
  void Declare(OptionList& o) {
    o.Add("coverage.seeds", &seeds, "independent logs");
    o.Add("coverage.rounds", &rounds, "logged rounds per log");
  }
  void Validate() const {
    RequireInRange("coverage.seeds", seeds, 1, 100000);
    RequireInRange("coverage.rounds", rounds, 100, kMaxLogRounds);
  }
};

// Per estimator: counts over seeds x strategies.
struct Tally {
  int64_t total = 0, reliable = 0, reliable_covered = 0, unreliable_covered = 0;
};

std::string Rate(int64_t k, int64_t n) {
  if (n == 0) return "-";
  const double p = static_cast<double>(k) / n;
  return FormatFixed(100 * p, 1) + "% +- " + FormatFixed(100 * std::sqrt(p * (1 - p) / n), 1) + " (" +
         std::to_string(k) + "/" + std::to_string(n) + ")";
}

class CoverageExperiment : public Experiment {
 public:
  void DeclareOptions(OptionList& o) override { config_.Declare(o); }
  void ValidateOptions() const override { config_.Validate(); }
  std::string Run(const ExperimentContext& c) override {
    const CompareConfig& cfg = c.compare;
    cfg.Validate();
    config_.Validate();
    const auto t0 = std::chrono::steady_clock::now();
    SessionConfig one_step = c.session;
    one_step.max_steps = 1;
    const auto bandit = std::make_shared<const ShopperModel>(World::Generate(c.world), c.shopper, one_step);
    std::vector<std::shared_ptr<const SlatePolicy>> strategies;
    for (const auto& name : cfg.strategies) strategies.push_back(MakePolicy(name));
    std::vector<std::unique_ptr<Estimator>> estimators;
    for (const auto& e : cfg.estimators) estimators.push_back(MakeEstimator(e));
    std::vector<double> truth;
    for (const auto& st : strategies) {
      const auto& p = *st;
      truth.push_back(SimulateValue(bandit, [&p](const Observation& o, SplitMix64& g, int32_t* x) { p.Act(o, g, x); },
                                    cfg.truth_episodes, cfg.seed, cfg.threads)
                          .value);
    }
    std::vector<Tally> tally(estimators.size()), by_strategy(estimators.size() * strategies.size());
    EstimateOptions opt;
    opt.threads = cfg.threads;
    for (int64_t rep = 0; rep < config_.seeds; ++rep) {
      const uint64_t log_seed = DeriveSeed(StreamSeed(cfg.seed, Stream::kOpeBenchmark, kCoverageOffset), static_cast<uint64_t>(rep));
      const std::vector<OpeData> data = SimulatedOpeData(bandit, strategies, cfg, config_.rounds, log_seed);
      for (size_t s = 0; s < strategies.size(); ++s)
        for (size_t e = 0; e < estimators.size(); ++e) {
          const Estimate x = RunEstimator(*estimators[e], data[s], opt);
          const Reliability r = Judge(*estimators[e], data[s], x, opt, cfg.reliability);
          const bool covered = x.ci_low <= truth[s] && truth[s] <= x.ci_high;
          for (Tally* t : {&tally[e], &by_strategy[e * strategies.size() + s]}) {
            ++t->total;
            t->reliable += r.reliable;
            t->reliable_covered += r.reliable && covered;
            t->unreliable_covered += !r.reliable && covered;
          }
        }
      if ((rep + 1) % 10 == 0 || rep + 1 == config_.seeds)
        std::cerr << "ope-coverage: " << rep + 1 << "/" << config_.seeds << " logs\n";
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    Write(c, truth, tally, by_strategy, seconds);
    return Concat("wrote ", c.out_dir, "/summary.md, summary.csv, results.h5 (", seconds, " s)");
  }

 private:
  void Write(const ExperimentContext& c, const std::vector<double>& truth, const std::vector<Tally>& tally,
             const std::vector<Tally>& by_strategy, double seconds) const {
    const CompareConfig& cfg = c.compare;
    std::filesystem::create_directories(c.out_dir);
    Tally all;
    for (const Tally& t : tally)
      all.total += t.total, all.reliable += t.reliable, all.reliable_covered += t.reliable_covered,
          all.unreliable_covered += t.unreliable_covered;
    {
      AtomicFile md(c.out_dir + "/summary.md");
      auto& o = md.stream();
      o << "# Coverage study `" << cfg.name << "`\n\nbundlerl " << BUNDLERL_VERSION << ", " << config_.seeds
        << " independent logs of " << config_.rounds << " rounds (logging policy `" << cfg.logging_policy
        << "`), " << cfg.strategies.size() << " strategies, truths from " << cfg.truth_episodes
        << " simulated episodes each, " << FormatFixed(seconds, 1) << " s.\n\nCommand: `" << c.command
        << "`\n\nEach estimate is judged by the reliability rule (min ESS " << cfg.reliability.min_ess
        << ", max weight share " << cfg.reliability.max_weight_share << ", bias check at " << cfg.reliability.bias_z
        << " SE and " << cfg.reliability.bias_share << " of the estimate's SE, check precision ratio "
        << cfg.reliability.max_check_ratio << ") and its 95% interval is checked against the truth. "
           "Coverage: share of intervals holding the truth, +- its binomial standard error.\n\n"
        << "| estimator | estimates | marked unreliable | coverage of the others | coverage of the marked ones |\n"
           "|---|---|---|---|---|\n";
      for (size_t e = 0; e < tally.size(); ++e) {
        const Tally& t = tally[e];
        o << "| " << cfg.estimators[e] << " | " << t.total << " | "
          << FormatFixed(100.0 * (t.total - t.reliable) / t.total, 1) << "% | " << Rate(t.reliable_covered, t.reliable)
          << " | " << Rate(t.unreliable_covered, t.total - t.reliable) << " |\n";
      }
      o << "| **all** | " << all.total << " | " << FormatFixed(100.0 * (all.total - all.reliable) / all.total, 1)
        << "% | " << Rate(all.reliable_covered, all.reliable) << " | "
        << Rate(all.unreliable_covered, all.total - all.reliable) << " |\n\n## Strategies (true values)\n\n";
      for (size_t s = 0; s < truth.size(); ++s) o << "- " << cfg.strategies[s] << ": " << FormatFixed(truth[s]) << "\n";
      o << "\n## Resolved configuration\n\n```ini\n" << c.resolved_config << "```\n";
      md.Commit();
    }
    {
      AtomicFile csv(c.out_dir + "/summary.csv");
      auto& o = csv.stream();
      o << "estimator,strategy,estimates,reliable,reliable_covered,unreliable_covered\n";
      const size_t S = truth.size();
      for (size_t e = 0; e < tally.size(); ++e)
        for (size_t s = 0; s <= S; ++s) {
          const Tally& t = s < S ? by_strategy[e * S + s] : tally[e];
          o << cfg.estimators[e] << "," << (s < S ? cfg.strategies[s] : "all") << "," << t.total << "," << t.reliable
            << "," << t.reliable_covered << "," << t.unreliable_covered << "\n";
        }
      csv.Commit();
    }
    WriteResultsFile(c.out_dir + "/results.h5", c.resolved_config, c.command, [&](h5::File& f) {
      std::vector<int64_t> total, reliable, rc, uc;
      for (const Tally& t : tally)
        total.push_back(t.total), reliable.push_back(t.reliable), rc.push_back(t.reliable_covered),
            uc.push_back(t.unreliable_covered);
      const int64_t E = static_cast<int64_t>(tally.size());
      f.SetAttr("seed", static_cast<int64_t>(cfg.seed));
      f.WriteStrings("/estimator", cfg.estimators);
      f.Write("/estimates", total, {E});
      f.Write("/reliable", reliable, {E});
      f.Write("/reliable_covered", rc, {E});
      f.Write("/unreliable_covered", uc, {E});
      f.Write("/truth", truth, {static_cast<int64_t>(truth.size())});
    });
  }
  CoverageConfig config_;
};

const bool kRegistered = ExperimentRegistry::Register(
    {"ope-coverage",
     "coverage of the 95% intervals of estimates marked reliable and unreliable, over many logs ([coverage])",
     {},
     [](const Spec&) -> std::unique_ptr<Experiment> { return std::make_unique<CoverageExperiment>(); }});

}  // namespace
}  // namespace bundlerl
