// The interaction graphs of a bundle dataset as sparse matrices, and the sparse-dense
// product that propagates embeddings over them (LightGCN, CrossCBR). Torch-free: the
// autograd wrapper is graph/propagation.h.
//
// A bipartite graph between A nodes (users, bundles) and B nodes (items, bundles) is stored
// as its edge list; the matrices built from it are
//   SymmetricBipartite: the (A + B) x (A + B) adjacency [[0, R], [R', 0]] scaled
//     D^-1/2 . D^-1/2 by the node degrees (nodes of degree 0 keep an empty row);
//   RowMean: the A x B matrix whose row a averages a's neighbours (a bundle's items).
// Both take an optional keep mask over the edges (edge dropout: a dropped edge is absent and
// the degrees count the kept edges only).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bundlerl {

// Distinct (a, b) edges of a bipartite graph with `rows` A nodes and `cols` B nodes.
struct EdgeList {
  std::string name = "graph";  // named in errors, e.g. "user_bundle_train"
  int64_t rows = 0, cols = 0;
  std::vector<int32_t> a, b;
  int64_t size() const { return static_cast<int64_t>(a.size()); }
  // Appends (a, b); Deduplicate() sorts and removes repeats. Ids are checked against the
  // sizes (an Error naming the graph and the edge).
  void Add(int32_t a_node, int32_t b_node);
  void Deduplicate();
};

// Compressed sparse rows, float values, 32-bit column ids.
struct CsrMatrix {
  int64_t rows = 0, cols = 0;
  std::vector<int64_t> offsets{0};
  std::vector<int32_t> index;
  std::vector<float> value;
  int64_t nnz() const { return static_cast<int64_t>(index.size()); }
  CsrMatrix Transposed() const;
  // Dense copy, row-major [rows, cols] (tests).
  std::vector<float> Dense() const;
};

// keep: empty (every edge) or one flag per edge.
CsrMatrix SymmetricBipartite(const EdgeList& edges, const std::vector<char>& keep = {});
CsrMatrix RowMean(const EdgeList& edges, const std::vector<char>& keep = {});

// A keep mask that drops each edge independently with probability `ratio`.
std::vector<char> EdgeDropoutMask(int64_t edges, double ratio, uint64_t seed);

// y[rows, d] = base + m . x[cols, d], row-major. No base: zero; a base is y itself or does not
// overlap y; x must not overlap y. Rows are split over `threads` threads of the shared
// executor; each output row is summed in a fixed order, so the result does not depend on the
// thread count.
void SparseTimesDense(const CsrMatrix& m, const float* x, int64_t d, float* y, int threads,
                      const float* base = nullptr);

}  // namespace bundlerl
