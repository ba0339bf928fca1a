#include "engine/item_encryption/attribute_serialization.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/dynamodb/number.h"

namespace ddb::item_encryption {

using dynamodb::AttributeValue;
using Type = AttributeValue::Type;

namespace {

void PutU32(uint32_t n, std::string* out) {
  char b[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
               static_cast<char>(n)};
  out->append(b, 4);
}

void PutTag(char tag, std::string* out) {
  out->push_back('\0');
  out->push_back(tag);
}

void PutValue(std::string_view bytes, std::string* out) {
  PutU32(static_cast<uint32_t>(bytes.size()), out);
  out->append(bytes);
}

// UTF-16 code units of UTF-8 text, for Java's String.compareTo. Invalid
// UTF-8 cannot come from DynamoDB; it maps byte by byte.
std::u16string Utf16(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (extra < 0 || i + static_cast<size_t>(extra) >= s.size()) {
      out.push_back(c);
      ++i;
      continue;
    }
    uint32_t cp = extra == 0 ? c : c & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += extra + 1;
  }
  return out;
}

bool LessUnsigned(std::string_view a, std::string_view b) {
  return a < b;
}  // char_traits: unsigned

bool LessSigned(std::string_view a, std::string_view b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return static_cast<signed char>(x) < static_cast<signed char>(y);
  });
}

bool LessUtf16(std::string_view a, std::string_view b) { return Utf16(a) < Utf16(b); }

// How `order` sorts members of a set of type `t`, and map names (kS).
bool MemberLess(Type t, Ordering order, std::string_view a, std::string_view b) {
  if (order == Ordering::kPython) return LessUnsigned(a, b);
  switch (t) {
    case Type::kBS:
      return LessSigned(a, b);
    case Type::kSS:
    case Type::kS:
      return LessUtf16(a, b);
    default:
      return LessUnsigned(a, b);  // NS: ASCII digits, the same in both
  }
}

