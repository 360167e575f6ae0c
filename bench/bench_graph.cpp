// Benchmark of a CrossCBR-style training epoch on Youshu (both views, edge dropout, BPR plus
// InfoNCE, batches of 2,048 training pairs, 64 dimensions, one layer): seconds per epoch and
// the shares in the sparse products (forward and backward), in backward() as a whole and in
// the Adam step; then, in the same run, one InfoNCE loss at the epoch's shape against its three
// matrix products alone on one thread (the GEMM baseline), and the floor those products put
// under an epoch; and a fingerprint of the trained embeddings (equal fingerprints: bit-identical
// training, for checking that a speed-up keeps the numbers). The data folder is
// $BUNDLERL_DATA/bundles/Youshu or the second argument.
// Usage: bench_graph [epochs=5] [data-folder] [threads=2]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "common/fnv.h"
#include "dataset/importers.h"
#include "graph/graph_model.h"
#include "graph/losses.h"

using namespace bundlerl;

namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <class F>
double MedianSeconds(int reps, F&& f) {
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto start = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return Median(t);
}

// One InfoNCE loss (forward and gradients) on n unit rows of dimension d, and the same three
// products in the loss's 256-row blocks on this thread alone: seconds each (medians).
std::pair<double, double> InfoNceAgainstProducts(int64_t n, int64_t d, double temperature, int threads) {
  torch::manual_seed(1);
  const auto unit = torch::nn::functional::NormalizeFuncOptions().p(2).dim(1);
  const torch::Tensor a0 = torch::nn::functional::normalize(torch::randn({n, d}), unit);
  const torch::Tensor b0 = torch::nn::functional::normalize(torch::randn({n, d}), unit);
  const double loss = MedianSeconds(21, [&] {
    torch::Tensor a = a0.clone().requires_grad_(true), b = b0.clone().requires_grad_(true);
    FusedInfoNceLoss(a, b, temperature, threads).backward();
  });
  torch::NoGradGuard no_grad;
  torch::Tensor s = torch::empty({256, n}), ga = torch::empty({256, d}), gb = torch::empty({n, d});
  const double products = MedianSeconds(21, [&] {
    for (int64_t r0 = 0; r0 < n; r0 += 256) {
      const torch::Tensor rows = a0.slice(0, r0, std::min(n, r0 + 256));
      torch::Tensor block = s.slice(0, 0, rows.size(0)), grad_rows = ga.slice(0, 0, rows.size(0));
      torch::mm_out(block, rows, b0.t());
      torch::mm_out(grad_rows, block, b0);
      gb.addmm_(block.t(), rows);
    }
  });
  return {loss, products};
}

// FNV-1a over the bytes of the trained embeddings: equal fingerprints mean bit-identical
// training, which is how a change to a kernel is checked to keep the numbers it gives.
uint64_t Fingerprint(const GraphEmbeddings& e) {
  uint64_t h = kFnvOffset;
  for (const std::vector<float>* v : {&e.bundle_view_user, &e.bundle_view_bundle, &e.item_view_user,
                                      &e.item_view_bundle, &e.item_view_item})
    h = Fnv1a(v->data(), v->size() * sizeof(float), h);
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t epochs = argc > 1 ? std::atoll(argv[1]) : 5;
  const char* env = std::getenv("BUNDLERL_DATA");
  const std::string dir = argc > 2 ? argv[2] : std::string(env ? env : "../shared/data") + "/bundles/Youshu";
  const int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  if (!std::filesystem::is_directory(dir)) {
    std::printf("bench_graph: skipped, no Youshu folder at %s (set BUNDLERL_DATA)\n", dir.c_str());
    return 0;
  }
  const LoggedDataset data = ImportBundles(dir, "bench_graph");
  const BundleGraphs g = BundleGraphsOf(data, "user_bundle_train");
  GraphModelConfig c;
  c.model = "crosscbr";
  c.epochs = epochs;
  c.threads = threads;
  const GraphTrainResult r = TrainGraphModel(c, g, {});
  const double per_epoch = r.train_seconds / static_cast<double>(epochs);
  const int64_t batches = (g.user_bundle.size() + c.batch - 1) / c.batch;
  std::printf("crosscbr on Youshu: %lld users, %lld bundles, %lld items; %lld user-item, %lld training user-bundle, "
              "%lld bundle-item edges; %lld batches of %lld pairs, dim %lld, %d threads\n",
              static_cast<long long>(g.users), static_cast<long long>(g.bundles), static_cast<long long>(g.items),
              static_cast<long long>(g.user_item.size()), static_cast<long long>(g.user_bundle.size()),
              static_cast<long long>(g.bundle_item.size()), static_cast<long long>(batches),
              static_cast<long long>(c.batch), static_cast<long long>(c.dim), threads);
  std::printf("last epoch's loss %.9g; fingerprint of the trained embeddings %016llx (seed %llu)\n",
              r.curve.back().loss, static_cast<unsigned long long>(Fingerprint(r.best)),
              static_cast<unsigned long long>(c.seed));
  const double t = r.train_seconds;
  std::printf("| epochs | s per epoch | forward propagation | losses (InfoNCE with its gradients) | backward() | Adam step "
              "| of which sparse products (forward and backward) | target |\n|---|---|---|---|---|---|---|---|\n");
  std::printf("| %lld | %.3f | %.0f%% | %.0f%% | %.0f%% | %.0f%% | %.0f%% | <= 0.9 s (half the PyTorch reference's 1.8 s) |\n",
              static_cast<long long>(epochs), per_epoch, 100 * r.forward_seconds / t, 100 * r.loss_seconds / t,
              100 * r.backward_seconds / t, 100 * r.optimizer_seconds / t, 100 * r.propagation_seconds / t);
  // Two InfoNCE losses per batch (users, positive bundles), each three n x n x d products.
  const auto [loss, products] = InfoNceAgainstProducts(c.batch, c.dim, c.temperature, threads);
  const double gflop = 3 * 2.0 * static_cast<double>(c.batch) * c.batch * c.dim * 1e-9;
  std::printf("\n| one InfoNCE loss, %lld x %lld, forward and gradients, %d threads | its three products alone, one "
              "thread (GEMM baseline) | products' rate, one thread | products' floor per epoch, %d threads (%lld "
              "losses) | losses' seconds per epoch (the run above) |\n|---|---|---|---|---|\n",
              static_cast<long long>(c.batch), static_cast<long long>(c.dim), threads, threads,
              static_cast<long long>(2 * batches));
  std::printf("| %.1f ms | %.1f ms | %.1f GFLOP/s | %.3f s | %.3f s |\n", 1e3 * loss, 1e3 * products, gflop / products,
              2 * batches * products / threads, r.loss_seconds / static_cast<double>(epochs));
  return 0;
}
