// Tests for kernels/: tokeniser, TF-IDF, similarities, top-N, profiles, feature builder.
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "common/csv.h"
#include "common/error.h"
#include "kernels/features.h"
#include "kernels/intent.h"
#include "kernels/profile.h"
#include "kernels/similarity.h"
#include "kernels/text.h"
#include "kernels/tfidf.h"
#include "dataset/importers.h"
#include "test_util.h"

using namespace bundlerl;
using bundlerl::testing::DataDir;
using bundlerl::testing::TempDir;

TEST_CASE("tokeniser follows scikit-learn's default token pattern", "[kernels]") {
  CHECK(Tokenize("Hello, WORLD! a b_c x1 don't 4K-TV") ==
        std::vector<std::string>{"hello", "world", "b_c", "x1", "don", "4k", "tv"});
  CHECK(Tokenize("the Case for the phone", &EnglishStopWords()) ==
        std::vector<std::string>{"case", "phone"});
  CHECK(Tokenize("Caf\xc3\xa9 \xc3\x89t\xc3\xa9 \xe2\x84\xa2x") ==  // Café Été ™x
        std::vector<std::string>{"caf\xc3\xa9", "\xc3\xa9t\xc3\xa9"});
  CHECK(EnglishStopWords().size() == 318);
}

TEST_CASE("TF-IDF on a small corpus equals the hand computation", "[kernels]") {
  TfidfConfig cfg;
  cfg.english_stop_words = false;
  const Tfidf t = Tfidf::Fit({"apple banana", "apple apple cherry", "banana cherry cherry durian"}, cfg);
  REQUIRE(t.vocabulary() == std::vector<std::string>{"apple", "banana", "cherry", "durian"});
  const double i2 = std::log(4.0 / 3.0) + 1, i1 = std::log(4.0 / 2.0) + 1;  // df 2 and df 1
  CHECK(t.idf()[0] == Approx(i2));
  CHECK(t.idf()[3] == Approx(i1));
  const Eigen::MatrixXd X(t.vectors());
  CHECK(X(0, 0) == Approx(1 / std::sqrt(2.0)));
  CHECK(X(1, 0) == Approx(2 / std::sqrt(5.0)));
  CHECK(X(1, 2) == Approx(1 / std::sqrt(5.0)));
  const double n3 = std::sqrt(i2 * i2 + 4 * i2 * i2 + i1 * i1);
  CHECK(X(2, 1) == Approx(i2 / n3));
  CHECK(X(2, 2) == Approx(2 * i2 / n3));
  CHECK(X(2, 3) == Approx(i1 / n3));
  const CosineSimilarity sim(t.vectors());
  CHECK(sim.Pair(0, 1) == Approx(2 / std::sqrt(10.0)));
  CHECK(sim.Pair(1, 2) == Approx((2 / std::sqrt(5.0)) * 0 + (1 / std::sqrt(5.0)) * (2 * i2 / n3)));
  CHECK(sim.Pair(2, 2) == Approx(1.0));
}

TEST_CASE("top-N neighbours equal brute force, dense and sparse, any block size", "[kernels]") {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd V(301, 8);
  for (int i = 0; i < V.rows(); ++i)
    for (int j = 0; j < V.cols(); ++j) V(i, j) = normal(rng);
  V.row(7) = V.row(3);  // an exact tie
  SparseRows S(301, 40);
  std::vector<Eigen::Triplet<double, int32_t>> trip;
  for (int i = 0; i < 301; ++i)
    for (int j = 0; j < 40; ++j)
      if (rng() % 5 == 0) trip.emplace_back(i, j, std::abs(normal(rng)));
  S.setFromTriplets(trip.begin(), trip.end());
  const CosineSimilarity dense(V), sparse(S);
  for (const ItemSimilarity* sim : {static_cast<const ItemSimilarity*>(&dense),
                                    static_cast<const ItemSimilarity*>(&sparse)}) {
    for (int64_t block : {1, 37, 512}) {
      const Neighbours nb = TopNeighbours(*sim, 6, 2, block);
      for (int32_t i = 0; i < 301; ++i) {
        std::vector<std::pair<double, int32_t>> all;
        for (int32_t j = 0; j < 301; ++j)
          if (j != i) all.push_back({-sim->Pair(i, j), j});
        std::sort(all.begin(), all.end(), [](auto a, auto b) {
          return std::abs(a.first - b.first) > 1e-12 ? a.first < b.first : a.second < b.second;
        });
        for (int k = 0; k < 6; ++k) {
          REQUIRE(nb.score[i * 6 + k] == Approx(-all[k].first).margin(1e-12));
          REQUIRE(nb.index[i * 6 + k] == all[k].second);
        }
      }
    }
  }
}

