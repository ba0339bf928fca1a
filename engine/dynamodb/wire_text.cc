// Wire JSON straight from text, without a DOM: the text reader
// (WireTextReader) behind FromWireJsonText, ItemFromWireJsonText,
// ItemsFromWireJsonText and SplitJsonObject, and the readers of items kept
// as text (CheckedItemAttributes, AppendCheckedItemPlainJson).
// DecodeItemsResponse and SplitItemsResponse go to simdjson first
// (wire_simdjson.h); the text reader reads again only a page simdjson
// rejected, for the message. The rules and messages are wire_rules.h's.
#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/dynamodb/attribute_value.h"
#include "engine/dynamodb/number.h"
#include "engine/dynamodb/plain_json.h"
#include "engine/dynamodb/wire_rules.h"
#include "engine/dynamodb/wire_simdjson.h"
#include "engine/encoding.h"

namespace ddb::dynamodb {

using Type = AttributeValue::Type;

using wire::BadBase64;
using wire::BadSetBase64;
using wire::CheckUniqueMembers;
using wire::EmptyName;
using wire::EmptyNameInMap;
using wire::EmptySet;
using wire::FinishSet;
using wire::InternalError;
using wire::Locate;
using wire::NestingError;
using wire::NotAnAttributeValue;
using wire::NoType;
using wire::NullNotTrue;
using wire::ParseTypeKey;
using wire::PrependPath;
using wire::Quote;
using wire::SetMemberNotString;
using wire::SeveralTypes;
using wire::UnknownType;
using wire::WrongJsonType;

namespace {

using plain::AppendBase64;
using plain::AppendJsonString;
using plain::AppendNumber;

// Decodes wire JSON straight from text. Strings without escapes are read in
// place (one copy, into the value); everything else mirrors DecodeValue.
// The steps return false on failure and leave the reason in error(): a
// Status per token would cost more than the parsing.
class WireTextReader {
 public:
  explicit WireTextReader(std::string_view text)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()) {}

  const Status& error() const { return error_; }

  // A JSON array of items.
  bool ReadItems(std::vector<Item>* out) {
    SkipSpace();
    Kind kind = Peek();
    if (kind != Kind::kArray) return WrongTopLevel(kind, "'['", "a JSON array of items");
    ++p_;
    if (Consume(']')) return true;
    for (size_t i = 0;; ++i) {
      out->emplace_back();
      if (!ReadItem(&out->back())) {
        return Fail(Status::InvalidArgument("item " + std::to_string(i) + ": " + error_.message()));
      }
      if (Consume(',')) continue;
      if (Consume(']')) return true;
      return Expected("',' or ']'");
    }
  }

  // An item into *out, or, with a null `out`, only checked as one (the
  // same rules and messages, nothing built).
  bool ReadItem(Item* out) {
    SkipSpace();
    Kind kind = Peek();
    if (kind != Kind::kObject) return WrongTopLevel(kind, "'{'", "an item (a JSON object)");
    ++p_;
    if (Consume('}')) return true;
    std::string scratch;
    NameFrame names(this);
    for (;;) {
      std::string_view name;
      if (!ReadKey(&name, &scratch)) return false;
      if (name.empty()) return Fail(EmptyName());
      AttributeValue* value = nullptr;
      bool inserted;
      if (out != nullptr) {
        auto slot = out->try_emplace(std::string(name));
        inserted = slot.second;
        value = &slot.first->second;
      } else {
        inserted = names.Insert(name, name.data() == scratch.data());
      }
      if (!inserted) return Fail(Status::InvalidArgument("repeated attribute name " + Quote(name)));
      std::string where;
      if (!ReadValue(0, value, &where)) {
        PrependPath(std::string(name), &where);
        return Fail(Locate("attribute " + Quote(where), error_));
      }
      if (Consume(',')) continue;
      if (Consume('}')) return true;
      return Expected("',' or '}'");
    }
  }

  // A JSON array of items, each checked as ReadItem(nullptr) does and
  // recorded as the span of its text.
  bool ReadItemTexts(std::vector<std::string_view>* out) {
    SkipSpace();
    Kind kind = Peek();
    if (kind != Kind::kArray) return WrongTopLevel(kind, "'['", "a JSON array of items");
    ++p_;
    if (Consume(']')) return true;
    for (size_t i = 0;; ++i) {
      SkipSpace();
      const char* start = p_;
      if (!ReadItem(nullptr)) {
        return Fail(Status::InvalidArgument("item " + std::to_string(i) + ": " + error_.message()));
      }
      out->emplace_back(start, static_cast<size_t>(p_ - start));
      if (Consume(',')) continue;
      if (Consume(']')) return true;
      return Expected("',' or ']'");
    }
  }

