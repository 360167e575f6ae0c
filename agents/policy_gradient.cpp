// Policy-gradient agents (LibTorch): on-policy REINFORCE and PPO in the simulator, and
// off-policy REINFORCE / IPW learning from logged rounds. See trainer.h.
#include <torch/torch.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "agents/internal.h"
#include "common/error.h"
#include "common/reduction.h"
#include "env/episode.h"
#include "policy/fixed_policies.h"
#include "policy/plackett_luce.h"
#include "policy/torch_policy.h"

namespace bundlerl::internal {
namespace {

using Clock = std::chrono::steady_clock;

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

struct Batch {
  int64_t N = 0, C = 0, F = 0, K = 0;
  std::vector<float> features, pooled, returns;
  std::vector<int64_t> slates;
  double mean_episode_reward = 0;
};

// Runs `episodes` sessions with the current policy; episode e of update u draws from
// generators derived from (seed, u, e).
Batch Collect(const std::shared_ptr<const ShopperModel>& model, const LearnedSlatePolicy& policy,
              int64_t episodes, uint64_t seed, double gamma) {
  Batch b;
  b.C = model->session_config().num_candidates;
  b.F = kNumFeatures;
  b.K = model->session_config().slate_size;
  const int64_t users = model->world().num_shoppers(), max_steps = model->session_config().max_steps;
  ShopperSession s(model);
  std::vector<int32_t> slate(b.K);
  std::vector<float> rewards;
  double total = 0;
  for (int64_t e = 0; e < episodes; ++e) {
    const EpisodeStart start = StartOfEpisode(seed, e, users);
    s.Reset(start.user, start.session_seed);
    SplitMix64 rng(start.policy_seed);
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

void SaveCheckpoint(const std::string& path, Scorer& scorer, torch::nn::Module* value,
                    torch::optim::Optimizer& opt, int64_t update, const std::vector<double>& curve) {
  torch::serialize::OutputArchive a, s, v, o;
  scorer->save(s);
  a.write("scorer", s);
  if (value) {
    value->save(v);
    a.write("value", v);
  }
  opt.save(o);
  a.write("optimizer", o);
  a.write("update", torch::IValue(update));
  a.write("curve", torch::tensor(curve.empty() ? std::vector<double>{} : curve, torch::kFloat64));
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  a.save_to(tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) Fail(path, ": cannot move the checkpoint into place");
}

int64_t LoadCheckpoint(const std::string& path, Scorer& scorer, torch::nn::Module* value,
                       torch::optim::Optimizer& opt, std::vector<double>& curve) {
  torch::serialize::InputArchive a, s, v, o;
  try {
    a.load_from(path);
  } catch (const std::exception& e) {
    Fail(path, ": not a readable checkpoint (", std::string(e.what()).substr(0, 100), ")");
  }
  a.read("scorer", s);
  scorer->load(s);
  if (value) {
    a.read("value", v);
    value->load(v);
  }
  a.read("optimizer", o);
  opt.load(o);
  torch::IValue u;
  a.read("update", u);
  torch::Tensor c;
  a.read("curve", c);
  curve.assign(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  return u.toInt();
}

Scorer MakeScorer(const TrainConfig& c) {
  torch::manual_seed(static_cast<uint64_t>(c.seed));
  ScorerConfig sc;
  sc.kind = c.scorer;
  sc.features = kNumFeatures;
  sc.hidden = c.hidden;
  return Scorer(sc);
}

}  // namespace

TrainResult TrainOnPolicy(std::shared_ptr<const ShopperModel> model, const TrainConfig& c,
                          const ProgressFunction& progress) {
  const auto t0 = Clock::now();
  Scorer scorer = MakeScorer(c);
  ValueNet value(kNumFeatures + 1);
  std::vector<torch::Tensor> params = scorer->parameters();
  for (auto& p : value->parameters()) params.push_back(p);
  torch::optim::Adam opt(params, torch::optim::AdamOptions(c.learning_rate));
  TrainResult result;
  int64_t start = 0;
  if (c.resume && !c.checkpoint.empty() && std::filesystem::exists(c.checkpoint))
    start = LoadCheckpoint(c.checkpoint, scorer, value.get(), opt, result.curve);
  const bool ppo = c.agent == "ppo";
  for (int64_t u = start; u < c.updates; ++u) {
    const LearnedSlatePolicy acting(scorer, c.agent);
    const Batch b = Collect(model, acting, c.episodes_per_update, DeriveSeed(c.seed, static_cast<uint64_t>(u)), c.gamma);
    scorer->train();
    auto X = torch::from_blob(const_cast<float*>(b.features.data()), {b.N, b.C, b.F}, torch::kFloat32);
    auto A = torch::from_blob(const_cast<int64_t*>(b.slates.data()), {b.N, b.K}, torch::kInt64);
    auto P = torch::from_blob(const_cast<float*>(b.pooled.data()), {b.N, b.F + 1}, torch::kFloat32);
    auto G = torch::from_blob(const_cast<float*>(b.returns.data()), {b.N}, torch::kFloat32);
    torch::Tensor old_logp;
    if (ppo) {
      torch::NoGradGuard no_grad;
      old_logp = PlackettLuceLogProb(scorer->forward(X), A);
    }
    const int64_t epochs = ppo ? c.ppo_epochs : 1;
    for (int64_t epoch = 0; epoch < epochs; ++epoch) {
      opt.zero_grad();
      const auto v = value->forward(P);
      auto adv = (G - v.detach());
      const auto logp = PlackettLuceLogProb(scorer->forward(X), A);
      torch::Tensor policy_loss;
      if (ppo) {
        adv = (adv - adv.mean()) / (adv.std() + 1e-8);
        const auto ratio = torch::exp(logp - old_logp);
        policy_loss = -torch::min(ratio * adv, torch::clamp(ratio, 1 - c.ppo_clip, 1 + c.ppo_clip) * adv).mean();
      } else {
        policy_loss = -(adv * logp).mean();
      }
      const auto loss = policy_loss + 0.5 * (v - G).pow(2).mean();
      loss.backward();
      opt.step();
    }
    result.curve.push_back(b.mean_episode_reward);
    result.rounds += b.N;
    if (progress) progress(u + 1, c.updates, b.mean_episode_reward);
    if (c.checkpoint_every > 0 && !c.checkpoint.empty() && (u + 1) % c.checkpoint_every == 0)
      SaveCheckpoint(c.checkpoint, scorer, value.get(), opt, u + 1, result.curve);
  }
  result.updates = c.updates;
  result.policy = std::make_shared<LearnedSlatePolicy>(scorer, c.agent);
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return result;
}

TrainResult TrainFromLogs(std::shared_ptr<const ShopperModel> model, const TrainConfig& c,
                          const ProgressFunction& progress, Reducer* comm) {
  const int rank = comm ? comm->rank() : 0, world = comm ? comm->world_size() : 1;
  const auto t0 = Clock::now();
  // The logs: one-step rounds in the model's world under the logging policy, kept as seeds
  // (the observation of a round is regenerated exactly from its seed when a batch needs it).
  SessionConfig one = model->session_config();
  one.max_steps = 1;
  const auto bandit = std::make_shared<const ShopperModel>(model->world_ptr(), model->shopper_config(), one);
  const auto logging = MakeFixedPolicy(c.logging_policy);
  const int64_t n = c.log_rounds, K = one.slate_size, C = one.num_candidates, F = kNumFeatures;
  const int64_t users = model->world().num_shoppers();
  const uint64_t log_seed = c.log_seed ? c.log_seed : StreamSeed(c.seed, Stream::kAgentLog);
  std::vector<int64_t> slates(n * K);
  std::vector<float> reward(n * K), beta(n * K);
  {
    ShopperSession s(bandit);
    std::vector<double> marg(K * C);
    std::vector<int32_t> slate(K);
    for (int64_t r = 0; r < n; ++r) {
      const EpisodeStart start = StartOfEpisode(log_seed, r, users);
      s.Reset(start.user, start.session_seed);
      const Observation o = s.Observe();
      SplitMix64 rng(start.policy_seed);
      logging->Act(o, rng, slate.data());
      logging->SlotMarginals(o, marg.data());
      const StepResult res = s.Step(slate.data());
      for (int64_t k = 0; k < K; ++k) {
        slates[r * K + k] = slate[k];
        reward[r * K + k] = static_cast<float>(res.clicks >> k & 1);
        // Item-level logging probability: the mean per-slot probability of showing it.
        double p = 0;
        for (int64_t j = 0; j < K; ++j) p += marg[j * C + slate[k]];
        beta[r * K + k] = static_cast<float>(p / K);
      }
    }
  }
  Scorer scorer = MakeScorer(c);
  torch::optim::Adam opt(scorer->parameters(), torch::optim::AdamOptions(c.learning_rate));
  TrainResult result;
  int64_t start = 0;
  if (c.resume && !c.checkpoint.empty() && std::filesystem::exists(c.checkpoint))
    start = LoadCheckpoint(c.checkpoint, scorer, nullptr, opt, result.curve);
  const int64_t B = std::min(c.batch_rounds, n), per_epoch = n / B;
  // Micro-batch v of a batch holds the positions i with i % V == v; rank r computes the
  // micro-batches v with v % world == r. Gradients are summed in double in micro-batch
  // order, so the result does not depend on how the micro-batches are spread over ranks.
  const int64_t V = std::max<int64_t>(c.grad_shards, 1);
  std::vector<int64_t> order(n);
  ShopperSession s(bandit);
  std::vector<float> X, R, Beta;
  std::vector<int64_t> A;
  int64_t epoch_loaded = -1;
  const auto params = scorer->parameters();
  int64_t n_params = 0;
  for (const auto& p : params) n_params += p.numel();
  std::vector<double> acc(n_params);
  for (int64_t u = start; u < c.updates; ++u) {
    const int64_t epoch = u / per_epoch, step = u % per_epoch;
    if (epoch != epoch_loaded) {  // a seeded permutation per epoch
      std::iota(order.begin(), order.end(), 0);
      SplitMix64 g(StreamSeed(c.seed, Stream::kEpochOrder, static_cast<uint64_t>(epoch)));
      for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[g.Below(i + 1)]);
      epoch_loaded = epoch;
    }
    std::fill(acc.begin(), acc.end(), 0.0);
    double objective = 0;
    for (int64_t v = rank; v < V; v += world) {
      const int64_t local = (B - v + V - 1) / V;
      X.resize(local * C * F), A.resize(local * K), R.resize(local * K), Beta.resize(local * K);
      for (int64_t li = 0; li < local; ++li) {
        const int64_t r = order[step * B + v + li * V];
        const EpisodeStart start = StartOfEpisode(log_seed, r, users);
        s.Reset(start.user, start.session_seed);
        const Observation o = s.Observe();
        for (int64_t j = 0; j < C * F; ++j) X[li * C * F + j] = static_cast<float>(o.features[j]);
        for (int64_t k = 0; k < K; ++k) {
          A[li * K + k] = slates[r * K + k];
          R[li * K + k] = reward[r * K + k];
          Beta[li * K + k] = beta[r * K + k];
        }
      }
      const auto x = torch::from_blob(X.data(), {local, C, F}, torch::kFloat32);
      const auto a = torch::from_blob(A.data(), {local, K}, torch::kInt64);
      const auto rr = torch::from_blob(R.data(), {local, K}, torch::kFloat32);
      const auto b = torch::from_blob(Beta.data(), {local, K}, torch::kFloat32);
      opt.zero_grad();
      const auto logpi = torch::log_softmax(scorer->forward(x), 1).gather(1, a);  // [local, K]
      torch::Tensor weight;
      if (c.agent == "ipw") {
        weight = rr / b;
      } else {
        const auto pi = logpi.detach().exp();
        auto w = torch::clamp(pi / b, 0, c.weight_clip);
        if (c.topk_correction) w = w * static_cast<double>(K) * torch::pow(1 - pi, static_cast<double>(K - 1));
        weight = w * rr;
      }
      // The batch mean: micro-batch sums divided by the whole batch's size.
      const auto loss = -(weight * logpi).sum() / static_cast<double>(B);
      loss.backward();
      size_t at = 0;
      for (const auto& p : params) {
        const auto g = p.grad().to(torch::kFloat64).contiguous();
        for (int64_t j = 0; j < g.numel(); ++j) acc[at + j] += g.data_ptr<double>()[j];
        at += static_cast<size_t>(g.numel());
      }
      objective += torch::clamp(logpi.detach().exp() / b, 0, c.weight_clip).mul(rr).sum().item<double>() /
                   static_cast<double>(B);
    }
    if (comm && world > 1) {
      comm->AllReduceSum(acc);
      comm->AllReduceSum(&objective, 1);
    }
    size_t at = 0;
    for (const auto& p : params) {
      auto grad = p.grad();
      grad.copy_(torch::from_blob(acc.data() + at, grad.sizes(), torch::kFloat64).to(torch::kFloat32));
      at += static_cast<size_t>(p.numel());
    }
    opt.step();
    result.curve.push_back(objective);
    result.rounds += B;
    if (progress) progress(u + 1, c.updates, objective);
    if (rank == 0 && c.checkpoint_every > 0 && !c.checkpoint.empty() && (u + 1) % c.checkpoint_every == 0)
      SaveCheckpoint(c.checkpoint, scorer, nullptr, opt, u + 1, result.curve);
  }
  result.updates = c.updates;
  result.policy = std::make_shared<LearnedSlatePolicy>(scorer, c.agent);
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return result;
}

}  // namespace bundlerl::internal
