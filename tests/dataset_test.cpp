// Tests for replay/importers on the real shared data, and on bad input.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/error.h"
#include "dataset/importers.h"
#include "dataset/slate_log.h"
#include "replay/log_store.h"
#include "replay/log_summary.h"
#include "test_util.h"

using namespace bundlerl;
using bundlerl::testing::DataDir;
using bundlerl::testing::TempDir;
using bundlerl::testing::WriteText;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> Split(const std::string& line, char sep = ',') {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string f;
  while (std::getline(ss, f, sep)) out.push_back(f);
  return out;
}

// Expected figures computed straight from the CSV, independently of the importer.
struct ObdTruth {
  int64_t rows = 0, items = 0;
  std::map<int, int64_t> shown;
  std::map<int, int64_t> clicks;
};

ObdTruth ReadObdTruth(const std::string& dir, const std::string& campaign) {
  ObdTruth t;
  std::ifstream in(dir + "/" + campaign + ".csv");
  std::string line;
  std::getline(in, line);
  const auto header = Split(line);
  const size_t pos_col = std::find(header.begin(), header.end(), "position") - header.begin();
  const size_t click_col = std::find(header.begin(), header.end(), "click") - header.begin();
  while (std::getline(in, line)) {
    const auto f = Split(line);
    const int pos = std::stoi(f[pos_col]);
    ++t.rows;
    ++t.shown[pos];
    t.clicks[pos] += std::stoi(f[click_col]);
  }
  std::ifstream items(dir + "/item_context.csv");
  std::getline(items, line);
  while (std::getline(items, line)) ++t.items;
  return t;
}

// Writes the imported dataset to `path` (so that the checks below read it back) and returns it.
const LoggedDataset& ImportAndWrite(const LoggedDataset& d, const std::string& path) {
  WriteDataset(d, path);
  return d;
}

}  // namespace

TEST_CASE("OBD import reproduces rows, items, positions and click rates of all four logs",
          "[dataset][data]") {
  const std::string data = DataDir();
  TempDir tmp;
  for (const std::string policy : {"random", "bts"}) {
    for (const std::string campaign : {"men", "women"}) {
      INFO(policy << "/" << campaign);
      const std::string dir = data + "/obd/" + policy + "/" + campaign;
      const std::string out = tmp / (policy + "_" + campaign + ".h5");
      const auto stats = StatsOf(ImportAndWrite(ImportObd(dir, "test"), out));
      const ObdTruth truth = ReadObdTruth(dir, campaign);
      CHECK(stats.rounds == truth.rows);
      LogReader reader(out);
      const LogSummary s = SummarizeLog(reader);
      CHECK(s.rounds == truth.rows);
      CHECK(s.items == truth.items);
      CHECK(s.meta.n_units == truth.items);
      CHECK(s.distinct_units_shown == truth.items);  // README: every item appears
      CHECK(s.meta.logging_policy == (policy == "random" ? "uniform" : "bts"));
      // A folder given with a trailing slash names the same campaign and logging policy.
      const LoggedDataset slash = ImportObd(dir + "/", "test");
      CHECK(slash.meta.logging_policy == s.meta.logging_policy);
      CHECK(slash.rounds.n == truth.rows);
      REQUIRE(s.rounds_per_position.size() == 3);
      CHECK(truth.shown.size() == 3);
      for (int k = 0; k < 3; ++k) {
        CHECK(s.rounds_per_position[k] == truth.shown.at(k + 1));
        CHECK(s.clicks_per_position[k] == Approx(truth.clicks.at(k + 1)));
      }
      if (policy == "random")
        CHECK(s.max_pscore == Approx(1.0 / truth.items));
      CHECK(reader.meta().context_dim == 4 + truth.items);
    }
  }
}

TEST_CASE("OBD README figures: 10,000 rows each, clicks 46/46/69/46", "[dataset][data]") {
  const std::string data = DataDir();
  TempDir tmp;
  const std::map<std::string, int> clicks = {
      {"random/men", 46}, {"random/women", 46}, {"bts/men", 69}, {"bts/women", 46}};
  for (const auto& [name, want] : clicks) {
    const std::string out = tmp / "x.h5";
    WriteDataset(ImportObd(data + "/obd/" + name, "test"), out);
    const auto s = SummarizeLog(LogReader(out));
    double total = 0;
    for (double c : s.clicks_per_position) total += c;
    CHECK(s.rounds == 10000);
    CHECK(total == want);
    fs::remove(out);
  }
}

