// Fuzz target: the CSV / TSV reader (common/csv.h). The input is one file, read twice (comma,
// then tab separated): the header, every record, and every field through ToInt and ToDouble
// as the importers convert them. Besides the contract of fuzz_input.h it checks that record
// line numbers only grow.
#include <cstdlib>

#include "common/csv.h"
#include "common/error.h"
#include "fuzz/fuzz_input.h"

namespace {

void ReadAll(const std::string& path, char separator) {
  bundlerl::CsvReader csv(path, separator);
  const auto header = csv.ReadHeader(1);
  std::vector<std::string> fields;
  int64_t last_line = csv.line();
  while (csv.Next(fields)) {
    if (csv.line() <= last_line) std::abort();
    last_line = csv.line();
    for (size_t c = 0; c < fields.size(); ++c) {
      const std::string& column = c < header.size() ? header[c] : "extra";
      try { csv.ToInt(fields[c], column); } catch (const bundlerl::Error&) {}
      try { csv.ToDouble(fields[c], column); } catch (const bundlerl::Error&) {}
    }
  }
}

void Parse(const uint8_t* data, size_t size) {
  const std::string path =
      bundlerl::fuzz::Scratch::Get().Write("input.csv", std::string(reinterpret_cast<const char*>(data), size));
  try { ReadAll(path, ','); } catch (const bundlerl::Error&) {}
  ReadAll(path, '\t');
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return bundlerl::fuzz::RunContract(Parse, data, size);
}
