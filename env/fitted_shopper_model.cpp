// The shopper model fitted to logged slates: see fitted_shopper_model.h.
#include "env/fitted_shopper_model.h"

#include <algorithm>
#include <optional>
#include <cmath>
#include <limits>

#include "common/error.h"
#include "common/executor.h"
#include "common/memory.h"
#include "common/options.h"
#include "kernels/logged_observation.h"
#include "ope/choice_fit.h"

namespace bundlerl {

std::string CheckLogsForShopperModel(const LoggedDataset& logs, const std::string& reward, bool choices) {
  // `choices`: any slots will do (a log of choices, or of one slot a round, fitted slot by slot).
  const LogMeta& m = logs.meta;
  const RoundBatch& b = logs.rounds;
  if (b.n == 0) Fail(m.source, ": no logged rounds to fit a shopper model to");
  if (!choices && m.slots_per_round != m.slate_size)
    Fail(m.source, ": the fitted shopper model needs whole logged slates (", m.slots_per_round,
         " of ", m.slate_size, " slots logged per round)");
  for (int64_t k = 0; !choices && k < b.n * m.slots_per_round; ++k)
    if (b.position[k] != k % m.slots_per_round)
      Fail(m.source, ": round ", k / m.slots_per_round, ": slots are not logged in position order");
  if (m.slate_size > 31) Fail(m.source, ": the fitted shopper model takes at most 31 slots");
  std::string kind = reward;
  if (kind.empty()) kind = b.click.empty() ? m.reward : "click";
  if (kind != "click" && kind != "purchase")
    Fail(m.source, ": the fitted shopper model answers with clicks or purchases (0 or 1 per slot), not ", kind);
  for (float r : b.Reward(kind))
    if (r != 0.0f && r != 1.0f) Fail(m.source, ": the fitted shopper model needs a 0/1 ", kind, " per slot, found ", r);
  return kind;
}

bool IsLogOfChoices(const LoggedDataset& logs, const std::string& reward) {
  const RoundBatch& b = logs.rounds;
  std::string kind = reward;
  if (kind.empty()) kind = b.click.empty() ? logs.meta.reward : "click";
  for (float r : b.Reward(kind))
    if (r != 1.0f) return false;
  return b.n > 0;
}

void CheckShopperModelFeatures(const std::string& groups) {
  for (const std::string& g : SplitCommaList(groups))
    if (g != "kernel" && g != "bundle" && g != "profile" && g != "item" && g != "unit")
      Fail("unknown feature group '", g, "' (known: kernel, bundle, profile, item, unit)");
}

void CheckChoiceName(const std::string& choice, bool allow_auto) {
  if (choice == "mnl" || choice == "cascade" || choice == "independent" || (allow_auto && choice == "auto")) return;
  Fail("unknown choice model '", choice, "' (", allow_auto ? "auto, " : "", "mnl, cascade or independent)");
}

ShopperModelFeaturizer::ShopperModelFeaturizer(const ItemKernels& kernels, const std::string& groups)
    : kernels_(kernels) {
  try {
    CheckShopperModelFeatures(groups);
  } catch (const Error& e) {
    Fail("shopper model: ", e.what());
  }
  for (const std::string& g : SplitCommaList(groups)) {
    kernel_ |= g == "kernel";
    bundle_ |= g == "bundle";
    profile_ |= g == "profile";
    item_ |= g == "item";
    unit_ |= g == "unit";
  }
  const int64_t d = kernels.item_features.cols(), M = kernels.num_items();
  if (unit_ && M > 5000) Fail("shopper model: feature group 'unit' takes catalogs of up to 5,000 items, got ", M);
  if (kernel_) names_ = FeatureNames();
  if (bundle_) names_.push_back("bundle_complement"), names_.push_back("bundle_minus_content");
  for (int64_t j = 0; profile_ && j < d; ++j) names_.push_back("profile_" + std::to_string(j));
  for (int64_t j = 0; item_ && j < d; ++j) names_.push_back("item_" + std::to_string(j));
  if (item_) names_.push_back("item_half_norm2");
  for (int64_t j = 0; unit_ && j < M; ++j) names_.push_back("unit_" + std::to_string(j));
  names_.push_back("constant");
}

void ShopperModelFeaturizer::Features(const Observation& obs, const int32_t* slate, int64_t K, double* x) const {
  const int64_t P = count(), d = kernels_.item_features.cols();
  std::fill(x, x + K * P, 0.0);
  std::vector<double> kernel_row;
  for (int64_t a = 0; a < K; ++a, x += P) {
    const int32_t item = obs.candidates[slate[a]];
    double* out = x;
    if (kernel_) {
      if (obs.features) {
        out = std::copy(obs.feature(slate[a]), obs.feature(slate[a]) + kNumFeatures, out);
      } else {  // a state observation: the row computed on demand
        obs.ComputeFeatures(slate[a], slate[a] + 1, out);
        out += kNumFeatures;
      }
    }
    if (bundle_) {
      double complement = 0, content = 0;
      for (int64_t b = 0; b < K; ++b) {
        if (b == a) continue;
        const int32_t other = obs.candidates[slate[b]];
        content += kernels_.content->Pair(item, other);
        if (kernels_.complement) complement += kernels_.complement->Pair(item, other);
      }
      const double others = K > 1 ? static_cast<double>(K - 1) : 1.0;
      *out++ = complement / others;
      *out++ = -content / others;
    }
    if (profile_) {
      const bool known = obs.state.preference_dim == d;
      for (int64_t j = 0; j < d; ++j) *out++ = known ? obs.state.preference[j] * kernels_.item_features(item, j) : 0.0;
    }
    if (item_) {
      double norm2 = 0;
      for (int64_t j = 0; j < d; ++j) {
        const double v = kernels_.item_features(item, j);
        *out++ = v;
        norm2 += v * v;
      }
      *out++ = 0.5 * norm2;
    }
    if (unit_) {
      out[item] = 1.0;
      out += kernels_.num_items();
    }
    *out = 1.0;  // the constant
  }
}

// The logs as choice data: slates (each round's logged slate and its clicks) or choices (each
// chosen item among itself and sampled alternatives, at a random slot).
struct FittedShopperModel::Design {
  ChoiceData data;
  double no_click_utility = 0;
  bool per_slot = false;  // one logged slot a round: rows of one slot, the position one-hot in x
  // The same rows for the model without features: the constant (and the position one-hot).
  ChoiceData Null() const {
    ChoiceData z = data;
    const int64_t positions = per_slot ? data.P - positions_from : 0;
    z.P = 1 + positions;
    z.x.assign(z.n * z.K * z.P, 0.0);
    for (int64_t r = 0; r < z.n * z.K; ++r) {
      z.x[r * z.P] = 1.0;
      for (int64_t j = 0; j < positions; ++j) z.x[r * z.P + 1 + j] = data.x[r * data.P + positions_from + j];
    }
    return z;
  }
  int64_t positions_from = 0;  // per_slot: the first column of the position one-hot
};

FittedShopperModel::Design FittedShopperModel::DesignOf(const LoggedDataset& logs, const ShopperModelOptions& opt) const {
  const bool choices = opt.negatives > 0;
  const int64_t page = logs.meta.slate_size;
  const bool per_slot = !choices && logs.meta.slots_per_round < page;
  const std::string reward = CheckLogsForShopperModel(logs, opt.reward, choices || per_slot);
  const RoundBatch& b = logs.rounds;
  const int64_t n = b.n, S = logs.meta.slots_per_round, P = featurizer_.count();
  const int64_t K = choices ? 1 + opt.negatives : per_slot ? 1 : page;
  const std::vector<float>& click = b.Reward(reward);
  const int threads = std::max(1, opt.threads);
  std::vector<RoundObserver> observers;
  for (int t = 0; t < threads; ++t) observers.emplace_back(logs, featurizer_.kernels(), FeatureSpec(), logs.meta.slate_size);
  // Row r of the design: round i (slates), or the s-th chosen slot of round i (choices).
  std::vector<int64_t> first(n + 1, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t rows = per_slot ? S : 1;
    if (choices) {
      rows = 0;
      for (int64_t s = 0; s < S; ++s) rows += click[i * S + s] > 0;
    }
    first[i + 1] = first[i] + rows;
  }
  Design d;
  d.no_click_utility = choices ? -50.0 : 0.0;  // choices: one is always made
  d.per_slot = per_slot;
  d.positions_from = P;
  ChoiceData& data = d.data;
  data.n = first[n], data.K = K, data.P = per_slot ? P + page - 1 : P;
  CheckFitsInMemory(8.0 * static_cast<double>(data.n) * static_cast<double>(K * data.P),
                    Concat("the shopper model's design (", data.n, " choices x ", K, " slots x ", P, " features)"));
  data.x.resize(data.n * K * data.P);
  data.clicks.resize(data.n);
  ParallelFor(threads, n, [&](int t, int64_t i) {
    const Observation& obs = observers[t].Observe(b, i, /*materialize=*/false);
    int32_t logged[32];
    for (int64_t s = 0; s < S; ++s) {
      const int32_t c = observers[t].CandidateIndex(b.slate[i * S + s]);
      if (c < 0)
        Fail(logs.meta.source, ": round ", b.first_round + i, ", slot ", s, ": unit ", b.slate[i * S + s],
             " is not among the round's candidates");
      logged[s] = c;
    }
    if (per_slot) {
      // Each logged slot alone: its item's features, then a one-hot of its position (1..K-1),
      // clicked or not (independent clicks, the position's effect as a slot bias).
      const int64_t Q = data.P;
      for (int64_t s = 0; s < S; ++s) {
        const int64_t row = first[i] + s;
        double* x = &data.x[row * Q];
        featurizer_.Features(obs, &logged[s], 1, x);
        std::fill(x + P, x + Q, 0.0);
        if (b.position[i * S + s] > 0) x[P + b.position[i * S + s] - 1] = 1.0;
        data.clicks[row] = click[i * S + s] > 0 ? 1u : 0u;
      }
      return;
    }
    if (!choices) {
      uint32_t mask = 0;
      for (int64_t k = 0; k < K; ++k)
        if (click[i * K + k] > 0) mask |= 1u << k;
      data.clicks[i] = mask;
      featurizer_.Features(obs, logged, K, &data.x[i * K * P]);
      return;
    }
    // Each chosen item against negatives drawn from the other candidates (not chosen here).
    const int64_t C = obs.num_candidates;
    if (C - S < opt.negatives)
      Fail(logs.meta.source, ": round ", b.first_round + i, " offers ", C, " candidates, too few for ", opt.negatives,
           " sampled alternatives besides its ", S, " chosen");
    SplitMix64 rng(DeriveSeed(opt.seed, static_cast<uint64_t>(b.first_round + i)));
    int64_t row = first[i];
    std::vector<int32_t> set(K);
    for (int64_t s = 0; s < S; ++s) {
      if (click[i * S + s] <= 0) continue;
      set[0] = logged[s];
      for (int64_t j = 1; j < K;) {
        const auto c = static_cast<int32_t>(rng.Below(static_cast<uint64_t>(C)));
        if (std::find(logged, logged + S, c) != logged + S || std::find(set.begin() + 1, set.begin() + j, c) != set.begin() + j)
          continue;
        set[j++] = c;
      }
      const int64_t at = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(K)));
      std::swap(set[0], set[at]);
      data.clicks[row] = 1u << at;
      for (int64_t k = 0; k < K; ++k) featurizer_.Features(obs, &set[k], 1, &data.x[(row * K + k) * P]);
      ++row;
    }
  });
  return d;
}

