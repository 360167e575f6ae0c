// KeyIndex: see key_index.h.
#include "dataset/key_index.h"

#include <cstring>
#include <functional>
#include <limits>

#include "common/error.h"

namespace bundlerl {
namespace {

uint32_t HashOf(std::string_view key) {
  const uint64_t h = std::hash<std::string_view>()(key);
  return static_cast<uint32_t>(h ^ (h >> 32));
}

}  // namespace

int32_t KeyIndex::Find(std::string_view key) const {
  if (table_.empty()) return -1;
  const uint32_t h = HashOf(key);
  const size_t mask = table_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& s = table_[i];
    if (s.code < 0) return -1;
    if (s.hash == h && this->key(s.code) == key) return s.code;
  }
}

int32_t KeyIndex::Code(std::string_view key) {
  if (2 * (size() + 1) > static_cast<int64_t>(table_.size())) Grow();
  const uint32_t h = HashOf(key);
  const size_t mask = table_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    Slot& s = table_[i];
    if (s.code < 0) {
      if (size() >= std::numeric_limits<int32_t>::max()) Fail("more than 2^31 - 1 distinct ids");
      s.code = static_cast<int32_t>(size());
      s.hash = h;
      arena_.insert(arena_.end(), key.begin(), key.end());
      offsets_.push_back(static_cast<int64_t>(arena_.size()));
      return s.code;
    }
    if (s.hash == h && this->key(s.code) == key) return s.code;
  }
}

void KeyIndex::Grow() {
  const size_t capacity = table_.empty() ? 1024 : table_.size() * 2;
  std::vector<Slot> next(capacity);
  const size_t mask = capacity - 1;
  for (const Slot& s : table_) {
    if (s.code < 0) continue;
    size_t i = s.hash & mask;
    while (next[i].code >= 0) i = (i + 1) & mask;
    next[i] = s;
  }
  table_.swap(next);
}

std::vector<std::string> KeyIndex::Keys() const {
  std::vector<std::string> out;
  out.reserve(size());
  for (int32_t c = 0; c < size(); ++c) out.emplace_back(key(c));
  return out;
}

double KeyIndex::bytes() const {
  return static_cast<double>(arena_.capacity() + 8 * offsets_.capacity() + sizeof(Slot) * table_.capacity());
}

}  // namespace bundlerl