  // An AttributeValue nested in `depth` M/L levels; see DecodeValue. On
  // failure `where` holds the path of the offending value. A null `out`
  // checks the value without building it.
  bool ReadValue(int depth, AttributeValue* out, std::string* where) {
    SkipSpace();
    Kind kind = Peek();
    if (kind != Kind::kObject) {
      return kind == Kind::kInvalid ? Expected("'{'") : Fail(NotAnAttributeValue(Name(kind)));
    }
    ++p_;
    int count = 0;
    Type first = Type::kNull;
    std::vector<std::string_view> names;  // only when several types are set
    std::string scratch;
    if (!Consume('}')) {
      for (;;) {
        std::string_view key;
        if (!ReadKey(&key, &scratch)) return false;
        Type type;
        if (!ParseTypeKey(key, &type)) return Fail(UnknownType(key));
        SkipSpace();
        if (Peek() == Kind::kNull) {
          p_ += 4;  // DynamoDB reads an explicit null as "not set"
        } else if (count++ == 0) {
          first = type;
          if (!ReadPayload(type, depth, out, where)) return false;
        } else {
          if (names.empty()) names.push_back(AttributeValue::TypeName(first));
          names.push_back(AttributeValue::TypeName(type));
          if (!SkipValue(0)) return false;
        }
        if (Consume(',')) continue;
        if (Consume('}')) break;
        return Expected("',' or '}'");
      }
    }
    if (count == 0) return Fail(NoType());
    if (count > 1) return Fail(SeveralTypes(std::move(names)));
    return true;
  }

  // Where the reader is, as an offset into its text; Seek goes back there.
  size_t offset() const { return static_cast<size_t>(p_ - begin_); }
  void Seek(size_t offset) { p_ = begin_ + std::min(offset, static_cast<size_t>(end_ - begin_)); }

  // The next member of an object whose text is known to be valid JSON (an
  // item from ReadItemTexts), without checking it again: strings and
  // brackets are all a value is skipped by. `first`: p_ is at the object's
  // start, else just after a member. Sets *done instead at the end of the
  // object. Stays within the text, and fails cleanly on most text that is
  // not valid after all.
  bool NextChecked(bool first, JsonMember* out, bool* done) {
    checked_ = true;
    *done = false;
    if (first) {
      SkipSpace();
      if (p_ == end_ || *p_ != '{') return Expected("'{'");
      ++p_;
      if (Consume('}')) {
        *done = true;
        return ExpectEnd();
      }
    } else if (!Consume(',')) {
      if (!Consume('}')) return Expected("',' or '}'");
      *done = true;
      return ExpectEnd();
    }
    std::string scratch;
    std::string_view name;
    if (!ReadKey(&name, &scratch)) return false;
    SkipSpace();
    const char* start = p_;
    if (!SkipChecked()) return false;
    out->name.assign(name);
    out->value = std::string_view(start, static_cast<size_t>(p_ - start));
    return true;
  }

  // ---- Plain JSON straight from checked text ----

  // The transcoder's output: a string written through a cursor, so that
  // each byte or run put costs no call. Plain JSON is never longer than the
  // wire JSON it comes from: sized to the text, the string rarely grows.
  class PlainOut {
   public:
    PlainOut(std::string* s, size_t expected) : s_(s), n_(s->size()) { s_->resize(n_ + expected); }
    [[gnu::always_inline]] void Put(char c) {
      if (n_ == s_->size()) Grow(1);
      s_->data()[n_++] = c;
    }
    [[gnu::always_inline]] void Put(std::string_view v) {
      if (v.empty()) return;
      if (v.size() > s_->size() - n_) Grow(v.size());
      std::memcpy(s_->data() + n_, v.data(), v.size());
      n_ += v.size();
    }
    size_t size() const { return n_; }
    std::string_view Since(size_t start) const {
      return std::string_view(s_->data() + start, n_ - start);
    }
    void Truncate(size_t n) { n_ = n; }
    void Finish() { s_->resize(n_); }

   private:
    void Grow(size_t more) { s_->resize(std::max(s_->size() * 2, n_ + more)); }
    std::string* s_;
    size_t n_;
  };

  // Appends the plain JSON of the item at p_, as ItemToPlainJson would
  // write the Item it decodes to. The text must have been checked (by
  // ReadItemTexts): what it would reject is not looked for here, but text
  // that was not checked fails cleanly or gives nonsense, never a read
  // outside it.
  bool TranscodeItem(PlainOut* out) {
    checked_ = true;
    return TranscodeObject(0, out);
  }

 private:
  // A member of an object being transcoded: its decoded name, and where
  // `"name":value` went in the output.
  struct Member {
    std::string_view name;
    size_t start;
    size_t size;
  };

  // An object's members sorted by name (std::map's order: bytewise). They
  // are written in the text's order, then moved into order if need be.
  bool TranscodeObject(int depth, PlainOut* out) {
    SkipSpace();
    if (p_ == end_ || *p_ != '{') return Expected("'{'");
    ++p_;
    out->Put('{');
    if (Consume('}')) {
      out->Put('}');
      return true;
    }
    const size_t base = members_.size();
    const size_t owned_base = owned_names_.size();
    struct Unwind {
      WireTextReader* r;
      size_t base, owned_base;
      ~Unwind() {
        r->members_.resize(base);
        r->owned_names_.resize(owned_base);
      }
    } unwind{this, base, owned_base};
    const size_t region = out->size();
    bool sorted = true;
    std::string scratch;
    for (;;) {
      std::string_view name;
      if (!ReadKey(&name, &scratch)) return false;
      const bool escaped = name.data() == scratch.data();
      if (escaped) name = Own(name);
      if (members_.size() > base && !NameLess(members_.back().name, name)) sorted = false;
      if (members_.size() > base) out->Put(',');
      size_t start = out->size();
      AppendString(name, escaped, out);
      out->Put(':');
      if (!TranscodeValue(depth, out)) return false;
      members_.push_back({name, start, out->size() - start});
      if (Consume(',')) continue;
      if (Consume('}')) break;
      return Expected("',' or '}'");
    }
    if (!sorted) {
      auto first = members_.begin() + static_cast<ptrdiff_t>(base);
      std::sort(first, members_.end(),
                [](const Member& a, const Member& b) { return NameLess(a.name, b.name); });
      reorder_.assign(out->Since(region));
      out->Truncate(region);
      for (auto it = first; it != members_.end(); ++it) {
        if (it != first) out->Put(',');
        out->Put(std::string_view(reorder_).substr(it->start - region, it->size));
      }
    }
    out->Put('}');
    return true;
  }

