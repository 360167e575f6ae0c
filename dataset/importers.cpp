// Importers: see importers.h. Source layouts are documented in shared/data/*/README.md.
#include "dataset/importers.h"

#include <algorithm>
#include <cerrno>
#include <limits>
#include <cmath>
#include <filesystem>
#include <map>
#include <unordered_map>

#include "common/csv.h"
#include "common/error.h"
#include "common/memory.h"

namespace bundlerl {
namespace fs = std::filesystem;
namespace {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Dense codes for strings in order of first appearance.
class Vocabulary {
 public:
  int32_t Code(const std::string& s) {
    auto [it, inserted] = index_.emplace(s, static_cast<int32_t>(values_.size()));
    if (inserted) values_.push_back(s);
    return it->second;
  }
  const std::vector<std::string>& values() const { return values_; }

 private:
  std::unordered_map<std::string, int32_t> index_;
  std::vector<std::string> values_;
};

std::string RequireFile(const fs::path& p) {
  if (fs::is_directory(p)) Fail(p.string(), ": is a folder, expected a file");
  if (!fs::exists(p)) Fail(p.string(), ": file not found");
  if (!fs::is_regular_file(p)) Fail(p.string(), ": not a regular file");
  return p.string();
}

}  // namespace

bool ParseIsoTime(const std::string& t, double& seconds) {
  int y, mo, d, h, mi;
  double s;
  int consumed = 0;
  if (std::sscanf(t.c_str(), "%4d-%2d-%2d%*1[ T]%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &s,
                  &consumed) != 6)
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || !(s >= 0 && s < 61))
    return false;
  double offset = 0;
  const std::string rest = t.substr(consumed);
  if (!rest.empty() && rest != "Z") {
    int oh, om;
    char sign;
    int used = 0;
    if (std::sscanf(rest.c_str(), "%c%2d:%2d%n", &sign, &oh, &om, &used) != 3 ||
        used != static_cast<int>(rest.size()) || (sign != '+' && sign != '-'))
      return false;
    offset = (sign == '+' ? 1 : -1) * (oh * 3600.0 + om * 60.0);
  }
  seconds = DaysFromCivil(y, mo, d) * 86400.0 + h * 3600.0 + mi * 60.0 + s - offset;
  return true;
}

bool ParseCategoryList(const std::string& text, std::string& path) {
  // "[[a,b,c],[d,e]]" -> "a > b > c | d > e"
  if (text.size() < 4 || text.front() != '[' || text.back() != ']') return false;
  path.clear();
  const std::string inner = text.substr(1, text.size() - 2);
  size_t i = 0;
  bool first_list = true;
  while (i < inner.size()) {
    if (inner[i] == ',') { ++i; continue; }
    if (inner[i] != '[') return false;
    const size_t close = inner.find(']', i);
    if (close == std::string::npos) return false;
    const std::string list = inner.substr(i + 1, close - i - 1);
    if (!first_list) path += " | ";
    first_list = false;
    size_t start = 0;
    bool first = true;
    while (start <= list.size()) {
      size_t comma = list.find(',', start);
      if (comma == std::string::npos) comma = list.size();
      std::string name = list.substr(start, comma - start);
      while (!name.empty() && name.front() == ' ') name.erase(name.begin());
      if (!first) path += " > ";
      path += name;
      first = false;
      start = comma + 1;
    }
    i = close + 1;
  }
  return !first_list;
}

// -----------------------------------------------------------------------------------------
// Open Bandit Dataset

