#include "shell/output.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>

#include "engine/sqlite_util.h"

namespace ddb::shell {

namespace {

// `.mode box` (and the other columnar modes) wrap at 60 characters unless
// --wrap says otherwise; the command-line flags do not wrap.
constexpr int kDefaultWrap = 60;
// sqlite3 treats "no wrap" as this many characters.
constexpr int kUnlimitedWidth = 1000000;

const char kBoxVertical[] = "\xe2\x94\x82";        // │
const char kBoxHorizontal[] = "\xe2\x94\x80";      // ─
const char kBoxDownRight[] = "\xe2\x94\x8c";       // ┌
const char kBoxDownLeft[] = "\xe2\x94\x90";        // ┐
const char kBoxUpRight[] = "\xe2\x94\x94";         // └
const char kBoxUpLeft[] = "\xe2\x94\x98";          // ┘
const char kBoxVerticalRight[] = "\xe2\x94\x9c";   // ├
const char kBoxVerticalLeft[] = "\xe2\x94\xa4";    // ┤
const char kBoxDownHorizontal[] = "\xe2\x94\xac";  // ┬
const char kBoxUpHorizontal[] = "\xe2\x94\xb4";    // ┴
const char kBoxCross[] = "\xe2\x94\xbc";           // ┼
const char kEllipsis[] = "\xe2\x80\xa6";           // …

// ---------------------------------------------------------------------------
// Small helpers

// Thin writer over a FILE*; every byte of output goes through it.
class Writer {
 public:
  explicit Writer(std::FILE* f) : f_(f) {}
  void Put(std::string_view s) {
    if (!s.empty()) std::fwrite(s.data(), 1, s.size(), f_);
  }
  void Put(char c) { std::fputc(c, f_); }
  void Repeat(std::string_view s, int n) {
    for (int i = 0; i < n; ++i) Put(s);
  }
  void Spaces(int n) {
    for (int i = 0; i < n; ++i) Put(' ');
  }

