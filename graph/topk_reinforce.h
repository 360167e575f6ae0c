// Off-policy REINFORCE with the top-K correction (Chen et al., WSDM 2019) on logged
// user-bundle interactions, as a policy over the whole bundle catalogue.
//
// State: a user vector; actions: bundle vectors; both start from a trained graph model's
// embeddings (both views concatenated, so the policy's first ranking is the model's) and are
// trained further. The policy is pi(b | u) = softmax over every bundle of <s_u, a_b> / tau.
// The behaviour policy that produced the log is estimated by a separate head,
// beta(b | u) = softmax of <h_u, a_b> over bundles, fitted by maximum likelihood on the same
// pairs with the action vectors held fixed (the gradient stops there, as in the paper), so it
// does not pull the policy's representation. Every logged pair (u, b) is a reward of 1; the
// policy's loss on a batch is
//   - mean over pairs of  w(u, b) * log pi(b | u),
//   w = min(pi / beta, cap) * K (1 - pi)^(K - 1)      (detached),
// the importance weight of the top-K corrected gradient: a slate of K bundles drawn from pi
// holds b with probability about 1 - (1 - pi)^K, whose gradient is that multiplier times the
// gradient of log pi. The epoch with the best tune Recall@20 and NDCG@20 is kept.
#pragma once

#include "graph/graph_model.h"

namespace bundlerl {

struct TopKReinforceConfig {
  int64_t epochs = 20;
  int64_t batch = 2048;
  int64_t eval_every = 1;
  int64_t patience = 5;
  int64_t slate_size = 20;       // K of the correction (the ranking protocol's cut-off)
  double learning_rate = 1e-4;   // the policy's (state and action vectors)
  double behaviour_learning_rate = 1e-2;
  double temperature = 1.0;      // tau
  double weight_cap = 10.0;      // the cap on pi / beta
  uint64_t seed = 1;
  void Declare(OptionList& options, const std::string& prefix);
  // Throws Error naming the offending key ("config key 'reinforce.batch': ...").
  void Validate() const;
  std::string key_prefix = "reinforce";  // the keys' section, set by Declare
};

// Multiplier of the top-K corrected gradient for probabilities `pi` (closed form, K >= 1).
double TopKMultiplier(double pi, int64_t k);

// Trains the policy from `start` (a graph model's best embeddings). The result's embeddings
// hold the policy's state and action vectors (bundle view; item view empty).
GraphTrainResult TrainTopKReinforce(const TopKReinforceConfig& config, const BundleGraphs& graphs,
                                    const GraphEmbeddings& start, const GraphTuneMetric& tune,
                                    const GraphProgress& progress = {});

}  // namespace bundlerl
