// Benchmark of the top-N similarity kernels on Youshu's catalog (32,770 items):
//   * co-occurrence (Jaccard over the bundles): import, count matrix, top-N from the stored
//     counts (and, with --generic, the generic blocked path it replaces);
//   * dense cosine over random Gaussian embeddings of the same number of items (dimension
//     --dim): the blocked GEMM top-N, next to the same product by plain Eigen GEMM timed in
//     the same process (the same tiles alone, and whole 128 x M row blocks), as
//     GFLOP/s = 2 M^2 d / time and the share of the faster GEMM's rate reached.
// Times are best of --repeat. Without the data the co-occurrence part is skipped with a message.
// Usage: bench_kernels [--data DIR] [--top 10] [--dim 64] [--threads 2] [--repeat 3] [--generic]
//   DIR defaults to $BUNDLERL_DATA/bundles/Youshu, else ../shared/data/bundles/Youshu.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "common/executor.h"
#include "dataset/importers.h"
#include "kernels/similarity.h"

using namespace bundlerl;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  std::string data;
  int64_t top = 10, dim = 64, items = 0;  // items 0: Youshu's count (32,770 without the data)
  int threads = 2, repeat = 3;
  bool generic = false;
};

Args Parse(int argc, char** argv) {
  Args a;
  const char* env = std::getenv("BUNDLERL_DATA");
  a.data = std::string(env && *env ? env : "../shared/data") + "/bundles/Youshu";
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (k == "--data") a.data = next();
    else if (k == "--top") a.top = std::atoll(next().c_str());
    else if (k == "--dim") a.dim = std::atoll(next().c_str());
    else if (k == "--items") a.items = std::atoll(next().c_str());
    else if (k == "--threads") a.threads = std::atoi(next().c_str());
    else if (k == "--repeat") a.repeat = std::max(1, std::atoi(next().c_str()));
    else if (k == "--generic") a.generic = true;
    else {
      std::fprintf(stderr, "bench_kernels: unknown argument %s\n", k.c_str());
      std::exit(2);
    }
  }
  return a;
}

// CPU seconds of the process's best run in the last Best() (all threads): under load from
// other processes the wall time grows, this much less.
double last_cpu = 0;

// Best wall time of `repeat` calls of f, in seconds.
double Best(int repeat, const std::function<void()>& f) {
  double best = 1e300;
  for (int r = 0; r < repeat; ++r) {
    const std::clock_t c0 = std::clock();
    const auto t0 = Clock::now();
    f();
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    if (wall < best) best = wall, last_cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
  }
  return best;
}

bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Co-occurrence top-N on the Youshu bundles; returns the number of items (0 without data).
int64_t BenchCooccurrence(const Args& a) {
  if (!IsDir(a.data)) {
    std::printf("co-occurrence: no Youshu data at %s (set BUNDLERL_DATA or --data); skipped\n", a.data.c_str());
    return 0;
  }
  LoggedDataset d;
  const double t_import = Best(1, [&] { d = ImportBundles(a.data, "bench_kernels"); });
  const auto& b = d.bundles.items;
  std::unique_ptr<CooccurrenceSimilarity> co;
  const double c_import = last_cpu;
  const double t_build = Best(a.repeat, [&] {
    co = std::make_unique<CooccurrenceSimilarity>(d.items.n, b.offsets, b.values,
                                                  CooccurrenceSimilarity::Measure::kJaccard, a.threads);
  });
  const double c_build = last_cpu;
  Neighbours nb;
  const double t_top = Best(a.repeat, [&] { nb = TopNeighbours(*co, a.top, a.threads); });
  const double c_top = last_cpu;
  std::printf("co-occurrence (jaccard over %lld bundles), %lld items, top %lld, %d threads:\n",
              static_cast<long long>(b.rows()), static_cast<long long>(d.items.n), static_cast<long long>(a.top),
              a.threads);
  std::printf("  import (text files)      %8.3f s wall %8.3f s CPU\n", t_import, c_import);
  std::printf("  count matrix             %8.3f s wall %8.3f s CPU\n", t_build, c_build);
  std::printf("  top-N (stored counts)    %8.3f s wall %8.3f s CPU\n", t_top, c_top);
  if (a.generic) {
    Neighbours g;
    const double t_gen = Best(1, [&] { g = BlockedTopNeighbours(*co, a.top, a.threads); });
    std::printf("  top-N (generic blocked)  %8.3f s  (%s)\n", t_gen,
                g.index == nb.index && g.score == nb.score ? "identical" : "DIFFERENT");
  }
  return d.items.n;
}

