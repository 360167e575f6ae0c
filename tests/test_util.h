// Helpers shared by the tests: where the shared data lie, temporary folders, running the CLI.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

namespace bundlerl::testing {

// The shared data folder: $BUNDLERL_DATA, else ../shared/data beside the checkout.
// Fails the test with a clear message when it is missing.
inline std::string DataDir() {
  const char* env = std::getenv("BUNDLERL_DATA");
  const std::string dir = env && *env ? env : BUNDLERL_DATA_DEFAULT;
  if (!std::filesystem::is_directory(dir))
    FAIL("shared data folder not found at '" << dir
         << "': set BUNDLERL_DATA to the folder holding obd/ and bundles/");
  return dir;
}

// A fresh temporary folder removed at scope exit.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/bundlerl_test_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
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

}  // namespace bundlerl::testing
