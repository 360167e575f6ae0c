// Shared pieces of the fuzz targets (fuzz/*_fuzz.cpp): the contract every target checks, the
// split of one fuzz input into the several files an importer reads, and a private temporary
// folder those files are written to (the readers take paths, not bytes).
//
// The contract: a bad input ends in an exception whose message says what is wrong. Any other
// outcome is a bug and crashes the process so that libFuzzer (or the corpus replayer,
// fuzz/replay_main.cpp) reports it: a crash or sanitizer report, an empty message, an
// exception that is not a std::exception, std::bad_alloc (a size from the file was trusted),
// or, with BUNDLERL_FUZZ_STRICT=1, any std::exception that is not a bundlerl::Error (such as
// std::stoll's bare "stoll", which names neither the file nor the line).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bundlerl::fuzz {

// Runs `parse`, applying the contract above; returns 0 (libFuzzer's "keep going").
int RunContract(void (*parse)(const uint8_t* data, size_t size), const uint8_t* data, size_t size);

// Splits an input into `n` parts at lines "--8<--" (the corpus files are readable that way);
// missing parts are empty, the last part takes the rest.
std::vector<std::string> SplitParts(const uint8_t* data, size_t size, size_t n);

// A folder of this process's own under $TMPDIR (or /dev/shm when it exists), removed at exit.
// Path(name) is "<folder>/<name>"; Write(name, bytes) (re)writes that file and returns its path.
class Scratch {
 public:
  static Scratch& Get();
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string Write(const std::string& name, const std::string& bytes) const;
  // Empties the folder (a target whose file names vary calls it before each input).
  void Clear() const;
  ~Scratch();

 private:
  Scratch();
  std::string dir_;
};

}  // namespace bundlerl::fuzz
