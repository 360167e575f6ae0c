// A logged dataset as bundlerl.Logs holds it: a file (read when first needed; evaluate streams
// it) or a dataset built in memory (from arrays), and the dict of numpy arrays Python reads.
#pragma once

#include <memory>
#include <string>

#include "bindings.h"
#include "dataset/dataset.h"
#include "replay/log_store.h"

namespace bundlerl::python {

struct LogsHandle {
  std::string path;                      // the file it was read from; "" when built in memory
  std::shared_ptr<LoggedDataset> data;   // the dataset, read on first use for a file
  // Called with the GIL held; the file is read without it, and the result kept only if no
  // other thread kept one meanwhile (whose dataset may be in use).
  const LoggedDataset& Get() {
    if (!data) {
      std::shared_ptr<LoggedDataset> read;
      {
        py::gil_scoped_release release;
        read = std::make_shared<LoggedDataset>(ReadDataset(path));
      }
      if (!data) data = std::move(read);
    }
    return *data;
  }
};

// The dataset's rounds and catalog as numpy arrays (its vectors moved into them); the names
// of bundlerl.read_logs.
py::dict LogsAsDict(LoggedDataset&& d);

}  // namespace bundlerl::python
