// Graph embeddings: the normalised graphs and the sparse propagation against dense
// references, the autograd products and the losses' gradients against finite differences,
// training on a tiny graph with a planted bundle, determinism, the HDF5 round trip, and EASE
// against its per-column ridge regressions.
#include <torch/torch.h>

#include <cmath>
#include <filesystem>

#include "common/error.h"
#include "common/random.h"
#include "graph/adam_kernel.h"
#include "graph/ease.h"
#include "graph/embedding_file.h"
#include "graph/fused_adam.h"
#include "graph/graph_model.h"
#include "graph/losses.h"
#include "graph/propagation.h"
#include "graph/sparse_graph.h"
#include "graph/topk_reinforce.h"
#include "kernels/builder.h"
#include "test_util.h"

using namespace bundlerl;

namespace {

EdgeList RandomEdges(int64_t rows, int64_t cols, int64_t n, uint64_t seed) {
  SplitMix64 rng(seed);
  EdgeList e;
  e.rows = rows, e.cols = cols;
  for (int64_t k = 0; k < n; ++k)
    e.Add(static_cast<int32_t>(rng.Below(rows)), static_cast<int32_t>(rng.Below(cols)));
  e.Deduplicate();
  return e;
}

std::vector<float> RandomMatrix(int64_t rows, int64_t cols, uint64_t seed) {
  SplitMix64 rng(seed);
  std::vector<float> x(rows * cols);
  for (float& v : x) v = static_cast<float>(NormalDraw(rng));
  return x;
}

// Four groups of users, items and bundles; users take the bundles of their group, except that
// user 0 has not taken bundle 2, which the other users of group 0 took.
BundleGraphs PlantedGraphs() {
  BundleGraphs g;
  g.users = 40, g.bundles = 16, g.items = 48;
  g.user_item.rows = g.users, g.user_item.cols = g.items;
  g.user_bundle.rows = g.users, g.user_bundle.cols = g.bundles;
  g.bundle_item.rows = g.bundles, g.bundle_item.cols = g.items;
  for (int32_t b = 0; b < 16; ++b)
    for (int32_t k = 0; k < 3; ++k) g.bundle_item.Add(b, (b / 4) * 12 + (b % 4) * 3 + k);
  for (int32_t u = 0; u < 40; ++u) {
    const int32_t group = u % 4;
    for (int32_t k = 0; k < 12; k += 2) g.user_item.Add(u, group * 12 + (k + u) % 12);
    for (int32_t b = group * 4; b < group * 4 + 4; ++b)
      if (!(u == 0 && b == 2) && (b + u) % 4 != 3) g.user_bundle.Add(u, b);
  }
  g.user_item.Deduplicate();
  g.user_bundle.Deduplicate();
  g.bundle_item.Deduplicate();
  return g;
}

GraphModelConfig SmallConfig(const std::string& model) {
  GraphModelConfig c;
  c.model = model;
  c.dim = 16, c.epochs = 60, c.batch = 32, c.learning_rate = 0.02, c.patience = 0, c.threads = 1;
  return c;
}

int32_t TopUnmasked(const GraphEmbeddings& e, const BundleGraphs& g, int32_t user) {
  std::vector<float> s;
  e.Scores({user}, s);
  for (int64_t k = 0; k < g.user_bundle.size(); ++k)
    if (g.user_bundle.a[k] == user) s[g.user_bundle.b[k]] = -1e30f;
  return static_cast<int32_t>(std::max_element(s.begin(), s.end()) - s.begin());
}

}  // namespace

