// bundlerl evaluate --logs F.h5 (--policy LIST | --target T | --target-rows R) [--estimators LIST]
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "cli/commands.h"
#include "cli/dist_flags.h"
#include "cli/options.h"
#include "common/error.h"
#include "common/executor.h"
#include "common/random.h"
#include "ope/reward_model.h"
#include "policy/evaluation.h"
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

// The reason an estimate is unreliable, fit for a CSV cell.
std::string CsvReason(const EvaluationRow& r) {
  std::string s = r.reliability.reason;
  for (char& c : s)
    if (c == ',' || c == '"') c = ';';
  return s;
}

// The options of an evaluation from the flags (checked here, naming the flag).
EvaluationOptions OptionsFrom(const po::variables_map& vm) {
  EvaluationOptions o;
  const std::string estimators = vm["estimators"].as<std::string>();
  o.estimators = SplitList(estimators);
  if (!estimators.empty() && o.estimators.empty()) Fail("--estimators: no estimator named");
  o.reward = vm["reward"].as<std::string>();
  o.kernels = vm["kernels"].as<std::string>();
  o.features = vm["features"].as<std::string>();
  const std::string model = vm["reward-model"].as<std::string>();
  const double l2 = vm["l2"].as<double>();
  if (!(l2 >= 0)) Fail("--l2: expected a number >= 0");
  o.reward_model = model == "logistic" ? Concat("logistic:", l2) : model;
  o.folds = vm["folds"].as<int>();
  o.estimate.alpha = vm["alpha"].as<double>();
  if (!(o.estimate.alpha > 0 && o.estimate.alpha < 1))
    Fail("--alpha: expected a number in (0, 1), got ", o.estimate.alpha);
  o.estimate.threads = vm["threads"].as<int>();
  ValidateThreads(o.estimate.threads, "--threads");
  o.estimate.bootstrap_samples = vm["bootstrap"].as<int>();
  if (o.estimate.bootstrap_samples < 0 || o.estimate.bootstrap_samples > 1000000)
    Fail("--bootstrap: expected a number in [0, 1000000], got ", o.estimate.bootstrap_samples);
  CheckBootstrapSamples(o.estimate.bootstrap_samples, o.estimate.alpha, "--bootstrap");
  o.estimate.seed = vm["seed"].as<uint64_t>();
  o.chunk = vm["chunk"].as<int64_t>();
  if (o.chunk < 1 || o.chunk % EstimateAccumulator::kChunkRows != 0)
    Fail("--chunk: expected a positive multiple of ", EstimateAccumulator::kChunkRows, ", got ", o.chunk);
  o.per_position = vm["per-position"].as<bool>();
  ReliabilityRule& rule = o.rule;
  rule.min_ess = vm["min-ess"].as<double>();
  rule.max_weight_share = vm["max-weight-share"].as<double>();
  rule.bias_z = vm["bias-z"].as<double>();
  rule.bias_share = vm["bias-share"].as<double>();
  rule.max_check_ratio = vm["max-check-ratio"].as<double>();
  if (!(rule.min_ess >= 0)) Fail("--min-ess: expected a number >= 0");
  if (!(rule.max_weight_share > 0 && rule.max_weight_share <= 1)) Fail("--max-weight-share: expected a number in (0, 1]");
  if (!(rule.bias_z >= 0) || !(rule.bias_share >= 0) || !(rule.max_check_ratio > 0))
    Fail("--bias-z, --bias-share, --max-check-ratio: expected numbers >= 0 (> 0)");
  ShopperModelOptions& sm = o.shopper_model;
  sm.choice = vm["shopper-model"].as<std::string>();
  if (sm.choice != "none") {
    try {
      CheckChoiceName(sm.choice, true);
    } catch (const Error& e) {
      Fail("--shopper-model: ", e.what(), ", or none");
    }
  }
  sm.features = vm["model-features"].as<std::string>();
  if (sm.features != "auto") {
    try {
      CheckShopperModelFeatures(sm.features);
    } catch (const Error& e) {
      Fail("--model-features: ", e.what());
    }
  }
  sm.target_slates = vm["model-slates"].as<int>();
  if (sm.target_slates < 1 || sm.target_slates > 1000)
    Fail("--model-slates: expected a number in [1, 1000], got ", sm.target_slates);
  sm.seed = StreamSeed(o.estimate.seed, Stream::kTargetSlates);
  sm.threads = o.estimate.threads;
  o.shopper_model_rounds = vm["model-rounds"].as<int64_t>();
  if (o.shopper_model_rounds < 1000 || o.shopper_model_rounds > 100000000)
    Fail("--model-rounds: expected a number in [1000, 1e8], got ", o.shopper_model_rounds);
  return o;
}