 private:
  std::FILE* f_;
};

// ASCII-only classification, as sqlite3 gets it in the C locale; bytes of
// multi-byte characters are never spaces, letters or digits.
bool IsSpaceAscii(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool IsDigitAscii(unsigned char c) { return c >= '0' && c <= '9'; }
bool IsAlphaAscii(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnumAscii(unsigned char c) { return IsAlphaAscii(c) || IsDigitAscii(c); }
bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }
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

// ---------------------------------------------------------------------------
// Columnar modes: cutting values into display lines

// |width|, capped so that absurd .width or --wrap values cannot overflow the
// arithmetic (sqlite3 would try to print billions of spaces).
int ClampedWidth(int width) {
  int64_t w = width < 0 ? -static_cast<int64_t>(width) : width;
  return static_cast<int>(std::min<int64_t>(w, kUnlimitedWidth));
}

// Cuts the first display line off the NUL-terminated `z`, as sqlite3 does for
// box/table/column/markdown: at most `limit` characters, tabs expanded to
// every 8th column, any other control character (or CR LF) ending the line
// and dropped; with `word_wrap` a line cut at the limit backs up to a space
// or word boundary in its second half. *rest is where the next line starts,
// or nullptr when the value is used up.
std::string CutDisplayLine(const unsigned char* z, int limit, bool word_wrap, bool terminal,
                           const unsigned char** rest) {
  limit = ClampedWidth(limit);
  if (limit == 0) limit = kUnlimitedWidth;
  size_t i = 0;
  int n = 0;
  bool full = false;
  while (n < limit) {
    unsigned char c = z[i];
    if (c >= ' ') {
      size_t len = CharLen(z + i);
      int w = terminal ? TerminalCharWidth(z + i, len) : 1;
      if (n > 0 && n + w > limit) {
        full = true;  // a wide character that would not fit
        break;
      }
      n += w;
      i += len;
      continue;
    }
    if (c == '\t') {
      do {
        ++n;
      } while ((n & 7) != 0 && n < limit);
      ++i;
      continue;
    }
    break;
  }
  if (n >= limit) full = true;
  if (full && terminal) {
    // Keep combining marks with the character they belong to.
    while (z[i] >= ' ' && TerminalCharWidth(z + i, CharLen(z + i)) == 0) i += CharLen(z + i);
  }
  size_t end = i;
  if (full && word_wrap) {
    size_t half = i / 2;
    size_t k = i;
    while (k > half && !IsSpaceAscii(z[k - 1])) --k;
    if (k <= half) {
      k = i;
      while (k > half && !(IsAlnumAscii(z[k - 1]) != IsAlnumAscii(z[k]) && !IsContinuation(z[k]))) {
        --k;
      }
    }
    if (k > half) {
      end = k;
      i = k;
      while (z[i] == ' ') ++i;
    }
  }
  if (full && z[i] >= ' ') {
    *rest = z + i;
  } else if (z[i] == '\r' && z[i + 1] == '\n') {
    *rest = z[i + 2] ? z + i + 2 : nullptr;
  } else if (z[i] == 0 || z[i + 1] == 0) {
    *rest = nullptr;
  } else {
    *rest = z + i + 1;
  }
  std::string line;
  line.reserve(end);
  n = 0;
  for (size_t p = 0; p < end;) {
    unsigned char c = z[p];
    if (c >= ' ') {
      size_t len = CharLen(z + p);
      n += terminal ? TerminalCharWidth(z + p, len) : 1;
      line.append(reinterpret_cast<const char*>(z + p), len);
      p += len;
      continue;
    }
    if (c == '\t') {
      do {
        ++n;
        line += ' ';
      } while ((n & 7) != 0 && n < limit);
      ++p;
      continue;
    }
    break;
  }
  return line;
}

class ColumnarPrinter {
 public:
  ColumnarPrinter(sqlite3_stmt* stmt, const OutputSettings& s, std::FILE* out)
      : stmt_(stmt), s_(s), w_(out), ncol_(sqlite3_column_count(stmt)) {}

  // Called with the first row already stepped; returns the final step rc.
  int Run(const std::function<bool()>& on_row) {
    if (ncol_ <= 0) return Drain();
    shorten_ = s_.terminal && s_.max_cell_width > 0;
    for (int i = 0; i < ncol_; ++i) {
      const char* name = sqlite3_column_name(stmt_, i);
      const unsigned char* unused = nullptr;
      cells_.push_back(CutDisplayLine(reinterpret_cast<const unsigned char*>(name ? name : ""),
                                      Limit(i), s_.word_wrap, s_.terminal, &unused));
    }
    std::vector<const unsigned char*> next(ncol_, nullptr);
    std::vector<std::string> owned(ncol_);
    bool more_lines = false;
    int rc = SQLITE_ROW;
    do {
      bool continuing = more_lines;
      more_lines = false;
      if (!continuing && on_row && !on_row()) return SQLITE_INTERRUPT;  // drop, like Ctrl-C
      row_ends_.push_back(true);
      for (int i = 0; i < ncol_; ++i) {
        const unsigned char* z;
        if (continuing) {
          z = next[i] ? next[i] : reinterpret_cast<const unsigned char*>("");
        } else {
          z = Source(i, &owned[i]);
        }
        cells_.push_back(CutDisplayLine(z, Limit(i), s_.word_wrap, s_.terminal, &next[i]));
        if (next[i]) {
          more_lines = true;
          row_ends_.back() = false;
          multi_line_ = true;
        }
      }
    } while (more_lines || (rc = sqlite3_step(stmt_)) == SQLITE_ROW);
    Print();
    return rc;
  }

 private:
  int Drain() {
    int rc;
    while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) {
    }
    return rc;
  }

  int Width(int i) const {
    return i < static_cast<int>(s_.widths.size()) ? s_.widths[static_cast<size_t>(i)] : 0;
  }
  int Limit(int i) const {
    int w = Width(i);
    return w != 0 ? w : s_.wrap;
  }

  // The text a cell starts from; `owned` keeps it alive while its lines are
  // cut (until the next row).
  const unsigned char* Source(int i, std::string* owned) {
    int type = sqlite3_column_type(stmt_, i);
    if (s_.quote) {
      *owned = QuotedColumn(i, type);
    } else if (shorten_ && type == SQLITE_BLOB) {
      *owned = AbbreviatedBlob(sqlite3_column_blob(stmt_, i), sqlite3_column_bytes(stmt_, i),
                               s_.max_cell_width);
      return reinterpret_cast<const unsigned char*>(owned->c_str());
    } else {
      const unsigned char* text = sqlite3_column_text(stmt_, i);
      if (!shorten_) {
        return text ? text : reinterpret_cast<const unsigned char*>(s_.null_value.c_str());
      }
      *owned = text ? reinterpret_cast<const char*>(text) : s_.null_value;
    }
    if (shorten_) *owned = Shorten(*owned, s_.max_cell_width);
    return reinterpret_cast<const unsigned char*>(owned->c_str());
  }

  // A value as an SQL literal (qbox / --quote).
  std::string QuotedColumn(int i, int type) {
    switch (type) {
      case SQLITE_NULL:
        return "NULL";
      case SQLITE_INTEGER:
      case SQLITE_FLOAT:
        return reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
      case SQLITE_TEXT:
        return SqlQuoted(reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i)));
      default:
        if (shorten_) {
          return AbbreviatedBlob(sqlite3_column_blob(stmt_, i), sqlite3_column_bytes(stmt_, i),
                                 s_.max_cell_width);
        }
        return HexBlob(sqlite3_column_blob(stmt_, i), sqlite3_column_bytes(stmt_, i), 'x');
    }
  }