TEST_CASE("the symmetric normalised bipartite graph equals D^-1/2 A D^-1/2", "[graph]") {
  const EdgeList e = RandomEdges(7, 5, 20, 3);
  const CsrMatrix m = SymmetricBipartite(e);
  const int64_t n = 12;
  std::vector<double> adjacency(n * n, 0.0), degree(n, 0.0);
  for (int64_t k = 0; k < e.size(); ++k) {
    const int64_t a = e.a[k], b = 7 + e.b[k];
    adjacency[a * n + b] = adjacency[b * n + a] = 1;
    degree[a] += 1, degree[b] += 1;
  }
  const std::vector<float> dense = m.Dense();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      const double want = adjacency[i * n + j] ? 1.0 / std::sqrt(degree[i] * degree[j]) : 0.0;
      CHECK(dense[i * n + j] == Approx(want).margin(1e-7));
    }
  // The row mean averages a row's neighbours; dropped edges leave the degrees.
  const std::vector<char> keep = EdgeDropoutMask(e.size(), 0.5, 11);
  const CsrMatrix mean = RowMean(e, keep);
  for (int64_t i = 0; i < 7; ++i) {
    int kept = 0;
    for (int64_t k = 0; k < e.size(); ++k) kept += e.a[k] == i && keep[k];
    double sum = 0;
    for (int64_t p = mean.offsets[i]; p < mean.offsets[i + 1]; ++p) sum += mean.value[p];
    CHECK(sum == Approx(kept ? 1.0 : 0.0));
  }
  CHECK_THROWS_AS(RowMean(e, std::vector<char>(3, 1)), Error);
  EdgeList bad;
  bad.name = "user_bundle_train", bad.rows = 2, bad.cols = 2;
  CHECK_THROWS_WITH(bad.Add(2, 0), Catch::Contains("user_bundle_train: edge (2, 0) outside the 2 x 2 graph"));
}

TEST_CASE("sparse propagation equals the dense product at any thread count", "[graph]") {
  const EdgeList e = RandomEdges(50, 30, 300, 5);
  const CsrMatrix m = SymmetricBipartite(e, EdgeDropoutMask(e.size(), 0.2, 9));
  const int64_t n = m.rows, d = 8;
  const std::vector<float> x = RandomMatrix(n, d, 1), dense = m.Dense();
  std::vector<float> y1(n * d), y2(n * d);
  SparseTimesDense(m, x.data(), d, y1.data(), 1);
  SparseTimesDense(m, x.data(), d, y2.data(), 3);
  CHECK(y1 == y2);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < d; ++k) {
      double want = 0;
      for (int64_t j = 0; j < n; ++j) want += dense[i * n + j] * x[j * d + k];
      CHECK(y1[i * d + k] == Approx(want).margin(1e-5));
    }
  // With a base added (a separate one, and y itself): base + m x, summed from the base.
  const std::vector<float> base = RandomMatrix(n, d, 4);
  std::vector<float> y3(n * d), y4 = base;
  SparseTimesDense(m, x.data(), d, y3.data(), 3, base.data());
  SparseTimesDense(m, x.data(), d, y4.data(), 1, y4.data());
  CHECK(y3 == y4);
  for (int64_t i = 0; i < n * d; ++i) CHECK(y3[i] == Approx(base[i] + y1[i]).margin(1e-5));
  // The transpose of a rectangular matrix.
  const CsrMatrix r = RowMean(e), t = r.Transposed();
  const std::vector<float> rd = r.Dense(), td = t.Dense();
  for (int64_t i = 0; i < r.rows; ++i)
    for (int64_t j = 0; j < r.cols; ++j) CHECK(rd[i * r.cols + j] == td[j * r.rows + i]);
}

TEST_CASE("the propagation's gradient is the transposed product", "[graph]") {
  const EdgeList e = RandomEdges(20, 15, 80, 7);
  const auto op = SparseOperator::Make(RowMean(e), 2);
  const std::vector<float> xv = RandomMatrix(15, 4, 2), wv = RandomMatrix(20, 4, 3);
  torch::Tensor x = torch::from_blob(const_cast<float*>(xv.data()), {15, 4}).clone().requires_grad_(true);
  const torch::Tensor w = torch::from_blob(const_cast<float*>(wv.data()), {20, 4}).clone();
  (Propagate(op, x) * w).sum().backward();
  const torch::Tensor dense = torch::from_blob(const_cast<float*>(op->forward.Dense().data()), {20, 15}).clone();
  const torch::Tensor want = torch::matmul(dense.t(), w);
  CHECK(torch::allclose(x.grad(), want, 1e-5, 1e-6));
  CHECK_THROWS_AS(Propagate(op, torch::zeros({14, 4})), Error);
}

