// The experiment context: see experiment.h.
#include "harness/experiment.h"

#include <cstdlib>

namespace bundlerl {

std::string ExperimentContext::DataFolder(const std::string& under) const {
  if (!compare.data.empty()) return compare.data;
  const char* env = std::getenv("BUNDLERL_DATA");
  return std::string(env && *env ? env : "../shared/data") + under;
}

}  // namespace bundlerl
