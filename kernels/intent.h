// Intent vectors: an item representation learned from bundles that carry an intent text
// ("snacks for a road trip"), for catalogs where most items were never in a training bundle.
// A ridge regression maps an item's content vector (e.g. its title's TF-IDF row) to the words
// of the intents of the training bundles it belongs to; every item, bundled before or not, gets
// its predicted intent vector, and two items are alike when their predicted intents are
// (cosine, kernels/similarity.h). Where title words miss the link between two items of one
// bundle ("jerky" and "tuna pouches" for a camping trip), the intents seen in training bundles
// can supply it.
//
// The fit, with X_T the content rows of the n items in training bundles, Y_T their targets
// (per item, the mean over its bundles of the 0/1 indicators of the intent's words; words in
// fewer than min_count bundles and English stop words left out) and X every item's rows:
//   A = (X_T X_T' + ridge I)^-1 Y_T,    vectors = X X_T' A
// (ridge regression without intercept, in its n x n dual form: n is a few thousand items
// where the content has tens of thousands of terms).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "kernels/tfidf.h"

namespace bundlerl {

struct IntentConfig {
  double ridge = 3.0;     // > 0
  int64_t min_count = 3;  // >= 1: a word's bundles, at least
};

// One training bundle's item with the bundle's intent text (a bundle's first label gives the
// text its words are taken from).
struct IntentLabel {
  int32_t item = 0;
  int64_t bundle = 0;  // the bundle (a word is counted once per bundle)
  std::string intent;
};

struct IntentVectors {
  Eigen::MatrixXd vectors;          // [items, words]: predicted intents (rows not normalised)
  std::vector<std::string> words;   // the intent vocabulary, sorted
  int64_t labelled_items = 0;       // n: items in at least one training bundle
};

// Throws Error when an item index is outside `content`'s rows or the config is out of range.
// No labels, or no word in min_count bundles, gives zero vectors (similarity 0 throughout).
IntentVectors FitIntentVectors(const SparseRows& content, const std::vector<IntentLabel>& labels,
                               const IntentConfig& config);

}  // namespace bundlerl
