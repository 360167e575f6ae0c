// The fitted world's flags, shared by fit-world and by train and simulate (which fit one to
// --logs for the agents that learn online).
#pragma once

#include <ostream>
#include <string>

#include "cli/options.h"
#include "env/fitted_world.h"

namespace bundlerl::cli {

void AddFittedWorldOptions(po::options_description& desc);
// The options from the parsed flags (each checked, naming its flag).
FittedWorldOptions FittedWorldOptionsFrom(const po::variables_map& vm, const std::string& kernels,
                                          const std::string& features, uint64_t seed, int threads);
// The world's model and held-out fit, as fit-world prints them.
void PrintFittedWorld(const FittedWorld& world, std::ostream& out);

}  // namespace bundlerl::cli
