// FNV-1a over bytes: the fingerprints that show two runs, worlds or trainings are bit-identical
// (a change to any byte changes the digest with near certainty; not a cryptographic hash).
#pragma once

#include <cstddef>
#include <cstdint>

namespace bundlerl {

inline constexpr uint64_t kFnvOffset = 1469598103934665603ULL;

// The digest of n bytes at `data`, continuing from `h` (kFnvOffset starts a new one).
inline uint64_t Fnv1a(const void* data, size_t n, uint64_t h = kFnvOffset) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
  return h;
}

}  // namespace bundlerl
