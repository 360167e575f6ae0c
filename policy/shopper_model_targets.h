// The fitted shopper model as an off-policy estimator's input. A choice model (multinomial
// logit or cascade, ope/choice_fit.h) is fitted by maximum likelihood to the logged slates and
// their clicks, with the utility of a shown item linear in a constant, a bias per slot and
// the feature groups of the options (ShopperModelFeaturizer):
//   kernel   the round's kernel features of the item (kernels/features.h, the platform's view)
//   bundle   its mean complement and minus its mean content similarity to the other items of
//            the slate (what makes a slate more than its items)
//   profile  the profile score split by dimension: preference_j x item_features_ij
//   item     the item's features and half their squared norm (the spread a shopper's unknown
//            taste adds to the utility of an item: E exp(v . e) = exp(|v|^2 s^2 / 2))
//   unit     one-hot of the item (catalogs of up to 5,000 items) Each target policy is then valued in the fitted model at every logged
// round (slates drawn from the policy, each slate's expected clicks computed exactly), which
// fills the model columns of the policy's OpeData (model_value, model_logged, their gradients
// and the fit's covariance) for the "model" and "slate-dr" estimators.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataset/dataset.h"
#include "kernels/features.h"
#include "ope/estimator.h"
#include "policy/slate_policy.h"

namespace bundlerl {

struct ShopperModelOptions {
  std::string choice = "auto";  // mnl, cascade, independent, or auto: mnl unless a round has two clicks
  std::string features = "kernel,bundle,profile,item,unit";  // feature groups (file comment)
  double l2 = 1e-3;            // ridge penalty of the fit (ope/choice_fit.h)
  int target_slates = 4;       // slates drawn from a target per round (deterministic: all equal)
  uint64_t seed = 0;           // of the target slates: DeriveSeed(seed, round), per policy alike
  int threads = 2;
};

// What was fitted, for the report.
struct ShopperModelSummary {
  std::string choice;
  std::vector<std::string> parameters;  // names, in the order of estimate
  std::vector<double> estimate, stderr_;
  double loglik = 0;       // mean per round
  double loglik_null = 0;  // a constant click rate per slot (the same model without features)
  int64_t rounds = 0;
  int iterations = 0;
};

// Throws Error naming an unknown group of `groups` (comma-separated, the file comment's).
void CheckShopperModelFeatures(const std::string& groups);

// The model's per-item features of a slate.
class ShopperModelFeaturizer {
 public:
  // `groups`: comma-separated names of the file comment; throws Error naming an unknown one.
  ShopperModelFeaturizer(const ItemKernels& kernels, const std::string& groups);
  int64_t count() const { return static_cast<int64_t>(names_.size()); }
  const std::vector<std::string>& names() const { return names_; }
  // x [K, count()] row-major for the slate of candidate indices of `obs`.
  void Features(const Observation& obs, const int32_t* slate, int64_t K, double* x) const;

 private:
  const ItemKernels& kernels_;
  bool kernel_ = false, bundle_ = false, profile_ = false, item_ = false, unit_ = false;
  std::vector<std::string> names_;
};

// Fits the model to every round of `logs` (whole slates, click rewards) and fills the model
// columns of data[p] for policies[p] (data as BuildPolicyOpeData returns it, one per policy,
// in the same order). Throws Error naming the round when the logs do not fit the model (a
// second click in a round under mnl, a partial slate, a reward other than click). The result
// does not depend on the number of threads.
ShopperModelSummary AddShopperModelColumns(const LoggedDataset& logs, const ItemKernels& kernels,
                                           const std::vector<const SlatePolicy*>& policies,
                                           const ShopperModelOptions& options, std::vector<OpeData>& data);

}  // namespace bundlerl
