// Small text helpers of the shell's own: the first keyword of a statement and
// the on|off words of dot-commands. Trim and case folding are in
// engine/strings.h, SQL quoting in engine/sqlite_util.h.
#pragma once

#include <cstring>
#include <string>

#include "engine/strings.h"

namespace ddb::shell {

// The first keyword of `sql`, upper case, past spaces and comments
// ("SELECT", "INSERT", ...; empty when none).
inline std::string FirstKeyword(const char* sql) {
  const char* p = sql;
  for (;;) {
    while (*p && std::strchr(" \t\r\n\f\v", *p)) ++p;
    if (p[0] == '-' && p[1] == '-') {
      while (*p && *p != '\n') ++p;
    } else if (p[0] == '/' && p[1] == '*') {
      const char* end = std::strstr(p + 2, "*/");
      p = end ? end + 2 : p + std::strlen(p);
    } else {
      break;
    }
  }
  std::string word;
  while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) word += str::AsciiUpper(*p++);
  return word;
}

inline bool ParseBool(const std::string& s, bool* out) {
  if (s == "on" || s == "1" || s == "yes" || s == "true") {
    *out = true;
  } else if (s == "off" || s == "0" || s == "no" || s == "false") {
    *out = false;
  } else {
    return false;
  }
  return true;
}

}  // namespace ddb::shell