TEST_CASE("Youshu import matches the verified statistics", "[dataset][data]") {
  TempDir tmp;
  const std::string out = tmp / "youshu.h5";
  const auto stats = StatsOf(ImportAndWrite(ImportBundles(DataDir() + "/bundles/Youshu", "test"), out));
  CHECK(stats.users == 8039);
  CHECK(stats.bundles == 4771);
  CHECK(stats.items == 32770);
  LogReader r(out);
  CHECK(r.meta().unit_kind == "bundle");
  const auto bundles = r.ReadBundles();
  REQUIRE(bundles.items.rows() == 4771);
  CHECK(bundles.items.values.size() == 176667);
  int64_t min_size = 1 << 30, max_size = 0;
  for (int64_t b = 0; b < bundles.items.rows(); ++b) {
    min_size = std::min(min_size, bundles.items.size(b));
    max_size = std::max(max_size, bundles.items.size(b));
  }
  CHECK(min_size == 5);
  CHECK(max_size == 150);
  CHECK(static_cast<double>(bundles.items.values.size()) / 4771 == Approx(37.03).epsilon(0.0005));
  CHECK(r.ReadUsers().history.values.size() == 138515);
  CHECK(r.ReadInteractions("user_bundle_train").user.size() == 34416);
  CHECK(r.ReadInteractions("user_bundle_tune").user.size() == 5189);
  CHECK(r.ReadInteractions("user_bundle_test").user.size() == 9746);
  // 2,959 users have user-bundle interactions, each in all three splits.
  std::set<int32_t> train_users;
  for (int32_t u : r.ReadInteractions("user_bundle_train").user) train_users.insert(u);
  CHECK(train_users.size() == 2959);
}

TEST_CASE("Amazon import matches the table in data/bundles/README.md", "[dataset][data]") {
  struct Want {
    const char* domain;
    int64_t sessions, bundles, intents;
    double mean_size;
    int64_t titled, user_item, user_bundle, untitled_session_items;
  };
  const Want wants[] = {{"electronic", 1145, 1750, 1422, 3.52, 3499, 6165, 1750, 1444},
                        {"clothing", 1181, 1910, 1466, 3.31, 4487, 6326, 1910, 1952},
                        {"food", 1161, 1784, 1155, 3.58, 3767, 6395, 1784, 1305}};
  TempDir tmp;
  for (const auto& w : wants) {
    INFO(w.domain);
    const std::string out = tmp / (std::string(w.domain) + ".h5");
    const auto stats = StatsOf(ImportAndWrite(ImportAmazon(DataDir() + "/bundles/amazon/" + w.domain, "test"), out));
    CHECK(stats.sessions == w.sessions);
    CHECK(stats.bundles == w.bundles);
    LogReader r(out);
    const auto bundles = r.ReadBundles();
    // Distinct non-empty intents (one bundle in clothing and one in food have none).
    std::set<std::string> intents(bundles.intent.begin(), bundles.intent.end());
    intents.erase("");
    CHECK(intents.size() == static_cast<size_t>(w.intents));
    CHECK(static_cast<double>(bundles.items.values.size()) / w.bundles ==
          Approx(w.mean_size).margin(0.005));
    const auto items = r.ReadItems();
    int64_t titled = 0;
    for (int64_t i = 0; i < items.n; ++i)
      titled += !items.title[i].empty();  // every titled item has a categories row too
    CHECK(titled == w.titled);
    // Every bundle item has a title.
    for (int32_t it : bundles.items.values) CHECK(!items.title[it].empty());
    const auto users = r.ReadUsers();
    CHECK(static_cast<int64_t>(users.history.values.size()) == w.user_item);
    // Histories are in time order.
    for (int64_t u = 0; u < users.n; ++u)
      for (int64_t k = users.history.offsets[u] + 1; k < users.history.offsets[u + 1]; ++k)
        REQUIRE(users.history_time[k - 1] <= users.history_time[k]);
    CHECK(static_cast<int64_t>(r.ReadInteractions("user_bundle").user.size()) == w.user_bundle);
    const auto sessions = r.ReadSessions();
    std::set<int32_t> untitled;
    for (int32_t it : sessions.items.values)
      if (items.title[it].empty()) untitled.insert(it);
    CHECK(static_cast<int64_t>(untitled.size()) == w.untitled_session_items);
    // Timed sessions come first, in time order; untimed ones (no user) after them.
    for (size_t s = 1; s < sessions.timestamp.size(); ++s)
      if (sessions.timestamp[s] >= 0) REQUIRE(sessions.timestamp[s - 1] <= sessions.timestamp[s]);
    for (size_t s = 0; s < sessions.timestamp.size(); ++s)
      CHECK((sessions.timestamp[s] < 0) == (sessions.user[s] < 0));
    // Sparse source ids are kept.
    CHECK(std::is_sorted(items.original_id.begin(), items.original_id.end()));
  }
}

TEST_CASE("time and category parsing", "[dataset]") {
  double t = 0;
  REQUIRE(ParseIsoTime("2019-11-24 00:03:13.442536+00:00", t));
  CHECK(t == Approx(1574553793.442536));
  REQUIRE(ParseIsoTime("1970-01-01 01:00:00+01:00", t));
  CHECK(t == 0.0);
  CHECK_FALSE(ParseIsoTime("2019-13-01 00:00:00", t));
  CHECK_FALSE(ParseIsoTime("yesterday", t));
  std::string path;
  REQUIRE(ParseCategoryList("[[Electronics,Cameras],[Phones]]", path));
  CHECK(path == "Electronics > Cameras | Phones");
  CHECK_FALSE(ParseCategoryList("Electronics", path));
}

