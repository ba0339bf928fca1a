// Small text helpers shared by the shell's files.
#pragma once

#include <cctype>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace ddb::shell {

inline std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// Splits a dot-command line into words; quotes group, as in sqlite3.
inline std::vector<std::string> SplitWords(const std::string& line) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= line.size()) break;
    std::string w;
    if (line[i] == '"' || line[i] == '\'') {
      char q = line[i++];
      while (i < line.size() && line[i] != q) {
        if (q == '"' && line[i] == '\\' && i + 1 < line.size()) {
          ++i;
          char e = line[i];
          w.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e);
        } else {
          w.push_back(line[i]);
        }
        ++i;
      }
      if (i < line.size()) ++i;
    } else {
      while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i])))
        w.push_back(line[i++]);
    }
    words.push_back(std::move(w));
  }
  return words;
}

// The first keyword of `sql`, upper case, past spaces and comments
// ("SELECT", "INSERT", ...; empty when none).
inline std::string FirstKeyword(const char* sql) {
  const char* p = sql;
  for (;;) {
    while (*p && std::isspace(static_cast<unsigned char>(*p))) ++p;
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
  while (*p && std::isalpha(static_cast<unsigned char>(*p))) {
    word += static_cast<char>(std::toupper(static_cast<unsigned char>(*p++)));
  }
  return word;
}

// A string literal, as sqlite3_mprintf's %Q writes it.
inline std::string QuoteLiteral(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
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
