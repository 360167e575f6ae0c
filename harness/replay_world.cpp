// A world fitted to the OBD rounds: see replay_world.h.
#include "harness/replay_world.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/error.h"
#include "common/random.h"
#include "env/shopper_model.h"
#include "kernels/builder.h"
#include "dataset/importers.h"
#include "ope/offline_eval.h"
#include "ope/reward_model.h"

namespace bundlerl {

ObdReplayWorld BuildObdReplayWorld(const std::string& dir) {
  const LoggedDataset logs = ImportObd(dir, "bundlerl replay world (obd)");
  const int64_t M = logs.meta.n_units, K = logs.meta.slate_size, D = logs.meta.context_dim, n = logs.num_rounds();
  // The click model on every round.
  const BanditFeaturizer feat(logs);
  Eigen::MatrixXd X(n, feat.dim());
  Eigen::VectorXd y(n);
  const std::vector<float>& context = logs.rounds.context;
  {
    const RoundBatch& b = logs.rounds;
    std::vector<double> row(feat.dim());
    for (int64_t r = 0; r < n; ++r) {
      feat.Row(&context[r * D], b.slate[r], b.position[r], row.data());
      X.row(r) = Eigen::Map<const Eigen::RowVectorXd>(row.data(), feat.dim());
      y[r] = b.click[r];
    }
  }
  LogisticRegression model(LogisticRegressionConfig{1e-2});
  model.Fit(X, y);
  // Logit of item i at position k for round r = intercept + w.x(r, i, k). Split it into the
  // position term (the position bias), the rest (the shopper's preference for item i) and
  // the intercept (minus the no-click utility).
  std::vector<double> row(feat.dim()), base(feat.dim());
  ObdReplayWorld out;
  out.rounds = n;
  out.items = M;
  std::vector<Shopper> shoppers(n);
  for (int64_t r = 0; r < n; ++r) {
    Shopper& s = shoppers[r];
    s.theta.resize(M);
    for (int64_t i = 0; i < M; ++i) {
      feat.Row(&context[r * D], static_cast<int32_t>(i), 0, row.data());
      s.theta[i] = Eigen::Map<const Eigen::VectorXd>(row.data(), feat.dim()).dot(model.weights());
    }
  }
  // theta includes position 0's weight; position k's bias is its weight minus position 0's.
  std::vector<double> pos_weight(K);
  for (int64_t k = 0; k < K; ++k) {
    feat.Row(&context[0], 0, static_cast<int32_t>(k), row.data());
    feat.Row(&context[0], 0, 0, base.data());
    double w = 0;
    for (int64_t j = 0; j < feat.dim(); ++j) w += (row[j] - base[j]) * model.weights()[j];
    pos_weight[k] = w;
  }
  KernelSpec spec;  // the shopper's preference is per item: identity embeddings
  spec.content = "identity";
  spec.complement = "none";
  spec.embedding = "identity";
  spec.popularity = "none";
  ItemKernels k = BuildKernels(logs, spec);
  out.world = std::make_shared<const World>(std::move(k), std::move(shoppers));
  ShopperConfig& sh = out.shopper;
  sh.choice_model = "pbm";
  sh.examination.assign(K, 1.0);
  sh.position_bias = pos_weight;
  sh.w_profile = 1.0;
  sh.w_content = sh.w_complement = sh.w_price = sh.w_popularity = 0;
  sh.complementarity = sh.redundancy = 0;
  sh.no_click_utility = -model.intercept();
  sh.leave_base = 0;
  sh.leave_per_miss = 0;
  out.session.slate_size = K;
  out.session.num_candidates = M;
  out.session.max_steps = 1;
  return out;
}

}  // namespace bundlerl
