// The immutable simulator world: an item catalog with its shared kernels, and the shoppers
// (true preferences, price affinity, initial history). Shared read-only by every session as
// std::shared_ptr<const World>. Generated from a seed (the embedded default world) or built
// from parts (replay of logged data, hand-made test worlds).
#pragma once

#include <Eigen/Dense>
#include <memory>
#include <vector>

#include "dataset/dataset.h"
#include "env/config.h"
#include "kernels/builder.h"
#include "kernels/features.h"

namespace bundlerl {

struct Shopper {
  Eigen::VectorXd theta;          // true preference over item embeddings
  double price_mean = 0, price_sd = 1;  // true price affinity (log price)
  std::vector<int32_t> history;   // initial history, oldest first
};

class World {
 public:
  // Kernels of catalogs up to `similarity_table_items` items are tabulated (one load per
  // pair in the simulator's hot loop; the values are those of the kernels' Pair()).
  static constexpr int64_t kDefaultSimilarityTableItems = 2048;
  World(ItemKernels kernels, std::vector<Shopper> shoppers,
        int64_t similarity_table_items = kDefaultSimilarityTableItems);
  // A world whose kernels are built from a catalog by spec (kernels/builder.h); the catalog
  // and the spec are kept, so that logs of this world can carry them and features of logged
  // rounds can be rebuilt from the log alone, equal to the simulator's.
  World(LoggedDataset catalog, KernelSpec spec, std::vector<Shopper> shoppers);
  // The embedded synthetic world: a catalog (item embeddings, categories, prices, popularity,
  // baskets) and shoppers generated from the seed.
  static std::shared_ptr<const World> Generate(const WorldConfig& config);

  const ItemKernels& kernels() const { return kernels_; }
  // The catalog and kernel spec the kernels came from; null / empty for worlds built from
  // kernels directly.
  const LoggedDataset* catalog() const { return catalog_.get(); }
  const KernelSpec& kernel_spec() const { return kernel_spec_; }
  // Item embeddings: the rows that the shopper's preference scores.
  const Eigen::MatrixXd& embeddings() const { return kernels_.item_features; }
  int64_t num_items() const { return kernels_.num_items(); }
  int64_t num_shoppers() const { return static_cast<int64_t>(shoppers_.size()); }
  const Shopper& shopper(int64_t u) const { return shoppers_[u]; }

 private:
  void CheckShoppers() const;
  std::shared_ptr<const LoggedDataset> catalog_;
  KernelSpec kernel_spec_;
  ItemKernels kernels_;
  std::vector<Shopper> shoppers_;
};

}  // namespace bundlerl
