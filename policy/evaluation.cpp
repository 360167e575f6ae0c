// The one evaluation call: see evaluation.h.
#include "policy/evaluation.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "common/error.h"
#include "common/options.h"
#include "kernels/builder.h"
#include "kernels/logged_observation.h"
#include "ope/estimators.h"
#include "ope/propensity_check.h"
#include "ope/reward_model.h"
#include "policy/fixed_policies.h"
#include "policy/independent_slots.h"
#include "policy/logged_targets.h"
#include "policy/shopper_model_targets.h"

namespace bundlerl {
namespace {

// Memory the fitted model's columns may take per chunk (their gradients are rounds x
// parameters x policies doubles).
constexpr double kModelChunkBytes = 256.0 * (1 << 20);

bool IsModelEstimator(const Estimator& e) {
  return e.needs() == Needs::kShopperModel || e.needs() == Needs::kShopperModelAndSlate;
}
bool NeedsRewardModel(const Estimator& e) {
  return e.needs() == Needs::kRewardModel || e.needs() == Needs::kCascadeAndRewardModel;
}

// The feature rows the policies score: a learned policy's (all learned ones must agree), else
// the kernel columns, which the strategies rank by.
FeatureSpec FeaturesFor(const std::vector<PolicyToEvaluate>& policies, const std::string& given) {
  if (!given.empty()) return FeatureSpec::Parse(given);
  std::string spec;
  for (const auto& p : policies) {
    if (!p.learned) continue;
    if (!spec.empty() && spec != p.info.features)
      Fail("policy ", p.name, " scores features '", p.info.features, "' but another policy scores '", spec,
           "'; evaluate them in separate runs");
    spec = p.info.features;
  }
  return FeatureSpec::Parse(spec.empty() ? "kernel" : spec);
}

// A learned policy must score the rows this log gives, of the catalog it was trained on.
void CheckTrainedFor(const PolicyToEvaluate& p, const RoundObserver& observer, const LoggedDataset& catalog,
                     std::vector<std::string>* warnings) {
  if (!p.learned) return;
  const std::string where = catalog.meta.source.empty() ? std::string("the logs") : catalog.meta.source;
  if (p.info.num_features != observer.num_features())
    Fail(p.name, ": the policy scores ", p.info.num_features, " features (", p.info.features, ") but ", where,
         " gives rows of ", observer.num_features(), ": it was trained for another catalog or context");
  CheckPolicyCatalog(p.name, p.info, CatalogFingerprint(catalog), where, warnings);
}

// Evenly spread blocks of a source's rounds [first, end), at most `limit` of them, as one
// dataset with the catalog (for fitting a model to a bounded sample of a large log).
LoggedDataset SampleRounds(const RoundSource& source, int64_t first, int64_t end, int64_t limit) {
  LoggedDataset sample = source.catalog();
  sample.rounds.Clear();
  const int64_t n = end - first;
  if (n <= limit) {
    source.Read(first, n, sample.rounds);
  } else {
    const int64_t blocks = 16, size = limit / blocks;
    RoundBatch part;
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t at = first + b * (n - size) / (blocks - 1);
      source.Read(at, size, part);
      sample.rounds.AppendFrom(part, 0, part.n);
    }
  }
  sample.rounds.first_round = 0;
  return sample;
}

// What the shopper model is, or why there is none, for a log and the options.
struct ModelPlan {
  bool fit = false;     // fit one
  bool needed = false;  // an estimator is of the model (an error when it cannot be fitted)
  ShopperModelOptions options;
  std::string why_not;  // when not fitted
};

ModelPlan PlanShopperModel(const LoggedDataset& catalog, const RoundBatch& first_round,
                           const std::vector<std::unique_ptr<Estimator>>& estimators, const EvaluationOptions& o,
                           const std::string& reward, int64_t item_dim, Reducer* comm) {
  ModelPlan plan;
  plan.options = o.shopper_model;
  for (const auto& e : estimators) plan.needed |= IsModelEstimator(*e);
  const LogMeta& m = catalog.meta;
  if (plan.options.choice == "none") {
    if (plan.needed) Fail("--shopper-model none, but an estimator (model, slate-dr) is the fitted shopper model's");
    plan.why_not = "the shopper model is turned off (--shopper-model none)";
    return plan;
  }
  CheckChoiceName(plan.options.choice, true);
  if (plan.options.features == "auto") {
    // Every group whose parameters stay few: the fit's cost grows with their square.
    plan.options.features = "kernel,bundle";
    if (item_dim <= 64) plan.options.features += ",profile,item";
    if (m.n_units <= 300) plan.options.features += ",unit";
  }
  CheckShopperModelFeatures(plan.options.features);
  // The model answers with the evaluated reward, unless the options name one (click, purchase).
  const std::string answer = plan.options.reward.empty() ? reward : plan.options.reward;
  std::string why;
  if (m.slots_per_round != m.slate_size)
    why = Concat("the log stores ", m.slots_per_round, " of the ", m.slate_size, " slots of a page per round");
  else if (answer == "revenue")
    why = "the reward is revenue, which the choice model does not answer";
  else if (!first_round.Reward(answer).empty() && first_round.Reward(answer)[0] != 0 && first_round.Reward(answer)[0] != 1)
    why = Concat("the ", answer, " is not 0/1");
  else if (comm && comm->world_size() > 1)
    why = "a model fitted to every rank's rounds is not supported with --world-size > 1";
  if (!why.empty()) {
    if (plan.needed) Fail("--estimators: the fitted shopper model (model, slate-dr) cannot be fitted: ", why);
    if (o.require_shopper_model) Fail("the shopper model cannot be fitted: ", why);
    plan.why_not = why;
    return plan;
  }
  plan.options.reward = answer;
  plan.fit = true;
  return plan;
}

// The estimators' accumulators of one evaluation, with the fitted model's checks.
class Accumulators {
 public:
  Accumulators(size_t policies, size_t scopes, const std::vector<std::unique_ptr<Estimator>>& estimators,
               const EstimateOptions& opt, bool check)
      : P_(policies), S_(scopes), E_(estimators.size()), estimators_(estimators) {
    acc_.reserve(P_ * S_ * E_);
    for (size_t p = 0; p < P_; ++p)
      for (size_t s = 0; s < S_; ++s)
        for (const auto& e : estimators) acc_.emplace_back(*e, opt);
    if (!check) return;
    EstimateOptions normal = opt;
    normal.bootstrap_samples = 0;
    on_model_.reserve(P_ * E_);
    for (size_t p = 0; p < P_; ++p) {
      model_.emplace_back(model_based_, normal);
      for (const auto& e : estimators) on_model_.emplace_back(*e, normal);
    }
  }
  EstimateAccumulator& at(size_t p, size_t s, size_t e) { return acc_[(p * S_ + s) * E_ + e]; }
  bool checking() const { return !model_.empty(); }

