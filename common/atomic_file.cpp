// AtomicFile: see atomic_file.h.
#include "common/atomic_file.h"

#include <unistd.h>

#include <cstdio>

#include "common/error.h"

namespace bundlerl {

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  tmp_ = Concat(path_, ".tmp.", getpid());
  out_.open(tmp_);
  if (!out_) Fail(path_, ": cannot create output file (is the folder writable?)");
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    out_.close();
    std::remove(tmp_.c_str());
  }
}

void AtomicFile::Commit() {
  out_.flush();
  if (!out_) Fail(path_, ": write failed (disk full?)");
  out_.close();
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
    Fail(path_, ": cannot move the finished file into place");
  committed_ = true;
}

}  // namespace bundlerl