FittedShopperModel::FittedShopperModel(const LoggedDataset& logs, const ItemKernels& kernels,
                                       const ShopperModelOptions& opt)
    : featurizer_(kernels, opt.features) {
  CheckChoiceName(opt.choice, true);
  const bool choices = opt.negatives > 0;
  if (choices && featurizer_.has_bundle())
    Fail("shopper model: the choices kind values items one by one; feature group 'bundle' does not apply");
  const Design design = DesignOf(logs, opt);
  const ChoiceData& data = design.data;
  if (data.n == 0) Fail(logs.meta.source, ": no chosen item to fit a shopper model of choices to");
  std::string choice = choices ? "mnl" : design.per_slot ? "independent" : opt.choice;
  if (design.per_slot && opt.choice != "auto" && opt.choice != "independent")
    Fail(logs.meta.source, ": a log of one slot a round fits independent clicks per slot, not ", opt.choice);
  // auto: several clicks in a round only independent clicks explain; at most one, the
  // multinomial logit or the cascade, whichever fits the log better (their parameters are as
  // many, so the likelihood alone decides; ties go to the logit).
  std::optional<ChoiceFit> chosen;
  if (choice == "auto") {
    choice = "mnl";
    for (uint32_t mask : data.clicks)
      if (__builtin_popcount(mask) > 1) choice = "independent";
    if (choice == "mnl") {
      ChoiceFit mnl = FitChoiceModel("mnl", data, design.no_click_utility, 50, opt.l2);
      ChoiceFit cascade = FitChoiceModel("cascade", data, design.no_click_utility, 50, opt.l2);
      if (cascade.loglik > mnl.loglik) choice = "cascade";
      chosen = choice == "cascade" ? std::move(cascade) : std::move(mnl);
    }
  }
  const ChoiceFit fit = chosen ? *chosen : FitChoiceModel(choice, data, design.no_click_utility, 50, opt.l2);
  // Per slot, the position one-hot sits in x: the parameters take the slates' layout.
  const int64_t K = data.K, P = data.P, D = choices || design.per_slot ? P : P + K - 1;
  params_.kind = choices ? "choices" : "slates";
  params_.negatives = opt.negatives;
  params_.choice = choice;
  params_.features = opt.features;
  params_.slate_size = choices && opt.slate_size > 0 ? opt.slate_size : logs.meta.slate_size;
  params_.beta.assign(fit.beta.data(), fit.beta.data() + D);
  params_.covariance.resize(D * D);
  for (int64_t a = 0; a < D; ++a)
    for (int64_t c = 0; c < D; ++c) params_.covariance[a * D + c] = fit.covariance(a, c);  // symmetric
  beta_ = Eigen::Map<const Eigen::VectorXd>(params_.beta.data(), D);
  summary_.choice = choices ? "choices (conditional logit, " + std::to_string(opt.negatives) + " sampled alternatives)"
                            : choice;
  summary_.rounds = data.n;
  summary_.iterations = fit.iterations;
  summary_.loglik = fit.loglik;
  summary_.parameters = featurizer_.names();
  const int64_t slots = design.per_slot ? logs.meta.slate_size : K;
  for (int64_t k = 1; !choices && k < slots; ++k) summary_.parameters.push_back("slot" + std::to_string(k));
  summary_.estimate = params_.beta;
  summary_.stderr_.assign(fit.stderr_.data(), fit.stderr_.data() + D);
  // The null model: the constant and the slot biases only (choices: every alternative alike).
  const ChoiceFit null_fit = FitChoiceModel(choice, design.Null(), design.no_click_utility, 50, opt.l2);
  null_beta_ = null_fit.beta;
  summary_.loglik_null = null_fit.loglik;
}

