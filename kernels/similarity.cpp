// Item-similarity kernels: see similarity.h.
#include "kernels/similarity.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <unordered_map>

#include "common/error.h"
#include "common/executor.h"

namespace bundlerl {

namespace {

Neighbours EmptyNeighbours(int64_t num_items, int64_t n) {
  Neighbours out;
  out.num_items = num_items;
  out.n = n;
  out.index.assign(num_items * n, -1);
  out.score.assign(num_items * n, 0.0);
  return out;
}

}  // namespace

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

namespace {

// A row's best n so far, best first (score, then lower index), for a scan of its scores in
// increasing column order: a later column enters only with a strictly higher score than the
// last kept, so ties keep the lower index.
struct RunningTop {
  int32_t* index;
  double* score;
  int64_t n, count = 0;
  double Threshold() const { return count < n ? -std::numeric_limits<double>::infinity() : score[n - 1]; }
  void Insert(double s, int32_t j) {
    int64_t p = count < n ? count++ : n - 1;
    for (; p > 0 && score[p - 1] < s; --p) score[p] = score[p - 1], index[p] = index[p - 1];
    score[p] = s, index[p] = j;
  }
};

// Offers scores s[0, len) of columns col0 + c (skipping `self`) to `top`; chunks of 8 whose
// maximum is not above the threshold are passed over (the common case once the list is full).
void ScanScores(const double* s, int64_t len, int32_t col0, int32_t self, RunningTop& top) {
  double t = top.Threshold();
  int64_t c = 0;
  for (; c + 8 <= len; c += 8) {
    double m = s[c];
    for (int k = 1; k < 8; ++k) m = m > s[c + k] ? m : s[c + k];
    if (!(m > t)) continue;
    for (int k = 0; k < 8; ++k)
      if (s[c + k] > t && col0 + c + k != self) top.Insert(s[c + k], static_cast<int32_t>(col0 + c + k)), t = top.Threshold();
  }
  for (; c < len; ++c)
    if (s[c] > t && col0 + c != self) top.Insert(s[c], static_cast<int32_t>(col0 + c)), t = top.Threshold();
}

}  // namespace

Neighbours CosineSimilarity::TopNeighbours(int64_t n, int threads, int64_t block_rows) const {
  if (!dense_) return BlockedTopNeighbours(*this, n, threads, block_rows);
  const int64_t M = dense_rows_.rows();
  Neighbours out = EmptyNeighbours(M, n);
  block_rows = std::max<int64_t>(1, block_rows);
  threads = std::max(1, threads);
  std::vector<std::vector<double>> tiles(threads);
  ParallelFor(threads, (M + block_rows - 1) / block_rows, [&](int t, int64_t blk) {
    const int64_t b = blk * block_rows, rows = std::min(M, b + block_rows) - b;
    std::vector<double>& tile = tiles[t];
    tile.resize(kDenseColumnTile * block_rows);
    std::vector<RunningTop> top;
    for (int64_t r = 0; r < rows; ++r) top.push_back({out.index.data() + (b + r) * n, out.score.data() + (b + r) * n, n});
    for (int64_t c0 = 0; c0 < M; c0 += kDenseColumnTile) {
      const int64_t cols = std::min(M - c0, kDenseColumnTile);
      // Column r of the tile: row b + r's scores against items [c0, c0 + cols), contiguous.
      Eigen::Map<Eigen::MatrixXd> S(tile.data(), cols, rows);
      S.noalias() = dense_rows_.middleRows(c0, cols) * dense_rows_.middleRows(b, rows).transpose();
      for (int64_t r = 0; r < rows; ++r)
        ScanScores(S.col(r).data(), cols, static_cast<int32_t>(c0), static_cast<int32_t>(b + r), top[r]);
    }
  });
  return out;
}

// ---------------------------------------------------------------------------------------
// Co-occurrence

namespace {

// Baskets with duplicates removed and items sorted, checked against [0, num_items); counts
// the baskets of every item into item_count.
void DedupBaskets(int64_t num_items, const std::vector<int64_t>& offsets, const std::vector<int32_t>& items,
                  std::vector<int64_t>& out_offsets, std::vector<int32_t>& out_items,
                  std::vector<double>& item_count) {
  out_offsets.assign(1, 0);
  out_items.reserve(items.size());
  for (size_t b = 0; b + 1 < offsets.size(); ++b) {
    const auto begin = out_items.end() - out_items.begin();
    out_items.insert(out_items.end(), items.begin() + offsets[b], items.begin() + offsets[b + 1]);
    std::sort(out_items.begin() + begin, out_items.end());
    out_items.erase(std::unique(out_items.begin() + begin, out_items.end()), out_items.end());
    for (auto x = out_items.begin() + begin; x != out_items.end(); ++x) {
      if (*x < 0 || *x >= num_items)
        Fail("co-occurrence: basket ", b, " holds item ", *x, ", not in [0, ", num_items, ")");
      item_count[*x] += 1;
    }
    out_offsets.push_back(static_cast<int64_t>(out_items.size()));
  }
}

// Rows of (column, value) entries in CSR form.
struct Csr {
  std::vector<int64_t> offsets = {0};  // [rows + 1]
  std::vector<int32_t> cols, vals;
  int64_t rows() const { return static_cast<int64_t>(offsets.size()) - 1; }
};

// The transpose of `a` (columns in [0, num_cols)) by counting: row c holds a's entries of
// column c by increasing row (its values dropped).
Csr Transpose(const Csr& a, int64_t num_cols) {
  Csr t;
  t.offsets.assign(num_cols + 1, 0);
  for (int32_t c : a.cols) ++t.offsets[c + 1];
  for (int64_t c = 0; c < num_cols; ++c) t.offsets[c + 1] += t.offsets[c];
  t.cols.resize(a.cols.size());
  std::vector<int64_t> next(t.offsets.begin(), t.offsets.end() - 1);
  for (int64_t r = 0; r < a.rows(); ++r)
    for (int64_t p = a.offsets[r]; p < a.offsets[r + 1]; ++p) t.cols[next[a.cols[p]]++] = static_cast<int32_t>(r);
  return t;
}

// Per-thread scratch of the row counts: a counter and a bitmap of the items seen, both all
// zero between rows.
struct RowCounter {
  std::vector<int32_t> count;
  std::vector<uint64_t> seen;
  int64_t lo = 0, hi = -1;  // bitmap words touched by the current row
  void Init(int64_t num_items) {
    if (count.empty()) count.assign(num_items, 0), seen.assign((num_items + 63) / 64, 0);
  }
  void See(int32_t j) {
    seen[j >> 6] |= uint64_t{1} << (j & 63);
    lo = std::min<int64_t>(lo, j >> 6), hi = std::max<int64_t>(hi, j >> 6);
  }
};

// Calls fn(j) for every item j of every basket holding item i (j == i included; repeats).
template <typename Fn>
void ForEachCoItem(int32_t i, const Csr& item_baskets, const Csr& baskets, Fn fn) {
  for (int64_t e = item_baskets.offsets[i]; e < item_baskets.offsets[i + 1]; ++e) {
    const int32_t b = item_baskets.cols[e];
    for (int64_t q = baskets.offsets[b]; q < baskets.offsets[b + 1]; ++q) fn(baskets.cols[q]);
  }
}

// Set bits of x (inline: the build targets baseline x86-64, where the builtin is a call).
inline int32_t PopCount(uint64_t x) {
  x -= (x >> 1) & 0x5555555555555555ULL;
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
  return static_cast<int32_t>((x * 0x0101010101010101ULL) >> 56);
}

// The number of items j != i sharing a basket with i (the bitmap only; left all zero).
int32_t CountRowNonzeros(int32_t i, const Csr& item_baskets, const Csr& baskets, RowCounter& rc) {
  rc.lo = std::numeric_limits<int64_t>::max(), rc.hi = -1;
  ForEachCoItem(i, item_baskets, baskets, [&](int32_t j) { rc.See(j); });
  int32_t nnz = 0;
  for (int64_t w = rc.lo; w <= rc.hi; ++w) nnz += PopCount(rc.seen[w]), rc.seen[w] = 0;
  return nnz - (rc.hi >= 0);  // i itself, seen in each of its baskets
}

// Row i of the counts (j != i by increasing j) into cols/vals: i's baskets scattered into the
// counter, the bitmap read back in order (no sort).
void CountRow(int32_t i, const Csr& item_baskets, const Csr& baskets, RowCounter& rc, int32_t* cols, int32_t* vals) {
  rc.lo = std::numeric_limits<int64_t>::max(), rc.hi = -1;
  ForEachCoItem(i, item_baskets, baskets, [&](int32_t j) {
    if (rc.count[j]++ == 0) rc.See(j);
  });
  for (int64_t w = rc.lo; w <= rc.hi; ++w) {
    for (uint64_t bits = rc.seen[w]; bits; bits &= bits - 1) {
      const auto j = static_cast<int32_t>(w * 64 + __builtin_ctzll(bits));
      if (j != i) *cols++ = j, *vals++ = rc.count[j];
      rc.count[j] = 0;
    }
    rc.seen[w] = 0;
  }
}

}  // namespace

CooccurrenceSimilarity::CooccurrenceSimilarity(int64_t num_items, const std::vector<int64_t>& offsets,
                                               const std::vector<int32_t>& items, Measure measure, int threads)
    : item_count_(num_items, 0.0), measure_(measure) {
  if (offsets.empty() || offsets.back() != static_cast<int64_t>(items.size()))
    Fail("co-occurrence: basket offsets do not index the item list");
  baskets_ = static_cast<double>(offsets.size() - 1);
  Csr baskets;  // deduplicated, sorted
  DedupBaskets(num_items, offsets, items, baskets.offsets, baskets.cols, item_count_);
  const Csr item_baskets = Transpose(baskets, num_items);
  threads = std::max(1, threads);
  std::vector<RowCounter> counters(threads);
  // Two passes over the rows (chunks of items, so the result does not depend on `threads`):
  // each row's number of nonzeros, then the rows written in place.
  constexpr int64_t kChunk = 1024;
  const int64_t chunks = (num_items + kChunk - 1) / kChunk;
  std::vector<int64_t> outer(num_items + 1, 0);
  ParallelFor(threads, chunks, [&](int t, int64_t c) {
    counters[t].Init(num_items);
    for (int64_t i = c * kChunk; i < std::min(num_items, (c + 1) * kChunk); ++i)
      outer[i + 1] = CountRowNonzeros(static_cast<int32_t>(i), item_baskets, baskets, counters[t]);
  });
  for (int64_t i = 0; i < num_items; ++i) outer[i + 1] += outer[i];
  if (outer[num_items] > std::numeric_limits<int32_t>::max())
    Fail("co-occurrence: more than 2^31 - 1 co-occurring pairs");
  counts_.resize(static_cast<int32_t>(num_items), static_cast<int32_t>(num_items));
  counts_.resizeNonZeros(static_cast<int32_t>(outer[num_items]));
  std::copy(outer.begin(), outer.end(), counts_.outerIndexPtr());
  ParallelFor(threads, chunks, [&](int t, int64_t c) {
    for (int64_t i = c * kChunk; i < std::min(num_items, (c + 1) * kChunk); ++i)
      CountRow(static_cast<int32_t>(i), item_baskets, baskets, counters[t], counts_.innerIndexPtr() + outer[i],
               counts_.valuePtr() + outer[i]);
  });
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

template <CooccurrenceSimilarity::Measure kMeasure>
double CooccurrenceSimilarity::MeasureOf(double cij, int32_t i, int32_t j) const {
  if (cij <= 0) return 0.0;
  switch (kMeasure) {
    case Measure::kJaccard: return cij / (item_count_[i] + item_count_[j] - cij);
    case Measure::kPmi: return std::max(0.0, std::log(cij * baskets_ / (item_count_[i] * item_count_[j])));
    case Measure::kCount: return cij;
  }
  return 0.0;
}

double CooccurrenceSimilarity::Measure_(double cij, int32_t i, int32_t j) const {
  switch (measure_) {
    case Measure::kJaccard: return MeasureOf<Measure::kJaccard>(cij, i, j);
    case Measure::kPmi: return MeasureOf<Measure::kPmi>(cij, i, j);
    case Measure::kCount: return MeasureOf<Measure::kCount>(cij, i, j);
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

void CooccurrenceSimilarity::RowTopN(int32_t i, int64_t n, int32_t* top_index, double* top_score, int32_t* index,
                                     double* score) const {
  switch (measure_) {
    case Measure::kJaccard: return RowTopNOf<Measure::kJaccard>(i, n, top_index, top_score, index, score);
    case Measure::kPmi: return RowTopNOf<Measure::kPmi>(i, n, top_index, top_score, index, score);
    case Measure::kCount: return RowTopNOf<Measure::kCount>(i, n, top_index, top_score, index, score);
  }
}

template <CooccurrenceSimilarity::Measure kMeasure>
void CooccurrenceSimilarity::RowTopNOf(int32_t i, int64_t n, int32_t* top_index, double* top_score, int32_t* index,
                                       double* score) const {
  const int32_t begin = counts_.outerIndexPtr()[i], end = counts_.outerIndexPtr()[i + 1];
  const int32_t* col = counts_.innerIndexPtr();
  const int32_t* val = counts_.valuePtr();
  // The best n nonzero scores, by a threshold scan in increasing column order (RunningTop).
  RunningTop top{top_index, top_score, n};
  double t = top.Threshold();
  for (int32_t p = begin; p < end; ++p) {
    if (col[p] == i) continue;
    const double s = MeasureOf<kMeasure>(val[p], i, col[p]);
    if (s != 0.0 && s > t) top.Insert(s, col[p]), t = top.Threshold();
  }
  const int64_t ranked = top.count;
  int64_t k = 0, r = 0;
  for (; k < n && r < ranked && top_score[r] > 0; ++k, ++r) index[k] = top_index[r], score[k] = top_score[r];
  // Zero-score items (no stored count, or a measure of 0) by lowest index, then negatives.
  int32_t p = begin;
  for (int32_t j = 0; k < n && j < num_items(); ++j) {
    while (p < end && col[p] < j) ++p;
    if (j == i || (p < end && col[p] == j && MeasureOf<kMeasure>(val[p], i, j) != 0.0)) continue;
    index[k] = j, score[k] = 0.0, ++k;
  }
  for (; k < n && r < ranked; ++k, ++r) index[k] = top_index[r], score[k] = top_score[r];
}

Neighbours CooccurrenceSimilarity::TopNeighbours(int64_t n, int threads, int64_t) const {
  const int64_t M = num_items();
  Neighbours out = EmptyNeighbours(M, n);
  constexpr int64_t kChunk = 256;
  threads = std::max(1, threads);
  std::vector<std::vector<int32_t>> top_index(threads, std::vector<int32_t>(n));
  std::vector<std::vector<double>> top_score(threads, std::vector<double>(n));
  ParallelFor(threads, (M + kChunk - 1) / kChunk, [&](int t, int64_t c) {
    for (int64_t i = c * kChunk; i < std::min(M, (c + 1) * kChunk); ++i)
      RowTopN(static_cast<int32_t>(i), n, top_index[t].data(), top_score[t].data(), out.index.data() + i * n,
              out.score.data() + i * n);
  });
  return out;
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

Neighbours ItemSimilarity::TopNeighbours(int64_t n, int threads, int64_t block_rows) const {
  return BlockedTopNeighbours(*this, n, threads, block_rows);
}

Neighbours TopNeighbours(const ItemSimilarity& sim, int64_t n, int threads, int64_t block_rows) {
  if (n <= 0) Fail("top-N neighbours: N must be positive, got ", n);
  return sim.TopNeighbours(n, threads, block_rows);
}

Neighbours BlockedTopNeighbours(const ItemSimilarity& sim, int64_t n, int threads, int64_t block_rows) {
  const int64_t M = sim.num_items();
  if (n <= 0) Fail("top-N neighbours: N must be positive, got ", n);
  Neighbours out = EmptyNeighbours(M, n);
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
