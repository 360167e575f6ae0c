// LinUCB and linear Thompson sampling over the feature rows (see agents/agent.h). One linear
// model of the per-slot reward shared by all candidates: r ~ theta . phi(c), with
// phi = (feature row, 1). The K highest scores form the slate; every shown slot's reward
// updates A = ridge I + sum phi phi' and b = sum r phi.
//   Online: episodes in the simulator, the statistics updated after every step.
//   From logs: every logged slot updates the statistics (a replay of the log's own choices:
//   the ridge regression of reward on features needs no propensities, since it conditions on
//   the features of the unit shown).
// The learned policy is Plackett-Luce over theta . phi / T with a low temperature.
#include <torch/torch.h>

#include <Eigen/Dense>
#include <cmath>

#include "agents/agent.h"
#include "agents/checkpoint.h"
#include "agents/internal.h"
#include "common/error.h"
#include "env/episode.h"
#include "policy/fixed_policies.h"

namespace bundlerl::internal {
namespace {

// The learned greedy policy is Plackett-Luce over theta . phi / T with a low temperature.
constexpr double kTemperature = 0.05;

class LinearBanditAgent : public Agent {
 public:
  LinearBanditAgent(const AgentSetup& setup, bool thompson)
      : config_(*setup.config), thompson_(thompson), F_(setup.num_features), D_(setup.num_features + 1) {
    if (config_.scorer == "attention")
      Fail("config key 'train.scorer': agent '", name(), "' is a linear bandit, its policy is linear in the "
           "features; the attention scorer applies to reinforce and ppo (use linear or mlp)");
    A_ = config_.ridge * Eigen::MatrixXd::Identity(D_, D_);
    b_ = Eigen::VectorXd::Zero(D_);
  }
  std::string name() const override { return thompson_ ? "lints" : "linucb"; }
  bool learns_online() const override { return true; }
  bool learns_from_logs() const override { return true; }
  bool needs_propensities() const override { return false; }  // every logged slot updates the ridge

  UpdateMetrics UpdateOnline(const Environment& env, uint64_t seed) override {
    if (F_ != env.num_features())
      Fail("agent '", name(), "' scores rows of ", F_, " features, but the environment gives ", env.num_features());
    const int64_t K = env.slate_size();
    const std::unique_ptr<EpisodeSession> session = env.NewSession();
    EpisodeSession& s = *session;
    std::vector<double> score;
    std::vector<int32_t> slate(K);
    Eigen::VectorXd phi(D_);
    UpdateMetrics metrics;
    double total = 0;
    for (int64_t e = 0; e < config_.episodes_per_update; ++e) {
      SplitMix64 rng(s.Start(e, seed));
      while (!s.done()) {
        const Observation o = s.Observe();
        const Eigen::LLT<Eigen::MatrixXd> llt(A_);
        const Eigen::VectorXd theta = llt.solve(b_);
        const Eigen::MatrixXd Ainv = llt.solve(Eigen::MatrixXd::Identity(D_, D_));
        Eigen::VectorXd th = theta;
        if (thompson_) {  // theta ~ N(theta_hat, alpha^2 A^-1)
          const Eigen::MatrixXd L = Eigen::LLT<Eigen::MatrixXd>(Ainv).matrixL();
          Eigen::VectorXd z(D_);
          for (int64_t j = 0; j < D_; ++j) z[j] = NormalDraw(rng);
          th += config_.ucb_alpha * L * z;
        }
        score.resize(o.num_candidates);
        for (int64_t i = 0; i < o.num_candidates; ++i) {
          Phi(o.feature(i), phi);
          score[i] = th.dot(phi) + (thompson_ ? 0.0 : config_.ucb_alpha * std::sqrt(phi.dot(Ainv * phi)));
        }
        TopK(score.data(), 1, o.num_candidates, K, slate.data());
        // The features of the shown items, before the step changes the observation.
        std::vector<Eigen::VectorXd> shown(K, Eigen::VectorXd(D_));
        for (int64_t k = 0; k < K; ++k) Phi(o.feature(slate[k]), shown[k]);
        const StepResult r = s.Step(slate.data());
        total += r.reward;
        for (int64_t k = 0; k < K; ++k) Add(shown[k], (r.clicks >> k & 1) ? 1.0 : 0.0);
        ++metrics.rounds;
      }
    }
    metrics.value = total / static_cast<double>(config_.episodes_per_update);
    return metrics;
  }

