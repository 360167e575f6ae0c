// Tests for replay/log_store: HDF5 round trip, streaming, validation, atomic writes.
#include <cmath>
#include <filesystem>
#include <limits>

#include <hdf5.h>

#include "common/error.h"
#include "replay/log_store.h"
#include "test_util.h"

using namespace bundlerl;
using bundlerl::testing::TempDir;
namespace fs = std::filesystem;

namespace {

LogMeta SmallMeta() {
  LogMeta m;
  m.source = "test";
  m.logging_policy = "uniform";
  m.command = "test";
  m.slate_size = 3;
  m.slots_per_round = 3;
  m.n_units = 10;
  m.context_dim = 2;
  return m;
}

// n rounds of a deterministic pattern; round r shows units (r, r+1, r+2) mod 10.
RoundBatch MakeRounds(int64_t first, int64_t n, bool with_optional = true) {
  RoundBatch b;
  b.first_round = first;
  b.n = n;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = first + i;
    b.session_id.push_back(r / 4);
    b.step.push_back(static_cast<int32_t>(r % 4));
    b.timestamp.push_back(1.5e9 + r);
    b.user_id.push_back(r % 7);
    b.context.push_back(static_cast<float>(r));
    b.context.push_back(0.5f);
    for (int s = 0; s < 3; ++s) {
      b.slate.push_back(static_cast<int32_t>((r + s) % 10));
      b.position.push_back(s);
      b.pscore.push_back(0.1 * (s + 1));
      b.click.push_back(static_cast<float>((r + s) % 3 == 0));
      if (with_optional) {
        b.purchase.push_back(0.f);
        b.revenue.push_back(static_cast<float>(s));
      }
    }
    if (with_optional) b.pscore_slate.push_back(1.0 / 720);
  }
  return b;
}

}  // namespace

TEST_CASE("rounds, items, bundles and users survive a write/read round trip", "[replay]") {
  TempDir tmp;
  const std::string path = tmp / "log.h5";
  {
    LogWriter w(path, SmallMeta());
    ItemTable items;
    items.n = 10;
    for (int i = 0; i < 10; ++i) {
      items.original_id.push_back(100 + i);
      items.category.push_back(i % 3);
      items.price.push_back(1.0 + i);
      items.title.push_back("item " + std::to_string(i));
      items.features.push_back(static_cast<float>(i));
    }
    items.feature_dim = 1;
    w.WriteItems(items);
    BundleTable bundles;
    bundles.items.PushRow({1, 2});
    bundles.items.PushRow({3, 4, 5});
    bundles.intent = {"a", "b"};
    w.WriteBundles(bundles);
    UserTable users;
    users.n = 2;
    users.history.PushRow({0});
    users.history.PushRow({1, 2});
    w.WriteUsers(users);
    w.AppendRounds(MakeRounds(0, 1000));
    w.AppendRounds(MakeRounds(1000, 234));
    CHECK_FALSE(fs::exists(path));  // nothing at the target until Commit()
    w.Commit();
  }
  REQUIRE(fs::exists(path));
  LogReader r(path);
  CHECK(r.num_rounds() == 1234);
  CHECK(r.meta().slate_size == 3);
  CHECK(r.meta().source == "test");
  CHECK(r.has_pscore_slate());
  const auto items = r.ReadItems();
  CHECK(items.n == 10);
  CHECK(items.title[7] == "item 7");
  CHECK(items.price[3] == 4.0);
  const auto bundles = r.ReadBundles();
  REQUIRE(bundles.items.rows() == 2);
  CHECK(bundles.items.size(1) == 3);
  CHECK(bundles.items.row(1)[2] == 5);
  CHECK(bundles.intent[1] == "b");
  CHECK(r.ReadUsers().history.size(1) == 2);

  // Streaming in batches that do not divide the file returns every round once, in order.
  RoundStream stream(r, 100);
  RoundBatch b;
  int64_t seen = 0;
  while (stream.Next(b)) {
    const RoundBatch want = MakeRounds(b.first_round, b.n);
    REQUIRE(b.first_round == seen);
    CHECK(b.slate == want.slate);
    CHECK(b.pscore == want.pscore);
    CHECK(b.revenue == want.revenue);
    CHECK(b.context == want.context);
    seen += b.n;
  }
  CHECK(seen == 1234);
}

