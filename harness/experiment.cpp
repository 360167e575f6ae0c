// The experiment context: see experiment.h.
#include "harness/experiment.h"

#include <cstdlib>
#include <filesystem>

namespace bundlerl {

std::string ExperimentContext::DataFolder(const std::string& under) const {
  if (!compare.data.empty()) return compare.data;
  const char* env = std::getenv("BUNDLERL_DATA");
  if (env && *env) return env + under;
  // ../shared/data beside the checkout, else data/ where scripts/get-data.sh puts the datasets
  const std::string shared = "../shared/data";
  return (std::filesystem::is_directory(shared) ? shared : std::string("data")) + under;
}

}  // namespace bundlerl
