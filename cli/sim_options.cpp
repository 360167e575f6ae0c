// The shared simulator settings: see sim_options.h.
#include "cli/sim_options.h"

namespace bundlerl::cli {

void AddSimOptions(po::options_description& desc, SimOptions& o, bool with_compare) {
  o.world.Declare(o.list);
  o.shopper.Declare(o.list);
  o.session.Declare(o.list);
  if (with_compare) {
    o.compare.Declare(o.list);
    for (const auto& name : ExperimentRegistry::Names()) {
      o.experiments.emplace_back(name, ExperimentRegistry::Make(name, "experiment"));
      o.experiments.back().second->DeclareOptions(o.list);
    }
  }
  o.compare.train.Declare(o.list);
  AddOptionList(desc, o.list);
}

void FinishSimOptions(SimOptions& o, const ParsedOptions& parsed) {
  ApplyOptionList(o.list, parsed);
  o.world.Validate();
  o.session.Validate(o.world.num_items);
  o.shopper.Validate(o.session.slate_size);
  o.compare.train.Validate();
  if (o.experiments.empty()) return;
  o.compare.Validate();
  for (const auto& named : o.experiments) named.second->ValidateOptions();
}

}  // namespace bundlerl::cli