  void Add(const std::vector<OpeData>& data) {
    for (size_t p = 0; p < P_; ++p) {
      for (size_t s = 0; s < S_; ++s) {
        const OpeData part = s == 0 ? OpeData() : data[p].SelectPosition(static_cast<int32_t>(s - 1));
        const OpeData& d = s == 0 ? data[p] : part;
        if (d.n == 0) continue;
        for (size_t e = 0; e < E_; ++e) at(p, s, e).Add(d);
      }
      if (!checking()) continue;
      // The fitted model's check: each estimator on the model's expected rewards.
      model_[p].Add(data[p]);
      OpeData imputed = data[p];
      imputed.reward = data[p].model_logged;
      for (size_t e = 0; e < E_; ++e)
        if (!IsModelEstimator(*estimators_[e])) on_model_[p * E_ + e].Add(imputed);
    }
  }
  Reliability Judge(size_t p, size_t e, const Estimate& estimate, const ReliabilityRule& rule, Reducer* comm) const {
    if (!checking() || IsModelEstimator(*estimators_[e])) return JudgeWeights(estimate, rule);
    return JudgeWithModel(*estimators_[e], estimate, on_model_[p * E_ + e].Finish(comm), model_[p].Finish(comm), rule);
  }

 private:
  size_t P_, S_, E_;
  const std::vector<std::unique_ptr<Estimator>>& estimators_;
  ModelBased model_based_;
  std::vector<EstimateAccumulator> acc_, model_, on_model_;
};

std::vector<std::unique_ptr<Estimator>> MakeEstimators(const std::vector<std::string>& names) {
  std::vector<std::unique_ptr<Estimator>> out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (std::find(names.begin(), names.begin() + i, names[i]) != names.begin() + i)
      Fail("--estimators: '", names[i], "' named twice");
    out.push_back(MakeEstimator(names[i]));
  }
  if (out.empty()) Fail("--estimators: no estimator named");
  return out;
}

