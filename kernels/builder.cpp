// Kernels from a dataset by spec: see builder.h.
#include "kernels/builder.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/error.h"
#include "common/random.h"
#include "kernels/tfidf.h"

namespace bundlerl {
namespace {

std::vector<std::string> SplitOn(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, sep)) {
    const auto b = part.find_first_not_of(" \t"), e = part.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(part.substr(b, e - b + 1));
  }
  return out;
}

// The item texts of `fields` ('+'-joined: title, tokens, category_path), space-separated.
std::vector<std::string> ItemTexts(const LoggedDataset& d, const std::string& fields, const std::string& spec) {
  const ItemTable& items = d.items;
  std::vector<std::string> docs(items.n);
  for (const auto& field : SplitOn(fields, '+')) {
    const std::vector<std::string>* column = field == "title"           ? &items.title
                                             : field == "tokens"        ? &items.tokens
                                             : field == "category_path" ? &items.category_path
                                                                        : nullptr;
    if (!column) Fail("kernel '", spec, "': unknown text field '", field, "' (title, tokens, category_path)");
    if (column->empty()) Fail("kernel '", spec, "': the dataset has no /items/", field);
    for (int64_t i = 0; i < items.n; ++i) {
      if ((*column)[i].empty()) continue;
      if (!docs[i].empty()) docs[i] += ' ';
      docs[i] += (*column)[i];
    }
  }
  return docs;
}

// The first basket source the dataset holds, for "auto".
std::string DefaultBasketSources(const LoggedDataset& d) {
  if (d.baskets.rows() > 0) return "baskets";
  if (d.has_sessions()) return d.has_bundles() ? "sessions+bundles" : "sessions";
  if (d.has_bundles()) return "bundles";
  if (d.users.history.rows() > 0) return "users";
  return "";
}

// The baskets of the '+'-joined sources, in the order named.
Ragged Baskets(const LoggedDataset& d, const std::string& sources, const std::string& spec) {
  Ragged out;
  for (const auto& source : SplitOn(sources == "auto" ? DefaultBasketSources(d) : sources, '+')) {
    const Ragged* r = source == "baskets"    ? &d.baskets
                      : source == "sessions" ? &d.sessions.items
                      : source == "bundles"  ? &d.bundles.items
                      : source == "users"    ? &d.users.history
                                             : nullptr;
    if (!r) Fail("kernel '", spec, "': unknown basket source '", source, "' (baskets, sessions, bundles, users)");
    if (r->rows() == 0) Fail("kernel '", spec, "': the dataset has no ", source);
    for (int64_t b = 0; b < r->rows(); ++b) {
      out.values.insert(out.values.end(), r->row(b), r->row(b) + r->size(b));
      out.offsets.push_back(static_cast<int64_t>(out.values.size()));
    }
  }
  if (out.rows() == 0) Fail("kernel '", spec, "': the dataset holds no baskets, sessions, bundles or user histories");
  return out;
}

Eigen::MatrixXd DenseFeatures(const LoggedDataset& d, const std::string& spec) {
  const ItemTable& items = d.items;
  if (items.features.empty() || items.feature_dim == 0)
    Fail("kernel '", spec, "': the dataset has no /items/features");
  return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      items.features.data(), items.n, items.feature_dim);
}

const bool kRegisteredCosine = SimilarityRegistry::Register(
    {"cosine", "cosine of the dense item features (/items/features)", {},
     [](const Spec& s, const LoggedDataset& d) -> std::shared_ptr<const ItemSimilarity> {
       return std::make_shared<CosineSimilarity>(DenseFeatures(d, s.text()), "cosine");
     }});

const bool kRegisteredTfidf = SimilarityRegistry::Register(
    {"tfidf", "cosine of TF-IDF vectors of item text (scikit-learn's TfidfVectorizer defaults, English stop words)",
     {{"fields", "title+tokens", "'+'-joined text fields: title, tokens, category_path"}},
     [](const Spec& s, const LoggedDataset& d) -> std::shared_ptr<const ItemSimilarity> {
       return std::make_shared<CosineSimilarity>(Tfidf::Fit(ItemTexts(d, s.String("fields"), s.text())).vectors(),
                                                 "tfidf");
     }});

