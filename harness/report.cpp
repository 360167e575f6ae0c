// Comparison report: see report.h.
#include "harness/report.h"

#include "harness/plot.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "replay/h5.h"

namespace bundlerl {
namespace fs = std::filesystem;

void WriteResultsFile(const std::string& path, const std::string& resolved, const std::string& command,
                      const std::function<void(h5::File&)>& fill) {
  h5::WriteFileAtomically(path, [&](h5::File& f) {
    f.SetAttr("bundlerl_version", std::string(BUNDLERL_VERSION));
    f.SetAttr("config", resolved);
    f.SetAttr("command", command);
    fill(f);
  });
}

std::string FormatFixed(double x, int precision) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(precision) << x;
  return o.str();
}

namespace {

std::string Pct(double x) {
  std::ostringstream o;
  o << std::showpos << std::fixed << std::setprecision(1) << 100 * x << "%";
  return o.str();
}

void WriteResultsH5(const CompareResult& r, const CompareConfig& cfg, const std::string& path,
                    const std::string& resolved, const std::string& command) {
  WriteResultsFile(path, resolved, command, [&](h5::File& f) {
    f.SetAttr("seed", static_cast<int64_t>(cfg.seed));
    f.SetAttr("name", cfg.name);
    const int64_t S = static_cast<int64_t>(r.strategies.size()), E = static_cast<int64_t>(r.estimators.size());
    std::vector<std::string> names;
    std::vector<double> truth, truth_se, ep, ep_se;
    for (const auto& s : r.strategies) {
      names.push_back(s.name);
      truth.push_back(s.truth), truth_se.push_back(s.truth_stderr);
      ep.push_back(s.episode_value), ep_se.push_back(s.episode_stderr);
    }
    f.CreateGroup("/truth");
    f.WriteStrings("/truth/strategy", names);
    f.Write("/truth/value", truth, {S});
    f.Write("/truth/stderr", truth_se, {S});
    f.Write("/truth/episode_value", ep, {S});
    f.Write("/truth/episode_stderr", ep_se, {S});
    f.CreateGroup("/estimates");
    f.WriteStrings("/estimates/estimator", r.estimators);
    std::vector<double> value, se, lo, hi, maxw, ess, share;
    std::vector<int64_t> nonzero;
    for (const auto& s : r.strategies)
      for (const auto& e : s.estimates)
        value.push_back(e.value), se.push_back(e.stderr_), lo.push_back(e.ci_low), hi.push_back(e.ci_high),
            maxw.push_back(e.max_weight), ess.push_back(e.ess), share.push_back(e.max_weight_share),
            nonzero.push_back(e.nonzero_rows);
    f.Write("/estimates/value", value, {S, E});
    f.Write("/estimates/stderr", se, {S, E});
    f.Write("/estimates/ci_low", lo, {S, E});
    f.Write("/estimates/ci_high", hi, {S, E});
    f.Write("/estimates/max_weight", maxw, {S, E});
    f.Write("/estimates/ess", ess, {S, E});
    f.Write("/estimates/max_weight_share", share, {S, E});
    f.Write("/estimates/nonzero_rows", nonzero, {S, E});
    std::vector<int64_t> reliable;
    std::vector<double> model_bias;
    std::vector<std::string> reasons;
    for (const auto& s : r.strategies)
      for (const auto& q : s.reliability) {
        reliable.push_back(q.reliable ? 1 : 0);
        model_bias.push_back(q.model_checked ? q.model_bias : std::nan(""));
        reasons.push_back(q.reason);
      }
    f.Write("/estimates/reliable", reliable, {S, E});
    f.Write("/estimates/model_bias", model_bias, {S, E});
    f.WriteStrings("/estimates/unreliable_reason", reasons);
    if (r.shopper_model_fitted) {
      const ShopperModelSummary& m = r.shopper_model;
      f.CreateGroup("/shopper_model");
      f.SetAttr("shopper_model_choice", m.choice);
      f.WriteStrings("/shopper_model/parameter", m.parameters);
      f.Write("/shopper_model/estimate", m.estimate, {static_cast<int64_t>(m.estimate.size())});
      f.Write("/shopper_model/stderr", m.stderr_, {static_cast<int64_t>(m.stderr_.size())});
    }
    f.Write("/estimates/kendall_tau", r.kendall_tau, {E});
    if (!r.curves.empty()) {
      f.CreateGroup("/curves");
      for (const auto& [agent, curve] : r.curves)
        f.Write("/curves/" + agent, curve, {static_cast<int64_t>(curve.size())});
    }
    f.Write("/estimates/mean_abs_relative_error", r.mean_abs_rel_error, {E});
  });
}

void DrawPlots(const CompareResult& r, const std::string& out_dir) {
  // Estimates against the truth: one block per estimator after the truth's; columns x,
  // estimate, low, high.
  Plot p;
  p.name = "estimate_vs_truth";
  p.width = 1200;
  std::ostringstream d;
  d << "# truth\n";
  for (size_t s = 0; s < r.strategies.size(); ++s)
    d << s << " " << r.strategies[s].truth << " " << r.strategies[s].truth - 1.96 * r.strategies[s].truth_stderr
      << " " << r.strategies[s].truth + 1.96 * r.strategies[s].truth_stderr << "\n";
  // Unreliable estimates: their interval is not drawn (low = high = the value), and a cross
  // marks them (the last block).
  auto unreliable = [&](size_t s, size_t e) {
    return e < r.strategies[s].reliability.size() && !r.strategies[s].reliability[e].reliable;
  };
  for (size_t e = 0; e < r.estimators.size(); ++e) {
    d << "\n\n# " << r.estimators[e] << "\n";
    for (size_t s = 0; s < r.strategies.size(); ++s) {
      const auto& x = r.strategies[s].estimates[e];
      const bool bad = unreliable(s, e);
      d << s + 0.06 * (e + 1) << " " << x.value << " " << (bad ? x.value : x.ci_low) << " "
        << (bad ? x.value : x.ci_high) << "\n";
    }
  }
  d << "\n\n# unreliable\n";
  bool any_unreliable = false;
  for (size_t e = 0; e < r.estimators.size(); ++e)
    for (size_t s = 0; s < r.strategies.size(); ++s)
      if (unreliable(s, e)) {
        const auto& x = r.strategies[s].estimates[e];
        d << s + 0.06 * (e + 1) << " " << x.value << " " << x.value << " " << x.value << "\n";
        any_unreliable = true;
      }
  if (!any_unreliable) d << "-1 0 0 0\n";  // gnuplot needs a point in every block
  p.data = d.str();
  std::ostringstream g;
  g << "set title 'OPE estimates (95% CI) against the simulator truth, per strategy'\n"
    << "set ylabel 'expected reward of one slate'\nset key outside right\nset grid ytics\nset xtics (";
  for (size_t s = 0; s < r.strategies.size(); ++s)
    g << (s ? ", " : "") << GnuplotQuote(r.strategies[s].name) << " " << s + 0.4;
  g << ")\nset xrange [-0.3:" << r.strategies.size() << "]\n"
    << "plot 'estimate_vs_truth.dat' index 0 using ($1+0.4):2:3:4 with yerrorbars lw 3 lc rgb 'black' pt 7 title 'truth (simulation)'";
  for (size_t e = 0; e < r.estimators.size(); ++e)
    g << ", '' index " << e + 1 << " using 1:2:3:4 with yerrorbars title " << GnuplotQuote(r.estimators[e]);
  g << ", '' index " << r.estimators.size() + 1
    << " using 1:2 with points pt 2 ps 2.5 lc rgb 'red' title 'unreliable (no valid interval)'\n";
  p.script = g.str();
  DrawPlot(out_dir, p);
  if (r.curves.empty()) return;
  // Learning curves: one panel per agent.
  Plot c;
  c.name = "learning_curves";
  const size_t n = r.curves.size();
  c.width = static_cast<int>(420 * n);
  c.height = 380;
  std::ostringstream cd, cg;
  for (size_t a = 0; a < n; ++a) {
    cd << (a ? "\n\n" : "") << "# " << r.curves[a].first << ": update, value\n";
    for (size_t u = 0; u < r.curves[a].second.size(); ++u) cd << u + 1 << " " << r.curves[a].second[u] << "\n";
  }
  cg << "set multiplot layout 1," << n << " title 'Learning curves (on-policy, bandits: mean session reward of the "
        "episodes of each update; off-policy: clipped IPS objective of each batch)'\n"
     << "set grid\nset xlabel 'update'\nunset key\n";
  for (size_t a = 0; a < n; ++a)
    cg << "set title " << GnuplotQuote(r.curves[a].first) << "\nplot 'learning_curves.dat' index " << a
       << " using 1:2 with lines lw 2\n";
  cg << "unset multiplot\n";
  c.data = cd.str();
  c.script = cg.str();
  DrawPlot(out_dir, c);
}

}  // namespace