// Estimators that weight by propensities are refused on a log without them, naming the column.
void CheckPropensitiesFor(const std::vector<std::unique_ptr<Estimator>>& estimators, bool has_pscore,
                          const std::string& where) {
  if (has_pscore) return;
  for (const auto& e : estimators)
    if (e->weight_kind() != WeightKind::kNone)
      Fail("--estimators: ", e->name(), " weights by the logging propensities, which ", where,
           " does not carry (its rounds file had no 'propensity' column); without them only the direct and "
           "model-based estimators apply: dm, model");
}

std::string ModelSentence(const ShopperModelSummary& s) {
  std::ostringstream o;
  o.precision(4);
  o << "a shopper model (" << s.choice << ") fitted to " << s.rounds << " rounds (log-likelihood " << s.loglik
    << " per round against " << s.loglik_null << " without features)";
  return o.str();
}

}  // namespace

std::vector<std::string> DefaultEstimators(bool has_propensities, bool whole_slates) {
  if (has_propensities) return {"dm", "ipw", "clipped-ipw", "snipw", "dr", "sndr", "switch-dr", "dros"};
  if (whole_slates) return {"dm", "model"};
  return {"dm"};
}

PolicyToEvaluate LoadPolicyToEvaluate(const std::string& spec, const LoggedDataset& catalog) {
  const LogMeta& meta = catalog.meta;
  PolicyToEvaluate p;
  p.name = spec;
  if (std::filesystem::is_regular_file(spec) && std::filesystem::path(spec).extension() == ".csv") {
    const PositionActionTable t =
        PositionActionTable::LoadCsv(spec, meta.n_units, meta.slate_size, &catalog.items.original_key);
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

Evaluation EvaluatePolicies(const RoundSource& source, const std::vector<PolicyToEvaluate>& policies,
                            const EvaluationOptions& o, Reducer* comm) {
  const LoggedDataset& catalog = source.catalog();
  const LogMeta& meta = catalog.meta;
  const std::string where = meta.source.empty() ? std::string("the logs") : meta.source;
  if (source.num_rounds() == 0) Fail(where, ": holds no logged rounds to evaluate on");
  if (policies.empty()) Fail("--policy: no policy named");
  for (size_t a = 0; a < policies.size(); ++a)
    for (size_t b = 0; b < a; ++b)
      if (policies[a].name == policies[b].name) Fail("--policy: '", policies[a].name, "' named twice");
  if (catalog.items.n == 0) Fail(where, ": holds no item catalog (/items), which the observations are built from");
  if (o.chunk < 1 || o.chunk % EstimateAccumulator::kChunkRows != 0)
    Fail("--chunk: expected a positive multiple of ", EstimateAccumulator::kChunkRows, ", got ", o.chunk);
  CheckBootstrapSamples(o.estimate.bootstrap_samples, o.estimate.alpha, "bootstrap");
  RoundBatch first_round;
  source.Read(0, 1, first_round);
  const bool has_pscore = !first_round.pscore.empty();
  const bool whole_slates = meta.slots_per_round == meta.slate_size;
  const std::vector<std::unique_ptr<Estimator>> estimators =
      MakeEstimators(o.estimators.empty() ? DefaultEstimators(has_pscore, whole_slates) : o.estimators);
  CheckPropensitiesFor(estimators, has_pscore, where);
  Evaluation out;
  out.reward = o.reward.empty() ? meta.reward : o.reward;
  first_round.Reward(out.reward);  // names a reward the log lacks
  bool need_reward_model = false;
  for (const auto& e : estimators) need_reward_model |= NeedsRewardModel(*e);
  if (need_reward_model && !RewardModelRegistry::Has(o.reward_model.substr(0, o.reward_model.find(':'))))
    Fail("--reward-model: with --policy the reward model is cross-fitted on the logs; name a registered one (",
         RewardModelRegistry::NameList(), ")");
  // Kernels, features and the policies' fit to them.
  ItemKernels kernels;
  FeatureSpec features;
  std::vector<std::string> policy_warnings;
  try {
    kernels = BuildKernels(catalog, KernelSpec::Parse(o.kernels.empty() ? meta.kernels : o.kernels));
    features = FeaturesFor(policies, o.features);
    const RoundObserver observer(catalog, kernels, features, meta.slate_size);
    for (const auto& p : policies) CheckTrainedFor(p, observer, catalog, &policy_warnings);
  } catch (const Error& e) {
    Fail(where, ": ", e.what());
  }
  std::vector<const SlatePolicy*> raw;
  for (const auto& p : policies) raw.push_back(p.policy.get());
  for (const auto& p : policies)
    for (const auto& e : estimators) {
      const Needs n = e->needs();
      const bool slates = n == Needs::kSlateProbabilities || n == Needs::kCascadeProbabilities ||
                          n == Needs::kCascadeAndRewardModel || n == Needs::kShopperModelAndSlate;
      if (slates && !p.policy->has_slate_probabilities())
        Fail("policy ", p.name, " gives per-slot probabilities only, and ", e->name(),
             " needs whole-slate ones (a Python policy: slate_probability(obs, slate, prefix), or deterministic = True)");
    }
  const ModelPlan plan =
      PlanShopperModel(catalog, first_round, estimators, o, out.reward, kernels.item_features.cols(), comm);

  // This rank's rounds; the fitted model, on a bounded sample of them.
  const auto [first, end] = comm ? comm->Shard(source.num_rounds()) : std::pair<int64_t, int64_t>{0, source.num_rounds()};
  std::unique_ptr<FittedShopperModel> model;
  if (plan.fit) {
    try {
      const LoggedDataset sample = SampleRounds(source, first, end, o.shopper_model_rounds);
      model = std::make_unique<FittedShopperModel>(sample, kernels, plan.options);
      out.shopper_model_fitted = true;
      out.shopper_model = model->summary();
    } catch (const Error& e) {
      if (plan.needed || o.require_shopper_model) throw;
      out.judged = Concat("Per-slot estimates are judged by their weights only: no shopper model could be fitted (",
                          e.what(), ").");
    }
  } else {
    out.judged = Concat("Per-slot estimates are judged by their weights only (", plan.why_not,
                        "), so a bias from slot rewards that are not additive goes unchecked.");
  }
  if (model)
    out.judged = Concat("Every estimate is judged by its weights and by ", ModelSentence(out.shopper_model),
                        " (ope/reliability.h); --shopper-model none turns the check off.");

  RewardModelConfig model_cfg;
  model_cfg.model = o.reward_model;
  model_cfg.folds = o.folds;
  model_cfg.seed = o.fold_seed.value_or(o.estimate.seed);
  LoggedTargetOptions topt;
  topt.reward = out.reward;
  topt.threads = o.estimate.threads;
  topt.logging = o.logging;
  if (need_reward_model) topt.reward_model = &model_cfg;
  std::vector<std::string> scopes = {"all"};
  if (o.per_position)
    for (int32_t p = 0; p < meta.slate_size; ++p) scopes.push_back(Concat("position ", p));
  Accumulators acc(policies.size(), scopes.size(), estimators, o.estimate, model != nullptr);
  PropensityCheck propensities;
  // A reward model is cross-fitted over all the (rank's) rounds at once; otherwise the rounds
  // stream in chunks, smaller where the fitted model's gradients would be large.
  int64_t step = need_reward_model ? end - first : o.chunk;
  if (model && !need_reward_model) {
    const double per_round = 16.0 * static_cast<double>(model->num_parameters() * policies.size() + meta.slate_size);
    step = std::min<int64_t>(step, std::max<int64_t>(1024, static_cast<int64_t>(kModelChunkBytes / per_round)));
  }
  LoggedDataset part = catalog;  // the catalog once; its rounds replaced chunk by chunk
  for (int64_t at = first; at < end; at += step) {
    source.Read(at, std::min(end, at + step) - at, part.rounds);
    part.rounds.first_round = at;
    try {
      std::vector<OpeData> data =
          BuildPolicyOpeData(part, kernels, features, raw, topt, need_reward_model ? &out.reward_model_report : nullptr);
      if (model) AddShopperModelColumns(part, kernels, *model, raw, plan.options, data, features);
      if (!data.empty()) propensities.Add(data[0]);
      acc.Add(data);
    } catch (const Error& e) {
      Fail(where, ": ", e.what());
    }
    out.rounds += part.rounds.n;
  }
  out.reward_model_fitted = need_reward_model;
  out.reward_model = o.reward_model;
  for (size_t p = 0; p < policies.size(); ++p)
    for (size_t s = 0; s < scopes.size(); ++s)
      for (size_t e = 0; e < estimators.size(); ++e) {
        EstimateAccumulator& a = acc.at(p, s, e);
        if (a.rows() == 0 && s > 0) continue;
        EvaluationRow row;
        row.policy = policies[p].name;
        row.scope = scopes[s];
        row.estimate = a.Finish(s == 0 ? comm : nullptr);
        row.truth = s == 0 ? o.truth : o.truth_by_position.size() >= s ? o.truth_by_position[s - 1] : std::nan("");
        row.reliability = s == 0 ? acc.Judge(p, e, row.estimate, o.rule, comm) : JudgeWeights(row.estimate, o.rule);
        out.rows.push_back(row);
      }
  out.warnings = propensities.Warnings();
  out.warnings.insert(out.warnings.end(), policy_warnings.begin(), policy_warnings.end());
  return out;
}

Evaluation EvaluateTable(const LoggedDataset& logs, const TableTarget& target, const EvaluationOptions& o,
                         Reducer* comm) {
  const LogMeta& meta = logs.meta;
  const std::string where = meta.source.empty() ? std::string("the logs") : meta.source;
  if (logs.rounds.n == 0) Fail(where, ": holds no logged rounds to evaluate on");
  CheckBootstrapSamples(o.estimate.bootstrap_samples, o.estimate.alpha, "bootstrap");
  const bool has_pscore = !logs.rounds.pscore.empty();
  const std::vector<std::unique_ptr<Estimator>> estimators =
      MakeEstimators(o.estimators.empty() ? DefaultEstimators(has_pscore, false) : o.estimators);
  CheckPropensitiesFor(estimators, has_pscore, where);
  for (const auto& e : estimators)
    if (IsModelEstimator(*e))
      Fail("--estimators: the model-based estimators value a slate policy in the fitted model; give it with --policy");
  bool need_model = false;
  for (const auto& e : estimators) need_model |= NeedsRewardModel(*e);
  const bool given_predictions = !target.q_hat.empty();
  const bool builtin = RewardModelRegistry::Has(o.reward_model.substr(0, o.reward_model.find(':')));
  if (need_model && !given_predictions && !target.target_rows.empty())
    Fail("--target-rows gives only the logged units' probabilities; DM/DR then need "
         "--reward-model FILE with q_hat and q_hat_target per row");
  if (need_model && !given_predictions && !builtin)
    Fail("--reward-model: '", o.reward_model, "' is neither a registered model (", RewardModelRegistry::NameList(),
         ") nor given as predictions");
  Evaluation out;
  out.reward = o.reward.empty() ? meta.reward : o.reward;
  RewardModelConfig model_cfg;
  model_cfg.model = o.reward_model;
  model_cfg.folds = o.folds;
  model_cfg.seed = o.estimate.seed;
  out.reward_model_fitted = need_model && !given_predictions;
  out.reward_model = o.reward_model;
  OpeData data = BuildOpeData(logs, target.table, out.reward_model_fitted ? &model_cfg : nullptr,
                              &out.reward_model_report, o.reward);
  PropensityCheck propensities;
  propensities.Add(data);
  if (!target.target_rows.empty()) data.target = target.target_rows;
  if (need_model && given_predictions) data.q_hat = target.q_hat, data.q_hat_target = target.q_hat_target;
  for (const auto& est : estimators) {
    EvaluationRow row;
    row.policy = target.name;
    row.scope = "all";
    row.estimate = RunEstimator(*est, data, o.estimate, comm);
    row.truth = o.truth;
    row.reliability = JudgeWeights(row.estimate, o.rule);
    out.rows.push_back(row);
  }
  if (o.per_position)
    for (int32_t p = 0; p < meta.slate_size; ++p) {
      const OpeData sub = data.SelectPosition(p);
      if (sub.n == 0) continue;
      for (const auto& est : estimators) {
        EvaluationRow row;
        row.policy = target.name;
        row.scope = Concat("position ", p);
        row.estimate = RunEstimator(*est, sub, o.estimate);
        row.truth = o.truth_by_position.size() > static_cast<size_t>(p) ? o.truth_by_position[p] : std::nan("");
        row.reliability = JudgeWeights(row.estimate, o.rule);
        out.rows.push_back(row);
      }
    }
  out.rounds = data.n;
  out.warnings = propensities.Warnings();
  out.judged = "A context-free target is judged by its weights only (no shopper model values a table).";
  return out;
}

}  // namespace bundlerl