TEST_CASE("co-occurrence, Jaccard, PMI and category overlap by hand", "[kernels]") {
  // Baskets: {0,1}, {0,1,2}, {2,3}, {0}
  const CooccurrenceSimilarity jac(5, {0, 2, 5, 7, 8}, {0, 1, 0, 1, 2, 2, 3, 0},
                                   CooccurrenceSimilarity::Measure::kJaccard);
  CHECK(jac.co_count(0, 1) == 2);
  CHECK(jac.co_count(1, 3) == 0);
  CHECK(jac.Pair(0, 1) == Approx(2.0 / (3 + 2 - 2)));
  CHECK(jac.Pair(1, 2) == Approx(1.0 / (2 + 2 - 1)));
  CHECK(jac.Pair(0, 3) == 0.0);
  CHECK(jac.Pair(4, 4) == 0.0);  // item in no basket
  const CooccurrenceSimilarity pmi(5, {0, 2, 5, 7, 8}, {0, 1, 0, 1, 2, 2, 3, 0},
                                   CooccurrenceSimilarity::Measure::kPmi);
  CHECK(pmi.Pair(0, 1) == Approx(std::log(2.0 * 4 / (3 * 2))));
  CHECK(pmi.Pair(0, 2) == 0.0);  // ln(1 * 4 / (3 * 2)) < 0, clipped
  CHECK(pmi.Pair(2, 3) == Approx(std::log(1.0 * 4 / (2 * 1))));
  Eigen::MatrixXd block;
  jac.Block(0, 5, block);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) CHECK(block(i, j) == Approx(jac.Pair(i, j)));

  const CategoryOverlapSimilarity cat({"A > B > C", "A > B > D", "E", "A > B > C | E"});
  CHECK(cat.Pair(0, 1) == Approx(2.0 / 4));  // {A, A>B, A>B>C} vs {A, A>B, A>B>D}
  CHECK(cat.Pair(0, 2) == 0.0);
  CHECK(cat.Pair(0, 3) == Approx(3.0 / 4));
  CHECK(cat.Pair(2, 3) == Approx(1.0 / 4));
  cat.Block(1, 3, block);
  CHECK(block(0, 0) == Approx(2.0 / 4));
  CHECK(block(1, 3) == Approx(1.0 / 4));
}

TEST_CASE("coherence and similarity to history by hand", "[kernels]") {
  Eigen::MatrixXd V(3, 2);
  V << 1, 0, 0, 1, 1, 1;
  const CosineSimilarity sim(V);
  const int32_t bundle[] = {0, 1, 2};
  const double r = 1 / std::sqrt(2.0);
  CHECK(BundleCoherence(sim, bundle, 3) == Approx((0 + r + r) / 3));
  CHECK(BundleCoherence(sim, bundle, 1) == 0.0);
  const int32_t hist[] = {0, 1};
  const auto h = SimilarityToHistory(sim, 2, hist, 2);
  CHECK(h.max == Approx(r));
  CHECK(h.mean == Approx(r));
  CHECK(SimilarityToHistory(sim, 0, hist, 2).max == Approx(1.0));
}

TEST_CASE("ridge preferences equal the normal equations; profiles by hand", "[kernels]") {
  std::mt19937_64 rng(9);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd X(50, 4);
  for (int i = 0; i < 50; ++i)
    for (int j = 0; j < 4; ++j) X(i, j) = normal(rng);
  std::vector<int64_t> offsets = {0};
  std::vector<int32_t> items;
  std::vector<double> y;
  for (int u = 0; u < 7; ++u) {
    for (int k = 0; k < u * 3; ++k) items.push_back(static_cast<int32_t>(rng() % 50)), y.push_back(normal(rng));
    offsets.push_back(static_cast<int64_t>(items.size()));
  }
  const Eigen::MatrixXd W = RidgePreferences(X, offsets, items, y, 0.5, 2);
  for (int u = 0; u < 7; ++u) {
    const int64_t n = offsets[u + 1] - offsets[u];
    Eigen::MatrixXd Xu(n, 4);
    Eigen::VectorXd yu(n);
    for (int64_t k = 0; k < n; ++k) Xu.row(k) = X.row(items[offsets[u] + k]), yu[k] = y[offsets[u] + k];
    const Eigen::VectorXd w =
        (Xu.transpose() * Xu + 0.5 * Eigen::MatrixXd::Identity(4, 4)).inverse() * Xu.transpose() * yu;
    for (int j = 0; j < 4; ++j) CHECK(W(u, j) == Approx(w[j]).margin(1e-10));
  }
  CHECK_THROWS_WITH(RidgePreferences(X, offsets, items, y, 0.0), Catch::Contains("lambda"));

  Eigen::MatrixXd V(3, 2);
  V << 1, 0, 0, 1, 2, 2;
  const int32_t hist[] = {0, 1, 2};
  // Ages 2, 1, 0 with half-life 1: weights 1/4, 1/2, 1.
  const Eigen::VectorXd p = DecayedProfile(V, hist, nullptr, 3, 0, 1.0);
  CHECK(p[0] == Approx((0.25 * 1 + 1 * 2) / 1.75));
  CHECK(p[1] == Approx((0.5 * 1 + 1 * 2) / 1.75));
  const double times[] = {0, 10, 20};
  const Eigen::VectorXd q = DecayedProfile(V, hist, times, 3, 20, 10.0);
  CHECK(q[0] == Approx((0.25 + 2) / 1.75));
  const auto hcat = CategoryHistogram({0, 1, 1}, 3, hist, 3);
  CHECK(hcat == std::vector<double>{1.0 / 3, 2.0 / 3, 0.0});
  const auto pa = PriceAffinityOf({0.0, 1.0, 2.0}, hist, 3, {});
  CHECK(pa.mean == Approx(1.0));
  CHECK(pa.sd == Approx(std::sqrt(2.0 / 3)));
}