TEST_CASE("a writer that is not committed leaves no file", "[replay]") {
  TempDir tmp;
  const std::string path = tmp / "never.h5";
  {
    LogWriter w(path, SmallMeta());
    w.AppendRounds(MakeRounds(0, 10));
  }
  CHECK_FALSE(fs::exists(path));
  CHECK(fs::is_empty(tmp.path()));  // the temporary file is gone too
}

TEST_CASE("validation on write names the field, the round and what was expected", "[replay]") {
  TempDir tmp;
  const std::string path = tmp / "bad.h5";
  auto expect_error = [&](RoundBatch b, const std::string& needle1, const std::string& needle2) {
    {
      LogWriter w(path, SmallMeta());
      w.AppendRounds(MakeRounds(0, 5));
      CHECK_THROWS_WITH(w.AppendRounds(b), Catch::Contains(needle1) && Catch::Contains(needle2));
    }
    CHECK_FALSE(fs::exists(path));
  };
  RoundBatch b = MakeRounds(5, 10);
  b.pscore[3 * 4 + 1] = 0.0;
  expect_error(b, "rounds/pscore, round 9", "not in (0, 1]");
  b = MakeRounds(5, 10);
  b.pscore[0] = 1.5;
  expect_error(b, "rounds/pscore, round 5", "1.5 not in (0, 1]");
  b = MakeRounds(5, 10);
  b.pscore[2] = std::numeric_limits<double>::quiet_NaN();
  expect_error(b, "rounds/pscore, round 5", "slot 2");
  b = MakeRounds(5, 10);
  b.slate[3] = 10;
  expect_error(b, "rounds/slate, round 6", "not in [0, 10)");
  b = MakeRounds(5, 10);
  b.slate[1] = b.slate[0];
  expect_error(b, "rounds/slate, round 5", "distinct");
  b = MakeRounds(5, 10);
  b.click.pop_back();
  expect_error(b, "rounds/click", "expected 30");
  b = MakeRounds(5, 10);
  b.context[4] = std::numeric_limits<float>::infinity();
  expect_error(b, "rounds/context, round 7", "not finite");
  b = MakeRounds(5, 10);
  b.pscore_slate[2] = 0.0;
  expect_error(b, "rounds/pscore_slate, round 7", "not in (0, 1]");
  b = MakeRounds(5, 10, /*with_optional=*/false);
  expect_error(b, "pscore_slate", "present in some batches and not in others");
}