  void Print() {
    std::vector<int> width(static_cast<size_t>(ncol_));
    for (int i = 0; i < ncol_; ++i) width[i] = ClampedWidth(Width(i));
    for (size_t i = 0; i < cells_.size(); ++i) {
      int n = DisplayWidth(cells_[i], s_.terminal);
      size_t j = i % static_cast<size_t>(ncol_);
      if (n > width[j]) width[j] = n;
    }
    width_ = std::move(width);
    FitTerminal();
    std::string col_sep;
    std::string row_sep;
    switch (s_.mode) {
      case Mode::kColumn:
        col_sep = "  ";
        row_sep = "\n";
        if (s_.headers) {
          for (int i = 0; i < ncol_; ++i) {
            PutPadded(cells_[i], width_[i], Width(i) < 0);
            w_.Put(i == ncol_ - 1 ? "\n" : "  ");
          }
          for (int i = 0; i < ncol_; ++i) {
            w_.Repeat("-", width_[i]);
            w_.Put(i == ncol_ - 1 ? "\n" : "  ");
          }
        }
        break;
      case Mode::kTable:
        col_sep = " | ";
        row_sep = " |\n";
        RuleLine("+", "+", "+", "-");
        PutCenteredHeader("| ", " | ", " |\n");
        RuleLine("+", "+", "+", "-");
        break;
      case Mode::kMarkdown:
        col_sep = " | ";
        row_sep = " |\n";
        PutCenteredHeader("| ", " | ", " |\n");
        RuleLine("|", "|", "|", "-");
        break;
      default:  // kBox
        col_sep = std::string(" ") + kBoxVertical + " ";
        row_sep = std::string(" ") + kBoxVertical + "\n";
        RuleLine(kBoxDownRight, kBoxDownHorizontal, kBoxDownLeft, kBoxHorizontal);
        PutCenteredHeader(std::string(kBoxVertical) + " ", col_sep, row_sep);
        RuleLine(kBoxVerticalRight, kBoxCross, kBoxVerticalLeft, kBoxHorizontal);
        break;
    }
    size_t total = cells_.size();
    size_t line = 0;
    for (size_t i = static_cast<size_t>(ncol_); i < total;
         i += static_cast<size_t>(ncol_), ++line) {
      if (s_.mode == Mode::kBox) {
        w_.Put(kBoxVertical);
        w_.Put(' ');
      } else if (s_.mode != Mode::kColumn) {
        w_.Put("| ");
      }
      for (int j = 0; j < ncol_; ++j) {
        PutPadded(cells_[i + static_cast<size_t>(j)], width_[j], Width(j) < 0);
        w_.Put(j == ncol_ - 1 ? row_sep : col_sep);
      }
      bool last_line = i + static_cast<size_t>(ncol_) >= total;
      if (multi_line_ && row_ends_[line] && !last_line) {
        if (s_.mode == Mode::kTable) {
          RuleLine("+", "+", "+", "-");
        } else if (s_.mode == Mode::kBox) {
          RuleLine(kBoxVerticalRight, kBoxCross, kBoxVerticalLeft, kBoxHorizontal);
        } else if (s_.mode == Mode::kColumn) {
          w_.Put('\n');
        }
      }
    }
    if (s_.mode == Mode::kTable) {
      RuleLine("+", "+", "+", "-");
    } else if (s_.mode == Mode::kBox) {
      RuleLine(kBoxUpRight, kBoxUpHorizontal, kBoxUpLeft, kBoxHorizontal);
    }
  }

  // On a terminal, a table wider than the screen would wrap line by line
  // and become unreadable: the widest columns give up a column each until
  // the lines fit (none below kMinFitWidth), and cells longer than their
  // column are cut, ending in "…".
  void FitTerminal() {
    constexpr int kMinFitWidth = 6;
    if (!s_.terminal || s_.terminal_width <= 0 || ncol_ <= 0) return;
    // Box, table and markdown: "│ " + cells joined by " │ " + " │".
    int total = s_.mode == Mode::kColumn ? 2 * (ncol_ - 1) : 3 * ncol_ + 1;
    for (int w : width_) total += w;
    bool cut = false;
    while (total > s_.terminal_width) {
      int widest = -1;
      for (int i = 0; i < ncol_; ++i) {
        if (width_[i] > kMinFitWidth && (widest < 0 || width_[i] > width_[widest])) widest = i;
      }
      if (widest < 0) break;  // as narrow as it gets: let the terminal wrap
      --width_[widest];
      --total;
      cut = true;
    }
    if (!cut) return;
    for (size_t i = 0; i < cells_.size(); ++i) {
      int limit = width_[i % static_cast<size_t>(ncol_)];
      if (DisplayWidth(cells_[i], true) > limit) cells_[i] = Shorten(cells_[i], limit);
    }
  }

  void PutPadded(const std::string& text, int width, bool right) {
    int pad = width - DisplayWidth(text, s_.terminal);
    if (right) w_.Spaces(pad);
    w_.Put(text);
    if (!right) w_.Spaces(pad);
  }

  void PutCenteredHeader(const std::string& first, const std::string& between,
                         const std::string& last) {
    w_.Put(first);
    for (int i = 0; i < ncol_; ++i) {
      int pad = width_[i] - DisplayWidth(cells_[i], s_.terminal);
      w_.Spaces(pad / 2);
      w_.Put(cells_[i]);
      w_.Spaces((pad + 1) / 2);
      w_.Put(i == ncol_ - 1 ? last : between);
    }
  }

  // left ─── mid ─── right, each column's run two wider than the column.
  void RuleLine(const char* left, const char* mid, const char* right, const char* dash) {
    w_.Put(left);
    for (int i = 0; i < ncol_; ++i) {
      if (i > 0) w_.Put(mid);
      w_.Repeat(dash, width_[i] + 2);
    }
    w_.Put(right);
    w_.Put('\n');
  }

  sqlite3_stmt* stmt_;
  const OutputSettings& s_;
  Writer w_;
  int ncol_;
  bool shorten_ = false;
  bool multi_line_ = false;
  std::vector<std::string> cells_;  // row-major display lines; the first ncol_ are headers
  std::vector<bool> row_ends_;      // per display line: last line of its row
  std::vector<int> width_;
};

