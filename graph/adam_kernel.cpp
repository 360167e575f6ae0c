// The fused Adam step's element loop: see adam_kernel.h. This file is built with
// -fno-math-errno (CMakeLists.txt); v is never negative, so errno would never be set anyway.
#include "graph/adam_kernel.h"

#include <cmath>

namespace bundlerl {
namespace {

// Built for AVX2 and baseline x86-64 (chosen at load time); neither has fused multiply-add,
// and vector square roots and quotients are correctly rounded like scalar ones, so every build
// gives the same bits. kHasGradient splits the loop so that it holds no branch.
template <bool kHasGradient>
__attribute__((target_clones("avx2", "default"))) void AdamLoop(const AdamConstants& c, float* __restrict p,
                                                                float* __restrict m, float* __restrict v,
                                                                const float* __restrict g, int64_t begin,
                                                                int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const float grad = (kHasGradient ? g[i] : 0.0f) + c.wd * p[i];
    const float mi = c.b1 * m[i] + (1 - c.b1) * grad;
    const float vi = c.b2 * v[i] + (1 - c.b2) * grad * grad;
    m[i] = mi, v[i] = vi;
    p[i] -= c.lr_over_bc1 * mi / (std::sqrt(vi) / c.root_bc2 + c.eps);
  }
}

}  // namespace

void AdamUpdate(const AdamConstants& c, float* p, float* m, float* v, const float* g, int64_t begin, int64_t end) {
  if (g) AdamLoop<true>(c, p, m, v, g, begin, end);
  else AdamLoop<false>(c, p, m, v, nullptr, begin, end);
}

}  // namespace bundlerl
