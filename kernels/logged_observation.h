// Observations of logged rounds: what a policy sees at a round of a logged dataset, rebuilt
// from what the dataset holds (the candidates, the user's history, the round's context) by the
// same kernels and feature builder as the simulator's observations, so that a policy is
// trained and evaluated on logs with the features it would see online. For a round logged by
// the simulator the rows equal, bit for bit, those its session showed the logging policy.
//
// A feature spec says which column groups each candidate's row holds, in this order:
//   kernel    the kernel features of kernels/features.h (kNumFeatures columns)
//   unit      one-hot of the candidate's unit id (catalogs of up to 1,000 units)
//   item      the candidate's dense item features (/items/features)
//   user      the round's user's features (/users/features; zeros for an unknown user)
//   context   the round's context: one-hot of each categorical column, numeric columns as
//             they are (per-unit affinity columns excluded)
//   affinity  log(1 + the round's affinity for this candidate), when the context holds one
//             affinity column per unit ("user-item_affinity_<unit>", as the OBD has)
// The kernel columns come first, so strategies that rank by one kernel column work on any
// spec.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataset/dataset.h"
#include "kernels/features.h"
#include "kernels/observation.h"

namespace bundlerl {

struct FeatureSpec {
  std::vector<std::string> parts = {"kernel"};
  // "kernel,unit,user,context,affinity"; throws Error naming an unknown part.
  static FeatureSpec Parse(const std::string& text);
  std::string ToString() const;
  bool Has(const std::string& part) const;
};

// "kernel" for datasets without a round context or user features; "kernel,unit,user,context,
// affinity" (the parts the dataset can fill) for datasets with them, such as the OBD.
FeatureSpec DefaultFeatureSpec(const LoggedDataset& catalog);

class RoundObserver {
 public:
  // `catalog` and `kernels` must outlive the observer; `kernels` are the catalog's (built
  // from it by kernels/builder.h). Throws Error naming what the spec needs and the dataset
  // lacks.
  RoundObserver(const LoggedDataset& catalog, const ItemKernels& kernels, const FeatureSpec& spec,
                int64_t slate_size);
  int64_t num_features() const { return num_features_; }
  // Candidates per round: the dataset's num_candidates, or every unit when it is 0.
  int64_t num_candidates() const { return num_candidates_; }

  // The observation of round i of `rounds` (meta as the catalog's), with the [C, F] feature
  // matrix; valid until the next call. One observer per thread. With `materialize` false and
  // kernel columns only, a state observation (features == nullptr): the rows are computed on
  // demand, the same numbers (kernels/observation.h), at the cost of the rows read.
  const Observation& Observe(const RoundBatch& rounds, int64_t i, bool materialize = true);
  // The candidate index of `unit` in the last observation; -1 if it is not a candidate.
  int32_t CandidateIndex(int32_t unit) const;

 private:
  const LoggedDataset& catalog_;
  const ItemKernels& kernels_;
  FeatureSpec spec_;
  int64_t slate_size_, num_candidates_, num_features_ = 0;
  // Context encoding: per context column, the offset of its one-hot block (categorical), of
  // its value (numeric), or -1 (an affinity column); and the first affinity column.
  std::vector<int64_t> context_offset_;
  std::vector<char> context_categorical_;
  int64_t context_width_ = 0, affinity_first_ = -1;
  RunningUserState platform_;
  std::vector<int32_t> candidates_, history_;
  std::vector<int32_t> position_of_unit_;  // unit -> candidate index in the last observation
  std::vector<double> kernel_rows_, rows_;  // [C, kNumFeatures], [C, F]
  Observation obs_;
};

}  // namespace bundlerl