LoggedDataset ImportObd(const std::string& dir_str, const std::string& command, std::string logging_policy) {
  const fs::path dir(dir_str);
  if (!fs::is_directory(dir)) Fail(dir_str, ": not a folder (expected an OBD campaign folder)");
  const std::string campaign = dir.filename().empty() ? dir.parent_path().filename().string()
                                                      : dir.filename().string();
  const std::string log_path = RequireFile(dir / (campaign + ".csv"));
  const std::string item_path = RequireFile(dir / "item_context.csv");
  if (logging_policy.empty()) {
    // The folder above the campaign's names the logging policy ("a/random/men/" as "a/random/men").
    fs::path folder = fs::absolute(dir).lexically_normal();
    if (folder.filename().empty()) folder = folder.parent_path();
    const std::string p = folder.parent_path().filename().string();
    logging_policy = p == "random" ? "uniform" : p == "bts" ? "bts" : "unknown";
  }

  // Items: item_id, item_feature_0 (numeric), item_feature_1..3 (categorical hashes).
  ItemTable items;
  {
    CsvReader csv(item_path);
    const auto header = csv.ReadHeader(3);
    if (header[1] != "item_id")
      csv.FailAt(Concat("expected column 'item_id' second, found '", Excerpt(header[1]), "'"));
    std::vector<std::vector<std::string>> rows;
    std::vector<int64_t> lines;
    std::vector<std::string> f;
    while (csv.Next(f)) {
      csv.ExpectColumns(f, header.size());
      const int64_t id = csv.ToInt(f[1], "item_id");
      if (id != static_cast<int64_t>(rows.size()))
        csv.FailAt(Concat("column 'item_id': expected ", rows.size(), " (ids dense, in order), found ", id));
      rows.push_back(f);
      lines.push_back(csv.line());
    }
    items.n = static_cast<int64_t>(rows.size());
    if (items.n == 0) Fail(item_path, ": no items");
    Vocabulary category;
    // Numeric columns (numeric in at least half the rows) become dense features, and a value that is not
    // a number there is an error; the others, the categorical hashes, become tokens
    // "<column>=<value>" (a hash that happens to read as a number stays a token).
    auto numeric = [](const std::string& v) {
      char* end = nullptr;
      const double x = std::strtod(v.c_str(), &end);
      return !v.empty() && end == v.c_str() + v.size() && std::isfinite(x);
    };
    std::vector<bool> is_numeric;
    for (size_t c = 2; c < header.size(); ++c) {
      size_t count = 0;
      for (const auto& r : rows) count += numeric(r[c]);
      is_numeric.push_back(2 * count >= rows.size());
    }
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      items.original_id.push_back(std::stoll(r[1]));
      std::string tokens;
      for (size_t c = 2; c < header.size(); ++c) {
        if (is_numeric[c - 2] && !numeric(r[c]))
          Fail(item_path, ", line ", lines[i], ": column '", Excerpt(header[c]),
               "': expected a finite number (the column is numeric in other rows), found '", Excerpt(r[c]), "'");
        if (is_numeric[c - 2]) {
          items.features.push_back(std::strtod(r[c].c_str(), nullptr));
        } else {
          if (!tokens.empty()) tokens += ' ';
          tokens += header[c] + "=" + r[c];
        }
      }
      items.tokens.push_back(tokens);
      items.category.push_back(header.size() > 3 ? category.Code(r[3]) : 0);
    }
    items.feature_dim = static_cast<int64_t>(is_numeric.size() - std::count(is_numeric.begin(), is_numeric.end(), false));
  }

  CsvReader csv(log_path);
  const auto header = csv.ReadHeader(6);
  auto col = [&](const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) Fail(log_path, ", line 1: expected a column named '", name, "'");
    return static_cast<size_t>(it - header.begin());
  };
  const size_t c_time = col("timestamp"), c_item = col("item_id"), c_pos = col("position"),
               c_click = col("click"), c_ps = col("propensity_score");
  std::vector<size_t> c_user, c_aff;
  for (size_t c = 0; c < header.size(); ++c) {
    if (header[c].rfind("user_feature_", 0) == 0) c_user.push_back(c);
    if (header[c].rfind("user-item_affinity_", 0) == 0) c_aff.push_back(c);
  }
  if (!c_aff.empty() && static_cast<int64_t>(c_aff.size()) != items.n)
    Fail(log_path, ", line 1: ", c_aff.size(), " user-item_affinity columns, expected one per item (",
         items.n, ") from ", item_path);
  std::vector<Vocabulary> user_vocab(c_user.size());

  LoggedDataset d;
  LogMeta& meta = d.meta;
  meta.source = "obd/" + campaign;
  meta.logging_policy = logging_policy;
  meta.command = command;
  meta.slate_size = 3;
  meta.slots_per_round = 1;
  meta.n_units = items.n;
  meta.context_dim = static_cast<int64_t>(c_user.size() + c_aff.size());
  d.items = std::move(items);
  RoundBatch& batch = d.rounds;
  std::vector<std::string> f;
  int64_t row = 0;
  while (csv.Next(f)) {
    csv.ExpectColumns(f, header.size());
    double t;
    if (!ParseIsoTime(f[c_time], t))
      csv.FailAt(Concat("column 'timestamp': expected an ISO time like 2019-11-24 00:03:13+00:00, found '", f[c_time], "'"));
    const int64_t item = csv.ToInt(f[c_item], "item_id");
    if (item < 0 || item >= d.items.n)
      csv.FailAt(Concat("column 'item_id': ", item, " not in [0, ", d.items.n, ") (items of ", item_path, ")"));
    const int64_t pos = csv.ToInt(f[c_pos], "position");
    if (pos < 1 || pos > 3) csv.FailAt(Concat("column 'position': expected 1, 2 or 3, found ", pos));
    const double click = csv.ToDouble(f[c_click], "click");
    if (click != 0.0 && click != 1.0) csv.FailAt(Concat("column 'click': expected 0 or 1, found '", f[c_click], "'"));
    const double ps = csv.ToDouble(f[c_ps], "propensity_score");
    if (!(ps > 0.0 && ps <= 1.0))
      csv.FailAt(Concat("column 'propensity_score': ", f[c_ps], " not in (0, 1]"));
    batch.session_id.push_back(row);
    batch.step.push_back(0);
    batch.timestamp.push_back(t);
    batch.user_id.push_back(-1);
    for (size_t k = 0; k < c_user.size(); ++k)
      batch.context.push_back(static_cast<float>(user_vocab[k].Code(f[c_user[k]])));
    for (size_t c : c_aff) {
      const double a = csv.ToDouble(f[c], header[c]);
      if (a < 0) csv.FailAt(Concat("column '", header[c], "': expected >= 0, found ", f[c]));
      batch.context.push_back(static_cast<float>(a));
    }
    batch.slate.push_back(static_cast<int32_t>(item));
    batch.position.push_back(static_cast<int32_t>(pos - 1));
    batch.pscore.push_back(ps);
    batch.click.push_back(static_cast<float>(click));
    ++batch.n;
    ++row;
  }
  if (row == 0) Fail(log_path, ": no data rows");
  // Context column names and the categorical vocabularies, so the codes can be mapped back.
  for (size_t c : c_user) d.context_columns.push_back(header[c]);
  for (size_t c : c_aff) d.context_columns.push_back(header[c]);
  for (size_t k = 0; k < c_user.size(); ++k) d.context_vocab[header[c_user[k]]] = user_vocab[k].values();
  d.Validate(log_path);
  return d;
}

