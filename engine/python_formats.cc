// Python's byte formats (python_formats.h): base85, float repr, json.dumps.
#include "engine/python_formats.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include <simdjson.h>

namespace ddb {
namespace {

constexpr char kBase85Alphabet[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";

int Base85Value(char c) {
  static const auto table = [] {
    struct T {
      signed char v[256];
    } t{};
    for (int i = 0; i < 256; ++i) t.v[i] = -1;
    for (int i = 0; i < 85; ++i) t.v[static_cast<unsigned char>(kBase85Alphabet[i])] = i;
    return t;
  }();
  return table.v[static_cast<unsigned char>(c)];
}

void AppendHex4(unsigned v, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) out->push_back(kHex[(v >> shift) & 0xf]);
}

// A small JSON re-writer: validates and re-emits in Python's json.dumps form.
class PyJsonWriter {
 public:
  PyJsonWriter(std::string_view in, std::string* out) : in_(in), out_(out) {}

  Status Run() {
    SkipWs();
    Status s = Value(0);
    if (!s.ok()) return s;
    SkipWs();
    if (pos_ != in_.size()) return Error("unexpected text after the JSON value");
    return Status::OK();
  }

 private:
  Status Error(const std::string& what) const {
    return Status::InvalidArgument("invalid JSON at offset " + std::to_string(pos_) + ": " + what);
  }
  void SkipWs() {
    while (pos_ < in_.size() &&
           (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Literal(std::string_view word) {
    if (in_.substr(pos_, word.size()) != word) return false;
    out_->append(word);
    pos_ += word.size();
    return true;
  }

  Status Value(int depth) {
    if (depth > 512) return Error("nested too deeply");
    if (pos_ >= in_.size()) return Error("unexpected end");
    char c = in_[pos_];
    if (c == '{') return Object(depth);
    if (c == '[') return Array(depth);
    if (c == '"') return String();
    if (Literal("true") || Literal("false") || Literal("null")) return Status::OK();
    // Python's own extensions, which json.dumps writes for non-finite floats.
    if (Literal("NaN") || Literal("Infinity") || Literal("-Infinity")) return Status::OK();
    return Number();
  }

  Status Object(int depth) {
    ++pos_;
    out_->push_back('{');
    SkipWs();
    if (pos_ < in_.size() && in_[pos_] == '}') {
      ++pos_;
      out_->push_back('}');
      return Status::OK();
    }
    for (bool first = true;; first = false) {
      if (!first) out_->append(", ");
      SkipWs();
      if (pos_ >= in_.size() || in_[pos_] != '"') return Error("expected a member name");
      Status s = String();
      if (!s.ok()) return s;
      SkipWs();
      if (pos_ >= in_.size() || in_[pos_] != ':') return Error("expected ':'");
      ++pos_;
      out_->append(": ");
      SkipWs();
      s = Value(depth + 1);
      if (!s.ok()) return s;
      SkipWs();
      if (pos_ < in_.size() && in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < in_.size() && in_[pos_] == '}') {
        ++pos_;
        out_->push_back('}');
        return Status::OK();
      }
      return Error("expected ',' or '}'");
    }
  }

  Status Array(int depth) {
    ++pos_;
    out_->push_back('[');
    SkipWs();
    if (pos_ < in_.size() && in_[pos_] == ']') {
      ++pos_;
      out_->push_back(']');
      return Status::OK();
    }
    for (bool first = true;; first = false) {
      if (!first) out_->append(", ");
      SkipWs();
      Status s = Value(depth + 1);
      if (!s.ok()) return s;
      SkipWs();
      if (pos_ < in_.size() && in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < in_.size() && in_[pos_] == ']') {
        ++pos_;
        out_->push_back(']');
        return Status::OK();
      }
      return Error("expected ',' or ']'");
    }
  }

  Status Hex4(unsigned* v) {
    if (pos_ + 4 > in_.size()) return Error("short \\u escape");
    *v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = in_[pos_++];
      int d = (c >= '0' && c <= '9')   ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (d < 0) return Error("bad \\u escape");
      *v = (*v << 4) | static_cast<unsigned>(d);
    }
    return Status::OK();
  }

  // Emits one code point the way json.dumps(ensure_ascii=True) does.
  void Emit(uint32_t cp) {
    switch (cp) {
      case '"':
        out_->append("\\\"");
        return;
      case '\\':
        out_->append("\\\\");
        return;
      case '\n':
        out_->append("\\n");
        return;
      case '\r':
        out_->append("\\r");
        return;
      case '\t':
        out_->append("\\t");
        return;
      case '\b':
        out_->append("\\b");
        return;
      case '\f':
        out_->append("\\f");
        return;
      default:
        break;
    }
    if (cp < 0x20 || (cp >= 0x7f && cp < 0x10000)) {
      AppendHex4(cp, out_);
    } else if (cp >= 0x10000) {
      uint32_t v = cp - 0x10000;
      AppendHex4(0xd800 + (v >> 10), out_);
      AppendHex4(0xdc00 + (v & 0x3ff), out_);
    } else {
      out_->push_back(static_cast<char>(cp));
    }
  }

  Status String() {
    ++pos_;
    out_->push_back('"');
    while (true) {
      if (pos_ >= in_.size()) return Error("unterminated string");
      unsigned char c = static_cast<unsigned char>(in_[pos_]);
      if (c == '"') {
        ++pos_;
        out_->push_back('"');
        return Status::OK();
      }
      if (c < 0x20) return Error("control character in a string");
      if (c == '\\') {
        ++pos_;
        if (pos_ >= in_.size()) return Error("unterminated string");
        char e = in_[pos_++];
        uint32_t cp;
        switch (e) {
          case '"':
            cp = '"';
            break;
          case '\\':
            cp = '\\';
            break;
          case '/':
            cp = '/';
            break;
          case 'b':
            cp = '\b';
            break;
          case 'f':
            cp = '\f';
            break;
          case 'n':
            cp = '\n';
            break;
          case 'r':
            cp = '\r';
            break;
          case 't':
            cp = '\t';
            break;
          case 'u': {
            unsigned v = 0;
            Status s = Hex4(&v);
            if (!s.ok()) return s;
            // A lone surrogate is kept as Python keeps it (escaped as is).
            if (v >= 0xd800 && v < 0xdc00 && in_.substr(pos_, 2) == "\\u") {
              size_t save = pos_;
              pos_ += 2;
              unsigned lo = 0;
              s = Hex4(&lo);
              if (!s.ok()) return s;
              if (lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
                break;
              }
              pos_ = save;
            }
            cp = v;
            break;
          }
          default:
            return Error("bad escape");
        }
        Emit(cp);
        continue;
      }
      // A UTF-8 sequence.
      int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
      if (len == 0 || pos_ + len > in_.size() || !IsValidUtf8(in_.substr(pos_, len))) {
        return Error("invalid UTF-8 in a string");
      }
      uint32_t cp = len == 1 ? c : c & (0x7f >> len);
      for (int i = 1; i < len; ++i) cp = (cp << 6) | (in_[pos_ + i] & 0x3f);
      pos_ += len;
      Emit(cp);
    }
  }

  Status Number() {
    size_t start = pos_;
    if (pos_ < in_.size() && in_[pos_] == '-') ++pos_;
    while (pos_ < in_.size() &&
           std::string_view("0123456789.eE+-").find(in_[pos_]) != std::string_view::npos) {
      ++pos_;
    }
    std::string_view lexeme = in_.substr(start, pos_ - start);
    bool is_integer = false;
    if (lexeme.empty() || !IsJsonNumber(lexeme, &is_integer)) {
      pos_ = start;
      return Error("expected a value");
    }
    if (is_integer) {
      out_->append(lexeme);
    } else {
      double d = std::strtod(std::string(lexeme).c_str(), nullptr);
      if (std::isinf(d)) {
        out_->append(d < 0 ? "-Infinity" : "Infinity");  // json.dumps of an overflowed float
      } else {
        out_->append(PythonFloatRepr(d));
      }
    }
    return Status::OK();
  }

  std::string_view in_;
  size_t pos_ = 0;
  std::string* out_;
};

}  // namespace

std::string Base85Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 3) / 4 * 5);
  for (size_t i = 0; i < bytes.size(); i += 4) {
    size_t n = std::min<size_t>(4, bytes.size() - i);
    uint32_t v = 0;
    for (size_t j = 0; j < 4; ++j) {
      v = (v << 8) | (j < n ? static_cast<unsigned char>(bytes[i + j]) : 0);
    }
    char chunk[5];
    for (int j = 4; j >= 0; --j) {
      chunk[j] = kBase85Alphabet[v % 85];
      v /= 85;
    }
    out.append(chunk, n + 1);  // a partial group keeps n + 1 characters
  }
  return out;
}

