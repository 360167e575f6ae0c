// Graph-embedding models (mf-bpr, lightgcn, crosscbr): see graph_model.h.
#include <torch/torch.h>

#include "graph/graph_model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "common/error.h"
#include "common/executor.h"
#include "common/random.h"
#include "dataset/dataset.h"
#include "graph/fused_adam.h"
#include "graph/losses.h"
#include "graph/propagation.h"

namespace bundlerl {
namespace F = torch::nn::functional;

const std::vector<std::pair<std::string, std::string>>& GraphModelNames() {
  static const std::vector<std::pair<std::string, std::string>> names = {
      {"mf-bpr", "matrix factorisation of the user-bundle pairs, BPR loss"},
      {"lightgcn", "LightGCN propagation over the user-bundle graph (the bundle view), BPR loss"},
      {"crosscbr", "item view (user-item graph, bundle = mean of its items) and bundle view, BPR plus InfoNCE "
                   "between the views"},
  };
  return names;
}

void BundleGraphs::Validate() const {
  if (users <= 0 || bundles <= 0 || items <= 0)
    Fail("graph model: ", users, " users, ", bundles, " bundles, ", items, " items (each must be positive)");
  if (user_item.rows != users || user_item.cols != items || user_bundle.rows != users || user_bundle.cols != bundles ||
      bundle_item.rows != bundles || bundle_item.cols != items)
    Fail("graph model: the graphs' sizes disagree with ", users, " users, ", bundles, " bundles, ", items, " items");
  if (user_bundle.size() == 0) Fail("graph model: no training user-bundle pairs");
}

BundleGraphs BundleGraphsOf(const LoggedDataset& data, const std::string& pairs) {
  const auto it = data.interactions.find(pairs);
  if (it == data.interactions.end()) Fail("graph model: the dataset has no interaction table '", pairs, "'");
  BundleGraphs g;
  g.users = data.users.n, g.bundles = data.bundles.items.rows(), g.items = data.items.n;
  g.user_item.rows = g.users, g.user_item.cols = g.items;
  g.user_bundle.rows = g.users, g.user_bundle.cols = g.bundles;
  g.bundle_item.rows = g.bundles, g.bundle_item.cols = g.items;
  g.user_item.name = "user-item histories", g.user_bundle.name = pairs, g.bundle_item.name = "bundle items";
  const Ragged& history = data.users.history;
  for (int64_t u = 0; u < history.rows(); ++u)
    for (int64_t k = 0; k < history.size(u); ++k) g.user_item.Add(static_cast<int32_t>(u), history.row(u)[k]);
  for (size_t k = 0; k < it->second.user.size(); ++k) g.user_bundle.Add(it->second.user[k], it->second.unit[k]);
  const Ragged& items = data.bundles.items;
  for (int64_t b = 0; b < g.bundles; ++b)
    for (int64_t k = 0; k < items.size(b); ++k) g.bundle_item.Add(static_cast<int32_t>(b), items.row(b)[k]);
  g.user_item.Deduplicate(), g.user_bundle.Deduplicate(), g.bundle_item.Deduplicate();
  return g;
}

bool IsGraphModel(const std::string& name) {
  for (const auto& [known, what] : GraphModelNames())
    if (known == name) return true;
  return false;
}

void GraphModelConfig::Declare(OptionList& o, const std::string& p) {
  key_prefix = p;
  o.Add(p + ".dim", &dim, "graph models: embedding size");
  o.Add(p + ".layers", &layers, "graph models: propagation layers (lightgcn, crosscbr)");
  o.Add(p + ".epochs", &epochs, "graph models: maximum training epochs");
  o.Add(p + ".batch", &batch, "graph models: training pairs per batch (one negative each)");
  o.Add(p + ".eval_every", &eval_every, "graph models: epochs between evaluations on the tune split");
  o.Add(p + ".patience", &patience, "graph models: evaluations without a better tune score before stopping (0: never)");
  o.Add(p + ".learning_rate", &learning_rate, "graph models: Adam learning rate");
  o.Add(p + ".l2", &l2, "graph models: L2 penalty (Adam weight decay)");
  o.Add(p + ".contrastive_weight", &contrastive_weight, "crosscbr: weight of the InfoNCE loss between the views");
  o.Add(p + ".temperature", &temperature, "crosscbr: InfoNCE temperature, in [0.001, 1000]");
  o.Add(p + ".item_dropout", &item_dropout, "graph models: edge dropout on the user-item graph, redrawn every epoch");
  o.Add(p + ".bundle_dropout", &bundle_dropout, "graph models: edge dropout on the user-bundle graph");
  o.Add(p + ".aggregation_dropout", &aggregation_dropout, "crosscbr: edge dropout on the bundle-item graph");
}

void GraphModelConfig::Validate() const {
  if (!IsGraphModel(model)) Fail("graph model '", model, "': unknown (mf-bpr, lightgcn or crosscbr)");
  const std::string& p = key_prefix;
  RequireInRange(p + ".dim", dim, 1, 4096);
  RequireInRange(p + ".epochs", epochs, 1, 1000000);
  RequireInRange(p + ".batch", batch, 1, 1 << 24);
  RequireInRange(p + ".eval_every", eval_every, 1, 1000000);
  RequireInRange(p + ".layers", layers, 0, 8);
  RequireInRange(p + ".patience", patience, 0, 1000000);
  RequirePositiveFloat(p + ".learning_rate", learning_rate);
  RequireNonNegativeFloat(p + ".l2", l2);
  RequireNonNegativeFloat(p + ".contrastive_weight", contrastive_weight);
  // The scores are divided by it. [1e-3, 1e3] is wide around the 0.1 to 1 used in practice;
  // far below it the softmax's gradient overflows the float tensors.
  RequireFloatInRange(p + ".temperature", temperature, 1e-3, 1e3);
  const std::pair<const char*, double> dropouts[] = {
      {".item_dropout", item_dropout}, {".bundle_dropout", bundle_dropout}, {".aggregation_dropout", aggregation_dropout}};
  for (const auto& [key, r] : dropouts)
    if (!(r >= 0 && r < 1)) Fail("config key '", p, key, "': expected a share in [0, 1), got ", r);
}

namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Training allocates and frees tensors of tens of megabytes every batch; glibc would return
// each to the system and fault it back in on the next batch (a fifth of the time). Raising the
// mmap and trim thresholds keeps such blocks in the heap for reuse.
void KeepFreedMemory() {
#ifdef __GLIBC__
  static const bool done = [] {
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    return true;
  }();
  (void)done;
#endif
}

bool HasItemView(const GraphModelConfig& c) { return c.model == "crosscbr"; }
int64_t Layers(const GraphModelConfig& c) { return c.model == "mf-bpr" ? 0 : c.layers; }

// Xavier-normal initial embeddings [n, d] from the model's own generator.
torch::Tensor InitialEmbedding(int64_t n, int64_t d, uint64_t seed) {
  SplitMix64 rng(seed);
  torch::Tensor t = torch::empty({n, d}, torch::kFloat32);
  float* p = t.data_ptr<float>();
  const double sd = std::sqrt(2.0 / static_cast<double>(n + d));
  for (int64_t i = 0; i < n * d; ++i) p[i] = static_cast<float>(sd * NormalDraw(rng));
  return t.requires_grad_(true);
}

// The propagation operators of one epoch (dropped edges redrawn) or of evaluation (none).
struct Operators {
  std::shared_ptr<const SparseOperator> item_level, aggregation, bundle_level;
};

Operators MakeOperators(const GraphModelConfig& c, const BundleGraphs& g, bool dropout, uint64_t seed) {
  auto mask = [&](const EdgeList& e, double ratio, uint64_t index) {
    return dropout && ratio > 0 ? EdgeDropoutMask(e.size(), ratio, DeriveSeed(seed, index)) : std::vector<char>();
  };
  Operators ops;
  if (HasItemView(c)) {
    ops.item_level = SparseOperator::Make(SymmetricBipartite(g.user_item, mask(g.user_item, c.item_dropout, 0)), c.threads);
    ops.aggregation = SparseOperator::Make(RowMean(g.bundle_item, mask(g.bundle_item, c.aggregation_dropout, 1)), c.threads);
  }
  if (Layers(c) > 0)
    ops.bundle_level =
        SparseOperator::Make(SymmetricBipartite(g.user_bundle, mask(g.user_bundle, c.bundle_dropout, 2)), c.threads);
  return ops;
}

// The model's parameters and its forward pass.
struct Parameters {
  torch::Tensor user, bundle, item;  // item: only with the item view
};

struct Views {
  torch::Tensor item_user, item_bundle, item_item, bundle_user, bundle_bundle;
};

Views Forward(const GraphModelConfig& c, const BundleGraphs& g, const Parameters& p, const Operators& ops) {
  Views v;
  if (HasItemView(c)) {
    // split (not slice): its backward joins the two gradients with one copy.
    const auto parts = LayeredPropagate(ops.item_level, torch::cat({p.user, p.item}), Layers(c)).split_with_sizes({g.users, g.items});
    v.item_user = parts[0], v.item_item = parts[1];
    v.item_bundle = Propagate(ops.aggregation, v.item_item);
  }
  if (Layers(c) > 0) {
    const auto parts = LayeredPropagate(ops.bundle_level, torch::cat({p.user, p.bundle}), Layers(c)).split_with_sizes({g.users, g.bundles});
    v.bundle_user = parts[0], v.bundle_bundle = parts[1];
  } else {
    v.bundle_user = p.user, v.bundle_bundle = p.bundle;
  }
  return v;
}

// A batch's rows of the views: users [m], bundles [2m] (the positives, then the negatives).
// Each view is gathered once, so its gradient is scattered back once.
Views Select(const Views& v, const torch::Tensor& users, const torch::Tensor& pos, const torch::Tensor& neg) {
  const torch::Tensor bundles = torch::cat({pos, neg});
  Views b;
  b.bundle_user = v.bundle_user.index_select(0, users), b.bundle_bundle = v.bundle_bundle.index_select(0, bundles);
  if (v.item_user.defined())
    b.item_user = v.item_user.index_select(0, users), b.item_bundle = v.item_bundle.index_select(0, bundles);
  return b;
}

// Scores of the batch's pairs with its positives (half 0) or negatives (half 1).
torch::Tensor PairScores(const Views& b, int64_t half) {
  const int64_t m = b.bundle_user.size(0);
  torch::Tensor s = (b.bundle_user * b.bundle_bundle.slice(0, half * m, (half + 1) * m)).sum(1);
  if (b.item_user.defined()) s = s + (b.item_user * b.item_bundle.slice(0, half * m, (half + 1) * m)).sum(1);
  return s;
}

std::vector<float> Copy(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

GraphEmbeddings Embed(const GraphModelConfig& c, const BundleGraphs& g, const Parameters& p, const Operators& ops) {
  torch::NoGradGuard no_grad;
  const Views v = Forward(c, g, p, ops);
  GraphEmbeddings e;
  e.model = c.model;
  e.users = g.users, e.bundles = g.bundles, e.items = g.items, e.dim = c.dim;
  if (v.item_user.defined())
    e.item_view_user = Copy(v.item_user), e.item_view_bundle = Copy(v.item_bundle), e.item_view_item = Copy(v.item_item);
  e.bundle_view_user = Copy(v.bundle_user), e.bundle_view_bundle = Copy(v.bundle_bundle);
  return e;
}

// One epoch's batches: the training pairs in a seeded order, each with one negative bundle
// the user has not taken in training.
struct EpochBatches {
  std::vector<int64_t> user, positive, negative;
};

EpochBatches DrawEpoch(const BundleGraphs& g, const std::vector<std::vector<int32_t>>& taken, uint64_t seed) {
  SplitMix64 rng(seed);
  const int64_t n = g.user_bundle.size();
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.Below(i + 1)]);
  EpochBatches e;
  e.user.resize(n), e.positive.resize(n), e.negative.resize(n);
  for (int64_t k = 0; k < n; ++k) {
    const int32_t u = g.user_bundle.a[order[k]];
    e.user[k] = u, e.positive[k] = g.user_bundle.b[order[k]];
    int64_t neg = static_cast<int64_t>(rng.Below(g.bundles));
    for (int tries = 0; tries < 64 && std::binary_search(taken[u].begin(), taken[u].end(), neg); ++tries)
      neg = static_cast<int64_t>(rng.Below(g.bundles));
    e.negative[k] = neg;
  }
  return e;
}