  // The AttributeValue at p_, nested in `depth` M/L levels.
  bool TranscodeValue(int depth, PlainOut* out) {
    SkipSpace();
    if (p_ == end_ || *p_ != '{') return Expected("'{'");
    ++p_;
    bool found = false;
    std::string scratch;
    if (!Consume('}')) {
      for (;;) {
        std::string_view key;
        if (!ReadKey(&key, &scratch)) return false;
        Type type;
        if (!ParseTypeKey(key, &type)) return Fail(UnknownType(key));
        SkipSpace();
        if (Peek() == Kind::kNull) {
          p_ += 4;  // "not set", as ReadValue reads it
        } else if (found) {
          return Fail(SeveralTypes({}));
        } else {
          found = true;
          if (!TranscodePayload(type, depth, out)) return false;
        }
        if (Consume(',')) continue;
        if (Consume('}')) break;
        return Expected("',' or '}'");
      }
    }
    return found || Fail(NoType());
  }

  bool TranscodePayload(Type type, int depth, PlainOut* out) {
    std::string scratch;
    std::string_view text;
    switch (type) {
      case Type::kS:
      case Type::kN:
      case Type::kB:
        if (!ReadPayloadString(type, &text, &scratch)) return false;
        return AppendScalar(type, text, scratch, out);
      case Type::kBool:
      case Type::kNull:
        SkipSpace();
        if (Literal("true")) {
          out->Put(type == Type::kBool ? "true" : "null");
          p_ += 4;
          return true;
        }
        if (type == Type::kBool && Literal("false")) {
          out->Put("false");
          p_ += 5;
          return true;
        }
        return Expected(type == Type::kBool ? "true or false" : "true");
      case Type::kM:
        if (depth + 1 > kMaxValueNesting) return Fail(NestingError());
        return TranscodeObject(depth + 1, out);
      case Type::kL:
      case Type::kSS:
      case Type::kNS:
      case Type::kBS: {
        if (type == Type::kL && depth + 1 > kMaxValueNesting) return Fail(NestingError());
        SkipSpace();
        if (p_ == end_ || *p_ != '[') return Expected("'['");
        ++p_;
        out->Put('[');
        if (!Consume(']')) {
          for (bool first = true;; first = false) {
            if (!first) out->Put(',');
            if (type == Type::kL) {
              if (!TranscodeValue(depth + 1, out)) return false;
            } else {
              Type member = type == Type::kSS ? Type::kS : type == Type::kNS ? Type::kN : Type::kB;
              if (!ReadPayloadString(member, &text, &scratch)) return false;
              if (!AppendScalar(member, text, scratch, out)) return false;
            }
            if (Consume(',')) continue;
            if (Consume(']')) break;
            return Expected("',' or ']'");
          }
        }
        out->Put(']');
        return true;
      }
    }
    return Fail(Status::InvalidArgument("unreachable AttributeValue type"));
  }

