// Writes a comparison's results folder: summary.md (tables), summary.csv (one row per
// strategy x estimator), results.h5 (everything, with the resolved config, seed and version)
// and PNG plots drawn with gnuplot. Each file appears only when complete.
#pragma once

#include <functional>
#include <string>

#include "harness/compare.h"

namespace bundlerl {

namespace h5 {
class File;
}

// x with `precision` digits after the point: the numbers of every summary.md.
std::string FormatFixed(double x, int precision = 4);

// Writes `path` atomically with the attributes every results file carries (bundlerl_version,
// config, command) and whatever `fill` adds.
void WriteResultsFile(const std::string& path, const std::string& resolved_config,
                      const std::string& command, const std::function<void(h5::File&)>& fill);

void WriteCompareReport(const CompareResult& result, const CompareConfig& config,
                        const std::string& out_dir, const std::string& resolved_config,
                        const std::string& command);

// results/<name>/ of an OPE benchmark: summary.md, summary.csv, results.h5, rmse_vs_rounds.png.
void WriteOpeBenchmarkReport(const OpeBenchmarkResult& result, const CompareConfig& config,
                             const std::string& out_dir, const std::string& resolved_config,
                             const std::string& command);

}  // namespace bundlerl