TEST_CASE("feature builder computes each documented column", "[kernels]") {
  ItemKernels k;
  Eigen::MatrixXd V(4, 2);
  V << 1, 0, 0, 1, 1, 1, -1, 0;
  k.content = std::make_shared<CosineSimilarity>(V);
  k.complement = std::make_shared<CooccurrenceSimilarity>(
      4, std::vector<int64_t>{0, 2}, std::vector<int32_t>{0, 3}, CooccurrenceSimilarity::Measure::kJaccard);
  k.item_features = V;
  k.category = {0, 1, 1, -1};
  k.num_categories = 2;
  k.log_price = {0.0, 1.0, 2.0, 3.0};
  k.popularity = {0.1, 0.2, 0.3, 0.4};
  k.Validate();
  Eigen::VectorXd pref(2);
  pref << 2, -1;
  const UserState u = UserStateFromHistory(k, {0, 1}, pref);
  const int32_t cands[] = {2, 3};
  double f[2 * kNumFeatures];
  BuildFeatures(k, u, cands, 2, f);
  const double r = 1 / std::sqrt(2.0);
  CHECK(f[kProfileScore] == Approx(1.0));  // (1,1).(2,-1)
  CHECK(f[kContentMax] == Approx(r));
  CHECK(f[kContentMean] == Approx(r));
  CHECK(f[kComplementMax] == 0.0);
  // User log prices {0, 1}: mean 0.5, sd 0.5; item 2 has log price 2: z = 3.
  CHECK(f[kPriceFit] == Approx(-4.5));
  CHECK(f[kPopularity] == Approx(0.3));
  CHECK(f[kCategoryMatch] == Approx(0.5));
  const double* g = f + kNumFeatures;  // item 3: (-1, 0)
  CHECK(g[kProfileScore] == Approx(-2.0));
  CHECK(g[kContentMax] == Approx(0.0));
  CHECK(g[kContentMean] == Approx(-0.5));
  CHECK(g[kComplementMax] == Approx(1.0));  // shares the one basket with item 0
  CHECK(g[kCategoryMatch] == 0.0);
  CHECK(FeatureNames().size() == kNumFeatures);
  k.popularity.pop_back();
  CHECK_THROWS_WITH(k.Validate(), Catch::Contains("popularity"));
}

TEST_CASE("TF-IDF top-5 over Amazon electronic titles equals scikit-learn's", "[kernels][data]") {
  // The fixture comes from scripts/make_tfidf_fixture.py (python3-sklearn 1.2.1).
  std::vector<std::pair<int64_t, std::string>> titled;
  {
    CsvReader csv(DataDir() + "/bundles/amazon/electronic/item_titles.csv");
    csv.ReadHeader(2);
    std::vector<std::string> f;
    while (csv.Next(f)) titled.push_back({csv.ToInt(f[0], "item ID"), f[1]});
  }
  std::sort(titled.begin(), titled.end());
  std::vector<std::string> docs;
  for (const auto& [id, t] : titled) docs.push_back(t);
  const Tfidf tfidf = Tfidf::Fit(docs);
  CHECK(tfidf.vocabulary().size() == 8887);
  const CosineSimilarity sim(tfidf.vectors());
  const Neighbours nb = TopNeighbours(sim, 5, 2);
  CsvReader fixture(std::string(BUNDLERL_SOURCE_DIR) + "/tests/fixtures/amazon_electronic_tfidf_top5.csv");
  std::vector<std::string> f;
  fixture.Next(f);  // comment line
  fixture.Next(f);  // header
  std::map<int64_t, int32_t> dense;
  for (size_t i = 0; i < titled.size(); ++i) dense[titled[i].first] = static_cast<int32_t>(i);
  int64_t rows = 0, same_index = 0;
  while (fixture.Next(f)) {
    const int32_t i = dense.at(std::stoll(f[0]));
    const int rank = std::stoi(f[1]);
    const double score = std::stod(f[3]);
    ++rows;
    REQUIRE(nb.score[i * 5 + rank] == Approx(score).margin(1e-9));
    const int32_t j = nb.index[i * 5 + rank];
    if (titled[j].first == std::stoll(f[2])) {
      ++same_index;
    } else {
      // Only an exact tie may be ordered differently: both must score the same.
      REQUIRE(sim.Pair(i, dense.at(std::stoll(f[2]))) == Approx(score).margin(1e-9));
    }
  }
  CHECK(rows == 3499 * 5);
  CHECK(same_index > rows * 99 / 100);
}

TEST_CASE("TF-IDF over OBD item-context tokens: shared categories mean similar items",
          "[kernels][data]") {
  TempDir tmp;
  const ItemTable items = ImportObd(DataDir() + "/obd/random/men", "test").items;
  REQUIRE(items.tokens.size() == 34);
  const Tfidf t = Tfidf::Fit(items.tokens);
  const CosineSimilarity sim(t.vectors());
  auto shared = [&](int a, int b) {
    const auto x = Tokenize(items.tokens[a]), y = Tokenize(items.tokens[b]);
    return static_cast<int>(std::count_if(x.begin(), x.end(), [&](const std::string& s) {
      return s.size() == 32 && std::find(y.begin(), y.end(), s) != y.end();
    }));
  };
  // Over all pairs: more shared category values, higher similarity (strictly, on average).
  std::map<int, std::pair<double, int>> by_shared;
  for (int a = 0; a < 34; ++a)
    for (int b = a + 1; b < 34; ++b) {
      auto& e = by_shared[shared(a, b)];
      e.first += sim.Pair(a, b);
      e.second += 1;
      if (shared(a, b) == 3) CHECK(sim.Pair(a, b) == Approx(1.0));
    }
  REQUIRE(by_shared.size() >= 3);
  double previous = -1;
  for (const auto& [k, e] : by_shared) {
    const double mean = e.first / e.second;
    CHECK(mean > previous);
    previous = mean;
  }
}

