// On-policy policy gradients (LibTorch): REINFORCE with a learned state-value baseline and
// PPO with the clipped surrogate, both over a scorer and Plackett-Luce (see agents/agent.h).
// An update plays `train.episodes_per_update` episodes with the current policy, episode e
// from StartOfEpisode(seed, e) with the update's seed, then takes one gradient step
// (REINFORCE) or `train.ppo_epochs` steps (PPO) on discounted returns.
#include <torch/torch.h>

#include <cmath>

#include "agents/agent.h"
#include "agents/checkpoint.h"
#include "agents/internal.h"
#include "agents/trainer.h"
#include "common/error.h"
#include "env/episode.h"
#include "policy/torch_policy.h"

namespace bundlerl::internal {

Episodes Collect(const Environment& env, const LearnedSlatePolicy& policy, int64_t episodes, uint64_t seed,
                 double gamma, int64_t history_slots) {
  Episodes b;
  b.L = history_slots;
  b.C = env.num_candidates();
  b.F = env.num_features();
  b.K = env.slate_size();
  const int64_t max_steps = env.max_steps();
  const std::unique_ptr<EpisodeSession> session = env.NewSession();
  EpisodeSession& s = *session;
  std::vector<int32_t> slate(b.K);
  std::vector<float> rewards;
  double total = 0;
  for (int64_t e = 0; e < episodes; ++e) {
    SplitMix64 rng(s.Start(e, seed));
    const int64_t first = b.N;
    while (!s.done()) {
      const Observation o = s.Observe();
      policy.Act(o, rng, slate.data());
      std::vector<float> pooled(b.F + 1, 0.f);
      for (int64_t c = 0; c < b.C; ++c)
        for (int64_t f = 0; f < b.F; ++f) {
          const float x = static_cast<float>(o.feature(c)[f]);
          b.features.push_back(x);
          pooled[f] += x / static_cast<float>(b.C);
        }
      pooled[b.F] = static_cast<float>(s.step()) / static_cast<float>(max_steps);
      b.pooled.insert(b.pooled.end(), pooled.begin(), pooled.end());
      for (int64_t k = 0; k < b.K; ++k) b.slates.push_back(slate[k]);
      if (b.L > 0) {
        b.candidates.insert(b.candidates.end(), o.candidates, o.candidates + b.C);
        b.history.resize((b.N + 1) * b.L);
        HistorySlots(o.history, o.history_length, b.L, b.history.data() + b.N * b.L);
      }
      const StepResult r = s.Step(slate.data());
      rewards.push_back(static_cast<float>(r.reward));
      total += r.reward;
      ++b.N;
    }
    // Discounted returns, backwards over the episode.
    b.returns.resize(b.N);
    double g = 0;
    for (int64_t t = b.N - 1; t >= first; --t) b.returns[t] = static_cast<float>(g = rewards[t] + gamma * g);
  }
  b.mean_episode_reward = total / static_cast<double>(episodes);
  return b;
}

namespace {

// State-value baseline on pooled candidate features and the step: [N, F + 1] -> [N].
struct ValueNetImpl : torch::nn::Module {
  explicit ValueNetImpl(int64_t in) {
    a = register_module("a", torch::nn::Linear(in, 32));
    b = register_module("b", torch::nn::Linear(32, 1));
  }
  torch::Tensor forward(const torch::Tensor& x) { return b->forward(torch::relu(a->forward(x))).squeeze(-1); }
  torch::nn::Linear a{nullptr}, b{nullptr};
};
TORCH_MODULE(ValueNet);

class PolicyGradientAgent : public Agent {
 public:
  PolicyGradientAgent(const AgentSetup& setup, bool ppo)
      : config_(*setup.config),
        ppo_(ppo),
        features_(setup.num_features),
        scorer_(MakeScorer(config_, features_, setup.item_dim)),
        value_(features_ + 1),
        optimizer_(Parameters(), torch::optim::AdamOptions(config_.learning_rate)) {}
  std::string name() const override { return ppo_ ? "ppo" : "reinforce"; }
  bool learns_online() const override { return true; }

