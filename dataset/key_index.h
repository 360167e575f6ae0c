// Dense codes for ids given as text (the generic slate layout's round, item, user, session and
// candidate-set ids, which may be any strings or integers): codes 0, 1, 2, ... in order of
// first appearance, the keys kept in one arena. An open-addressing table of (hash, code)
// pairs, so that millions of keys cost a few dozen bytes each and no allocation per key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bundlerl {

class KeyIndex {
 public:
  // The code of `key`, adding it when new.
  int32_t Code(std::string_view key);
  // The code of `key`, or -1 when it was never added.
  int32_t Find(std::string_view key) const;
  int64_t size() const { return static_cast<int64_t>(offsets_.size()) - 1; }
  std::string_view key(int32_t code) const {
    return {arena_.data() + offsets_[code], static_cast<size_t>(offsets_[code + 1] - offsets_[code])};
  }
  std::vector<std::string> Keys() const;
  // Bytes held (arena, offsets and table), for progress and memory reports.
  double bytes() const;

 private:
  void Grow();
  struct Slot {
    uint32_t hash = 0;
    int32_t code = -1;
  };
  std::vector<char> arena_;
  std::vector<int64_t> offsets_{0};
  std::vector<Slot> table_;  // capacity a power of two, at most half full
};

}  // namespace bundlerl
