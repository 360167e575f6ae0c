// LinUCB and linear Thompson sampling over the kernel features, online in the simulator.
// One linear model of the per-slot reward shared by all candidates: r ~ theta . phi(c), with
// phi = (kernel features, 1). The K highest scores form the slate; every shown slot's
// reward updates A = ridge I + sum phi phi' and b = sum r phi.
#include <torch/torch.h>

#include <Eigen/Dense>
#include <chrono>
#include <cmath>

#include "agents/internal.h"
#include "common/error.h"
#include "env/episode.h"
#include "policy/fixed_policies.h"
#include "policy/torch_policy.h"

namespace bundlerl::internal {
namespace {

// The learned greedy policy is Plackett-Luce over theta . phi / T with a low temperature.
constexpr double kTemperature = 0.05;

}  // namespace

TrainResult TrainLinearBandit(std::shared_ptr<const ShopperModel> model, const TrainConfig& c,
                              const ProgressFunction& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t D = kNumFeatures + 1, K = model->session_config().slate_size;
  const int64_t users = model->world().num_shoppers();
  const bool ts = c.agent == "lints";
  Eigen::MatrixXd A = c.ridge * Eigen::MatrixXd::Identity(D, D);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(D), theta = Eigen::VectorXd::Zero(D), phi(D);
  ShopperSession s(model);
  std::vector<double> score;
  std::vector<int32_t> slate(K);
  TrainResult result;
  for (int64_t u = 0; u < c.updates; ++u) {
    double total = 0;
    for (int64_t e = 0; e < c.episodes_per_update; ++e) {
      const EpisodeStart start = StartOfEpisode(DeriveSeed(c.seed, static_cast<uint64_t>(u)), e, users);
      s.Reset(start.user, start.session_seed);
      SplitMix64 rng(start.policy_seed);
      while (!s.done()) {
        const Observation o = s.Observe();
        const Eigen::LLT<Eigen::MatrixXd> llt(A);
        theta = llt.solve(b);
        const Eigen::MatrixXd Ainv = llt.solve(Eigen::MatrixXd::Identity(D, D));
        Eigen::VectorXd th = theta;
        if (ts) {  // theta ~ N(theta_hat, alpha^2 A^-1)
          const Eigen::MatrixXd L = Eigen::LLT<Eigen::MatrixXd>(Ainv).matrixL();
          Eigen::VectorXd z(D);
          for (int64_t j = 0; j < D; ++j) z[j] = NormalDraw(rng);
          th += c.ucb_alpha * L * z;
        }
        score.resize(o.num_candidates);
        for (int64_t i = 0; i < o.num_candidates; ++i) {
          for (int64_t f = 0; f < kNumFeatures; ++f) phi[f] = o.feature(i)[f];
          phi[kNumFeatures] = 1.0;
          score[i] = th.dot(phi) + (ts ? 0.0 : c.ucb_alpha * std::sqrt(phi.dot(Ainv * phi)));
        }
        TopK(score.data(), 1, o.num_candidates, K, slate.data());
        // The features of the shown items, before the step changes the observation.
        std::vector<Eigen::VectorXd> shown(K, Eigen::VectorXd(D));
        for (int64_t k = 0; k < K; ++k) {
          for (int64_t f = 0; f < kNumFeatures; ++f) shown[k][f] = o.feature(slate[k])[f];
          shown[k][kNumFeatures] = 1.0;
        }
        const StepResult r = s.Step(slate.data());
        total += r.reward;
        for (int64_t k = 0; k < K; ++k) {
          const double rk = (r.clicks >> k & 1) ? 1.0 : 0.0;
          A.noalias() += shown[k] * shown[k].transpose();
          b += rk * shown[k];
        }
        ++result.rounds;
      }
    }
    const double mean = total / static_cast<double>(c.episodes_per_update);
    result.curve.push_back(mean);
    if (progress) progress(u + 1, c.updates, mean);
  }
  theta = A.llt().solve(b);
  // The greedy policy as a linear scorer: weights theta / T (the bias does not change ranks).
  torch::manual_seed(c.seed);
  ScorerConfig sc;
  sc.kind = "linear";
  sc.features = kNumFeatures;
  Scorer scorer(sc);
  {
    torch::NoGradGuard no_grad;
    for (int64_t f = 0; f < kNumFeatures; ++f) scorer->out->weight[0][f] = theta[f] / kTemperature;
    scorer->out->bias[0] = theta[kNumFeatures] / kTemperature;
  }
  result.policy = std::make_shared<LearnedSlatePolicy>(scorer, c.agent);
  result.updates = c.updates;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace bundlerl::internal