// A campaign folder with a hand-made log, to test each malformed-row case.
class BadObd {
 public:
  BadObd() {
    fs::create_directories(dir_ + "/men");
    WriteText(dir_ + "/men/item_context.csv",
              ",item_id,item_feature_0,item_feature_1\n0,0,0.5,aa\n1,1,-0.2,bb\n");
  }
  std::string WriteLog(const std::string& bad_row) {
    WriteText(dir_ + "/men/men.csv",
              ",timestamp,item_id,position,click,propensity_score,user_feature_0,"
              "user-item_affinity_0,user-item_affinity_1\n"
              "0,2019-11-24 00:00:01+00:00,0,1,0,0.5,u1,0.0,0.0\n" + bad_row + "\n");
    return dir_ + "/men";
  }
  std::string out() const { return tmp_ / "out.h5"; }

 private:
  TempDir tmp_;
  std::string dir_ = tmp_.path() + "/random";
};

TEST_CASE("malformed OBD rows give an error naming file and line, and no output", "[dataset]") {
  BadObd obd;
  const std::pair<std::string, std::string> cases[] = {
      {"1,2019-11-24 00:00:02+00:00,1,2,0,0.5,u1,0.0", "expected 9 columns, found 8"},
      {"1,2019-11-24 00:00:02+00:00,one,2,0,0.5,u1,0.0,0.0", "column 'item_id': expected an integer"},
      {"1,2019-11-24 00:00:02+00:00,1,2,0,0,u1,0.0,0.0", "'propensity_score': 0 not in (0, 1]"},
      {"1,2019-11-24 00:00:02+00:00,1,2,0,1.5,u1,0.0,0.0", "'propensity_score': 1.5 not in (0, 1]"},
      {"1,2019-11-24 00:00:02+00:00,1,2,0,nan,u1,0.0,0.0", "expected a finite number"},
      {"1,2019-11-24 00:00:02+00:00,5,2,0,0.5,u1,0.0,0.0", "'item_id': 5 not in [0, 2)"},
      {"1,2019-11-24 00:00:02+00:00,1,4,0,0.5,u1,0.0,0.0", "'position': expected 1, 2 or 3"},
      {"1,2019-11-24 00:00:02+00:00,1,2,0,0.5,u1,NaN,0.0", "expected a finite number"},
      {"1,not-a-time,1,2,0,0.5,u1,0.0,0.0", "'timestamp'"},
  };
  for (const auto& [row, message] : cases) {
    INFO(row);
    const std::string dir = obd.WriteLog(row);
    CHECK_THROWS_WITH(ImportObd(dir, "test"),
                      Catch::Contains("men.csv, line 3") && Catch::Contains(message));
    CHECK_FALSE(fs::exists(obd.out()));
  }
  // The good file imports.
  WriteDataset(ImportObd(obd.WriteLog("1,2019-11-24 00:00:02+00:00,1,3,1,0.5,u2,1.0,0.0"), "test"), obd.out());
  CHECK(LogReader(obd.out()).num_rounds() == 2);
}

TEST_CASE("a value that is not a number in a numeric item column names its line", "[dataset]") {
  BadObd obd;
  const std::string dir = obd.WriteLog("1,2019-11-24 00:00:02+00:00,1,2,0,0.5,u1,0.0,0.0");
  WriteText(dir + "/item_context.csv", ",item_id,item_feature_0,item_feature_1\n0,0,0.5,aa\n1,1,abc,bb\n");
  CHECK_THROWS_WITH(ImportObd(dir, "test"), Catch::Contains("item_context.csv, line 3") &&
                                                Catch::Contains("'item_feature_0'") && Catch::Contains("'abc'"));
  // A folder where a file should be, and binary or huge values, are named as such.
  fs::remove(dir + "/item_context.csv");
  fs::create_directories(dir + "/item_context.csv");
  CHECK_THROWS_WITH(ImportObd(dir, "test"), Catch::Contains("item_context.csv") && Catch::Contains("is a folder"));
  fs::remove(dir + "/item_context.csv");
  WriteText(dir + "/item_context.csv", ",item_id,item_feature_0\n0,0,0.5\n1,1,\x01\x02" + std::string(100000, 'x') + "\n");
  try {
    ImportObd(dir, "test");
    FAIL("accepted");
  } catch (const Error& e) {
    const std::string m = e.what();
    CHECK(m.size() < 400);
    CHECK_THAT(m, Catch::Contains("\\x01\\x02") && Catch::Contains("100002 bytes"));
  }
}