  // Bytewise order, as std::map's keys; the first bytes decide most pairs.
  static bool NameLess(std::string_view a, std::string_view b) {
    if (!a.empty() && !b.empty() && a[0] != b[0]) {
      return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]);
    }
    return a < b;
  }

  // A string read by ReadString as plain JSON. Without escapes in the text
  // its bytes need none either ('"', '\\' and control characters cannot
  // appear raw in a JSON string), so they are copied as they are.
  void AppendString(std::string_view text, bool escaped, PlainOut* out) {
    if (escaped) {
      tmp_.clear();
      AppendJsonString(text, &tmp_);
      out->Put(tmp_);
    } else {
      out->Put('"');
      out->Put(text);
      out->Put('"');
    }
  }

  // An S, N or B payload's text (decoded from JSON; `scratch` is where
  // escaped text was decoded) as plain JSON.
  bool AppendScalar(Type type, std::string_view text, const std::string& scratch, PlainOut* out) {
    if (type == Type::kS) {
      AppendString(text, text.data() == scratch.data(), out);
    } else if (type == Type::kN) {
      tmp_.clear();
      AppendNumber(text, &tmp_);
      out->Put(tmp_);
    } else {
      Status s = Base64Decode(text, &bytes_);
      if (!s.ok()) return Fail(BadBase64(s));
      tmp_.clear();
      AppendBase64(bytes_, &tmp_);
      out->Put(tmp_);
    }
    return true;
  }

 public:
  // Checks that only white space is left.
  bool ExpectEnd() {
    SkipSpace();
    return p_ == end_ || Expected("the end of the text after the value");
  }

  // A copy of `name` that lives as long as the reader (or until its owner's
  // frame unwinds).
  std::string_view Own(std::string_view name) {
    return *owned_names_.emplace_back(std::make_unique<std::string>(name));
  }

  // Members go to `out`, except `items_member`, decoded into *items (or,
  // with `texts`, checked and recorded as spans of text there).
  bool Split(std::vector<JsonMember>* out, std::string_view items_member = {},
             std::vector<Item>* items = nullptr, std::vector<std::string_view>* texts = nullptr) {
    SkipSpace();
    Kind kind = Peek();
    if (kind != Kind::kObject) return WrongTopLevel(kind, "'{'", "a JSON object");
    ++p_;
    if (Consume('}')) return true;
    std::string scratch;
    for (;;) {
      std::string_view name;
      if (!ReadKey(&name, &scratch)) return false;
      if ((items != nullptr || texts != nullptr) && name == items_member) {
        if (!(texts != nullptr ? ReadItemTexts(texts) : ReadItems(items))) {
          return Fail(Locate("\"" + std::string(items_member) + "\"", error_));
        }
        if (Consume(',')) continue;
        if (Consume('}')) return true;
        return Expected("',' or '}'");
      }
      SkipSpace();
      const char* start = p_;
      if (!SkipValue(0)) return false;
      out->push_back({std::string(name), std::string_view(start, static_cast<size_t>(p_ - start))});
      if (Consume(',')) continue;
      if (Consume('}')) return true;
      return Expected("',' or '}'");
    }
  }

 private:
  enum class Kind { kString, kNumber, kObject, kArray, kBoolean, kNull, kInvalid };

  static const char* Name(Kind kind) {
    switch (kind) {
      case Kind::kString:
        return "string";
      case Kind::kNumber:
        return "number";
      case Kind::kObject:
        return "object";
      case Kind::kArray:
        return "array";
      case Kind::kBoolean:
        return "boolean";
      case Kind::kNull:
        return "null";
      case Kind::kInvalid:
        break;
    }
    return "invalid JSON";
  }

  bool Fail(Status s) {
    error_ = std::move(s);
    return false;
  }

  // SkipSpace, Consume and Peek run for every token: always inlined (GCC
  // keeps some as calls otherwise, at 10-20% of the decoding time).
  [[gnu::always_inline]] void SkipSpace() {
    // Every byte above ' ' ends it: one comparison for compact JSON.
    while (p_ < end_ && static_cast<unsigned char>(*p_) <= ' ' &&
           (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) {
      ++p_;
    }
  }

  [[gnu::always_inline]] bool Consume(char c) {
    if (p_ < end_ && *p_ == c) {  // compact JSON: no space before it
      ++p_;
      return true;
    }
    SkipSpace();
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }

  // A constant length lets the compiler compare inline, not call memcmp.
  template <size_t N>
  bool Literal(const char (&word)[N]) const {
    return static_cast<size_t>(end_ - p_) >= N - 1 && std::memcmp(p_, word, N - 1) == 0;
  }

  // The kind of the value at p_, judged by its first bytes; kInvalid if no
  // JSON value can start there.
  [[gnu::always_inline]] Kind Peek() const {
    if (p_ == end_) return Kind::kInvalid;
    switch (*p_) {
      case '"':
        return Kind::kString;
      case '{':
        return Kind::kObject;
      case '[':
        return Kind::kArray;
      case 't':
        return Literal("true") ? Kind::kBoolean : Kind::kInvalid;
      case 'f':
        return Literal("false") ? Kind::kBoolean : Kind::kInvalid;
      case 'n':
        return Literal("null") ? Kind::kNull : Kind::kInvalid;
      default:
        return (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) ? Kind::kNumber : Kind::kInvalid;
    }
  }

  // invalid JSON at offset 17: expected ':', got "x}"
  bool Expected(const char* token) {
    std::string msg = "invalid JSON at offset " + std::to_string(p_ - begin_) + ": expected ";
    msg += token;
    if (p_ == end_) {
      msg += ", got the end of the text";
    } else {
      msg += ", got " + Quote(std::string_view(p_, std::min<size_t>(8, end_ - p_)));
    }
    return Fail(Status::InvalidArgument(msg));
  }

  bool Invalid(const char* problem) {
    return Fail(Status::InvalidArgument("invalid JSON at offset " + std::to_string(p_ - begin_) +
                                        ": " + problem));
  }

  // Valid JSON of the wrong type, or invalid JSON, where a document starts.
  bool WrongTopLevel(Kind kind, const char* token, const char* what) {
    if (kind == Kind::kInvalid) return Expected(token);
    return Fail(Status::InvalidArgument(std::string("expected ") + what + ", got " + Name(kind)));
  }

  // A value of the wrong JSON type where a payload of `type` should be.
  bool WrongPayload(Type type, const char* expected, Kind kind) {
    return kind == Kind::kInvalid ? Expected("a value")
                                  : Fail(WrongJsonType(type, expected, Name(kind)));
  }

  // An object key and its ':'.
  bool ReadKey(std::string_view* key, std::string* scratch) {
    SkipSpace();
    if (p_ == end_ || *p_ != '"') return Expected("a string key");
    return ReadString(key, scratch) && (Consume(':') || Expected("':'"));
  }

  // Skips one UTF-8 sequence at p_ (whose first byte is >= 0x80).
  bool SkipUtf8() {
    auto byte = [this](ptrdiff_t i) { return static_cast<unsigned char>(p_[i]); };
    auto cont = [](unsigned char c) { return (c & 0xc0) == 0x80; };
    ptrdiff_t left = end_ - p_;
    unsigned char c = byte(0);
    if (c >= 0xc2 && c <= 0xdf) {
      if (left < 2 || !cont(byte(1))) return false;
      p_ += 2;
      return true;
    }
    if (c >= 0xe0 && c <= 0xef) {
      if (left < 3 || !cont(byte(1)) || !cont(byte(2))) return false;
      if (c == 0xe0 && byte(1) < 0xa0) return false;  // overlong
      if (c == 0xed && byte(1) > 0x9f) return false;  // surrogate
      p_ += 3;
      return true;
    }
    if (c >= 0xf0 && c <= 0xf4) {
      if (left < 4 || !cont(byte(1)) || !cont(byte(2)) || !cont(byte(3))) return false;
      if (c == 0xf0 && byte(1) < 0x90) return false;  // overlong
      if (c == 0xf4 && byte(1) > 0x8f) return false;  // beyond U+10FFFF
      p_ += 4;
      return true;
    }
    return false;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  // Four hex digits after "\u".
  bool ReadHex4(uint32_t* cp) {
    if (end_ - p_ < 4) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = p_[i];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
    }
    p_ += 4;
    *cp = v;
    return true;
  }

  // An escape sequence at p_ (just after the backslash), appended decoded.
  bool ReadEscape(std::string* out) {
    if (p_ == end_) return Invalid("unterminated string");
    char c = *p_++;
    switch (c) {
      case '"':
      case '\\':
      case '/':
        out->push_back(c);
        return true;
      case 'b':
        out->push_back('\b');
        return true;
      case 'f':
        out->push_back('\f');
        return true;
      case 'n':
        out->push_back('\n');
        return true;
      case 'r':
        out->push_back('\r');
        return true;
      case 't':
        out->push_back('\t');
        return true;
      case 'u':
        break;
      default:
        --p_;
        return Invalid("invalid escape in string");
    }
    uint32_t cp;
    if (!ReadHex4(&cp)) return Invalid("\\u must be followed by four hex digits");
    if (cp >= 0xdc00 && cp <= 0xdfff) return Invalid("lone low surrogate in string");
    if (cp >= 0xd800 && cp <= 0xdbff) {
      uint32_t low;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') {
        return Invalid("high surrogate not followed by a low surrogate");
      }
      p_ += 2;
      if (!ReadHex4(&low) || low < 0xdc00 || low > 0xdfff) {
        return Invalid("high surrogate not followed by a low surrogate");
      }
      cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    }
    AppendUtf8(cp, out);
    return true;
  }

  // The first byte in [p, end) that a string's content cannot simply
  // contain ('"', '\\', a control character or non-ASCII), or `end`.
  static const char* SkipPlainText(const char* p, const char* end) {
    while (p < end) {
      unsigned char c = static_cast<unsigned char>(*p);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return p;
      ++p;
    }
    return end;
  }

  // The first '"' or '\\' in [p, end), or `end`: glibc's memchr, which
  // picks the widest instructions of the CPU it runs on.
  static const char* SkipToQuoteOrBackslash(const char* p, const char* end) {
    const void* quote = std::memchr(p, '"', static_cast<size_t>(end - p));
    const char* stop = quote != nullptr ? static_cast<const char*>(quote) : end;
    const void* backslash = std::memchr(p, '\\', static_cast<size_t>(stop - p));
    return backslash != nullptr ? static_cast<const char*>(backslash) : stop;
  }

  // A string at p_ (on its opening quote). *view is its decoded content: a
  // view of the text when it has no escapes, else of *scratch.
  bool ReadString(std::string_view* view, std::string* scratch) {
    const char* start = ++p_;
    if (checked_) {
      // Checked text: a string ends at the first '"' unless it has escapes.
      p_ = SkipToQuoteOrBackslash(p_, end_);
      if (p_ < end_ && *p_ == '"') {
        *view = std::string_view(start, static_cast<size_t>(p_ - start));
        ++p_;
        return true;
      }
      p_ = start;  // escapes (or no end): the full reader below
    }
    for (;;) {
      p_ = SkipPlainText(p_, end_);
      if (p_ == end_) return Invalid("unterminated string");
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        ++p_;
      } else if (c == '"') {
        *view = std::string_view(start, static_cast<size_t>(p_ - start));
        ++p_;
        return true;
      } else if (c == '\\') {
        break;
      } else if (c < 0x20) {
        return Invalid("control character in string");
      } else if (!SkipUtf8()) {
        return Invalid("invalid UTF-8 in string");
      }
    }
    scratch->assign(start, p_);
    while (p_ < end_) {
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        *view = *scratch;
        return true;
      }
      if (c == '\\') {
        ++p_;
        if (!ReadEscape(scratch)) return false;
      } else if (c < 0x20) {
        return Invalid("control character in string");
      } else if (c < 0x80) {
        scratch->push_back(static_cast<char>(c));
        ++p_;
      } else {
        const char* seq = p_;
        if (!SkipUtf8()) return Invalid("invalid UTF-8 in string");
        scratch->append(seq, p_);
      }
    }
    return Invalid("unterminated string");
  }

  // The string value of an S, N or B payload.
  bool ReadPayloadString(Type type, std::string_view* view, std::string* scratch) {
    SkipSpace();
    Kind kind = Peek();
    if (kind != Kind::kString) return WrongPayload(type, "a JSON string", kind);
    return ReadString(view, scratch);
  }

  bool SkipNumber() {
    const char* p = p_;
    auto digits = [&] {
      const char* d = p;
      while (p < end_ && *p >= '0' && *p <= '9') ++p;
      return p > d;
    };
    if (p < end_ && *p == '-') ++p;
    if (p < end_ && *p == '0') {
      ++p;
    } else if (!digits()) {
      return Invalid("malformed number");
    }
    if (p < end_ && *p == '.') {
      ++p;
      if (!digits()) return Invalid("malformed number");
    }
    if (p < end_ && (*p == 'e' || *p == 'E')) {
      ++p;
      if (p < end_ && (*p == '+' || *p == '-')) ++p;
      if (!digits()) return Invalid("malformed number");
    }
    p_ = p;
    return true;
  }

  // Skips a string whose opening quote is at p_, known to be valid.
  bool SkipCheckedString() {
    ++p_;
    for (;;) {
      p_ = SkipToQuoteOrBackslash(p_, end_);
      if (p_ == end_) return Invalid("unterminated string");
      char c = *p_++;
      if (c == '"') return true;
      if (p_ == end_) return Invalid("unterminated string");
      ++p_;  // the escaped character
    }
  }

  // Skips a value known to be valid JSON, tracking only strings and brackets.
  bool SkipChecked() {
    if (p_ == end_ || (*p_ != '{' && *p_ != '[')) return SkipValue(0);
    int depth = 0;
    while (p_ < end_) {
      char c = *p_;
      if (c == '"') {
        if (!SkipCheckedString()) return false;
        continue;
      }
      ++p_;
      if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return true;
      }
    }
    return Invalid("unterminated object or array");
  }

  // Skips any JSON value, checking its syntax.
  bool SkipValue(int depth) {
    constexpr int kMaxDepth = 512;
    SkipSpace();
    std::string scratch;
    std::string_view view;
    switch (Peek()) {
      case Kind::kString:
        return ReadString(&view, &scratch);
      case Kind::kNumber:
        return SkipNumber();
      case Kind::kBoolean:
        p_ += *p_ == 't' ? 4 : 5;
        return true;
      case Kind::kNull:
        p_ += 4;
        return true;
      case Kind::kObject:
        if (depth >= kMaxDepth) return Invalid("nested too deeply");
        ++p_;
        if (Consume('}')) return true;
        for (;;) {
          if (!ReadKey(&view, &scratch) || !SkipValue(depth + 1)) return false;
          if (Consume(',')) continue;
          if (Consume('}')) return true;
          return Expected("',' or '}'");
        }
      case Kind::kArray:
        if (depth >= kMaxDepth) return Invalid("nested too deeply");
        ++p_;
        if (Consume(']')) return true;
        for (;;) {
          if (!SkipValue(depth + 1)) return false;
          if (Consume(',')) continue;
          if (Consume(']')) return true;
          return Expected("',' or ']'");
        }
      case Kind::kInvalid:
        break;
    }
    return Expected("a value");
  }

  // A set into *out, or only checked when `out` is null.
  bool ReadSet(Type type, AttributeValue* out) {
    SkipSpace();
    Kind kind = Peek();
    if (kind != Kind::kArray) return WrongPayload(type, "a JSON array", kind);
    ++p_;
    if (Consume(']')) return Fail(EmptySet(type));
    // Checking only: the members go to a buffer kept from set to set.
    std::vector<std::string> owned;
    std::vector<std::string>& members = out != nullptr ? owned : set_members_;
    members.clear();
    std::vector<std::string_view> base64;
    // Stable addresses for `base64` (a deque would allocate up front).
    std::vector<std::unique_ptr<std::string>> escaped;
    std::string scratch, bytes;
    for (;;) {
      SkipSpace();
      Kind member = Peek();
      if (member != Kind::kString) {
        return member == Kind::kInvalid ? Expected("a value")
                                        : Fail(SetMemberNotString(type, Name(member)));
      }
      std::string_view text;
      if (!ReadString(&text, &scratch)) return false;
      if (type == Type::kNS) {
        Status s = ValidateNumber(text);
        if (!s.ok()) return Fail(std::move(s));
        members.emplace_back(text);
      } else if (type == Type::kBS) {
        Status s = Base64Decode(text, &bytes);
        if (!s.ok()) return Fail(BadSetBase64(s));
        members.push_back(std::move(bytes));
        if (text.data() == scratch.data()) {
          // Written with escapes: keep a copy, scratch is reused.
          text = *escaped.emplace_back(std::make_unique<std::string>(scratch));
        }
        base64.push_back(text);
      } else {
        members.emplace_back(text);
      }
      if (Consume(',')) continue;
      if (Consume(']')) break;
      return Expected("',' or ']'");
    }
    Status s = out != nullptr ? FinishSet(type, std::move(members), base64, out)
                              : CheckUniqueMembers(type, members, base64);
    return s.ok() || Fail(std::move(s));
  }

  // The payload of a `type` value into *out; only checked when `out` is null.
  bool ReadPayload(Type type, int depth, AttributeValue* out, std::string* where) {
    std::string scratch;
    std::string_view text;
    switch (type) {
      case Type::kS:
        if (!ReadPayloadString(type, &text, &scratch)) return false;
        if (out != nullptr) *out = AttributeValue::S(std::string(text));
        return true;
      case Type::kN: {
        if (!ReadPayloadString(type, &text, &scratch)) return false;
        Status s = ValidateNumber(text);
        if (!s.ok()) return Fail(std::move(s));
        if (out != nullptr) *out = AttributeValue::N(std::string(text));
        return true;
      }
      case Type::kB: {
        if (!ReadPayloadString(type, &text, &scratch)) return false;
        std::string bytes;
        Status s = Base64Decode(text, out != nullptr ? &bytes : &bytes_);
        if (!s.ok()) return Fail(BadBase64(s));
        if (out != nullptr) *out = AttributeValue::B(std::move(bytes));
        return true;
      }
      case Type::kBool:
      case Type::kNull: {
        SkipSpace();
        Kind kind = Peek();
        if (kind == Kind::kInvalid) return Expected("a value");
        bool value = kind == Kind::kBoolean && *p_ == 't';
        if (type == Type::kBool) {
          if (kind != Kind::kBoolean) return Fail(WrongJsonType(type, "true or false", Name(kind)));
          if (out != nullptr) *out = AttributeValue::Bool(value);
        } else {
          if (kind != Kind::kBoolean) return Fail(NullNotTrue(Name(kind)));
          if (!value) return Fail(NullNotTrue("false"));
          if (out != nullptr) *out = AttributeValue::Null();
        }
        p_ += value ? 4 : 5;
        return true;
      }
      case Type::kM: {
        SkipSpace();
        Kind kind = Peek();
        if (kind != Kind::kObject) return WrongPayload(type, "a JSON object", kind);
        if (depth + 1 > kMaxValueNesting) return Fail(NestingError());
        ++p_;
        AttributeMap* m = nullptr;
        if (out != nullptr) {
          m = out->mutable_map();
          m->clear();
        }
        if (Consume('}')) return true;
        NameFrame names(this);
        for (;;) {
          std::string_view key;
          if (!ReadKey(&key, &scratch)) return false;
          if (key.empty()) return Fail(EmptyNameInMap());
          AttributeValue* value = nullptr;
          bool inserted;
          if (m != nullptr) {
            auto slot = m->try_emplace(std::string(key));
            inserted = slot.second;
            value = &slot.first->second;
          } else {
            inserted = names.Insert(key, key.data() == scratch.data());
          }
          if (!inserted) {
            return Fail(Status::InvalidArgument("repeated attribute name " + Quote(key)));
          }
          if (!ReadValue(depth + 1, value, where)) {
            PrependPath(std::string(key), where);
            return false;
          }
          if (Consume(',')) continue;
          if (Consume('}')) return true;
          return Expected("',' or '}'");
        }
      }
      case Type::kL: {
        SkipSpace();
        Kind kind = Peek();
        if (kind != Kind::kArray) return WrongPayload(type, "a JSON array", kind);
        if (depth + 1 > kMaxValueNesting) return Fail(NestingError());
        ++p_;
        AttributeList* l = nullptr;
        if (out != nullptr) {
          l = out->mutable_list();
          l->clear();
        }
        if (Consume(']')) return true;
        for (size_t i = 0;; ++i) {
          AttributeValue* element = nullptr;
          if (l != nullptr) element = &l->emplace_back();
          if (!ReadValue(depth + 1, element, where)) {
            PrependPath("[" + std::to_string(i) + "]", where);
            return false;
          }
          if (Consume(',')) continue;
          if (Consume(']')) return true;
          return Expected("',' or ']'");
        }
      }
      case Type::kSS:
      case Type::kNS:
      case Type::kBS:
        return ReadSet(type, out);
    }
    return Fail(Status::InvalidArgument("unreachable AttributeValue type"));
  }

  // The names of one object being checked without a map, to reject
  // repeats: a run at the end of the reader's names_ (an object's members
  // are read before any later sibling's, so runs nest as a stack), sorted
  // once it is long.
  class NameFrame {
   public:
    explicit NameFrame(WireTextReader* r)
        : r_(r), base_(r->names_.size()), owned_base_(r->owned_names_.size()) {}
    ~NameFrame() {
      r_->names_.resize(base_);
      r_->owned_names_.resize(owned_base_);
    }
    NameFrame(const NameFrame&) = delete;
    NameFrame& operator=(const NameFrame&) = delete;

    // False if `name` is in already. A `transient` name (decoded into a
    // scratch buffer that will be reused) is copied first.
    bool Insert(std::string_view name, bool transient) {
      std::vector<std::string_view>& names = r_->names_;
      auto first = names.begin() + static_cast<ptrdiff_t>(base_);
      auto it = names.end();
      if (!sorted_) {
        // Most objects are small: a linear search beats keeping them sorted.
        for (auto n = first; n != names.end(); ++n) {
          if (n->size() == name.size() && *n == name) return false;
        }
        if (names.end() - first >= kLinear) {
          std::sort(first, names.end());
          sorted_ = true;
        }
      }
      if (sorted_) {
        it = std::lower_bound(first, names.end(), name);
        if (it != names.end() && *it == name) return false;
      }
      if (transient) name = r_->Own(name);
      names.insert(it, name);
      return true;
    }

   private:
    static constexpr ptrdiff_t kLinear = 16;
    WireTextReader* r_;
    size_t base_;
    size_t owned_base_;
    bool sorted_ = false;
  };

  const char* begin_;
  const char* p_;
  const char* end_;
  Status error_;
  // The text was checked (by ReadItemTexts): strings need no checking of
  // their bytes, only finding their end.
  bool checked_ = false;
  // Buffers of the checking-only mode, kept from value to value.
  std::vector<std::string_view> names_;
  // Copies of names that were decoded into a scratch buffer (written with
  // escapes), at stable addresses: a deque would allocate even when empty.
  std::vector<std::unique_ptr<std::string>> owned_names_;
  std::vector<std::string> set_members_;
  std::string bytes_;
  // Members of the objects being transcoded, a run per open object.
  std::vector<Member> members_;
  std::string reorder_;  // an object's members while they are put in order
  std::string tmp_;      // a scalar's plain JSON on its way to the output
};

}  // namespace

