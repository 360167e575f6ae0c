// Intent vectors by ridge regression in dual form (see intent.h).
#include "kernels/intent.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include <Eigen/Cholesky>

#include "common/error.h"
#include "kernels/text.h"

namespace bundlerl {

namespace {

void CheckIntentInput(const SparseRows& content, const std::vector<IntentLabel>& labels, const IntentConfig& config) {
  if (!(config.ridge > 0) || !std::isfinite(config.ridge))
    Fail("intent vectors: the ridge must be a positive number, got ", config.ridge);
  if (config.min_count < 1) Fail("intent vectors: min_count must be at least 1, got ", config.min_count);
  for (const auto& l : labels)
    if (l.item < 0 || l.item >= content.rows())
      Fail("intent vectors: item ", l.item, " of bundle ", l.bundle, " is outside the catalog's ", content.rows(),
           " items");
}

// Each bundle's distinct intent words, in the vocabulary's order.
std::map<int64_t, std::vector<std::string>> BundleWords(const std::vector<IntentLabel>& labels) {
  std::map<int64_t, std::vector<std::string>> out;
  for (const auto& l : labels) {
    if (out.count(l.bundle)) continue;
    std::vector<std::string> words = Tokenize(l.intent, &EnglishStopWords());
    std::sort(words.begin(), words.end());
    words.erase(std::unique(words.begin(), words.end()), words.end());
    out.emplace(l.bundle, std::move(words));
  }
  return out;
}

}  // namespace

IntentVectors FitIntentVectors(const SparseRows& content, const std::vector<IntentLabel>& labels,
                               const IntentConfig& config) {
  CheckIntentInput(content, labels, config);
  const auto bundle_words = BundleWords(labels);
  std::map<std::string, int64_t> bundles_with;
  for (const auto& [bundle, words] : bundle_words)
    for (const auto& w : words) ++bundles_with[w];
  IntentVectors out;
  std::unordered_map<std::string, int64_t> column;
  for (const auto& [w, n] : bundles_with)
    if (n >= config.min_count) column.emplace(w, static_cast<int64_t>(out.words.size())), out.words.push_back(w);
  // Targets of the labelled items: the mean over an item's bundles of their word indicators.
  std::map<int32_t, int64_t> row;
  for (const auto& l : labels) row.emplace(l.item, 0);
  int64_t n = 0;
  for (auto& [item, r] : row) r = n++;
  out.labelled_items = n;
  const int64_t m = content.rows(), v = static_cast<int64_t>(out.words.size());
  out.vectors = Eigen::MatrixXd::Zero(m, v);
  if (n == 0 || v == 0) return out;
  Eigen::MatrixXd targets = Eigen::MatrixXd::Zero(n, v);
  Eigen::VectorXd bundles_of = Eigen::VectorXd::Zero(n);
  std::set<std::pair<int32_t, int64_t>> seen;
  for (const auto& l : labels) {
    if (!seen.insert({l.item, l.bundle}).second) continue;
    const int64_t r = row.at(l.item);
    for (const auto& w : bundle_words.at(l.bundle)) {
      const auto c = column.find(w);
      if (c != column.end()) targets(r, c->second) += 1.0;
    }
    bundles_of[r] += 1.0;
  }
  targets.array().colwise() /= bundles_of.array();
  // The labelled items' content rows, then the dual solve and every item's prediction.
  std::vector<Eigen::Triplet<double, int32_t>> entries;
  for (const auto& [item, r] : row)
    for (SparseRows::InnerIterator it(content, item); it; ++it)
      entries.emplace_back(static_cast<int32_t>(r), it.col(), it.value());
  SparseRows labelled(n, content.cols());
  labelled.setFromTriplets(entries.begin(), entries.end());
  const SparseRows labelled_t = labelled.transpose();
  Eigen::MatrixXd gram = SparseRows(labelled * labelled_t).toDense();
  gram.diagonal().array() += config.ridge;
  const Eigen::LLT<Eigen::MatrixXd> factor(gram);
  if (factor.info() != Eigen::Success)
    Fail("intent vectors: the ridge system of ", n, " items is not positive definite (raise the ridge, now ",
         config.ridge, ")");
  const Eigen::MatrixXd dual = factor.solve(targets);
  out.vectors = SparseRows(content * labelled_t) * dual;
  return out;
}

}  // namespace bundlerl
