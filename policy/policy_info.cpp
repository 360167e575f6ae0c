// The catalog check of saved policies: see learned_policy.h.
#include "common/error.h"
#include "dataset/dataset.h"
#include "policy/learned_policy.h"

namespace bundlerl {

void CheckPolicyCatalog(const std::string& policy, const PolicyInfo& info, const std::string& catalog_fingerprint,
                        const std::string& where, std::vector<std::string>* warnings) {
  if (info.catalog.empty()) {
    if (warnings)
      warnings->push_back(Concat(policy, ": the policy file records no catalog (an earlier version wrote it), so "
                                 "nothing shows it was trained for ", where, "; retrain it to have it checked"));
    return;
  }
  if (SameCatalog(info.catalog, catalog_fingerprint)) return;
  const bool kernel = info.features.empty() || info.features == "kernel";
  Fail(policy, ": the policy was trained for the catalog '", info.catalog, "', but ", where, " holds '",
       catalog_fingerprint, "'",
       kernel ? "; its kernel features would mean other items here (train it on these logs: train --logs)" : "");
}

}  // namespace bundlerl