// -----------------------------------------------------------------------------------------
// Bundle-ranking layout (Youshu)

namespace {

struct PairFile {
  std::vector<int32_t> a, b;
  std::unordered_map<uint64_t, int64_t> line_of;  // (a << 32 | b) -> its line
};

uint64_t PairKey(int64_t a, int64_t b) { return static_cast<uint64_t>(a) << 32 | static_cast<uint64_t>(b); }

PairFile ReadPairs(const fs::path& path, int64_t n_a, int64_t n_b, const char* name_a,
                   const char* name_b) {
  CsvReader csv(RequireFile(path), '\t');
  PairFile p;
  std::vector<std::string> f;
  while (csv.Next(f)) {
    csv.ExpectColumns(f, 2);
    const int64_t a = csv.ToInt(f[0], name_a), b = csv.ToInt(f[1], name_b);
    if (a < 0 || a >= n_a) csv.FailAt(Concat(name_a, " id ", a, " not in [0, ", n_a, ")"));
    if (b < 0 || b >= n_b) csv.FailAt(Concat(name_b, " id ", b, " not in [0, ", n_b, ")"));
    // The layout holds sets of pairs: a repeated one would be counted twice.
    const auto [at, fresh] = p.line_of.emplace(PairKey(a, b), csv.line());
    if (!fresh) csv.FailAt(Concat(name_a, " ", a, ", ", name_b, " ", b, " repeats line ", at->second));
    p.a.push_back(static_cast<int32_t>(a));
    p.b.push_back(static_cast<int32_t>(b));
  }
  if (p.a.empty()) Fail(path.string(), ": no ", name_a, "-", name_b, " pairs (an empty file)");
  return p;
}

// A user-bundle pair belongs to one split: one in two would be trained on and tested.
void RequireDisjointSplits(const fs::path& dir, const std::map<std::string, PairFile>& splits) {
  for (auto x = splits.begin(); x != splits.end(); ++x)
    for (auto y = std::next(x); y != splits.end(); ++y)
      for (size_t i = 0; i < y->second.a.size(); ++i) {  // in file order: the first overlap is named
        const uint64_t key = PairKey(y->second.a[i], y->second.b[i]);
        const auto other = x->second.line_of.find(key);
        if (other == x->second.line_of.end()) continue;
        Fail((dir / Concat("user_bundle_", y->first, ".txt")).string(), ", line ", y->second.line_of.at(key),
             ": user ", y->second.a[i], ", bundle ", y->second.b[i], " is also in user_bundle_", x->first,
             ".txt (line ", other->second, "); a pair belongs to one split");
      }
}

// Groups pairs (row, value) into a CSR with `rows` rows, keeping file order within a row.
Ragged GroupPairs(const std::vector<int32_t>& row, const std::vector<int32_t>& value, int64_t rows,
                  const std::vector<int64_t>* time = nullptr, std::vector<int64_t>* time_out = nullptr) {
  std::vector<int64_t> order(row.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) {
    if (row[x] != row[y]) return row[x] < row[y];
    return time ? (*time)[x] < (*time)[y] : false;
  });
  Ragged r;
  r.offsets.assign(rows + 1, 0);
  for (int32_t u : row) ++r.offsets[u + 1];
  for (int64_t i = 0; i < rows; ++i) r.offsets[i + 1] += r.offsets[i];
  r.values.reserve(row.size());
  for (int64_t i : order) {
    r.values.push_back(value[i]);
    if (time_out) time_out->push_back((*time)[i]);
  }
  return r;
}