void PrintCsv(const Evaluation& ev, bool with_policy, bool has_truth) {
  std::cout << (with_policy ? "policy," : "") << "estimator,scope,value,stderr,ci_low,ci_high,ci_method,max_weight,"
               "ess,max_weight_share,nonzero_rows,reliable,unreliable_reason";
  if (has_truth) std::cout << ",truth,relative_error";
  std::cout << "\n" << std::setprecision(10);
  for (const auto& r : ev.rows) {
    const Estimate& e = r.estimate;
    if (with_policy) std::cout << r.policy << ",";
    std::cout << e.estimator << "," << r.scope << "," << e.value << "," << e.stderr_ << "," << e.ci_low << ","
              << e.ci_high << "," << e.ci_method << "," << e.max_weight << "," << e.ess << ","
              << e.max_weight_share << "," << e.nonzero_rows << "," << (r.reliability.reliable ? 1 : 0) << ","
              << CsvReason(r);
    if (has_truth) std::cout << "," << r.truth << "," << (e.value - r.truth) / r.truth;
    std::cout << "\n";
  }
}

void PrintMarkdown(const Evaluation& ev, bool with_policy, bool has_truth, int pct) {
  std::cout << (with_policy ? "| policy " : "") << "| estimator | scope | estimate | " << pct << "% CI |"
            << (has_truth ? " truth | rel. error |" : "") << " max weight |\n"
            << (with_policy ? "|---" : "") << "|---|---|---|---|" << (has_truth ? "---|---|" : "") << "---|\n";
  for (const auto& r : ev.rows) {
    const Estimate& e = r.estimate;
    std::ostringstream line;
    if (with_policy) line << "| " << r.policy << " ";
    line << std::setprecision(4) << "| " << e.estimator << " | " << r.scope << " | " << e.value << " | ";
    if (r.reliability.reliable) line << "[" << e.ci_low << ", " << e.ci_high << "] |";
    else line << "unreliable: " << r.reliability.reason << " |";
    if (has_truth)
      line << " " << r.truth << " | " << std::showpos << std::fixed << std::setprecision(1)
           << 100 * (e.value - r.truth) / r.truth << "% |" << std::noshowpos << std::defaultfloat;
    line << " " << std::setprecision(5) << e.max_weight << " |";
    std::cout << line.str() << "\n";
  }
}

void PrintTable(const Evaluation& ev, bool with_policy, bool has_truth, int pct, bool bootstrap) {
  size_t width = 6;
  for (const auto& r : ev.rows) width = std::max(width, r.policy.size() + 2);
  std::cout << "\n";
  if (with_policy) std::cout << std::left << std::setw(static_cast<int>(width)) << "policy";
  std::cout << std::left << std::setw(18) << "estimator" << std::setw(12) << "scope" << std::right << std::setw(11)
            << "value" << std::setw(11) << "stderr" << std::setw(24)
            << (Concat(pct, "% CI (", bootstrap ? "boot" : "normal", ")"));
  if (has_truth) std::cout << std::setw(10) << "rel.err";
  std::cout << std::setw(12) << "max w" << std::setw(12) << "ess" << std::setw(10) << "max share" << "\n";
  for (const auto& r : ev.rows) {
    const Estimate& e = r.estimate;
    std::ostringstream ci;
    if (r.reliability.reliable) ci << std::setprecision(4) << "[" << e.ci_low << ", " << e.ci_high << "]";
    else ci << "unreliable (below)";
    if (with_policy) std::cout << std::left << std::setw(static_cast<int>(width)) << r.policy;
    std::cout << std::left << std::setw(18) << e.estimator << std::setw(12) << r.scope << std::right
              << std::setprecision(5) << std::setw(11) << e.value << std::setw(11) << e.stderr_ << std::setw(24)
              << ci.str();
    if (has_truth) {
      std::ostringstream rel;
      rel << std::showpos << std::fixed << std::setprecision(1) << 100 * (e.value - r.truth) / r.truth << "%";
      std::cout << std::setw(10) << rel.str();
    }
    std::cout << std::setw(12) << std::setprecision(5) << e.max_weight << std::setw(12) << std::setprecision(6)
              << e.ess << std::setw(10) << std::setprecision(3) << e.max_weight_share << "\n";
  }
  bool any = false;
  for (const auto& r : ev.rows) {
    if (r.reliability.reliable) continue;
    if (!any) std::cout << "\nunreliable estimates (no valid interval; rule in docs/ESTIMATORS.md):\n";
    any = true;
    std::cout << "  " << (with_policy ? r.policy + " " : "") << r.estimate.estimator << " (" << r.scope
              << "): " << r.reliability.reason << "\n";
  }
}

}  // namespace

