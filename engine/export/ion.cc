// Ion text to DYNAMODB_JSON (ion.h): a recursive descent over the subset
// DynamoDB's exports write.
#include "engine/export/ion.h"

#include <cstdint>
#include <string>

#include "engine/encoding.h"
#include "engine/python_formats.h"

namespace ddb::table_export {

namespace {

constexpr int kMaxDepth = 64;

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Appends code point `cp` as UTF-8.
void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Appends `s` as a JSON string literal.
void AppendJsonString(std::string_view s, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  // The line: an optional $ion_1_0, then one struct of item maps.
  Status Line(std::string* out) {
    SkipSpace();
    if (s_.substr(i_, 8) == "$ion_1_0" && (i_ + 8 == s_.size() || !IsIdentChar(s_[i_ + 8]))) {
      i_ += 8;
      SkipSpace();
    }
    if (!Take('{')) return Error("expected a struct {...}");
    out->push_back('{');
    Status s = Members('}', "the line's struct", out, [&] {
      return Field(out, [&](const std::string& name) {
        SkipSpace();
        if (!Take('{')) return Error("field " + name + ": expected a struct of attributes");
        return StructBody(out, 1);
      });
    });
    if (!s.ok()) return s;
    out->push_back('}');
    SkipSpace();
    if (i_ != s_.size()) return Error("more than one value on the line");
    return Status::OK();
  }

 private:
  Status Error(const std::string& what) const {
    return Status::Corruption("ION at offset " + std::to_string(i_) + ": " + what);
  }
  bool Take(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  // The members of a struct or list after its opening character, up to
  // `close` (a trailing comma allowed): `member` parses each; a ',' goes to
  // `out` between them.
  template <typename Member>
  Status Members(char close, std::string_view what, std::string* out, Member member) {
    for (bool first = true;; first = false) {
      SkipSpace();
      if (Take(close)) return Status::OK();
      if (!first && !Take(',')) {
        return Error("expected ',' or '" + std::string(1, close) + "' in " + std::string(what));
      }
      SkipSpace();
      if (Take(close)) return Status::OK();
      if (!first) out->push_back(',');
      Status s = member();
      if (!s.ok()) return s;
    }
  }

  // `name:` then its value, parsed by `value`, as a JSON member.
  template <typename Value>
  Status Field(std::string* out, Value value) {
    std::string name;
    Status s = FieldName(&name);
    if (!s.ok()) return s;
    AppendJsonString(name, out);
    out->push_back(':');
    return value(name);
  }

  void SkipSpace() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
        ++i_;
      } else if (s_.substr(i_, 2) == "//") {
        size_t nl = s_.find('\n', i_);
        i_ = nl == std::string_view::npos ? s_.size() : nl + 1;
      } else if (s_.substr(i_, 2) == "/*") {
        size_t end = s_.find("*/", i_ + 2);
        i_ = end == std::string_view::npos ? s_.size() : end + 2;
      } else {
        return;
      }
    }
  }

  // A struct's members after '{' as a JSON object of typed attributes.
  Status StructBody(std::string* out, int depth) {
    if (depth > kMaxDepth) return Error("nested deeper than " + std::to_string(kMaxDepth));
    out->push_back('{');
    Status s = Members('}', "a struct", out, [&] {
      return Field(out, [&](const std::string&) { return Value(out, depth + 1); });
    });
    if (!s.ok()) return s;
    out->push_back('}');
    return Status::OK();
  }

  // name ':' — an identifier, a 'quoted symbol' or a "string".
  Status FieldName(std::string* name) {
    Status s;
    if (i_ < s_.size() && (s_[i_] == '"' || s_[i_] == '\'')) {
      s = QuotedText(name);
      if (!s.ok()) return s;
    } else if (i_ < s_.size() && IsIdentStart(s_[i_])) {
      size_t start = i_;
      while (i_ < s_.size() && IsIdentChar(s_[i_])) ++i_;
      *name = std::string(s_.substr(start, i_ - start));
    } else {
      return Error("expected a field name");
    }
    SkipSpace();
    if (!Take(':')) return Error("expected ':' after field " + *name);
    return Status::OK();
  }

  // "short", 'symbol' or '''long''' text (adjacent long strings joined),
  // escapes decoded.
  Status QuotedText(std::string* out) {
    out->clear();
    if (s_.substr(i_, 3) == "'''") {
      while (s_.substr(i_, 3) == "'''") {
        i_ += 3;
        Status s = Escaped("'''", out);
        if (!s.ok()) return s;
        size_t save = i_;
        SkipSpace();
        if (s_.substr(i_, 3) != "'''") i_ = save;
      }
      return Status::OK();
    }
    char q = s_[i_++];
    return Escaped(std::string(1, q), out);
  }

