// Learned bundle completion for the `amazon` comparison (harness/bundle_completion.h): given
// one item, rank the catalog's items by how likely they complete its bundle. Most items of
// later sessions never occur in earlier ones, so the learned part generalises through the
// items' content: each (query, candidate) pair is described by title TF-IDF and character
// n-gram cosines, brand (first title word), category overlap, a few products of these, and
// what the training bundles teach: category-pair and title-token-pair affinities,
// co-bundled counts, and the cosine of the items' intent vectors (kernels/intent.h: their
// title-and-category TF-IDF mapped to the words of the training bundles' intents)
// (kCompletionFeatureNames). Candidates are the query's nearest items by title TF-IDF, or
// (CompletionPool::kTitleAndCategory) by the sum of two cosines: TF-IDF over the title's
// words with the category paths' words, and the title's character n-grams, or
// (kTitleCategoryAndIntent) by that sum plus the intent cosine; they are re-ranked by a
// linear score. Popularity and "seen before" are left out on purpose: the catalog holds the
// later sessions' items too, so "never seen in training" would point at the test bundles.
// Two learners fit the weights on the training bundles only (query item -> the other items
// of its bundle), both as a softmax over the query's candidates:
//   listwise:  maximum likelihood of the bundle's other items (the softmax cross-entropy
//              towards the uniform distribution over them), plain SGD;
//   reinforce: a policy-gradient agent; per query it samples items from the softmax policy,
//              reward 1 when the sampled item is in the bundle, and follows
//              (r - mean r of the query's samples) grad log pi (REINFORCE with a baseline).
// Training pairs' counted features leave out their own session's bundles, and their intent
// vectors are cross-fitted: a training session's pairs use the vectors fitted without the
// bundles of its fold of sessions (kIntentFolds), as a later session's query has never had
// its own bundle's intent seen.
// Both are seeded (the visiting order of the queries; the agent's samples) and repeatable.
#pragma once

#include <cstdint>
#include <memory>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <Eigen/Dense>

#include "dataset/dataset.h"
#include "kernels/intent.h"
#include "kernels/similarity.h"

namespace bundlerl {

// Pair features, in this order (kCompletionFeatureNames).
inline constexpr int kNumCompletionFeatures = 20;
extern const char* const kCompletionFeatureNames[kNumCompletionFeatures];

using CompletionMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
inline constexpr int kTitleFeature = 0;    // "title tfidf cosine"
inline constexpr int kIntentFeature = 18;  // "intent cosine"

// A training or evaluation query: the given item and the bundle it comes from.
struct CompletionQuery {
  int32_t item = 0;
  std::vector<int32_t> bundle;  // all the bundle's items, the given one included
  int64_t session = -1;         // its session (a row of the SessionTable)
  int32_t bundle_id = -1;
};

// The queries of the bundles annotated in sessions [begin, end) of `order`: one per bundle
// item with at least one other item in its bundle.
std::vector<CompletionQuery> CompletionQueries(const SessionTable& sessions, const BundleTable& bundles,
                                               const std::vector<int64_t>& order, int64_t begin, int64_t end);

// Where a query's candidates come from: the items nearest the given one by title TF-IDF
// cosine ("title"), by the sum of the title-and-category TF-IDF cosine and the character
// n-gram cosine ("title+category"), or by that sum plus the intent cosine
// ("title+category+intent").
enum class CompletionPool { kTitle, kTitleAndCategory, kTitleCategoryAndIntent };
CompletionPool ParseCompletionPool(const std::string& name);  // throws naming the key's values

// Training sessions' folds for the cross-fitted intent vectors: session s is in fold s % 5.
inline constexpr int kIntentFolds = 5;

// Content kernels over the whole catalog (titles and category paths, as the `content`
// strategy uses them), the counts over the training queries' bundles, and the intent vectors
// fitted on those bundles' intents (`bundles`: the table the queries' bundle ids index).
class CompletionFeatures {
 public:
  CompletionFeatures(const ItemTable& items, const BundleTable& bundles, const std::vector<CompletionQuery>& training,
                     CompletionPool pool, const IntentConfig& intent = {});
  // The `k` items nearest `item` in the pool's score (itself excluded), ties by index; with
  // `leave_out_own_session` the intent vectors are the query's fold's (see above).
  std::vector<int32_t> Candidates(int32_t item, int64_t k) const;
  std::vector<int32_t> Candidates(const CompletionQuery& query, int64_t k, bool leave_out_own_session) const;
  // out[c * kNumCompletionFeatures + f]: feature f of (query.item, candidates[c]). With
  // `leave_out_own_session` the counted features ignore every bundle of query.session (a
  // training pair must not see its own label, nor the overlapping bundles of its session,
  // as a later session's query cannot).
  void Compute(const CompletionQuery& query, const std::vector<int32_t>& candidates, bool leave_out_own_session,
               double* out) const;
  // out[i]: the intent cosine of `item` and item i, for every item (vectors fitted on every
  // training bundle); out[item] is 1 unless its vector is zero.
  void IntentRow(int32_t item, double* out) const;

