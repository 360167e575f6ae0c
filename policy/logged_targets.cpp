// OPE inputs for slate policies on logged datasets: see logged_targets.h.
#include "policy/logged_targets.h"

#include <algorithm>

#include "common/error.h"
#include "common/executor.h"
#include "ope/reward_model.h"

namespace bundlerl {
namespace {

// The reward model's feature rows: the bandit features of the context when the dataset has
// one, else a candidate's feature row and the one-hot of the slot.
class RewardRows {
 public:
  RewardRows(const LoggedDataset& logs, int64_t observation_features)
      : logs_(logs), K_(logs.meta.slate_size), F_(observation_features) {
    if (logs.meta.context_dim > 0) bandit_ = std::make_unique<BanditFeaturizer>(logs);
  }
  int64_t dim() const { return bandit_ ? bandit_->dim() : F_ + K_; }
  // Row of candidate c (unit `unit`) of observation `obs` at page position `position` of
  // round i.
  void Row(const Observation& obs, int64_t c, int32_t unit, int32_t position, int64_t i, double* out) const {
    if (bandit_) {
      bandit_->Row(&logs_.rounds.context[i * logs_.meta.context_dim], unit, position, out);
      return;
    }
    std::copy(obs.feature(c), obs.feature(c) + F_, out);
    for (int64_t k = 0; k < K_; ++k) out[F_ + k] = k == position ? 1.0 : 0.0;
  }