TEST_CASE("Amazon tables must have the expected header; swapped columns are an error", "[dataset]") {
  TempDir tmp;
  const std::string dir = tmp / "amazon";
  fs::create_directories(dir);
  const std::pair<const char*, const char*> tables[] = {
      {"user_session.csv", "user ID,session ID,timestamp"}, {"session_item.csv", "session ID,item ID"},
      {"session_bundle.csv", "session ID,bundle ID"},       {"bundle_item.csv", "bundle ID,item ID"},
      {"bundle_intent.csv", "bundle ID,intent"},            {"user_bundle.csv", "user ID,bundle ID,timestamp"}};
  for (const auto& [file, header] : tables) WriteText(dir + "/" + file, std::string(header) + "\n");
  WriteText(dir + "/user_item.csv", "item ID,user ID,timestamp\n1,2,2019-01-01\n");
  CHECK_THROWS_WITH(ImportAmazon(dir, "t"), Catch::Contains("user_item.csv, line 1") &&
                                                Catch::Contains("'user ID,item ID,timestamp'") &&
                                                Catch::Contains("column 1 is 'item ID'"));
  WriteText(dir + "/user_item.csv", "user ID,item ID\n");
  CHECK_THROWS_WITH(ImportAmazon(dir, "t"), Catch::Contains("user_item.csv"));
  // A repeated item and a negative id are errors naming the line.
  WriteText(dir + "/user_item.csv", "user ID,item ID,timestamp\n");
  WriteText(dir + "/item_titles.csv", "item ID,titles\n5,a lamp\n5,a chair\n");
  WriteText(dir + "/item_categories.csv", "item ID,categories\n");
  CHECK_THROWS_WITH(ImportAmazon(dir, "t"), Catch::Contains("item_titles.csv, line 3") &&
                                                Catch::Contains("item ID 5 appears again (first on line 2)"));
  WriteText(dir + "/item_titles.csv", "item ID,titles\n-5,a lamp\n");
  CHECK_THROWS_WITH(ImportAmazon(dir, "t"), Catch::Contains("item_titles.csv, line 2") && Catch::Contains(">= 0"));
  // Tables with a header alone are an error, not an empty log.
  WriteText(dir + "/item_titles.csv", "item ID,titles\n5,a lamp\n");
  CHECK_THROWS_WITH(ImportAmazon(dir, "t"), Catch::Contains("user_session.csv: no data rows (a header only)"));
}

TEST_CASE("a size file claiming more than memory holds is refused before allocation", "[dataset]") {
  TempDir tmp;
  const std::string dir = tmp / "Huge";
  fs::create_directories(dir);
  for (const char* counts : {"2\t2\t1000000000\n", "2\t2\t9223372036854775807\n"}) {
    WriteText(dir + "/Huge_data_size.txt", counts);
    CHECK_THROWS_WITH(ImportBundles(dir, "t"), Catch::Contains("Huge_data_size.txt") &&
                                                   (Catch::Contains("memory") || Catch::Contains("2^31")));
  }
}

TEST_CASE("missing files and out-of-range ids in bundle data are reported", "[dataset]") {
  TempDir tmp;
  const std::string dir = tmp / "Tiny";
  fs::create_directories(dir);
  CHECK_THROWS_WITH(ImportBundles(dir, "t"), Catch::Contains("_data_size.txt"));
  WriteText(dir + "/Tiny_data_size.txt", "2\t2\t3\n");
  CHECK_THROWS_WITH(ImportBundles(dir, "t"),
                    Catch::Contains("bundle_item.txt") && Catch::Contains("not found"));
  WriteText(dir + "/bundle_item.txt", "0\t1\n1\t3\n");
  CHECK_THROWS_WITH(ImportBundles(dir, "t"),
                    Catch::Contains("bundle_item.txt, line 2") &&
                        Catch::Contains("item id 3 not in [0, 3)"));
  WriteText(dir + "/bundle_item.txt", "0\t1\n1\t2\n");
  WriteText(dir + "/user_item.txt", "0\t1\n");
  WriteText(dir + "/user_bundle_train.txt", "1\t0\n");
  WriteText(dir + "/user_bundle_test.txt", "0\t0\n");
  WriteText(dir + "/user_bundle_tune.txt", "1\t0\n2\t1\n");
  CHECK_THROWS_WITH(ImportBundles(dir, "t"),
                    Catch::Contains("user_bundle_tune.txt, line 2") &&
                        Catch::Contains("user id 2 not in [0, 2)"));
  CHECK_FALSE(fs::exists(tmp / "o.h5"));
  WriteText(dir + "/user_bundle_tune.txt", "");
  CHECK_THROWS_WITH(ImportBundles(dir, "t"), Catch::Contains("user_bundle_tune.txt") && Catch::Contains("empty"));
  // Each file is a set of pairs, and a pair belongs to one split.
  WriteText(dir + "/user_bundle_tune.txt", "1\t1\n0\t1\n1\t1\n");
  CHECK_THROWS_WITH(ImportBundles(dir, "t"), Catch::Contains("user_bundle_tune.txt, line 3") &&
                                                 Catch::Contains("user 1, bundle 1 repeats line 1"));
  WriteText(dir + "/user_bundle_tune.txt", "1\t1\n0\t0\n");
  CHECK_THROWS_WITH(ImportBundles(dir, "t"), Catch::Contains("user_bundle_tune.txt, line 2: user 0, bundle 0 is also "
                                                             "in user_bundle_test.txt (line 1)"));
  WriteText(dir + "/user_bundle_tune.txt", "1\t1\n");
  WriteDataset(ImportBundles(dir, "t"), tmp / "o.h5");
  CHECK(LogReader(tmp / "o.h5").ReadInteractions("user_bundle_tune").unit[0] == 1);
}

