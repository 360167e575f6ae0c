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
#include "kernels/builder.h"
#include "ope/estimator.h"
#include "ope/propensity_check.h"
#include "ope/reliability.h"
#include "ope/offline_eval.h"
#include "ope/reward_model.h"
#include "policy/fixed_policies.h"
#include "policy/independent_slots.h"
#include "policy/learned_policy.h"
#include "policy/logged_targets.h"
#include "policy/shopper_model_targets.h"
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

// One line of the output.
struct Row {
  std::string policy, scope;
  Estimate e;
  double truth;
  Reliability reliability;
};

// The reason an estimate is unreliable, fit for a CSV cell.
std::string CsvReason(const Row& r) {
  std::string s = r.reliability.reason;
  for (char& c : s)
    if (c == ',' || c == '"') c = ';';
  return s;
}

// A policy of --policy: a strategy name, a saved policy file, or a table P(unit at position).
struct EvaluatedPolicy {
  std::string spec;
  std::shared_ptr<const SlatePolicy> policy;
  bool learned = false;
  PolicyInfo info;
};

EvaluatedPolicy LoadEvaluatedPolicy(const std::string& spec, const LogMeta& meta) {
  EvaluatedPolicy p;
  p.spec = spec;
  if (std::filesystem::is_regular_file(spec) && std::filesystem::path(spec).extension() == ".csv") {
    const PositionActionTable t = PositionActionTable::LoadCsv(spec, meta.n_units, meta.slate_size);
    p.policy = std::make_shared<LoggedPolicy>(t.prob, t.n_units, t.K, spec);
  } else if (IsPolicyFile(spec)) {
    p.policy = LoadLearnedPolicy(spec, &p.info);
    p.learned = true;
  } else if (std::filesystem::exists(spec)) {
    Fail("--policy: '", spec, "' is not a file (a policy file from bundlerl train, or a CSV table)");
  } else {
    try {
      p.policy = MakeFixedPolicy(spec);
    } catch (const Error& e) {
      Fail("--policy: ", e.what(), "; or a policy file from bundlerl train, or a CSV table item_id,pos0,...");
    }
  }
  return p;
}

// The feature rows the policies score: a learned policy's (all learned ones must agree), else
// the kernel columns, which the strategies rank by.
FeatureSpec FeaturesFor(const std::vector<EvaluatedPolicy>& policies, const std::string& given) {
  if (!given.empty()) return FeatureSpec::Parse(given);
  std::string spec;
  for (const auto& p : policies) {
    if (!p.learned) continue;
    if (!spec.empty() && spec != p.info.features)
      Fail("--policy: ", p.spec, " scores features '", p.info.features, "' but another policy scores '", spec,
           "'; evaluate them in separate runs");
    spec = p.info.features;
  }
  return FeatureSpec::Parse(spec.empty() ? "kernel" : spec);
}