Status Base85Decode(std::string_view text, std::string* bytes) {
  bytes->clear();
  bytes->reserve(text.size() / 5 * 4 + 4);
  for (size_t i = 0; i < text.size(); i += 5) {
    size_t n = std::min<size_t>(5, text.size() - i);
    if (n == 1) return Status::InvalidArgument("invalid base85 text (dangling character)");
    uint64_t v = 0;
    for (size_t j = 0; j < 5; ++j) {
      int d = j < n ? Base85Value(text[i + j]) : 84;  // padded with '~'
      if (d < 0) {
        return Status::InvalidArgument("invalid base85 character at offset " +
                                       std::to_string(i + j));
      }
      v = v * 85 + static_cast<uint64_t>(d);
    }
    if (v > 0xffffffffULL) return Status::InvalidArgument("invalid base85 group (overflow)");
    for (size_t j = 0; j < n - 1; ++j) {
      bytes->push_back(static_cast<char>((v >> (24 - 8 * j)) & 0xff));
    }
  }
  return Status::OK();
}

std::string PythonFloatRepr(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), x, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));  // "-1.2345e+03"
  bool negative = !sci.empty() && sci[0] == '-';
  if (negative) sci.remove_prefix(1);
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exp10 = std::atoi(std::string(sci.substr(e + 1)).c_str());
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int decpt = exp10 + 1;  // x = 0.DIGITS * 10^decpt
  std::string out = negative ? "-" : "";
  if (digits == "0") return out + "0.0";
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0." + std::string(static_cast<size_t>(-decpt), '0') + digits;
    } else if (static_cast<size_t>(decpt) >= digits.size()) {
      out += digits + std::string(static_cast<size_t>(decpt) - digits.size(), '0') + ".0";
    } else {
      out += digits.substr(0, static_cast<size_t>(decpt)) + "." +
             digits.substr(static_cast<size_t>(decpt));
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) {
    out += '.';
    out.append(digits, 1);
  }
  int shown = decpt - 1;
  out += shown < 0 ? "e-" : "e+";
  std::string mag = std::to_string(shown < 0 ? -shown : shown);
  if (mag.size() < 2) mag = "0" + mag;
  return out + mag;
}

Status PythonJsonDumps(std::string_view json_text, std::string* out) {
  out->clear();
  PyJsonWriter w(json_text, out);
  return w.Run();
}

bool IsJsonNumber(std::string_view t, bool* is_integer) {
  size_t i = 0;
  auto digit = [&](size_t k) { return k < t.size() && t[k] >= '0' && t[k] <= '9'; };
  if (i < t.size() && t[i] == '-') ++i;
  if (!digit(i)) return false;
  if (t[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  bool integer = true;
  if (i < t.size() && t[i] == '.') {
    integer = false;
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    integer = false;
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i != t.size()) return false;
  *is_integer = integer;
  return true;
}

// simdjson's validator checks the same strict rules as the scalar loop that
// was here (no overlongs, no surrogates, nothing above U+10FFFF, no truncated
// sequence) 16-64 bytes at a time; an S3 TEXT value of 64 KB was 10% of the
// codec read's CPU with the byte-at-a-time loop.
bool IsValidUtf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

}  // namespace ddb