TEST_CASE("co-occurrence over Youshu bundle-item lists: counts by brute force; shared "
          "bundles mean similar items", "[kernels][data]") {
  const LoggedDataset youshu = ImportBundles(DataDir() + "/bundles/Youshu", "test");
  const BundleTable& bundles = youshu.bundles;
  const int64_t M = youshu.items.n;
  const CooccurrenceSimilarity jac(M, bundles.items.offsets, bundles.items.values,
                                   CooccurrenceSimilarity::Measure::kJaccard);
  const CooccurrenceSimilarity pmi(M, bundles.items.offsets, bundles.items.values,
                                   CooccurrenceSimilarity::Measure::kPmi);
  // Bundles of each item, to count shared bundles by brute force.
  std::vector<std::set<int64_t>> of(M);
  for (int64_t b = 0; b < bundles.items.rows(); ++b)
    for (int64_t k = 0; k < bundles.items.size(b); ++k) of[bundles.items.row(b)[k]].insert(b);
  std::mt19937_64 rng(1);
  int many = 0, none = 0;
  double jac_many = 0, jac_none = 0;
  for (int64_t b = 0; b < bundles.items.rows() && (many < 200 || none < 200); ++b) {
    const int32_t* it = bundles.items.row(b);
    const int32_t x = it[rng() % bundles.items.size(b)], y = it[rng() % bundles.items.size(b)];
    const int32_t z = static_cast<int32_t>(rng() % M);
    for (auto [i, j] : {std::pair<int32_t, int32_t>{x, y}, {x, z}}) {
      if (i == j) continue;
      std::vector<int64_t> common;
      std::set_intersection(of[i].begin(), of[i].end(), of[j].begin(), of[j].end(), std::back_inserter(common));
      REQUIRE(jac.co_count(i, j) == static_cast<int64_t>(common.size()));
      REQUIRE(jac.basket_count(i) == of[i].size());
      if (common.size() >= 2) {
        ++many;
        jac_many += jac.Pair(i, j);
        CHECK(pmi.Pair(i, j) > 0);
      }
      if (common.empty() && !of[i].empty() && !of[j].empty()) {
        ++none;
        jac_none += jac.Pair(i, j);
        CHECK(pmi.Pair(i, j) == 0);
      }
    }
  }
  REQUIRE(many > 50);
  REQUIRE(none > 50);
  CHECK(jac_many / many > 0.0);
  CHECK(jac_none == 0.0);
}

namespace {

// Random kernel inputs: M item vectors of dimension d, and B baskets of three items (CSR).
struct RandomItems {
  Eigen::MatrixXd vectors;
  std::vector<int64_t> offsets = {0};
  std::vector<int32_t> items;
};
RandomItems MakeRandomItems(uint64_t seed, int M, int d, int B) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  RandomItems r;
  r.vectors.resize(M, d);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < d; ++j) r.vectors(i, j) = normal(rng);
  for (int b = 0; b < B; ++b) {
    for (int k = 0; k < 3; ++k) r.items.push_back(static_cast<int32_t>(rng() % M));
    r.offsets.push_back(static_cast<int64_t>(r.items.size()));
  }
  return r;
}

}  // namespace

TEST_CASE("Row() equals Pair() for every kernel", "[kernels]") {
  const RandomItems r = MakeRandomItems(2, 30, 5, 40);
  const CosineSimilarity dense(r.vectors);
  const CooccurrenceSimilarity co(30, r.offsets, r.items, CooccurrenceSimilarity::Measure::kPmi);
  std::vector<int32_t> cands = {0, 5, 5, 29, 3, 17};
  std::vector<double> out(cands.size());
  for (const ItemSimilarity* sim : {static_cast<const ItemSimilarity*>(&dense), static_cast<const ItemSimilarity*>(&co)})
    for (int32_t i = 0; i < 30; ++i) {
      sim->Row(i, cands.data(), static_cast<int64_t>(cands.size()), out.data());
      for (size_t c = 0; c < cands.size(); ++c) REQUIRE(out[c] == Approx(sim->Pair(i, cands[c])).margin(1e-12));
    }
}

TEST_CASE("a tabulated kernel holds exactly its base's Pair() values", "[kernels]") {
  const RandomItems r = MakeRandomItems(4, 25, 4, 30);
  const auto dense = std::make_shared<const CosineSimilarity>(r.vectors);
  const auto co = std::make_shared<const CooccurrenceSimilarity>(25, r.offsets, r.items,
                                                                 CooccurrenceSimilarity::Measure::kJaccard);
  const std::vector<int32_t> cands = {3, 0, 24, 3, 11};
  for (const std::shared_ptr<const ItemSimilarity>& base :
       {std::static_pointer_cast<const ItemSimilarity>(dense), std::static_pointer_cast<const ItemSimilarity>(co)}) {
    const auto table = TabulateIfSmall(base, 25);
    REQUIRE(table != base);
    CHECK(table->name() == base->name());
    CHECK(TabulateIfSmall(base, 24) == base);   // too large: the base itself
    CHECK(TabulateIfSmall(table, 25) == table);  // never twice
    CHECK(base->StoredRow(0) == nullptr);
    Eigen::MatrixXd block;
    table->Block(5, 9, block);
    REQUIRE(block.rows() == 4);
    REQUIRE(block.cols() == 25);
    std::vector<double> row(cands.size());
    for (int32_t i = 0; i < 25; ++i) {
      for (int32_t j = 0; j < 25; ++j) {
        REQUIRE(table->Pair(i, j) == base->Pair(i, j));  // bitwise
        REQUIRE(table->StoredRow(i)[j] == base->Pair(i, j));
        if (i >= 5 && i < 9) REQUIRE(block(i - 5, j) == base->Pair(i, j));
      }
      table->Row(i, cands.data(), static_cast<int64_t>(cands.size()), row.data());
      for (size_t c = 0; c < cands.size(); ++c) REQUIRE(row[c] == base->Pair(i, cands[c]));
    }
  }
}

