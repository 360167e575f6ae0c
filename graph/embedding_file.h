// Trained graph embeddings as kernels: saved to and loaded from HDF5 (readable with h5py:
// /item_view/{user,bundle,item} and /bundle_view/{user,bundle}, float [n, dim], attributes
// model, users, bundles, items, dim), and turned into the shared kernel types, so that the
// simulator's replay worlds and the agents' features use the same vectors as the ranking.
#pragma once

#include <memory>
#include <string>

#include "graph/graph_model.h"
#include "kernels/similarity.h"

namespace bundlerl {

// Written whole to a temporary file and moved into place.
void SaveGraphEmbeddings(const GraphEmbeddings& embeddings, const std::string& path);
// Checks every dataset's shape against the attributes and every value for finiteness; errors
// name the file and the dataset.
GraphEmbeddings LoadGraphEmbeddings(const std::string& path);

// Cosine similarity between items over their item-view vectors (crosscbr), or between
// bundles over both views concatenated (every model): an ItemSimilarity over the catalog's
// items or over the bundles as units.
std::shared_ptr<const ItemSimilarity> ItemSimilarityFromEmbeddings(const GraphEmbeddings& embeddings);
std::shared_ptr<const ItemSimilarity> BundleSimilarityFromEmbeddings(const GraphEmbeddings& embeddings);

}  // namespace bundlerl
