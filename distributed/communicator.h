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

#include "common/reduction.h"

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

// The process group: a Reducer (common/reduction.h) over c10d.
class Communicator : public Reducer {
 public:
  // world_size == 1: a local communicator; otherwise joins the process group (blocking
  // until every rank has joined or the timeout passes: then throws Error).
  static std::unique_ptr<Communicator> Create(const DistributedConfig& config);
};

}  // namespace bundlerl