TEST_CASE("reading rejects truncated files, missing datasets and bad values", "[replay]") {
  TempDir tmp;
  const std::string path = tmp / "ok.h5";
  {
    LogWriter w(path, SmallMeta());
    w.AppendRounds(MakeRounds(0, 50000));
    w.Commit();
  }
  SECTION("truncated file") {
    const std::string cut = tmp / "cut.h5";
    fs::copy_file(path, cut);
    fs::resize_file(cut, fs::file_size(path) / 2);
    CHECK_THROWS_WITH(
        [&] {
          LogReader r(cut);
          RoundStream s(r);
          RoundBatch b;
          while (s.Next(b)) {
          }
        }(),
        Catch::Contains("cut.h5"));
  }
  SECTION("not an HDF5 file / missing file") {
    testing::WriteText(tmp / "text.h5", "hello");
    CHECK_THROWS_WITH(LogReader(tmp / "text.h5"), Catch::Contains("not a valid HDF5 file"));
    CHECK_THROWS_WITH(LogReader(tmp / "absent.h5"), Catch::Contains("absent.h5") &&
                                                        Catch::Contains("missing"));
  }
  SECTION("missing dataset") {
    {
      h5::File f = h5::File::Create(tmp / "partial.h5");
      for (const char* a : {"source", "logging_policy", "command"}) f.SetAttr(a, std::string("x"));
      f.SetAttr("unit_kind", std::string("item"));
      f.SetAttr("schema_version", kSchemaVersion);
      for (const char* a : {"slate_size", "slots_per_round"}) f.SetAttr(a, int64_t{1});
      f.SetAttr("n_units", int64_t{5});
      f.SetAttr("context_dim", int64_t{0});
      f.CreateGroup("/rounds");
      f.Write<int32_t>("/rounds/slate", {1, 2}, {2, 1});
    }
    CHECK_THROWS_WITH(LogReader(tmp / "partial.h5"),
                      Catch::Contains("dataset /rounds/") && Catch::Contains("is missing"));
  }
  SECTION("bad value on read") {
    {
      h5::File f = h5::File::Create(tmp / "badvalue.h5");
      for (const char* a : {"source", "logging_policy", "command"}) f.SetAttr(a, std::string("x"));
      f.SetAttr("unit_kind", std::string("item"));
      f.SetAttr("schema_version", kSchemaVersion);
      for (const char* a : {"slate_size", "slots_per_round"}) f.SetAttr(a, int64_t{1});
      f.SetAttr("n_units", int64_t{5});
      f.SetAttr("context_dim", int64_t{0});
      f.CreateGroup("/rounds");
      f.Write<int64_t>("/rounds/session_id", {0, 1}, {2});
      f.Write<int64_t>("/rounds/user_id", {0, 1}, {2});
      f.Write<int32_t>("/rounds/step", {0, 0}, {2});
      f.Write<double>("/rounds/timestamp", {0, 0}, {2});
      f.Write<int32_t>("/rounds/slate", {1, 7}, {2, 1});
      f.Write<int32_t>("/rounds/position", {0, 0}, {2, 1});
      f.Write<double>("/rounds/pscore", {0.2, 0.2}, {2, 1});
      f.Write<float>("/rounds/click", {0, 1}, {2, 1});
    }
    LogReader r(tmp / "badvalue.h5");
    RoundBatch b;
    CHECK_THROWS_WITH(r.ReadRounds(0, 2, b), Catch::Contains("badvalue.h5") &&
                                                 Catch::Contains("rounds/slate, round 1") &&
                                                 Catch::Contains("unit id 7 not in [0, 5)"));
  }
  SECTION("an attribute of another type or with several values") {
    // A float where an integer is read (HDF5 would truncate 1.5 to 1), and an array where one
    // value is read (HDF5 would write all of it into the one-value buffer).
    const auto write_with = [&](const std::string& name, hid_t type, const std::vector<hsize_t>& dims,
                                const void* data) {
      const std::string file = tmp / (name + ".h5");
      {
        h5::File f = h5::File::Create(file);
        for (const char* a : {"source", "logging_policy", "command"}) f.SetAttr(a, std::string("x"));
        f.SetAttr("unit_kind", std::string("item"));
        f.SetAttr("schema_version", kSchemaVersion);
      }
      const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
      const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
      const hid_t attr = H5Acreate2(f, "slate_size", type, space, H5P_DEFAULT, H5P_DEFAULT);
      H5Awrite(attr, type, data);
      H5Aclose(attr), H5Sclose(space), H5Fclose(f);
      return file;
    };
    const double half = 1.5;
    CHECK_THROWS_WITH(LogReader(write_with("float", H5T_NATIVE_DOUBLE, {1}, &half)),
                      Catch::Contains("float.h5: file attribute 'slate_size': expected an integer"));
    const int64_t three[] = {1, 2, 3};
    CHECK_THROWS_WITH(LogReader(write_with("array", H5T_NATIVE_INT64, {3}, three)),
                      Catch::Contains("array.h5: file attribute 'slate_size': expected one value, got 3"));
  }
}