const bool kRegisteredCooccurrence = SimilarityRegistry::Register(
    {"cooccurrence", "co-occurrence of items in baskets",
     {{"measure", "jaccard", "jaccard, pmi (positive PMI) or count"},
      {"sources", "auto", "'+'-joined basket sources: baskets, sessions, bundles, users (auto: the first present)"}},
     [](const Spec& s, const LoggedDataset& d) -> std::shared_ptr<const ItemSimilarity> {
       const std::string& m = s.String("measure");
       CooccurrenceSimilarity::Measure measure;
       if (m == "jaccard") measure = CooccurrenceSimilarity::Measure::kJaccard;
       else if (m == "pmi") measure = CooccurrenceSimilarity::Measure::kPmi;
       else if (m == "count") measure = CooccurrenceSimilarity::Measure::kCount;
       else Fail("kernel '", s.text(), "': measure must be jaccard, pmi or count, got '", m, "'");
       const Ragged baskets = Baskets(d, s.String("sources"), s.text());
       return std::make_shared<CooccurrenceSimilarity>(d.items.n, baskets.offsets, baskets.values, measure);
     }});

const bool kRegisteredCategory = SimilarityRegistry::Register(
    {"category", "overlap (Jaccard) of the items' category-path prefixes", {},
     [](const Spec& s, const LoggedDataset& d) -> std::shared_ptr<const ItemSimilarity> {
       if (d.items.category_path.empty()) Fail("kernel '", s.text(), "': the dataset has no /items/category_path");
       return std::make_shared<CategoryOverlapSimilarity>(d.items.category_path);
     }});

const bool kRegisteredIdentity = SimilarityRegistry::Register(
    {"identity", "1 for an item with itself, 0 otherwise (catalogs up to 10,000 items)", {},
     [](const Spec& s, const LoggedDataset& d) -> std::shared_ptr<const ItemSimilarity> {
       if (d.items.n > 10000) Fail("kernel '", s.text(), "': ", d.items.n, " items; identity holds at most 10,000");
       return std::make_shared<CosineSimilarity>(Eigen::MatrixXd::Identity(d.items.n, d.items.n), "item-identity");
     }});

Eigen::MatrixXd Embedding(const LoggedDataset& d, const KernelSpec& spec) {
  const std::string& e = spec.embedding;
  const int64_t M = d.items.n;
  if (e == "features") return DenseFeatures(d, "embedding=" + e);
  if (e == "identity") {
    if (M > 10000) Fail("kernel 'embedding=identity': ", M, " items; identity holds at most 10,000");
    return Eigen::MatrixXd::Identity(M, M);
  }
  if (e == "none") return Eigen::MatrixXd::Zero(M, 0);
  const auto parts = SplitOn(e, ':');
  if (parts.size() >= 2 && parts[0] == "tfidf-projection") {
    const int64_t dim = std::atoll(parts[1].c_str());
    if (dim < 1 || dim > 4096) Fail("kernel 'embedding=", e, "': DIM must be in [1, 4096]");
    const SparseRows X = Tfidf::Fit(ItemTexts(d, parts.size() > 2 ? parts[2] : "title+tokens", e)).vectors();
    SplitMix64 g(StreamSeed(spec.seed, Stream::kProjection));
    Eigen::MatrixXd R(X.cols(), dim);
    for (Eigen::Index a = 0; a < R.rows(); ++a)
      for (int64_t b = 0; b < dim; ++b) R(a, b) = NormalDraw(g) / std::sqrt(static_cast<double>(dim));
    Eigen::MatrixXd V = X * R;
    for (int64_t i = 0; i < M; ++i) {
      const double n = V.row(i).norm();
      if (n > 0) V.row(i) /= n;
    }
    return V;
  }
  Fail("kernel 'embedding=", e, "': expected features, identity, tfidf-projection:DIM[:FIELDS] or none");
}