// One user-bundle pair per split, each in one split only.
void WriteDisjointSplits(const std::string& dir) {
  WriteText(dir + "/user_bundle_train.txt", "1\t0\n");
  WriteText(dir + "/user_bundle_tune.txt", "1\t1\n");
  WriteText(dir + "/user_bundle_test.txt", "0\t0\n");
}

// Found by fuzz/bundles_fuzz.cpp (tests/fuzz_corpus/bundles/crash-*): a size file claiming
// 10^10 bundles made the importer allocate an offset per bundle before any check.
TEST_CASE("bundle data counts larger than the files' rows are errors, not allocations", "[dataset]") {
  TempDir tmp;
  const std::string dir = tmp / "Tiny";
  fs::create_directories(dir);
  WriteText(dir + "/bundle_item.txt", "0\t1\n1\t2\n");
  WriteText(dir + "/user_item.txt", "0\t1\n");
  WriteDisjointSplits(dir);
  // Counts that fit in memory but exceed what the files hold: named against the rows.
  WriteText(dir + "/Tiny_data_size.txt", "2\t1000000\t3\n");
  CHECK_THROWS_WITH(ImportBundles(dir, "t"), Catch::Contains("Tiny_data_size.txt, line 1: n_bundles = 1000000") &&
                                                 Catch::Contains("bundle_item.txt hold only 2 rows"));
  // Counts beyond 32-bit ids (or memory) are refused before the pair files are read.
  for (const char* counts : {"2\t10000000000\t3\n", "1000000000000\t2\t3\n", "2\t2\t9223372036854775807\n"}) {
    WriteText(dir + "/Tiny_data_size.txt", counts);
    CHECK_THROWS_WITH(ImportBundles(dir, "t"), Catch::Contains("Tiny_data_size.txt, line 1") && Catch::Contains("2^31"));
  }
  WriteText(dir + "/Tiny_data_size.txt", "2\t2\t3\n");
  CHECK(ImportBundles(dir, "t").items.n == 3);
}

TEST_CASE("an Amazon id beyond 64 bits names its file and line", "[dataset]") {
  TempDir tmp;
  const std::string dir = tmp / "tiny";
  fs::create_directories(dir);
  const std::pair<const char*, const char*> files[] = {
      {"user_session.csv", "user ID,session ID,timestamp\n0,10,1405987200\n"},
      {"session_item.csv", "session ID,item ID\n10,49\n"},
      {"session_bundle.csv", "session ID,bundle ID\n10,0\n"},
      {"bundle_item.csv", "bundle ID,item ID\n0,49\n"},
      {"bundle_intent.csv", "bundle ID,intent\n0,Storage\n"},
      {"user_bundle.csv", "user ID,bundle ID,timestamp\n0,0,1405987200\n"},
      {"user_item.csv", "user ID,item ID,timestamp\n0,49,1405987200\n"},
      {"item_titles.csv", "item ID,titles\n49,Card\n"},
      {"item_categories.csv", "item ID,categories\n49,\"[[Electronics]]\"\n"}};
  for (const auto& [name, text] : files) WriteText(dir + "/" + name, text);
  CHECK(ImportAmazon(dir, "t").items.n == 1);
  WriteText(dir + "/item_titles.csv", "item ID,titles\n49,Card\n99999999999999999999,Charger\n");
  // Before: std::stoll's bare "stoll".
  CHECK_THROWS_WITH(ImportAmazon(dir, "t"), Catch::Contains("item_titles.csv, line 3: column 'item ID'") &&
                                                Catch::Contains("expected an integer, found '99999999999999999999'"));
}

// Found by fuzz/h5_fuzz.cpp (tests/fuzz_corpus/h5/oom-*): the summary sized its tables by the
// file's slate_size and n_units before reading a row.
TEST_CASE("a log's summary is not sized by its slate_size attribute", "[dataset]") {
  TempDir tmp;
  const std::string dir = tmp / "Tiny";
  fs::create_directories(dir);
  WriteText(dir + "/Tiny_data_size.txt", "2\t2\t3\n");
  WriteText(dir + "/bundle_item.txt", "0\t1\n1\t2\n");
  WriteText(dir + "/user_item.txt", "0\t1\n");
  WriteDisjointSplits(dir);
  const std::string path = tmp / "o.h5";
  WriteDataset(ImportBundles(dir, "t"), path);
  {
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    const int64_t huge = int64_t{1} << 62;
    const hid_t attr = H5Aopen(f, "slate_size", H5P_DEFAULT);
    REQUIRE(H5Awrite(attr, H5T_NATIVE_INT64, &huge) >= 0);
    H5Aclose(attr);
    H5Fclose(f);
  }
  // Either the reader refuses the size, naming the file, or the summary does not depend on it
  // (before: std::length_error from a table of 2^62 positions).
  try {
    const LogReader reader(path);
    CHECK(reader.meta().slate_size == int64_t{1} << 62);
    CHECK(SummarizeLog(reader).rounds_per_position.empty());
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains(path));
  }
}