namespace {

// Whether an estimate's interval holds the truth once the truth's own uncertainty is allowed
// for: each side of the interval widened in quadrature by 1.96 truth standard errors (for a
// normal interval, |estimate - truth| <= 1.96 sqrt(se^2 + se_truth^2)).
bool CoversTruth(const Estimate& x, const StrategyResult& s) {
  const double t = 1.96 * s.truth_stderr;
  const double low = x.value - std::hypot(x.value - x.ci_low, t), high = x.value + std::hypot(x.ci_high - x.value, t);
  return low <= s.truth && s.truth <= high;
}

// One sentence on how precise the truths are against the estimates they judge.
std::string TruthPrecisionNote(const CompareResult& r, const CompareConfig& cfg) {
  if (cfg.truth_precision <= 0)
    return "The truths were simulated with a fixed number of episodes (compare.truth_precision = 0): their own "
           "standard errors are not held below the estimates'.\n\n";
  std::ostringstream o;
  int short_of = 0;
  for (const auto& s : r.strategies) short_of += s.truth_target > 0 && s.truth_stderr > s.truth_target * 1.0001;
  o << "Each truth was simulated until its standard error was at most " << cfg.truth_precision
    << " of the smallest standard error of the strategy's unmarked estimates (at most " << cfg.truth_max_episodes
    << " episodes); coverage below allows for both uncertainties.";
  if (short_of > 0)
    o << " **" << short_of << " truth(s) stopped at the episode limit above that target**: judge their coverage "
         "with care.";
  o << "\n\n";
  return o.str();
}

// Mean and sample standard deviation (0 for fewer than two values).
std::pair<double, double> MeanSd(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m += x / static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return {m, v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0};
}

}  // namespace

