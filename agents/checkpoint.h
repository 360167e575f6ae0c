// Internal to agents/: checkpoint files (LibTorch archives) holding the agent's name, the
// trainer's state (update, learning curve, fingerprint) and the agent's own entries; written
// atomically (a temporary file beside the target, renamed).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>

#include "agents/agent.h"

namespace bundlerl::internal {

void WriteCheckpoint(const std::string& path, const std::string& agent, const TrainerState& trainer,
                     const std::function<void(torch::serialize::OutputArchive&)>& fill);
// Throws Error naming the file when it is not a checkpoint, or one of another agent.
TrainerState ReadCheckpoint(const std::string& path, const std::string& agent,
                            const std::function<void(torch::serialize::InputArchive&)>& read);

// The fingerprint of the settings a checkpoint was written under ("" in files that predate it),
// read before the agent's state so that other settings are named as such, not as a corrupt file.
std::string ReadCheckpointFingerprint(const std::string& path);

// An Eigen-free tensor copy of a double array, and back (for the bandits' statistics).
torch::Tensor DoublesToTensor(const double* data, int64_t n);
void TensorToDoubles(const torch::Tensor& t, double* data, int64_t n, const std::string& what);

}  // namespace bundlerl::internal
