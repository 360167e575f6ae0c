// Learners from logged rounds (LibTorch): off-policy REINFORCE with clipped importance
// weights and the top-K correction of Chen et al. (WSDM 2019), and the IPW learner, both over
// a scorer and the softmax of its scores (see agents/agent.h).
//   offpolicy-reinforce: loss = -sum_i,s w_is r_is log pi(a_is | x_i) / B, with
//                        w = min(pi / beta, train.weight_clip) K (1 - pi)^(K - 1) (top-K
//                        correction when train.topk_correction), pi the softmax of the scores
//                        and beta the logging probability of the unit;
//   ipw:                 loss = -sum_i,s (r_is / beta_is) log pi(a_is | x_i) / B.
// Gradients are computed per micro-batch, summed in double in micro-batch order and
// all-reduced across processes, so that any spread of micro-batches over ranks gives the
// parameters of one process.
#include <torch/torch.h>

#include <cmath>

#include "agents/agent.h"
#include "agents/checkpoint.h"
#include "agents/internal.h"
#include "common/error.h"

namespace bundlerl::internal {
namespace {

const TrainConfig& RejectAttention(const TrainConfig& c, bool ipw) {
  if (c.scorer == "attention")
    Fail("config key 'train.scorer': the attention scorer learns in the simulator (reinforce, ppo); agent '",
         ipw ? "ipw" : "offpolicy-reinforce", "' learns from logged rounds: use linear or mlp");
  return c;
}

class OffPolicyAgent : public Agent {
 public:
  OffPolicyAgent(const AgentSetup& setup, bool ipw)
      : config_(*setup.config),
        ipw_(ipw),
        slate_size_(setup.slate_size),
        scorer_(MakeScorer(RejectAttention(config_, ipw), setup.num_features)),
        optimizer_(scorer_->parameters(), torch::optim::AdamOptions(config_.learning_rate)) {
    for (const auto& p : scorer_->parameters()) n_params_ += p.numel();
  }
  std::string name() const override { return ipw_ ? "ipw" : "offpolicy-reinforce"; }
  bool learns_from_logs() const override { return true; }

  UpdateMetrics UpdateFromLogs(const LoggedBatch& batch, Reducer* reducer) override {
    const auto params = scorer_->parameters();
    std::vector<double> acc(n_params_, 0.0);
    double objective = 0;
    const double B = static_cast<double>(batch.rounds);
    for (const LoggedBatch::Part& p : batch.parts) {
      const auto x = torch::from_blob(const_cast<float*>(p.features.data()), {p.n, p.C, p.F}, torch::kFloat32);
      const auto a = torch::from_blob(const_cast<int64_t*>(p.slot_candidate.data()), {p.n, p.S}, torch::kInt64);
      const auto r = torch::from_blob(const_cast<float*>(p.reward.data()), {p.n, p.S}, torch::kFloat32);
      const auto beta = torch::from_blob(const_cast<float*>(p.propensity.data()), {p.n, p.S}, torch::kFloat32);
      optimizer_.zero_grad();
      const auto logpi = torch::log_softmax(scorer_->forward(x), 1).gather(1, a);  // [n, S]
      torch::Tensor weight;
      if (ipw_) {
        weight = r / beta;
      } else {
        const auto pi = logpi.detach().exp();
        auto w = torch::clamp(pi / beta, 0, config_.weight_clip);
        const double K = static_cast<double>(slate_size_);
        if (config_.topk_correction) w = w * K * torch::pow(1 - pi, K - 1);
        weight = w * r;
      }
      // The batch mean: micro-batch sums divided by the whole batch's size.
      const auto loss = -(weight * logpi).sum() / B;
      loss.backward();
      size_t at = 0;
      for (const auto& q : params) {
        const auto g = q.grad().to(torch::kFloat64).contiguous();
        for (int64_t j = 0; j < g.numel(); ++j) acc[at + j] += g.data_ptr<double>()[j];
        at += static_cast<size_t>(g.numel());
      }
      objective += torch::clamp(logpi.detach().exp() / beta, 0, config_.weight_clip).mul(r).sum().item<double>() / B;
    }
    if (IsDistributed(reducer)) {
      reducer->AllReduceSum(acc);
      reducer->AllReduceSum(&objective, 1);
    }
    size_t at = 0;
    for (const auto& q : params) {
      auto grad = q.mutable_grad();
      if (!grad.defined()) grad = q.mutable_grad() = torch::zeros_like(q);
      grad.copy_(torch::from_blob(acc.data() + at, grad.sizes(), torch::kFloat64).to(torch::kFloat32));
      at += static_cast<size_t>(q.numel());
    }
    optimizer_.step();
    last_objective_ = objective;
    return {objective, batch.rounds};
  }

  std::shared_ptr<const SlatePolicy> policy() const override {
    return std::make_shared<LearnedSlatePolicy>(CloneScorer(scorer_), name());
  }
  void SaveState(const std::string& path, const TrainerState& trainer) const override {
    WriteCheckpoint(path, name(), trainer, [&](torch::serialize::OutputArchive& a) {
      torch::serialize::OutputArchive s, o;
      scorer_->save(s);
      a.write("scorer", s);
      optimizer_.save(o);
      a.write("optimizer", o);
    });
  }
  TrainerState LoadState(const std::string& path) override {
    return ReadCheckpoint(path, name(), [&](torch::serialize::InputArchive& a) {
      torch::serialize::InputArchive s, o;
      a.read("scorer", s);
      scorer_->load(s);
      a.read("optimizer", o);
      optimizer_.load(o);
    });
  }
  void CheckFinite(int64_t update) const override { CheckScorerFinite(scorer_, last_objective_, update, name()); }

 private:
  TrainConfig config_;
  bool ipw_;
  int64_t slate_size_;
  Scorer scorer_;
  mutable torch::optim::Adam optimizer_;
  int64_t n_params_ = 0;
  double last_objective_ = 0;
};

const bool kRegisteredOffPolicy = AgentRegistry::Register(
    {"offpolicy-reinforce", "REINFORCE from logged rounds: clipped importance weights, top-K correction", {},
     [](const Spec&, const AgentSetup& s) -> std::unique_ptr<Agent> {
       return std::make_unique<OffPolicyAgent>(s, false);
     }});
const bool kRegisteredIpw = AgentRegistry::Register(
    {"ipw", "supervised learner from logs: rewarded units weighted by reward / logging propensity", {},
     [](const Spec&, const AgentSetup& s) -> std::unique_ptr<Agent> {
       return std::make_unique<OffPolicyAgent>(s, true);
     }});

}  // namespace
}  // namespace bundlerl::internal
