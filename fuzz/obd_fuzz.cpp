// Fuzz target: the Open Bandit Dataset importer (ImportObd, dataset/importers.h). The input
// holds the campaign's two files, item_context.csv then the log (men.csv), separated by a
// line "--8<--"; they are written as random/men/ so that the logging policy is inferred.
#include <filesystem>

#include "dataset/importers.h"
#include "fuzz/fuzz_input.h"

namespace {

void Parse(const uint8_t* data, size_t size) {
  const auto& scratch = bundlerl::fuzz::Scratch::Get();
  const auto parts = bundlerl::fuzz::SplitParts(data, size, 2);
  scratch.Clear();
  std::filesystem::create_directories(scratch.Path("random/men"));
  scratch.Write("random/men/item_context.csv", parts[0]);
  scratch.Write("random/men/men.csv", parts[1]);
  bundlerl::ImportObd(scratch.Path("random/men"), "fuzz");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return bundlerl::fuzz::RunContract(Parse, data, size);
}
