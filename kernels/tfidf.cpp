// Tfidf: see tfidf.h.
#include "kernels/tfidf.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "kernels/text.h"

namespace bundlerl {

Tfidf Tfidf::Fit(const std::vector<std::string>& docs, const TfidfConfig& config) {
  const auto* stop = config.english_stop_words ? &EnglishStopWords() : nullptr;
  std::vector<std::unordered_map<std::string, int>> counts(docs.size());
  std::map<std::string, int> df;  // sorted, as sklearn's vocabulary
  for (size_t d = 0; d < docs.size(); ++d) {
    for (auto& t : Tokenize(docs[d], stop)) ++counts[d][t];
    for (const auto& [t, c] : counts[d]) ++df[t];
  }
  Tfidf out;
  std::unordered_map<std::string, int32_t> index;
  const double n = static_cast<double>(docs.size());
  for (const auto& [term, f] : df) {
    if (f < config.min_df) continue;
    index[term] = static_cast<int32_t>(out.vocabulary_.size());
    out.vocabulary_.push_back(term);
    out.idf_.push_back(std::log((1.0 + n) / (1.0 + f)) + 1.0);
  }
  std::vector<Eigen::Triplet<double, int32_t>> triplets;
  for (size_t d = 0; d < docs.size(); ++d) {
    std::vector<std::pair<int32_t, double>> row;
    for (const auto& [t, c] : counts[d]) {
      const auto it = index.find(t);
      if (it == index.end()) continue;
      const double tf = config.sublinear_tf ? 1.0 + std::log(c) : c;
      row.emplace_back(it->second, tf * out.idf_[it->second]);
    }
    double norm = 0;
    for (const auto& [j, v] : row) norm += v * v;
    norm = std::sqrt(norm);
    for (const auto& [j, v] : row)
      triplets.emplace_back(static_cast<int32_t>(d), j, norm > 0 ? v / norm : 0.0);
  }
  out.vectors_.resize(static_cast<int32_t>(docs.size()), static_cast<int32_t>(out.vocabulary_.size()));
  out.vectors_.setFromTriplets(triplets.begin(), triplets.end());
  out.vectors_.makeCompressed();
  return out;
}

}  // namespace bundlerl