torch::Tensor Slice(const std::vector<int64_t>& v, int64_t begin, int64_t end) {
  return torch::from_blob(const_cast<int64_t*>(v.data()) + begin, {end - begin}, torch::kInt64);
}

}  // namespace

bool KeepIfBetter(GraphTrainResult& r, GraphEmbeddings&& e, const GraphEpoch& point) {
  const bool nothing_kept = r.best.users == 0;
  if (!nothing_kept && !(point.tune_recall20 > r.best_tune_recall20 && point.tune_ndcg20 > r.best_tune_ndcg20))
    return false;
  r.best = std::move(e), r.best_epoch = point.epoch;
  r.best_tune_recall20 = point.tune_recall20, r.best_tune_ndcg20 = point.tune_ndcg20;
  return true;
}

GraphTrainResult TrainGraphModel(const GraphModelConfig& c, const BundleGraphs& g, const GraphTuneMetric& tune,
                                 const GraphProgress& progress) {
  c.Validate();
  g.Validate();
  KeepFreedMemory();
  Parameters p;
  p.user = InitialEmbedding(g.users, c.dim, StreamSeed(c.seed, Stream::kGraphInit, 0));
  p.bundle = InitialEmbedding(g.bundles, c.dim, StreamSeed(c.seed, Stream::kGraphInit, 1));
  std::vector<torch::Tensor> params = {p.user, p.bundle};
  if (HasItemView(c)) p.item = InitialEmbedding(g.items, c.dim, StreamSeed(c.seed, Stream::kGraphInit, 2)), params.push_back(p.item);
  FusedAdam adam(params, c.learning_rate, c.l2, c.threads);
  std::vector<std::vector<int32_t>> taken(g.users);
  for (int64_t e = 0; e < g.user_bundle.size(); ++e) taken[g.user_bundle.a[e]].push_back(g.user_bundle.b[e]);
  for (auto& t : taken) std::sort(t.begin(), t.end());
  const Operators eval_ops = MakeOperators(c, g, false, 0);

  GraphTrainResult r;
  const double propagation_before = PropagationSeconds();
  int64_t stale = 0;
  for (int64_t epoch = 1; epoch <= c.epochs; ++epoch) {
    const Clock::time_point t0 = Clock::now();
    const Operators ops = MakeOperators(c, g, true, StreamSeed(c.seed, Stream::kGraphDropout, epoch));
    const EpochBatches batches = DrawEpoch(g, taken, StreamSeed(c.seed, Stream::kGraphBatches, epoch));
    GraphEpoch point;
    point.epoch = epoch;
    int64_t n_batches = 0;
    const int64_t n = static_cast<int64_t>(batches.user.size());
    for (int64_t begin = 0; begin < n; begin += c.batch, ++n_batches) {
      const int64_t end = std::min(n, begin + c.batch);
      const torch::Tensor users = Slice(batches.user, begin, end), pos = Slice(batches.positive, begin, end),
                          neg = Slice(batches.negative, begin, end);
      const Clock::time_point tf = Clock::now();
      const Views v = Forward(c, g, p, ops);
      r.forward_seconds += Since(tf);
      const Clock::time_point tl = Clock::now();
      const Views batch = Select(v, users, pos, neg);
      const torch::Tensor bpr = BprLoss(PairScores(batch, 0), PairScores(batch, 1));
      torch::Tensor loss = bpr, contrastive;
      if (HasItemView(c) && c.contrastive_weight > 0) {
        const auto unit = F::NormalizeFuncOptions().p(2).dim(1);
        auto info_nce = [&](const torch::Tensor& x, const torch::Tensor& y) {
          return FusedInfoNceLoss(F::normalize(x, unit), F::normalize(y, unit), c.temperature, c.threads);
        };
        const int64_t m = users.size(0);
        contrastive = 0.5 * (info_nce(batch.item_user, batch.bundle_user) +
                             info_nce(batch.item_bundle.slice(0, 0, m), batch.bundle_bundle.slice(0, 0, m)));
        loss = loss + c.contrastive_weight * contrastive;
      }
      r.loss_seconds += Since(tl);
      adam.zero_grad();
      const Clock::time_point tb = Clock::now();
      loss.backward();
      r.backward_seconds += Since(tb);
      const Clock::time_point to = Clock::now();
      adam.step();
      r.optimizer_seconds += Since(to);
      point.loss += loss.item<double>(), point.bpr += bpr.item<double>();
      if (contrastive.defined()) point.contrastive += contrastive.item<double>();
    }
    point.loss /= n_batches, point.bpr /= n_batches, point.contrastive /= n_batches;
    point.seconds = Since(t0);
    r.train_seconds += point.seconds;
    if (!std::isfinite(point.loss))
      Fail("graph model ", c.model, ": the training loss became non-finite at epoch ", epoch, " (lower ",
           c.key_prefix, ".learning_rate, or check ", c.key_prefix, ".l2, .contrastive_weight and .temperature)");
    const bool last = epoch == c.epochs;
    if (tune && (epoch % c.eval_every == 0 || last)) {
      GraphEmbeddings e = Embed(c, g, p, eval_ops);
      std::tie(point.tune_recall20, point.tune_ndcg20) = tune(e);
      stale = KeepIfBetter(r, std::move(e), point) ? 0 : stale + 1;
    }
    r.curve.push_back(point);
    if (progress && point.tune_recall20 >= 0) progress(point);
    if (c.patience > 0 && stale >= c.patience) break;
  }
  if (!tune) r.best = Embed(c, g, p, eval_ops), r.best_epoch = r.curve.back().epoch;
  r.propagation_seconds = PropagationSeconds() - propagation_before;
  return r;
}

