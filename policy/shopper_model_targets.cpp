// The fitted shopper model's columns for slate policies: see shopper_model_targets.h.
#include "policy/shopper_model_targets.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/executor.h"
#include "common/memory.h"
#include "common/random.h"
#include "kernels/logged_observation.h"

namespace bundlerl {

void AddShopperModelColumns(const LoggedDataset& logs, const ItemKernels& kernels, const FittedShopperModel& model,
                            const std::vector<const SlatePolicy*>& policies, const ShopperModelOptions& opt,
                            std::vector<OpeData>& data, const FeatureSpec& features) {
  CheckLogsForShopperModel(logs, opt.reward);
  if (data.size() != policies.size()) Fail("shopper model: ", data.size(), " OPE data for ", policies.size(), " policies");
  if (opt.target_slates < 1) Fail("shopper model: target_slates must be at least 1, got ", opt.target_slates);
  const RoundBatch& b = logs.rounds;
  const int64_t n = b.n, K = logs.meta.slate_size, P = model.featurizer().count(), D = model.num_parameters();
  if (K != model.slate_size())
    Fail("shopper model: fitted to slates of ", model.slate_size(), " slots, asked about slates of ", K);
  for (const OpeData& d : data)
    if (d.n != n || d.K != K) Fail("shopper model: OPE data of ", d.n, " rows x ", d.K, " slots for ", n, " x ", K);
  CheckFitsInMemory(16.0 * static_cast<double>(n) * static_cast<double>(D * policies.size() + K),
                    Concat("the shopper model's gradients (", n, " rounds x ", D, " parameters) for ", policies.size(),
                           " policies"));
  const int threads = std::max(1, opt.threads);
  std::vector<RoundObserver> observers;
  for (int t = 0; t < threads; ++t) observers.emplace_back(logs, kernels, features, K);
  const auto& covariance = model.parameters().covariance;
  for (OpeData& d : data) {
    d.model_params = D;
    d.model_value.assign(n, 0.0);
    d.model_logged.assign(n * K, 0.0);
    d.model_value_grad.assign(n * D, 0.0);
    d.model_logged_grad.assign(n * D, 0.0);
    d.model_covariance = covariance.empty() ? std::vector<double>(D * D, 0.0) : covariance;
  }
  const int M = opt.target_slates;
  const int64_t S = static_cast<int64_t>(policies.size());
  // Per-thread scratch: a slate, its features, click probabilities and gradient.
  struct Scratch {
    std::vector<double> x, p, grad;
    std::vector<int32_t> slate, logged;
  };
  std::vector<Scratch> scratch(threads, Scratch{std::vector<double>(K * P), std::vector<double>(K),
                                                std::vector<double>(D), std::vector<int32_t>(K), std::vector<int32_t>(K)});
  ParallelFor(threads, n, [&](int t, int64_t i) {
    // A state observation where the policies score kernel rows: the model reads the rows of
    // the slates only, and the policies compute what they score.
    const Observation& obs = observers[t].Observe(b, i, /*materialize=*/false);
    auto& [x, p, grad, slate, logged] = scratch[t];
    for (int64_t k = 0; k < K; ++k) {
      logged[k] = observers[t].CandidateIndex(b.slate[i * K + k]);
      if (logged[k] < 0)
        Fail(logs.meta.source, ": round ", b.first_round + i, ", slot ", k, ": unit ", b.slate[i * K + k],
             " is not among the round's candidates");
    }
    model.ClickProbabilities(obs, logged.data(), p.data(), grad.data(), x);
    for (OpeData& d : data) {
      std::copy(p.begin(), p.end(), d.model_logged.begin() + i * K);
      std::copy(grad.begin(), grad.end(), d.model_logged_grad.begin() + i * D);
    }
    const uint64_t round = static_cast<uint64_t>(b.first_round + i);
    for (int64_t s = 0; s < S; ++s) {
      OpeData& d = data[s];
      double value = 0;
      double* g = &d.model_value_grad[i * D];
      for (int j = 0; j < M; ++j) {
        // The same draws for every policy (common random numbers).
        SplitMix64 rng(DeriveSeed(opt.seed, round * M + j));
        policies[s]->Act(obs, rng, slate.data());
        value += model.ClickProbabilities(obs, slate.data(), p.data(), grad.data(), x);
        for (int64_t q = 0; q < D; ++q) g[q] += grad[q] / M;
      }
      d.model_value[i] = value / M;
    }
  });
}

ShopperModelSummary AddShopperModelColumns(const LoggedDataset& logs, const ItemKernels& kernels,
                                           const std::vector<const SlatePolicy*>& policies,
                                           const ShopperModelOptions& opt, std::vector<OpeData>& data) {
  if (data.size() != policies.size()) Fail("shopper model: ", data.size(), " OPE data for ", policies.size(), " policies");
  const FittedShopperModel model(logs, kernels, opt);
  AddShopperModelColumns(logs, kernels, model, policies, opt, data);
  return model.summary();
}

}  // namespace bundlerl