void WriteCompareReport(const CompareResult& r, const CompareConfig& cfg, const std::string& out_dir,
                        const std::string& resolved, const std::string& command) {
  fs::create_directories(out_dir);
  const size_t E = r.estimators.size();
  {
    AtomicFile md(out_dir + "/summary.md");
    auto& o = md.stream();
    o << "# Comparison `" << cfg.name << "`\n\n"
      << "bundlerl " << BUNDLERL_VERSION << ", seed " << cfg.seed << ", " << cfg.log_rounds
      << " logged rounds (logging policy `" << cfg.logging_policy << "`), truth from at least "
      << cfg.truth_episodes << " simulated episodes per strategy, " << FormatFixed(r.seconds, 1) << " s.\n\n"
      << "Command: `" << command << "`\n\n"
      << "The OPE estimand is the expected reward of one slate shown at the start of a session; "
         "the session value (whole episodes) is reported beside it.\n\n"
      << "## Strategies: true values (simulation, mean +- standard error)\n\n"
      << TruthPrecisionNote(r, cfg)
      << "| strategy | value of one slate | episodes | value of a session |\n|---|---|---|---|\n";
    for (const auto& s : r.strategies)
      o << "| " << s.name << " | " << FormatFixed(s.truth) << " +- " << FormatFixed(s.truth_stderr) << " | "
        << s.truth_episodes << " | " << FormatFixed(s.episode_value, 3) << " +- " << FormatFixed(s.episode_stderr, 3)
        << " |\n";
    if (!r.agent_seeds.empty()) {
      const size_t n = r.agent_seeds.front().slate_values.size();
      o << "\n### Trained agents over " << n << " training seeds (true values)\n\n"
        << "One training run is not the unit of comparison: the rows above are the first seed's "
           "policies (those evaluated off-policy below); here each agent is trained with seeds "
        << cfg.seed << " to " << cfg.seed + n - 1 << " and each policy's true value is simulated "
           "as above. Spread: the standard deviation over seeds (training variation, which "
           "includes floating-point differences between machines).\n\n"
        << "| agent | value of one slate, mean +- sd | min, max | value of a session, mean +- sd |\n|---|---|---|---|\n";
      for (const auto& a : r.agent_seeds) {
        const auto [m1, sd1] = MeanSd(a.slate_values);
        const auto [m2, sd2] = MeanSd(a.session_values);
        o << "| " << a.agent << " | " << FormatFixed(m1) << " +- " << FormatFixed(sd1) << " | "
          << FormatFixed(*std::min_element(a.slate_values.begin(), a.slate_values.end())) << ", "
          << FormatFixed(*std::max_element(a.slate_values.begin(), a.slate_values.end())) << " | "
          << FormatFixed(m2, 3) << " +- " << FormatFixed(sd2, 3) << " |\n";
      }
    }
    o << "\nLogged value (logging policy, per slate): " << FormatFixed(r.logged_value) << "\n\n"
      << "## Estimators: how well they rank and estimate\n\n"
      << "An estimate is marked unreliable, and its interval is not given, when its importance weights "
         "leave fewer than " << cfg.reliability.min_ess << " effective rows (Kish) or one row holds more than "
      << FormatFixed(100 * cfg.reliability.max_weight_share, 1) << "% of the weight, or when the shopper model "
         "fitted to the logs puts the estimator's bias for that strategy beyond " << cfg.reliability.bias_z
      << " standard errors of the check and " << cfg.reliability.bias_share
      << " of the estimate's own standard error, or when that check is more than " << cfg.reliability.max_check_ratio
      << " times less precise than the estimate (docs/ESTIMATORS.md).\n\n"
      << "| estimator | Kendall's tau vs truth | mean abs. relative error | truth inside 95% CI | reliable | "
         "truth inside the reliable ones' CI |\n|---|---|---|---|---|---|\n";
    // (the intervals widened by the truth's own uncertainty: see CoversTruth)
    int all_reliable = 0, all_covered = 0;
    for (size_t e = 0; e < E; ++e) {
      int covered = 0, reliable = 0, reliable_covered = 0;
      for (const auto& s : r.strategies) {
        const bool in = CoversTruth(s.estimates[e], s);
        const bool ok = e >= s.reliability.size() || s.reliability[e].reliable;
        covered += in;
        reliable += ok;
        reliable_covered += ok && in;
      }
      all_reliable += reliable;
      all_covered += reliable_covered;
      o << "| " << r.estimators[e] << " | " << FormatFixed(r.kendall_tau[e], 3) << " | "
        << FormatFixed(100 * r.mean_abs_rel_error[e], 1) << "% | " << covered << " / " << r.strategies.size()
        << " | " << reliable << " / " << r.strategies.size() << " | " << reliable_covered << " / " << reliable << " |\n";
    }
    o << "\nEstimates not marked unreliable: " << all_reliable << " of " << E * r.strategies.size()
      << "; the truth is inside the interval of " << all_covered << " of them ("
      << FormatFixed(all_reliable ? 100.0 * all_covered / all_reliable : 0.0, 1) << "%).\n";
    o << "\n## Estimates per strategy (95% CI; relative error to the truth)\n\n| estimator |";
    for (const auto& s : r.strategies) o << " " << s.name << " |";
    o << "\n|---|";
    for (size_t s = 0; s < r.strategies.size(); ++s) o << "---|";
    o << "\n| **truth** |";
    for (const auto& s : r.strategies) o << " **" << FormatFixed(s.truth) << "** |";
    o << "\n";
    for (size_t e = 0; e < E; ++e) {
      o << "| " << r.estimators[e] << " |";
      for (const auto& s : r.strategies) {
        const auto& x = s.estimates[e];
        if (e < s.reliability.size() && !s.reliability[e].reliable)
          o << " " << FormatFixed(x.value) << " (unreliable: " << s.reliability[e].reason << ") "
            << Pct((x.value - s.truth) / s.truth) << " |";
        else
          o << " " << FormatFixed(x.value) << " [" << FormatFixed(x.ci_low) << ", " << FormatFixed(x.ci_high) << "] "
            << Pct((x.value - s.truth) / s.truth) << " |";
      }
      o << "\n";
    }
    o << "\n![estimates against truth](estimate_vs_truth.png)\n";
    o << "\n## Weight diagnostics (Kish effective sample size in rows; largest row's share of the weight)\n\n"
      << r.strategies.front().estimates.front().rows << " logged rounds; estimators without importance weights "
      << "are left out.\n\n| estimator |";
    for (const auto& s : r.strategies) o << " " << s.name << " |";
    o << "\n|---|";
    for (size_t s = 0; s < r.strategies.size(); ++s) o << "---|";
    o << "\n";
    for (size_t e = 0; e < E; ++e) {
      if (!r.strategies.front().estimates[e].weighted) continue;
      o << "| " << r.estimators[e] << " |";
      for (const auto& s : r.strategies) {
        const auto& x = s.estimates[e];
        o << " " << FormatFixed(x.ess, 0) << "; " << FormatFixed(100 * x.max_weight_share, 2) << "% |";
      }
      o << "\n";
    }
    if (r.shopper_model_fitted) {
      const ShopperModelSummary& m = r.shopper_model;
      o << "\n## The shopper model fitted to the logs\n\nChoice model `" << m.choice << "` fitted by maximum "
        << "likelihood to the " << m.rounds << " logged slates (" << m.iterations << " Newton steps): "
        << "log-likelihood " << FormatFixed(m.loglik) << " per round, against " << FormatFixed(m.loglik_null)
        << " for slot biases alone. It gives the `model` and `slate-dr` estimates and the bias check of the "
           "reliability rule.\n\n| parameter | estimate | standard error |\n|---|---|---|\n";
      size_t units = 0;
      for (size_t j = 0; j < m.parameters.size(); ++j) {
        if (m.parameters[j].rfind("unit_", 0) == 0) {
          ++units;
          continue;
        }
        o << "| " << m.parameters[j] << " | " << FormatFixed(m.estimate[j]) << " | " << FormatFixed(m.stderr_[j]) << " |\n";
      }
      if (units) o << "\n(" << units << " per-item effects not shown; in results.h5 under /shopper_model.)\n";
    }
    if (!r.curves.empty()) {
      o << "\n## Agents\n\nTrained agents appear among the strategies above; their learning curves:\n\n"
           "![learning curves](learning_curves.png)\n";
    }
    o << "\n## Resolved configuration\n\n```ini\n"
      << resolved << "```\n";
    md.Commit();
  }
  {
    AtomicFile csv(out_dir + "/summary.csv");
    auto& o = csv.stream();
    o << "strategy,estimator,estimate,stderr,ci_low,ci_high,truth,truth_stderr,relative_error,"
         "episode_value,episode_stderr,ess,max_weight_share,nonzero_rows,reliable,model_bias\n"
      << std::setprecision(10);
    for (const auto& s : r.strategies)
      for (size_t e = 0; e < E; ++e) {
        const auto& x = s.estimates[e];
        o << s.name << "," << r.estimators[e] << "," << x.value << "," << x.stderr_ << "," << x.ci_low << ","
          << x.ci_high << "," << s.truth << "," << s.truth_stderr << "," << (x.value - s.truth) / s.truth << ","
          << s.episode_value << "," << s.episode_stderr << "," << x.ess << "," << x.max_weight_share << ","
          << x.nonzero_rows << "," << (e >= s.reliability.size() || s.reliability[e].reliable ? 1 : 0) << ","
          << (e < s.reliability.size() && s.reliability[e].model_checked ? s.reliability[e].model_bias : std::nan(""))
          << "\n";
      }
    csv.Commit();
  }
  if (!r.agent_seeds.empty()) {
    AtomicFile csv(out_dir + "/agent_seeds.csv");
    auto& o = csv.stream();
    o << "agent,seed,slate_value,session_value\n" << std::setprecision(10);
    for (const auto& a : r.agent_seeds)
      for (size_t k = 0; k < a.slate_values.size(); ++k)
        o << a.agent << "," << cfg.seed + k << "," << a.slate_values[k] << "," << a.session_values[k] << "\n";
    csv.Commit();
  }
  WriteResultsH5(r, cfg, out_dir + "/results.h5", resolved, command);
  DrawPlots(r, out_dir);
}