Status FromWireJsonText(std::string_view text, AttributeValue* out) {
  try {
    WireTextReader reader(text);
    AttributeValue v;
    std::string where;
    if (!reader.ReadValue(0, &v, &where)) {
      return where.empty() ? reader.error() : Locate("at " + Quote(where), reader.error());
    }
    if (!reader.ExpectEnd()) return reader.error();
    *out = std::move(v);
    return Status::OK();
  } catch (const std::exception& e) {
    return InternalError(e);
  }
}

Status ItemFromWireJsonText(std::string_view text, Item* out) {
  try {
    WireTextReader reader(text);
    Item item;
    if (!reader.ReadItem(&item) || !reader.ExpectEnd()) return reader.error();
    out->swap(item);
    return Status::OK();
  } catch (const std::exception& e) {
    return InternalError(e);
  }
}

Status ItemsFromWireJsonText(std::string_view text, std::vector<Item>* out) {
  try {
    WireTextReader reader(text);
    std::vector<Item> items;
    if (!reader.ReadItems(&items) || !reader.ExpectEnd()) return reader.error();
    out->swap(items);
    return Status::OK();
  } catch (const std::exception& e) {
    return InternalError(e);
  }
}

Status SplitJsonObject(std::string_view text, std::vector<JsonMember>* members) {
  try {
    WireTextReader reader(text);
    std::vector<JsonMember> found;
    if (!reader.Split(&found) || !reader.ExpectEnd()) return reader.error();
    members->swap(found);
    return Status::OK();
  } catch (const std::exception& e) {
    return InternalError(e);
  }
}