 private:
  const LoggedDataset& logs_;
  int64_t K_, F_;
  std::unique_ptr<BanditFeaturizer> bandit_;
};

}  // namespace

std::vector<OpeData> BuildPolicyOpeData(const LoggedDataset& logs, const ItemKernels& kernels,
                                        const FeatureSpec& features, const std::vector<const SlatePolicy*>& policies,
                                        const LoggedTargetOptions& opt, RewardModelReport* report) {
  const LogMeta& m = logs.meta;
  const RoundBatch& b = logs.rounds;
  const int64_t n = b.n, S = m.slots_per_round, K = m.slate_size, P = static_cast<int64_t>(policies.size());
  if (n == 0) Fail(m.source, ": no logged rounds to evaluate on");
  // Whole slates: every slot of the page logged, in position order; then the slate and prefix
  // probabilities are defined.
  bool whole_slates = S == K;
  for (int64_t k = 0; whole_slates && k < n * S; ++k) whole_slates = b.position[k] == k % S;
  const int threads = std::max(1, opt.threads);
  std::vector<RoundObserver> observers;
  for (int t = 0; t < threads; ++t) observers.emplace_back(logs, kernels, features, K);
  const int64_t C = observers[0].num_candidates();
  const RewardRows rows(logs, observers[0].num_features());
  const int64_t dim = rows.dim();

  // The logged columns, shared by every policy.
  OpeData logged;
  logged.n = n;
  logged.K = S;
  const std::vector<float>& reward = b.Reward(opt.reward.empty() ? m.reward : opt.reward);
  logged.reward.assign(reward.begin(), reward.end());
  logged.pscore = b.pscore;
  if (whole_slates) logged.pscore_slate = b.pscore_slate, logged.pscore_cascade = b.pscore_cascade;
  if (S == 1) logged.position = b.position;

  // The candidate index of every logged unit, and the reward model on the logged rows.
  std::vector<int32_t> logged_candidate(n * S);
  Eigen::MatrixXd X(opt.reward_model ? n * S : 0, dim);
  ParallelFor(threads, n, [&](int t, int64_t i) {
    const Observation& obs = observers[t].Observe(b, i);
    std::vector<double> row(dim);
    for (int64_t s = 0; s < S; ++s) {
      const int32_t c = observers[t].CandidateIndex(b.slate[i * S + s]);
      if (c < 0) Fail(m.source, ": round ", i, ", slot ", s, ": unit ", b.slate[i * S + s], " is not among the round's candidates");
      logged_candidate[i * S + s] = c;
      if (!opt.reward_model) continue;
      rows.Row(obs, c, b.slate[i * S + s], b.position[i * S + s], i, row.data());
      X.row(i * S + s) = Eigen::Map<const Eigen::RowVectorXd>(row.data(), dim);
    }
  });
  std::unique_ptr<CrossFit> cf;
  if (opt.reward_model) {
    const Eigen::VectorXd y = Eigen::Map<const Eigen::VectorXd>(logged.reward.data(), n * S);
    cf = std::make_unique<CrossFit>(
        CrossFitRewardModel(opt.reward_model->model, X, y, S, opt.reward_model->folds, opt.reward_model->seed));
    logged.q_hat.assign(cf->out_of_fold.data(), cf->out_of_fold.data() + n * S);
    if (report) *report = HeldOutReport(*cf, y, b.position, S, K, dim);
  }

  std::vector<OpeData> data(P, logged);
  for (int64_t p = 0; p < P; ++p) {
    OpeData& d = data[p];
    d.target.resize(n * S);
    if (whole_slates && policies[p]->has_slate_probabilities()) d.target_slate.resize(n), d.target_cascade.resize(n * S);
    if (cf) d.q_hat_target.resize(n * S);
    if (opt.logging) d.pscore_abstract.resize(n * S), d.target_abstract.resize(n * S);
  }
  std::vector<std::vector<double>> logging_marginals(threads, std::vector<double>(opt.logging ? K * C : 0));
  std::vector<std::vector<double>> marginals(threads, std::vector<double>(K * C));
  std::vector<Eigen::MatrixXd> candidate_rows(threads, Eigen::MatrixXd(C, dim));
  std::vector<std::vector<double>> row_buffers(threads, std::vector<double>(dim));
  ParallelFor(threads, n, [&](int t, int64_t i) {
    const Observation& obs = observers[t].Observe(b, i);
    const int32_t* slate = &logged_candidate[i * S];
    // The model's prediction for every candidate at each logged slot's position, from the
    // model that did not see round i.
    std::vector<Eigen::VectorXd> q(cf ? S : 0);
    for (int64_t s = 0; s < (cf ? S : 0); ++s) {
      for (int64_t c = 0; c < C; ++c) {
        rows.Row(obs, c, obs.candidates[c], b.position[i * S + s], i, row_buffers[t].data());
        candidate_rows[t].row(c) = Eigen::Map<const Eigen::RowVectorXd>(row_buffers[t].data(), dim);
      }
      q[s] = cf->ModelFor(i).Predict(candidate_rows[t]);
    }
    // P(a unit of category g at position pos) under the marginals `marg` ([K, C]).
    auto category_mass = [&](const double* marg, int64_t pos, int32_t unit) {
      const int32_t g = kernels.category[unit];
      double mass = 0;
      for (int64_t c = 0; c < C; ++c)
        if (kernels.category[obs.candidates[c]] == g) mass += marg[pos * C + c];
      return mass;
    };
    if (opt.logging) opt.logging->SlotMarginals(obs, logging_marginals[t].data());
    for (int64_t p = 0; p < P; ++p) {
      OpeData& d = data[p];
      double* marg = marginals[t].data();
      policies[p]->SlotMarginals(obs, marg);
      for (int64_t s = 0; s < (opt.logging ? S : 0); ++s) {
        const int64_t pos = b.position[i * S + s];
        const int32_t unit = obs.candidates[slate[s]];
        d.target_abstract[i * S + s] = category_mass(marg, pos, unit);
        d.pscore_abstract[i * S + s] = category_mass(logging_marginals[t].data(), pos, unit);
      }
      const bool slates = whole_slates && !d.target_slate.empty();
      if (slates) d.target_slate[i] = policies[p]->PrefixProbability(obs, slate, K);
      for (int64_t s = 0; s < S; ++s) {
        const int64_t pos = b.position[i * S + s];
        d.target[i * S + s] = marg[pos * C + slate[s]];
        if (slates) d.target_cascade[i * S + s] = policies[p]->PrefixProbability(obs, slate, s + 1);
        if (!cf) continue;
        double e = 0;
        for (int64_t c = 0; c < C; ++c) e += marg[pos * C + c] * q[s][c];
        d.q_hat_target[i * S + s] = e;
      }
    }
  });
  return data;
}

}  // namespace bundlerl
