// Fuzz target: the bundle-ranking importer (ImportBundles, the Youshu layout). The input
// holds six tab-separated files separated by lines "--8<--": Fuzz_data_size.txt,
// bundle_item.txt, user_item.txt, user_bundle_train.txt, user_bundle_tune.txt and
// user_bundle_test.txt.
#include <iterator>

#include "dataset/importers.h"
#include "fuzz/fuzz_input.h"

namespace {

const char* const kFiles[] = {"Fuzz_data_size.txt", "bundle_item.txt", "user_item.txt",
                              "user_bundle_train.txt", "user_bundle_tune.txt", "user_bundle_test.txt"};

void Parse(const uint8_t* data, size_t size) {
  const auto& scratch = bundlerl::fuzz::Scratch::Get();
  const auto parts = bundlerl::fuzz::SplitParts(data, size, std::size(kFiles));
  for (size_t i = 0; i < parts.size(); ++i) scratch.Write(kFiles[i], parts[i]);
  bundlerl::ImportBundles(scratch.Path(""), "fuzz");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return bundlerl::fuzz::RunContract(Parse, data, size);
}
