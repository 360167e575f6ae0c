// Loading saved learned policies without including torch: `bundlerl simulate`, `evaluate`
// and `compare` accept a policy file wherever they accept a strategy name.
#pragma once

#include <memory>
#include <string>

#include "policy/slate_policy.h"

namespace bundlerl {

// True if `spec` names an existing file (rather than a fixed strategy).
bool IsPolicyFile(const std::string& spec);
// Loads a policy saved by `bundlerl train`; throws Error naming the file if it is not one.
std::shared_ptr<const SlatePolicy> LoadLearnedPolicy(const std::string& path);
// A fixed strategy by name, or a saved policy by file.
std::shared_ptr<const SlatePolicy> MakePolicy(const std::string& spec);

}  // namespace bundlerl
