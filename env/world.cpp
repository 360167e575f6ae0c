// World generation: see world.h and docs/SIMULATOR.md.
#include "env/world.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "common/error.h"

namespace bundlerl {

World::World(ItemKernels kernels, std::vector<Shopper> shoppers, int64_t similarity_table_items)
    : kernels_(std::move(kernels)), shoppers_(std::move(shoppers)) {
  kernels_.Validate();
  kernels_.content = TabulateIfSmall(kernels_.content, similarity_table_items);
  kernels_.complement = TabulateIfSmall(kernels_.complement, similarity_table_items);
  CheckShoppers();
}

World::World(LoggedDataset catalog, KernelSpec spec, std::vector<Shopper> shoppers)
    : catalog_(std::make_shared<const LoggedDataset>(std::move(catalog))),
      kernel_spec_(DefaultKernelSpec(*catalog_, std::move(spec))),
      kernels_(BuildKernels(*catalog_, kernel_spec_)),
      shoppers_(std::move(shoppers)) {
  CheckShoppers();
}

void World::CheckShoppers() const {
  const int64_t d = kernels_.item_features.cols();
  for (size_t u = 0; u < shoppers_.size(); ++u) {
    if (shoppers_[u].theta.size() != d)
      Fail("world: shopper ", u, " has a preference of size ", shoppers_[u].theta.size(), ", expected ", d);
    for (int32_t i : shoppers_[u].history)
      if (i < 0 || i >= kernels_.num_items()) Fail("world: shopper ", u, " history holds item ", i, ", out of range");
  }
}

std::shared_ptr<const World> World::Generate(const WorldConfig& c) {
  c.Validate();
  std::mt19937_64 rng(c.seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  const int64_t M = c.num_items, C = c.num_categories, d = c.embedding_dim;
  Eigen::MatrixXd centre(C, d);
  for (int64_t k = 0; k < C; ++k)
    for (int64_t j = 0; j < d; ++j) centre(k, j) = normal(rng);
  std::vector<double> category_price(C);
  for (auto& p : category_price) p = 0.5 * normal(rng);

  // The catalog: unit-norm embeddings around category centres, log-normal prices, popularity.
  LoggedDataset catalog;
  catalog.meta.source = "synthetic";
  catalog.meta.n_units = M;
  ItemTable& items = catalog.items;
  items.n = M;
  items.category.resize(M);
  items.price.resize(M);
  items.feature_dim = d;
  Eigen::MatrixXd embedding(M, d);
  std::vector<double> z(M);
  for (int64_t i = 0; i < M; ++i) {
    const int32_t cat = static_cast<int32_t>(i % C);  // balanced categories
    items.category[i] = cat;
    for (int64_t j = 0; j < d; ++j) embedding(i, j) = centre(cat, j) + c.category_spread * normal(rng);
    embedding.row(i).normalize();
    items.price[i] = std::exp(c.price_log_mean + category_price[cat] + c.price_log_sd * normal(rng));
    z[i] = normal(rng);
  }
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < d; ++j) items.features.push_back(embedding(i, j));
  const auto [zmin, zmax] = std::minmax_element(z.begin(), z.end());
  items.popularity.resize(M);
  for (int64_t i = 0; i < M; ++i)
    items.popularity[i] = *zmax > *zmin ? (z[i] - *zmin) / (*zmax - *zmin) : 0.5;

  // Baskets: an anchor drawn by popularity, then 1-3 items, each from the anchor's
  // complementary category (the next one) with probability complement_strength, else any.
  std::vector<double> weight(M);
  for (int64_t i = 0; i < M; ++i) weight[i] = std::exp(z[i]);
  std::discrete_distribution<int64_t> anchor(weight.begin(), weight.end());
  std::vector<std::vector<int32_t>> by_category(C);
  for (int64_t i = 0; i < M; ++i) by_category[items.category[i]].push_back(static_cast<int32_t>(i));
  std::vector<int32_t>& basket_items = catalog.baskets.values;
  for (int64_t b = 0; b < c.baskets; ++b) {
    const int64_t a = anchor(rng);
    basket_items.push_back(static_cast<int32_t>(a));
    const int extra = 1 + static_cast<int>(rng() % 3);
    const auto& comp = by_category[(items.category[a] + 1) % C];
    for (int e = 0; e < extra; ++e) {
      if (uniform(rng) < c.complement_strength && !comp.empty())
        basket_items.push_back(comp[(a + rng() % 2) % comp.size()]);  // a few specific complements per anchor
      else
        basket_items.push_back(static_cast<int32_t>(rng() % M));
    }
    catalog.baskets.offsets.push_back(static_cast<int64_t>(basket_items.size()));
  }

  std::vector<Shopper> shoppers(c.num_users);
  for (auto& s : shoppers) {
    s.theta.resize(d);
    for (int64_t j = 0; j < d; ++j) s.theta[j] = normal(rng);
    s.price_mean = c.price_log_mean + 0.5 * normal(rng);
    s.price_sd = 0.5;
    // Initial history: items drawn by preference (softmax of theta . v).
    std::vector<double> w(M);
    for (int64_t i = 0; i < M; ++i) w[i] = std::exp(embedding.row(i).dot(s.theta));
    std::discrete_distribution<int64_t> pick(w.begin(), w.end());
    for (int64_t h = 0; h < c.history_length; ++h) s.history.push_back(static_cast<int32_t>(pick(rng)));
  }
  KernelSpec spec;
  spec.content = "cosine";
  spec.complement = "cooccurrence:jaccard:baskets";
  spec.embedding = "features";
  spec.popularity = "column";
  spec.tabulate_items = c.similarity_table_items;
  return std::make_shared<const World>(std::move(catalog), spec, std::move(shoppers));
}

}  // namespace bundlerl
