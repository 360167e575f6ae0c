// bundlerl evaluate --logs F.h5 --target uniform|TABLE.csv --estimators ipw,snipw,dr,...
#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/dist_flags.h"
#include "cli/options.h"
#include "common/error.h"
#include "ope/estimator.h"
#include "ope/reward_model.h"
#include "ope/offline_eval.h"
#include "replay/log_store.h"
#include "replay/row_columns.h"

namespace bundlerl::cli {
namespace {

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

int RunEvaluate(const std::vector<std::string>& args, const std::string&) {
  po::options_description desc(
      "bundlerl evaluate --logs F.h5 --target uniform|TABLE.csv [--estimators LIST]\n\n"
      "Off-policy estimates of a target policy's value from logged rounds, with confidence\n"
      "intervals. The target is 'uniform', a CSV table item_id,pos0,pos1,... of P(unit at\n"
      "position) (OBD's bts_action_dist_*.csv layout), or per-row probabilities from a file.\n"
      "Estimators: dm ipw clipped-ipw[:L] snipw dr sndr switch-dr[:L] dros[:L] (per slot);\n"
      "iips sniips sips snsips rips snrips pi cascade-dr (slates).\n\noptions");
  desc.add_options()
      ("logs", po::value<std::string>()->required(), "logged rounds (HDF5 from import/synth)")
      ("target", po::value<std::string>()->default_value(""),
       "target policy: 'uniform' or a CSV table item_id,pos0,...")
      ("target-rows", po::value<std::string>()->default_value(""),
       "per-row target probabilities: CSV with a column 'target', or HDF5 dataset /target")
      ("reward-model", po::value<std::string>()->default_value("logistic"),
       "a registered reward model cross-fitted on the logs (logistic[:L2], mlp[:HIDDEN:EPOCHS]), or "
       "a CSV/HDF5 file with columns q_hat and q_hat_target per row")
      ("estimators", po::value<std::string>()->default_value("dm,ipw,clipped-ipw,snipw,dr,sndr,switch-dr,dros"),
       "comma-separated estimator names")
      ("truth", po::value<double>(), "true value, to report relative errors")
      ("truth-logs", po::value<std::string>(),
       "on-policy logs of the target policy: their mean reward is the true value")
      ("per-position", po::bool_switch()->default_value(false), "also estimate per position")
      ("bootstrap", po::value<int>()->default_value(0), "bootstrap resamples (0: normal interval)")
      ("alpha", po::value<double>()->default_value(0.05), "1 - confidence level")
      ("folds", po::value<int>()->default_value(5), "cross-fitting folds of the reward model")
      ("l2", po::value<double>()->default_value(0.01),
       "L2 penalty of the logistic reward model (times the number of rows), when --reward-model is "
       "plain 'logistic'")
      ("seed", po::value<uint64_t>()->default_value(0), "seed for folds and bootstrap")
      ("threads", po::value<int>()->default_value(2), "threads")
      ("format", po::value<std::string>()->default_value("table"),
       "table, csv (header, then one row per estimator) or md (Markdown table)");
  DistributedFlags dist;
  AddDistributedOptions(desc, dist);
  auto parsed = ParseSubcommand("evaluate", args, desc);
  if (parsed.help) {
    std::cout << desc << "\n";
    return 0;
  }
  const auto& vm = parsed.vm;
  const std::string format = vm["format"].as<std::string>();
  if (format != "table" && format != "csv" && format != "md")
    Fail("--format: expected table, csv or md, got '", format, "'");
  const double alpha = vm["alpha"].as<double>();
  if (!(alpha > 0 && alpha < 1)) Fail("--alpha: expected a number in (0, 1), got ", alpha);
  const auto comm = MakeCommunicator(dist);
  const LogReader reader(vm["logs"].as<std::string>());
  // Each rank reads its own contiguous range of rounds.
  const auto [shard_first, shard_end] = comm->Shard(reader.num_rounds());
  const LoggedDataset logs = ReadDataset(reader, shard_first, shard_end);
  const auto& meta = logs.meta;

  std::vector<std::unique_ptr<Estimator>> estimators;
  bool need_model = false;
  for (const auto& name : SplitList(vm["estimators"].as<std::string>())) {
    estimators.push_back(MakeEstimator(name));
    need_model |= estimators.back()->needs() == Needs::kRewardModel;
  }
  if (estimators.empty()) Fail("--estimators: no estimator named");

  const std::string target_spec = vm["target"].as<std::string>();
  const std::string target_rows = vm["target-rows"].as<std::string>();
  if (target_spec.empty() == target_rows.empty())
    Fail("give exactly one of --target (uniform or a table) and --target-rows (a per-row file)");
  PositionActionTable table;
  if (target_spec == "uniform") table = PositionActionTable::Uniform(meta.n_units, meta.slate_size);
  else if (!target_spec.empty()) table = PositionActionTable::LoadCsv(target_spec, meta.n_units, meta.slate_size);
  else table = PositionActionTable::Uniform(meta.n_units, meta.slate_size);  // replaced below

  const std::string model_spec = vm["reward-model"].as<std::string>();
  RewardModelConfig model_cfg;
  model_cfg.folds = vm["folds"].as<int>();
  model_cfg.seed = vm["seed"].as<uint64_t>();
  const double l2 = vm["l2"].as<double>();
  if (!(l2 >= 0)) Fail("--l2: expected a number >= 0");
  RewardModelReport report;
  const bool builtin_model = RewardModelRegistry::Has(model_spec.substr(0, model_spec.find(':')));
  model_cfg.model = model_spec == "logistic" ? Concat("logistic:", l2) : model_spec;
  const bool fit_model = need_model && builtin_model && target_rows.empty();
  OpeData data = BuildOpeData(logs, table, fit_model ? &model_cfg : nullptr, &report);
  auto slice = [&](std::vector<double> v) {
    const int64_t per = meta.slots_per_round;
    return std::vector<double>(v.begin() + shard_first * per, v.begin() + shard_end * per);
  };
  if (!target_rows.empty())
    data.target = slice(LoadRowColumns(target_rows, {"target"}, reader.num_rounds() * data.K)[0]);
  if (need_model && !fit_model) {
    if (builtin_model)
      Fail("--target-rows gives only the logged units' probabilities; DM/DR then need "
           "--reward-model FILE with q_hat and q_hat_target per row");
    auto cols = LoadRowColumns(model_spec, {"q_hat", "q_hat_target"}, reader.num_rounds() * data.K);
    data.q_hat = slice(std::move(cols[0]));
    data.q_hat_target = slice(std::move(cols[1]));
  }

  double truth = std::nan("");
  std::vector<double> truth_by_position;
  if (vm.count("truth")) truth = vm["truth"].as<double>();
  if (vm.count("truth-logs"))
    truth = MeanReward(ReadDataset(vm["truth-logs"].as<std::string>()), &truth_by_position);

  EstimateOptions opt;
  opt.threads = vm["threads"].as<int>();
  opt.alpha = alpha;
  opt.bootstrap_samples = vm["bootstrap"].as<int>();
  opt.seed = vm["seed"].as<uint64_t>();
  struct Row {
    std::string scope;
    Estimate e;
    double truth;
  };
  std::vector<Row> rows;
  for (const auto& est : estimators) rows.push_back({"all", RunEstimator(*est, data, opt, comm.get()), truth});
  if (vm["per-position"].as<bool>()) {
    if (comm->world_size() > 1) Fail("--per-position is not supported with --world-size > 1");
    for (int32_t p = 0; p < meta.slate_size; ++p) {
      const OpeData sub = data.SelectPosition(p);
      if (sub.n == 0) continue;
      for (const auto& est : estimators)
        rows.push_back({Concat("position ", p), RunEstimator(*est, sub, opt),
                        truth_by_position.empty() ? std::nan("") : truth_by_position[p]});
    }
  }

  if (comm->rank() != 0) return 0;  // rank 0 prints
  const bool has_truth = !std::isnan(truth);
  const int pct = static_cast<int>(std::lround(100 * (1 - alpha)));
  if (format == "csv") {
    std::cout << "estimator,scope,value,stderr,ci_low,ci_high,ci_method,max_weight";
    if (has_truth) std::cout << ",truth,relative_error";
    std::cout << "\n" << std::setprecision(10);
    for (const auto& r : rows) {
      std::cout << r.e.estimator << "," << r.scope << "," << r.e.value << "," << r.e.stderr_ << ","
                << r.e.ci_low << "," << r.e.ci_high << "," << r.e.ci_method << "," << r.e.max_weight;
      if (has_truth) std::cout << "," << r.truth << "," << (r.e.value - r.truth) / r.truth;
      std::cout << "\n";
    }
    return 0;
  }
  if (format == "md") {
    std::cout << "| estimator | scope | estimate | " << pct << "% CI |" << (has_truth ? " truth | rel. error |" : "")
              << " max weight |\n|---|---|---|---|" << (has_truth ? "---|---|" : "") << "---|\n";
    for (const auto& r : rows) {
      std::ostringstream line;
      line << std::setprecision(4) << "| " << r.e.estimator << " | " << r.scope << " | " << r.e.value
           << " | [" << r.e.ci_low << ", " << r.e.ci_high << "] |";
      if (has_truth)
        line << " " << r.truth << " | " << std::showpos << std::fixed << std::setprecision(1)
             << 100 * (r.e.value - r.truth) / r.truth << "% |" << std::noshowpos << std::defaultfloat;
      line << " " << std::setprecision(5) << r.e.max_weight << " |";
      std::cout << line.str() << "\n";
    }
    return 0;
  }
  std::cout << "logs: " << reader.path() << " (" << meta.source << ", logged by "
            << meta.logging_policy << ", " << data.n << " rows)\n"
            << "target: " << (target_spec.empty() ? target_rows : target_spec) << "\n";
  if (fit_model)
    std::cout << "reward model: " << model_cfg.model << ", " << report.features << " features, " << model_cfg.folds
              << "-fold cross-fitted; held-out log-lik " << std::setprecision(5)
              << report.heldout_loglik << " vs " << report.heldout_loglik_baseline
              << " for a constant rate per position\n";
  if (has_truth) std::cout << "truth: " << std::setprecision(6) << truth << "\n";
  std::cout << "\n" << std::left << std::setw(18) << "estimator" << std::setw(12) << "scope"
            << std::right << std::setw(11) << "value" << std::setw(11) << "stderr" << std::setw(24)
            << (Concat(pct, "% CI (", opt.bootstrap_samples > 0 ? "boot" : "normal", ")"));
  if (has_truth) std::cout << std::setw(10) << "rel.err";
  std::cout << std::setw(12) << "max w" << "\n";
  for (const auto& r : rows) {
    std::ostringstream ci;
    ci << std::setprecision(4) << "[" << r.e.ci_low << ", " << r.e.ci_high << "]";
    std::cout << std::left << std::setw(18) << r.e.estimator << std::setw(12) << r.scope
              << std::right << std::setprecision(5) << std::setw(11) << r.e.value << std::setw(11)
              << r.e.stderr_ << std::setw(24) << ci.str();
    if (has_truth) {
      std::ostringstream rel;
      rel << std::showpos << std::fixed << std::setprecision(1) << 100 * (r.e.value - r.truth) / r.truth << "%";
      std::cout << std::setw(10) << rel.str();
    }
    std::cout << std::setw(12) << std::setprecision(5) << r.e.max_weight << "\n";
  }
  return 0;
}

}  // namespace bundlerl::cli
