// bundlerl similarity --data F.h5 --kind KIND --top N --out F.csv
#include <charconv>
#include <iostream>
#include <string>
#include <type_traits>
#include <memory>

#include "cli/commands.h"
#include "cli/options.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/memory.h"
#include "common/executor.h"
#include "kernels/builder.h"
#include "replay/log_store.h"

namespace bundlerl::cli {
namespace {

// The kernel spec (kernels/builder.h) that --kind and its options name.
std::string KernelSpecOf(const std::string& kind, const std::string& measure, std::string baskets,
                         const LoggedDataset& catalog) {
  const ItemTable& items = catalog.items;
  if (kind == "tfidf") {
    std::string fields;
    if (!items.title.empty()) fields = "title";
    if (!items.tokens.empty()) fields += fields.empty() ? "tokens" : "+tokens";
    if (fields.empty()) Fail("the items have neither /items/title nor /items/tokens for TF-IDF");
    return "tfidf:" + fields;
  }
  if (kind == "cooccurrence") {
    if (baskets == "auto")
      baskets = catalog.has_sessions() ? "sessions" : catalog.has_bundles() ? "bundles" : "users";
    return "cooccurrence:" + measure + ":" + baskets;
  }
  return kind;  // cosine, category, identity, or a whole spec
}

// Appends v to buf: integers exactly, doubles as %.10g (what a stream with precision 10
// writes), by std::to_chars.
template <typename T>
void Append(std::string& buf, T v, std::chars_format fmt = std::chars_format::general) {
  char s[32];
  std::to_chars_result r;
  if constexpr (std::is_floating_point_v<T>) r = std::to_chars(s, s + sizeof s, v, fmt, 10);
  else r = std::to_chars(s, s + sizeof s, v);
  buf.append(s, r.ptr);
}

// item_id,rank,neighbour_id,score: one row per neighbour (ids the items' original ids when
// the catalog has them: as text for the generic slate layout's, which may be any strings,
// quoted where CSV needs it), written in chunks of about 1 MB.
void WriteNeighboursCsv(const Neighbours& nb, const ItemTable& items, std::ostream& os) {
  auto id = [&](std::string& out, int64_t i) {
    if (!items.original_key.empty()) {
      const std::string& key = items.original_key[i];
      if (key.find_first_of(",\"\n\r") == std::string::npos) {
        out += key;
      } else {
        out += '"';
        for (char c : key) out += c == '"' ? std::string("\"\"") : std::string(1, c);
        out += '"';
      }
      return;
    }
    Append(out, items.original_id.empty() ? i : static_cast<int64_t>(items.original_id[i]));
  };
  std::string buf = "item_id,rank,neighbour_id,score\n";
  for (int64_t i = 0; i < nb.num_items; ++i) {
    for (int64_t k = 0; k < nb.n; ++k) {
      const int32_t j = nb.index[i * nb.n + k];
      if (j < 0) break;
      id(buf, i), buf += ',', Append(buf, k), buf += ',', id(buf, j), buf += ',';
      Append(buf, nb.score[i * nb.n + k]), buf += '\n';
    }
    if (buf.size() > (1 << 20)) os.write(buf.data(), static_cast<std::streamsize>(buf.size())), buf.clear();
  }
  os.write(buf.data(), static_cast<std::streamsize>(buf.size()));
}

}  // namespace

int RunSimilarity(const std::vector<std::string>& args, const std::string&) {
  // graph:FILE is registered only in bundlerl-full (LibTorch); the light executable hands it over.
  const std::string graph_line =
      SimilarityRegistry::Has("graph")
          ? ""
          : "  graph:FILE    cosine over the item vectors of a graph-embedding file (embeddings_crosscbr.h5\n"
            "                of a bundle-ranking run; run by bundlerl-full, to which this hands over)\n";
  po::options_description desc(
      "bundlerl similarity --data F.h5 --kind KIND --top N --out F.csv\n\n"
      "Writes each item's top-N neighbours under one of the shared similarity kernels, so you\n"
      "can inspect what the simulator and the agents see. KIND:\n"
      "  tfidf         cosine of TF-IDF vectors of item titles and attribute tokens\n"
      "  cooccurrence  co-occurrence in baskets (--measure, --baskets)\n" +
      graph_line + "  or any kernel spec of the registry:\n" +
      SimilarityRegistry::Help(4) + "\noptions");
  desc.add_options()
      ("data", po::value<std::string>()->required(), "a BundleRL HDF5 file with an item catalog")
      ("kind", po::value<std::string>()->default_value("tfidf"), "tfidf, cooccurrence, or a kernel spec")
      ("measure", po::value<std::string>()->default_value("jaccard"), "cooccurrence: jaccard, pmi or count")
      ("baskets", po::value<std::string>()->default_value("auto"),
       "cooccurrence: sessions, bundles, users or baskets, '+'-joined; auto: the first of sessions, "
       "bundles, users present")
      ("top", po::value<int64_t>()->default_value(10), "neighbours per item")
      ("threads", po::value<int>()->default_value(2), "threads")
      ("out", po::value<std::string>()->required(), "output CSV: item_id,rank,neighbour_id,score");
  auto parsed = ParseSubcommand("similarity", args, desc);
  if (parsed.help) {
    std::cout << desc << "\n";
    return 0;
  }
  const auto& vm = parsed.vm;
  const int64_t top = vm["top"].as<int64_t>();
  if (top <= 0) Fail("--top: expected a positive number, got ", top);
  const int threads = vm["threads"].as<int>();
  ValidateThreads(threads, "--threads");
  const std::string kind = vm["kind"].as<std::string>();
  const std::string kernel_file = kind.rfind("graph:", 0) == 0 ? kind.substr(6) : "";
  CheckOutputIsNotInput(vm["out"].as<std::string>(), {vm["data"].as<std::string>(), parsed.config_file, kernel_file});
  const LogReader data(vm["data"].as<std::string>());
  const LoggedDataset catalog = data.ReadCatalog();
  const ItemTable& items = catalog.items;
  CheckFitsInMemory(static_cast<double>(items.n) * (16.0 * top + 512),
                    Concat(data.path(), ": ", items.n, " items with --top ", top));
  std::shared_ptr<const ItemSimilarity> sim;
  try {
    sim = BuildSimilarity(catalog, KernelSpecOf(vm["kind"].as<std::string>(), vm["measure"].as<std::string>(),
                                                vm["baskets"].as<std::string>(), catalog));
  } catch (const UnknownNameError& e) {
    throw UnknownNameError(Concat(data.path(), ": ", e.what()));  // the light executable hands it over
  } catch (const Error& e) {
    Fail(data.path(), ": ", e.what());
  }
  std::cerr << "similarity: " << sim->name() << " over " << items.n << " items, top " << top << "...\n";
  const Neighbours nb = TopNeighbours(*sim, top, threads);
  AtomicFile out(vm["out"].as<std::string>());
  WriteNeighboursCsv(nb, items, out.stream());
  out.Commit();
  std::cerr << "wrote " << vm["out"].as<std::string>() << "\n";
  return 0;
}

}  // namespace bundlerl::cli