TEST_CASE("the running user state equals the batch profile kernels after every item", "[kernels]") {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  ItemKernels k;
  const int M = 40;
  k.item_features.resize(M, 3);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < 3; ++j) k.item_features(i, j) = normal(rng);
  k.content = std::make_shared<CosineSimilarity>(k.item_features);
  k.num_categories = 4;
  for (int i = 0; i < M; ++i) {
    k.category.push_back(i % 5 == 0 ? -1 : i % 4);  // some items without a category
    k.log_price.push_back(2 + normal(rng));
    k.popularity.push_back(0.5);
  }
  k.Validate();
  const PriceAffinity prior{3.0, 1.0};
  RunningUserState running(&k, 2.5, prior);
  std::vector<int32_t> hist = {7, 3};
  running.Reset(hist.data(), 2);
  for (int step = 0; step < 30; ++step) {
    const int64_t n = static_cast<int64_t>(hist.size());
    const UserStateView v = running.View(hist.data(), n);
    const Eigen::VectorXd p = DecayedProfile(k.item_features, hist.data(), nullptr, n, 0, 2.5);
    REQUIRE(v.preference_dim == 3);
    for (int j = 0; j < 3; ++j) REQUIRE(v.preference[j] == Approx(p[j]).margin(1e-12));
    const auto h = CategoryHistogram(k.category, k.num_categories, hist.data(), n);
    for (int c = 0; c < 4; ++c) REQUIRE(v.category_hist[c] == Approx(h[c]).margin(1e-15));
    const PriceAffinity pa = PriceAffinityOf(k.log_price, hist.data(), n, prior);
    REQUIRE(v.price.mean == pa.mean);
    REQUIRE(v.price.sd == pa.sd);
    // The same features through the view as through the owning state.
    UserState u;
    u.history = hist;
    u.preference = p;
    u.category_hist = h;
    u.price = pa;
    const int32_t cands[] = {0, 5, 39};
    double a[3 * kNumFeatures], b[3 * kNumFeatures];
    BuildFeatures(k, v, cands, 3, a);
    BuildFeatures(k, u, cands, 3, b);
    for (int i = 0; i < 3 * kNumFeatures; ++i) REQUIRE(a[i] == Approx(b[i]).margin(1e-12));
    const int32_t next = static_cast<int32_t>(rng() % M);
    hist.push_back(next);
    running.Add(next);
  }
  CHECK_THROWS_WITH(running.View(hist.data(), 3), Catch::Contains("3 history items"));
  running.Reset(nullptr, 0);
  const UserStateView empty = running.View(nullptr, 0);
  CHECK(empty.price.mean == 3.0);
  CHECK(empty.price.sd == 1.0);
  CHECK(empty.preference[0] == 0.0);
  CHECK_THROWS_WITH(RunningUserState(&k, 0.0, prior), Catch::Contains("half_life"));
}

TEST_CASE("one feature column equals that column of the whole matrix, bitwise", "[kernels]") {
  const RandomItems r = MakeRandomItems(6, 60, 4, 80);
  ItemKernels k;
  k.item_features = r.vectors;
  k.content = std::make_shared<CosineSimilarity>(r.vectors);
  k.complement = std::make_shared<CooccurrenceSimilarity>(60, r.offsets, r.items,
                                                          CooccurrenceSimilarity::Measure::kPmi);
  k.num_categories = 3;
  for (int i = 0; i < 60; ++i) {
    k.category.push_back(i % 7 == 0 ? -1 : i % 3);
    k.log_price.push_back(1 + 0.01 * i);
    k.popularity.push_back(i / 60.0);
  }
  k.Validate();
  std::vector<int32_t> all(60);
  for (int i = 0; i < 60; ++i) all[i] = i;
  const std::vector<int32_t> few = {59, 3, 3, 17, 40};
  for (const std::vector<int32_t>& hist : {std::vector<int32_t>{}, std::vector<int32_t>{4, 9, 4, 33}}) {
    RunningUserState running(&k, 3.0, PriceAffinity{1.2, 0.4});
    running.Reset(hist.data(), static_cast<int64_t>(hist.size()));
    const UserStateView u = running.View(hist.data(), static_cast<int64_t>(hist.size()));
    for (const std::vector<int32_t>* cands : {static_cast<const std::vector<int32_t>*>(&all), &few}) {
      // (the whole catalog and a subset: the profile score's two paths)
      const int64_t n = static_cast<int64_t>(cands->size());
      std::vector<double> matrix(n * kNumFeatures), column(n);
      BuildFeatures(k, u, cands->data(), n, matrix.data());
      for (int f = 0; f < kNumFeatures; ++f) {
        BuildFeatureColumn(k, u, cands->data(), n, f, column.data());
        for (int64_t c = 0; c < n; ++c) REQUIRE(column[c] == matrix[c * kNumFeatures + f]);
      }
    }
  }
  double out[1];
  const UserStateView none;
  CHECK_THROWS_WITH(BuildFeatureColumn(k, none, all.data(), 1, kNumFeatures, out), Catch::Contains("feature column 7"));
}

// ---------------------------------------------------------------------------------------
// Kernels from a dataset by spec, and observations of logged rounds.
#include "kernels/builder.h"
#include "kernels/logged_observation.h"