std::vector<double> Popularity(const LoggedDataset& d, const std::string& p) {
  const int64_t M = d.items.n;
  if (p == "none") return std::vector<double>(M, 0.0);
  if (p == "column") {
    if (d.items.popularity.empty()) Fail("kernel 'popularity=column': the dataset has no /items/popularity");
    return d.items.popularity;
  }
  if (p.rfind("counts", 0) == 0) {
    const std::string sources = p.size() > 7 ? p.substr(7) : "auto";
    const Ragged baskets = Baskets(d, sources, "popularity=" + p);
    std::vector<double> count(M, 0.0);
    for (int32_t i : baskets.values) count[i] += 1;
    const double max_count = std::max(1.0, *std::max_element(count.begin(), count.end()));
    for (double& c : count) c = std::log1p(c) / std::log1p(max_count);
    return count;
  }
  Fail("kernel 'popularity=", p, "': expected column, counts[:SOURCES] or none");
}

}  // namespace

std::shared_ptr<const ItemSimilarity> BuildSimilarity(const LoggedDataset& data, const std::string& spec) {
  if (data.items.n <= 0) Fail("kernel '", spec, "': the dataset has no item catalog");
  return SimilarityRegistry::Make(spec, "similarity kernel", data);
}

KernelSpec KernelSpec::Parse(const std::string& text) {
  KernelSpec k;
  for (const auto& part : SplitOn(text, ';')) {
    const auto eq = part.find('=');
    if (eq == std::string::npos) Fail("kernel spec '", text, "': expected part=value, found '", part, "'");
    const std::string key = part.substr(0, eq), value = part.substr(eq + 1);
    if (key == "content") k.content = value;
    else if (key == "complement") k.complement = value;
    else if (key == "embedding") k.embedding = value;
    else if (key == "popularity") k.popularity = value;
    else if (key == "tabulate" || key == "seed") {
      char* end = nullptr;
      const long long v = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || v < 0)
        Fail("kernel spec '", text, "': ", key, " expects a non-negative integer, got '", value, "'");
      if (key == "tabulate") k.tabulate_items = v;
      else k.seed = static_cast<uint64_t>(v);
    } else {
      Fail("kernel spec '", text, "': unknown part '", key,
           "' (content, complement, embedding, popularity, tabulate, seed)");
    }
  }
  return k;
}

std::string KernelSpec::ToString() const {
  return "content=" + content + ";complement=" + complement + ";embedding=" + embedding + ";popularity=" +
         popularity + ";tabulate=" + std::to_string(tabulate_items) + ";seed=" + std::to_string(seed);
}

KernelSpec DefaultKernelSpec(const LoggedDataset& d, KernelSpec k) {
  const ItemTable& items = d.items;
  const bool text = !items.title.empty() || !items.tokens.empty();
  if (k.content.empty()) {
    if (!items.features.empty()) k.content = "cosine";
    else if (text) k.content = std::string("tfidf:") + (items.title.empty() ? "tokens" : items.tokens.empty() ? "title" : "title+tokens");
    else if (!items.category_path.empty()) k.content = "category";
    else k.content = "identity";
  }
  const std::string sources = DefaultBasketSources(d);
  if (k.complement.empty()) k.complement = sources.empty() ? "none" : "cooccurrence:jaccard:" + sources;
  if (k.embedding.empty()) k.embedding = !items.features.empty() ? "features" : items.n <= 1000 ? "identity" : "none";
  if (k.popularity.empty())
    k.popularity = !items.popularity.empty() ? "column" : sources.empty() ? "none" : "counts:" + sources;
  return k;
}

ItemKernels BuildKernels(const LoggedDataset& data, const KernelSpec& given) {
  const KernelSpec spec = DefaultKernelSpec(data, given);
  const ItemTable& items = data.items;
  const int64_t M = items.n;
  if (M <= 0) Fail("kernels: the dataset has no item catalog");
  ItemKernels k;
  k.content = TabulateIfSmall(BuildSimilarity(data, spec.content), spec.tabulate_items);
  if (spec.complement != "none")
    k.complement = TabulateIfSmall(BuildSimilarity(data, spec.complement), spec.tabulate_items);
  k.item_features = Embedding(data, spec);
  k.category = items.category.empty() ? std::vector<int32_t>(M, -1) : items.category;
  k.num_categories = 1 + std::max<int64_t>(-1, *std::max_element(k.category.begin(), k.category.end()));
  k.log_price.assign(M, 0.0);
  for (size_t i = 0; i < items.price.size(); ++i)
    if (items.price[i] > 0) k.log_price[i] = std::log(items.price[i]);
  k.popularity = Popularity(data, spec.popularity);
  k.Validate();
  return k;
}

}  // namespace bundlerl
