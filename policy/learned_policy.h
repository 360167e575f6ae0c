// Loading saved learned policies without including torch: `bundlerl simulate`, `evaluate`
// and `compare` accept a policy file wherever they accept a strategy name.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "policy/slate_policy.h"

namespace bundlerl {

// What a saved policy was trained for, stored beside its parameters.
struct PolicyInfo {
  std::string name;                // the agent that trained it
  std::string features = "kernel";  // the feature rows it scores (kernels/logged_observation.h)
  int64_t num_features = 0;        // their width
  std::string kernels;             // the kernel spec of the logs it was trained on ("": a world's)
  std::string catalog;             // their catalog's fingerprint, when the features are
                                   // catalog-specific (unit, item, context or affinity)
  std::string config;              // the resolved configuration of the training run
  std::string version;             // bundlerl's
};

// Checks that a saved policy is used on the catalog it was trained for: throws Error naming
// `policy`, both fingerprints and `where` when they differ; a file that records no catalog
// (written before catalogs were recorded) is let through with a sentence in `warnings`.
void CheckPolicyCatalog(const std::string& policy, const PolicyInfo& info, const std::string& catalog_fingerprint,
                        const std::string& where, std::vector<std::string>* warnings);

// True if `spec` names an existing file (rather than a fixed strategy).
bool IsPolicyFile(const std::string& spec);
// Loads a policy saved by `bundlerl train`; throws Error naming the file if it is not one, or
// if a parameter is not finite.
std::shared_ptr<const SlatePolicy> LoadLearnedPolicy(const std::string& path, PolicyInfo* info = nullptr);
// A fixed strategy by name, or a saved policy by file.
std::shared_ptr<const SlatePolicy> MakePolicy(const std::string& spec);

}  // namespace bundlerl
