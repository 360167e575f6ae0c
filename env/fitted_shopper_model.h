// A shopper model fitted to logged slates: a choice model (multinomial logit, cascade or
// independent clicks, ope/choice_fit.h) fitted by maximum likelihood to the logged slates and
// their clicks, with the utility of a shown item linear in a constant, a bias per slot and
// the feature groups of the options (ShopperModelFeaturizer):
//   kernel   the round's kernel features of the item (kernels/features.h, the platform's view)
//   bundle   its mean complement and minus its mean content similarity to the other items of
//            the slate (what makes a slate more than its items)
//   profile  the profile score split by dimension: preference_j x item_features_ij
//   item     the item's features and half their squared norm (the spread a shopper's unknown
//            taste adds to the utility of an item: E exp(v . e) = exp(|v|^2 s^2 / 2))
//   unit     one-hot of the item (catalogs of up to 5,000 items)
// The same fitted model answers the slates of a fitted world (env/fitted_world.h) and values
// target policies for the model-based estimators (policy/shopper_model_targets.h).
//
// Two kinds. "slates": logs of what was shown and clicked; the choice model answers a slate
// (the no-click option's utility fixed at 0, a bias per slot). "choices": logs of what was
// chosen only (every logged slot a click: sessions, purchases), where what else was shown is
// unknown; each chosen item is fitted as a choice among itself and `negatives` candidates
// drawn at random (a conditional logit with sampled alternatives, consistent for the
// utilities' differences), and the fitted shopper chooses one of the round's candidates: a
// slate is clicked in the slot that holds the chosen item, if it holds it. The utility's level
// against not choosing is not identified by such logs and is not modelled.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

#include "common/random.h"
#include "dataset/dataset.h"
#include "kernels/features.h"
#include "kernels/observation.h"

namespace bundlerl {

struct ShopperModelOptions {
  std::string choice = "auto";  // mnl, cascade, independent, or auto: independent if a round has two
                                // clicks, else mnl or cascade, whichever fits the log better
  std::string features = "kernel,bundle,profile,item,unit";  // feature groups (file comment)
  double l2 = 1e-3;            // ridge penalty of the fit (ope/choice_fit.h)
  std::string reward;          // the 0/1 reward fitted: click or purchase; "" = click (purchase in
                               // logs without clicks)
  int64_t negatives = 0;       // > 0: the "choices" kind, with this many sampled alternatives
  int64_t slate_size = 0;      // choices: the slots of the slates it answers (0: the log's)
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
// "mnl", "cascade", "independent", or "auto"; throws Error naming the value otherwise.
void CheckChoiceName(const std::string& choice, bool allow_auto);

// The model's per-item features of a slate.
class ShopperModelFeaturizer {
 public:
  // `groups`: comma-separated names of the file comment; throws Error naming an unknown one.
  ShopperModelFeaturizer(const ItemKernels& kernels, const std::string& groups);
  int64_t count() const { return static_cast<int64_t>(names_.size()); }
  const std::vector<std::string>& names() const { return names_; }
  const ItemKernels& kernels() const { return kernels_; }
  bool has_bundle() const { return bundle_; }
  // x [K, count()] row-major for the slate of candidate indices of `obs`.
  void Features(const Observation& obs, const int32_t* slate, int64_t K, double* x) const;

 private:
  const ItemKernels& kernels_;
  bool kernel_ = false, bundle_ = false, profile_ = false, item_ = false, unit_ = false;
  std::vector<std::string> names_;
};

class FittedShopperModel {
 public:
  // What defines a fitted model (enough to save it and rebuild it over the same kernels).
  struct Parameters {
    std::string kind = "slates";    // slates or choices (file comment)
    int64_t negatives = 0;          // choices: sampled alternatives per choice in the fit
    std::string choice;             // mnl, cascade or independent (auto resolved; choices: mnl)
    std::string features;           // the feature groups
    int64_t slate_size = 0;         // K
    std::vector<double> beta;       // [P + K - 1]: feature weights, then the biases of slots 1..K-1
                                    // (choices: [P], the feature weights)
    std::vector<double> covariance;  // [D, D] row-major
  };

  // Fits to every round of `logs` (whole slates in position order, 0/1 rewards; choices: any
  // slots, each a choice). `kernels` are the logs' and must outlive the model. Throws Error
  // naming the round when the logs do not fit the model (a second click in a round under mnl,
  // a partial slate, a revenue reward).
  FittedShopperModel(const LoggedDataset& logs, const ItemKernels& kernels, const ShopperModelOptions& options);
  // A model fitted before (Parameters of an earlier fit), over the same kernels.
  FittedShopperModel(const ItemKernels& kernels, Parameters parameters);

  const Parameters& parameters() const { return params_; }
  const ShopperModelSummary& summary() const { return summary_; }
  const ShopperModelFeaturizer& featurizer() const { return featurizer_; }
  const std::string& choice() const { return params_.choice; }
  int64_t slate_size() const { return params_.slate_size; }
  int64_t num_parameters() const { return static_cast<int64_t>(params_.beta.size()); }  // D

  // The model's answer to a slate of candidate indices of `obs`: p [K] the probability that
  // slot k is clicked; returns the expected clicks. With `grad` [D] also its gradient in the
  // parameters. `x` is scratch [K * P].
  double ClickProbabilities(const Observation& obs, const int32_t* slate, double* p, double* grad,
                            std::vector<double>& x) const;
  // The utility of every candidate of `obs` as the model values items one by one (the choices
  // kind: the softmax of these is the shopper's choice), u [C]; `x` is scratch.
  void CandidateUtilities(const Observation& obs, double* u, std::vector<double>& x) const;
  // The same from the slate's features x [K, P] (already computed).
  double ClickProbabilitiesOf(const double* x, double* p, double* grad) const;
  // A click mask drawn from the model for click probabilities p [K]: at most one click (mnl,
  // cascade, choices) or each slot on its own (independent).
  uint32_t SampleClicks(const double* p, SplitMix64& rng) const;

  // Mean log-likelihood of the rounds of `logs` (slates: per round; choices: per choice, the
  // alternatives drawn from `options.seed` as in the fit), under the model or, with `null`,
  // under the same model without features (fitted beside it). For held-out rounds.
  double LogLikelihood(const LoggedDataset& logs, const ShopperModelOptions& options, bool null) const;
  bool is_choices() const { return params_.kind == "choices"; }

 private:
  struct Design;  // the logs as choice data
  Design DesignOf(const LoggedDataset& logs, const ShopperModelOptions& options) const;
  Parameters params_;
  ShopperModelFeaturizer featurizer_;
  Eigen::VectorXd beta_, null_beta_;
  ShopperModelSummary summary_;
};

// Whole slates in position order and a 0/1 reward: what a fitted model needs of logs (of the
// choices kind: any slots); throws Error naming what is missing. Returns the reward fitted.
std::string CheckLogsForShopperModel(const LoggedDataset& logs, const std::string& reward, bool choices = false);
// True when every logged slot of `logs` is rewarded: a log of choices, with nothing to
// contrast them with (the "choices" kind needs sampled alternatives).
bool IsLogOfChoices(const LoggedDataset& logs, const std::string& reward);

}  // namespace bundlerl