// The dense top-N's GEMM tiles alone (same shapes, same threads), for the throughput reference.
void GemmTilesOnly(const Eigen::MatrixXd& V, int threads, int64_t block_rows, double& sink) {
  const int64_t M = V.rows(), tile_cols = CosineSimilarity::kDenseColumnTile;
  std::vector<std::vector<double>> tiles(threads, std::vector<double>(tile_cols * block_rows));
  std::vector<double> sums(threads, 0.0);
  ParallelFor(threads, (M + block_rows - 1) / block_rows, [&](int t, int64_t blk) {
    const int64_t b = blk * block_rows, rows = std::min(M, b + block_rows) - b;
    for (int64_t c0 = 0; c0 < M; c0 += tile_cols) {
      const int64_t cols = std::min(M - c0, tile_cols);
      Eigen::Map<Eigen::MatrixXd> S(tiles[t].data(), cols, rows);
      S.noalias() = V.middleRows(c0, cols) * V.middleRows(b, rows).transpose();
      sums[t] += S(0, 0);
    }
  });
  for (double s : sums) sink += s;
}

// The same product as whole row blocks against every item (block_rows x M outputs per GEMM
// call, the shape of the generic path's Block()): a second throughput reference.
void GemmRowBlocks(const Eigen::MatrixXd& V, int threads, int64_t block_rows, double& sink) {
  const int64_t M = V.rows();
  std::vector<Eigen::MatrixXd> out(threads);
  std::vector<double> sums(threads, 0.0);
  ParallelFor(threads, (M + block_rows - 1) / block_rows, [&](int t, int64_t blk) {
    const int64_t b = blk * block_rows, rows = std::min(M, b + block_rows) - b;
    out[t].noalias() = V * V.middleRows(b, rows).transpose();
    sums[t] += out[t](0, 0);
  });
  for (double s : sums) sink += s;
}

void BenchDense(const Args& a, int64_t M) {
  const int64_t d = a.dim, block_rows = 128;
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd V(M, d);
  for (int64_t j = 0; j < d; ++j)
    for (int64_t i = 0; i < M; ++i) V(i, j) = normal(rng);
  const CosineSimilarity sim(V);
  const Eigen::MatrixXd& U = sim.dense_vectors();
  double sink = 0;
  Neighbours nb;
  const double flops = 2.0 * static_cast<double>(M) * static_cast<double>(M) * static_cast<double>(d);
  // Interleaved, so that load from other processes falls on both alike.
  double t_tiles = 1e300, t_blocks = 1e300, t_top = 1e300;
  for (int r = 0; r < a.repeat; ++r) {
    t_tiles = std::min(t_tiles, Best(1, [&] { GemmTilesOnly(U, a.threads, block_rows, sink); }));
    t_blocks = std::min(t_blocks, Best(1, [&] { GemmRowBlocks(U, a.threads, block_rows, sink); }));
    t_top = std::min(t_top, Best(1, [&] { nb = TopNeighbours(sim, a.top, a.threads, block_rows); }));
  }
  const double t_gemm = std::min(t_tiles, t_blocks);  // the faster reference
  std::printf("dense cosine top-%lld: %lld items x %lld dims (double), %d threads:\n",
              static_cast<long long>(a.top), static_cast<long long>(M), static_cast<long long>(d), a.threads);
  std::printf("  GEMM tiles alone         %8.3f s  %7.2f GFLOP/s\n", t_tiles, flops / t_tiles * 1e-9);
  std::printf("  GEMM 128 x M row blocks  %8.3f s  %7.2f GFLOP/s\n", t_blocks, flops / t_blocks * 1e-9);
  std::printf("  top-N (GEMM + selection) %8.3f s  %7.2f GFLOP/s  = %.1f%% of the faster GEMM\n", t_top,
              flops / t_top * 1e-9, 100.0 * t_gemm / t_top);
  if (sink == 12345.678) std::printf(" ");
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = Parse(argc, argv);
  int64_t M = BenchCooccurrence(a);
  if (a.items > 0) M = a.items;
  if (M == 0) M = 32770;
  BenchDense(a, M);
  return 0;
}