// ---------------------------------------------------------------------------------------
// The generic slate layout (dataset/slate_log.h)

namespace {

// A small slate log: rows of a round out of order, string ids, rounds out of time order.
// Rounds (by time): x (t=10, user u1), y (t=20, u2), z (t=30, u1; session s1 like x).
constexpr const char* kSlateRounds =
    "round_id,position,item_id,user_id,session_id,timestamp,click,propensity,slate_propensity,context_age,"
    "context_device\n"
    "z,1,b,u1,s1,30,0,0.5,0.25,31,mobile\n"
    "x,1,a,u1,s1,10,1,0.5,0.2,31,mobile\n"
    "x,0,c,u1,s1,10,0,0.4,0.2,31,mobile\n"
    "y,0,a,u2,s2,2024-01-01 00:00:20+00:00,0,0.5,0.1,45,desktop\n"
    "y,1,d,u2,s2,1704067220,1,0.2,0.1,45,desktop\n"
    "z,0,d,u1,s1,30,1,0.5,0.25,31,mobile\n";

SlateFiles SlateFilesIn(const TempDir& tmp, const std::string& rounds, const std::string& items = "",
                        const std::string& users = "") {
  SlateFiles f;
  f.rounds = tmp / "rounds.csv";
  WriteText(f.rounds, rounds);
  if (!items.empty()) WriteText(f.items = tmp / "items.csv", items);
  if (!users.empty()) WriteText(f.users = tmp / "users.csv", users);
  return f;
}

}  // namespace

TEST_CASE("a slate log imports: rounds in time order, slots by position, ids, histories, context", "[dataset]") {
  TempDir tmp;
  // y's timestamp: 2024-01-01 00:00:20 UTC, i.e. 1704067220 s; the others are small numbers, so
  // make y the last round in time.
  SlateFiles f = SlateFilesIn(tmp, kSlateRounds,
                              "item_id,title,category,price,feature_size\n"
                              "a,red shirt,tops,10,1.5\nb,blue shirt,tops,12,2\nc,black jeans,bottoms,30,3\n"
                              "d,red socks,,3,0.5\ne,never shown,bottoms,1,1\n",
                              "user_id,feature_loyal\nu2,1\nu1,0\n");
  SlateImportReport report;
  const LoggedDataset d = ImportSlates(f, SlateLogOptions(), nullptr, &report);
  const RoundBatch& b = d.rounds;
  CHECK(report.rows == 6);
  REQUIRE(b.n == 3);
  CHECK(d.meta.slate_size == 2);
  CHECK(d.meta.slots_per_round == 2);
  CHECK(d.meta.n_units == 5);
  CHECK(d.meta.reward == "click");
  CHECK(d.meta.source == "slates");
  // Items follow the items file: a, b, c, d, e.
  CHECK(d.items.original_key == std::vector<std::string>{"a", "b", "c", "d", "e"});
  CHECK(d.items.title[2] == "black jeans");
  CHECK(d.items.category == std::vector<int32_t>{0, 0, 1, -1, 1});
  CHECK(d.items.price[3] == 3.0);
  CHECK(d.items.feature_dim == 1);
  // Rounds in time order: x (10), z (30), y (1704067220).
  CHECK(b.timestamp == std::vector<double>{10, 30, 1704067220});
  CHECK(b.slate == std::vector<int32_t>{2, 0, 3, 1, 0, 3});  // x: c@0, a@1; z: d@0, b@1; y: a@0, d@1
  CHECK(b.position == std::vector<int32_t>{0, 1, 0, 1, 0, 1});
  CHECK(b.pscore == std::vector<double>{0.4, 0.5, 0.5, 0.5, 0.5, 0.2});
  CHECK(b.pscore_slate == std::vector<double>{0.2, 0.25, 0.1});
  CHECK(b.click == std::vector<float>{0, 1, 1, 0, 0, 1});
  // Users follow the users file (u2, u1); sessions are numbered in time order, with steps.
  CHECK(d.users.original_key == std::vector<std::string>{"u2", "u1"});
  CHECK(b.user_id == std::vector<int64_t>{1, 1, 0});
  CHECK(b.session_id == std::vector<int64_t>{0, 0, 1});
  CHECK(b.step == std::vector<int32_t>{0, 1, 0});
  CHECK(d.users.features == std::vector<double>{1, 0});
  // Histories: u1 clicked a in x, then d in z; z comes after one of them, y after none of u2's.
  CHECK(d.users.history.size(1) == 2);
  CHECK(d.users.history.row(1)[0] == 0);
  CHECK(d.users.history.row(1)[1] == 3);
  CHECK(b.history_length == std::vector<int64_t>{0, 1, 0});
  // Context: age numeric, device categorical (codes in order of first appearance: mobile, desktop).
  CHECK(d.context_columns == std::vector<std::string>{"age", "device"});
  CHECK(d.context_vocab.at("device") == std::vector<std::string>{"mobile", "desktop"});
  CHECK(b.context == std::vector<float>{31, 0, 31, 0, 45, 1});
  CHECK(d.meta.num_candidates == 0);

  // Through HDF5 and back: every field, and the file's version 3.
  WriteDataset(d, tmp / "s.h5");
  const LoggedDataset back = ReadDataset(tmp / "s.h5");
  CHECK(back.meta.schema_version == 3);
  CHECK(back.rounds.history_length == b.history_length);
  CHECK(back.items.original_key == d.items.original_key);
  CHECK(back.users.original_key == d.users.original_key);
  CHECK(back.users.features == d.users.features);
  CHECK(back.users.feature_dim == 1);
  CHECK(back.rounds.pscore == b.pscore);
  CHECK(back.context_vocab == d.context_vocab);
}