// A count from the size file sizes the tables (an offset per user and per bundle), so it is
// checked before use against the rows that name such ids: a count larger than those rows
// cannot be right (each id would have to appear at least once), and a claim of 10^12 users
// must be an error, not an allocation (found by fuzz/bundles_fuzz.cpp).
void CheckCount(const std::string& size_file, const char* name, int64_t count, size_t rows,
                const char* files) {
  if (count > static_cast<int64_t>(rows))
    Fail(size_file, ", line 1: ", name, " = ", count, " but ", files, " hold only ", rows,
         " rows naming them (expected at most one id per row)");
}

}  // namespace

LoggedDataset ImportBundles(const std::string& dir_str, const std::string& command) {
  const fs::path dir(dir_str);
  if (!fs::is_directory(dir)) Fail(dir_str, ": not a folder (expected a bundle dataset folder)");
  fs::path size_file;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename();
    if (name.size() > 14 && name.substr(name.size() - 14) == "_data_size.txt") size_file = e.path();
  }
  if (size_file.empty()) Fail(dir_str, ": no <Name>_data_size.txt file (expected e.g. Youshu_data_size.txt)");
  const std::string name = size_file.filename().string().substr(0, size_file.filename().string().size() - 14);
  int64_t n_users, n_bundles, n_items;
  {
    CsvReader csv(size_file.string(), '\t');
    std::vector<std::string> f;
    if (!csv.Next(f)) Fail(size_file.string(), ": empty, expected n_users<TAB>n_bundles<TAB>n_items");
    csv.ExpectColumns(f, 3);
    n_users = csv.ToInt(f[0], "n_users");
    n_bundles = csv.ToInt(f[1], "n_bundles");
    n_items = csv.ToInt(f[2], "n_items");
    if (n_users <= 0 || n_bundles <= 0 || n_items <= 0) csv.FailAt("counts must be positive");
    const int64_t most = std::numeric_limits<int32_t>::max();
    if (n_users > most || n_bundles > most || n_items > most)
      csv.FailAt(Concat("counts must be below 2^31 (ids are 32-bit), found ", n_users, ", ", n_bundles, ", ", n_items));
    // Per-user, per-bundle and per-item tables (offsets, profiles, kernels' vectors).
    CheckFitsInMemory((static_cast<double>(n_users) + n_bundles + n_items) * 256.0,
                      Concat(size_file.string(), ": ", n_users, " users, ", n_bundles, " bundles, ", n_items, " items"));
  }
  const auto bundle_item = ReadPairs(dir / "bundle_item.txt", n_bundles, n_items, "bundle", "item");
  const auto user_item = ReadPairs(dir / "user_item.txt", n_users, n_items, "user", "item");
  std::map<std::string, PairFile> user_bundle;
  size_t user_rows = user_item.a.size();
  for (const char* split : {"train", "tune", "test"}) {
    auto p = ReadPairs(dir / Concat("user_bundle_", split, ".txt"), n_users, n_bundles, "user", "bundle");
    user_rows += p.a.size();
    user_bundle[split] = std::move(p);
  }
  CheckCount(size_file.string(), "n_users", n_users, user_rows, "user_item.txt and user_bundle_*.txt");
  CheckCount(size_file.string(), "n_bundles", n_bundles, bundle_item.a.size(), "bundle_item.txt");
  CheckCount(size_file.string(), "n_items", n_items, bundle_item.a.size() + user_item.a.size(),
             "bundle_item.txt and user_item.txt");
  RequireDisjointSplits(dir, user_bundle);

  LoggedDataset d;
  std::string lower = name;
  for (auto& c : lower) c = static_cast<char>(std::tolower(c));
  d.meta.source = lower;
  d.meta.unit_kind = "bundle";
  d.meta.command = command;
  d.meta.n_units = n_bundles;
  d.items.n = n_items;
  d.bundles.items = GroupPairs(bundle_item.a, bundle_item.b, n_bundles);
  for (int64_t b = 0; b < n_bundles; ++b)
    if (d.bundles.items.size(b) == 0) Fail(dir_str, "/bundle_item.txt: bundle ", b, " has no items");
  d.users.n = n_users;
  d.users.history = GroupPairs(user_item.a, user_item.b, n_users);
  for (auto& [split, p] : user_bundle) {
    Interactions& x = d.interactions["user_bundle_" + split];
    x.user = std::move(p.a);
    x.unit = std::move(p.b);
  }
  d.Validate(dir_str);
  return d;
}

