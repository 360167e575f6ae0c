// What a policy sees at one step: the candidate items and their per-candidate features from
// the shared feature builder (kernels/features.h). A view: the arrays belong to the producer
// (a simulator session or a logged round) and stay valid until its next step.
// A producer either materialises the whole [C, F] matrix in `features`, or (a simulator's
// state observation) leaves it null and gives the kernels and the platform's user state, from
// which ComputeFeatures() builds just the rows a policy scores, with the same numbers.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "common/error.h"
#include "kernels/features.h"

namespace bundlerl {

struct Observation {
  int32_t user = -1;
  int64_t step = 0;
  int64_t slate_size = 0;                 // K: slots to fill
  int64_t num_candidates = 0;             // C
  const int32_t* candidates = nullptr;    // [C] item ids
  const double* features = nullptr;       // [C, num_features] row-major
  int64_t num_features = kNumFeatures;
  const int32_t* history = nullptr;       // items the shopper clicked, oldest first
  int64_t history_length = 0;
  const ItemKernels* kernels = nullptr;   // set when the rows can be computed on demand
  UserStateView state;                    // the platform's estimate of the shopper
  const double* feature(int64_t c) const { return features + c * num_features; }
  // Rows [begin, end) of the feature matrix, out [(end - begin), kNumFeatures].
  void ComputeFeatures(int64_t begin, int64_t end, double* out) const {
    if (features) {
      std::copy(feature(begin), feature(end), out);
      return;
    }
    if (!kernels) Fail("observation: no features and no kernels to compute them from");
    if (begin < 0 || end > num_candidates || begin > end)
      Fail("observation: feature rows [", begin, ", ", end, ") outside [0, ", num_candidates, ")");
    BuildFeatures(*kernels, state, candidates + begin, end - begin, out);
  }
};

// Column `column` of the matrix for all candidates, out [C]: copied from `features`, or
// computed from the state at that column's cost alone.
inline void FeatureColumn(const Observation& obs, int column, double* out) {
  if (obs.features) {
    for (int64_t c = 0; c < obs.num_candidates; ++c) out[c] = obs.feature(c)[column];
    return;
  }
  if (!obs.kernels) Fail("observation: no features and no kernels to compute them from");
  BuildFeatureColumn(*obs.kernels, obs.state, obs.candidates, obs.num_candidates, column, out);
}

// The whole [C, F] matrix: `features` when the producer materialised it, else computed from
// the state into `buffer`; so that a policy written for the matrix accepts either observation.
inline const double* FeatureMatrix(const Observation& obs, std::vector<double>& buffer) {
  if (obs.features) return obs.features;
  buffer.resize(obs.num_candidates * obs.num_features);
  obs.ComputeFeatures(0, obs.num_candidates, buffer.data());
  return buffer.data();
}

// All ordered K-subsets of C candidate indices (C! / (C - K)! slates), for enumeration.
inline std::vector<std::vector<int32_t>> AllSlates(int64_t C, int64_t K) {
  std::vector<std::vector<int32_t>> out;
  std::vector<int32_t> cur;
  std::vector<char> used(C, 0);
  auto rec = [&](auto&& self) -> void {
    if (static_cast<int64_t>(cur.size()) == K) {
      out.push_back(cur);
      return;
    }
    for (int32_t c = 0; c < C; ++c) {
      if (used[c]) continue;
      used[c] = 1;
      cur.push_back(c);
      self(self);
      cur.pop_back();
      used[c] = 0;
    }
  };
  rec(rec);
  return out;
}

}  // namespace bundlerl
