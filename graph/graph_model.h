// Graph-embedding models of users, bundles and items, trained on the training split of a
// bundle dataset (LibTorch on the CPU), whose vectors become kernels like the others:
//   mf-bpr    one embedding per user and bundle, score <u, b>, BPR loss;
//   lightgcn  the bundle view: LightGCN propagation over the user-bundle graph, BPR;
//   crosscbr  two views in the manner of CrossCBR (Ma et al., KDD 2022): the item view
//             propagates over the user-item graph and represents a bundle by the mean of its
//             items; the bundle view is lightgcn's; score = sum of the two views' dot
//             products; BPR plus an InfoNCE loss that aligns each batch user's (and bundle's)
//             two views.
// Propagation: layer l+1 = A . layer l with A the symmetrically normalised graph; the
// representation is layer 0 plus the L2-normalised later layers, layer l scaled by 1/(l+1)
// before normalising (which the normalisation cancels). Edge dropout redraws the graphs each
// epoch. Negatives: one per training pair, uniform over the bundles the user has not taken.
// Every draw comes from the model's seed (common/random.h, kGraph* streams); the sparse
// products sum in a fixed order, so a seed gives the same embeddings at any thread count up
// to LibTorch's dense kernels.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/options.h"
#include "graph/sparse_graph.h"

namespace bundlerl {

// The graphs of a dataset's training split.
struct BundleGraphs {
  int64_t users = 0, bundles = 0, items = 0;
  EdgeList user_item;    // [users, items]
  EdgeList user_bundle;  // [users, bundles]: the training pairs
  EdgeList bundle_item;  // [bundles, items]
  void Validate() const;
};

struct LoggedDataset;
// A bundle dataset's graphs: its users' item histories, the user-bundle pairs of the named
// interaction table (e.g. user_bundle_train) and the bundles' items.
BundleGraphs BundleGraphsOf(const LoggedDataset& data, const std::string& pairs);

struct GraphModelConfig {
  std::string model = "crosscbr";  // mf-bpr, lightgcn, crosscbr
  int64_t dim = 64;
  int64_t layers = 1;
  int64_t epochs = 100;
  int64_t batch = 2048;
  int64_t eval_every = 5;
  int64_t patience = 6;  // evaluations without a better tune score before stopping; 0: never
  double learning_rate = 1e-3;
  double l2 = 1e-4;
  double contrastive_weight = 0.04;
  double temperature = 0.25;
  double item_dropout = 0.2, bundle_dropout = 0.2, aggregation_dropout = 0.2;
  uint64_t seed = 1;
  int threads = 2;
  // Declares the keys `prefix`.dim, .layers, ... (model, seed and threads are set by the caller).
  void Declare(OptionList& options, const std::string& prefix);
  // Throws Error naming the offending key ("config key 'graph.dim': ...").
  void Validate() const;
  std::string key_prefix = "graph";  // the keys' section, set by Declare
};

// The model names and what each is, for help text.
const std::vector<std::pair<std::string, std::string>>& GraphModelNames();
bool IsGraphModel(const std::string& name);

// Trained vectors, float row-major [n, dim]. A view the model lacks is empty. Scores:
// <item_view_user[u], item_view_bundle[b]> + <bundle_view_user[u], bundle_view_bundle[b]>.
struct GraphEmbeddings {
  std::string model;
  int64_t users = 0, bundles = 0, items = 0, dim = 0;
  std::vector<float> item_view_user, item_view_bundle, item_view_item;
  std::vector<float> bundle_view_user, bundle_view_bundle;
  // out[k * bundles + b] = score of users[k] for bundle b.
  void Scores(const std::vector<int32_t>& users, std::vector<float>& out) const;
  // The user's profile and the bundle's vector in one space: both views concatenated, so that
  // <UserVector(u), BundleVector(b)> is the score.
  std::vector<float> UserVector(int32_t u) const;
  std::vector<float> BundleVector(int32_t b) const;
};

struct GraphEpoch {
  int64_t epoch = 0;
  double loss = 0, bpr = 0, contrastive = 0;  // means over the epoch's batches
  double tune_recall20 = -1, tune_ndcg20 = -1;  // -1: not evaluated this epoch
  double seconds = 0;                            // training time of the epoch
};

struct GraphTrainResult {
  GraphEmbeddings best;  // at best_epoch
  int64_t best_epoch = 0;
  double best_tune_recall20 = 0, best_tune_ndcg20 = 0;
  std::vector<GraphEpoch> curve;
  double train_seconds = 0;       // epochs only, without the evaluations
  double propagation_seconds = 0;  // in sparse products (forward and backward)
  double forward_seconds = 0;      // in the propagation of every node's embeddings (forward)
  double loss_seconds = 0;         // gathering the batch and the losses (the fused InfoNCE forms its gradients here)
  double backward_seconds = 0;     // in loss.backward() (includes the backward sparse products)
  double optimizer_seconds = 0;
};

// Records a tune evaluation: `embeddings` become result.best when nothing is kept yet or when
// tune Recall@20 and NDCG@20 both improve on the best so far (the CrossCBR rule). Returns
// whether they were kept.
bool KeepIfBetter(GraphTrainResult& result, GraphEmbeddings&& embeddings, const GraphEpoch& evaluation);

// Recall@20 and NDCG@20 on the tune split for a set of embeddings.
using GraphTuneMetric = std::function<std::pair<double, double>(const GraphEmbeddings&)>;
// Called after each evaluation (progress reports).
using GraphProgress = std::function<void(const GraphEpoch&)>;

// Trains config.model; keeps the embeddings of the evaluation where tune Recall@20 and
// NDCG@20 both improved last (the CrossCBR rule); stops after `patience` evaluations without
// one. With no tune metric, keeps the last epoch.
GraphTrainResult TrainGraphModel(const GraphModelConfig& config, const BundleGraphs& graphs,
                                 const GraphTuneMetric& tune, const GraphProgress& progress = {});

}  // namespace bundlerl
