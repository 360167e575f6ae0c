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

void BuildFeatures(const ItemKernels& k, const UserState& user, const int32_t* candidates,
                   int64_t n, double* out) {
  const int32_t* hist = user.history.data();
  const int64_t h = static_cast<int64_t>(user.history.size());
  const double sd = std::max(user.price.sd, 0.1);
  const bool has_pref = user.preference.size() == k.item_features.cols() && user.preference.size() > 0;
  // Similarity to the history: one Row() per history item over all candidates.
  thread_local std::vector<double> sims;
  sims.resize(n);
  for (int64_t c = 0; c < n; ++c) {
    double* f = out + c * kNumFeatures;
    f[kContentMax] = h > 0 ? -std::numeric_limits<double>::infinity() : 0.0;
    f[kContentMean] = 0.0;
    f[kComplementMax] = 0.0;
  }
  for (int64_t j = 0; j < h; ++j) {
    k.content->Row(hist[j], candidates, n, sims.data());
    for (int64_t c = 0; c < n; ++c) {
      double* f = out + c * kNumFeatures;
      f[kContentMax] = std::max(f[kContentMax], sims[c]);
      f[kContentMean] += sims[c];
    }
    if (!k.complement) continue;
    k.complement->Row(hist[j], candidates, n, sims.data());
    for (int64_t c = 0; c < n; ++c)
      out[c * kNumFeatures + kComplementMax] = std::max(out[c * kNumFeatures + kComplementMax], sims[c]);
  }
  for (int64_t c = 0; c < n; ++c, out += kNumFeatures) {
    const int32_t item = candidates[c];
    if (h > 0) out[kContentMean] /= static_cast<double>(h);
    out[kProfileScore] = has_pref ? k.item_features.row(item).dot(user.preference) : 0.0;
    const double z = (k.log_price[item] - user.price.mean) / sd;
    out[kPriceFit] = -0.5 * z * z;
    out[kPopularity] = k.popularity[item];
    const int32_t cat = k.category[item];
    out[kCategoryMatch] = (cat >= 0 && cat < static_cast<int32_t>(user.category_hist.size()))
                              ? user.category_hist[cat] : 0.0;
  }
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
