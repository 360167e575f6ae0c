// A text output file that appears at its path only when complete: written to a temporary
// file beside it and renamed by Commit(); destroyed uncommitted, it leaves nothing behind.
#pragma once

#include <fstream>
#include <string>

namespace bundlerl {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  std::ostream& stream() { return out_; }
  void Commit();  // throws Error if the data could not be written or moved into place

 private:
  std::string path_, tmp_;
  std::ofstream out_;
  bool committed_ = false;
};

}  // namespace bundlerl