  UpdateMetrics UpdateFromLogs(const LoggedBatch& batch, Reducer* reducer) override {
    if (IsDistributed(reducer)) Fail("agent '", name(), "' trains from logs in one process");
    Eigen::VectorXd phi(D_);
    double total = 0;
    for (const LoggedBatch::Part& p : batch.parts)
      for (int64_t i = 0; i < p.n; ++i)
        for (int64_t s = 0; s < p.S; ++s) {
          const float* row = &p.features[(i * p.C + p.slot_candidate[i * p.S + s]) * p.F];
          for (int64_t f = 0; f < F_; ++f) phi[f] = row[f];
          phi[F_] = 1.0;
          const double r = p.reward[i * p.S + s];
          Add(phi, r);
          total += r;
        }
    return {total / static_cast<double>(batch.rounds), batch.rounds};
  }

  std::shared_ptr<const SlatePolicy> policy() const override {
    const Eigen::VectorXd theta = A_.llt().solve(b_);
    // The greedy policy as a linear scorer: weights theta / T (the bias does not change ranks).
    torch::manual_seed(config_.seed);
    ScorerConfig sc;
    sc.kind = "linear";
    sc.features = F_;
    Scorer scorer(sc);
    {
      torch::NoGradGuard no_grad;
      for (int64_t f = 0; f < F_; ++f) scorer->out->weight[0][f] = theta[f] / kTemperature;
      scorer->out->bias[0] = theta[F_] / kTemperature;
    }
    return std::make_shared<LearnedSlatePolicy>(scorer, name());
  }
  void SaveState(const std::string& path, const TrainerState& trainer) const override {
    WriteCheckpoint(path, name(), trainer, [&](torch::serialize::OutputArchive& a) {
      a.write("A", DoublesToTensor(A_.data(), A_.size()));
      a.write("b", DoublesToTensor(b_.data(), b_.size()));
    });
  }
  TrainerState LoadState(const std::string& path) override {
    return ReadCheckpoint(path, name(), [&](torch::serialize::InputArchive& a) {
      torch::Tensor t;
      a.read("A", t);
      TensorToDoubles(t, A_.data(), A_.size(), "A");
      a.read("b", t);
      TensorToDoubles(t, b_.data(), b_.size(), "b");
    });
  }
  void CheckFinite(int64_t update) const override {
    if (!A_.allFinite() || !b_.allFinite())
      Fail("train ", name(), ": the ridge statistics are not finite at update ", update);
  }

 private:
  void Phi(const double* features, Eigen::VectorXd& phi) const {
    for (int64_t f = 0; f < F_; ++f) phi[f] = features[f];
    phi[F_] = 1.0;
  }
  void Add(const Eigen::VectorXd& phi, double reward) {
    A_.noalias() += phi * phi.transpose();
    b_ += reward * phi;
  }
  TrainConfig config_;
  bool thompson_;
  int64_t F_, D_;
  Eigen::MatrixXd A_;
  Eigen::VectorXd b_;
};

const bool kRegisteredLinUcb = AgentRegistry::Register(
    {"linucb", "linear UCB over the feature rows (Li et al. 2010), online or replayed from logs", {},
     [](const Spec&, const AgentSetup& s) -> std::unique_ptr<Agent> {
       return std::make_unique<LinearBanditAgent>(s, false);
     }});
const bool kRegisteredLinTs = AgentRegistry::Register(
    {"lints", "linear Thompson sampling (Agrawal & Goyal 2013), online or replayed from logs", {},
     [](const Spec&, const AgentSetup& s) -> std::unique_ptr<Agent> {
       return std::make_unique<LinearBanditAgent>(s, true);
     }});

}  // namespace
}  // namespace bundlerl::internal
