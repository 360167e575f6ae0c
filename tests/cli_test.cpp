// Tests for the bundlerl executable: help, import + info, errors and exit codes, configs.
#include <filesystem>

#include "test_util.h"

using namespace bundlerl::testing;
namespace fs = std::filesystem;

TEST_CASE("every subcommand answers --help", "[cli]") {
  for (const char* cmd : {"import", "info"}) {
    INFO(cmd);
    const auto r = RunCli(std::string(cmd) + " --help");
    CHECK(r.status == 0);
    CHECK_THAT(r.output, Catch::Contains("bundlerl " + std::string(cmd)));
    CHECK_THAT(r.output, Catch::Contains("--config"));
  }
  const auto top = RunCli("--help");
  CHECK(top.status == 0);
  CHECK_THAT(top.output, Catch::Contains("import") && Catch::Contains("info"));
  CHECK(RunCli("frobnicate").status == 2);
}

TEST_CASE("import obd then info prints the figures to check against the CSV", "[cli][data]") {
  TempDir tmp;
  const std::string out = tmp / "men.h5";
  auto r = RunCli("import obd --dir " + DataDir() + "/obd/random/men --out " + out);
  REQUIRE(r.status == 0);
  r = RunCli("info " + out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("rounds            10000"));
  CHECK_THAT(r.output, Catch::Contains("items             34"));
  CHECK_THAT(r.output, Catch::Contains("logging policy    uniform"));
  CHECK_THAT(r.output, Catch::Contains("slate size K      3"));
  CHECK_THAT(r.output, Catch::Contains("schema version    1"));
  CHECK_THAT(r.output, Catch::Contains("position  shown  clicks  click rate"));
}

TEST_CASE("bad input exits non-zero with a message naming the place, and writes nothing",
          "[cli]") {
  TempDir tmp;
  const std::string out = tmp / "x.h5";
  auto r = RunCli("import obd --dir " + tmp.path() + "/nope --out " + out);
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("nope") && Catch::Contains("not a folder"));
  r = RunCli("import bogus --dir . --out " + out);
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("unknown format 'bogus'"));
  r = RunCli("import obd --dir .");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("--out"));
  CHECK_FALSE(fs::exists(out));
  WriteText(tmp / "trunc.h5", "\x89HDF\r\n\x1a\n garbage");
  r = RunCli("info " + tmp / "trunc.h5");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("trunc.h5") && Catch::Contains("truncated"));
}

TEST_CASE("INI configs: flags override, unknown keys and bad values name file and line",
          "[cli]") {
  TempDir tmp;
  WriteText(tmp / "ok.ini", "# comment\nformat = obd\ndir = /definitely/missing\nout = " +
                                tmp / "o.h5" + "\n");
  // The config's dir is wrong; the flag overrides it.
  auto r = RunCli("import --config " + tmp / "ok.ini" + " --dir " + DataDir() +
                  "/obd/random/women");
  CHECK(r.status == 0);
  CHECK(fs::exists(tmp / "o.h5"));
  WriteText(tmp / "bad.ini", "format = obd\n\ndri = typo\n");
  r = RunCli("import --config " + tmp / "bad.ini");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("bad.ini, line 3") && Catch::Contains("'dri'"));
  WriteText(tmp / "worse.ini", "format = obd\nthis line has no equals sign\n");
  r = RunCli("import --config " + tmp / "worse.ini");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("worse.ini, line 2") && Catch::Contains("key = value"));
}
