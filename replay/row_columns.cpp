// Per-row inputs from CSV or HDF5: see row_columns.h.
#include "replay/row_columns.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "common/csv.h"
#include "common/error.h"
#include "replay/h5.h"

namespace bundlerl {

std::vector<std::vector<double>> LoadRowColumns(const std::string& path,
                                                const std::vector<std::string>& names,
                                                int64_t expected) {
  std::vector<std::vector<double>> out(names.size());
  const std::string ext = std::filesystem::path(path).extension();
  if (ext == ".h5" || ext == ".hdf5") {
    const h5::File f = h5::File::OpenRead(path);
    for (size_t j = 0; j < names.size(); ++j) {
      const std::string ds = "/" + names[j];
      if (!f.Exists(ds)) Fail(path, ": dataset ", ds, " is missing");
      out[j] = f.Read<double>(ds);
      if (static_cast<int64_t>(out[j].size()) != expected)
        Fail(path, ": dataset ", ds, " has ", out[j].size(), " values, expected ", expected,
             " (one per logged row and slot)");
      for (size_t i = 0; i < out[j].size(); ++i)
        if (!std::isfinite(out[j][i])) Fail(path, ": dataset ", ds, ", index ", i, ": not finite");
    }
    return out;
  }
  CsvReader csv(path);
  const auto header = csv.ReadHeader(1);
  std::vector<size_t> col(names.size());
  for (size_t j = 0; j < names.size(); ++j) {
    const auto it = std::find(header.begin(), header.end(), names[j]);
    if (it == header.end()) Fail(path, ", line 1: expected a column named '", names[j], "'");
    col[j] = it - header.begin();
  }
  std::vector<std::string> f;
  while (csv.Next(f)) {
    csv.ExpectColumns(f, header.size());
    for (size_t j = 0; j < names.size(); ++j) out[j].push_back(csv.ToDouble(f[col[j]], names[j]));
  }
  for (size_t j = 0; j < names.size(); ++j)
    if (static_cast<int64_t>(out[j].size()) != expected)
      Fail(path, ": column '", names[j], "' has ", out[j].size(), " rows, expected ", expected,
           " (one per logged row and slot)");
  return out;
}

}  // namespace bundlerl
