// Feature builder: see features.h.
#include "kernels/features.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"

namespace bundlerl {

void ItemKernels::Validate() const {
  const int64_t M = num_items();
  if (!content) Fail("item kernels: a content similarity is required");
  if (content->num_items() != M)
    Fail("item kernels: content similarity covers ", content->num_items(), " items, expected ", M);
  if (complement && complement->num_items() != M)
    Fail("item kernels: complement similarity covers ", complement->num_items(), " items, expected ", M);
  if (item_features.rows() != M) Fail("item kernels: item_features has ", item_features.rows(), " rows, expected ", M);
  if (static_cast<int64_t>(log_price.size()) != M) Fail("item kernels: log_price has ", log_price.size(), " values, expected ", M);
  if (static_cast<int64_t>(popularity.size()) != M) Fail("item kernels: popularity has ", popularity.size(), " values, expected ", M);
  for (int64_t i = 0; i < M; ++i)
    if (category[i] >= num_categories) Fail("item kernels: item ", i, " has category ", category[i], " >= ", num_categories);
}

const std::vector<std::string>& FeatureNames() {
  static const std::vector<std::string> names = {"profile_score", "content_max", "content_mean",
                                                 "complement_max", "price_fit", "popularity",
                                                 "category_match"};
  return names;
}

UserStateView ViewOf(const UserState& u) {
  UserStateView v;
  v.history = u.history.data();
  v.history_length = static_cast<int64_t>(u.history.size());
  v.preference = u.preference.data();
  v.preference_dim = u.preference.size();
  v.category_hist = u.category_hist.data();
  v.num_categories = static_cast<int64_t>(u.category_hist.size());
  v.price = u.price;
  return v;
}

void BuildFeatures(const ItemKernels& k, const UserState& user, const int32_t* candidates,
                   int64_t n, double* out) {
  BuildFeatures(k, ViewOf(user), candidates, n, out);
}

namespace {

// The columns, each written with a stride (kNumFeatures into the matrix, 1 for one column);
// BuildFeatures and BuildFeatureColumn share them, so both give the same numbers.

// Similarity to the history: one Row() per history item over all candidates. Null outputs
// are skipped (a kernel's rows are computed only when one of its columns is asked for).
void HistoryColumns(const ItemKernels& k, const UserStateView& user, const int32_t* candidates,
                    int64_t n, double* content_max, double* content_mean, double* complement_max,
                    int64_t stride) {
  const int32_t* hist = user.history;
  const int64_t h = user.history_length;
  thread_local std::vector<double> sims;
  sims.resize(n);
  for (int64_t c = 0; c < n; ++c) {
    if (content_max) content_max[c * stride] = h > 0 ? -std::numeric_limits<double>::infinity() : 0.0;
    if (content_mean) content_mean[c * stride] = 0.0;
    if (complement_max) complement_max[c * stride] = 0.0;
  }
  for (int64_t j = 0; j < h; ++j) {
    if (content_max || content_mean) {
      k.content->Row(hist[j], candidates, n, sims.data());
      for (int64_t c = 0; c < n; ++c) {
        if (content_max) content_max[c * stride] = std::max(content_max[c * stride], sims[c]);
        if (content_mean) content_mean[c * stride] += sims[c];
      }
    }
    if (!k.complement || !complement_max) continue;
    k.complement->Row(hist[j], candidates, n, sims.data());
    for (int64_t c = 0; c < n; ++c) complement_max[c * stride] = std::max(complement_max[c * stride], sims[c]);
  }
  if (content_mean && h > 0)
    for (int64_t c = 0; c < n; ++c) content_mean[c * stride] /= static_cast<double>(h);
}

void ProfileColumn(const ItemKernels& k, const UserStateView& user, const int32_t* candidates, int64_t n,
                   double* out, int64_t stride) {
  const int64_t d = k.item_features.cols();
  const bool has_pref = user.preference_dim == d && d > 0;
  const Eigen::Map<const Eigen::VectorXd> preference(user.preference, has_pref ? d : 0);
  // Many candidates: one matrix-vector product over the catalog (contiguous) instead of n
  // strided row dots (item_features is column-major).
  const bool whole_catalog = has_pref && 4 * n >= k.num_items();
  thread_local Eigen::VectorXd scores;
  if (whole_catalog) scores.noalias() = k.item_features * preference;
  for (int64_t c = 0; c < n; ++c) {
    const int32_t item = candidates[c];
    out[c * stride] = whole_catalog ? scores[item] : has_pref ? k.item_features.row(item).dot(preference) : 0.0;
  }
}

// The columns that cost O(1) a candidate.
void ItemColumn(const ItemKernels& k, const UserStateView& user, const int32_t* candidates, int64_t n,
                int column, double* out, int64_t stride) {
  const double sd = std::max(user.price.sd, 0.1);
  for (int64_t c = 0; c < n; ++c) {
    const int32_t item = candidates[c];
    double v = 0;
    if (column == kPriceFit) {
      const double z = (k.log_price[item] - user.price.mean) / sd;
      v = -0.5 * z * z;
    } else if (column == kPopularity) {
      v = k.popularity[item];
    } else {  // kCategoryMatch
      const int32_t cat = k.category[item];
      v = (cat >= 0 && cat < user.num_categories) ? user.category_hist[cat] : 0.0;
    }
    out[c * stride] = v;
  }
}

}  // namespace

void BuildFeatures(const ItemKernels& k, const UserStateView& user, const int32_t* candidates,
                   int64_t n, double* out) {
  HistoryColumns(k, user, candidates, n, out + kContentMax, out + kContentMean, out + kComplementMax,
                 kNumFeatures);
  ProfileColumn(k, user, candidates, n, out + kProfileScore, kNumFeatures);
  for (int column : {kPriceFit, kPopularity, kCategoryMatch})
    ItemColumn(k, user, candidates, n, column, out + column, kNumFeatures);
}

void BuildFeatureColumn(const ItemKernels& k, const UserStateView& user, const int32_t* candidates,
                        int64_t n, int column, double* out, int64_t stride) {
  switch (column) {
    case kContentMax: HistoryColumns(k, user, candidates, n, out, nullptr, nullptr, stride); break;
    case kContentMean: HistoryColumns(k, user, candidates, n, nullptr, out, nullptr, stride); break;
    case kComplementMax: HistoryColumns(k, user, candidates, n, nullptr, nullptr, out, stride); break;
    case kProfileScore: ProfileColumn(k, user, candidates, n, out, stride); break;
    case kPriceFit:
    case kPopularity:
    case kCategoryMatch: ItemColumn(k, user, candidates, n, column, out, stride); break;
    default: Fail("feature column ", column, ": expected 0 to ", kNumFeatures - 1);
  }
}

RunningUserState::RunningUserState(const ItemKernels* kernels, double half_life, PriceAffinity prior)
    : kernels_(kernels), decay_(std::exp2(-1.0 / half_life)), prior_(prior) {
  if (!(half_life > 0)) Fail("running user state: half_life must be positive, got ", half_life);
  sum_ = Eigen::VectorXd::Zero(kernels->item_features.cols());
  preference_ = sum_;
  counts_.assign(kernels->num_categories, 0.0);
  hist_ = counts_;
}

void RunningUserState::Reset(const int32_t* history, int64_t n) {
  sum_.setZero();
  preference_.setZero();
  weight_ = total_ = price_s_ = price_ss_ = 0;
  std::fill(counts_.begin(), counts_.end(), 0.0);
  std::fill(hist_.begin(), hist_.end(), 0.0);
  n_ = 0;
  for (int64_t j = 0; j < n; ++j) Add(history[j]);
}

void RunningUserState::Add(int32_t item) {
  const ItemKernels& k = *kernels_;
  sum_ = decay_ * sum_ + k.item_features.row(item).transpose();
  weight_ = decay_ * weight_ + 1;
  preference_ = sum_ / weight_;
  const int32_t cat = k.category[item];
  if (cat >= 0) {
    counts_[cat] += 1, total_ += 1;
    for (size_t c = 0; c < counts_.size(); ++c) hist_[c] = counts_[c] / total_;
  }
  price_s_ += k.log_price[item];
  price_ss_ += k.log_price[item] * k.log_price[item];
  ++n_;
}

UserStateView RunningUserState::View(const int32_t* history, int64_t n) const {
  if (n != n_) Fail("running user state: a view of ", n, " history items, but ", n_, " were added");
  UserStateView v;
  v.history = history;
  v.history_length = n;
  v.preference = preference_.data();
  v.preference_dim = preference_.size();
  v.category_hist = hist_.data();
  v.num_categories = static_cast<int64_t>(hist_.size());
  if (n == 0) {
    v.price = prior_;
  } else {
    v.price.mean = price_s_ / n;
    v.price.sd = std::sqrt(std::max(0.0, price_ss_ / n - v.price.mean * v.price.mean));
  }
  return v;
}

UserState UserStateFromHistory(const ItemKernels& k, std::vector<int32_t> history,
                               Eigen::VectorXd preference) {
  UserState u;
  u.history = std::move(history);
  u.preference = std::move(preference);
  u.category_hist = CategoryHistogram(k.category, k.num_categories, u.history.data(),
                                      static_cast<int64_t>(u.history.size()));
  u.price = PriceAffinityOf(k.log_price, u.history.data(), static_cast<int64_t>(u.history.size()),
                            PriceAffinity{0.0, 1.0});
  return u;
}

}  // namespace bundlerl