TEST_CASE("the fused layered propagation equals its composition from LibTorch operations", "[graph]") {
  const EdgeList e = RandomEdges(30, 20, 120, 13);
  EdgeList with_isolated = e;  // node 29 of A and node 19 of B may have no edges: zero rows
  const auto op = SparseOperator::Make(SymmetricBipartite(with_isolated), 2);
  const std::vector<float> xv = RandomMatrix(50, 6, 4), wv = RandomMatrix(50, 6, 5);
  const torch::Tensor w = torch::from_blob(const_cast<float*>(wv.data()), {50, 6}).clone();
  for (int64_t layers : {1, 2, 3}) {
    INFO(layers << " layers");
    torch::Tensor x1 = torch::from_blob(const_cast<float*>(xv.data()), {50, 6}).clone().requires_grad_(true);
    torch::Tensor x2 = x1.detach().clone().requires_grad_(true);
    const torch::Tensor fused = LayeredPropagate(op, x1, layers);
    torch::Tensor composed = x2, f = x2;
    for (int64_t l = 0; l < layers; ++l) {
      f = Propagate(op, f) / static_cast<double>(l + 2);
      composed = composed + torch::nn::functional::normalize(f, torch::nn::functional::NormalizeFuncOptions().p(2).dim(1));
    }
    CHECK(torch::allclose(fused, composed, 1e-5, 1e-6));
    (fused * w).sum().backward();
    (composed * w).sum().backward();
    CHECK(torch::allclose(x1.grad(), x2.grad(), 1e-4, 1e-5));
  }
  CHECK(LayeredPropagate(op, torch::ones({50, 6}), 0).equal(torch::ones({50, 6})));
}

