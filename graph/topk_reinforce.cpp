// Off-policy REINFORCE with the top-K correction: see topk_reinforce.h.
#include <torch/torch.h>

#include "graph/topk_reinforce.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "common/error.h"
#include "common/random.h"

namespace bundlerl {

void TopKReinforceConfig::Declare(OptionList& o, const std::string& p) {
  key_prefix = p;
  o.Add(p + ".epochs", &epochs, "top-K REINFORCE: maximum epochs over the logged pairs");
  o.Add(p + ".batch", &batch, "top-K REINFORCE: logged pairs per update");
  o.Add(p + ".patience", &patience, "top-K REINFORCE: evaluations without a better tune score before stopping (0: never)");
  o.Add(p + ".slate_size", &slate_size, "top-K REINFORCE: K of the top-K correction");
  o.Add(p + ".learning_rate", &learning_rate, "top-K REINFORCE: Adam learning rate of the policy");
  o.Add(p + ".behaviour_learning_rate", &behaviour_learning_rate, "top-K REINFORCE: Adam learning rate of the behaviour head");
  o.Add(p + ".temperature", &temperature, "top-K REINFORCE: softmax temperature of the policy, in [0.001, 1000]");
  o.Add(p + ".weight_cap", &weight_cap, "top-K REINFORCE: cap on the importance weight pi / beta");
}

void TopKReinforceConfig::Validate() const {
  const std::string& p = key_prefix;
  RequireInRange(p + ".epochs", epochs, 1, 1000000);
  RequireInRange(p + ".batch", batch, 1, 1 << 24);
  if (eval_every <= 0) Fail("top-K REINFORCE: eval_every must be positive, got ", eval_every);
  RequireInRange(p + ".slate_size", slate_size, 1, 1000000);
  RequireInRange(p + ".patience", patience, 0, 1000000);
  RequirePositiveFloat(p + ".learning_rate", learning_rate);
  RequirePositiveFloat(p + ".behaviour_learning_rate", behaviour_learning_rate);
  // The scores are divided by it. [1e-3, 1e3] is wide around the 0.1 to 1 used in practice;
  // far below it the softmax's gradient overflows the float tensors.
  RequireFloatInRange(p + ".temperature", temperature, 1e-3, 1e3);
  RequirePositiveFloat(p + ".weight_cap", weight_cap);
}

double TopKMultiplier(double pi, int64_t k) { return static_cast<double>(k) * std::pow(1.0 - pi, static_cast<double>(k - 1)); }

namespace {

using Clock = std::chrono::steady_clock;
// Epoch e's pair order is DeriveSeed(seed, kGraphBatches + kEpochOffset + e): apart from the
// graph models' epochs under the same seed.
constexpr uint64_t kEpochOffset = 1u << 20;

torch::Tensor FromRows(int64_t rows, int64_t dim, const std::function<std::vector<float>(int32_t)>& row) {
  torch::Tensor t = torch::empty({rows, dim}, torch::kFloat32);
  for (int64_t r = 0; r < rows; ++r) {
    const std::vector<float> v = row(static_cast<int32_t>(r));
    std::copy(v.begin(), v.end(), t.data_ptr<float>() + r * dim);
  }
  return t;
}

GraphEmbeddings PolicyEmbeddings(const torch::Tensor& state, const torch::Tensor& action, const GraphEmbeddings& start,
                                 double temperature) {
  GraphEmbeddings e;
  e.model = start.model + "+topk-reinforce";
  e.users = start.users, e.bundles = start.bundles, e.items = start.items, e.dim = state.size(1);
  const torch::Tensor s = (state.detach() / temperature).contiguous(), a = action.detach().contiguous();
  e.bundle_view_user.assign(s.data_ptr<float>(), s.data_ptr<float>() + s.numel());
  e.bundle_view_bundle.assign(a.data_ptr<float>(), a.data_ptr<float>() + a.numel());
  return e;
}

}  // namespace

GraphTrainResult TrainTopKReinforce(const TopKReinforceConfig& c, const BundleGraphs& g, const GraphEmbeddings& start,
                                    const GraphTuneMetric& tune, const GraphProgress& progress) {
  c.Validate();
  g.Validate();
  if (start.users != g.users || start.bundles != g.bundles) Fail("top-K REINFORCE: the start embeddings' sizes differ");
  if (c.slate_size > g.bundles)
    Fail("config key '", c.key_prefix, ".slate_size': K = ", c.slate_size, " is more than the catalogue's ", g.bundles,
         " bundles");
  const int64_t dim = static_cast<int64_t>(start.UserVector(0).size());
  torch::Tensor state = FromRows(g.users, dim, [&](int32_t u) { return start.UserVector(u); }).requires_grad_(true);
  torch::Tensor action = FromRows(g.bundles, dim, [&](int32_t b) { return start.BundleVector(b); }).requires_grad_(true);
  torch::Tensor behaviour = state.detach().clone().requires_grad_(true);
  torch::optim::Adam policy_opt({state, action}, torch::optim::AdamOptions(c.learning_rate));
  torch::optim::Adam behaviour_opt({behaviour}, torch::optim::AdamOptions(c.behaviour_learning_rate));

  GraphTrainResult r;
  r.best = start, r.best_epoch = 0;
  if (tune) std::tie(r.best_tune_recall20, r.best_tune_ndcg20) = tune(PolicyEmbeddings(state, action, start, c.temperature));
  const int64_t n = g.user_bundle.size();
  std::vector<int64_t> order(n), users(n), bundles(n);
  int64_t stale = 0;
  for (int64_t epoch = 1; epoch <= c.epochs; ++epoch) {
    const Clock::time_point t0 = Clock::now();
    SplitMix64 rng(StreamSeed(c.seed, Stream::kGraphBatches, kEpochOffset + epoch));
    for (int64_t i = 0; i < n; ++i) order[i] = i;
    for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.Below(i + 1)]);
    for (int64_t i = 0; i < n; ++i) users[i] = g.user_bundle.a[order[i]], bundles[i] = g.user_bundle.b[order[i]];
    GraphEpoch point;
    point.epoch = epoch;
    int64_t batches = 0;
    for (int64_t begin = 0; begin < n; begin += c.batch, ++batches) {
      const int64_t m = std::min(c.batch, n - begin);
      const torch::Tensor u = torch::from_blob(users.data() + begin, {m}, torch::kInt64);
      const torch::Tensor b = torch::from_blob(bundles.data() + begin, {m}, torch::kInt64).unsqueeze(1);
      // Behaviour head: maximum likelihood of the logged bundle, action vectors fixed.
      const torch::Tensor log_beta =
          torch::log_softmax(torch::matmul(behaviour.index_select(0, u), action.detach().t()), 1).gather(1, b).squeeze(1);
      behaviour_opt.zero_grad();
      (-log_beta.mean()).backward();
      behaviour_opt.step();
      // Policy: the top-K corrected, importance-weighted log-likelihood.
      const torch::Tensor log_pi =
          torch::log_softmax(torch::matmul(state.index_select(0, u), action.t()) / c.temperature, 1).gather(1, b).squeeze(1);
      torch::Tensor weight;
      {
        torch::NoGradGuard no_grad;
        const torch::Tensor pi = log_pi.exp();
        weight = (pi / log_beta.detach().exp()).clamp_max(c.weight_cap) * c.slate_size *
                 (1 - pi).pow(static_cast<double>(c.slate_size - 1));
      }
      const torch::Tensor loss = -(weight * log_pi).mean();
      policy_opt.zero_grad();
      loss.backward();
      policy_opt.step();
      point.loss += loss.item<double>(), point.bpr += -log_beta.mean().item<double>();
    }
    point.loss /= batches, point.bpr /= batches;  // bpr: the behaviour head's negative log-likelihood
    point.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    r.train_seconds += point.seconds;
    if (!std::isfinite(point.loss))
      Fail("top-K REINFORCE: the loss became non-finite at epoch ", epoch, " (lower ", c.key_prefix,
           ".learning_rate, or raise ", c.key_prefix, ".temperature)");
    if (tune && (epoch % c.eval_every == 0 || epoch == c.epochs)) {
      GraphEmbeddings e = PolicyEmbeddings(state, action, start, c.temperature);
      std::tie(point.tune_recall20, point.tune_ndcg20) = tune(e);
      stale = KeepIfBetter(r, std::move(e), point) ? 0 : stale + 1;
    }
    r.curve.push_back(point);
    if (progress && point.tune_recall20 >= 0) progress(point);
    if (c.patience > 0 && stale >= c.patience) break;
  }
  if (!tune) r.best = PolicyEmbeddings(state, action, start, c.temperature), r.best_epoch = r.curve.back().epoch;
  return r;
}

}  // namespace bundlerl