// ---------------------------------------------------------------------------
// Streaming modes

class StreamPrinter {
 public:
  StreamPrinter(sqlite3_stmt* stmt, const OutputSettings& s, std::FILE* out)
      : stmt_(stmt), s_(s), w_(out), ncol_(sqlite3_column_count(stmt)) {
    for (int i = 0; i < ncol_; ++i) {
      const char* name = sqlite3_column_name(stmt, i);
      names_.emplace_back(name ? name : "");
    }
    types_.resize(static_cast<size_t>(ncol_));
    texts_.resize(static_cast<size_t>(ncol_));
  }

  // Called with the first row already stepped; returns the final step rc.
  int Run(const std::function<bool()>& on_row) {
    int rc = SQLITE_ROW;
    int64_t rows = 0;
    do {
      if (on_row && !on_row()) {
        rc = SQLITE_INTERRUPT;
        break;
      }
      ++rows;
      Fetch();
      PrintRow(rows == 1);
    } while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW);
    if (s_.mode == Mode::kJson && rows > 0) {
      w_.Put("]\n");
    } else if (s_.mode == Mode::kCount && rows > 0) {
      w_.Put(std::to_string(rows) + (rows != 1 ? " rows\n" : " row\n"));
    }
    return rc;
  }

 private:
  // Type first, then text: the text conversion must not change what type
  // the value is reported as.
  void Fetch() {
    for (int i = 0; i < ncol_; ++i) {
      types_[i] = sqlite3_column_type(stmt_, i);
      texts_[i] = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    }
  }

  // The value as list-like modes print it: its text (up to any NUL, as a C
  // string) or the null value.
  std::string_view Text(int i) const {
    return texts_[i] ? std::string_view(texts_[i]) : std::string_view(s_.null_value);
  }
  bool IsNull(int i) const { return texts_[i] == nullptr || types_[i] == SQLITE_NULL; }

  void PrintRow(bool first) {
    switch (s_.mode) {
      case Mode::kLine:
        PrintLine(first);
        break;
      case Mode::kCsv:
        if (first && s_.headers) {
          for (int i = 0; i < ncol_; ++i) {
            PutCsv(&w_, names_[i], s_.column_separator);
            if (i < ncol_ - 1) w_.Put(s_.column_separator);
          }
          w_.Put(s_.row_separator);
        }
        for (int i = 0; i < ncol_; ++i) {
          if (texts_[i] == nullptr) {
            w_.Put(s_.null_value);
          } else {
            PutCsv(&w_, texts_[i], s_.column_separator);
          }
          if (i < ncol_ - 1) w_.Put(s_.column_separator);
        }
        w_.Put(s_.row_separator);
        break;
      case Mode::kJson:
        w_.Put(first ? "[{" : ",\n{");
        for (int i = 0; i < ncol_; ++i) {
          PutJsonString(&w_, names_[i]);
          w_.Put(':');
          if (IsNull(i)) {
            w_.Put("null");
          } else if (types_[i] == SQLITE_FLOAT) {
            w_.Put(RealForJson(sqlite3_column_double(stmt_, i)));
          } else if (types_[i] == SQLITE_BLOB) {
            const void* blob = sqlite3_column_blob(stmt_, i);
            int n = sqlite3_column_bytes(stmt_, i);
            PutJsonString(&w_, std::string_view(static_cast<const char*>(blob),
                                                blob ? static_cast<size_t>(n) : 0));
          } else if (types_[i] == SQLITE_TEXT) {
            PutJsonString(&w_, texts_[i]);
          } else {
            w_.Put(texts_[i]);
          }
          if (i < ncol_ - 1) w_.Put(',');
        }
        w_.Put('}');
        break;
      case Mode::kQuote:
        if (first && s_.headers) {
          for (int i = 0; i < ncol_; ++i) {
            if (i > 0) w_.Put(s_.column_separator);
            w_.Put(SqlQuoted(names_[i]));
          }
          w_.Put(s_.row_separator);
        }
        for (int i = 0; i < ncol_; ++i) {
          if (i > 0) w_.Put(s_.column_separator);
          w_.Put(Literal(i, false));
        }
        w_.Put(s_.row_separator);
        break;
      case Mode::kInsert:
        w_.Put("INSERT INTO ");
        w_.Put(s_.insert_table);
        if (s_.headers) {
          w_.Put('(');
          for (int i = 0; i < ncol_; ++i) {
            if (i > 0) w_.Put(',');
            w_.Put(NeedsIdentifierQuote(names_[i]) ? sql::QuoteIdentifier(names_[i]) : names_[i]);
          }
          w_.Put(')');
        }
        for (int i = 0; i < ncol_; ++i) {
          w_.Put(i > 0 ? "," : " VALUES(");
          w_.Put(Literal(i, true));
        }
        w_.Put(");\n");
        break;
      case Mode::kHtml:
        if (first && s_.headers) {
          w_.Put("<TR>");
          for (int i = 0; i < ncol_; ++i) {
            w_.Put("<TH>");
            PutHtml(&w_, names_[i]);
            w_.Put("</TH>\n");
          }
          w_.Put("</TR>\n");
        }
        w_.Put("<TR>");
        for (int i = 0; i < ncol_; ++i) {
          w_.Put("<TD>");
          PutHtml(&w_, Text(i));
          w_.Put("</TD>\n");
        }
        w_.Put("</TR>\n");
        break;
      case Mode::kTcl:
        if (first && s_.headers) {
          for (int i = 0; i < ncol_; ++i) {
            PutCString(&w_, names_[i]);
            if (i < ncol_ - 1) w_.Put(s_.column_separator);
          }
          w_.Put(s_.row_separator);
        }
        for (int i = 0; i < ncol_; ++i) {
          PutCString(&w_, Text(i));
          if (i < ncol_ - 1) w_.Put(s_.column_separator);
        }
        w_.Put(s_.row_separator);
        break;
      case Mode::kCount:
      case Mode::kOff:
        break;
      default:  // kList, kTabs, kAscii
        if (first && s_.headers) {
          for (int i = 0; i < ncol_; ++i) {
            w_.Put(names_[i]);
            w_.Put(i == ncol_ - 1 ? s_.row_separator : s_.column_separator);
          }
        }
        for (int i = 0; i < ncol_; ++i) {
          w_.Put(Text(i));
          w_.Put(i == ncol_ - 1 ? s_.row_separator : s_.column_separator);
        }
        break;
    }
  }

  // Line mode: "name = value" per column, names right-aligned to the longest
  // (at least 5 bytes), records separated by an extra row separator.
  void PrintLine(bool first) {
    // sqlite3 pads names by bytes; a terminal by columns.
    auto name_width = [this](const std::string& name) {
      return s_.terminal ? DisplayWidth(name, true) : static_cast<int>(name.size());
    };
    int width = 5;
    for (const std::string& name : names_) width = std::max(width, name_width(name));
    if (!first) w_.Put(s_.row_separator);
    bool shorten = s_.terminal && s_.max_cell_width > 0;
    for (int i = 0; i < ncol_; ++i) {
      w_.Spaces(width - name_width(names_[i]));
      w_.Put(names_[i]);
      w_.Put(" = ");
      if (!shorten) {
        w_.Put(Text(i));
      } else if (types_[i] == SQLITE_BLOB) {
        w_.Put(AbbreviatedBlob(sqlite3_column_blob(stmt_, i), sqlite3_column_bytes(stmt_, i),
                               s_.max_cell_width));
      } else {
        w_.Put(Shorten(Text(i), s_.max_cell_width));
      }
      w_.Put(s_.row_separator);
    }
  }

  // A value as an SQL literal for quote mode, or insert mode (`insert`),
  // which also keeps text on one line and prints integral reals exactly.
  std::string Literal(int i, bool insert) {
    if (IsNull(i)) return "NULL";
    switch (types_[i]) {
      case SQLITE_TEXT:
        return insert ? SqlQuotedEscaped(texts_[i]) : SqlQuoted(texts_[i]);
      case SQLITE_INTEGER:
        return texts_[i];
      case SQLITE_FLOAT: {
        double r = sqlite3_column_double(stmt_, i);
        return insert ? RealForInsert(r) : RealForQuote(r);
      }
      default:
        return HexBlob(sqlite3_column_blob(stmt_, i), sqlite3_column_bytes(stmt_, i), 'X');
    }
  }

  sqlite3_stmt* stmt_;
  const OutputSettings& s_;
  Writer w_;
  int ncol_;
  std::vector<std::string> names_;
  std::vector<int> types_;
  std::vector<const char*> texts_;
};

