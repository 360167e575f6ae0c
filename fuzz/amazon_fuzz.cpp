// Fuzz target: the Amazon session-bundle importer (ImportAmazon). The input holds its nine
// CSV files separated by lines "--8<--", in the order of kFiles below.
#include <iterator>

#include "dataset/importers.h"
#include "fuzz/fuzz_input.h"

namespace {

const char* const kFiles[] = {"user_session.csv", "session_item.csv", "session_bundle.csv",
                              "bundle_item.csv",  "bundle_intent.csv", "user_bundle.csv",
                              "user_item.csv",    "item_titles.csv",   "item_categories.csv"};

void Parse(const uint8_t* data, size_t size) {
  const auto& scratch = bundlerl::fuzz::Scratch::Get();
  const auto parts = bundlerl::fuzz::SplitParts(data, size, std::size(kFiles));
  for (size_t i = 0; i < parts.size(); ++i) scratch.Write(kFiles[i], parts[i]);
  bundlerl::ImportAmazon(scratch.Path(""), "fuzz");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return bundlerl::fuzz::RunContract(Parse, data, size);
}
