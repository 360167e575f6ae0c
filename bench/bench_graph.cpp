// Benchmark of a CrossCBR-style training epoch on Youshu (both views, edge dropout, BPR plus
// InfoNCE, batches of 2,048 training pairs, 64 dimensions, one layer): seconds per epoch and
// the shares in the sparse products (forward and backward), in backward() as a whole and in
// the Adam step. The data folder is $BUNDLERL_DATA/bundles/Youshu or the second argument.
// Usage: bench_graph [epochs=5] [data-folder] [threads=2]
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "dataset/importers.h"
#include "graph/graph_model.h"

using namespace bundlerl;

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
  const double t = r.train_seconds;
  std::printf("| epochs | s per epoch | forward propagation | losses (InfoNCE with its gradients) | backward() | Adam step "
              "| of which sparse products (forward and backward) | target |\n|---|---|---|---|---|---|---|---|\n");
  std::printf("| %lld | %.3f | %.0f%% | %.0f%% | %.0f%% | %.0f%% | %.0f%% | <= 0.9 s (half the PyTorch reference's 1.8 s) |\n",
              static_cast<long long>(epochs), per_epoch, 100 * r.forward_seconds / t, 100 * r.loss_seconds / t,
              100 * r.backward_seconds / t, 100 * r.optimizer_seconds / t, 100 * r.propagation_seconds / t);
  return 0;
}
