// Shared pieces of the fuzz targets: see fuzz_input.h.
#include "fuzz/fuzz_input.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <new>

#include "common/error.h"

namespace bundlerl::fuzz {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void Bug(const char* what, const char* message) {
  std::fprintf(stderr, "fuzz contract broken: %s: %s\n", what, message);
  std::abort();
}

bool EnvOn(const char* name) {
  const char* s = std::getenv(name);
  return s && std::strcmp(s, "0") != 0;
}

// BUNDLERL_FUZZ_VERBOSE=1 prints each input's outcome (to see what a corpus file reaches).
void Outcome(const char* message) {
  static const bool verbose = EnvOn("BUNDLERL_FUZZ_VERBOSE");
  if (verbose) std::fprintf(stderr, "outcome: %s\n", message);
}

}  // namespace

int RunContract(void (*parse)(const uint8_t*, size_t), const uint8_t* data, size_t size) {
  try {
    parse(data, size);
    Outcome("accepted");
  } catch (const Error& e) {
    Outcome(e.what());
    if (e.what()[0] == '\0') Bug("bundlerl::Error without a message", "");
  } catch (const std::bad_alloc& e) {
    Bug("std::bad_alloc (a size from the input was trusted)", e.what());
  } catch (const std::exception& e) {
    Outcome(e.what());
    if (e.what()[0] == '\0') Bug("exception without a message", "");
    if (EnvOn("BUNDLERL_FUZZ_STRICT")) Bug("std::exception that is not a bundlerl::Error (names no file or line)", e.what());
  }
  // Anything else (not a std::exception) escapes: libFuzzer reports the uncaught exception.
  return 0;
}

std::vector<std::string> SplitParts(const uint8_t* data, size_t size, size_t n) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string marker = "--8<--\n";
  std::vector<std::string> parts;
  size_t start = 0, from = 0;
  while (parts.size() + 1 < n) {
    const size_t at = text.find(marker, from);
    if (at == std::string::npos) break;
    from = at + 1;
    if (at != 0 && text[at - 1] != '\n') continue;  // only a whole line is a marker
    parts.push_back(text.substr(start, at - start));
    start = from = at + marker.size();
  }
  parts.push_back(text.substr(start));
  parts.resize(n);
  return parts;
}

Scratch& Scratch::Get() {
  static Scratch scratch;
  return scratch;
}

Scratch::Scratch() {
  const char* tmp = std::getenv("TMPDIR");
  std::string base = tmp && *tmp ? tmp : fs::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
  std::string pattern = base + "/bundlerl-fuzz-XXXXXX";
  if (!mkdtemp(pattern.data())) Bug("cannot create a scratch folder under", base.c_str());
  dir_ = pattern;
}

Scratch::~Scratch() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string Scratch::Write(const std::string& name, const std::string& bytes) const {
  const std::string path = Path(name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) Bug("cannot write scratch file", path.c_str());
  return path;
}

void Scratch::Clear() const {
  for (const auto& e : fs::directory_iterator(dir_)) fs::remove_all(e.path());
}

}  // namespace bundlerl::fuzz