// -----------------------------------------------------------------------------------------
// Amazon session bundles

namespace {

// Maps sparse source ids to dense ones (sorted by source id).
struct IdMap {
  std::map<int64_t, int32_t> dense;
  std::vector<int64_t> original;
  void Add(int64_t id) { dense.emplace(id, 0); }
  void Finish() {
    int32_t next = 0;
    original.clear();
    for (auto& [id, d] : dense) d = next++, original.push_back(id);
  }
  int32_t operator[](int64_t id) const { return dense.at(id); }
  int64_t size() const { return static_cast<int64_t>(original.size()); }
};

struct Table {
  std::vector<std::vector<std::string>> rows;
  std::vector<int64_t> lines;
};

// Reads a table whose header must name exactly `names`, in that order (case and surrounding
// spaces ignored): swapped columns would otherwise import silently as other ids.
Table ReadTable(const fs::path& path, std::initializer_list<const char*> names) {
  CsvReader csv(RequireFile(path));
  const size_t columns = names.size();
  const auto header = csv.ReadHeader(columns);
  auto normal = [](std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    size_t b = 0;
    while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    s = s.substr(b);
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::string expected;
  for (const char* n : names) expected += (expected.empty() ? "" : ",") + std::string(n);
  size_t c = 0;
  for (const char* n : names) {
    if (header.size() != columns || normal(header[c]) != normal(n))
      Fail(path.string(), ", line 1: expected the header '", expected, "', column ", c + 1, " is '",
           c < header.size() ? Excerpt(header[c]) : std::string(), "'");
    ++c;
  }
  Table t;
  std::vector<std::string> f;
  while (csv.Next(f)) {
    csv.ExpectColumns(f, columns);
    t.rows.push_back(f);
    t.lines.push_back(csv.line());
  }
  return t;
}

int64_t IntAt(const Table& t, size_t r, size_t c, const fs::path& path, const char* column) {
  const std::string& s = t.rows[r][c];
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE)
    Fail(path.string(), ", line ", t.lines[r], ": column '", column, "': expected an integer, found '", Excerpt(s), "'");
  if (v < 0) Fail(path.string(), ", line ", t.lines[r], ": column '", column, "': expected an id >= 0, found ", v);
  return v;
}

}  // namespace