TEST_CASE("BPR and InfoNCE gradients match finite differences", "[graph]") {
  torch::manual_seed(3);
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  auto check = [&](const std::function<torch::Tensor(const torch::Tensor&)>& loss, torch::Tensor x) {
    x = x.detach().clone().requires_grad_(true);
    loss(x).backward();
    const torch::Tensor g = x.grad().clone();
    torch::NoGradGuard no_grad;
    const double h = 1e-6;
    auto flat = x.view({-1});
    for (int64_t i = 0; i < flat.numel(); ++i) {
      const double keep = flat[i].item<double>();
      flat[i] = keep + h;
      const double up = loss(x).item<double>();
      flat[i] = keep - h;
      const double down = loss(x).item<double>();
      flat[i] = keep;
      CHECK(g.view({-1})[i].item<double>() == Approx((up - down) / (2 * h)).margin(1e-7));
    }
  };
  const torch::Tensor neg = torch::randn({6}, opts);
  check([&](const torch::Tensor& pos) { return BprLoss(pos, neg); }, torch::randn({6}, opts));
  // BPR's closed form: d/dpos mean softplus(neg - pos) = -sigmoid(neg - pos) / n.
  torch::Tensor pos = torch::randn({6}, opts).requires_grad_(true);
  BprLoss(pos, neg).backward();
  CHECK(torch::allclose(pos.grad(), -torch::sigmoid(neg - pos.detach()) / 6.0));
  const torch::Tensor b = torch::randn({5, 3}, opts);
  check([&](const torch::Tensor& a) { return InfoNceLoss(a, b, 0.25); }, torch::randn({5, 3}, opts));
  check([&](const torch::Tensor& a) { return InfoNceLoss(b, a, 0.5); }, torch::randn({5, 3}, opts));
  // The fused InfoNCE (unit rows, float, blocks of 256 rows in up to 8 groups) equals the
  // composed one, with and without the max shift (1/t above 40), and gives the same bits on one
  // thread and on three.
  for (const auto& [n, temperature] : std::vector<std::pair<int64_t, double>>{{5, 0.25}, {300, 0.25}, {600, 0.02}, {2100, 0.25}}) {
    INFO("n = " << n << ", t = " << temperature);
    const auto unit = torch::nn::functional::NormalizeFuncOptions().p(2).dim(1);
    const torch::Tensor a0 = torch::randn({n, 8}), b0 = torch::randn({n, 8});
    torch::Tensor a2 = a0.clone().requires_grad_(true), b2 = b0.clone().requires_grad_(true);
    const torch::Tensor plain = InfoNceLoss(a2, b2, temperature);
    (3.0 * plain).backward();
    std::vector<torch::Tensor> by_threads;
    for (int threads : {1, 3}) {
      torch::Tensor a1 = a0.clone().requires_grad_(true), b1 = b0.clone().requires_grad_(true);
      const torch::Tensor fused = FusedInfoNceLoss(torch::nn::functional::normalize(a1, unit),
                                                   torch::nn::functional::normalize(b1, unit), temperature, threads);
      CHECK(fused.item<double>() == Approx(plain.item<double>()).epsilon(1e-5));
      (3.0 * fused).backward();
      CHECK(torch::allclose(a1.grad(), a2.grad(), 1e-4, 1e-6));
      CHECK(torch::allclose(b1.grad(), b2.grad(), 1e-4, 1e-6));
      by_threads.push_back(torch::cat({fused.detach().reshape({1, 1}).expand({1, 8}), a1.grad(), b1.grad()}));
    }
    CHECK(torch::equal(by_threads[0], by_threads[1]));
  }
  CHECK_THROWS_WITH(FusedInfoNceLoss(torch::zeros({0, 8}), torch::zeros({0, 8}), 0.25),
                    Catch::Contains("InfoNCE: expected two float [n, d] views"));
  CHECK_THROWS_AS(FusedInfoNceLoss(torch::zeros({3, 8}), torch::zeros({4, 8}), 0.25), Error);
  CHECK_THROWS_WITH(FusedInfoNceLoss(torch::ones({3, 8}), torch::ones({3, 8}), 0.0),
                    Catch::Contains("InfoNCE: temperature = 0"));
  // InfoNCE of identical unit views with a tiny temperature: every row picks itself.
  const torch::Tensor eye = torch::eye(4, opts);
  CHECK(InfoNceLoss(eye, eye, 0.01).item<double>() == Approx(0.0).margin(1e-10));
  CHECK(InfoNceLoss(eye, eye, 1.0).item<double>() == Approx(-std::log(std::exp(1.0) / (std::exp(1.0) + 3))));
}

TEST_CASE("every graph model ranks the planted bundle first", "[graph]") {
  const BundleGraphs g = PlantedGraphs();
  for (const auto& [name, what] : GraphModelNames()) {
    INFO(name);
    const GraphTrainResult r = TrainGraphModel(SmallConfig(name), g, {});
    CHECK(r.curve.size() == 60);
    CHECK(r.curve.back().bpr < r.curve.front().bpr);
    CHECK(TopUnmasked(r.best, g, 0) == 2);
  }
}

