// Fuzz target: the target tables, a policy's probabilities read from CSV (OBD's
// bts_action_dist layout, PositionActionTable::LoadCsv in ope/offline_eval.h) and per-row
// target columns (LoadRowColumns, replay/row_columns.h). The input's first part is the line
// "N_UNITS K ROWS" (the sizes the logs would give; clamped to small values), the second, after
// a line "--8<--", the CSV file read both ways.
#include <algorithm>
#include <cstdio>

#include "common/error.h"
#include "fuzz/fuzz_input.h"
#include "ope/offline_eval.h"
#include "replay/row_columns.h"

namespace {

void Parse(const uint8_t* data, size_t size) {
  const auto parts = bundlerl::fuzz::SplitParts(data, size, 2);
  long long n_units = 1, K = 1, rows = 1;
  std::sscanf(parts[0].c_str(), "%lld %lld %lld", &n_units, &K, &rows);
  n_units = std::clamp(n_units, 1LL, 1000LL);
  K = std::clamp(K, 1LL, 16LL);
  rows = std::clamp(rows, 0LL, 1000LL);
  const std::string path = bundlerl::fuzz::Scratch::Get().Write("targets.csv", parts[1]);
  try {
    bundlerl::PositionActionTable::LoadCsv(path, n_units, K);
  } catch (const bundlerl::Error&) {
  }
  bundlerl::LoadRowColumns(path, {"target", "q_hat"}, rows);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return bundlerl::fuzz::RunContract(Parse, data, size);
}
