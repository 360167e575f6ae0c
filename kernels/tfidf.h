// TF-IDF item vectors, defined exactly as scikit-learn's TfidfVectorizer with its defaults
// (lowercase, token_pattern (?u)\b\w\w+\b, raw counts, smooth_idf: idf = ln((1+n)/(1+df)) + 1,
// rows L2-normalised), optionally with English stop words, so results can be cross-checked
// with python3-sklearn.
#pragma once

#include <Eigen/SparseCore>
#include <string>
#include <vector>

namespace bundlerl {

using SparseRows = Eigen::SparseMatrix<double, Eigen::RowMajor, int32_t>;

struct TfidfConfig {
  bool english_stop_words = true;
  bool sublinear_tf = false;  // tf = 1 + ln(count) instead of count
  int min_df = 1;             // drop terms in fewer documents
};

class Tfidf {
 public:
  // Fits the vocabulary and idf on `docs` and returns their vectors.
  static Tfidf Fit(const std::vector<std::string>& docs, const TfidfConfig& config = {});
  const SparseRows& vectors() const { return vectors_; }         // [docs, terms]
  const std::vector<std::string>& vocabulary() const { return vocabulary_; }  // sorted
  const std::vector<double>& idf() const { return idf_; }

 private:
  SparseRows vectors_;
  std::vector<std::string> vocabulary_;
  std::vector<double> idf_;
};

}  // namespace bundlerl
