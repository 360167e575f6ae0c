// Collective communication across processes for data-parallel training and sharded
// evaluation: LibTorch's c10d with the Gloo backend and a TCPStore rendezvous (the engine
// behind PyTorch's DistributedDataParallel). This header is torch-free.
//
// Settings come from flags or the usual environment variables: WORLD_SIZE, RANK,
// MASTER_ADDR, MASTER_PORT. With a world of one process every call is a no-op.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace bundlerl {

struct DistributedConfig {
  int world_size = 1;
  int rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  int timeout_seconds = 60;  // rendezvous and every collective; then a clear error
  // Fills unset fields from WORLD_SIZE, RANK, MASTER_ADDR, MASTER_PORT; "HOST:PORT" parsing.
  void FromEnvironment();
  void SetMaster(const std::string& host_port);
  void Validate() const;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  // world_size == 1: a local communicator; otherwise joins the process group (blocking
  // until every rank has joined or the timeout passes: then throws Error).
  static std::unique_ptr<Communicator> Create(const DistributedConfig& config);
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  // In-place element-wise sum / max over all ranks. Throws Error naming the operation when a
  // rank has died or the timeout passes.
  virtual void AllReduceSum(double* data, int64_t n) = 0;
  virtual void AllReduceMax(double* data, int64_t n) = 0;
  void AllReduceSum(std::vector<double>& v) { AllReduceSum(v.data(), static_cast<int64_t>(v.size())); }
  // This rank's share [begin, end) of n items split in contiguous ranges.
  std::pair<int64_t, int64_t> Shard(int64_t n) const {
    return {n * rank() / world_size(), n * (rank() + 1) / world_size()};
  }
};

}  // namespace bundlerl
