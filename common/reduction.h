// The reduction interface through which sharded work is combined across processes: sums and
// maxima of double arrays over all ranks. Estimators and learners see only this; the c10d /
// Gloo implementation (distributed/communicator.h) lives above them, so that the libraries
// that use it need no LibTorch. A null Reducer*, or one of world size 1, means one process.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace bundlerl {

class Reducer {
 public:
  virtual ~Reducer() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  // In-place element-wise sum / max over all ranks. Throws Error naming the operation when a
  // rank has died or a timeout passes.
  virtual void AllReduceSum(double* data, int64_t n) = 0;
  virtual void AllReduceMax(double* data, int64_t n) = 0;
  void AllReduceSum(std::vector<double>& v) { AllReduceSum(v.data(), static_cast<int64_t>(v.size())); }
  // This rank's share [begin, end) of n items split in contiguous ranges.
  std::pair<int64_t, int64_t> Shard(int64_t n) const {
    return {n * rank() / world_size(), n * (rank() + 1) / world_size()};
  }
};

// True when `r` spans more than one process.
inline bool IsDistributed(const Reducer* r) { return r && r->world_size() > 1; }

}  // namespace bundlerl