TEST_CASE("a slate log without propensities, items or users; candidate sets from the rounds", "[dataset]") {
  TempDir tmp;
  SlateFiles f = SlateFilesIn(tmp,
                              "\xEF\xBB\xBFimpression,slot,product,purchase,candidate_set\n"
                              "1,0,p1,0,A\n1,1,p2,1,A\n2,0,p3,0,A\n2,1,p1,0,A\n3,1,p4,0,B\n3,0,p5,0,B\n4,0,p6,0,B\n"
                              "4,1,p4,0,B\n");
  f.rename = {{"round_id", "impression"}, {"position", "slot"}, {"item_id", "product"}};
  SlateLogOptions o;
  o.source = "shop";
  const LoggedDataset d = ImportSlates(f, o);
  CHECK(d.rounds.pscore.empty());
  CHECK(d.rounds.click.empty());
  CHECK(d.meta.reward == "purchase");
  CHECK(d.meta.source == "shop");
  CHECK(d.items.original_key == std::vector<std::string>{"p1", "p2", "p3", "p4", "p5", "p6"});
  // Set A offers p1, p2, p3, set B p5, p4, p6 (in order of appearance, slots by position).
  CHECK(d.rounds.n == 4);
  CHECK(d.meta.num_candidates == 3);
  CHECK(d.rounds.candidates == std::vector<int32_t>{0, 1, 2, 0, 1, 2, 4, 3, 5, 4, 3, 5});
  CHECK(d.rounds.user_id == std::vector<int64_t>{-1, -1, -1, -1});
  CHECK(d.rounds.history_length.empty());
  WriteDataset(d, tmp / "s.h5");
  const LoggedDataset back = ReadDataset(tmp / "s.h5");
  CHECK(back.rounds.pscore.empty());
  CHECK(back.rounds.purchase == d.rounds.purchase);
}