double FittedShopperModel::LogLikelihood(const LoggedDataset& logs, const ShopperModelOptions& options,
                                         bool null) const {
  ShopperModelOptions o = options;
  o.negatives = params_.negatives;
  const Design design = DesignOf(logs, o);
  if (design.data.n == 0) Fail(logs.meta.source, ": no round to compute a log-likelihood on");
  if (null) return ChoiceLogLikelihood(params_.choice, design.Null(), null_beta_, design.no_click_utility);
  Eigen::VectorXd full = Eigen::VectorXd::Zero(design.data.P + design.data.K - 1);
  full.head(beta_.size()) = beta_;  // choices: no slot biases
  return ChoiceLogLikelihood(params_.choice, design.data, full, design.no_click_utility);
}

FittedShopperModel::FittedShopperModel(const ItemKernels& kernels, Parameters p)
    : params_(std::move(p)), featurizer_(kernels, params_.features) {
  CheckChoiceName(params_.choice, false);
  if (params_.kind != "slates" && params_.kind != "choices")
    Fail("shopper model: kind '", params_.kind, "', expected slates or choices");
  const int64_t D = featurizer_.count() + (is_choices() ? 0 : params_.slate_size - 1);
  if (params_.slate_size < 1 || params_.slate_size > 31)
    Fail("shopper model: slate size ", params_.slate_size, " not in [1, 31]");
  if (static_cast<int64_t>(params_.beta.size()) != D)
    Fail("shopper model: ", params_.beta.size(), " parameters for features '", params_.features, "' over ",
         kernels.num_items(), " items and ", params_.slate_size, " slots, which take ", D);
  if (!params_.covariance.empty() && static_cast<int64_t>(params_.covariance.size()) != D * D)
    Fail("shopper model: a covariance of ", params_.covariance.size(), " values for ", D, " parameters");
  for (double v : params_.beta)
    if (!std::isfinite(v)) Fail("shopper model: a parameter is not finite");
  beta_ = Eigen::Map<const Eigen::VectorXd>(params_.beta.data(), D);
  summary_.choice = params_.choice;
  summary_.parameters = featurizer_.names();
  for (int64_t k = 1; !is_choices() && k < params_.slate_size; ++k)
    summary_.parameters.push_back("slot" + std::to_string(k));
  summary_.estimate = params_.beta;
}

