// Shapes of the value formula shared by several estimators (see ope/estimator.h, TermForm).
#pragma once

#include <cstdint>

#include "common/registry.h"
#include "ope/estimator.h"

namespace bundlerl {

// V = mean(t_0), with `terms` terms per row.
inline TermForm Linear(int terms = 1) {
  TermForm f;
  f.num_terms = terms;
  f.linear = {0};
  return f;
}

// K ratio pairs (2k, 2k + 1), after `offset` leading linear terms.
inline TermForm PerSlotRatios(int64_t K, int offset) {
  TermForm f;
  f.num_terms = offset + 2 * static_cast<int>(K);
  for (int j = 0; j < offset; ++j) f.linear.push_back(j);
  for (int k = 0; k < K; ++k) f.ratios.push_back({offset + 2 * k, offset + 2 * k + 1});
  return f;
}

// Row weights of WeightKind::kSlot: out[i] = mean over the K slots of f(w_ik), for `rows` rows
// of per-slot weights w ([rows, K]).
template <class F>
void SlotMeanWeights(const double* w, int64_t rows, int64_t K, F f, double* out) {
  if (K == 1) {
    for (int64_t i = 0; i < rows; ++i) out[i] = f(w[i]);
    return;
  }
  for (int64_t i = 0; i < rows; ++i, w += K) {
    double s = 0;
    for (int64_t k = 0; k < K; ++k) s += f(w[k]);
    out[i] = s / static_cast<double>(K);
  }
}

// A threshold parameter that must be a positive number.
inline double PositiveParameter(const Spec& spec, const char* key) {
  const double x = spec.Double(key);
  if (!(x > 0)) Fail("estimator '", spec.text(), "': ", key, " must be a positive number, got ", x);
  return x;
}

}  // namespace bundlerl