// ---------------------------------------------------------------------------
// EXPLAIN and EXPLAIN QUERY PLAN (with `.explain auto`)

bool IsOneOf(const char* op, std::initializer_list<const char*> names) {
  if (op == nullptr) return false;
  for (const char* n : names) {
    if (std::strcmp(op, n) == 0) return true;
  }
  return false;
}

// Indentation (in spaces) of each opcode of an EXPLAIN listing, so loop
// bodies stand out: everything a backward Next-like jump or a Goto into a
// coroutine loops over moves right by two. Steps the statement through once
// and resets it. Returns false when the statement does not look like an
// EXPLAIN listing (sqlite3 then uses the normal mode).
bool ExplainIndents(sqlite3_stmt* stmt, std::vector<int>* indents) {
  if (sqlite3_column_count(stmt) != 8) return false;
  const char* sql = sqlite3_sql(stmt);
  if (sql == nullptr) return false;
  while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\f' || *sql == '\r') ++sql;
  if (sqlite3_strnicmp(sql, "explain", 7) != 0) return false;
  static const char* const kColumns[] = {"addr", "opcode", "p1", "p2", "p3", "p4", "p5", "comment"};
  std::vector<bool> yields;
  indents->clear();
  for (int op = 0; sqlite3_step(stmt) == SQLITE_ROW; ++op) {
    if (op == 0) {
      for (int i = 0; i < 8; ++i) {
        const char* name = sqlite3_column_name(stmt, i);
        if (name == nullptr || std::strcmp(name, kColumns[i]) != 0) {
          sqlite3_reset(stmt);
          return false;
        }
      }
    }
    int addr = sqlite3_column_int(stmt, 0);
    const char* opcode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
    int p2 = sqlite3_column_int(stmt, 3);
    // Trigger and foreign-key sub-programs restart their addresses at 0.
    int target = p2 + (op - addr);
    yields.push_back(IsOneOf(opcode, {"Yield", "SeekLT", "SeekGT", "RowSetRead", "Rewind"}));
    indents->push_back(0);
    int count = static_cast<int>(indents->size());
    bool loop =
        IsOneOf(opcode, {"Next", "Prev", "VPrev", "VNext", "SorterNext", "Return"}) && target > 0;
    if (!loop && IsOneOf(opcode, {"Goto"}) && target >= 0 && target < count &&
        (yields[static_cast<size_t>(target)] || sqlite3_column_int(stmt, 2) != 0)) {
      loop = true;
    }
    if (loop) {
      for (int i = std::max(target, 0); i < op; ++i) (*indents)[static_cast<size_t>(i)] += 2;
    }
  }
  sqlite3_reset(stmt);
  return true;
}

