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

// An output folder that appears at its path only when complete. The constructor takes the
// lock "<path>.lock" (an error if a running process holds it; a dead one's lock is taken
// over) and makes an empty staging folder "<path>.partial.<pid>" beside the destination
// (removing those of dead processes). Commit() replaces the destination by the staging
// folder (an existing destination is moved aside and then removed). Destroyed uncommitted,
// it removes the staging folder; the destination keeps its previous, complete contents.
// Only a folder a run wrote is replaced: the destination must be absent, empty, or hold the
// marker ".bundlerl-results" that Commit() writes (else an error, before any work).
class AtomicFolder {
 public:
  explicit AtomicFolder(std::string path);
  ~AtomicFolder();
  AtomicFolder(const AtomicFolder&) = delete;
  AtomicFolder& operator=(const AtomicFolder&) = delete;
  const std::string& staging() const { return staging_; }  // write here
  const std::string& path() const { return path_; }
  void Commit();

 private:
  std::string path_, staging_, lock_;
  bool committed_ = false;
};

// The temporary path beside `path` for this process ("<path>.tmp.<pid>"). Removes the
// temporaries of `path` that processes no longer running left behind (killed mid-write).
std::string TemporaryPathFor(const std::string& path);

// Whether a process with this id is running (on this machine).
bool ProcessIsRunning(long pid);

// rename(2) with an error that names both paths and the reason.
void MoveIntoPlace(const std::string& from, const std::string& to);

}  // namespace bundlerl
