// Catalog mode on a bundle-ranking dataset (Youshu): the standard protocol of the BGCN /
// CrossCBR line of work (data/bundles/README.md). Train on the train split plus user-item and
// bundle-item; choose on tune; report test; rank every bundle with the user's training
// bundles masked; Recall@20, NDCG@20, Recall@40, NDCG@40, averaged over users with at least
// one test bundle.
// Strategies: popularity (training counts), item-CF aggregated to bundles (co-occurrence of
// items in bundles and user histories), content (IDF-weighted cosine between the user's
// items and the bundle's items), EASE (graph/ease.h: a closed-form bundle-to-bundle model of
// the training pairs, its ridge weight chosen on tune Recall@20, NDCG@20 breaking ties), and a
// learned softmax over every bundle on those kernel scores (LibTorch), whose training epoch is
// chosen on the tune split; and the graph-embedding
// models of graph/graph_model.h (mf-bpr, lightgcn, crosscbr), each over `graph_seeds` seeds
// (mean and standard deviation), with their tune learning curves; and the off-policy
// REINFORCE agent with the top-K correction (graph/topk_reinforce.h) started from one of them,
// ranked by its policy under the same protocol; and optionally seed ensembles of a graph model.
#pragma once

#include <string>
#include <vector>

#include "common/options.h"
#include "graph/graph_model.h"
#include "graph/topk_reinforce.h"

namespace bundlerl {

struct RankingConfig {
  std::string data_dir;   // compare.data: the dataset folder (default $BUNDLERL_DATA/bundles/Youshu)
  uint64_t seed = 1;      // compare.seed
  int64_t epochs = 60;    // ranking.epochs: learned softmax: maximum epochs; the best on tune is kept
  double learning_rate = 0.05;  // ranking.learning_rate
  int threads = 2;        // compare.threads
  // ranking.ease_lambdas: EASE ridge weights tried, the best on tune kept (empty: no EASE).
  std::vector<double> ease_lambdas = {100, 200, 500, 1000, 2000};
  std::vector<std::string> graph_models = {"mf-bpr", "lightgcn", "crosscbr"};  // ranking.graph_models
  int64_t graph_seeds = 1;  // ranking.graph_seeds: seeds seed, seed+1, ... per graph model
  bool graph_ensemble = true;   // ranking.graph_ensemble: also MODEL+kernels (blend chosen on tune)
  bool save_embeddings = true;  // ranking.save_embeddings: OUT/embeddings_MODEL.h5 of the first seed
  // ranking.ensemble_models / ranking.ensemble_size: for each listed graph model, also a row
  // "MODEL xS" whose every replica averages S models of that kind trained with different
  // seeds (and "MODEL xS+kernels", its blend with the kernel score, with graph_ensemble).
  std::vector<std::string> ensemble_models;
  int64_t ensemble_size = 2;
  GraphModelConfig graph;   // graph.*
  std::string reinforce_from = "crosscbr";  // ranking.reinforce_from: the graph model the top-K agent starts from
  TopKReinforceConfig reinforce;            // reinforce.*
  std::string embeddings_dir;  // where to save them (the output folder)
  void Declare(OptionList& options);
  void Validate() const;
  // Members of `model`'s seed ensemble: ensemble_size if it is listed, else 1 (no ensemble).
  int64_t EnsembleSize(const std::string& model) const;
};

struct RankingMetrics {
  double recall20 = 0, ndcg20 = 0, recall40 = 0, ndcg40 = 0;
  int64_t users = 0;
};

struct RankingRow {
  std::string strategy;
  RankingMetrics tune, test;          // means over seeds
  RankingMetrics tune_sd, test_sd;    // standard deviations over seeds (zero for one seed)
  int64_t seeds = 1;
  std::string note;
};

// Tune Recall@20 and NDCG@20 per evaluated epoch of one graph model and seed.
struct RankingCurve {
  std::string strategy;
  uint64_t seed = 0;
  std::vector<int64_t> epoch;
  std::vector<double> recall20, ndcg20;
};

struct RankingResult {
  std::vector<RankingRow> rows;
  std::vector<RankingCurve> curves;
  int64_t users = 0, bundles = 0, items = 0;
  double seconds = 0;
};

RankingResult RunBundleRanking(const RankingConfig& config);

// Recall@K and NDCG@K of one ranked list against a set of relevant bundles (the protocol's
// definitions: recall over all relevant; IDCG from min(K, |relevant|) ideal hits).
void RankingScores(const std::vector<int32_t>& ranked, const std::vector<char>& relevant, int64_t n_relevant,
                   int64_t K, double* recall, double* ndcg);

// The published figures beside ours (transcribed from the papers, marked as published).
struct PublishedRow {
  const char* model;
  const char* source;
  double recall20, ndcg20, recall40, ndcg40;
};
const std::vector<PublishedRow>& PublishedYoushu();

void WriteRankingReport(const RankingResult& result, const std::string& out_dir,
                        const std::string& resolved_config, const std::string& command);

}  // namespace bundlerl
