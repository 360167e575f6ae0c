// Kernels from a dataset, by spec, in one place: the simulator's worlds (synthetic and
// replayed), the bundle-ranking and bundle-completion experiments, `bundlerl similarity` and
// the features of logged rounds all build their item similarities and item kernels here, so
// that the same spec on the same data gives the same numbers everywhere.
//
// A similarity spec names a registered kind and its parameters (common/registry.h):
//   cosine                          cosine of the dense item features (/items/features)
//   tfidf:FIELDS                    cosine of TF-IDF vectors of the item text fields, '+'-joined
//                                   from title, tokens, category_path (scikit-learn's defaults)
//   cooccurrence:MEASURE:SOURCES    co-occurrence in baskets (jaccard, pmi or count) over the
//                                   '+'-joined basket sources baskets, sessions, bundles, users
//   category                        overlap of category paths
//   identity                        1 for an item with itself, else 0
// A kernel spec sets the four parts of ItemKernels, ';'-separated "part=value":
//   content=SIMILARITY               (required: the content similarity)
//   complement=SIMILARITY|none       (the complement similarity)
//   embedding=features|identity|tfidf-projection:DIM:FIELDS|none   (item vectors for the profile
//                                    score; the projection is a seeded Gaussian one, rows normalised)
//   popularity=column|counts:SOURCES|none   (items/popularity, or log(1 + count) / log(1 + max)
//                                    over the basket sources)
//   tabulate=N                       similarities of catalogs up to N items are tabulated (the
//                                    values are the kernels' own Pair(); default 2048)
//   seed=S                           the projection's seed (default 1)
// Unset parts take defaults from what the dataset holds (DefaultKernelSpec).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/registry.h"
#include "dataset/dataset.h"
#include "kernels/features.h"
#include "kernels/similarity.h"

namespace bundlerl {

using SimilarityRegistry = Registry<std::shared_ptr<const ItemSimilarity>, const LoggedDataset&>;
// Throws Error naming the spec and the missing dataset part (e.g. /items/features).
std::shared_ptr<const ItemSimilarity> BuildSimilarity(const LoggedDataset& data, const std::string& spec);

struct KernelSpec {
  std::string content, complement, embedding, popularity;  // "" = the dataset's default
  int64_t tabulate_items = 2048;  // tabulate similarities of catalogs up to this size (0: never)
  uint64_t seed = 1;              // of the embedding projection
  // "content=tfidf:title;complement=none": parts not named stay as they are.
  static KernelSpec Parse(const std::string& text);
  std::string ToString() const;  // the parts in Parse's syntax
};

// The spec with every unset part filled from what the dataset holds: content cosine (features),
// else tfidf (text), else category, else identity; complement co-occurrence over the first basket
// source present (baskets, sessions + bundles, bundles, users), else none; embedding the
// features, else identity for up to 1,000 items, else none; popularity the column, else counts
// over the complement's sources, else none.
KernelSpec DefaultKernelSpec(const LoggedDataset& data, KernelSpec spec = {});

// The item kernels of the dataset's catalog; categories from /items/category (-1 where
// missing), log prices from /items/price (0 where missing).
ItemKernels BuildKernels(const LoggedDataset& data, const KernelSpec& spec);

}  // namespace bundlerl