LoggedDataset ImportAmazon(const std::string& dir_str, const std::string& command) {
  const fs::path dir(dir_str);
  if (!fs::is_directory(dir)) Fail(dir_str, ": not a folder (expected data/bundles/amazon/<domain>)");
  const auto user_session = ReadTable(dir / "user_session.csv", {"user ID", "session ID", "timestamp"});
  const auto session_item = ReadTable(dir / "session_item.csv", {"session ID", "item ID"});
  const auto session_bundle = ReadTable(dir / "session_bundle.csv", {"session ID", "bundle ID"});
  const auto bundle_item = ReadTable(dir / "bundle_item.csv", {"bundle ID", "item ID"});
  const auto bundle_intent = ReadTable(dir / "bundle_intent.csv", {"bundle ID", "intent"});
  const auto user_bundle = ReadTable(dir / "user_bundle.csv", {"user ID", "bundle ID", "timestamp"});
  const auto user_item = ReadTable(dir / "user_item.csv", {"user ID", "item ID", "timestamp"});
  const auto titles = ReadTable(dir / "item_titles.csv", {"item ID", "titles"});
  const auto categories = ReadTable(dir / "item_categories.csv", {"item ID", "categories"});
  auto P = [&](const char* f) { return dir / f; };

  IdMap item_ids, user_ids, bundle_ids, session_ids;
  // One row per item in the item tables: a repeated id would silently keep one of two titles.
  for (const auto* table : {&titles, &categories}) {
    const fs::path path = P(table == &titles ? "item_titles.csv" : "item_categories.csv");
    std::unordered_map<int64_t, int64_t> line_of;
    for (size_t r = 0; r < table->rows.size(); ++r) {
      const int64_t id = IntAt(*table, r, 0, path, "item ID");
      const auto [at, added] = line_of.emplace(id, table->lines[r]);
      if (!added)
        Fail(path.string(), ", line ", table->lines[r], ": item ID ", id, " appears again (first on line ", at->second, ")");
      item_ids.Add(id);
    }
  }
  // The tables every session needs must hold rows: a header alone would import as an empty log.
  for (const auto& [table, file] : {std::pair{&user_session, "user_session.csv"}, std::pair{&session_item, "session_item.csv"},
                                    std::pair{&bundle_item, "bundle_item.csv"}, std::pair{&titles, "item_titles.csv"}})
    if (table->rows.empty()) Fail((dir / file).string(), ": no data rows (a header only)");
  for (size_t r = 0; r < session_item.rows.size(); ++r) item_ids.Add(IntAt(session_item, r, 1, P("session_item.csv"), "item ID"));
  for (size_t r = 0; r < bundle_item.rows.size(); ++r) {
    item_ids.Add(IntAt(bundle_item, r, 1, P("bundle_item.csv"), "item ID"));
    bundle_ids.Add(IntAt(bundle_item, r, 0, P("bundle_item.csv"), "bundle ID"));
  }
  for (size_t r = 0; r < user_item.rows.size(); ++r) {
    item_ids.Add(IntAt(user_item, r, 1, P("user_item.csv"), "item ID"));
    user_ids.Add(IntAt(user_item, r, 0, P("user_item.csv"), "user ID"));
  }
  for (size_t r = 0; r < user_session.rows.size(); ++r) {
    user_ids.Add(IntAt(user_session, r, 0, P("user_session.csv"), "user ID"));
    session_ids.Add(IntAt(user_session, r, 1, P("user_session.csv"), "session ID"));
  }
  for (size_t r = 0; r < user_bundle.rows.size(); ++r) user_ids.Add(IntAt(user_bundle, r, 0, P("user_bundle.csv"), "user ID"));
  item_ids.Finish();
  user_ids.Finish();
  bundle_ids.Finish();
  session_ids.Finish();

  // Items: titles and category paths; category = dense id of the first category path.
  ItemTable items;
  items.n = item_ids.size();
  items.original_id = item_ids.original;
  items.title.assign(items.n, "");
  items.category_path.assign(items.n, "");
  items.category.assign(items.n, -1);
  for (size_t r = 0; r < titles.rows.size(); ++r) items.title[item_ids[std::stoll(titles.rows[r][0])]] = titles.rows[r][1];
  Vocabulary category_vocab;
  for (size_t r = 0; r < categories.rows.size(); ++r) {
    std::string path;
    if (!ParseCategoryList(categories.rows[r][1], path))
      Fail(P("item_categories.csv").string(), ", line ", categories.lines[r],
           ": column 'categories': expected a list like [[a,b],[c]], found '", categories.rows[r][1], "'");
    const int32_t item = item_ids[std::stoll(categories.rows[r][0])];
    items.category_path[item] = path;
    items.category[item] = category_vocab.Code(path.substr(0, path.find(" | ")));
  }

  // Bundles with intents.
  BundleTable bundles;
  {
    std::vector<int32_t> b, it;
    for (size_t r = 0; r < bundle_item.rows.size(); ++r) {
      b.push_back(bundle_ids[std::stoll(bundle_item.rows[r][0])]);
      it.push_back(item_ids[std::stoll(bundle_item.rows[r][1])]);
    }
    bundles.items = GroupPairs(b, it, bundle_ids.size());
    bundles.original_id = bundle_ids.original;
    bundles.intent.assign(bundle_ids.size(), "");
    for (size_t r = 0; r < bundle_intent.rows.size(); ++r) {
      const int64_t id = IntAt(bundle_intent, r, 0, P("bundle_intent.csv"), "bundle ID");
      if (!bundle_ids.dense.count(id))
        Fail(P("bundle_intent.csv").string(), ", line ", bundle_intent.lines[r], ": bundle ID ", id,
             " has no items in bundle_item.csv");
      bundles.intent[bundle_ids[id]] = bundle_intent.rows[r][1];
    }
  }

  // Users: time-ordered item histories.
  UserTable users;
  users.n = user_ids.size();
  users.original_id = user_ids.original;
  {
    std::vector<int32_t> u, it;
    std::vector<int64_t> t;
    for (size_t r = 0; r < user_item.rows.size(); ++r) {
      u.push_back(user_ids[std::stoll(user_item.rows[r][0])]);
      it.push_back(item_ids[std::stoll(user_item.rows[r][1])]);
      t.push_back(IntAt(user_item, r, 2, P("user_item.csv"), "timestamp"));
    }
    users.history = GroupPairs(u, it, users.n, &t, &users.history_time);
  }

  // Sessions in time order (ties by session id), each with its items and bundles. Sessions
  // that appear in session_item.csv but not in user_session.csv (213 in clothing) have no
  // user and no time: they are kept (user -1, timestamp -1) after the timed ones.
  SessionTable sessions;
  {
    struct SessionKey {
      int64_t time, id, user;
    };
    std::map<int64_t, SessionKey> keys;
    for (size_t r = 0; r < user_session.rows.size(); ++r) {
      const int64_t s = IntAt(user_session, r, 1, P("user_session.csv"), "session ID");
      keys[s] = {IntAt(user_session, r, 2, P("user_session.csv"), "timestamp"), s,
                 user_ids[std::stoll(user_session.rows[r][0])]};
    }
    std::unordered_map<int64_t, std::vector<int32_t>> s_items, s_bundles;
    for (size_t r = 0; r < session_item.rows.size(); ++r) {
      const int64_t s = IntAt(session_item, r, 0, P("session_item.csv"), "session ID");
      if (!keys.count(s)) keys[s] = {-1, s, -1};
      s_items[s].push_back(item_ids[std::stoll(session_item.rows[r][1])]);
    }
    for (size_t r = 0; r < session_bundle.rows.size(); ++r) {
      const int64_t s = IntAt(session_bundle, r, 0, P("session_bundle.csv"), "session ID");
      const int64_t b = IntAt(session_bundle, r, 1, P("session_bundle.csv"), "bundle ID");
      if (!bundle_ids.dense.count(b))
        Fail(P("session_bundle.csv").string(), ", line ", session_bundle.lines[r], ": bundle ID ", b, " has no items in bundle_item.csv");
      if (!keys.count(s)) keys[s] = {-1, s, -1};
      s_bundles[s].push_back(bundle_ids[b]);
    }
    std::vector<SessionKey> order;
    for (const auto& [id, key] : keys) order.push_back(key);
    std::stable_sort(order.begin(), order.end(), [](const SessionKey& a, const SessionKey& b) {
      if ((a.time < 0) != (b.time < 0)) return a.time >= 0;
      return a.time != b.time ? a.time < b.time : a.id < b.id;
    });
    for (const auto& k : order) {
      sessions.user.push_back(k.user);
      sessions.timestamp.push_back(k.time);
      sessions.original_id.push_back(k.id);
      sessions.items.PushRow(s_items[k.id]);
      sessions.bundles.PushRow(s_bundles[k.id]);
    }
  }

  Interactions ub;
  for (size_t r = 0; r < user_bundle.rows.size(); ++r) {
    const int64_t b = IntAt(user_bundle, r, 1, P("user_bundle.csv"), "bundle ID");
    if (!bundle_ids.dense.count(b))
      Fail(P("user_bundle.csv").string(), ", line ", user_bundle.lines[r], ": bundle ID ", b, " has no items in bundle_item.csv");
    ub.user.push_back(user_ids[std::stoll(user_bundle.rows[r][0])]);
    ub.unit.push_back(bundle_ids[b]);
    ub.time.push_back(IntAt(user_bundle, r, 2, P("user_bundle.csv"), "timestamp"));
  }

  LoggedDataset d;
  d.meta.source = "amazon/" + (dir.filename().empty() ? dir.parent_path().filename() : dir.filename()).string();
  d.meta.command = command;
  d.meta.unit_kind = "item";
  d.meta.n_units = items.n;
  d.items = std::move(items);
  d.bundles = std::move(bundles);
  d.users = std::move(users);
  d.sessions = std::move(sessions);
  d.interactions["user_bundle"] = std::move(ub);
  d.Validate(dir_str);
  return d;
}

}  // namespace bundlerl
