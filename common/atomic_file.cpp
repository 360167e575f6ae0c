// AtomicFile: see atomic_file.h.
#include "common/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "common/error.h"

namespace bundlerl {

bool ProcessIsRunning(long pid) {
  return pid > 0 && (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

namespace {

// Removes the entries of `folder` named "<prefix><pid>" whose process no longer runs: what a
// killed writer left behind.
void RemoveLeftoversOfDeadProcesses(const std::filesystem::path& folder, const std::string& prefix) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (fs::directory_iterator it(folder.empty() ? fs::path(".") : folder, ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    if (!ProcessIsRunning(std::stol(digits))) fs::remove_all(it->path(), ec);
  }
}

}  // namespace

std::string TemporaryPathFor(const std::string& path) {
  if (path.empty()) Fail("an output file path is needed, got an empty one");
  const std::filesystem::path p(path);
  RemoveLeftoversOfDeadProcesses(p.parent_path(), p.filename().string() + ".tmp.");
  return Concat(path, ".tmp.", getpid());
}

void MoveIntoPlace(const std::string& from, const std::string& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0)
    Fail(to, ": cannot move the finished file into place (", std::strerror(errno), ")");
}

namespace {

// When the process started, in clock ticks since boot (field 22 of /proc/<pid>/stat); 0 where
// unknown. With the id it tells the process that took a lock from a later one given its id.
unsigned long long ProcessStartTime(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const size_t close = text.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return 0;
  std::istringstream rest(text.substr(close + 1));
  std::string field;
  for (int k = 3; k <= 22 && rest >> field; ++k)
    if (k == 22) return std::strtoull(field.c_str(), nullptr, 10);
  return 0;
}

// Whether the process that wrote "pid [start]" into a lock still runs: its id runs, and where
// both start times are known, they agree (else the id was given to another process since).
bool LockHolderRuns(long pid, unsigned long long start) {
  if (!ProcessIsRunning(pid)) return false;
  const unsigned long long now = ProcessStartTime(pid);
  return start == 0 || now == 0 || now == start;
}

// Creates `lock` holding this process's id and start time; if it exists and its process is
// running, an error naming that process.
void TakeLock(const std::string& lock, const std::string& what) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int fd = open(lock.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd >= 0) {
      const std::string id = Concat(getpid(), " ", ProcessStartTime(getpid()), "\n");
      const bool ok = write(fd, id.data(), id.size()) == static_cast<ssize_t>(id.size());
      close(fd);
      if (!ok) Fail(lock, ": cannot write the lock file (", std::strerror(errno), ")");
      return;
    }
    if (errno != EEXIST) Fail(lock, ": cannot create the lock file (", std::strerror(errno), ")");
    long holder = 0;
    unsigned long long start = 0;
    std::ifstream(lock) >> holder >> start;
    if (LockHolderRuns(holder, start))
      Fail(what, " is being written by another run (process ", holder, ", lock ", lock,
           "); wait for it to finish or choose another output folder");
    std::remove(lock.c_str());  // left by a run that no longer exists
  }
  Fail(lock, ": cannot take the lock (another run keeps taking it)");
}

const char kFolderMarker[] = ".bundlerl-results";

// True when `path` is absent, an empty folder, or a folder an earlier run wrote (its marker).
bool MayReplace(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) return true;
  if (fs::exists(fs::path(path) / kFolderMarker, ec)) return true;
  return fs::is_empty(path, ec) && !ec;
}

}  // namespace

AtomicFolder::AtomicFolder(std::string path) : path_(std::move(path)) {
  namespace fs = std::filesystem;
  if (path_.empty()) Fail("an output folder path is needed, got an empty one");
  while (path_.size() > 1 && path_.back() == '/') path_.pop_back();
  std::error_code ec;
  if (fs::exists(path_, ec) && !fs::is_directory(path_, ec)) Fail(path_, ": exists and is not a folder");
  if (!MayReplace(path_))
    Fail(path_, ": the folder holds files that no bundlerl run wrote (it has no ", kFolderMarker,
         " marker), and the results would replace it whole; choose a new or empty folder");
  const fs::path parent = fs::path(path_).parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) Fail(parent.string(), ": cannot create the folder (", ec.message(), ")");
  }
  lock_ = path_ + ".lock";
  TakeLock(lock_, path_);
  // Staging folders of runs that were killed, then this run's.
  RemoveLeftoversOfDeadProcesses(parent, fs::path(path_).filename().string() + ".partial.");
  staging_ = Concat(path_, ".partial.", getpid());
  fs::remove_all(staging_, ec);
  if (!fs::create_directory(staging_, ec)) {
    std::remove(lock_.c_str());
    Fail(staging_, ": cannot create the staging folder (", ec.message(), ")");
  }
}

AtomicFolder::~AtomicFolder() {
  std::error_code ec;
  if (!committed_) std::filesystem::remove_all(staging_, ec);
  std::remove(lock_.c_str());
}

void AtomicFolder::Commit() {
  namespace fs = std::filesystem;
  std::error_code ec;
  {
    std::ofstream marker(fs::path(staging_) / kFolderMarker);
    marker << "Written by bundlerl: the next run into this folder replaces it whole.\n";
    if (!marker) Fail(staging_, ": cannot write the folder's marker (", std::strerror(errno), ")");
  }
  const std::string old = Concat(path_, ".old.", getpid());
  const bool replace = fs::exists(path_, ec);
  if (replace && std::rename(path_.c_str(), old.c_str()) != 0)
    Fail(path_, ": cannot move the previous results aside (", std::strerror(errno), ")");
  if (std::rename(staging_.c_str(), path_.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    if (replace) std::rename(old.c_str(), path_.c_str());
    committed_ = true;  // keep the staging folder: it holds the only copy of the results
    Fail(path_, ": cannot move the finished results into place (", reason, "); they are in ", staging_);
  }
  committed_ = true;
  if (replace) fs::remove_all(old, ec);
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  std::error_code ec;
  if (std::filesystem::is_directory(path_, ec)) Fail(path_, ": is a folder, expected a file path");
  tmp_ = TemporaryPathFor(path_);
  out_.open(tmp_);
  if (!out_) Fail(path_, ": cannot create output file (", std::strerror(errno), ")");
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
  MoveIntoPlace(tmp_, path_);
  committed_ = true;
}

}  // namespace bundlerl
