// The shared simulator settings ([world], [shopper], [session], [compare], [train]) as one
// option list, declared by the structs themselves (env/config.h, harness/compare.h,
// agents/trainer.h) and shared by the simulate, train, compare and ope-benchmark commands.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agents/trainer.h"
#include "cli/options.h"
#include "env/config.h"
#include "harness/compare.h"
#include "harness/experiment.h"

namespace bundlerl::cli {

struct SimOptions {
  WorldConfig world;
  ShopperConfig shopper;
  SessionConfig session;
  CompareConfig compare;  // compare.train holds [train]
  // One instance of every registered experiment, holding its own settings ([ranking], ...).
  std::vector<std::pair<std::string, std::unique_ptr<Experiment>>> experiments;
  OptionList list;        // bound to the fields above: keep SimOptions where it was made
  SimOptions() = default;
  SimOptions(const SimOptions&) = delete;
  SimOptions& operator=(const SimOptions&) = delete;
};

// Declares the keys on `desc` (with_compare: the [compare] section and every experiment's
// own section too, so that any shipped config reads; the [train] keys are always there,
// bound to o.compare.train).
void AddSimOptions(po::options_description& desc, SimOptions& o, bool with_compare);
// Parses every value into its field, then validates the world, session, shopper and [train]
// keys and (with the experiments declared) the [compare] keys and every experiment's own
// keys, used in this run or not; errors name the key and where it was set.
void FinishSimOptions(SimOptions& o, const ParsedOptions& parsed);

}  // namespace bundlerl::cli
