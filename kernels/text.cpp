// Tokenize: see text.h.
#include "kernels/text.h"

#include <locale.h>
#include <wctype.h>

#include <cstdint>

namespace bundlerl {
namespace {

// A UTF-8 locale object for Unicode classification, without touching the global locale.
locale_t Utf8Locale() {
  static const locale_t loc = [] {
    locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
    return l;
  }();
  return loc;
}

// Decodes one code point at text[i]; advances i. Invalid bytes decode as U+FFFD.
char32_t Decode(const std::string& s, size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t c = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
  for (int k = 1; k < len; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += len;
  return c;
}

void Encode(char32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

bool IsWord(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  const locale_t loc = Utf8Locale();
  return loc && iswalnum_l(static_cast<wint_t>(c), loc);
}

char32_t Lower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  const locale_t loc = Utf8Locale();
  return loc ? static_cast<char32_t>(towlower_l(static_cast<wint_t>(c), loc)) : c;
}

}  // namespace

std::vector<std::string> Tokenize(const std::string& text,
                                  const std::unordered_set<std::string>* stop_words) {
  std::vector<std::string> tokens;
  std::string current;
  int length = 0;
  auto flush = [&] {
    if (length >= 2 && !(stop_words && stop_words->count(current))) tokens.push_back(current);
    current.clear();
    length = 0;
  };
  for (size_t i = 0; i < text.size();) {
    const char32_t c = Decode(text, i);
    if (IsWord(c)) {
      Encode(Lower(c), current);
      ++length;
    } else {
      flush();
    }
  }
  flush();
  return tokens;
}

}  // namespace bundlerl