  // Text up to `end`, escapes decoded; it must be UTF-8.
  Status Escaped(const std::string& end, std::string* out) {
    size_t start = out->size();
    for (;;) {
      if (i_ >= s_.size()) return Error("unterminated string");
      if (s_.compare(i_, end.size(), end) == 0) {
        i_ += end.size();
        if (!IsValidUtf8(std::string_view(*out).substr(start))) {
          return Error("a string is not valid UTF-8");
        }
        return Status::OK();
      }
      char c = s_[i_++];
      if (c != '\\') {
        if (end.size() == 1 && (c == '\n' || c == '\r')) return Error("newline in a string");
        out->push_back(c);
        continue;
      }
      if (i_ >= s_.size()) return Error("unterminated escape");
      char e = s_[i_++];
      switch (e) {
        case 'n':
          out->push_back('\n');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case '0':
          out->push_back('\0');
          break;
        case 'a':
          out->push_back('\a');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'v':
          out->push_back('\v');
          break;
        case '"':
        case '\'':
        case '\\':
        case '/':
        case '?':
          out->push_back(e);
          break;
        case '\n':
          break;  // a line continued
        case 'x':
        case 'u':
        case 'U': {
          size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (i_ + n > s_.size()) return Error("truncated \\" + std::string(1, e) + " escape");
          uint32_t cp = 0;
          for (size_t k = 0; k < n; ++k) {
            char h = s_[i_ + k];
            int d = IsDigit(h)                               ? h - '0'
                    : (h | 0x20) >= 'a' && (h | 0x20) <= 'f' ? (h | 0x20) - 'a' + 10
                                                             : -1;
            if (d < 0) return Error("bad hex digit in an escape");
            cp = cp * 16 + static_cast<uint32_t>(d);
          }
          i_ += n;
          if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return Error("escape is no code point");
          AppendUtf8(cp, out);
          break;
        }
        default:
          return Error(std::string("unknown escape \\") + e);
      }
    }
  }

  // One attribute value, typed: {"S":...}, {"N":...}, ...
  Status Value(std::string* out, int depth) {
    if (depth > kMaxDepth) return Error("nested deeper than " + std::to_string(kMaxDepth));
    SkipSpace();
    if (i_ >= s_.size()) return Error("expected a value");
    std::string annotation;
    if (s_[i_] == '$' || s_[i_] == '\'' || IsIdentStart(s_[i_])) {
      // An annotation ends in "::".
      size_t save = i_;
      std::string word;
      if (s_[i_] == '\'' && s_.substr(i_, 3) != "'''") {
        Status s = QuotedText(&word);
        if (!s.ok()) return s;
      } else if (s_[i_] != '\'') {
        while (i_ < s_.size() && IsIdentChar(s_[i_])) ++i_;
        word = std::string(s_.substr(save, i_ - save));
      }
      SkipSpace();
      if (s_.substr(i_, 2) == "::") {
        i_ += 2;
        annotation = word;
        SkipSpace();
      } else {
        i_ = save;
      }
    }
    if (!annotation.empty()) return Set(annotation, out);
    char c = s_[i_];
    if (c == '"' || s_.substr(i_, 3) == "'''") {
      std::string text;
      Status s = QuotedText(&text);
      if (!s.ok()) return s;
      out->append("{\"S\":");
      AppendJsonString(text, out);
      out->push_back('}');
      return Status::OK();
    }
    if (c == '{' && s_.substr(i_, 2) == "{{") {
      std::string b64;
      Status s = Blob(&b64);
      if (!s.ok()) return s;
      out->append("{\"B\":\"" + b64 + "\"}");
      return Status::OK();
    }
    if (c == '{') {
      ++i_;
      out->append("{\"M\":");
      Status s = StructBody(out, depth + 1);
      if (!s.ok()) return s;
      out->push_back('}');
      return Status::OK();
    }
    if (c == '[') {
      ++i_;
      out->append("{\"L\":[");
      Status s = Members(']', "a list", out, [&] { return Value(out, depth + 1); });
      if (!s.ok()) return s;
      out->append("]}");
      return Status::OK();
    }
    if (c == '-' || c == '+' || IsDigit(c)) {
      std::string n;
      Status s = Number(&n);
      if (!s.ok()) return s;
      out->append("{\"N\":\"" + n + "\"}");
      return Status::OK();
    }
    if (IsIdentStart(c)) {
      size_t start = i_;
      while (i_ < s_.size() && (IsIdentChar(s_[i_]) || s_[i_] == '.')) ++i_;
      std::string_view word = s_.substr(start, i_ - start);
      if (word == "true" || word == "false") {
        out->append(std::string("{\"BOOL\":") + std::string(word) + "}");
        return Status::OK();
      }
      if (word == "null" || word.substr(0, 5) == "null.") {
        out->append("{\"NULL\":true}");
        return Status::OK();
      }
      i_ = start;
      return Error("symbol '" + std::string(word) + "' where a value belongs");
    }
    if (c == '(') return Error("s-expressions are not DynamoDB values");
    return Error(std::string("unexpected '") + c + "'");
  }

