// Small ASCII text helpers shared by the engine, the vtab layer and the shell:
// one Trim, one case fold, one plural for counts in messages. Hex lives in
// encoding.h, SQL quoting in sqlite_util.h.
//
// Case folding is ASCII only on purpose: attribute names, HTTP header names,
// config keys and SQL keywords are compared byte for byte apart from A-Z, and
// the result must not depend on the process locale (the shell sets LC_ALL).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ddb::str {

constexpr std::string_view kWhitespace = " \t\r\n\f\v";

// `s` without leading and trailing ASCII white space (a view into `s`).
inline std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(kWhitespace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kWhitespace) - b + 1);
}

inline char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
inline char AsciiUpper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

inline std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

inline std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiUpper(c);
  return out;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

inline bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

// A count and its noun for user-facing text: Plural(1, "orphan") is
// "1 orphan", Plural(2, "orphan") and Plural(0, "orphan") "2 orphans" and
// "0 orphans". The plural adds "s" unless `many` spells it ("entry",
// "entries"); both may carry a verb ("item was", "items were").
inline std::string Plural(uint64_t n, std::string_view one, std::string_view many = {}) {
  std::string out = std::to_string(n);
  out += ' ';
  if (n == 1) {
    out += one;
  } else if (!many.empty()) {
    out += many;
  } else {
    out += one;
    out += 's';
  }
  return out;
}

}  // namespace ddb::str