 private:
  using Bundles = std::vector<std::vector<int32_t>>;
  double Affinity(int level, int32_t a, int32_t b) const;
  // Which intent vectors a query uses: 0, fitted on every training bundle; 1 + its fold.
  int IntentFit(const CompletionQuery& query, bool leave_out_own_session) const;
  double IntentCosine(int fit, int32_t a, int32_t b) const;
  void IntentScores(int fit, int32_t item, double* out) const;  // out[i] = IntentCosine(fit, item, i)
  std::vector<int32_t> NearestInPool(int32_t item, int64_t k, int fit) const;
  // Title-token pair weight between q and c over the training bundles (token-pair counts,
  // each item pair weighted 1 / (|tokens a| |tokens b|)), less the share of `own` if given.
  double TokenAffinity(int32_t q, int32_t c, const Bundles* own) const;
  std::map<int64_t, Bundles> session_bundles_;  // training session -> its bundles
  CompletionPool pool_;
  // Title words; title character n-grams; category-path overlap; title and category words.
  std::shared_ptr<const ItemSimilarity> words_, grams_, categories_, topics_;
  std::vector<int32_t> brand_;               // first title token's id, -1 none
  std::vector<std::vector<int32_t>> level_;  // [2][item]: leaf and depth-2 category id, -1 none
  // Category-pair counts over ordered pairs of distinct items of a training bundle.
  std::vector<std::vector<std::vector<std::pair<int32_t, double>>>> pair_counts_;  // [level][a] -> (b, n)
  std::vector<std::vector<double>> from_counts_;                                   // [level][a]
  std::vector<double> empty_title_;
  std::vector<std::vector<int32_t>> tokens_;               // [item] distinct title token ids, sorted
  std::vector<std::vector<int32_t>> lead_;                 // [item] its first three title tokens, sorted
  std::unordered_map<uint64_t, double> token_pairs_;      // (u << 32 | v) -> weight
  std::unordered_map<uint64_t, double> co_bundled_;       // (i << 32 | j) -> training bundles
  // [fit]: rows L2-normalised (zero rows stay zero); fit 0 on every training bundle, fit
  // 1 + f without the bundles that fold f's sessions name.
  std::vector<CompletionMatrix> intents_;
};

struct CompletionLearnerConfig {
  int64_t candidates = 100;  // re-ranked items per query (title TF-IDF's nearest)
  int64_t epochs = 20;
  double learning_rate = 0.05;
  double l2 = 1e-4;
  int64_t samples = 8;  // the agent's sampled items per query and epoch
  uint64_t seed = 1;
};

// A linear score over standardised pair features.
struct CompletionScorer {
  Eigen::VectorXd weight, mean, scale;
  double Score(const double* features) const;
};

// Precomputed candidates and features of a set of queries.
struct CompletionBatch {
  std::vector<std::vector<int32_t>> candidates;
  std::vector<CompletionMatrix> features;  // [candidates, features] per query
  std::vector<std::vector<int8_t>> in_bundle;
};
CompletionBatch BuildCompletionBatch(const CompletionFeatures& f, const std::vector<CompletionQuery>& queries,
                                     int64_t candidates, bool leave_out_own_session);

CompletionScorer TrainListwise(const CompletionBatch& batch, const CompletionLearnerConfig& config);
CompletionScorer TrainReinforce(const CompletionBatch& batch, const CompletionLearnerConfig& config);

// Share of the batch's queries with a bundle item among the scorer's top n.
double CompletionHitRate(const CompletionScorer& scorer, const CompletionBatch& batch, int64_t n);

}  // namespace bundlerl
