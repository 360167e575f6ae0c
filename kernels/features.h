// The feature builder: one function that turns (user state, candidate set) into the
// per-candidate feature matrix that the shopper simulator and every policy consume.
// Columns are documented in docs/FEATURES.md and named by FeatureNames().
#pragma once

#include <Eigen/Dense>
#include <memory>
#include <string>
#include <vector>

#include "kernels/profile.h"
#include "kernels/similarity.h"

namespace bundlerl {

// Item-side kernels, built once and shared read-only by the simulator and the agents.
struct ItemKernels {
  std::shared_ptr<const ItemSimilarity> content;     // content similarity (TF-IDF, embeddings)
  std::shared_ptr<const ItemSimilarity> complement;  // co-occurrence; may be null
  Eigen::MatrixXd item_features;                     // [M, d] for the ridge profile score
  std::vector<int32_t> category;                     // [M], -1 unknown
  int64_t num_categories = 0;
  std::vector<double> log_price;                     // [M]
  std::vector<double> popularity;                    // [M] in [0, 1]
  int64_t num_items() const { return static_cast<int64_t>(category.size()); }
  // Throws Error naming the field when sizes disagree.
  void Validate() const;
};

// What is known about one shopper at one step.
struct UserState {
  std::vector<int32_t> history;       // items, oldest first
  Eigen::VectorXd preference;         // ridge weights [d]; empty: profile score 0
  std::vector<double> category_hist;  // [num_categories]
  PriceAffinity price;
};

// A view of a user state whose arrays belong to someone else (a simulator session, a
// RunningUserState); what the feature builder reads.
struct UserStateView {
  const int32_t* history = nullptr;  // items, oldest first
  int64_t history_length = 0;
  const double* preference = nullptr;  // [preference_dim]; dim 0: profile score 0
  int64_t preference_dim = 0;
  const double* category_hist = nullptr;  // [num_categories]
  int64_t num_categories = 0;
  PriceAffinity price;
};
UserStateView ViewOf(const UserState& user);

// The platform's estimate of a shopper from the history (what the simulator's sessions and
// the features of logged rounds both use): the decayed profile's half-life, in history
// steps, and the price affinity assumed before any history.
inline constexpr double kPlatformHalfLife = 3.0;
inline constexpr PriceAffinity kPlatformPricePrior{3.0, 1.0};

// The platform's profile of a growing history, kept up to date in O(d + categories) per
// added item: the decayed profile (DecayedProfile with times == nullptr), the category
// histogram (CategoryHistogram) and the price affinity (PriceAffinityOf, `prior` while the
// history is empty), equal to recomputing them from the whole history.
class RunningUserState {
 public:
  RunningUserState() = default;
  RunningUserState(const ItemKernels* kernels, double half_life, PriceAffinity prior);
  void Reset(const int32_t* history, int64_t n);  // O(n d)
  void Add(int32_t item);                          // the newest item
  // The state of `history` (n items), which must be the items given to Reset and Add.
  UserStateView View(const int32_t* history, int64_t n) const;
  int64_t size() const { return n_; }
  // Requests the buffers Add writes into the cache (a hint only: changes no number).
  void Prefetch() const {
    __builtin_prefetch(sum_.data()), __builtin_prefetch(preference_.data());
    for (size_t c = 0; c < counts_.size(); c += 8) __builtin_prefetch(counts_.data() + c), __builtin_prefetch(hist_.data() + c);
  }

 private:
  const ItemKernels* kernels_ = nullptr;
  double decay_ = 0;  // 2^(-1 / half_life)
  PriceAffinity prior_;
  Eigen::VectorXd sum_, preference_;  // decayed sum of item vectors, and sum / weight
  double weight_ = 0;
  std::vector<double> counts_, hist_;  // category counts, and counts / total
  double total_ = 0, price_s_ = 0, price_ss_ = 0;
  int64_t n_ = 0;
};

enum Feature : int {
  kProfileScore = 0,  // preference . item_features[c]
  kContentMax,        // max content similarity to the history
  kContentMean,       // mean content similarity to the history
  kComplementMax,     // max co-occurrence similarity to the history (0 without a kernel)
  kPriceFit,          // -z^2 / 2, z = (log price - user mean) / max(user sd, 0.1)
  kPopularity,        // item popularity in [0, 1]
  kCategoryMatch,     // share of the history in the candidate's category
  kNumFeatures
};
const std::vector<std::string>& FeatureNames();

// out: [n, kNumFeatures] row-major.
void BuildFeatures(const ItemKernels& kernels, const UserStateView& user, const int32_t* candidates,
                   int64_t n, double* out);
void BuildFeatures(const ItemKernels& kernels, const UserState& user, const int32_t* candidates,
                   int64_t n, double* out);
// One column of BuildFeatures' matrix, out[c * stride] for c < n (the same numbers), at that
// column's cost alone: O(1) a candidate for price, popularity and category, O(d) for the
// profile score, O(h) for the similarities to the history. stride = kNumFeatures updates
// the column in place in a [n, kNumFeatures] matrix.
void BuildFeatureColumn(const ItemKernels& kernels, const UserStateView& user, const int32_t* candidates,
                        int64_t n, int column, double* out, int64_t stride = 1);

// The user state implied by a history (profile kernels applied to it).
UserState UserStateFromHistory(const ItemKernels& kernels, std::vector<int32_t> history,
                               Eigen::VectorXd preference);

}  // namespace bundlerl
