// Item-similarity kernels shared by the shopper simulator and the agents' features:
// cosine over item vectors (TF-IDF, dense embeddings), co-occurrence from baskets (PMI,
// Jaccard), category-path overlap; top-N neighbours for large catalogs without the M x M
// matrix; bundle coherence and similarity to a history.
#pragma once

#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernels/tfidf.h"

namespace bundlerl {

// The N most similar items of every item (itself excluded), best first; ties by lower index.
struct Neighbours {
  int64_t num_items = 0, n = 0;
  std::vector<int32_t> index;  // [num_items, n]; -1 where fewer than n other items exist
  std::vector<double> score;   // [num_items, n]
};

// A symmetric similarity between the items of one catalog.
class ItemSimilarity {
 public:
  virtual ~ItemSimilarity() = default;
  virtual std::string name() const = 0;
  virtual int64_t num_items() const = 0;
  virtual double Pair(int32_t i, int32_t j) const = 0;
  // out[c] = Pair(i, items[c]) for c < n: one item against many (the hot path of the
  // feature builder). The default loops over Pair.
  virtual void Row(int32_t i, const int32_t* items, int64_t n, double* out) const;
  // out = similarities of items [begin, end) to every item, [end - begin, num_items].
  virtual void Block(int64_t begin, int64_t end, Eigen::MatrixXd& out) const = 0;
  // Item i's similarities to all items when they are stored (a table), else nullptr.
  virtual const double* StoredRow(int32_t) const { return nullptr; }
  // Every item's top-n neighbours (see Neighbours), n >= 1; the default is
  // BlockedTopNeighbours over Block(). Overrides return the same neighbours in the same order
  // with the same scores (bitwise where the kernel computes them the same way, else to the
  // rounding of a dot product), for any `threads`; `block_rows` is a tuning hint.
  virtual Neighbours TopNeighbours(int64_t n, int threads, int64_t block_rows) const;
};

// Cosine similarity of item vectors (rows are L2-normalised on construction; zero rows have
// similarity 0 to everything).
class CosineSimilarity : public ItemSimilarity {
 public:
  explicit CosineSimilarity(SparseRows vectors, std::string name = "tfidf");
  explicit CosineSimilarity(const Eigen::MatrixXd& vectors, std::string name = "cosine");
  std::string name() const override { return name_; }
  int64_t num_items() const override { return dense_ ? dense_rows_.rows() : sparse_rows_.rows(); }
  double Pair(int32_t i, int32_t j) const override;
  void Row(int32_t i, const int32_t* items, int64_t n, double* out) const override;
  void Block(int64_t begin, int64_t end, Eigen::MatrixXd& out) const override;
  // Dense vectors: blocked GEMM (tiles of `block_rows` x kDenseColumnTile items, in L2), each
  // row's scores scanned in column order against its running n-th best (ties keep the lower
  // index); memory O(M N + threads block_rows kDenseColumnTile). Scores are the GEMM's dot
  // products (Pair() to rounding); NaN scores are never selected. Sparse vectors: the default.
  Neighbours TopNeighbours(int64_t n, int threads, int64_t block_rows) const override;
  static constexpr int64_t kDenseColumnTile = 256;
  bool dense() const { return dense_; }
  const Eigen::MatrixXd& dense_vectors() const { return dense_rows_; }  // rows normalised

 private:
  bool dense_;
  SparseRows sparse_rows_;
  Eigen::MatrixXd dense_rows_;
  // Row-major copy: Row() reads one contiguous vector per candidate.
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> dense_rows_rm_;
  std::string name_;
};

// Co-occurrence of items in baskets (sessions, bundles, user histories): with c_i the number
// of baskets holding i, c_ij those holding both and B the number of baskets,
//   kJaccard: c_ij / (c_i + c_j - c_ij);   kPmi: max(0, ln(c_ij B / (c_i c_j))) (positive PMI);
//   kCount: c_ij. Pair(i, i) = 0: an item does not complement itself (so a clicked item does
//   not make itself attractive again). Items in no basket have similarity 0.
class CooccurrenceSimilarity : public ItemSimilarity {
 public:
  enum class Measure { kJaccard, kPmi, kCount };
  // baskets: CSR offsets [B+1] and item ids; duplicates within a basket count once. The
  // counts are built per item row (an item's baskets scattered into a counter) on `threads`
  // threads; the result does not depend on `threads`.
  CooccurrenceSimilarity(int64_t num_items, const std::vector<int64_t>& offsets,
                         const std::vector<int32_t>& items, Measure measure, int threads = 2);
  std::string name() const override;
  int64_t num_items() const override { return counts_.rows(); }
  double Pair(int32_t i, int32_t j) const override;
  // Scatters item i's sparse row into a per-thread scratch: O(nnz(i) + n).
  void Row(int32_t i, const int32_t* items, int64_t n, double* out) const override;
  void Block(int64_t begin, int64_t end, Eigen::MatrixXd& out) const override;
  // From the stored counts only, O(nnz(i) + N) per row instead of O(M): the nonzero scores
  // ranked (a threshold scan), then zero-score items by lowest index, then negative ones:
  // the default's order, bitwise the same scores.
  Neighbours TopNeighbours(int64_t n, int threads, int64_t block_rows) const override;
  double basket_count(int32_t i) const { return item_count_[i]; }
  // Calls fn(j, similarity) for every item j != i that shares a basket with i.
  template <typename Fn>
  void ForEachNeighbour(int32_t i, Fn fn) const {
    const int32_t begin = counts_.outerIndexPtr()[i], end = counts_.outerIndexPtr()[i + 1];
    for (int32_t p = begin; p < end; ++p) {
      const int32_t j = counts_.innerIndexPtr()[p];
      if (j != i) fn(j, Measure_(counts_.valuePtr()[p], i, j));
    }
  }
  int64_t co_count(int32_t i, int32_t j) const;

