// Sizes checked before allocation: every size that comes from a config or a file is
// turned into an estimate of the bytes it implies and checked against this machine's
// memory, so that a typo or a corrupt header is an error naming its key or dataset
// instead of std::bad_alloc or a process the kernel kills.
#pragma once

#include <cstdint>
#include <string>

namespace bundlerl {

// Physical memory of this machine, or the cgroup's limit where that is lower.
uint64_t MachineMemoryBytes();

// Throws Error "<what>: needs about X GiB, more than this machine's memory (Y GiB)" when
// `bytes` (a double, so that products of huge counts cannot overflow) exceeds the memory.
// `what` names the key or the dataset and its size, e.g.
// "config key 'world.items' (2147483648 items)".
void CheckFitsInMemory(double bytes, const std::string& what);

}  // namespace bundlerl
