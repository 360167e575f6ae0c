// Item-similarity kernels: see similarity.h.
#include "kernels/similarity.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <unordered_map>

#include "common/error.h"
#include "common/executor.h"

namespace bundlerl {

void ItemSimilarity::Row(int32_t i, const int32_t* items, int64_t n, double* out) const {
  for (int64_t c = 0; c < n; ++c) out[c] = Pair(i, items[c]);
}

// ---------------------------------------------------------------------------------------
// Cosine

CosineSimilarity::CosineSimilarity(SparseRows vectors, std::string name)
    : dense_(false), sparse_rows_(std::move(vectors)), name_(std::move(name)) {
  for (int32_t r = 0; r < sparse_rows_.outerSize(); ++r) {
    double norm = 0;
    for (SparseRows::InnerIterator it(sparse_rows_, r); it; ++it) norm += it.value() * it.value();
    norm = std::sqrt(norm);
    if (norm > 0)
      for (SparseRows::InnerIterator it(sparse_rows_, r); it; ++it) it.valueRef() /= norm;
  }
  sparse_rows_.makeCompressed();
}

CosineSimilarity::CosineSimilarity(const Eigen::MatrixXd& vectors, std::string name)
    : dense_(true), dense_rows_(vectors), name_(std::move(name)) {
  for (Eigen::Index r = 0; r < dense_rows_.rows(); ++r) {
    const double norm = dense_rows_.row(r).norm();
    if (norm > 0) dense_rows_.row(r) /= norm;
  }
  dense_rows_rm_ = dense_rows_;
}

double CosineSimilarity::Pair(int32_t i, int32_t j) const {
  if (dense_) return dense_rows_.row(i).dot(dense_rows_.row(j));
  // Merge of two sorted sparse rows.
  SparseRows::InnerIterator a(sparse_rows_, i), b(sparse_rows_, j);
  double s = 0;
  while (a && b) {
    if (a.index() == b.index()) s += a.value() * b.value(), ++a, ++b;
    else if (a.index() < b.index()) ++a;
    else ++b;
  }
  return s;
}

void CosineSimilarity::Row(int32_t i, const int32_t* items, int64_t n, double* out) const {
  if (!dense_) {
    ItemSimilarity::Row(i, items, n, out);
    return;
  }
  const int64_t d = dense_rows_rm_.cols();
  const double* base = dense_rows_rm_.data();
  const double* v = base + static_cast<int64_t>(i) * d;
  for (int64_t c = 0; c < n; ++c) {
    const double* row = base + static_cast<int64_t>(items[c]) * d;
    double s = 0;
    for (int64_t k = 0; k < d; ++k) s += v[k] * row[k];
    out[c] = s;
  }
}

void CosineSimilarity::Block(int64_t begin, int64_t end, Eigen::MatrixXd& out) const {
  const auto rows = static_cast<Eigen::Index>(end - begin);
  if (dense_) {
    out.noalias() = dense_rows_.middleRows(begin, rows) * dense_rows_.transpose();
    return;
  }
  const SparseRows block = sparse_rows_.middleRows(begin, rows);
  const Eigen::SparseMatrix<double, Eigen::RowMajor, int32_t> product = block * sparse_rows_.transpose();
  out = Eigen::MatrixXd(product);
}

// ---------------------------------------------------------------------------------------
// Co-occurrence

CooccurrenceSimilarity::CooccurrenceSimilarity(int64_t num_items, const std::vector<int64_t>& offsets,
                                               const std::vector<int32_t>& items, Measure measure)
    : item_count_(num_items, 0.0), measure_(measure) {
  if (offsets.empty() || offsets.back() != static_cast<int64_t>(items.size()))
    Fail("co-occurrence: basket offsets do not index the item list");
  std::vector<Eigen::Triplet<int32_t, int32_t>> triplets;
  std::vector<int32_t> basket;
  baskets_ = static_cast<double>(offsets.size() - 1);
  for (size_t b = 0; b + 1 < offsets.size(); ++b) {
    basket.assign(items.begin() + offsets[b], items.begin() + offsets[b + 1]);
    std::sort(basket.begin(), basket.end());
    basket.erase(std::unique(basket.begin(), basket.end()), basket.end());
    for (size_t x = 0; x < basket.size(); ++x) {
      if (basket[x] < 0 || basket[x] >= num_items)
        Fail("co-occurrence: basket ", b, " holds item ", basket[x], ", not in [0, ", num_items, ")");
      item_count_[basket[x]] += 1;
      for (size_t y = 0; y < basket.size(); ++y)
        if (x != y) triplets.emplace_back(basket[x], basket[y], 1);
    }
  }
  counts_.resize(static_cast<int32_t>(num_items), static_cast<int32_t>(num_items));
  counts_.setFromTriplets(triplets.begin(), triplets.end());  // duplicates are summed
  counts_.makeCompressed();
}

std::string CooccurrenceSimilarity::name() const {
  return measure_ == Measure::kJaccard ? "jaccard" : measure_ == Measure::kPmi ? "pmi" : "cooccurrence-count";
}

int64_t CooccurrenceSimilarity::co_count(int32_t i, int32_t j) const {
  if (i == j) return static_cast<int64_t>(item_count_[i]);
  const int32_t* begin = counts_.innerIndexPtr() + counts_.outerIndexPtr()[i];
  const int32_t* end = counts_.innerIndexPtr() + counts_.outerIndexPtr()[i + 1];
  const int32_t* it = std::lower_bound(begin, end, j);
  return (it != end && *it == j) ? counts_.valuePtr()[it - counts_.innerIndexPtr()] : 0;
}

double CooccurrenceSimilarity::Measure_(double cij, int32_t i, int32_t j) const {
  if (cij <= 0) return 0.0;
  switch (measure_) {
    case Measure::kJaccard: return cij / (item_count_[i] + item_count_[j] - cij);
    case Measure::kPmi: return std::max(0.0, std::log(cij * baskets_ / (item_count_[i] * item_count_[j])));
    case Measure::kCount: return cij;
  }
  return 0.0;
}

void CooccurrenceSimilarity::Row(int32_t i, const int32_t* items, int64_t n, double* out) const {
  thread_local std::vector<double> scratch;
  const int64_t M = num_items();
  if (static_cast<int64_t>(scratch.size()) < M) scratch.assign(M, 0.0);
  const int32_t begin = counts_.outerIndexPtr()[i], end = counts_.outerIndexPtr()[i + 1];
  const int32_t* idx = counts_.innerIndexPtr();
  const int32_t* val = counts_.valuePtr();
  for (int32_t p = begin; p < end; ++p) scratch[idx[p]] = Measure_(val[p], i, idx[p]);
  for (int64_t c = 0; c < n; ++c) out[c] = items[c] == i ? 0.0 : scratch[items[c]];
  for (int32_t p = begin; p < end; ++p) scratch[idx[p]] = 0.0;
}

double CooccurrenceSimilarity::Pair(int32_t i, int32_t j) const {
  if (i == j) return 0.0;  // an item does not complement itself
  return Measure_(static_cast<double>(co_count(i, j)), i, j);
}

void CooccurrenceSimilarity::Block(int64_t begin, int64_t end, Eigen::MatrixXd& out) const {
  out.setZero(end - begin, num_items());
  for (int64_t i = begin; i < end; ++i) {
    const auto r = static_cast<int32_t>(i);
    for (decltype(counts_)::InnerIterator it(counts_, r); it; ++it)
      out(i - begin, it.index()) = Measure_(it.value(), r, it.index());
  }
}

// ---------------------------------------------------------------------------------------
// Category overlap

CategoryOverlapSimilarity::CategoryOverlapSimilarity(const std::vector<std::string>& paths) {
  std::unordered_map<std::string, int32_t> prefix_id;
  std::vector<Eigen::Triplet<double, int32_t>> triplets;
  size_.assign(paths.size(), 0.0);
  for (size_t i = 0; i < paths.size(); ++i) {
    std::set<int32_t> set;
    size_t start = 0;
    while (start < paths[i].size()) {
      size_t bar = paths[i].find(" | ", start);
      if (bar == std::string::npos) bar = paths[i].size();
      const std::string path = paths[i].substr(start, bar - start);
      size_t cut = 0;
      while (true) {
        cut = path.find(" > ", cut);
        const std::string prefix = path.substr(0, cut);
        if (!prefix.empty()) {
          const auto [it, inserted] = prefix_id.emplace(prefix, static_cast<int32_t>(prefix_id.size()));
          set.insert(it->second);
        }
        if (cut == std::string::npos) break;
        cut += 3;
      }
      start = bar + 3;
    }
    for (int32_t p : set) triplets.emplace_back(static_cast<int32_t>(i), p, 1.0);
    size_[i] = static_cast<double>(set.size());
  }
  sets_.resize(static_cast<int32_t>(paths.size()), static_cast<int32_t>(prefix_id.size()));
  sets_.setFromTriplets(triplets.begin(), triplets.end());
  sets_.makeCompressed();
}

double CategoryOverlapSimilarity::Pair(int32_t i, int32_t j) const {
  SparseRows::InnerIterator a(sets_, i), b(sets_, j);
  double common = 0;
  while (a && b) {
    if (a.index() == b.index()) common += 1, ++a, ++b;
    else if (a.index() < b.index()) ++a;
    else ++b;
  }
  const double uni = size_[i] + size_[j] - common;
  return uni > 0 ? common / uni : 0.0;
}

void CategoryOverlapSimilarity::Block(int64_t begin, int64_t end, Eigen::MatrixXd& out) const {
  const SparseRows block = sets_.middleRows(begin, end - begin);
  out = Eigen::MatrixXd(Eigen::SparseMatrix<double, Eigen::RowMajor, int32_t>(block * sets_.transpose()));
  for (int64_t r = 0; r < end - begin; ++r)
    for (Eigen::Index j = 0; j < out.cols(); ++j) {
      const double common = out(r, j), uni = size_[begin + r] + size_[j] - common;
      out(r, j) = uni > 0 ? common / uni : 0.0;
    }
}

// ---------------------------------------------------------------------------------------
// Top-N, coherence, history

Neighbours TopNeighbours(const ItemSimilarity& sim, int64_t n, int threads, int64_t block_rows) {
  const int64_t M = sim.num_items();
  if (n <= 0) Fail("top-N neighbours: N must be positive, got ", n);
  Neighbours out;
  out.num_items = M;
  out.n = n;
  out.index.assign(M * n, -1);
  out.score.assign(M * n, 0.0);
  const int64_t n_blocks = (M + block_rows - 1) / block_rows;
  threads = std::max(1, threads);
  std::vector<Eigen::MatrixXd> blocks(threads);
  std::vector<std::vector<int32_t>> orders(threads, std::vector<int32_t>(M));
  ParallelFor(threads, n_blocks, [&](int t, int64_t blk) {
    Eigen::MatrixXd& block = blocks[t];
    std::vector<int32_t>& order = orders[t];
    {
      const int64_t b = blk * block_rows, e = std::min(M, b + block_rows);
      sim.Block(b, e, block);
      for (int64_t i = b; i < e; ++i) {
        const double* row = block.data();  // column-major: element (r, j) at r + j * rows
        const int64_t stride = block.rows(), r = i - b;
        int64_t count = 0;
        for (int64_t j = 0; j < M; ++j)
          if (j != i) order[count++] = static_cast<int32_t>(j);
        const int64_t keep = std::min(n, count);
        auto better = [&](int32_t x, int32_t y) {
          const double sx = row[r + x * stride], sy = row[r + y * stride];
          return sx != sy ? sx > sy : x < y;
        };
        std::nth_element(order.begin(), order.begin() + keep - (keep > 0), order.begin() + count, better);
        std::sort(order.begin(), order.begin() + keep, better);
        for (int64_t k = 0; k < keep; ++k) {
          out.index[i * n + k] = order[k];
          out.score[i * n + k] = row[r + order[k] * stride];
        }
      }
    }
  });
  return out;
}

double BundleCoherence(const ItemSimilarity& sim, const int32_t* items, int64_t n) {
  if (n < 2) return 0.0;
  double s = 0;
  for (int64_t a = 0; a < n; ++a)
    for (int64_t b = a + 1; b < n; ++b) s += sim.Pair(items[a], items[b]);
  return s / (0.5 * static_cast<double>(n) * static_cast<double>(n - 1));
}

HistorySimilarity SimilarityToHistory(const ItemSimilarity& sim, int32_t candidate,
                                      const int32_t* history, int64_t n) {
  HistorySimilarity h;
  if (n == 0) return h;
  h.max = -std::numeric_limits<double>::infinity();
  for (int64_t k = 0; k < n; ++k) {
    const double s = sim.Pair(candidate, history[k]);
    h.max = std::max(h.max, s);
    h.mean += s;
  }
  h.mean /= static_cast<double>(n);
  return h;
}

// ---------------------------------------------------------------------------------------
// Tabulated

TabulatedSimilarity::TabulatedSimilarity(const ItemSimilarity& base, int threads)
    : m_(base.num_items()), name_(base.name()) {
  table_.resize(static_cast<size_t>(m_ * m_));
  ParallelFor(threads, m_, [&](int, int64_t i) {
    double* out = table_.data() + i * m_;
    for (int64_t j = 0; j < m_; ++j) out[j] = base.Pair(static_cast<int32_t>(i), static_cast<int32_t>(j));
  });
}

void TabulatedSimilarity::Row(int32_t i, const int32_t* items, int64_t n, double* out) const {
  const double* r = StoredRow(i);
  for (int64_t c = 0; c < n; ++c) out[c] = r[items[c]];
}

void TabulatedSimilarity::Block(int64_t begin, int64_t end, Eigen::MatrixXd& out) const {
  out.resize(end - begin, m_);
  for (int64_t i = begin; i < end; ++i)
    for (int64_t j = 0; j < m_; ++j) out(i - begin, j) = table_[i * m_ + j];
}

std::shared_ptr<const ItemSimilarity> TabulateIfSmall(std::shared_ptr<const ItemSimilarity> base,
                                                      int64_t max_items) {
  if (!base || base->num_items() > max_items) return base;
  if (dynamic_cast<const TabulatedSimilarity*>(base.get())) return base;
  return std::make_shared<const TabulatedSimilarity>(*base);
}

}  // namespace bundlerl
