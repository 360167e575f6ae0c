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

// A name that no registry entry carries (common/registry.h): a typo, or an entry this
// executable does not link (the light `bundlerl` hands such a similarity kernel to
// bundlerl-full).
class UnknownNameError : public Error {
 public:
  explicit UnknownNameError(const std::string& what) : Error(what) {}
};

// Builds a message from streamable parts: Fail("file ", path, ", line ", n, ": ...").
template <typename... Parts>
std::string Concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

// A value from the user's input as it may appear in a message: bytes that are not printable
// ASCII are written as \xNN (binary input is never echoed raw), and a long value is cut
// after `max` characters with its full length named.
inline std::string Excerpt(const std::string& value, size_t max = 48) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < value.size() && i < max; ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c >= 32 && c < 127) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  if (value.size() > max) out += Concat("... (", value.size(), " bytes)");
  return out;
}

template <typename... Parts>
[[noreturn]] void Fail(const Parts&... parts) {
  throw Error(Concat(parts...));
}

}  // namespace bundlerl
