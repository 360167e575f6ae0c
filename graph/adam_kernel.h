// The element loop of the fused Adam step (graph/fused_adam.h), on plain float arrays, kept out
// of LibTorch's headers so that it can be built without errno for the square root: with errno
// the compiler keeps a scalar library call per value and the loop cannot vectorise.
#pragma once

#include <cstdint>

namespace bundlerl {

struct AdamConstants {
  float b1, b2, wd, eps, lr_over_bc1, root_bc2;
};

// Values [begin, end) of one parameter: grad = g + wd p; m = b1 m + (1 - b1) grad;
// v = b2 v + (1 - b2) grad^2; p -= lr_over_bc1 m / (sqrt(v) / root_bc2 + eps). `g` null reads a
// zero gradient. The arrays must not overlap.
void AdamUpdate(const AdamConstants& c, float* p, float* m, float* v, const float* g, int64_t begin, int64_t end);

}  // namespace bundlerl
