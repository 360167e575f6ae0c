// bundlerl similarity --data F.h5 --kind tfidf|cosine|cooccurrence|category --top N --out F.csv
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/options.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "kernels/similarity.h"
#include "kernels/tfidf.h"
#include "replay/log_store.h"

namespace bundlerl::cli {

int RunSimilarity(const std::vector<std::string>& args, const std::string&) {
  po::options_description desc(
      "bundlerl similarity --data F.h5 --kind KIND --top N --out F.csv\n\n"
      "Writes each item's top-N neighbours under one of the shared similarity kernels, so you\n"
      "can inspect what the simulator and the agents see. KIND:\n"
      "  tfidf         cosine of TF-IDF vectors of item titles and attribute tokens\n"
      "  cosine        cosine of the dense item features (/items/features)\n"
      "  cooccurrence  co-occurrence in baskets (--measure jaccard|pmi|count, --baskets)\n"
      "  category      overlap of category paths\n\noptions");
  desc.add_options()
      ("data", po::value<std::string>()->required(), "a BundleRL HDF5 file with an item catalog")
      ("kind", po::value<std::string>()->default_value("tfidf"), "tfidf, cosine, cooccurrence or category")
      ("measure", po::value<std::string>()->default_value("jaccard"), "cooccurrence: jaccard, pmi or count")
      ("baskets", po::value<std::string>()->default_value("auto"),
       "cooccurrence: sessions, bundles or users (histories); auto: the first present")
      ("top", po::value<int64_t>()->default_value(10), "neighbours per item")
      ("threads", po::value<int>()->default_value(2), "threads")
      ("out", po::value<std::string>()->required(), "output CSV: item_id,rank,neighbour_id,score");
  auto parsed = ParseSubcommand("similarity", args, desc);
  if (parsed.help) {
    std::cout << desc << "\n";
    return 0;
  }
  const auto& vm = parsed.vm;
  const LogReader data(vm["data"].as<std::string>());
  const LoggedDataset catalog = data.ReadCatalog();
  const ItemTable& items = catalog.items;
  const std::string kind = vm["kind"].as<std::string>();
  const int64_t top = vm["top"].as<int64_t>();
  if (top <= 0) Fail("--top: expected a positive number, got ", top);
  std::unique_ptr<ItemSimilarity> sim;
  if (kind == "tfidf") {
    std::vector<std::string> docs(items.n);
    for (int64_t i = 0; i < items.n; ++i) {
      if (!items.title.empty()) docs[i] = items.title[i];
      if (!items.tokens.empty()) docs[i] += " " + items.tokens[i];
    }
    if (items.title.empty() && items.tokens.empty())
      Fail(data.path(), ": items have neither /items/title nor /items/tokens for TF-IDF");
    sim = std::make_unique<CosineSimilarity>(Tfidf::Fit(docs).vectors());
  } else if (kind == "cosine") {
    if (items.features.empty()) Fail(data.path(), ": dataset /items/features is missing (needed by --kind cosine)");
    sim = std::make_unique<CosineSimilarity>(
        Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            items.features.data(), items.n, items.feature_dim).eval());
  } else if (kind == "cooccurrence") {
    std::string baskets = vm["baskets"].as<std::string>();
    if (baskets == "auto")
      baskets = data.Has("/sessions") ? "sessions" : data.Has("/bundles") ? "bundles" : "users";
    Ragged r;
    if (baskets == "sessions") r = catalog.sessions.items;
    else if (baskets == "bundles") r = catalog.bundles.items;
    else if (baskets == "users") r = catalog.users.history;
    else Fail("--baskets: expected sessions, bundles, users or auto, got '", baskets, "'");
    const std::string m = vm["measure"].as<std::string>();
    const auto measure = m == "jaccard" ? CooccurrenceSimilarity::Measure::kJaccard
                         : m == "pmi"   ? CooccurrenceSimilarity::Measure::kPmi
                         : m == "count" ? CooccurrenceSimilarity::Measure::kCount
                                        : (Fail("--measure: expected jaccard, pmi or count, got '", m, "'"),
                                           CooccurrenceSimilarity::Measure::kCount);
    sim = std::make_unique<CooccurrenceSimilarity>(items.n, r.offsets, r.values, measure);
  } else if (kind == "category") {
    if (items.category_path.empty()) Fail(data.path(), ": dataset /items/category_path is missing");
    sim = std::make_unique<CategoryOverlapSimilarity>(items.category_path);
  } else {
    Fail("--kind: expected tfidf, cosine, cooccurrence or category, got '", kind, "'");
  }
  std::cerr << "similarity: " << sim->name() << " over " << items.n << " items, top " << top << "...\n";
  const Neighbours nb = TopNeighbours(*sim, top, vm["threads"].as<int>());
  AtomicFile out(vm["out"].as<std::string>());
  auto id = [&](int64_t i) { return items.original_id.empty() ? i : items.original_id[i]; };
  out.stream() << "item_id,rank,neighbour_id,score\n";
  out.stream().precision(10);
  for (int64_t i = 0; i < items.n; ++i)
    for (int64_t k = 0; k < top; ++k) {
      const int32_t j = nb.index[i * top + k];
      if (j < 0) break;
      out.stream() << id(i) << "," << k << "," << id(j) << "," << nb.score[i * top + k] << "\n";
    }
  out.Commit();
  std::cerr << "wrote " << vm["out"].as<std::string>() << "\n";
  return 0;
}

}  // namespace bundlerl::cli