Status wire::TextDecodeResponse(std::string_view body, std::string_view items_member,
                                std::vector<Item>* items, std::vector<std::string_view>* texts,
                                std::vector<JsonMember>* others) {
  try {
    WireTextReader reader(body);
    std::vector<JsonMember> found;
    std::vector<Item> decoded;
    std::vector<std::string_view> spans;
    if (!reader.Split(&found, items_member, items != nullptr ? &decoded : nullptr,
                      texts != nullptr ? &spans : nullptr) ||
        !reader.ExpectEnd()) {
      return reader.error();
    }
    others->swap(found);
    if (items != nullptr) items->swap(decoded);
    if (texts != nullptr) texts->swap(spans);
    return Status::OK();
  } catch (const std::exception& e) {
    return InternalError(e);
  }
}

namespace {

// simdjson first (wire_simdjson.h); a page it does not decode is read again
// by the text reader, for the message (or, should the two ever disagree,
// for the result).
Status DecodeResponse(std::string_view body, std::string_view items_member,
                      std::vector<Item>* items, std::vector<std::string_view>* texts,
                      std::vector<JsonMember>* others) {
  try {
    std::vector<JsonMember> found;
    std::vector<Item> decoded;
    std::vector<std::string_view> spans;
    if (wire::SimdjsonDecodeResponse(body, items_member, items != nullptr ? &decoded : nullptr,
                                     texts != nullptr ? &spans : nullptr, &found)) {
      others->swap(found);
      if (items != nullptr) items->swap(decoded);
      if (texts != nullptr) texts->swap(spans);
      return Status::OK();
    }
  } catch (const std::exception& e) {
    return InternalError(e);
  }
  return wire::TextDecodeResponse(body, items_member, items, texts, others);
}

}  // namespace