TEST_CASE("graph training is seeded and keeps the best tune evaluation", "[graph]") {
  const BundleGraphs g = PlantedGraphs();
  GraphModelConfig c = SmallConfig("crosscbr");
  c.epochs = 12, c.eval_every = 3;
  const GraphTrainResult a = TrainGraphModel(c, g, {}), b = TrainGraphModel(c, g, {});
  CHECK(a.best.item_view_user == b.best.item_view_user);
  CHECK(a.best.bundle_view_bundle == b.best.bundle_view_bundle);
  // The same bits on three threads (the sparse products and layer loops split over them; this
  // graph's batches are one InfoNCE block and its tables one Adam task: see the InfoNCE test).
  c.threads = 3;
  const GraphTrainResult three = TrainGraphModel(c, g, {});
  CHECK(three.best.item_view_user == a.best.item_view_user);
  CHECK(three.best.bundle_view_bundle == a.best.bundle_view_bundle);
  c.threads = 1;
  c.seed = 2;
  CHECK(TrainGraphModel(c, g, {}).best.bundle_view_bundle != a.best.bundle_view_bundle);
  // A tune metric that peaks at the second evaluation: that one is kept, and patience stops.
  int calls = 0;
  c.patience = 2;
  const GraphTrainResult t = TrainGraphModel(c, g, [&](const GraphEmbeddings&) {
    ++calls;
    return calls == 2 ? std::pair{0.9, 0.9} : std::pair{0.1 * calls, 0.1 * calls};
  });
  CHECK(t.best_epoch == 6);
  CHECK(calls == 4);
  CHECK(t.curve.size() == 12);
  c.model = "nope";
  CHECK_THROWS_AS(TrainGraphModel(c, g, {}), Error);
}

TEST_CASE("graph embeddings saved and loaded give identical scores", "[graph]") {
  const BundleGraphs g = PlantedGraphs();
  GraphModelConfig c = SmallConfig("crosscbr");
  c.epochs = 3;
  const GraphEmbeddings e = TrainGraphModel(c, g, {}).best;
  const testing::TempDir tmp;
  const std::string path = tmp.path() + "/embeddings.h5";
  SaveGraphEmbeddings(e, path);
  const GraphEmbeddings back = LoadGraphEmbeddings(path);
  std::vector<float> s1, s2;
  const std::vector<int32_t> users = {0, 5, 39};
  e.Scores(users, s1);
  back.Scores(users, s2);
  CHECK(s1 == s2);
  CHECK(back.model == "crosscbr");
  // The kernels: cosine over the item vectors and over the bundles' concatenated views.
  const auto items = ItemSimilarityFromEmbeddings(back);
  CHECK(items->num_items() == 48);
  CHECK(items->Pair(0, 0) == Approx(1.0));
  const auto bundles = BundleSimilarityFromEmbeddings(back);
  CHECK(bundles->num_items() == 16);
  // The file as a registered kernel spec (graph:FILE), for a dataset of the same catalog:
  // the same similarities as the item kernel above.
  LoggedDataset catalog;
  catalog.items.n = 48;
  const auto spec = BuildSimilarity(catalog, "graph:" + path);
  for (int32_t i : {0, 7, 47})
    for (int32_t j : {1, 30}) CHECK(spec->Pair(i, j) == items->Pair(i, j));
  catalog.items.n = 49;
  CHECK_THROWS_WITH(BuildSimilarity(catalog, "graph:" + path),
                    Catch::Contains("holds vectors of 48 items, the dataset has 49"));
  CHECK_THROWS_WITH(BuildSimilarity(catalog, "graph"), Catch::Contains("name the embeddings file"));
  std::filesystem::remove(path);
  CHECK_THROWS_AS(LoadGraphEmbeddings(path), Error);
}

TEST_CASE("the top-K multiplier is the derivative of the chance to be in a slate of K", "[graph]") {
  for (int64_t k : {1, 2, 5, 20})
    for (double pi : {0.001, 0.05, 0.3, 0.9}) {
      const double h = 1e-7;
      auto in_slate = [&](double p) { return 1.0 - std::pow(1.0 - p, static_cast<double>(k)); };
      CHECK(TopKMultiplier(pi, k) == Approx((in_slate(pi + h) - in_slate(pi - h)) / (2 * h)).epsilon(1e-5).margin(1e-8));
    }
  CHECK(TopKMultiplier(0.4, 1) == 1.0);
}