namespace {

// A small catalog with every part the builder reads.
LoggedDataset SmallCatalog() {
  LoggedDataset d;
  d.meta.n_units = 5;
  ItemTable& it = d.items;
  it.n = 5;
  it.title = {"red wool scarf", "blue wool hat", "red cotton shirt", "steel pan", ""};
  it.tokens = {"colour=red", "colour=blue", "colour=red", "", "colour=green"};
  it.category_path = {"Clothing > Scarves", "Clothing > Hats", "Clothing > Shirts", "Kitchen", "Kitchen > Pans"};
  it.category = {0, 0, 0, 1, 1};
  it.price = {10, 20, 30, 40, 0};
  it.features = {1, 0, 0.8, 0.6, 0, 1, -1, 0, 0.6, 0.8};
  it.feature_dim = 2;
  d.baskets.PushRow({0, 1});
  d.baskets.PushRow({0, 1, 3});
  d.baskets.PushRow({2, 3});
  return d;
}

}  // namespace

TEST_CASE("similarity kernels by spec equal the kernels built by hand; bad specs name what is missing",
          "[kernels]") {
  const LoggedDataset d = SmallCatalog();
  const auto co = BuildSimilarity(d, "cooccurrence:jaccard:baskets");
  const CooccurrenceSimilarity by_hand(5, d.baskets.offsets, d.baskets.values, CooccurrenceSimilarity::Measure::kJaccard);
  const auto tfidf = BuildSimilarity(d, "tfidf:title+tokens");
  const CosineSimilarity tfidf_by_hand(Tfidf::Fit({"red wool scarf colour=red", "blue wool hat colour=blue",
                                                   "red cotton shirt colour=red", "steel pan", "colour=green"})
                                           .vectors());
  const auto cosine = BuildSimilarity(d, "cosine");
  for (int32_t i = 0; i < 5; ++i)
    for (int32_t j = 0; j < 5; ++j) {
      CHECK(co->Pair(i, j) == by_hand.Pair(i, j));
      CHECK(tfidf->Pair(i, j) == tfidf_by_hand.Pair(i, j));
      CHECK(BuildSimilarity(d, "identity")->Pair(i, j) == (i == j ? 1.0 : 0.0));
    }
  CHECK(cosine->Pair(0, 1) == Approx(0.8));
  CHECK(BuildSimilarity(d, "category")->Pair(3, 4) == Approx(0.5));  // {Kitchen} vs {Kitchen, Kitchen > Pans}
  LoggedDataset bare = d;
  bare.items.features.clear();
  bare.items.feature_dim = 0;
  CHECK_THROWS_WITH(BuildSimilarity(bare, "cosine"), Catch::Contains("no /items/features"));
  CHECK_THROWS_WITH(BuildSimilarity(d, "tfidf:colour"), Catch::Contains("unknown text field 'colour'"));
  CHECK_THROWS_WITH(BuildSimilarity(d, "cooccurrence:jaccard:sessions"), Catch::Contains("no sessions"));
  CHECK_THROWS_WITH(BuildSimilarity(d, "cooccurrence:cosine"), Catch::Contains("jaccard, pmi or count"));
  CHECK_THROWS_WITH(BuildSimilarity(d, "euclid"), Catch::Contains("known: ") && Catch::Contains("tfidf"));
}

TEST_CASE("item kernels by spec: defaults follow what the dataset holds; the spec round-trips", "[kernels]") {
  const LoggedDataset d = SmallCatalog();
  const KernelSpec spec = DefaultKernelSpec(d);
  CHECK(spec.content == "cosine");
  CHECK(spec.complement == "cooccurrence:jaccard:baskets");
  CHECK(spec.embedding == "features");
  CHECK(spec.popularity == "counts:baskets");
  const KernelSpec again = KernelSpec::Parse(spec.ToString());
  CHECK(again.ToString() == spec.ToString());
  const ItemKernels k = BuildKernels(d, spec);
  CHECK(k.num_items() == 5);
  CHECK(k.num_categories == 2);
  CHECK(k.log_price[1] == std::log(20.0));
  CHECK(k.log_price[4] == 0.0);  // no price
  // Popularity: log(1 + baskets holding the item) / log(1 + the most).
  CHECK(k.popularity[0] == Approx(std::log1p(2) / std::log1p(2)));
  CHECK(k.popularity[2] == Approx(std::log1p(1) / std::log1p(2)));
  CHECK(k.popularity[4] == 0.0);
  CHECK(k.item_features(3, 0) == -1.0);
  // Small catalogs are tabulated with the kernel's own values.
  CHECK(k.content->StoredRow(0) != nullptr);
  KernelSpec untabulated = spec;
  untabulated.tabulate_items = 0;
  CHECK(BuildKernels(d, untabulated).content->StoredRow(0) == nullptr);
  CHECK_THROWS_WITH(KernelSpec::Parse("content=cosine;colour=red"), Catch::Contains("unknown part 'colour'"));
  CHECK_THROWS_WITH(KernelSpec::Parse("tabulate=-1"), Catch::Contains("non-negative integer"));
  LoggedDataset text_only = d;
  text_only.items.features.clear();
  text_only.items.feature_dim = 0;
  text_only.baskets = Ragged();
  const KernelSpec t = DefaultKernelSpec(text_only);
  CHECK(t.content == "tfidf:title+tokens");
  CHECK(t.complement == "none");
  CHECK(t.embedding == "identity");
  CHECK(t.popularity == "none");
}

