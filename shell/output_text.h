// What output.cc and output_mode.cc share from output_text.cc: a writer
// over a FILE*, ASCII classification, the spelling of values in each mode,
// and display widths. Internal to the output files.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace ddb::shell::text {

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
inline bool IsSpaceAscii(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
inline bool IsDigitAscii(unsigned char c) { return c >= '0' && c <= '9'; }
inline bool IsAlphaAscii(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool IsAlnumAscii(unsigned char c) { return IsAlphaAscii(c) || IsDigitAscii(c); }
inline bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }
int HexValue(char c);

// Reals in quote mode: 20 significant digits.
std::string RealForQuote(double r);
// Reals in JSON: like quote, with infinities as numbers JSON parsers accept.
std::string RealForJson(double r);
// Reals in insert mode: like JSON, and integral values that fit an int64
// print exactly as "N.0".
std::string RealForInsert(double r);
// A blob as `prefix` followed by its hex digits in single quotes: X'0a1b'.
std::string HexBlob(const void* data, int n, char prefix);
// 'text' with embedded quotes doubled (quote mode, qbox).
std::string SqlQuoted(std::string_view z);
// Text literal for insert mode: quotes doubled, and newlines / carriage
// returns spelled through replace() so the statement stays on one line.
std::string SqlQuotedEscaped(std::string_view z);
// CSV field: quoted when it holds a control character, space, quote,
// apostrophe, DEL, any non-ASCII byte or the column separator, or is empty.
void PutCsv(Writer* w, std::string_view z, const std::string& separator);
void PutJsonString(Writer* w, std::string_view z);
void PutHtml(Writer* w, std::string_view z);
// Tcl mode: a C string literal; bytes outside printable ASCII as octal.
void PutCString(Writer* w, std::string_view z);
// True unless `name` is a plain identifier that is no keyword.
bool NeedsIdentifierQuote(std::string_view name);

// Length in bytes of the character starting at `z`: its first byte plus every
// continuation byte after it (malformed UTF-8 is grouped the same way).
size_t CharLen(const unsigned char* z);
// Terminal width of the character of `len` bytes at `z`; malformed UTF-8
// counts one column.
int TerminalCharWidth(const unsigned char* z, size_t len);
// Display width of `text` as the columnar modes measure it: sqlite3 counts
// every byte that is not a UTF-8 continuation byte; a terminal counts columns.
int DisplayWidth(std::string_view text, bool terminal);
// Cuts `text` to at most `max_width` terminal columns, ending in "…" when
// anything was dropped.
std::string Shorten(std::string_view text, int max_width);
// A blob as x'hex', abbreviated to about `max_width` columns: x'0102…'.
std::string AbbreviatedBlob(const void* data, int n, int max_width);

}  // namespace ddb::shell::text
