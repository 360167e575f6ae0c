// The options of the simulator configs ([world], [shopper], [session], [compare]), declared
// once next to their structs' defaults and shared by the simulate and compare subcommands.
#pragma once

#include <string>

#include "cli/options.h"
#include "env/config.h"
#include "agents/trainer.h"
#include "harness/compare.h"

namespace bundlerl::cli {

struct SimOptions {
  WorldConfig world;
  ShopperConfig shopper;
  SessionConfig session;
  CompareConfig compare;
  std::string position_bias, examination, strategies, estimators, agents;  // comma-separated lists
};

void AddSimOptions(po::options_description& desc, SimOptions& o, bool with_compare);
// The [train] keys, shared by train and compare (compare trains its agents with them).
void AddTrainOptions(po::options_description& desc, TrainConfig& t);
// Converts the list options; throws Error naming the key on a malformed value.
void FinishSimOptions(SimOptions& o);

}  // namespace bundlerl::cli