void GraphEmbeddings::Scores(const std::vector<int32_t>& list, std::vector<float>& out) const {
  torch::NoGradGuard no_grad;
  std::vector<int64_t> ids(list.begin(), list.end());
  for (int64_t u : ids)
    if (u < 0 || u >= users) Fail("graph embeddings: user ", u, " outside 0..", users - 1);
  const torch::Tensor index = torch::from_blob(ids.data(), {static_cast<int64_t>(ids.size())}, torch::kInt64);
  auto view = [&](const std::vector<float>& v, int64_t rows) {
    return torch::from_blob(const_cast<float*>(v.data()), {rows, dim}, torch::kFloat32);
  };
  torch::Tensor s = torch::matmul(view(bundle_view_user, users).index_select(0, index), view(bundle_view_bundle, bundles).t());
  if (!item_view_user.empty())
    s += torch::matmul(view(item_view_user, users).index_select(0, index), view(item_view_bundle, bundles).t());
  s = s.contiguous();
  out.assign(s.data_ptr<float>(), s.data_ptr<float>() + s.numel());
}

std::vector<float> GraphEmbeddings::UserVector(int32_t u) const {
  std::vector<float> v(bundle_view_user.begin() + u * dim, bundle_view_user.begin() + (u + 1) * dim);
  if (!item_view_user.empty()) v.insert(v.end(), item_view_user.begin() + u * dim, item_view_user.begin() + (u + 1) * dim);
  return v;
}

std::vector<float> GraphEmbeddings::BundleVector(int32_t b) const {
  std::vector<float> v(bundle_view_bundle.begin() + b * dim, bundle_view_bundle.begin() + (b + 1) * dim);
  if (!item_view_bundle.empty())
    v.insert(v.end(), item_view_bundle.begin() + b * dim, item_view_bundle.begin() + (b + 1) * dim);
  return v;
}

}  // namespace bundlerl
