// A fitted world (env/fitted_world.h) saved as a file and read back: the log it replays, in the
// logged-session store's schema (so that `bundlerl info` and `evaluate` read it too), and its
// model under /world (kind, choice, feature groups, the agent's feature rows, the kernel spec,
// the parameters and their covariance, the held-out report). `bundlerl fit-world` writes it;
// `simulate --world` and `train --world` read it.
#pragma once

#include <memory>
#include <string>

#include "env/fitted_world.h"

namespace bundlerl {

// Writes the world atomically (nothing at `path` unless every part was written).
void SaveFittedWorld(const FittedWorld& world, const std::string& path, const std::string& command);
// Throws Error naming the file when it is not a saved world.
std::shared_ptr<const FittedWorld> LoadFittedWorld(const std::string& path);
// True when `path` is a file holding a saved world.
bool IsFittedWorldFile(const std::string& path);

}  // namespace bundlerl