// A learned policy must score the rows this log gives, of the catalog it was trained on.
void CheckTrainedFor(const EvaluatedPolicy& p, const RoundObserver& observer, const LoggedDataset& catalog,
                     const std::string& logs_path) {
  if (!p.learned) return;
  if (p.info.num_features != observer.num_features())
    Fail(p.spec, ": the policy scores ", p.info.num_features, " features (", p.info.features, ") but ", logs_path,
         " gives rows of ", observer.num_features(), ": it was trained for another catalog or context");
  if (!p.info.catalog.empty()) {
    // The trainer's fingerprint of the catalog (agents/trainer.h), recomputed here.
    const std::string here = CatalogFingerprint(catalog);
    if (here != p.info.catalog)
      Fail(p.spec, ": the policy was trained for the catalog '", p.info.catalog, "', but ", logs_path, " holds '",
           here, "'");
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
      ("estimators", po::value<std::string>()->default_value("dm,ipw,clipped-ipw,snipw,dr,sndr,switch-dr,dros"),
       "comma-separated estimator names")
      ("shopper-model", po::value<std::string>()->default_value("auto"),
       "--policy, estimators model and slate-dr: the choice model fitted to the logged slates (auto: mnl unless "
       "a round has two clicks, then independent; mnl, cascade or independent)")
      ("model-features", po::value<std::string>()->default_value(ShopperModelOptions().features),
       "its feature groups: kernel, bundle, profile, item, unit")
      ("model-slates", po::value<int>()->default_value(4), "slates drawn from each policy per round to value it")
      ("min-ess", po::value<double>()->default_value(ReliabilityRule().min_ess),
       "an estimate whose weights' effective sample size is below this is marked unreliable")
      ("max-weight-share", po::value<double>()->default_value(ReliabilityRule().max_weight_share),
       "... or one row carrying more than this share of the weight")
      ("bias-z", po::value<double>()->default_value(ReliabilityRule().bias_z),
       "with model or slate-dr: ... or the fitted model's bias check beyond this many of its standard errors")
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
  const double alpha = vm["alpha"].as<double>();
  if (!(alpha > 0 && alpha < 1)) Fail("--alpha: expected a number in (0, 1), got ", alpha);
  const int threads = vm["threads"].as<int>();
  ValidateThreads(threads, "--threads");
  const int bootstrap = vm["bootstrap"].as<int>();
  if (bootstrap < 0 || bootstrap > 1000000) Fail("--bootstrap: expected a number in [0, 1000000], got ", bootstrap);
  const int64_t chunk = vm["chunk"].as<int64_t>();
  if (chunk < 1 || chunk % EstimateAccumulator::kChunkRows != 0)
    Fail("--chunk: expected a positive multiple of ", EstimateAccumulator::kChunkRows, ", got ", chunk);
  const std::string reward = vm["reward"].as<std::string>();
  const auto comm = MakeCommunicator(dist);
  const std::string logs_path = vm["logs"].as<std::string>();
  const LogReader reader(logs_path);
  // Each rank reads its own contiguous range of rounds.
  const auto [shard_first, shard_end] = comm->Shard(reader.num_rounds());
  const LoggedDataset catalog = reader.ReadCatalog();
  const auto& meta = catalog.meta;
  if (reader.num_rounds() == 0) Fail(logs_path, ": holds no logged rounds to evaluate on");

  std::vector<std::unique_ptr<Estimator>> estimators;
  bool need_model = false, need_shopper_model = false;
  for (const auto& name : SplitList(vm["estimators"].as<std::string>())) {
    estimators.push_back(MakeEstimator(name));
    const Needs needs = estimators.back()->needs();
    need_model |= needs == Needs::kRewardModel || needs == Needs::kCascadeAndRewardModel;
    need_shopper_model |= needs == Needs::kShopperModel || needs == Needs::kShopperModelAndSlate;
  }
  ReliabilityRule rule;
  rule.min_ess = vm["min-ess"].as<double>();
  rule.max_weight_share = vm["max-weight-share"].as<double>();
  rule.bias_z = vm["bias-z"].as<double>();
  rule.bias_share = vm["bias-share"].as<double>();
  rule.max_check_ratio = vm["max-check-ratio"].as<double>();
  if (!(rule.min_ess >= 0)) Fail("--min-ess: expected a number >= 0");
  if (!(rule.max_weight_share > 0 && rule.max_weight_share <= 1)) Fail("--max-weight-share: expected a number in (0, 1]");
  if (!(rule.bias_z >= 0) || !(rule.bias_share >= 0) || !(rule.max_check_ratio > 0))
    Fail("--bias-z, --bias-share, --max-check-ratio: expected numbers >= 0 (> 0)");
  ShopperModelOptions shopper_model;
  shopper_model.choice = vm["shopper-model"].as<std::string>();
  shopper_model.features = vm["model-features"].as<std::string>();
  shopper_model.target_slates = vm["model-slates"].as<int>();
  shopper_model.seed = StreamSeed(vm["seed"].as<uint64_t>(), Stream::kTargetSlates);
  shopper_model.threads = threads;
  if (shopper_model.choice != "auto" && shopper_model.choice != "mnl" && shopper_model.choice != "cascade" &&
      shopper_model.choice != "independent")
    Fail("--shopper-model: expected auto, mnl, cascade or independent, got '", shopper_model.choice, "'");
  try {
    CheckShopperModelFeatures(shopper_model.features);
  } catch (const Error& e) {
    Fail("--model-features: ", e.what());
  }
  if (shopper_model.target_slates < 1 || shopper_model.target_slates > 1000)
    Fail("--model-slates: expected a number in [1, 1000], got ", shopper_model.target_slates);
  if (need_shopper_model && comm->world_size() > 1)
    Fail("--estimators: the model-based estimators fit one model to all rounds; they are not supported with "
         "--world-size > 1");
  if (estimators.empty()) Fail("--estimators: no estimator named");

  const std::string policy_list = vm["policy"].as<std::string>();
  const std::string target_spec = vm["target"].as<std::string>();
  const std::string target_rows = vm["target-rows"].as<std::string>();
  if (policy_list.empty() + target_spec.empty() + target_rows.empty() != 2)
    Fail("give exactly one of --policy (policies to evaluate), --target (uniform or a table) and --target-rows "
         "(a per-row file)");

  const std::string model_spec = vm["reward-model"].as<std::string>();
  RewardModelConfig model_cfg;
  model_cfg.folds = vm["folds"].as<int>();
  model_cfg.seed = vm["seed"].as<uint64_t>();
  const double l2 = vm["l2"].as<double>();
  if (!(l2 >= 0)) Fail("--l2: expected a number >= 0");
  RewardModelReport report;
  const bool builtin_model = RewardModelRegistry::Has(model_spec.substr(0, model_spec.find(':')));
  model_cfg.model = model_spec == "logistic" ? Concat("logistic:", l2) : model_spec;

  double truth = std::nan("");
  std::vector<double> truth_by_position;
  if (vm.count("truth")) truth = vm["truth"].as<double>();
  if (vm.count("truth-logs"))
    truth = MeanReward(ReadDataset(vm["truth-logs"].as<std::string>()), &truth_by_position, reward);
  if (vm.count("truth") && !std::isfinite(truth)) Fail("--truth: expected a finite number, got ", truth);
  const bool per_position = vm["per-position"].as<bool>();
  if (per_position && comm->world_size() > 1) Fail("--per-position is not supported with --world-size > 1");

  EstimateOptions opt;
  opt.threads = threads;
  opt.alpha = alpha;
  opt.bootstrap_samples = bootstrap;
  opt.seed = vm["seed"].as<uint64_t>();
  std::vector<Row> rows;
  PropensityCheck propensities;
  bool fit_model = false;
  int64_t evaluated_rows = 0;

  if (!policy_list.empty()) {
    // Policies on the observations rebuilt from the log.
    std::vector<EvaluatedPolicy> policies;
    for (const auto& spec : SplitList(policy_list)) policies.push_back(LoadEvaluatedPolicy(spec, meta));
    if (policies.empty()) Fail("--policy: no policy named");
    if (catalog.items.n == 0) Fail(logs_path, ": holds no item catalog (/items), which the observations are built from");
    const std::string kernel_spec = vm["kernels"].as<std::string>();
    ItemKernels kernels;
    FeatureSpec features;
    try {
      kernels = BuildKernels(catalog, KernelSpec::Parse(kernel_spec.empty() ? meta.kernels : kernel_spec));
      features = FeaturesFor(policies, vm["features"].as<std::string>());
      const RoundObserver observer(catalog, kernels, features, meta.slate_size);
      for (const auto& p : policies) CheckTrainedFor(p, observer, catalog, logs_path);
    } catch (const Error& e) {
      Fail(logs_path, ": ", e.what());
    }
    std::vector<const SlatePolicy*> raw;
    for (const auto& p : policies) raw.push_back(p.policy.get());
    LoggedTargetOptions topt;
    topt.reward = reward;
    topt.threads = threads;
    fit_model = need_model;
    if (fit_model && !builtin_model)
      Fail("--reward-model: with --policy the reward model is cross-fitted on the logs; name a registered one (",
           RewardModelRegistry::NameList(), ")");
    if (fit_model) topt.reward_model = &model_cfg;
    // Scopes: all rows, and each position when asked.
    std::vector<std::string> scopes = {"all"};
    if (per_position)
      for (int32_t p = 0; p < meta.slate_size; ++p) scopes.push_back(Concat("position ", p));
    std::vector<EstimateAccumulator> acc;  // [policy, scope, estimator]
    acc.reserve(policies.size() * scopes.size() * estimators.size());
    for (size_t p = 0; p < policies.size(); ++p)
      for (size_t s = 0; s < scopes.size(); ++s)
        for (const auto& est : estimators) acc.emplace_back(*est, opt);
    auto add = [&](const std::vector<OpeData>& data) {
      if (!data.empty()) propensities.Add(data[0]);  // the logged propensities, the same for every policy
      for (size_t p = 0; p < policies.size(); ++p)
        for (size_t s = 0; s < scopes.size(); ++s) {
          const OpeData part = s == 0 ? OpeData() : data[p].SelectPosition(static_cast<int32_t>(s - 1));
          const OpeData& d = s == 0 ? data[p] : part;
          if (d.n == 0) continue;
          for (size_t e = 0; e < estimators.size(); ++e) acc[(p * scopes.size() + s) * estimators.size() + e].Add(d);
        }
    };
    // A reward model is cross-fitted, and a shopper model fitted, over all the (rank's) rounds
    // at once; without them the rounds stream in chunks.
    const int64_t step = fit_model || need_shopper_model ? shard_end - shard_first : chunk;
    std::vector<OpeData> with_model;
    for (int64_t first = shard_first; first < shard_end; first += step) {
      const LoggedDataset part = ReadDataset(reader, first, std::min(shard_end, first + step));
      try {
        std::vector<OpeData> data = BuildPolicyOpeData(part, kernels, features, raw, topt, fit_model ? &report : nullptr);
        if (need_shopper_model) AddShopperModelColumns(part, kernels, raw, shopper_model, data);
        add(data);
        // One piece with the fitted model: kept for its bias check of every estimate.
        if (need_shopper_model) with_model = std::move(data);
      } catch (const Error& e) {
        Fail(logs_path, ": ", e.what());
      }
      evaluated_rows += part.num_rounds();
    }
    for (size_t p = 0; p < policies.size(); ++p)
      for (size_t s = 0; s < scopes.size(); ++s)
        for (size_t e = 0; e < estimators.size(); ++e) {
          EstimateAccumulator& a = acc[(p * scopes.size() + s) * estimators.size() + e];
          if (a.rows() == 0 && s > 0) continue;
          const double t = s == 0 ? truth : truth_by_position.empty() ? std::nan("") : truth_by_position[s - 1];
          Row row{policies[p].spec, scopes[s], a.Finish(s == 0 ? comm.get() : nullptr), t, {}};
          row.reliability = s == 0 && !with_model.empty() ? Judge(*estimators[e], with_model[p], row.e, opt, rule)
                                                          : JudgeWeights(row.e, rule);
          rows.push_back(row);
        }
  } else {
    // One context-free table (or per-row targets), on the rank's rounds in memory.
    const LoggedDataset logs = ReadDataset(reader, shard_first, shard_end);
    PositionActionTable table;
    if (target_spec == "uniform" || target_spec.empty()) table = PositionActionTable::Uniform(meta.n_units, meta.slate_size);
    else table = PositionActionTable::LoadCsv(target_spec, meta.n_units, meta.slate_size);
    fit_model = need_model && builtin_model && target_rows.empty();
    if (need_shopper_model)
      Fail("--estimators: the model-based estimators value a slate policy in the fitted model; give it with --policy");
    OpeData data = BuildOpeData(logs, table, fit_model ? &model_cfg : nullptr, &report, reward);
    propensities.Add(data);
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
    const std::string name = target_spec.empty() ? target_rows : target_spec;
    for (const auto& est : estimators) {
      const Estimate e = RunEstimator(*est, data, opt, comm.get());
      rows.push_back({name, "all", e, truth, JudgeWeights(e, rule)});
    }
    if (per_position) {
      for (int32_t p = 0; p < meta.slate_size; ++p) {
        const OpeData sub = data.SelectPosition(p);
        if (sub.n == 0) continue;
        for (const auto& est : estimators)
        {
          const Estimate e = RunEstimator(*est, sub, opt);
          rows.push_back({name, Concat("position ", p), e, truth_by_position.empty() ? std::nan("") : truth_by_position[p],
                          JudgeWeights(e, rule)});
        }
      }
    }
    evaluated_rows = data.n;
  }

  if (comm->rank() != 0) return 0;  // rank 0 prints
  const bool has_truth = !std::isnan(truth);
  const bool with_policy = !policy_list.empty();
  const auto warnings = propensities.Warnings();
  // Warnings go with the table, and to stderr beside CSV and Markdown (whose stdout is data).
  for (const auto& w : warnings)
    (format == "table" ? std::cout : std::cerr) << "warning: " << logs_path << ": " << w << "\n";
  const int pct = static_cast<int>(std::lround(100 * (1 - alpha)));
  if (format == "csv") {
    std::cout << (with_policy ? "policy," : "") << "estimator,scope,value,stderr,ci_low,ci_high,ci_method,max_weight,"
                 "ess,max_weight_share,nonzero_rows,reliable,unreliable_reason";
    if (has_truth) std::cout << ",truth,relative_error";
    std::cout << "\n" << std::setprecision(10);
    for (const auto& r : rows) {
      if (with_policy) std::cout << r.policy << ",";
      std::cout << r.e.estimator << "," << r.scope << "," << r.e.value << "," << r.e.stderr_ << ","
                << r.e.ci_low << "," << r.e.ci_high << "," << r.e.ci_method << "," << r.e.max_weight
                << "," << r.e.ess << "," << r.e.max_weight_share << "," << r.e.nonzero_rows << ","
                << (r.reliability.reliable ? 1 : 0) << "," << CsvReason(r);
      if (has_truth) std::cout << "," << r.truth << "," << (r.e.value - r.truth) / r.truth;
      std::cout << "\n";
    }
    return 0;
  }
  if (format == "md") {
    std::cout << (with_policy ? "| policy " : "") << "| estimator | scope | estimate | " << pct << "% CI |"
              << (has_truth ? " truth | rel. error |" : "") << " max weight |\n"
              << (with_policy ? "|---" : "") << "|---|---|---|---|" << (has_truth ? "---|---|" : "") << "---|\n";
    for (const auto& r : rows) {
      std::ostringstream line;
      if (with_policy) line << "| " << r.policy << " ";
      line << std::setprecision(4) << "| " << r.e.estimator << " | " << r.scope << " | " << r.e.value << " | ";
      if (r.reliability.reliable) line << "[" << r.e.ci_low << ", " << r.e.ci_high << "] |";
      else line << "unreliable: " << r.reliability.reason << " |";
      if (has_truth)
        line << " " << r.truth << " | " << std::showpos << std::fixed << std::setprecision(1)
             << 100 * (r.e.value - r.truth) / r.truth << "% |" << std::noshowpos << std::defaultfloat;
      line << " " << std::setprecision(5) << r.e.max_weight << " |";
      std::cout << line.str() << "\n";
    }
    return 0;
  }
  std::cout << "logs: " << reader.path() << " (" << meta.source << ", logged by " << meta.logging_policy << ", "
            << evaluated_rows << " rows)\n";
  if (!with_policy) std::cout << "target: " << (target_spec.empty() ? target_rows : target_spec) << "\n";
  if (fit_model)
    std::cout << "reward model: " << model_cfg.model << ", " << report.features << " features, " << model_cfg.folds
              << "-fold cross-fitted; held-out log-lik " << std::setprecision(5)
              << report.heldout_loglik << " vs " << report.heldout_loglik_baseline
              << " for a constant rate per position\n";
  if (has_truth) std::cout << "truth: " << std::setprecision(6) << truth << "\n";
  size_t width = 6;
  for (const auto& r : rows) width = std::max(width, r.policy.size() + 2);
  std::cout << "\n";
  if (with_policy) std::cout << std::left << std::setw(static_cast<int>(width)) << "policy";
  std::cout << std::left << std::setw(18) << "estimator" << std::setw(12) << "scope"
            << std::right << std::setw(11) << "value" << std::setw(11) << "stderr" << std::setw(24)
            << (Concat(pct, "% CI (", opt.bootstrap_samples > 0 ? "boot" : "normal", ")"));
  if (has_truth) std::cout << std::setw(10) << "rel.err";
  std::cout << std::setw(12) << "max w" << std::setw(12) << "ess" << std::setw(10) << "max share" << "\n";
  for (const auto& r : rows) {
    std::ostringstream ci;
    if (r.reliability.reliable) ci << std::setprecision(4) << "[" << r.e.ci_low << ", " << r.e.ci_high << "]";
    else ci << "unreliable (below)";
    if (with_policy) std::cout << std::left << std::setw(static_cast<int>(width)) << r.policy;
    std::cout << std::left << std::setw(18) << r.e.estimator << std::setw(12) << r.scope
              << std::right << std::setprecision(5) << std::setw(11) << r.e.value << std::setw(11)
              << r.e.stderr_ << std::setw(24) << ci.str();
    if (has_truth) {
      std::ostringstream rel;
      rel << std::showpos << std::fixed << std::setprecision(1) << 100 * (r.e.value - r.truth) / r.truth << "%";
      std::cout << std::setw(10) << rel.str();
    }
    std::cout << std::setw(12) << std::setprecision(5) << r.e.max_weight << std::setw(12) << std::setprecision(6)
              << r.e.ess << std::setw(10) << std::setprecision(3) << r.e.max_weight_share << "\n";
  }
  bool any = false;
  for (const auto& r : rows) {
    if (r.reliability.reliable) continue;
    if (!any) std::cout << "\nunreliable estimates (no valid interval; rule in docs/ESTIMATORS.md):\n";
    any = true;
    std::cout << "  " << (with_policy ? r.policy + " " : "") << r.e.estimator << " (" << r.scope
              << "): " << r.reliability.reason << "\n";
  }
  return 0;
}

}  // namespace bundlerl::cli
