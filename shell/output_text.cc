// Value formatting and character widths of the output modes: how reals,
// blobs and text are spelled in quote, insert, csv, json, html and tcl
// modes, and how wide text is on a terminal (output.cc lays rows out with
// these; output_text.h says which are shared).
#include "shell/output_text.h"

#include <sqlite3.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>

namespace ddb::shell::text {

namespace {
const char kEllipsis[] = "\xe2\x80\xa6";  // …
}  // namespace

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// sqlite3_mprintf for one double, so reals print with SQLite's own
// formatting (its "%!.20g" differs from the C library's).
std::string SqliteFormatDouble(const char* format, double value) {
  std::unique_ptr<char, decltype(&sqlite3_free)> text(sqlite3_mprintf(format, value),
                                                      &sqlite3_free);
  return text ? std::string(text.get()) : std::string();
}

// Reals in quote mode: 20 significant digits.
std::string RealForQuote(double r) { return SqliteFormatDouble("%!.20g", r); }

// Reals in JSON: like quote, with infinities as numbers JSON parsers accept.
std::string RealForJson(double r) {
  if (std::isinf(r)) return r > 0 ? "1e999" : "-1e999";
  return SqliteFormatDouble("%!.20g", r);
}

// Reals in insert mode: like JSON, and integral values that fit an int64
// print exactly as "N.0".
std::string RealForInsert(double r) {
  if (std::isinf(r)) return r > 0 ? "1e999" : "-1e999";
  if (r == std::floor(r) && r >= -9223372036854775808.0 && r < 9223372036854775808.0) {
    return std::to_string(static_cast<int64_t>(r)) + ".0";
  }
  return SqliteFormatDouble("%!.20g", r);
}

std::string HexBlob(const void* data, int n, char prefix) {
  static const char kHex[] = "0123456789abcdef";
  const auto* p = static_cast<const unsigned char*>(data);
  std::string out;
  out.reserve(3 + 2 * static_cast<size_t>(n > 0 ? n : 0));
  out += prefix;
  out += '\'';
  for (int i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 0xF];
  }
  out += '\'';
  return out;
}

// 'text' with embedded quotes doubled (quote mode, qbox).
std::string SqlQuoted(std::string_view z) {
  std::string out = "'";
  for (char c : z) {
    out += c;
    if (c == '\'') out += '\'';
  }
  out += '\'';
  return out;
}

// An escape for newline (or CR) that does not occur in `z`: sqlite3 writes
// text with line breaks in insert mode as replace('a\nb','\n',char(10)).
std::string UnusedEscape(std::string_view z, std::string_view first, std::string_view second) {
  if (z.find(first) == std::string_view::npos) return std::string(first);
  if (z.find(second) == std::string_view::npos) return std::string(second);
  for (unsigned i = 0;; ++i) {
    // Built piecewise: GCC 12 -O2 warns (-Wrestrict, falsely) about
    // "literal" + std::string temporaries.
    std::string candidate = "(";
    candidate.append(first).append(std::to_string(i)).push_back(')');
    if (z.find(candidate) == std::string_view::npos) return candidate;
  }
}

// Text literal for insert mode: quotes doubled, and newlines / carriage
// returns spelled through replace() so the statement stays on one line.
std::string SqlQuotedEscaped(std::string_view z) {
  if (z.find_first_of("'\n\r") == std::string_view::npos) return "'" + std::string(z) + "'";
  bool has_nl = z.find('\n') != std::string_view::npos;
  bool has_cr = z.find('\r') != std::string_view::npos;
  std::string nl_escape = has_nl ? UnusedEscape(z, "\\n", "\\012") : "";
  std::string cr_escape = has_cr ? UnusedEscape(z, "\\r", "\\015") : "";
  std::string out;
  if (has_nl) out += "replace(";
  if (has_cr) out += "replace(";
  out += '\'';
  for (char c : z) {
    if (c == '\n') {
      out += nl_escape;
    } else if (c == '\r') {
      out += cr_escape;
    } else {
      out += c;
      if (c == '\'') out += '\'';
    }
  }
  out += '\'';
  if (has_cr) out += ",'" + cr_escape + "',char(13))";
  if (has_nl) out += ",'" + nl_escape + "',char(10))";
  return out;
}

// CSV field: quoted when it holds a control character, space, quote,
// apostrophe, DEL, any non-ASCII byte or the column separator, or is empty.
void PutCsv(Writer* w, std::string_view z, const std::string& separator) {
  bool quote = z.empty() || z.find(separator) != std::string_view::npos;
  for (size_t i = 0; !quote && i < z.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(z[i]);
    quote = c <= ' ' || c == '"' || c == '\'' || c >= 0x7F;
  }
  if (!quote) {
    w->Put(z);
    return;
  }
  w->Put('"');
  for (char c : z) {
    w->Put(c);
    if (c == '"') w->Put('"');
  }
  w->Put('"');
}

void PutJsonString(Writer* w, std::string_view z) {
  w->Put('"');
  for (char ch : z) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '\\' || c == '"') {
      w->Put('\\');
      w->Put(ch);
    } else if (c < 0x20) {
      w->Put('\\');
      switch (c) {
        case '\b':
          w->Put('b');
          break;
        case '\f':
          w->Put('f');
          break;
        case '\n':
          w->Put('n');
          break;
        case '\r':
          w->Put('r');
          break;
        case '\t':
          w->Put('t');
          break;
        default: {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "u%04x", c);
          w->Put(buf);
        }
      }
    } else {
      w->Put(ch);
    }
  }
  w->Put('"');
}