  UpdateMetrics UpdateOnline(const Environment& env, uint64_t seed) override {
    const auto& c = config_;
    if (features_ != env.num_features())
      Fail("agent '", name(), "' scores rows of ", features_, " features, but the environment gives ", env.num_features());
    const LearnedSlatePolicy acting(scorer_, name());
    const int64_t history_slots = scorer_->uses_history() ? scorer_->config.history.length : 0;
    const Episodes b = Collect(env, acting, c.episodes_per_update, seed, c.gamma, history_slots);
    scorer_->train();
    auto X = torch::from_blob(const_cast<float*>(b.features.data()), {b.N, b.C, b.F}, torch::kFloat32);
    ScorerContext context;
    if (history_slots > 0) {
      if (!items_.defined()) items_ = ItemTable(env.item_vectors());
      context.items = items_;
      context.history = torch::from_blob(const_cast<int64_t*>(b.history.data()), {b.N, b.L}, torch::kInt64);
      context.candidates = torch::from_blob(const_cast<int64_t*>(b.candidates.data()), {b.N, b.C}, torch::kInt64);
    }
    auto A = torch::from_blob(const_cast<int64_t*>(b.slates.data()), {b.N, b.K}, torch::kInt64);
    auto P = torch::from_blob(const_cast<float*>(b.pooled.data()), {b.N, b.F + 1}, torch::kFloat32);
    auto G = torch::from_blob(const_cast<float*>(b.returns.data()), {b.N}, torch::kFloat32);
    torch::Tensor old_logp;
    if (ppo_) {
      torch::NoGradGuard no_grad;
      old_logp = PlackettLuceLogProb(scorer_->forward(X, context), A);
    }
    const int64_t epochs = ppo_ ? c.ppo_epochs : 1;
    for (int64_t epoch = 0; epoch < epochs; ++epoch) {
      optimizer_.zero_grad();
      const auto v = value_->forward(P);
      auto adv = (G - v.detach());
      const auto logp = PlackettLuceLogProb(scorer_->forward(X, context), A);
      torch::Tensor policy_loss;
      if (ppo_) {
        adv = (adv - adv.mean()) / (adv.std() + 1e-8);
        const auto ratio = torch::exp(logp - old_logp);
        policy_loss = -torch::min(ratio * adv, torch::clamp(ratio, 1 - c.ppo_clip, 1 + c.ppo_clip) * adv).mean();
      } else {
        policy_loss = -(adv * logp).mean();
      }
      const auto loss = policy_loss + 0.5 * (v - G).pow(2).mean();
      loss.backward();
      optimizer_.step();
      last_loss_ = loss.item<double>();
    }
    return {b.mean_episode_reward, b.N};
  }

  std::shared_ptr<const SlatePolicy> policy() const override {
    return std::make_shared<LearnedSlatePolicy>(CloneScorer(scorer_), name());
  }
  void SaveState(const std::string& path, const TrainerState& trainer) const override {
    WriteCheckpoint(path, name(), trainer, [&](torch::serialize::OutputArchive& a) {
      torch::serialize::OutputArchive s, v, o;
      scorer_->save(s);
      a.write("scorer", s);
      value_->save(v);
      a.write("value", v);
      optimizer_.save(o);
      a.write("optimizer", o);
    });
  }
  TrainerState LoadState(const std::string& path) override {
    return ReadCheckpoint(path, name(), [&](torch::serialize::InputArchive& a) {
      torch::serialize::InputArchive s, v, o;
      a.read("scorer", s);
      scorer_->load(s);
      a.read("value", v);
      value_->load(v);
      a.read("optimizer", o);
      optimizer_.load(o);
    });
  }
  void CheckFinite(int64_t update) const override {
    CheckScorerFinite(scorer_, last_loss_, update, name());
  }

 private:
  std::vector<torch::Tensor> Parameters() {
    std::vector<torch::Tensor> p = scorer_->parameters();
    for (auto& x : value_->parameters()) p.push_back(x);
    return p;
  }
  TrainConfig config_;
  bool ppo_;
  int64_t features_;
  Scorer scorer_;
  torch::Tensor items_;  // the world's item vectors (attention scorer), made at the first update
  ValueNet value_;
  mutable torch::optim::Adam optimizer_;  // save() is not const in torch
  double last_loss_ = 0;
};

const bool kRegisteredReinforce = AgentRegistry::Register(
    {"reinforce", "on-policy REINFORCE with a learned baseline, in the simulator", {},
     [](const Spec&, const AgentSetup& s) -> std::unique_ptr<Agent> {
       return std::make_unique<PolicyGradientAgent>(s, false);
     }});
const bool kRegisteredPpo = AgentRegistry::Register(
    {"ppo", "proximal policy optimisation (clipped surrogate), on-policy, in the simulator", {},
     [](const Spec&, const AgentSetup& s) -> std::unique_ptr<Agent> {
       return std::make_unique<PolicyGradientAgent>(s, true);
     }});

}  // namespace
}  // namespace bundlerl::internal
