// Error types shared by every BundleRL module.
//
// Every failure that a user can cause (bad file, bad value, bad config) is reported as a
// bundlerl::Error whose message names where the problem is (file and line, or dataset and
// index) and what was expected. The CLI prints the message and exits non-zero.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace bundlerl {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Builds a message from streamable parts: Fail("file ", path, ", line ", n, ": ...").
template <typename... Parts>
std::string Concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

template <typename... Parts>
[[noreturn]] void Fail(const Parts&... parts) {
  throw Error(Concat(parts...));
}

}  // namespace bundlerl
