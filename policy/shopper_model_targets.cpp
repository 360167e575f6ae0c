// The fitted shopper model's columns for slate policies: see shopper_model_targets.h.
#include "policy/shopper_model_targets.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/executor.h"
#include "common/memory.h"
#include "common/options.h"
#include "common/random.h"
#include "kernels/logged_observation.h"
#include "ope/choice_fit.h"

namespace bundlerl {
namespace {

// Whole slates in slot order, click rewards, rounds to fit.
void CheckLogs(const LoggedDataset& logs) {
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
}

}  // namespace

void CheckShopperModelFeatures(const std::string& groups) {
  for (const std::string& g : SplitCommaList(groups))
    if (g != "kernel" && g != "bundle" && g != "profile" && g != "item" && g != "unit")
      Fail("unknown feature group '", g, "' (known: kernel, bundle, profile, item, unit)");
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
  for (int64_t a = 0; a < K; ++a, x += P) {
    const int32_t item = obs.candidates[slate[a]];
    double* out = x;
    if (kernel_) out = std::copy(obs.feature(slate[a]), obs.feature(slate[a]) + kNumFeatures, out);
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

ShopperModelSummary AddShopperModelColumns(const LoggedDataset& logs, const ItemKernels& kernels,
                                           const std::vector<const SlatePolicy*>& policies,
                                           const ShopperModelOptions& opt, std::vector<OpeData>& data) {
  CheckLogs(logs);
  if (data.size() != policies.size()) Fail("shopper model: ", data.size(), " OPE data for ", policies.size(), " policies");
  if (opt.target_slates < 1) Fail("shopper model: target_slates must be at least 1, got ", opt.target_slates);
  const RoundBatch& b = logs.rounds;
  const ShopperModelFeaturizer featurizer(kernels, opt.features);
  const int64_t n = b.n, K = logs.meta.slate_size, P = featurizer.count(), D = P + K - 1;
  for (const OpeData& d : data)
    if (d.n != n || d.K != K) Fail("shopper model: OPE data of ", d.n, " rows x ", d.K, " slots for ", n, " x ", K);
  const std::vector<float>& click = b.Reward("click");
  const int threads = std::max(1, opt.threads);
  std::vector<RoundObserver> observers;
  for (int t = 0; t < threads; ++t) observers.emplace_back(logs, kernels, FeatureSpec(), K);

  // The logged slates' features and clicks.
  // The design [n, K, P] and, per policy, two gradients [n, D].
  CheckFitsInMemory(8.0 * static_cast<double>(n) *
                        (static_cast<double>(K * P) + 2.0 * static_cast<double>(D * policies.size())),
                    Concat("the shopper model's design (", n, " rounds x ", K, " slots x ", P,
                           " features) and its gradients for ", policies.size(), " policies"));
  ChoiceData fit_data;
  fit_data.n = n, fit_data.K = K, fit_data.P = P;
  fit_data.x.resize(n * K * P);
  fit_data.clicks.resize(n);
  std::vector<int32_t> logged(n * K);
  ParallelFor(threads, n, [&](int t, int64_t i) {
    const Observation& obs = observers[t].Observe(b, i);
    uint32_t mask = 0;
    for (int64_t k = 0; k < K; ++k) {
      const int32_t c = observers[t].CandidateIndex(b.slate[i * K + k]);
      if (c < 0) Fail(logs.meta.source, ": round ", i, ", slot ", k, ": unit ", b.slate[i * K + k], " is not among the round's candidates");
      logged[i * K + k] = c;
      if (click[i * K + k] > 0) mask |= 1u << k;
    }
    fit_data.clicks[i] = mask;
    featurizer.Features(obs, &logged[i * K], K, &fit_data.x[i * K * P]);
  });
  std::string choice = opt.choice;
  if (choice == "auto") {
    choice = "mnl";
    for (uint32_t mask : fit_data.clicks)
      if (__builtin_popcount(mask) > 1) choice = "independent";
  }
  const ChoiceFit fit = FitChoiceModel(choice, fit_data, 0.0, 50, opt.l2);
  ShopperModelSummary summary;
  summary.choice = choice;
  summary.rounds = n;
  summary.iterations = fit.iterations;
  summary.loglik = fit.loglik;
  summary.parameters = featurizer.names();
  for (int64_t k = 1; k < K; ++k) summary.parameters.push_back("slot" + std::to_string(k));
  summary.estimate.assign(fit.beta.data(), fit.beta.data() + D);
  summary.stderr_.assign(fit.stderr_.data(), fit.stderr_.data() + D);
  {  // The null model: the constant and the slot biases only.
    ChoiceData null_data;
    null_data.n = n, null_data.K = K, null_data.P = 1;
    null_data.x.assign(n * K, 1.0);
    null_data.clicks = fit_data.clicks;
    summary.loglik_null = FitChoiceModel(choice, null_data, 0.0, 50, opt.l2).loglik;
  }

  // Every policy valued in the fitted model at every round; the logged slate's predictions.
  const int64_t S = static_cast<int64_t>(policies.size());
  for (OpeData& d : data) {
    d.model_params = D;
    d.model_value.assign(n, 0.0);
    d.model_logged.assign(n * K, 0.0);
    d.model_value_grad.assign(n * D, 0.0);
    d.model_logged_grad.assign(n * D, 0.0);
    d.model_covariance.assign(fit.covariance.data(), fit.covariance.data() + D * D);  // symmetric
  }
  const int M = opt.target_slates;
  // Per-thread scratch: a slate, its features, click probabilities and gradient.
  struct Scratch {
    std::vector<double> x, p, grad;
    std::vector<int32_t> slate;
  };
  std::vector<Scratch> scratch(threads, Scratch{std::vector<double>(K * P), std::vector<double>(K),
                                                std::vector<double>(D), std::vector<int32_t>(K)});
  ParallelFor(threads, n, [&](int t, int64_t i) {
    const Observation& obs = observers[t].Observe(b, i);
    auto& [x, p, grad, slate] = scratch[t];
    SlateClickProbabilities(choice, &fit_data.x[i * K * P], K, P, fit.beta, 0.0, p.data(), grad.data());
    for (OpeData& d : data) {
      std::copy(p.begin(), p.end(), d.model_logged.begin() + i * K);
      std::copy(grad.begin(), grad.end(), d.model_logged_grad.begin() + i * D);
    }
    for (int64_t s = 0; s < S; ++s) {
      OpeData& d = data[s];
      double value = 0;
      double* g = &d.model_value_grad[i * D];
      for (int j = 0; j < M; ++j) {
        // The same draws for every policy (common random numbers).
        SplitMix64 rng(DeriveSeed(opt.seed, static_cast<uint64_t>(i) * M + j));
        policies[s]->Act(obs, rng, slate.data());
        featurizer.Features(obs, slate.data(), K, x.data());
        value += SlateClickProbabilities(choice, x.data(), K, P, fit.beta, 0.0, p.data(), grad.data());
        for (int64_t q = 0; q < D; ++q) g[q] += grad[q] / M;
      }
      d.model_value[i] = value / M;
    }
  });
  return summary;
}

}  // namespace bundlerl
