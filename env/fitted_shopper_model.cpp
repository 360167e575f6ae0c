// The shopper model fitted to logged slates: see fitted_shopper_model.h.
#include "env/fitted_shopper_model.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/executor.h"
#include "common/memory.h"
#include "common/options.h"
#include "kernels/logged_observation.h"
#include "ope/choice_fit.h"

namespace bundlerl {

std::string CheckLogsForShopperModel(const LoggedDataset& logs, const std::string& reward) {
  const LogMeta& m = logs.meta;
  const RoundBatch& b = logs.rounds;
  if (b.n == 0) Fail(m.source, ": no logged rounds to fit a shopper model to");
  if (m.slots_per_round != m.slate_size)
    Fail(m.source, ": the fitted shopper model needs whole logged slates (", m.slots_per_round,
         " of ", m.slate_size, " slots logged per round)");
  for (int64_t k = 0; k < b.n * m.slots_per_round; ++k)
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

FittedShopperModel::FittedShopperModel(const LoggedDataset& logs, const ItemKernels& kernels,
                                       const ShopperModelOptions& opt)
    : featurizer_(kernels, opt.features) {
  const std::string reward = CheckLogsForShopperModel(logs, opt.reward);
  CheckChoiceName(opt.choice, true);
  const RoundBatch& b = logs.rounds;
  const int64_t n = b.n, K = logs.meta.slate_size, P = featurizer_.count();
  const std::vector<float>& click = b.Reward(reward);
  const int threads = std::max(1, opt.threads);
  std::vector<RoundObserver> observers;
  for (int t = 0; t < threads; ++t) observers.emplace_back(logs, kernels, FeatureSpec(), K);
  CheckFitsInMemory(8.0 * static_cast<double>(n) * static_cast<double>(K * P),
                    Concat("the shopper model's design (", n, " rounds x ", K, " slots x ", P, " features)"));
  // The logged slates' features and clicks.
  ChoiceData data;
  data.n = n, data.K = K, data.P = P;
  data.x.resize(n * K * P);
  data.clicks.resize(n);
  ParallelFor(threads, n, [&](int t, int64_t i) {
    const Observation& obs = observers[t].Observe(b, i, /*materialize=*/false);
    int32_t logged[32];
    uint32_t mask = 0;
    for (int64_t k = 0; k < K; ++k) {
      const int32_t c = observers[t].CandidateIndex(b.slate[i * K + k]);
      if (c < 0)
        Fail(logs.meta.source, ": round ", b.first_round + i, ", slot ", k, ": unit ", b.slate[i * K + k],
             " is not among the round's candidates");
      logged[k] = c;
      if (click[i * K + k] > 0) mask |= 1u << k;
    }
    data.clicks[i] = mask;
    featurizer_.Features(obs, logged, K, &data.x[i * K * P]);
  });
  std::string choice = opt.choice;
  if (choice == "auto") {
    choice = "mnl";
    for (uint32_t mask : data.clicks)
      if (__builtin_popcount(mask) > 1) choice = "independent";
  }
  const ChoiceFit fit = FitChoiceModel(choice, data, 0.0, 50, opt.l2);
  const int64_t D = P + K - 1;
  params_.choice = choice;
  params_.features = opt.features;
  params_.slate_size = K;
  params_.beta.assign(fit.beta.data(), fit.beta.data() + D);
  params_.covariance.assign(fit.covariance.data(), fit.covariance.data() + D * D);  // symmetric
  beta_ = fit.beta;
  summary_.choice = choice;
  summary_.rounds = n;
  summary_.iterations = fit.iterations;
  summary_.loglik = fit.loglik;
  summary_.parameters = featurizer_.names();
  for (int64_t k = 1; k < K; ++k) summary_.parameters.push_back("slot" + std::to_string(k));
  summary_.estimate = params_.beta;
  summary_.stderr_.assign(fit.stderr_.data(), fit.stderr_.data() + D);
  // The null model: the constant and the slot biases only.
  ChoiceData null_data;
  null_data.n = n, null_data.K = K, null_data.P = 1;
  null_data.x.assign(n * K, 1.0);
  null_data.clicks = data.clicks;
  summary_.loglik_null = FitChoiceModel(choice, null_data, 0.0, 50, opt.l2).loglik;
}

FittedShopperModel::FittedShopperModel(const ItemKernels& kernels, Parameters p)
    : params_(std::move(p)), featurizer_(kernels, params_.features) {
  CheckChoiceName(params_.choice, false);
  const int64_t D = featurizer_.count() + params_.slate_size - 1;
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
  for (int64_t k = 1; k < params_.slate_size; ++k) summary_.parameters.push_back("slot" + std::to_string(k));
  summary_.estimate = params_.beta;
}

double FittedShopperModel::ClickProbabilitiesOf(const double* x, double* p, double* grad) const {
  return SlateClickProbabilities(params_.choice, x, params_.slate_size, featurizer_.count(), beta_, 0.0, p, grad);
}

double FittedShopperModel::ClickProbabilities(const Observation& obs, const int32_t* slate, double* p,
                                              double* grad, std::vector<double>& x) const {
  const int64_t K = params_.slate_size;
  x.resize(K * featurizer_.count());
  featurizer_.Features(obs, slate, K, x.data());
  return ClickProbabilitiesOf(x.data(), p, grad);
}

uint32_t FittedShopperModel::SampleClicks(const double* p, SplitMix64& rng) const {
  const int64_t K = params_.slate_size;
  uint32_t mask = 0;
  if (params_.choice == "independent") {
    for (int64_t k = 0; k < K; ++k)
      if (rng.Uniform() < p[k]) mask |= 1u << k;
    return mask;
  }
  // At most one click: slot k with probability p[k], none with the rest.
  double u = rng.Uniform();
  for (int64_t k = 0; k < K; ++k) {
    if (u < p[k]) return 1u << k;
    u -= p[k];
  }
  return 0;
}

}  // namespace bundlerl
