// Graph embeddings on disk and as kernels: see embedding_file.h.
#include "graph/embedding_file.h"

#include <cmath>

#include "common/error.h"
#include "common/memory.h"
#include "kernels/builder.h"
#include "replay/h5.h"

namespace bundlerl {
namespace {

struct Dataset {
  const char* name;
  std::vector<float> GraphEmbeddings::*field;
  int64_t GraphEmbeddings::*rows;
};

const std::vector<Dataset>& Datasets() {
  static const std::vector<Dataset> d = {
      {"/item_view/user", &GraphEmbeddings::item_view_user, &GraphEmbeddings::users},
      {"/item_view/bundle", &GraphEmbeddings::item_view_bundle, &GraphEmbeddings::bundles},
      {"/item_view/item", &GraphEmbeddings::item_view_item, &GraphEmbeddings::items},
      {"/bundle_view/user", &GraphEmbeddings::bundle_view_user, &GraphEmbeddings::users},
      {"/bundle_view/bundle", &GraphEmbeddings::bundle_view_bundle, &GraphEmbeddings::bundles},
  };
  return d;
}

Eigen::MatrixXd ToMatrix(const std::vector<float>& v, int64_t rows, int64_t dim) {
  Eigen::MatrixXd m(rows, dim);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t k = 0; k < dim; ++k) m(i, k) = v[i * dim + k];
  return m;
}

}  // namespace

void SaveGraphEmbeddings(const GraphEmbeddings& e, const std::string& path) {
  h5::WriteFileAtomically(path, [&](h5::File& f) {
    f.SetAttr("model", e.model);
    f.SetAttr("users", e.users);
    f.SetAttr("bundles", e.bundles);
    f.SetAttr("items", e.items);
    f.SetAttr("dim", e.dim);
    f.CreateGroup("/item_view");
    f.CreateGroup("/bundle_view");
    for (const Dataset& d : Datasets())
      if (!(e.*d.field).empty()) f.Write(d.name, e.*d.field, {e.*d.rows, e.dim});
  });
}

GraphEmbeddings LoadGraphEmbeddings(const std::string& path) {
  const h5::File f = h5::File::OpenRead(path);
  GraphEmbeddings e;
  e.model = f.GetStringAttr("model");
  e.users = f.GetIntAttr("users"), e.bundles = f.GetIntAttr("bundles"), e.items = f.GetIntAttr("items");
  e.dim = f.GetIntAttr("dim");
  for (int64_t n : {e.users, e.bundles, e.items, e.dim})
    if (n <= 0 || n > (int64_t{1} << 31)) Fail(path, ": graph embeddings with a size attribute of ", n);
  for (const Dataset& d : Datasets()) {
    if (!f.Exists(d.name)) continue;
    const std::vector<int64_t> shape = f.Shape(d.name);
    if (shape != std::vector<int64_t>{e.*d.rows, e.dim})
      Fail(path, ": dataset ", d.name, " has the wrong shape (expected [", e.*d.rows, ", ", e.dim, "])");
    CheckFitsInMemory(4.0 * static_cast<double>(e.*d.rows) * static_cast<double>(e.dim), Concat(path, ": dataset ", d.name));
    e.*d.field = f.Read<float>(d.name);
    for (size_t i = 0; i < (e.*d.field).size(); ++i)
      if (!std::isfinite((e.*d.field)[i])) Fail(path, ": dataset ", d.name, " holds a non-finite value at ", i);
  }
  if (e.bundle_view_user.empty() || e.bundle_view_bundle.empty())
    Fail(path, ": graph embeddings without /bundle_view/user and /bundle_view/bundle");
  if (e.item_view_user.empty() != e.item_view_bundle.empty())
    Fail(path, ": graph embeddings with only part of the item view");
  return e;
}

std::shared_ptr<const ItemSimilarity> ItemSimilarityFromEmbeddings(const GraphEmbeddings& e) {
  if (e.item_view_item.empty()) Fail("graph embeddings of model ", e.model, " have no item vectors (crosscbr has)");
  return std::make_shared<CosineSimilarity>(ToMatrix(e.item_view_item, e.items, e.dim), e.model + "-items");
}

std::shared_ptr<const ItemSimilarity> BundleSimilarityFromEmbeddings(const GraphEmbeddings& e) {
  Eigen::MatrixXd m(e.bundles, e.item_view_bundle.empty() ? e.dim : 2 * e.dim);
  for (int32_t b = 0; b < e.bundles; ++b) {
    const std::vector<float> v = e.BundleVector(b);
    for (size_t k = 0; k < v.size(); ++k) m(b, static_cast<int64_t>(k)) = v[k];
  }
  return std::make_shared<CosineSimilarity>(m, e.model + "-bundles");
}

namespace {

// graph:FILE, a similarity kernel like the others (kernels/builder.h): the cosine over the item
// vectors a bundle-ranking run saved (embeddings_crosscbr.h5), for a dataset of the same
// catalog, so that replay worlds, agents' features and `bundlerl similarity` use the vectors
// the ranking learned.
const bool kRegisteredGraphKernel = SimilarityRegistry::Register(
    {"graph", "cosine over the item vectors of a graph-embedding file (embeddings_crosscbr.h5 of bundle-ranking)",
     {{"file", "", "the embeddings file"}},
     [](const Spec& s, const LoggedDataset& d) -> std::shared_ptr<const ItemSimilarity> {
       const std::string& path = s.String("file");
       if (path.empty()) Fail("kernel '", s.text(), "': name the embeddings file (graph:FILE)");
       const GraphEmbeddings e = LoadGraphEmbeddings(path);
       if (e.items != d.items.n)
         Fail("kernel '", s.text(), "': ", path, " holds vectors of ", e.items, " items, the dataset has ", d.items.n,
              " (embeddings of another catalog)");
       return ItemSimilarityFromEmbeddings(e);
     }});

}  // namespace

}  // namespace bundlerl