TEST_CASE("logged rounds with a context: unit, context and affinity columns after the kernel columns",
          "[kernels][data]") {
  const LoggedDataset obd = ImportObd(DataDir() + "/obd/random/men", "test");
  const FeatureSpec spec = DefaultFeatureSpec(obd);
  CHECK(spec.ToString() == "kernel,unit,context,affinity");
  const ItemKernels k = BuildKernels(obd, KernelSpec::Parse("content=identity;complement=none;embedding=none;popularity=none"));
  RoundObserver observer(obd, k, spec, 3);
  int64_t context_width = 0;
  for (const auto& [name, values] : obd.context_vocab) context_width += static_cast<int64_t>(values.size());
  CHECK(observer.num_features() == kNumFeatures + 34 + context_width + 1);
  CHECK(observer.num_candidates() == 34);
  for (int64_t i : {0, 77, 9999}) {
    const Observation& o = observer.Observe(obd.rounds, i);
    REQUIRE(o.num_candidates == 34);
    const float* x = &obd.rounds.context[i * obd.meta.context_dim];
    for (int32_t c = 0; c < 34; ++c) {
      const double* row = o.feature(c);
      CHECK(o.candidates[c] == c);
      double unit_sum = 0;
      for (int64_t u = 0; u < 34; ++u) unit_sum += row[kNumFeatures + u];
      CHECK(unit_sum == 1.0);
      CHECK(row[kNumFeatures + c] == 1.0);
      // One 1 per categorical column (four of them).
      double ones = 0;
      for (int64_t j = 0; j < context_width; ++j) ones += row[kNumFeatures + 34 + j];
      CHECK(ones == 4.0);
      CHECK(row[o.num_features - 1] == std::log1p(static_cast<double>(x[4 + c])));
    }
    CHECK(observer.CandidateIndex(obd.rounds.slate[i]) == obd.rounds.slate[i]);
  }
  CHECK_THROWS_WITH(FeatureSpec::Parse("unit,kernel,colour"), Catch::Contains("unknown part 'colour'"));
  CHECK_THROWS_WITH(FeatureSpec::Parse("unit"), Catch::Contains("must start with 'kernel'"));
  CHECK(RoundObserver(obd, k, FeatureSpec::Parse("kernel,item"), 3).num_features() == kNumFeatures + 1);
  LoggedDataset no_context = obd;
  no_context.meta.context_dim = 0;
  no_context.rounds.context.clear();
  no_context.context_columns.clear();
  CHECK_THROWS_WITH(RoundObserver(no_context, k, FeatureSpec::Parse("kernel,context"), 3),
                    Catch::Contains("needs a round context"));
}

// Fast top-N paths (co-occurrence from the stored counts, dense cosine by blocked GEMM)
// against the generic blocked path and brute force.

namespace {

// B random baskets of 1 to 6 items among the first `used` of M items (items >= used are in
// no basket, so their rows are all zero), some with repeated items.
std::pair<std::vector<int64_t>, std::vector<int32_t>> RandomBaskets(uint64_t seed, int used, int B) {
  std::mt19937_64 rng(seed);
  std::vector<int64_t> offsets = {0};
  std::vector<int32_t> items;
  for (int b = 0; b < B; ++b) {
    const int size = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < size; ++k) items.push_back(static_cast<int32_t>(rng() % used));
    offsets.push_back(static_cast<int64_t>(items.size()));
  }
  return {offsets, items};
}

void RequireSameNeighbours(const Neighbours& a, const Neighbours& b) {
  REQUIRE(a.num_items == b.num_items);
  REQUIRE(a.n == b.n);
  REQUIRE(a.index == b.index);
  REQUIRE(a.score == b.score);  // bitwise
}

}  // namespace

TEST_CASE("co-occurrence counts equal brute force, for any thread count", "[kernels]") {
  const int M = 50;
  const auto [offsets, items] = RandomBaskets(11, 40, 120);
  std::vector<std::set<int32_t>> baskets;
  for (size_t b = 0; b + 1 < offsets.size(); ++b)
    baskets.emplace_back(items.begin() + offsets[b], items.begin() + offsets[b + 1]);
  for (int threads : {1, 2, 3}) {
    const CooccurrenceSimilarity co(M, offsets, items, CooccurrenceSimilarity::Measure::kCount, threads);
    for (int32_t i = 0; i < M; ++i)
      for (int32_t j = 0; j < M; ++j) {
        int64_t both = 0;
        for (const auto& s : baskets) both += s.count(i) && s.count(j);
        REQUIRE(co.co_count(i, j) == both);
        REQUIRE(co.Pair(i, j) == (i == j ? 0.0 : static_cast<double>(both)));
      }
  }
  CHECK_THROWS_WITH(CooccurrenceSimilarity(3, {0, 2}, {0, 3}, CooccurrenceSimilarity::Measure::kCount),
                    Catch::Contains("basket 0 holds item 3"));
}