void PutHtml(Writer* w, std::string_view z) {
  for (char c : z) {
    switch (c) {
      case '<':
        w->Put("&lt;");
        break;
      case '&':
        w->Put("&amp;");
        break;
      case '>':
        w->Put("&gt;");
        break;
      case '"':
        w->Put("&quot;");
        break;
      case '\'':
        w->Put("&#39;");
        break;
      default:
        w->Put(c);
    }
  }
}

// Tcl mode: a C string literal; bytes outside printable ASCII as octal.
void PutCString(Writer* w, std::string_view z) {
  w->Put('"');
  for (char ch : z) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '\\') {
      w->Put("\\\\");
    } else if (c == '"') {
      w->Put("\\\"");
    } else if (c == '\t') {
      w->Put("\\t");
    } else if (c == '\n') {
      w->Put("\\n");
    } else if (c == '\r') {
      w->Put("\\r");
    } else if (c < 0x20 || c >= 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\%03o", c);
      w->Put(buf);
    } else {
      w->Put(ch);
    }
  }
  w->Put('"');
}

bool NeedsIdentifierQuote(std::string_view name) {
  if (name.empty()) return true;
  unsigned char first = static_cast<unsigned char>(name[0]);
  if (!IsAlphaAscii(first) && first != '_') return true;
  for (char c : name) {
    if (!IsAlnumAscii(static_cast<unsigned char>(c)) && c != '_') return true;
  }
  return sqlite3_keyword_check(name.data(), static_cast<int>(name.size())) != 0;
}

// ---------------------------------------------------------------------------
// Character widths

// Length in bytes of the character starting at `z`: its first byte plus every
// continuation byte after it (malformed UTF-8 is grouped the same way).
size_t CharLen(const unsigned char* z) {
  size_t n = 1;
  while (IsContinuation(z[n])) ++n;
  return n;
}

struct Range {
  uint32_t lo, hi;
};

bool InRanges(uint32_t cp, const Range* ranges, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (cp >= ranges[i].lo && cp <= ranges[i].hi) return true;
  }
  return false;
}

// Terminal columns of one code point: combining marks and zero-width
// characters take none, East Asian wide and fullwidth characters and most
// emoji take two. Only used with OutputSettings::terminal.
int CodePointWidth(uint32_t cp) {
  static const Range kZero[] = {
      {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A}, {0x064B, 0x065F},
      {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F},
      {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xE0100, 0xE01EF}};
  static const Range kWide[] = {
      {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
      {0x23F0, 0x23F0},   {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},
      {0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
      {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
      {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
      {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
      {0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},
      {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},   {0x27BF, 0x27BF},
      {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
      {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
      {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},
      {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4},
      {0x17000, 0x18AFF}, {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF},
      {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F251}, {0x1F300, 0x1F64F},
      {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF},
      {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD}};
  if (InRanges(cp, kZero, sizeof(kZero) / sizeof(kZero[0]))) return 0;
  if (InRanges(cp, kWide, sizeof(kWide) / sizeof(kWide[0]))) return 2;
  return 1;
}

// Terminal width of the character of `len` bytes at `z`; malformed UTF-8
// counts one column.
int TerminalCharWidth(const unsigned char* z, size_t len) {
  unsigned char c = z[0];
  uint32_t cp;
  size_t need;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    cp = c & 0x1F;
    need = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    cp = c & 0x0F;
    need = 3;
  } else if (c >= 0xF0 && c <= 0xF4) {
    cp = c & 0x07;
    need = 4;
  } else {
    return 1;
  }
  if (len != need) return 1;
  for (size_t i = 1; i < len; ++i) cp = (cp << 6) | (z[i] & 0x3F);
  return CodePointWidth(cp);
}

// Display width of `text` as the columnar modes measure it: sqlite3 counts
// every byte that is not a UTF-8 continuation byte; a terminal counts columns.
int DisplayWidth(std::string_view text, bool terminal) {
  int n = 0;
  if (!terminal) {
    for (char c : text) {
      if (!IsContinuation(static_cast<unsigned char>(c))) ++n;
    }
    return n;
  }
  const auto* z = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    size_t len = 1;
    while (i + len < text.size() && IsContinuation(z[i + len])) ++len;
    n += TerminalCharWidth(z + i, len);
    i += len;
  }
  return n;
}

// Cuts `text` to at most `max_width` terminal columns, ending in "…" when
// anything was dropped.
std::string Shorten(std::string_view text, int max_width) {
  if (max_width <= 0 || DisplayWidth(text, true) <= max_width) return std::string(text);
  const auto* z = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  int n = 0;
  while (i < text.size()) {
    size_t len = 1;
    while (i + len < text.size() && IsContinuation(z[i + len])) ++len;
    int w = TerminalCharWidth(z + i, len);
    if (n + w > max_width - 1) break;
    n += w;
    i += len;
  }
  return std::string(text.substr(0, i)) + kEllipsis;
}

// A blob as x'hex', abbreviated to about `max_width` columns: x'0102…'.
std::string AbbreviatedBlob(const void* data, int n, int max_width) {
  std::string full = HexBlob(data, n, 'x');
  if (max_width <= 0 || static_cast<int>(full.size()) <= max_width) return full;
  int digits = max_width - 4;  // x' … '
  if (digits < 2) digits = 2;
  digits &= ~1;
  return full.substr(0, 2 + static_cast<size_t>(digits)) + kEllipsis + "'";
}

}  // namespace ddb::shell::text