// Prints `text` padded with spaces to `width` characters (never cut).
void PutPadded(Writer* w, std::string_view text, int width) {
  w->Put(text);
  w->Spaces(width - DisplayWidth(text, false));
}

// The EXPLAIN listing: fixed column widths that grow for longer values, the
// opcode indented by loop depth.
int RenderExplain(sqlite3_stmt* stmt, const OutputSettings& s, std::FILE* out,
                  const std::vector<int>& indents, const std::function<bool()>& on_row) {
  static const int kWidths[] = {4, 13, 4, 4, 4, 13, 2, 13};
  Writer w(out);
  int ncol = std::min(sqlite3_column_count(stmt), 8);
  int rc = sqlite3_step(stmt);
  for (size_t row = 0; rc == SQLITE_ROW; ++row, rc = sqlite3_step(stmt)) {
    if (on_row && !on_row()) return SQLITE_INTERRUPT;
    if (row == 0) {
      for (int i = 0; i < ncol; ++i) {
        const char* name = sqlite3_column_name(stmt, i);
        PutPadded(&w, name ? name : "", kWidths[i]);
        w.Put(i == ncol - 1 ? "\n" : "  ");
      }
      for (int i = 0; i < ncol; ++i) {
        w.Repeat("-", kWidths[i]);
        w.Put(i == ncol - 1 ? "\n" : "  ");
      }
    }
    for (int i = 0; i < ncol; ++i) {
      const char* value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      std::string_view text = value ? std::string_view(value) : std::string_view(s.null_value);
      int width = i == ncol - 1 ? 0 : kWidths[i];
      if (i == 1 && row < indents.size()) w.Spaces(indents[row]);
      PutPadded(&w, text, width);
      w.Put(i == ncol - 1 ? "\n" : "  ");
    }
  }
  return rc;
}

struct PlanRow {
  int id;
  int parent;
  std::string text;
};

void PutPlanLevel(Writer* w, const std::vector<PlanRow>& rows, size_t first, int parent,
                  std::string* prefix) {
  std::vector<size_t> children;
  for (size_t i = first; i < rows.size(); ++i) {
    if (rows[i].parent == parent) children.push_back(i);
  }
  for (size_t k = 0; k < children.size(); ++k) {
    bool more = k + 1 < children.size();
    const PlanRow& row = rows[children[k]];
    w->Put(*prefix);
    w->Put(more ? "|--" : "`--");
    w->Put(row.text);
    w->Put('\n');
    // sqlite3 keeps the prefix in a 100-byte buffer: deeper levels are cut.
    if (prefix->size() < 93) {
      size_t n = prefix->size();
      prefix->append(more ? "|  " : "   ");
      PutPlanLevel(w, rows, first, row.id, prefix);
      prefix->resize(n);
    }
  }
}

// EXPLAIN QUERY PLAN as sqlite3 draws it: "QUERY PLAN" and a tree of the
// plan rows, linked by their parent ids.
int RenderQueryPlan(sqlite3_stmt* stmt, std::FILE* out, const std::function<bool()>& on_row) {
  std::vector<PlanRow> rows;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (on_row && !on_row()) {
      rc = SQLITE_INTERRUPT;
      break;
    }
    const char* detail = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
    if (detail == nullptr) continue;
    const char* id = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    const char* parent = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
    rows.push_back({id ? std::atoi(id) : 0, parent ? std::atoi(parent) : 0, detail});
  }
  if (rows.empty()) return rc;
  Writer w(out);
  size_t first = 0;
  if (rows[0].text[0] == '-') {
    // A leading "-- ..." row replaces the "QUERY PLAN" title.
    if (rows.size() == 1) return rc;
    w.Put(std::string_view(rows[0].text).substr(std::min<size_t>(3, rows[0].text.size())));
    w.Put('\n');
    first = 1;
  } else {
    w.Put("QUERY PLAN\n");
  }
  std::string prefix;
  PutPlanLevel(&w, rows, first, 0, &prefix);
  return rc;
}