double FittedShopperModel::ClickProbabilitiesOf(const double* x, double* p, double* grad) const {
  return SlateClickProbabilities(params_.choice, x, params_.slate_size, featurizer_.count(), beta_, 0.0, p, grad);
}

double FittedShopperModel::ClickProbabilities(const Observation& obs, const int32_t* slate, double* p,
                                              double* grad, std::vector<double>& x) const {
  const int64_t K = params_.slate_size, P = featurizer_.count();
  if (is_choices()) {
    // The shopper chooses one candidate c with probability pi_c = softmax(u)_c; slot k is
    // clicked when it holds the choice. Gradient of sum_k p_k: sum_k p_k (x_k - E_pi x).
    const int64_t C = obs.num_candidates;
    x.resize((C + 1) * P);
    std::vector<double> u(C);
    double top = -std::numeric_limits<double>::infinity();
    for (int64_t c = 0; c < C; ++c) {
      const int32_t candidate = static_cast<int32_t>(c);
      featurizer_.Features(obs, &candidate, 1, &x[c * P]);
      u[c] = beta_.dot(Eigen::Map<const Eigen::VectorXd>(&x[c * P], P));
      top = std::max(top, u[c]);
    }
    double z = 0;
    for (int64_t c = 0; c < C; ++c) z += (u[c] = std::exp(u[c] - top));
    double total = 0;
    double* mean = &x[C * P];
    if (grad) std::fill(mean, mean + P, 0.0);
    for (int64_t c = 0; c < C; ++c) {
      u[c] /= z;
      if (grad)
        for (int64_t j = 0; j < P; ++j) mean[j] += u[c] * x[c * P + j];
    }
    if (grad) std::fill(grad, grad + P, 0.0);
    for (int64_t k = 0; k < K; ++k) {
      p[k] = u[slate[k]];
      total += p[k];
      if (grad)
        for (int64_t j = 0; j < P; ++j) grad[j] += p[k] * (x[slate[k] * P + j] - mean[j]);
    }
    return total;
  }
  x.resize(K * P);
  featurizer_.Features(obs, slate, K, x.data());
  return ClickProbabilitiesOf(x.data(), p, grad);
}

void FittedShopperModel::CandidateUtilities(const Observation& obs, double* u, std::vector<double>& x) const {
  const int64_t C = obs.num_candidates, P = featurizer_.count();
  x.resize(P);
  for (int64_t c = 0; c < C; ++c) {
    const int32_t candidate = static_cast<int32_t>(c);
    featurizer_.Features(obs, &candidate, 1, x.data());
    u[c] = beta_.head(P).dot(Eigen::Map<const Eigen::VectorXd>(x.data(), P));
  }
}

uint32_t FittedShopperModel::SampleClicks(const double* p, SplitMix64& rng) const {
  const int64_t K = params_.slate_size;
  uint32_t mask = 0;
  if (params_.choice == "independent") {
    for (int64_t k = 0; k < K; ++k)
      if (rng.Uniform() < p[k]) mask |= 1u << k;
    return mask;
  }
  // At most one click (mnl, cascade, choices): slot k with probability p[k], none with the rest.
  double u = rng.Uniform();
  for (int64_t k = 0; k < K; ++k) {
    if (u < p[k]) return 1u << k;
    u -= p[k];
  }
  return 0;
}

}  // namespace bundlerl