TEST_CASE("sparse co-occurrence top-N equals the generic blocked path: ties, short rows, "
          "empty rows, any thread count", "[kernels]") {
  // 60 items, 45 of them in baskets: many equal counts (ties), rows with fewer than N
  // neighbours (filled with zero-score items by lowest index), 15 rows with none.
  const auto [offsets, items] = RandomBaskets(3, 45, 40);
  for (auto measure : {CooccurrenceSimilarity::Measure::kJaccard, CooccurrenceSimilarity::Measure::kPmi,
                       CooccurrenceSimilarity::Measure::kCount}) {
    const CooccurrenceSimilarity co(60, offsets, items, measure);
    for (int64_t n : {1, 5, 12, 59, 70}) {
      const Neighbours generic = BlockedTopNeighbours(co, n, 1, 16);
      for (int threads : {1, 2, 3}) RequireSameNeighbours(TopNeighbours(co, n, threads), generic);
      // Brute force on a few rows: the order of Pair() with ties by lower index.
      for (int32_t i : {0, 7, 44, 50}) {
        std::vector<std::pair<double, int32_t>> all;
        for (int32_t j = 0; j < 60; ++j)
          if (j != i) all.push_back({co.Pair(i, j), j});
        std::stable_sort(all.begin(), all.end(), [](auto a, auto b) { return a.first > b.first; });
        for (int64_t k = 0; k < n; ++k) {
          REQUIRE(generic.index[i * n + k] == (k < 59 ? all[k].second : -1));
          if (k < 59) REQUIRE(generic.score[i * n + k] == all[k].first);
        }
      }
    }
  }
}

TEST_CASE("blocked dense-cosine top-N equals brute force, any block size and thread count", "[kernels]") {
  // More items than a column tile, so rows span several tiles; exact ties and a zero row.
  const int M = static_cast<int>(CosineSimilarity::kDenseColumnTile) * 2 + 77, d = 12;
  std::mt19937_64 rng(9);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd V(M, d);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < d; ++j) V(i, j) = normal(rng);
  V.row(300) = V.row(2);
  V.row(M - 1) = V.row(2);
  V.row(5).setZero();
  const CosineSimilarity sim(V);
  const int64_t n = 8;
  const Neighbours reference = TopNeighbours(sim, n, 1, 128);
  for (int64_t block : {1, 37, 128})
    for (int threads : {1, 2, 3}) RequireSameNeighbours(TopNeighbours(sim, n, threads, block), reference);
  for (int32_t i = 0; i < M; ++i) {
    std::vector<std::pair<double, int32_t>> all;
    for (int32_t j = 0; j < M; ++j)
      if (j != i) all.push_back({-sim.Pair(i, j), j});
    std::sort(all.begin(), all.end(), [](auto a, auto b) {
      return std::abs(a.first - b.first) > 1e-12 ? a.first < b.first : a.second < b.second;
    });
    for (int64_t k = 0; k < n; ++k) {
      REQUIRE(reference.score[i * n + k] == Approx(-all[k].first).margin(1e-12));
      REQUIRE(reference.index[i * n + k] == all[k].second);
    }
  }
  // More neighbours than other items: all of them, then -1.
  const CosineSimilarity small(V.topRows(4));
  const Neighbours all = TopNeighbours(small, 6, 2);
  CHECK(all.index[3] == -1);
  CHECK(all.index[5] == -1);
  CHECK(all.index[0] != -1);
}

// Intent vectors: the targets are built as documented (stop words out, words counted once per
// bundle, an item's bundles averaged, a repeated label ignored, rare words dropped), and the
// dual solve equals the primal ridge regression on the dense content matrix.
TEST_CASE("intent vectors equal the primal ridge solution on hand-built targets", "[kernels]") {
  const SparseRows content = Tfidf::Fit({"salted beef jerky", "tuna pouch", "beef stick pouch", "dark roast coffee",
                                         "camping stove", ""})
                                 .vectors();
  const std::vector<IntentLabel> labels = {{0, 10, "Snacks for the road"}, {1, 10, "Snacks for the road"},
                                           {1, 11, "road trip"},           {2, 11, "road trip"},
                                           {3, 12, "Coffee"},              {0, 10, "Snacks for the road"}};
  IntentConfig config;
  config.ridge = 0.5;
  config.min_count = 1;
  const IntentVectors fitted = FitIntentVectors(content, labels, config);
  CHECK(fitted.words == std::vector<std::string>{"coffee", "road", "snacks", "trip"});
  CHECK(fitted.labelled_items == 4);
  // Rows: items 0..3; columns: coffee, road, snacks, trip.
  Eigen::MatrixXd targets(4, 4);
  targets << 0, 1, 1, 0,  //
      0, 1, 0.5, 0.5,     // two bundles, averaged
      0, 1, 0, 1,         //
      1, 0, 0, 0;
  const Eigen::MatrixXd x = Eigen::MatrixXd(content), xt = x.topRows(4);
  const Eigen::MatrixXd primal =
      (xt.transpose() * xt + config.ridge * Eigen::MatrixXd::Identity(x.cols(), x.cols())).ldlt().solve(xt.transpose() * targets);
  const Eigen::MatrixXd expected = x * primal;
  REQUIRE(fitted.vectors.rows() == 6);
  CHECK((fitted.vectors - expected).cwiseAbs().maxCoeff() < 1e-12);
  // Items never bundled get predictions through their words ("pouch", "beef"), or none.
  CHECK(fitted.vectors.row(4).isZero());  // no word of a labelled item
  CHECK(fitted.vectors.row(5).isZero());  // no title
  // Words in fewer than two bundles' intents are dropped.
  config.min_count = 2;
  CHECK(FitIntentVectors(content, labels, config).words == std::vector<std::string>{"road"});
  // Nothing to learn from: zero vectors.
  CHECK(FitIntentVectors(content, {}, config).vectors.isZero());
  CHECK_THROWS_WITH(FitIntentVectors(content, {{6, 3, "x"}}, config),
                    "intent vectors: item 6 of bundle 3 is outside the catalog's 6 items");
  config.ridge = 0;
  CHECK_THROWS_WITH(FitIntentVectors(content, labels, config), Catch::Contains("ridge must be a positive number"));
}