Status Serialize(const AttributeValue& v, Ordering order, std::string* out) {
  switch (v.type()) {
    case Type::kNull:
      PutTag('\0', out);
      return Status::OK();
    case Type::kBool:
      PutTag('?', out);
      out->push_back(v.boolean() ? '\1' : '\0');
      return Status::OK();
    case Type::kS:
      PutTag('s', out);
      PutValue(v.scalar(), out);
      return Status::OK();
    case Type::kB:
      PutTag('b', out);
      PutValue(v.scalar(), out);
      return Status::OK();
    case Type::kN: {
      std::string canonical;
      Status s = dynamodb::CanonicalNumber(v.scalar(), &canonical);
      if (!s.ok()) return s;
      PutTag('n', out);
      PutValue(canonical, out);
      return Status::OK();
    }
    case Type::kSS:
    case Type::kNS:
    case Type::kBS: {
      std::vector<std::string> members;
      members.reserve(v.set().size());
      for (const std::string& m : v.set()) {
        if (v.type() == Type::kNS) {
          std::string canonical;
          Status s = dynamodb::CanonicalNumber(m, &canonical);
          if (!s.ok()) return s;
          members.push_back(std::move(canonical));
        } else {
          members.push_back(m);
        }
      }
      Type t = v.type();
      std::sort(members.begin(), members.end(),
                [t, order](const std::string& a, const std::string& b) {
                  return MemberLess(t, order, a, b);
                });
      PutTag(t == Type::kSS ? 'S' : t == Type::kNS ? 'N' : 'B', out);
      PutU32(static_cast<uint32_t>(members.size()), out);
      for (const std::string& m : members) PutValue(m, out);
      return Status::OK();
    }
    case Type::kL: {
      PutTag('L', out);
      PutU32(static_cast<uint32_t>(v.list().size()), out);
      for (const AttributeValue& e : v.list()) {
        Status s = Serialize(e, order, out);
        if (!s.ok()) return s;
      }
      return Status::OK();
    }
    case Type::kM: {
      PutTag('M', out);
      PutU32(static_cast<uint32_t>(v.map().size()), out);
      // AttributeMap is ordered by bytes, the Python order.
      std::vector<const std::pair<const std::string, AttributeValue>*> entries;
      entries.reserve(v.map().size());
      for (const auto& e : v.map()) entries.push_back(&e);
      if (order == Ordering::kJava) {
        std::stable_sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) {
          return LessUtf16(a->first, b->first);
        });
      }
      for (const auto* e : entries) {
        PutTag('s', out);
        PutValue(e->first, out);
        Status s = Serialize(e->second, order, out);
        if (!s.ok()) return s;
      }
      return Status::OK();
    }
  }
  return Status::InvalidArgument("unknown attribute type");
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  Status Value(int depth, AttributeValue* out) {
    if (in_.size() - pos_ < 2) return Bad("truncated type tag");
    if (in_[pos_] != '\0') return Bad("bad type tag");
    char tag = in_[pos_ + 1];
    pos_ += 2;
    switch (tag) {
      case '\0':
        *out = AttributeValue::Null();
        return Status::OK();
      case '?': {
        if (pos_ >= in_.size()) return Bad("truncated BOOL");
        char b = in_[pos_++];
        if (b != '\0' && b != '\1') return Bad("BOOL byte is neither 0 nor 1");
        *out = AttributeValue::Bool(b == '\1');
        return Status::OK();
      }
      case 's':
      case 'b':
      case 'n': {
        std::string_view bytes;
        Status s = Bytes(&bytes);
        if (!s.ok()) return s;
        if (tag == 's') {
          *out = AttributeValue::S(std::string(bytes));
        } else if (tag == 'b') {
          *out = AttributeValue::B(std::string(bytes));
        } else {
          std::string number;
          s = Number(bytes, &number);
          if (!s.ok()) return s;
          *out = AttributeValue::N(std::move(number));
        }
        return Status::OK();
      }
      case 'S':
      case 'N':
      case 'B': {
        uint32_t count = 0;
        Status s = Count(&count);
        if (!s.ok()) return s;
        std::vector<std::string> members;
        members.reserve(count);
        for (uint32_t i = 0; i < count; ++i) {
          std::string_view bytes;
          s = Bytes(&bytes);
          if (!s.ok()) return s;
          if (tag == 'N') {
            std::string number;
            s = Number(bytes, &number);
            if (!s.ok()) return s;
            members.push_back(std::move(number));
          } else {
            members.emplace_back(bytes);
          }
        }
        *out = tag == 'S'   ? AttributeValue::SS(std::move(members))
               : tag == 'N' ? AttributeValue::NS(std::move(members))
                            : AttributeValue::BS(std::move(members));
        return Status::OK();
      }
      case 'L':
      case 'M': {
        if (depth >= dynamodb::kMaxValueNesting) return Bad("nested too deeply");
        uint32_t count = 0;
        Status s = Count(&count);
        if (!s.ok()) return s;
        if (tag == 'L') {
          dynamodb::AttributeList list;
          list.reserve(count);
          for (uint32_t i = 0; i < count; ++i) {
            list.emplace_back();
            s = Value(depth + 1, &list.back());
            if (!s.ok()) return s;
          }
          *out = AttributeValue::L(std::move(list));
        } else {
          dynamodb::AttributeMap map;
          for (uint32_t i = 0; i < count; ++i) {
            AttributeValue name, value;
            s = Value(depth + 1, &name);
            if (!s.ok()) return s;
            if (name.type() != Type::kS) return Bad("a map entry's name is not a string");
            s = Value(depth + 1, &value);
            if (!s.ok()) return s;
            map.insert_or_assign(name.scalar(), std::move(value));
          }
          *out = AttributeValue::M(std::move(map));
        }
        return Status::OK();
      }
      default:
        return Bad("unknown type tag");
    }
  }

  Status Finish() const {
    return pos_ == in_.size() ? Status::OK() : Bad("trailing bytes after the value");
  }

 private:
  Status Bad(std::string_view what) const {
    return Status::Corruption("malformed serialised attribute at byte " + std::to_string(pos_) +
                              ": " + std::string(what));
  }
  Status Count(uint32_t* n) {
    if (in_.size() - pos_ < 4) return Bad("truncated length");
    const auto* p = reinterpret_cast<const unsigned char*>(in_.data() + pos_);
    *n = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    pos_ += 4;
    // Every member takes at least 4 bytes: a count beyond that is damage,
    // refused before it reserves memory.
    if (*n > (in_.size() - pos_)) return Bad("count larger than the data");
    return Status::OK();
  }
  Status Bytes(std::string_view* out) {
    uint32_t n = 0;
    Status s = Count(&n);
    if (!s.ok()) return s;
    *out = in_.substr(pos_, n);
    pos_ += n;
    return Status::OK();
  }
  Status Number(std::string_view text, std::string* out) {
    Status s = dynamodb::CanonicalNumber(text, out);
    return s.ok() ? s : Bad("not a number: " + s.message());
  }

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

bool JavaStringLess(std::string_view a, std::string_view b) { return LessUtf16(a, b); }

Status SerializeAttribute(const AttributeValue& v, std::string* out, Ordering order) {
  return Serialize(v, order, out);
}

Status DeserializeAttribute(std::string_view bytes, AttributeValue* out) {
  Reader r(bytes);
  Status s = r.Value(0, out);
  if (!s.ok()) return s;
  return r.Finish();
}

}  // namespace ddb::item_encryption
