// Per-row inputs brought from other tools (target probabilities, reward-model predictions),
// read from CSV (a header naming the columns) or HDF5 (datasets by name), so that results can
// be reproduced exactly across tools.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bundlerl {

// Reads the named columns, each with `expected` finite values. Errors name the file, the
// column and the line or size.
std::vector<std::vector<double>> LoadRowColumns(const std::string& path,
                                                const std::vector<std::string>& names,
                                                int64_t expected);

}  // namespace bundlerl