TEST_CASE("top-K REINFORCE from a graph model keeps the planted bundle first and is seeded", "[graph]") {
  const BundleGraphs g = PlantedGraphs();
  const GraphEmbeddings start = TrainGraphModel(SmallConfig("crosscbr"), g, {}).best;
  TopKReinforceConfig c;
  c.epochs = 20, c.batch = 16, c.slate_size = 3, c.learning_rate = 0.01;
  const GraphTrainResult a = TrainTopKReinforce(c, g, start, {}), b = TrainTopKReinforce(c, g, start, {});
  CHECK(a.curve.size() == 20);
  CHECK(a.best.bundle_view_user == b.best.bundle_view_user);
  CHECK(TopUnmasked(a.best, g, 0) == 2);
  // The behaviour head learns the log: its negative log-likelihood falls.
  CHECK(a.curve.back().bpr < a.curve.front().bpr);
  // Starting scores: the policy's first ranking is the graph model's.
  std::vector<float> s0, s1;
  start.Scores({0, 7}, s0);
  c.epochs = 1, c.learning_rate = 1e-12, c.behaviour_learning_rate = 1e-12;
  TrainTopKReinforce(c, g, start, {}).best.Scores({0, 7}, s1);
  for (size_t i = 0; i < s0.size(); ++i) CHECK(s1[i] == Approx(s0[i]).margin(1e-4));
}

TEST_CASE("the fused Adam equals LibTorch's Adam with weight decay", "[graph]") {
  torch::manual_seed(5);
  torch::Tensor a = torch::randn({300, 7}).requires_grad_(true), b = torch::randn({11}).requires_grad_(true);
  torch::Tensor c = torch::randn({5}).requires_grad_(true);
  torch::Tensor a2 = a.detach().clone().requires_grad_(true), b2 = b.detach().clone().requires_grad_(true);
  torch::Tensor c2 = c.detach().clone().requires_grad_(true);
  FusedAdam fused({a, b, c}, 0.01, 1e-3, 2);
  torch::optim::Adam reference({a2, b2, c2}, torch::optim::AdamOptions(0.01).weight_decay(1e-3));
  auto loss = [](const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& z, const torch::Tensor& target,
                 int step) {
    // Every third step y is out of the loss: the fused Adam sees no gradient, LibTorch's a
    // zeroed one (zeroed by hand below: its zero_grad() clears to none from LibTorch 2.0), and
    // both must move y by its momentum alone. z joins at step 5: both leave it alone until then.
    torch::Tensor l = (x - target).pow(2).sum();
    if (step % 3 != 2) l = l + y.sin().sum();
    if (step >= 5) l = l + z.cos().sum();
    return l;
  };
  for (int step = 0; step < 20; ++step) {
    const torch::Tensor target = torch::randn({300, 7});
    fused.zero_grad();
    loss(a, b, c, target, step).backward();
    fused.step();
    for (torch::Tensor* t : {&a2, &b2, &c2})
      if (t->grad().defined()) t->mutable_grad().zero_();
    loss(a2, b2, c2, target, step).backward();
    reference.step();
    if (step == 4) CHECK(torch::equal(c, c2));  // untouched so far
  }
  CHECK(torch::allclose(a, a2, 1e-5, 1e-6));
  CHECK(torch::allclose(b, b2, 1e-5, 1e-6));
  CHECK(torch::allclose(c, c2, 1e-5, 1e-6));
}