// sqlite3's integer parsing for `.mode --wrap N`: optional sign, decimal or
// 0x hex digits, an optional size suffix (KiB, MB, K, ...); garbage is 0.
int64_t IntegerValue(std::string_view arg) {
  bool negative = false;
  size_t i = 0;
  if (i < arg.size() && arg[i] == '-') {
    negative = true;
    ++i;
  } else if (i < arg.size() && arg[i] == '+') {
    ++i;
  }
  uint64_t v = 0;  // unsigned: overflow wraps instead of being undefined
  if (arg.substr(i, 2) == "0x") {
    i += 2;
    while (i < arg.size() && HexValue(arg[i]) >= 0) v = (v << 4) + HexValue(arg[i++]);
  } else {
    while (i < arg.size() && IsDigitAscii(static_cast<unsigned char>(arg[i]))) {
      v = v * 10 + static_cast<uint64_t>(arg[i++] - '0');
    }
  }
  static const struct {
    const char* suffix;
    uint64_t mult;
  } kMult[] = {{"KiB", 1024}, {"MiB", 1024 * 1024}, {"GiB", 1024 * 1024 * 1024},
               {"KB", 1000},  {"MB", 1000000},      {"GB", 1000000000},
               {"K", 1000},   {"M", 1000000},       {"G", 1000000000}};
  std::string rest(arg.substr(i));
  for (const auto& m : kMult) {
    if (sqlite3_stricmp(m.suffix, rest.c_str()) == 0) {
      v *= m.mult;
      break;
    }
  }
  return static_cast<int64_t>(negative ? (0 - v) : v);
}

// sqlite3's boolean parsing: numbers, on/off, yes/no; anything else is
// reported and taken as "no".
int BooleanValue(const std::string& arg, std::FILE* err) {
  size_t i = 0;
  if (arg.size() >= 2 && arg[0] == '0' && arg[1] == 'x') {
    i = 2;
    while (i < arg.size() && HexValue(arg[i]) >= 0) ++i;
  } else {
    while (i < arg.size() && IsDigitAscii(static_cast<unsigned char>(arg[i]))) ++i;
  }
  if (i > 0 && i == arg.size()) return static_cast<int>(IntegerValue(arg) & 0xffffffff);
  if (sqlite3_stricmp(arg.c_str(), "on") == 0 || sqlite3_stricmp(arg.c_str(), "yes") == 0) {
    return 1;
  }
  if (sqlite3_stricmp(arg.c_str(), "off") == 0 || sqlite3_stricmp(arg.c_str(), "no") == 0) {
    return 0;
  }
  std::fprintf(err, "ERROR: Not a boolean value: \"%s\". Assuming \"no\".\n", arg.c_str());
  return 0;
}

// `-wrap` and `--wrap` both match "wrap".
bool OptionMatch(std::string_view arg, std::string_view option) {
  if (arg.empty() || arg[0] != '-') return false;
  arg.remove_prefix(1);
  if (!arg.empty() && arg[0] == '-') arg.remove_prefix(1);
  return arg == option;
}

struct ColumnarOptions {
  int wrap = kDefaultWrap;
  bool word_wrap = false;
  bool quote = false;
};

// Applies a mode as `.mode` does, with the columnar options it parsed.
// `table` is the insert table as given, nullptr when none was ("table").
void ApplyDotMode(OutputSettings* s, Mode m, const std::string* table, const ColumnarOptions& o) {
  s->mode = m;
  switch (m) {
    case Mode::kLine:
      s->row_separator = "\n";
      break;
    case Mode::kColumn:
      if (!s->headers_set) s->headers = true;
      s->row_separator = "\n";
      break;
    case Mode::kList:
      s->column_separator = "|";
      s->row_separator = "\n";
      break;
    case Mode::kTcl:
      s->column_separator = " ";
      s->row_separator = "\n";
      break;
    case Mode::kCsv:
      s->column_separator = ",";
      s->row_separator = "\r\n";
      break;
    case Mode::kTabs:
      s->column_separator = "\t";
      break;
    case Mode::kInsert:
      s->insert_table = QuoteInsertTable(table ? *table : "table");
      break;
    case Mode::kQuote:
      s->column_separator = ",";
      s->row_separator = "\n";
      break;
    case Mode::kAscii:
      s->column_separator = "\x1f";
      s->row_separator = "\x1e";
      break;
    default:
      break;
  }
  if (IsColumnar(m)) {
    s->wrap = o.wrap;
    s->word_wrap = o.word_wrap;
    s->quote = o.quote;
  }
}

}  // namespace

bool ParseMode(std::string_view name, Mode* out) {
  if (name.empty()) return false;
  if (name == "qbox") {
    *out = Mode::kBox;
    return true;
  }
  // Checked in sqlite3's order, which decides what a short prefix means.
  static const struct {
    const char* full;
    Mode mode;
  } kNames[] = {{"lines", Mode::kLine},  {"columns", Mode::kColumn},    {"list", Mode::kList},
                {"html", Mode::kHtml},   {"tcl", Mode::kTcl},           {"csv", Mode::kCsv},
                {"tabs", Mode::kTabs},   {"insert", Mode::kInsert},     {"quote", Mode::kQuote},
                {"ascii", Mode::kAscii}, {"markdown", Mode::kMarkdown}, {"table", Mode::kTable},
                {"box", Mode::kBox},     {"count", Mode::kCount},       {"off", Mode::kOff},
                {"json", Mode::kJson}};
  for (const auto& n : kNames) {
    if (std::string_view(n.full).substr(0, name.size()) == name) {
      *out = n.mode;
      return true;
    }
  }
  return false;
}

