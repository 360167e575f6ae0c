// Sizes checked before allocation: every size that comes from a config or a file is
// turned into an estimate of the bytes it implies and checked against this machine's
// memory, so that a typo or a corrupt header is an error naming its key or dataset
// instead of std::bad_alloc or a process the kernel kills.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace bundlerl {

// Physical memory of this machine, or the cgroup's limit where that is lower.
uint64_t MachineMemoryBytes();

// Throws Error "<what>: needs about X GiB, more than this machine's memory (Y GiB)" when
// `bytes` (a double, so that products of huge counts cannot overflow) exceeds the memory.
// `what` names the key or the dataset and its size, e.g.
// "config key 'world.items' (2147483648 items)".
void CheckFitsInMemory(double bytes, const std::string& what);

// Zeroed memory for a large table read at random, aligned to 2 MiB and advised to the
// kernel for transparent huge pages where it has them (a hint only: every byte is the same).
// A random read then costs a cache miss but seldom a TLB miss too.
struct FreeLargeTable {
  void operator()(void* p) const;
};
std::unique_ptr<void, FreeLargeTable> AllocateLargeTable(size_t bytes);

// A fixed-size array of trivially copyable T in such memory.
template <typename T>
class LargeTable {
 public:
  LargeTable() = default;
  explicit LargeTable(size_t n) : memory_(AllocateLargeTable(n * sizeof(T))), size_(n) {}
  LargeTable(LargeTable&& other) noexcept : memory_(std::move(other.memory_)), size_(other.size_) { other.size_ = 0; }
  LargeTable& operator=(LargeTable&& other) noexcept {
    memory_ = std::move(other.memory_), size_ = other.size_, other.size_ = 0;
    return *this;
  }
  T* data() { return static_cast<T*>(memory_.get()); }
  const T* data() const { return static_cast<const T*>(memory_.get()); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  std::unique_ptr<void, FreeLargeTable> memory_;
  size_t size_ = 0;
};

}  // namespace bundlerl