  // A set: $dynamodb_SS::[strings], NS::[numbers], BS::[blobs].
  Status Set(const std::string& annotation, std::string* out) {
    char kind = annotation == "$dynamodb_SS"   ? 'S'
                : annotation == "$dynamodb_NS" ? 'N'
                : annotation == "$dynamodb_BS" ? 'B'
                                               : '?';
    if (kind == '?') return Error("unknown annotation " + annotation);
    if (!Take('[')) return Error(annotation + ": expected a list");
    out->append(std::string("{\"") + kind + "S\":[");
    Status status = Members(']', "a set", out, [&] {
      std::string member;
      Status s;
      if (kind == 'S') {
        if (i_ >= s_.size() || (s_[i_] != '"' && s_.substr(i_, 3) != "'''")) {
          return Error(annotation + ": a member is not a string");
        }
        s = QuotedText(&member);
        if (s.ok()) AppendJsonString(member, out);
      } else if (kind == 'N') {
        s = Number(&member);
        if (s.ok()) out->append("\"" + member + "\"");
      } else {
        if (s_.substr(i_, 2) != "{{") return Error(annotation + ": a member is not a blob");
        s = Blob(&member);
        if (s.ok()) out->append("\"" + member + "\"");
      }
      return s;
    });
    if (!status.ok()) return status;
    out->append("]}");
    return Status::OK();
  }

  // {{ base64 }}: the base64 without its spaces, checked.
  Status Blob(std::string* b64) {
    i_ += 2;
    size_t end = s_.find("}}", i_);
    if (end == std::string_view::npos) return Error("unterminated blob");
    b64->clear();
    for (char c : s_.substr(i_, end - i_)) {
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') b64->push_back(c);
    }
    if (!b64->empty() && (*b64)[0] == '"') return Error("clobs are not DynamoDB values");
    std::string bytes;
    if (!Base64Decode(*b64, &bytes).ok()) return Error("blob is not base64");
    i_ = end + 2;
    return Status::OK();
  }

  // An int, decimal or float, as DynamoDB number text: separators
  // dropped, 0x/0b converted, 'd' exponents written 'e', a trailing '.'
  // dropped.
  Status Number(std::string* n) {
    size_t start = i_;
    n->clear();
    if (i_ >= s_.size()) return Error("expected a number");
    if (s_[i_] == '-' || s_[i_] == '+') {
      if (s_[i_] == '-') n->push_back('-');
      ++i_;
    }
    if (s_.substr(i_, 3) == "inf" || s_.substr(i_, 3) == "nan") {
      return Error("nan and inf are not DynamoDB numbers");
    }
    if (s_.substr(i_, 2) == "0x" || s_.substr(i_, 2) == "0X" || s_.substr(i_, 2) == "0b" ||
        s_.substr(i_, 2) == "0B") {
      int base = (s_[i_ + 1] | 0x20) == 'x' ? 16 : 2;
      i_ += 2;
      uint64_t v = 0;
      size_t digits = 0;
      for (; i_ < s_.size(); ++i_) {
        char c = s_[i_];
        if (c == '_') continue;
        int d = IsDigit(c)                               ? c - '0'
                : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10
                                                         : -1;
        if (d < 0 || d >= base) break;
        if (v > (UINT64_MAX - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) {
          return Error("integer too large");
        }
        v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
        ++digits;
      }
      if (digits == 0) return Error("no digits");
      std::string dec;
      do {
        dec.insert(dec.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
        v /= 10;
      } while (v > 0);
      *n += dec;
      return EndOfNumber(start);
    }
    size_t digits = 0;
    bool exponent = false;
    for (; i_ < s_.size(); ++i_) {
      char c = s_[i_];
      if (IsDigit(c)) {
        n->push_back(c);
        ++digits;
      } else if (c == '_') {
        continue;
      } else if (c == '.' && !exponent) {
        n->push_back('.');
      } else if ((c == 'd' || c == 'D' || c == 'e' || c == 'E') && !exponent && digits > 0) {
        exponent = true;
        if (!n->empty() && n->back() == '.') n->pop_back();
        n->push_back('e');
        if (i_ + 1 < s_.size() && (s_[i_ + 1] == '-' || s_[i_ + 1] == '+')) n->push_back(s_[++i_]);
      } else {
        break;
      }
    }
    if (digits == 0) return Error("no digits in a number");
    if (!n->empty() && n->back() == '.') n->pop_back();
    if (!n->empty() && (n->back() == 'e' || n->back() == '-' || n->back() == '+')) {
      return Error("exponent without digits");
    }
    return EndOfNumber(start);
  }

  Status EndOfNumber(size_t start) {
    if (i_ < s_.size() &&
        (IsIdentChar(s_[i_]) || s_[i_] == '.' || s_[i_] == '-' || s_[i_] == ':')) {
      i_ = start;
      return Error("not a number (a timestamp or symbol?)");
    }
    return Status::OK();
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

Status IonLineToJson(std::string_view line, std::string* out) {
  std::string json;
  Status s = Parser(line).Line(&json);
  if (!s.ok()) return s;
  out->append(json);
  return Status::OK();
}

}  // namespace ddb::table_export
