// Memory checks: see memory.h.
#include "common/memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <fstream>

#include "common/error.h"

namespace bundlerl {

namespace {

// The cgroup v2 (or v1) memory limit, 0 when there is none.
uint64_t CgroupLimit() {
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(path);
    std::string text;
    if (in >> text && !text.empty() && text != "max" && text.find_first_not_of("0123456789") == std::string::npos)
      return std::stoull(text);
  }
  return 0;
}

}  // namespace

uint64_t MachineMemoryBytes() {
  static const uint64_t bytes = [] {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    uint64_t physical = pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page)
                                              : uint64_t{1} << 40;
    const uint64_t limit = CgroupLimit();
    return limit > 0 && limit < physical ? limit : physical;
  }();
  return bytes;
}

void CheckFitsInMemory(double bytes, const std::string& what) {
  const double memory = static_cast<double>(MachineMemoryBytes());
  if (!(bytes <= memory)) {
    const double gib = 1024.0 * 1024.0 * 1024.0;
    char need[64], have[64];
    std::snprintf(need, sizeof need, "%.3g", bytes / gib);
    std::snprintf(have, sizeof have, "%.1f", memory / gib);
    Fail(what, ": needs about ", need, " GiB, more than this machine's memory (", have, " GiB)");
  }
}

void FreeLargeTable::operator()(void* p) const { std::free(p); }

std::unique_ptr<void, FreeLargeTable> AllocateLargeTable(size_t bytes) {
  if (bytes == 0) return nullptr;
  constexpr size_t kHugePage = size_t{2} << 20;
  const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  std::unique_ptr<void, FreeLargeTable> p(std::aligned_alloc(kHugePage, rounded));
  if (!p) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  madvise(p.get(), rounded, MADV_HUGEPAGE);  // refused where there are none: then ordinary pages
#endif
  std::memset(p.get(), 0, rounded);
  return p;
}

}  // namespace bundlerl
