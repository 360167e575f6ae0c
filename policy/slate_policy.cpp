// The slate-policy interface's defaults, TopK, and the policy registry's entry points: see
// slate_policy.h and fixed_policies.h.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/error.h"
#include "policy/fixed_policies.h"

namespace bundlerl {

std::vector<std::pair<std::vector<int32_t>, double>> SlatePolicy::Enumerate(const Observation&) const {
  Fail("policy '", name(), "' cannot enumerate its slate distribution");
}

void SlatePolicy::SlotMarginals(const Observation& obs, double* out) const {
  for (int64_t k = 0; k < obs.slate_size; ++k)
    for (int64_t c = 0; c < obs.num_candidates; ++c)
      out[k * obs.num_candidates + c] = SlotMarginal(obs, k, static_cast<int32_t>(c));
}

void TopK(const double* score, int64_t stride, int64_t n, int64_t K, int32_t* out) {
  // Insertion into a sorted prefix of length <= K: O(n K), no allocation.
  int64_t filled = 0;
  for (int64_t c = 0; c < n; ++c) {
    const double s = score[c * stride];
    if (filled == K && !(s > score[out[K - 1] * stride])) continue;
    int64_t pos = filled < K ? filled++ : K - 1;
    while (pos > 0 && s > score[out[pos - 1] * stride]) {
      out[pos] = out[pos - 1];
      --pos;
    }
    out[pos] = static_cast<int32_t>(c);
  }
}

std::vector<std::string> FixedPolicyNames() { return PolicyRegistry::Names(); }

std::shared_ptr<const SlatePolicy> MakeFixedPolicy(const std::string& spec) {
  return PolicyRegistry::Make(spec, "policy");
}

}  // namespace bundlerl