TEST_CASE("bad slate logs name the file, the line and the column, and are refused", "[dataset]") {
  TempDir tmp;
  const std::string head = "round_id,position,item_id,click,propensity\n";
  auto error_of = [&](const std::string& rounds, SlateLogOptions o = SlateLogOptions(),
                      const std::string& items = "") -> std::string {
    try {
      ImportSlates(SlateFilesIn(tmp, rounds, items), o);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  const std::string rounds = tmp / "rounds.csv";
  using Catch::Contains;
  CHECK_THAT(error_of(head + "1,0,a,0,0.5\n1,1,b,0,0.5\n2,0,a,0,0.5\n2,0,b,1,0.5\n"),
             Contains(rounds + ", line 5") && Contains("second row at position 0") && Contains("line 4"));
  CHECK_THAT(error_of(head + "1,0,a,0,0.5\n1,1,b,0,1.5\n"),
             Contains(rounds + ", line 3") && Contains("'propensity'") && Contains("(0, 1]"));
  CHECK_THAT(error_of(head + "1,0,a,0,0.5\n1,1,b,0,0\n"), Contains("line 3") && Contains("'propensity'"));
  CHECK_THAT(error_of(head + "1,0,a,2,0.5\n"), Contains("line 2") && Contains("'click'") && Contains("0 or 1"));
  CHECK_THAT(error_of(head + "1,0,a,0,half\n"), Contains("line 2") && Contains("'propensity'") && Contains("'half'"));
  CHECK_THAT(error_of(head + "1,x,a,0,0.5\n"), Contains("line 2") && Contains("'position'"));
  CHECK_THAT(error_of(head + "1,-1,a,0,0.5\n"), Contains("line 2") && Contains("'position'"));
  CHECK_THAT(error_of(head + "1,0,a,0,0.5\n1,1,a,1,0.5\n"), Contains("line 3") && Contains("shows item 'a' twice"));
  CHECK_THAT(error_of(head + "1,0,a,0,0.5\n1,1,b,0,0.5\n2,0,c,0,0.5\n"),
             Contains("line 4") && Contains("round '2' has 1 rows but other rounds have 2") &&
                 Contains("--drop-incomplete"));
  CHECK_THAT(error_of(head), Contains("no rows") && Contains("header only"));
  CHECK_THAT(error_of("round_id,position,item_id,click,propensty\n1,0,a,0,0.5\n"),
             Contains("line 1") && Contains("unknown column 'propensty'"));
  CHECK_THAT(error_of("round_id,item_id,click\n1,a,0\n"), Contains("line 1") && Contains("'position'"));
  CHECK_THAT(error_of("round_id,position,item_id\n1,0,a\n"), Contains("no reward column"));
  CHECK_THAT(error_of(head + "1,0,a,0,0.5\n1,1,b,0,0.5\n", SlateLogOptions(), "item_id\na\n"),
             Contains("line 3") && Contains("item 'b' is not in the items file"));
  CHECK_THAT(error_of(head + "1,0,a,0,0.5\n", SlateLogOptions(), "item_id\na\na\n"),
             Contains("items.csv, line 3") && Contains("appears again"));
  CHECK_THAT(error_of("round_id,position,item_id,click,user_id\n1,0,a,0,u1\n1,1,b,0,u2\n"),
             Contains("line 3") && Contains("'user_id'") && Contains("first row"));
  CHECK_THAT(error_of("round_id,position,item_id,click,context_x\n1,0,a,0,1.5\n2,0,b,0,high\n"),
             Contains("line 3") && Contains("context_x") && Contains("--categorical"));
  CHECK_THAT(error_of("round_id,position,item_id,click,timestamp\n1,0,a,0,yesterday\n"),
             Contains("line 2") && Contains("'timestamp'"));
  CHECK_THAT(error_of("round_id,position,item_id,click,candidate_set\n1,0,a,0,A\n1,1,b,0,A\n2,0,c,0,B\n2,1,d,0,B\n"
                      "3,0,e,0,B\n3,1,c,0,B\n"),
             Contains("candidate set") && Contains("as many candidates"));
  {  // two file columns read as one logical column; user features without users
    SlateFiles f = SlateFilesIn(tmp, "round_id,position,item_id,click,clicked\n1,0,a,0,1\n");
    f.rename = {{"click", "clicked"}};
    CHECK_THROWS_WITH(ImportSlates(f, SlateLogOptions()), Contains("line 1") && Contains("'click'") &&
                                                             Contains("'clicked'") && Contains("both read as"));
    SlateFiles g = SlateFilesIn(tmp, head + "1,0,a,0,0.5\n", "", "user_id,feature_x\nu1,1\n");
    CHECK_THROWS_WITH(ImportSlates(g, SlateLogOptions()), Contains("users.csv") && Contains("no user_id column"));
  }
  SlateLogOptions k2;
  k2.slate_size = 2;
  CHECK_THAT(error_of(head + "1,2,a,0,0.5\n", k2), Contains("line 2") && Contains("slate size 2"));
  // A quoted field may hold the separator; a row with a column too many is refused.
  CHECK_THAT(error_of(head + "1,0,a,0,0.5,9\n"), Contains("line 2") && Contains("columns"));
  CHECK(error_of(head + "\"1,x\",0,a,0,0.5\n") == "(no error)");
  // --drop-incomplete keeps the full rounds and counts the others.
  SlateLogOptions drop;
  drop.drop_incomplete = true;
  SlateImportReport report;
  const LoggedDataset d =
      ImportSlates(SlateFilesIn(tmp, head + "1,0,a,0,0.5\n1,1,b,0,0.5\n2,0,c,0,0.5\n"), drop, nullptr, &report);
  CHECK(d.rounds.n == 1);
  CHECK(report.dropped_rounds == 1);
}

TEST_CASE("a UTF-8 byte-order mark is accepted by every CSV reader: OBD, Amazon, slates", "[dataset][data]") {
  // Spreadsheet exports start their files with one; it is not part of the first column's name.
  TempDir tmp;
  const std::string bom = "\xEF\xBB\xBF";
  for (const char* domain : {"food"}) {
    const std::string src = DataDir() + "/bundles/amazon/" + domain, dst = tmp / domain;
    fs::create_directories(dst);
    for (const auto& f : fs::directory_iterator(src))
      WriteText(dst + "/" + f.path().filename().string(), bom + testing::ReadText(f.path().string()));
    const ImportStats with = StatsOf(ImportAmazon(dst, "test")), without = StatsOf(ImportAmazon(src, "test"));
    CHECK(with.items == without.items);
    CHECK(with.sessions == without.sessions);
    CHECK(with.bundles == without.bundles);
  }
  fs::create_directories(tmp / "obd/random/men");
  for (const char* f : {"men.csv", "item_context.csv"})
    WriteText(tmp / "obd/random/men/" + f, bom + testing::ReadText(DataDir() + "/obd/random/men/" + f));
  CHECK(ImportObd(tmp / "obd/random/men", "test").rounds.n == 10000);
}
