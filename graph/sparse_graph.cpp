// Sparse interaction graphs: see sparse_graph.h.
#include "graph/sparse_graph.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/error.h"
#include "common/executor.h"
#include "common/random.h"

namespace bundlerl {

void EdgeList::Add(int32_t a_node, int32_t b_node) {
  if (a_node < 0 || a_node >= rows || b_node < 0 || b_node >= cols)
    Fail(name, ": edge (", a_node, ", ", b_node, ") outside the ", rows, " x ", cols, " graph");
  a.push_back(a_node);
  b.push_back(b_node);
}

void EdgeList::Deduplicate() {
  std::vector<int64_t> key(a.size());
  for (size_t e = 0; e < a.size(); ++e) key[e] = static_cast<int64_t>(a[e]) * cols + b[e];
  std::sort(key.begin(), key.end());
  key.erase(std::unique(key.begin(), key.end()), key.end());
  a.resize(key.size());
  b.resize(key.size());
  for (size_t e = 0; e < key.size(); ++e) a[e] = static_cast<int32_t>(key[e] / cols), b[e] = static_cast<int32_t>(key[e] % cols);
}

namespace {

// CSR from (row, col, value) triplets with distinct (row, col); columns sorted within rows.
CsrMatrix FromTriplets(int64_t rows, int64_t cols, const std::vector<int32_t>& r, const std::vector<int32_t>& c,
                       const std::vector<float>& v) {
  CsrMatrix m;
  m.rows = rows, m.cols = cols;
  m.offsets.assign(rows + 1, 0);
  for (int32_t x : r) ++m.offsets[x + 1];
  std::partial_sum(m.offsets.begin(), m.offsets.end(), m.offsets.begin());
  m.index.resize(r.size());
  m.value.resize(r.size());
  std::vector<int64_t> next(m.offsets.begin(), m.offsets.end() - 1);
  for (size_t e = 0; e < r.size(); ++e) {
    const int64_t p = next[r[e]]++;
    m.index[p] = c[e];
    m.value[p] = v[e];
  }
  for (int64_t i = 0; i < rows; ++i) {  // sort columns within each row
    std::vector<std::pair<int32_t, float>> row;
    for (int64_t p = m.offsets[i]; p < m.offsets[i + 1]; ++p) row.emplace_back(m.index[p], m.value[p]);
    std::sort(row.begin(), row.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (size_t k = 0; k < row.size(); ++k) m.index[m.offsets[i] + k] = row[k].first, m.value[m.offsets[i] + k] = row[k].second;
  }
  return m;
}

void CheckKeep(const EdgeList& edges, const std::vector<char>& keep) {
  if (!keep.empty() && static_cast<int64_t>(keep.size()) != edges.size())
    Fail("graph edge mask has ", keep.size(), " flags for ", edges.size(), " edges");
}

}  // namespace

CsrMatrix CsrMatrix::Transposed() const {
  std::vector<int32_t> r, c;
  r.reserve(index.size()), c.reserve(index.size());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t p = offsets[i]; p < offsets[i + 1]; ++p) r.push_back(index[p]), c.push_back(static_cast<int32_t>(i));
  return FromTriplets(cols, rows, r, c, value);
}

std::vector<float> CsrMatrix::Dense() const {
  std::vector<float> d(static_cast<size_t>(rows * cols), 0.0f);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t p = offsets[i]; p < offsets[i + 1]; ++p) d[i * cols + index[p]] += value[p];
  return d;
}

CsrMatrix SymmetricBipartite(const EdgeList& edges, const std::vector<char>& keep) {
  CheckKeep(edges, keep);
  const int64_t n = edges.rows + edges.cols;
  std::vector<double> degree(n, 0.0);
  for (int64_t e = 0; e < edges.size(); ++e)
    if (keep.empty() || keep[e]) degree[edges.a[e]] += 1, degree[edges.rows + edges.b[e]] += 1;
  std::vector<int32_t> r, c;
  std::vector<float> v;
  for (int64_t e = 0; e < edges.size(); ++e) {
    if (!keep.empty() && !keep[e]) continue;
    const int32_t x = edges.a[e], y = static_cast<int32_t>(edges.rows + edges.b[e]);
    const float w = static_cast<float>(1.0 / std::sqrt(degree[x] * degree[y]));
    r.push_back(x), c.push_back(y), v.push_back(w);
    r.push_back(y), c.push_back(x), v.push_back(w);
  }
  return FromTriplets(n, n, r, c, v);
}

CsrMatrix RowMean(const EdgeList& edges, const std::vector<char>& keep) {
  CheckKeep(edges, keep);
  std::vector<double> degree(edges.rows, 0.0);
  for (int64_t e = 0; e < edges.size(); ++e)
    if (keep.empty() || keep[e]) degree[edges.a[e]] += 1;
  std::vector<int32_t> r, c;
  std::vector<float> v;
  for (int64_t e = 0; e < edges.size(); ++e) {
    if (!keep.empty() && !keep[e]) continue;
    r.push_back(edges.a[e]), c.push_back(edges.b[e]), v.push_back(static_cast<float>(1.0 / degree[edges.a[e]]));
  }
  return FromTriplets(edges.rows, edges.cols, r, c, v);
}

std::vector<char> EdgeDropoutMask(int64_t edges, double ratio, uint64_t seed) {
  SplitMix64 rng(seed);
  std::vector<char> keep(edges);
  for (auto& k : keep) k = rng.Uniform() >= ratio;
  return keep;
}

namespace {

// Rows [begin, end) of y = base + m x. Built for AVX2 and baseline x86-64 (chosen at load time);
// neither has fused multiply-add, so both give the same bits.
__attribute__((target_clones("avx2", "default"))) void SparseRowsTimesDense(const CsrMatrix& m, const float* x,
                                                                            int64_t d, float* y, const float* base,
                                                                            int64_t begin, int64_t end) {
  constexpr int64_t kAhead = 4;
  for (int64_t i = begin; i < end; ++i) {
    float* out = y + i * d;
    if (!base) std::fill(out, out + d, 0.0f);
    else if (base != y) std::copy(base + i * d, base + (i + 1) * d, out);
    for (int64_t p = m.offsets[i]; p < m.offsets[i + 1]; ++p) {
      // The gathered rows are scattered over megabytes: ask for the one a few steps ahead
      // (the offsets run on into the next rows).
      if (p + kAhead < m.nnz()) {
        const float* next = x + static_cast<int64_t>(m.index[p + kAhead]) * d;
        for (int64_t k = 0; k < d; k += 16) __builtin_prefetch(next + k);
      }
      const float w = m.value[p];
      const float* in = x + static_cast<int64_t>(m.index[p]) * d;
      for (int64_t k = 0; k < d; ++k) out[k] += w * in[k];
    }
  }
}

}  // namespace

void SparseTimesDense(const CsrMatrix& m, const float* x, int64_t d, float* y, int threads, const float* base) {
  const int64_t tasks = std::min<int64_t>(m.rows, std::max(1, threads) * 8);
  if (tasks == 0) return;
  ParallelFor(threads, tasks, [&](int, int64_t t) {
    SparseRowsTimesDense(m, x, d, y, base, m.rows * t / tasks, m.rows * (t + 1) / tasks);
  });
}

}  // namespace bundlerl
