// Helpers shared by the tests: where the shared data lie, temporary folders, running the CLI.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

namespace bundlerl::testing {

// The temporary folders alive now, removed when a test ends the process early (SkipTest).
inline std::set<std::string>& LiveTempDirs() {
  static std::set<std::string> dirs;
  return dirs;
}

// Ends this test as skipped: prints CTest's skip marker (SKIP_REGULAR_EXPRESSION of the tests
// tagged [data], CMakeLists.txt) and leaves the process with status 0. Catch2 2.x has no skip,
// and CTest runs each test case in a process of its own, so only this case ends.
[[noreturn]] inline void SkipTest(const std::string& why) {
  std::cout << "BUNDLERL_SKIP: " << why << std::endl;
  for (const auto& d : LiveTempDirs()) std::filesystem::remove_all(d);
  std::exit(0);
}

// The public datasets' folder (scripts/get-data.sh): $BUNDLERL_DATA, else ../shared/data
// beside the checkout, else data/ in it. It must hold obd/, bundles/Youshu and bundles/amazon.
// Where it does not, the test (tagged [data]) is skipped with a message naming the script, or
// fails when BUNDLERL_REQUIRE_DATA=1 (as .ci/run sets it, so that CI cannot pass without data).
inline std::string DataDir() {
  const char* env = std::getenv("BUNDLERL_DATA");
  std::string dir = env && *env ? env : BUNDLERL_DATA_DEFAULT;
  if (!(env && *env) && !std::filesystem::is_directory(dir)) dir = std::string(BUNDLERL_SOURCE_DIR) + "/data";
  for (const char* sub : {"/obd", "/bundles/Youshu", "/bundles/amazon"}) {
    if (std::filesystem::is_directory(dir + sub)) continue;
    const std::string why = "no dataset folder '" + dir + sub + "': run scripts/get-data.sh " +
                            "(or set BUNDLERL_DATA to the folder holding obd/ and bundles/)";
    const char* require = std::getenv("BUNDLERL_REQUIRE_DATA");
    if (require && std::string(require) == "1") FAIL(why << " [BUNDLERL_REQUIRE_DATA=1]");
    SkipTest(why);
  }
  return dir;
}

// A fresh temporary folder removed at scope exit.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/bundlerl_test_XXXXXX";
    path_ = mkdtemp(tmpl);
    LiveTempDirs().insert(path_);
  }
  ~TempDir() {
    LiveTempDirs().erase(path_);
    std::filesystem::remove_all(path_);
  }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct RunResult {
  int status;
  std::string output;  // stdout and stderr
};

// Runs the bundlerl executable with `args`, capturing its output.
inline RunResult RunCli(const std::string& args) {
  TempDir tmp;
  const std::string out = tmp / "out.txt";
  const std::string cmd = std::string(BUNDLERL_BINARY) + " " + args + " > " + out + " 2>&1";
  const int rc = std::system(cmd.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, ReadText(out)};
}

// A Youshu-format folder: 60 users in three taste groups of 20 bundles each (bundle b holds
// items 3b..3b+2); each user trains on two of the group's bundles, tunes on one, tests on one.
inline void WriteTinyBundleData(const std::string& dir) {
  std::ostringstream ui, bi, train, tune, test;
  for (int b = 0; b < 60; ++b)
    for (int k = 0; k < 3; ++k) bi << b << "\t" << 3 * b + k << "\n";
  for (int u = 0; u < 60; ++u) {
    const int group = u % 3, r = u / 3;
    auto bundle = [&](int j) { return group * 20 + (r + 5 * j) % 20; };
    train << u << "\t" << bundle(0) << "\n" << u << "\t" << bundle(1) << "\n";
    tune << u << "\t" << bundle(2) << "\n";
    test << u << "\t" << bundle(3) << "\n";
    ui << u << "\t" << 3 * bundle(0) << "\n" << u << "\t" << 3 * bundle(1) + 1 << "\n";
  }
  WriteText(dir + "/Tiny_data_size.txt", "60\t60\t180\n");
  WriteText(dir + "/user_item.txt", ui.str());
  WriteText(dir + "/bundle_item.txt", bi.str());
  WriteText(dir + "/user_bundle_train.txt", train.str());
  WriteText(dir + "/user_bundle_tune.txt", tune.str());
  WriteText(dir + "/user_bundle_test.txt", test.str());
}

}  // namespace bundlerl::testing