const char* ModeName(Mode m) {
  switch (m) {
    case Mode::kList:
      return "list";
    case Mode::kCsv:
      return "csv";
    case Mode::kTabs:
      return "tabs";
    case Mode::kJson:
      return "json";
    case Mode::kLine:
      return "line";
    case Mode::kQuote:
      return "quote";
    case Mode::kInsert:
      return "insert";
    case Mode::kHtml:
      return "html";
    case Mode::kMarkdown:
      return "markdown";
    case Mode::kTable:
      return "table";
    case Mode::kBox:
      return "box";
    case Mode::kColumn:
      return "column";
    case Mode::kAscii:
      return "ascii";
    case Mode::kTcl:
      return "tcl";
    case Mode::kCount:
      return "count";
    case Mode::kOff:
      return "off";
  }
  return "list";
}

bool IsColumnar(Mode m) {
  return m == Mode::kBox || m == Mode::kTable || m == Mode::kColumn || m == Mode::kMarkdown;
}

void SetMode(OutputSettings* s, Mode m, std::string_view insert_table) {
  std::string table(insert_table);
  ApplyDotMode(s, m, table.empty() ? nullptr : &table, ColumnarOptions());
}

void SetModeFromFlag(OutputSettings* s, Mode m) {
  s->mode = m;
  // One-character separators are assigned as characters: GCC 12 -O3 warns
  // (-Wrestrict, falsely) about assigning these short literals.
  auto set = [](std::string* separator, char c) { separator->assign(1, c); };
  switch (m) {
    case Mode::kCsv:
      set(&s->column_separator, ',');
      break;
    case Mode::kQuote:
      set(&s->column_separator, ',');
      set(&s->row_separator, '\n');
      break;
    case Mode::kTabs:
      set(&s->column_separator, '\t');
      set(&s->row_separator, '\n');
      break;
    case Mode::kAscii:
      set(&s->column_separator, '\x1f');
      set(&s->row_separator, '\x1e');
      break;
    default:
      break;
  }
  if (IsColumnar(m)) {
    s->wrap = 0;
    s->word_wrap = false;
    s->quote = false;
  }
}

std::string QuoteInsertTable(std::string_view name) {
  return NeedsIdentifierQuote(name) ? sql::QuoteIdentifier(name) : std::string(name);
}

std::string DescribeMode(const OutputSettings& s) {
  std::string name = s.mode == Mode::kTabs ? "list" : ModeName(s.mode);
  if (!IsColumnar(s.mode)) return name;
  return name + " --wrap " + std::to_string(s.wrap) + " --wordwrap " +
         (s.word_wrap ? "on" : "off") + (s.quote ? " --quote" : " --noquote");
}

int RunModeCommand(OutputSettings* s, const std::vector<std::string>& args, std::FILE* out,
                   std::FILE* err) {
  const std::string* mode_name = nullptr;
  const std::string* table = nullptr;
  bool qbox = false;
  ColumnarOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& z = args[i];
    if (OptionMatch(z, "wrap") && i + 1 < args.size()) {
      o.wrap = static_cast<int>(IntegerValue(args[++i]));
    } else if (OptionMatch(z, "ww")) {
      o.word_wrap = true;
    } else if (OptionMatch(z, "wordwrap") && i + 1 < args.size()) {
      o.word_wrap = static_cast<uint8_t>(BooleanValue(args[++i], err)) != 0;
    } else if (OptionMatch(z, "quote")) {
      o.quote = true;
    } else if (OptionMatch(z, "noquote")) {
      o.quote = false;
    } else if (mode_name == nullptr) {
      mode_name = &z;
      if (z == "qbox") {
        // qbox resets the options given before it, as in sqlite3.
        qbox = true;
        o = ColumnarOptions();
        o.quote = true;
      }
    } else if (table == nullptr) {
      table = &z;
    } else if (!z.empty() && z[0] == '-') {
      std::fprintf(err,
                   "unknown option: %s\noptions:\n  --noquote\n  --quote\n"
                   "  --wordwrap on/off\n  --wrap N\n  --ww\n",
                   z.c_str());
      return 1;
    } else {
      std::fprintf(err, "extra argument: \"%s\"\n", z.c_str());
      return 1;
    }
  }
  Mode m = s->mode;
  if (mode_name == nullptr) {
    std::fprintf(out, "current output mode: %s\n", DescribeMode(*s).c_str());
    if (m == Mode::kTabs) m = Mode::kList;  // sqlite3 re-applies the mode by its name
  } else if (!qbox && !ParseMode(*mode_name, &m)) {
    std::fprintf(err,
                 "Error: mode should be one of: ascii box column csv html insert json line "
                 "list markdown qbox quote table tabs tcl\n");
    return 1;
  } else if (qbox) {
    m = Mode::kBox;
  }
  ApplyDotMode(s, m, table, o);
  return 0;
}

int RenderResults(sqlite3_stmt* stmt, const OutputSettings& s, std::FILE* out,
                  const std::function<bool()>& on_row) {
  if (s.auto_explain) {
    int explain = sqlite3_stmt_isexplain(stmt);
    if (explain == 2) return RenderQueryPlan(stmt, out, on_row);
    std::vector<int> indents;
    if (explain == 1 && ExplainIndents(stmt, &indents)) {
      return RenderExplain(stmt, s, out, indents, on_row);
    }
  }
  int rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW) return rc;
  if (IsColumnar(s.mode)) {
    ColumnarPrinter printer(stmt, s, out);
    return printer.Run(on_row);
  }
  StreamPrinter printer(stmt, s, out);
  return printer.Run(on_row);
}

}  // namespace ddb::shell