Status DecodeItemsResponse(std::string_view body, std::string_view items_member,
                           std::vector<Item>* items, std::vector<JsonMember>* others) {
  return DecodeResponse(body, items_member, items, nullptr, others);
}

Status SplitItemsResponse(std::string_view body, std::string_view items_member,
                          std::vector<std::string_view>* items, std::vector<JsonMember>* others) {
  return DecodeResponse(body, items_member, nullptr, items, others);
}

void CheckedItemAttributes::Reset(std::string_view item_text) {
  text_ = item_text;
  offset_ = 0;
  split_ = 0;
  done_ = false;
}

Status CheckedItemAttributes::Find(std::string_view name, std::string_view* value, bool* found) {
  *found = false;
  for (size_t i = 0; i < split_; ++i) {
    if (seen_[i].name == name) {
      *value = seen_[i].value;
      *found = true;
      return Status::OK();
    }
  }
  if (done_) return Status::OK();
  try {
    WireTextReader reader(text_);
    reader.Seek(offset_);
    while (!done_) {
      // seen_ keeps its strings from item to item: no allocation for names
      // that fit the one that was there.
      if (split_ == seen_.size()) seen_.emplace_back();
      JsonMember& m = seen_[split_];
      if (!reader.NextChecked(offset_ == 0, &m, &done_)) return reader.error();
      offset_ = reader.offset();
      if (done_) break;
      ++split_;
      if (m.name == name) {
        *value = m.value;
        *found = true;
        break;
      }
    }
    return Status::OK();
  } catch (const std::exception& e) {
    return InternalError(e);
  }
}

Status AppendCheckedItemPlainJson(std::string_view item_text, std::string* out) {
  try {
    WireTextReader reader(item_text);
    size_t size = out->size();
    WireTextReader::PlainOut plain(out, item_text.size());
    if (!reader.TranscodeItem(&plain) || !reader.ExpectEnd()) {
      out->resize(size);
      return reader.error();
    }
    plain.Finish();
    return Status::OK();
  } catch (const std::exception& e) {
    return InternalError(e);
  }
}

}  // namespace ddb::dynamodb