void WriteOpeBenchmarkReport(const OpeBenchmarkResult& r, const CompareConfig& cfg, const std::string& out_dir,
                             const std::string& resolved, const std::string& command) {
  fs::create_directories(out_dir);
  const size_t N = r.rounds.size(), E = r.estimators.size();
  {
    AtomicFile md(out_dir + "/summary.md");
    auto& o = md.stream();
    o << "# OPE benchmark `" << cfg.name << "`\n\nbundlerl " << BUNDLERL_VERSION << ", seed " << cfg.seed
      << ", logging policy `" << cfg.logging_policy << "`, " << FormatFixed(r.seconds, 1) << " s.\n\nCommand: `" << command
      << "`\n\nFor each number of logged rounds, logs were drawn with several seeds; each estimator estimated "
         "each strategy's value of one slate. Figures are averaged over the strategies (";
    for (size_t s = 0; s < r.strategies.size(); ++s)
      o << (s ? ", " : "") << r.strategies[s] << " " << FormatFixed(r.truth[s]);
    o << "): |bias| / truth and RMSE / truth.\n\n## RMSE / truth\n\n| estimator |";
    for (size_t i = 0; i < N; ++i) o << " " << r.rounds[i] << " rounds (" << r.seeds[i] << " seeds) |";
    o << "\n|---|";
    for (size_t i = 0; i < N; ++i) o << "---|";
    o << "\n";
    for (size_t e = 0; e < E; ++e) {
      o << "| " << r.estimators[e] << " |";
      for (size_t i = 0; i < N; ++i) o << " " << FormatFixed(100 * r.relative_rmse[i * E + e], 1) << "% |";
      o << "\n";
    }
    o << "\n## |bias| / truth\n\n| estimator |";
    for (size_t i = 0; i < N; ++i) o << " " << r.rounds[i] << " |";
    o << "\n|---|";
    for (size_t i = 0; i < N; ++i) o << "---|";
    o << "\n";
    for (size_t e = 0; e < E; ++e) {
      o << "| " << r.estimators[e] << " |";
      for (size_t i = 0; i < N; ++i) o << " " << FormatFixed(100 * r.relative_bias[i * E + e], 1) << "% |";
      o << "\n";
    }
    o << "\nAn unbiased estimator's RMSE falls like 1/sqrt(rounds); a biased one's levels off at its bias.\n\n"
         "![RMSE against rounds](rmse_vs_rounds.png)\n\n## Resolved configuration\n\n```ini\n" << resolved << "```\n";
    md.Commit();
  }
  {
    AtomicFile csv(out_dir + "/summary.csv");
    csv.stream() << "rounds,seeds,estimator,relative_bias,relative_rmse\n" << std::setprecision(10);
    for (size_t i = 0; i < N; ++i)
      for (size_t e = 0; e < E; ++e)
        csv.stream() << r.rounds[i] << "," << r.seeds[i] << "," << r.estimators[e] << "," << r.relative_bias[i * E + e]
                     << "," << r.relative_rmse[i * E + e] << "\n";
    csv.Commit();
  }
  {
    WriteResultsFile(out_dir + "/results.h5", resolved, command, [&](h5::File& f) {
      f.SetAttr("seed", static_cast<int64_t>(cfg.seed));
      f.Write("/rounds", r.rounds, {static_cast<int64_t>(N)});
      f.Write("/seeds", r.seeds, {static_cast<int64_t>(N)});
      f.WriteStrings("/estimator", r.estimators);
      f.WriteStrings("/strategy", r.strategies);
      f.Write("/truth", r.truth, {static_cast<int64_t>(r.truth.size())});
      f.Write("/relative_bias", r.relative_bias, {static_cast<int64_t>(N), static_cast<int64_t>(E)});
      f.Write("/relative_rmse", r.relative_rmse, {static_cast<int64_t>(N), static_cast<int64_t>(E)});
    });
  }
  Plot p;
  p.name = "rmse_vs_rounds";
  std::ostringstream d, g;
  for (size_t e = 0; e < E; ++e) {
    d << (e ? "\n\n" : "") << "# " << r.estimators[e] << ": rounds, RMSE / truth\n";
    for (size_t i = 0; i < N; ++i) d << r.rounds[i] << " " << r.relative_rmse[i * E + e] << "\n";
  }
  g << "set title 'Estimator RMSE / truth against logged rounds (mean over strategies)'\n"
    << "set logscale xy\nset xlabel 'logged rounds'\nset ylabel 'RMSE / truth'\nset grid\nset key outside right\nplot ";
  for (size_t e = 0; e < E; ++e)
    g << (e ? ", " : "") << "'rmse_vs_rounds.dat' index " << e << " using 1:2 with linespoints lw 2 title "
      << GnuplotQuote(r.estimators[e]);
  g << "\n";
  p.data = d.str();
  p.script = g.str();
  DrawPlot(out_dir, p);
}

}  // namespace bundlerl
