// Cache prefetching for the shopper's utilities: with tabulated kernels (small catalogs) the
// cost of a step is the latency of the table entries that ShopperModel::UtilityFeatures
// loads, K h + K (K - 1) per kernel, each on its own cache line. Requesting them all at
// once, or one session ahead in a batch, overlaps those misses. A prefetch reads nothing
// into the computation, so the simulated numbers are the same with or without it.
#pragma once

#include <cstdint>

#include "kernels/features.h"

namespace bundlerl {

// Prefetches the entries content(i, j) and complement(i, j) for i in items[0..K) and j in
// history[0..h) and items[0..K): what UtilityFeatures reads. No-op for kernels that are not
// tabulated (StoredRow() == nullptr).
inline void PrefetchUtilityRows(const ItemKernels& k, const int32_t* history, int64_t h,
                                const int32_t* items, int K) {
  for (const ItemSimilarity* sim : {k.content.get(), k.complement.get()}) {
    if (!sim) continue;
    for (int a = 0; a < K; ++a) {
      const double* row = sim->StoredRow(items[a]);
      if (!row) break;
      for (int64_t j = 0; j < h; ++j) __builtin_prefetch(row + history[j]);
      for (int b = 0; b < K; ++b) __builtin_prefetch(row + items[b]);
    }
  }
}

}  // namespace bundlerl
