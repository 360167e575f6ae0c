// Turns the distributed flags into a communicator (cli only).
#pragma once

#include <memory>

#include "cli/options.h"
#include "distributed/communicator.h"

namespace bundlerl::cli {

inline std::unique_ptr<Communicator> MakeCommunicator(const DistributedFlags& f) {
  DistributedConfig c;
  c.world_size = f.world_size;
  c.rank = f.rank;
  c.timeout_seconds = f.timeout;
  c.FromEnvironment();
  if (!f.master.empty()) c.SetMaster(f.master);
  return Communicator::Create(c);
}

}  // namespace bundlerl::cli