 private:
  double Measure_(double cij, int32_t i, int32_t j) const;
  template <Measure kMeasure>
  double MeasureOf(double cij, int32_t i, int32_t j) const;  // Measure_ for a fixed measure
  template <Measure kMeasure>
  void RowTopNOf(int32_t i, int64_t n, int32_t* top_index, double* top_score, int32_t* index, double* score) const;
  // Item i's top n into index[0, n) and score[0, n); top_index, top_score: scratch of n.
  void RowTopN(int32_t i, int64_t n, int32_t* top_index, double* top_score, int32_t* index, double* score) const;
  Eigen::SparseMatrix<int32_t, Eigen::RowMajor, int32_t> counts_;  // c_ij, symmetric
  std::vector<double> item_count_;
  double baskets_ = 0;
  Measure measure_;
};

// Category-path overlap: Jaccard of the sets of path prefixes ("A", "A > B", "A > B > C") over
// all of an item's paths. Paths are "A > B > C", several separated by " | ".
class CategoryOverlapSimilarity : public ItemSimilarity {
 public:
  explicit CategoryOverlapSimilarity(const std::vector<std::string>& category_paths);
  std::string name() const override { return "category"; }
  int64_t num_items() const override { return sets_.rows(); }
  double Pair(int32_t i, int32_t j) const override;
  void Block(int64_t begin, int64_t end, Eigen::MatrixXd& out) const override;

 private:
  SparseRows sets_;  // binary item x prefix
  std::vector<double> size_;
};

// Every pair of a base similarity computed once (from its Pair(), so values are identical)
// and stored as a dense M x M table: Pair() becomes one load and Row() a gather. For small
// catalogs, where the simulator's per-step utilities and feature updates call the kernel
// tens of times per step; memory 8 M^2 bytes.
class TabulatedSimilarity : public ItemSimilarity {
 public:
  explicit TabulatedSimilarity(const ItemSimilarity& base, int threads = 2);
  std::string name() const override { return name_; }
  int64_t num_items() const override { return m_; }
  double Pair(int32_t i, int32_t j) const override { return table_[static_cast<int64_t>(i) * m_ + j]; }
  void Row(int32_t i, const int32_t* items, int64_t n, double* out) const override;
  void Block(int64_t begin, int64_t end, Eigen::MatrixXd& out) const override;
  const double* StoredRow(int32_t i) const override { return table_.data() + static_cast<int64_t>(i) * m_; }

 private:
  int64_t m_;
  std::string name_;
  std::vector<double> table_;  // [M, M] row-major
};

// The base itself when it has more than `max_items` items, else its table.
std::shared_ptr<const ItemSimilarity> TabulateIfSmall(std::shared_ptr<const ItemSimilarity> base,
                                                      int64_t max_items);

// sim.TopNeighbours(n, threads, block_rows) after checking n >= 1: the kernel's own path
// (sparse for co-occurrence, blocked GEMM for dense cosine), else BlockedTopNeighbours.
// Results do not depend on `threads`.
Neighbours TopNeighbours(const ItemSimilarity& sim, int64_t n, int threads = 2,
                         int64_t block_rows = 128);
// The generic path for any kernel: Block() of `block_rows` items at a time, a partial sort
// per row, `threads` threads. Memory O(M * N + threads * block_rows * M).
Neighbours BlockedTopNeighbours(const ItemSimilarity& sim, int64_t n, int threads = 2,
                                int64_t block_rows = 128);

// Mean pairwise similarity of the items of a bundle (0 for fewer than two items).
double BundleCoherence(const ItemSimilarity& sim, const int32_t* items, int64_t n);

struct HistorySimilarity {
  double max = 0, mean = 0;
};
// Similarity of `candidate` to a history: max and mean over the history's items.
HistorySimilarity SimilarityToHistory(const ItemSimilarity& sim, int32_t candidate,
                                      const int32_t* history, int64_t n);

}  // namespace bundlerl
