// Catalog mode on a bundle-ranking dataset (Youshu): the standard protocol of the BGCN /
// CrossCBR line of work (data/bundles/README.md). Train on the train split plus user-item and
// bundle-item; choose on tune; report test; rank every bundle with the user's training
// bundles masked; Recall@20, NDCG@20, Recall@40, NDCG@40, averaged over users with at least
// one test bundle.
// Strategies: popularity (training counts), item-CF aggregated to bundles (co-occurrence of
// items in bundles and user histories), content (IDF-weighted cosine between the user's
// items and the bundle's items), and a learned softmax over every bundle on those kernel
// scores (LibTorch), whose training epoch is chosen on the tune split.
#pragma once

#include <string>
#include <vector>

#include "common/options.h"

namespace bundlerl {

struct RankingConfig {
  std::string data_dir;   // compare.data: the dataset folder (default $BUNDLERL_DATA/bundles/Youshu)
  uint64_t seed = 1;      // compare.seed
  int64_t epochs = 60;    // ranking.epochs: learned softmax: maximum epochs; the best on tune is kept
  double learning_rate = 0.05;  // ranking.learning_rate
  int threads = 2;        // compare.threads
  void Declare(OptionList& options);
};

struct RankingMetrics {
  double recall20 = 0, ndcg20 = 0, recall40 = 0, ndcg40 = 0;
  int64_t users = 0;
};

struct RankingRow {
  std::string strategy;
  RankingMetrics tune, test;
  std::string note;
};

struct RankingResult {
  std::vector<RankingRow> rows;
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