TEST_CASE("the Adam loop gives the bits of its scalar formula, with and without a gradient", "[graph]") {
  // The loop is vectorised (graph/adam_kernel.cpp); vector square roots and quotients round as
  // scalar ones do, so every value must equal the formula evaluated one value at a time.
  // 1,003 values: whole vectors and a tail.
  const AdamConstants c{0.9f, 0.999f, 1e-3f, 1e-8f, 0.01f / 0.19f, 0.0447f};
  SplitMix64 rng(11);
  const int64_t n = 1003;
  std::vector<float> p(n), m(n), v(n), g(n);
  for (int64_t i = 0; i < n; ++i)
    p[i] = static_cast<float>(rng.Uniform() - 0.5), m[i] = static_cast<float>(rng.Uniform() - 0.5) * 1e-2f,
    v[i] = static_cast<float>(rng.Uniform()) * 1e-4f, g[i] = static_cast<float>(rng.Uniform() - 0.5);
  for (const bool with_gradient : {true, false}) {
    std::vector<float> p2 = p, m2 = m, v2 = v;
    AdamUpdate(c, p2.data(), m2.data(), v2.data(), with_gradient ? g.data() : nullptr, 0, n);
    int64_t equal = 0;
    for (int64_t i = 0; i < n; ++i) {
      const float grad = (with_gradient ? g[i] : 0.0f) + c.wd * p[i];
      const float mi = c.b1 * m[i] + (1 - c.b1) * grad;
      const float vi = c.b2 * v[i] + (1 - c.b2) * grad * grad;
      const float pi = p[i] - c.lr_over_bc1 * mi / (std::sqrt(vi) / c.root_bc2 + c.eps);
      equal += p2[i] == pi && m2[i] == mi && v2[i] == vi;
    }
    CHECK(equal == n);
  }
}

TEST_CASE("EASE equals a ridge regression of each column on the others", "[graph]") {
  // Column b of W solves min ||X_b - X_{-b} w||^2 + lambda ||w||^2 over the other columns
  // (the zero-diagonal constraint, by leaving b out): an independent route to each column.
  const int64_t users = 40, n = 9;
  const double lambda = 3.5;
  SplitMix64 rng(17);
  std::vector<std::vector<int32_t>> rows(users);
  torch::Tensor X = torch::zeros({users, n}, torch::kFloat64);
  for (int64_t u = 0; u < users; ++u)
    for (int32_t j = 0; j < n; ++j)
      if (rng.Below(3) == 0) rows[u].push_back(j), X[u][j] = 1.0;
  const EaseModel m = FitEase(rows, n, lambda);
  REQUIRE(m.n == n);
  double worst = 0;
  for (int64_t b = 0; b < n; ++b) {
    std::vector<int64_t> others;
    for (int64_t j = 0; j < n; ++j)
      if (j != b) others.push_back(j);
    const torch::Tensor A = X.index_select(1, torch::tensor(others));
    const torch::Tensor w = torch::linalg_solve(A.t().mm(A) + lambda * torch::eye(n - 1, torch::kFloat64),
                                                A.t().mv(X.select(1, b)));
    CHECK(m.weight[b * n + b] == 0.0f);
    for (int64_t k = 0; k < n - 1; ++k)
      worst = std::max(worst, std::abs(m.weight[others[k] * n + b] - w[k].item<double>()));
  }
  CHECK(worst < 1e-6);
  // A user's scores: the sum of the rows of W over the user's items.
  REQUIRE(rows[0].size() >= 2);
  std::vector<float> out(n);
  m.Score(rows[0].data(), static_cast<int64_t>(rows[0].size()), out.data());
  for (int64_t b = 0; b < n; ++b) {
    double expected = 0;
    for (int32_t j : rows[0]) expected += m.weight[j * n + b];
    CHECK(out[b] == Approx(expected).margin(1e-6));
  }
}

TEST_CASE("EASE rejects bad input by name", "[graph]") {
  const std::vector<std::vector<int32_t>> ok = {{0, 1}, {1, 2}};
  CHECK_THROWS_WITH(FitEase(ok, 3, 0.0), Catch::Contains("lambda must be a positive number"));
  CHECK_THROWS_WITH(FitEase(ok, 3, std::nan("")), Catch::Contains("lambda"));
  CHECK_THROWS_WITH(FitEase(ok, 0, 1.0), Catch::Contains("0 items"));
  CHECK_THROWS_WITH(FitEase(ok, 20001, 1.0), Catch::Contains("expected 1 to 20000"));
  CHECK_THROWS_WITH(FitEase({{0, 1}, {2, 3}}, 3, 1.0), Catch::Contains("row 1 lists item 3, outside [0, 3)"));
  CHECK_THROWS_WITH(FitEase({{0, 1, 0}}, 3, 1.0), Catch::Contains("row 0 lists item 0 twice"));
}