int RunEvaluate(const std::vector<std::string>& args, const std::string&) {
  po::options_description desc(
      "bundlerl evaluate --logs F.h5 --policy LIST [--estimators LIST]\n"
      "bundlerl evaluate --logs F.h5 --target uniform|TABLE.csv [--estimators LIST]\n\n"
      "Off-policy estimates of target policies' values from logged rounds, with confidence\n"
      "intervals. --policy takes a comma-separated list of strategy names, policy files from\n"
      "bundlerl train and CSV tables item_id,pos0,pos1,... of P(unit at position) (OBD's\n"
      "bts_action_dist_*.csv layout): each policy sees every logged round's observation rebuilt\n"
      "from the log by its kernels, and its probabilities of the logged units are the target.\n"
      "Without estimators that need a reward model, the log is streamed in chunks. --target\n"
      "evaluates one context-free table directly (Open Bandit Pipeline's convention), and\n"
      "--target-rows takes per-row target probabilities from a file.\n\nestimators:\n" +
      EstimatorRegistry::Help() + "\noptions");
  desc.add_options()
      ("logs", po::value<std::string>()->required(), "logged rounds (HDF5 from import, compare or synth)")
      ("policy", po::value<std::string>()->default_value(""),
       "policies to evaluate: strategy names, policy files, CSV tables; comma-separated")
      ("target", po::value<std::string>()->default_value(""),
       "target policy: 'uniform' or a CSV table item_id,pos0,...")
      ("target-rows", po::value<std::string>()->default_value(""),
       "per-row target probabilities: CSV with a column 'target', or HDF5 dataset /target")
      ("reward-model", po::value<std::string>()->default_value("logistic"),
       "a registered reward model cross-fitted on the logs (logistic[:L2], mlp[:HIDDEN:EPOCHS]), or "
       "a CSV/HDF5 file with columns q_hat and q_hat_target per row")
      ("reward", po::value<std::string>()->default_value(""),
       "click, purchase or revenue; default: the reward the rounds were logged for")
      ("kernels", po::value<std::string>()->default_value(""),
       "--policy: the kernel spec of the features (default: the log's own)")
      ("features", po::value<std::string>()->default_value(""),
       "--policy: the feature rows (default: a learned policy's, else the kernel columns)")
      ("estimators", po::value<std::string>()->default_value(""),
       "comma-separated estimator names (default: dm,ipw,clipped-ipw,snipw,dr,sndr,switch-dr,dros; on a log "
       "without propensities dm, and model on whole slates)")
      ("shopper-model", po::value<std::string>()->default_value("auto"),
       "--policy: the choice model fitted to the logged slates, which judges every estimate and is the model and "
       "slate-dr estimators' (auto: mnl unless a round has two clicks, then independent; mnl, cascade, "
       "independent; none: no model, the per-slot estimates unchecked)")
      ("model-features", po::value<std::string>()->default_value("auto"),
       "its feature groups: kernel, bundle, profile, item, unit (auto: kernel, bundle; profile, item for item "
       "vectors of up to 64 dimensions; unit for up to 300 units)")
      ("model-rounds", po::value<int64_t>()->default_value(EvaluationOptions().shopper_model_rounds),
       "rounds the shopper model is fitted to at most (evenly spread over the log; it values every round)")
      ("model-slates", po::value<int>()->default_value(4), "slates drawn from each policy per round to value it")
      ("min-ess", po::value<double>()->default_value(ReliabilityRule().min_ess),
       "an estimate whose weights' effective sample size is below this is marked unreliable")
      ("max-weight-share", po::value<double>()->default_value(ReliabilityRule().max_weight_share),
       "... or one row carrying more than this share of the weight")
      ("bias-z", po::value<double>()->default_value(ReliabilityRule().bias_z),
       "... or the fitted shopper model's bias check beyond this many of its standard errors")
      ("bias-share", po::value<double>()->default_value(ReliabilityRule().bias_share),
       "... and beyond this share of the estimate's standard error")
      ("max-check-ratio", po::value<double>()->default_value(ReliabilityRule().max_check_ratio),
       "... or that check this many times less precise than the estimate")
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
      ("chunk", po::value<int64_t>()->default_value(4 * EstimateAccumulator::kChunkRows),
       "--policy, streaming: rounds read at a time (a multiple of 65,536)")
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
  EvaluationOptions opt = OptionsFrom(vm);
  const auto comm = MakeCommunicator(dist);
  if (opt.per_position && comm->world_size() > 1) Fail("--per-position is not supported with --world-size > 1");
  const std::string logs_path = vm["logs"].as<std::string>();
  const FileRoundSource source(logs_path);
  const LoggedDataset& catalog = source.catalog();
  if (source.num_rounds() == 0) Fail(logs_path, ": holds no logged rounds to evaluate on");
  if (vm.count("truth")) opt.truth = vm["truth"].as<double>();
  if (vm.count("truth") && !std::isfinite(opt.truth)) Fail("--truth: expected a finite number, got ", opt.truth);
  if (vm.count("truth-logs"))
    opt.truth = MeanReward(ReadDataset(vm["truth-logs"].as<std::string>()), &opt.truth_by_position, opt.reward);

  const std::string policy_list = vm["policy"].as<std::string>();
  const std::string target_spec = vm["target"].as<std::string>();
  const std::string target_rows = vm["target-rows"].as<std::string>();
  if (policy_list.empty() + target_spec.empty() + target_rows.empty() != 2)
    Fail("give exactly one of --policy (policies to evaluate), --target (uniform or a table) and --target-rows "
         "(a per-row file)");
  Evaluation ev;
  const bool with_policy = !policy_list.empty();
  if (with_policy) {
    std::vector<PolicyToEvaluate> policies;
    for (const auto& spec : SplitList(policy_list)) policies.push_back(LoadPolicyToEvaluate(spec, catalog));
    ev = EvaluatePolicies(source, policies, opt, comm.get());
  } else {
    // One context-free table (or per-row targets), on the rank's rounds in memory.
    const auto [first, end] = comm->Shard(source.num_rounds());
    const LoggedDataset logs = ReadDataset(LogReader(logs_path), first, end);
    const LogMeta& meta = catalog.meta;
    TableTarget target;
    target.name = target_spec.empty() ? target_rows : target_spec;
    target.table = target_spec == "uniform" || target_spec.empty()
                       ? PositionActionTable::Uniform(meta.n_units, meta.slate_size)
                       : PositionActionTable::LoadCsv(target_spec, meta.n_units, meta.slate_size,
                                                      &catalog.items.original_key);
    const int64_t per = meta.slots_per_round, rows = source.num_rounds() * per;
    auto slice = [&](std::vector<double> v) {
      return std::vector<double>(v.begin() + first * per, v.begin() + end * per);
    };
    if (!target_rows.empty()) {
      std::vector<double> all = LoadRowColumns(target_rows, {"target"}, rows)[0];
      // Checked here, where the file is known (the estimators' own check names the row only).
      for (size_t i = 0; i < all.size(); ++i)
        if (!(all[i] >= 0 && all[i] <= 1))
          Fail(target_rows, ": column 'target', row ", i, " (line ", i + 2, " of a CSV): ", all[i], " not in [0, 1]");
      target.target_rows = slice(std::move(all));
    }
    const bool builtin = RewardModelRegistry::Has(opt.reward_model.substr(0, opt.reward_model.find(':')));
    if (!builtin) {
      auto cols = LoadRowColumns(opt.reward_model, {"q_hat", "q_hat_target"}, rows);
      for (int c = 0; c < 2; ++c)
        for (size_t i = 0; i < cols[c].size(); ++i)
          if (!std::isfinite(cols[c][i]))
            Fail(opt.reward_model, ": column '", c ? "q_hat_target" : "q_hat", "', row ", i, " (line ", i + 2,
                 " of a CSV): not a finite number");
      target.q_hat = slice(std::move(cols[0]));
      target.q_hat_target = slice(std::move(cols[1]));
    }
    ev = EvaluateTable(logs, target, opt, comm.get());
  }

  if (comm->rank() != 0) return 0;  // rank 0 prints
  const bool has_truth = !std::isnan(opt.truth);
  // Warnings go with the table, and to stderr beside CSV and Markdown (whose stdout is data).
  for (const auto& w : ev.warnings)
    (format == "table" ? std::cout : std::cerr) << "warning: " << logs_path << ": " << w << "\n";
  const int pct = static_cast<int>(std::lround(100 * (1 - opt.estimate.alpha)));
  if (format == "csv") {
    PrintCsv(ev, with_policy, has_truth);
    return 0;
  }
  if (format == "md") {
    PrintMarkdown(ev, with_policy, has_truth, pct);
    return 0;
  }
  const LogMeta& meta = catalog.meta;
  std::cout << "logs: " << logs_path << " (" << meta.source << ", logged by " << meta.logging_policy << ", "
            << ev.rounds << " rows)\n";
  if (!with_policy) std::cout << "target: " << (target_spec.empty() ? target_rows : target_spec) << "\n";
  if (ev.reward_model_fitted)
    std::cout << "reward model: " << ev.reward_model << ", " << ev.reward_model_report.features << " features, "
              << opt.folds << "-fold cross-fitted; held-out log-lik " << std::setprecision(5)
              << ev.reward_model_report.heldout_loglik << " vs " << ev.reward_model_report.heldout_loglik_baseline
              << " for a constant rate per position\n";
  std::cout << "judged: " << ev.judged << "\n";
  if (has_truth) std::cout << "truth: " << std::setprecision(6) << opt.truth << "\n";
  PrintTable(ev, with_policy, has_truth, pct, opt.estimate.bootstrap_samples > 0);
  return 0;
}

}  // namespace bundlerl::cli
