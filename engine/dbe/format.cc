#include "engine/dbe/format.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <utility>

#include "engine/item_encryption/attribute_serialization.h"

namespace ddb::dbe {

using dynamodb::AttributeValue;

void AppendU16(uint16_t v, std::string* out) {
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v & 0xff));
}

void AppendU32(uint32_t v, std::string* out) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((v >> shift) & 0xff));
}

void AppendU64(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((v >> shift) & 0xff));
}

namespace {

// Reads big-endian fields from a byte string; every read checks the bounds.
class Reader {
 public:
  Reader(std::string_view bytes, const char* what) : bytes_(bytes), what_(what) {}

  Status U8(uint8_t* v) {
    if (pos_ + 1 > bytes_.size()) return Truncated();
    *v = static_cast<uint8_t>(bytes_[pos_++]);
    return Status::OK();
  }
  Status U16(uint16_t* v) {
    if (pos_ + 2 > bytes_.size()) return Truncated();
    *v = static_cast<uint16_t>((Byte(0) << 8) | Byte(1));
    pos_ += 2;
    return Status::OK();
  }
  Status U32(uint32_t* v) {
    if (pos_ + 4 > bytes_.size()) return Truncated();
    *v = (static_cast<uint32_t>(Byte(0)) << 24) | (static_cast<uint32_t>(Byte(1)) << 16) |
         (static_cast<uint32_t>(Byte(2)) << 8) | static_cast<uint32_t>(Byte(3));
    pos_ += 4;
    return Status::OK();
  }
  Status Bytes(size_t n, std::string_view* v) {
    if (n > bytes_.size() - pos_) return Truncated();
    *v = bytes_.substr(pos_, n);
    pos_ += n;
    return Status::OK();
  }
  // A u16 length, then that many bytes.
  Status Short(std::string_view* v) {
    uint16_t n = 0;
    Status s = U16(&n);
    if (!s.ok()) return s;
    return Bytes(n, v);
  }
  // A u32 length, then that many bytes.
  Status Long(std::string_view* v) {
    uint32_t n = 0;
    Status s = U32(&n);
    if (!s.ok()) return s;
    return Bytes(n, v);
  }
  size_t pos() const { return pos_; }
  size_t left() const { return bytes_.size() - pos_; }
  Status Bad(const std::string& msg) const {
    return Status::Corruption(std::string(what_) + ": " + msg + " (at byte " +
                              std::to_string(pos_) + ")");
  }

 private:
  unsigned Byte(size_t i) const { return static_cast<unsigned char>(bytes_[pos_ + i]); }
  Status Truncated() const { return Bad("truncated"); }

  std::string_view bytes_;
  const char* what_;
  size_t pos_ = 0;
};

// UTF-16 code units of UTF-8 text (characters above U+FFFF count twice).
uint64_t Utf16Length(std::string_view s) {
  uint64_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) n++;  // a leading byte starts a character
    if ((c & 0xF8) == 0xF0) n++;  // a 4-byte sequence is a surrogate pair
  }
  return n;
}

Status SetOf(uint16_t type, std::string_view value, AttributeValue* out) {
  Reader r(value, "a set");
  uint32_t count = 0;
  Status s = r.U32(&count);
  if (!s.ok()) return s;
  std::vector<std::string> members;
  std::set<std::string_view> seen;
  for (uint32_t i = 0; i < count; ++i) {
    std::string_view m;
    s = r.Long(&m);
    if (!s.ok()) return s;
    if (!seen.insert(m).second) return r.Bad("a member appears twice");
    members.emplace_back(m);
  }
  if (r.left() != 0) return r.Bad("bytes after the last member");
  switch (type) {
    case kTypeSS:
      *out = AttributeValue::SS(std::move(members));
      break;
    case kTypeNS:
      *out = AttributeValue::NS(std::move(members));
      break;
    default:
      *out = AttributeValue::BS(std::move(members));
      break;
  }
  return Status::OK();
}

Status ValueOf(uint16_t type, std::string_view value, int depth, AttributeValue* out) {
  switch (type) {
    case kTypeNull:
      if (!value.empty()) return Status::Corruption("a NULL value with bytes");
      *out = AttributeValue::Null();
      return Status::OK();
    case kTypeS:
      *out = AttributeValue::S(std::string(value));
      return Status::OK();
    case kTypeN:
      if (value.empty()) return Status::Corruption("an empty number");
      *out = AttributeValue::N(std::string(value));
      return Status::OK();
    case kTypeB:
      *out = AttributeValue::B(std::string(value));
      return Status::OK();
    case kTypeBool:
      if (value.size() != 1 || static_cast<unsigned char>(value[0]) > 1) {
        return Status::Corruption("a BOOL value that is not one byte 0 or 1");
      }
      *out = AttributeValue::Bool(value[0] == 1);
      return Status::OK();
    case kTypeSS:
    case kTypeNS:
    case kTypeBS:
      return SetOf(type, value, out);
    case kTypeL:
    case kTypeM: {
      if (depth >= dynamodb::kMaxValueNesting) return Status::Corruption("nested too deeply");
      Reader r(value, type == kTypeL ? "a list" : "a map");
      uint32_t count = 0;
      Status s = r.U32(&count);
      if (!s.ok()) return s;
      dynamodb::AttributeList list;
      dynamodb::AttributeMap map;
      for (uint32_t i = 0; i < count; ++i) {
        std::string_view name;
        if (type == kTypeM) {
          uint16_t key_type = 0;
          s = r.U16(&key_type);
          if (s.ok() && key_type != kTypeS) return r.Bad("a map key that is not a string");
          if (s.ok()) s = r.Long(&name);
          if (!s.ok()) return s;
        }
        uint16_t member_type = 0;
        std::string_view member;
        s = r.U16(&member_type);
        if (s.ok()) s = r.Long(&member);
        if (!s.ok()) return s;
        AttributeValue v;
        s = ValueOf(member_type, member, depth + 1, &v);
        if (!s.ok()) return s;
        if (type == kTypeL) {
          list.push_back(std::move(v));
        } else if (!map.emplace(std::string(name), std::move(v)).second) {
          return r.Bad("the key \"" + std::string(name) + "\" appears twice");
        }
      }
      if (r.left() != 0) return r.Bad("bytes after the last entry");
      *out =
          type == kTypeL ? AttributeValue::L(std::move(list)) : AttributeValue::M(std::move(map));
      return Status::OK();
    }
    default: {
      char hex[8];
      snprintf(hex, sizeof(hex), "0x%04X", type);
      return Status::Corruption(std::string("unknown type id ") + hex);
    }
  }
}

bool Utf16Less(const std::string& a, const std::string& b) {
  return item_encryption::JavaStringLess(a, b);
}

Status Serialize(const AttributeValue& v, int depth, uint16_t* type, std::string* out) {
  using T = AttributeValue::Type;
  switch (v.type()) {
    case T::kNull:
      *type = kTypeNull;
      return Status::OK();
    case T::kS:
      *type = kTypeS;
      out->append(v.scalar());
      return Status::OK();
    case T::kN:
      *type = kTypeN;
      out->append(v.scalar());
      return Status::OK();
    case T::kB:
      *type = kTypeB;
      out->append(v.scalar());
      return Status::OK();
    case T::kBool:
      *type = kTypeBool;
      out->push_back(v.boolean() ? '\x01' : '\x00');
      return Status::OK();
    case T::kSS:
    case T::kNS:
    case T::kBS: {
      *type = v.type() == T::kSS ? kTypeSS : v.type() == T::kNS ? kTypeNS : kTypeBS;
      std::vector<std::string> members = v.set();
      if (v.type() == T::kBS) {
        std::sort(members.begin(), members.end());
      } else {
        std::sort(members.begin(), members.end(), Utf16Less);
      }
      AppendU32(static_cast<uint32_t>(members.size()), out);
      for (const std::string& m : members) {
        AppendU32(static_cast<uint32_t>(m.size()), out);
        out->append(m);
      }
      return Status::OK();
    }
    case T::kL:
    case T::kM: {
      if (depth >= dynamodb::kMaxValueNesting) return Status::InvalidArgument("nested too deeply");
      std::vector<std::pair<const std::string*, const AttributeValue*>> entries;
      if (v.type() == T::kL) {
        *type = kTypeL;
        for (const AttributeValue& e : v.list()) entries.emplace_back(nullptr, &e);
      } else {
        *type = kTypeM;
        for (const auto& [name, e] : v.map()) entries.emplace_back(&name, &e);
        std::sort(entries.begin(), entries.end(),
                  [](const auto& a, const auto& b) { return Utf16Less(*a.first, *b.first); });
      }
      AppendU32(static_cast<uint32_t>(entries.size()), out);
      std::string member;
      for (const auto& [name, e] : entries) {
        if (name != nullptr) {
          AppendU16(kTypeS, out);
          AppendU32(static_cast<uint32_t>(name->size()), out);
          out->append(*name);
        }
        member.clear();
        uint16_t member_type = 0;
        Status s = Serialize(*e, depth + 1, &member_type, &member);
        if (!s.ok()) return s;
        AppendU16(member_type, out);
        AppendU32(static_cast<uint32_t>(member.size()), out);
        out->append(member);
      }
      return Status::OK();
    }
  }
  return Status::InvalidArgument("unknown attribute type");
}

}  // namespace

Status ParseHeader(std::string_view bytes, Header* out) {
  Reader r(bytes, "aws_dbe_head");
  Header h;
  Status s = r.U8(&h.version);
  if (s.ok() && h.version != 1 && h.version != 2) {
    return r.Bad("unknown format version " + std::to_string(h.version) + " (1 or 2 are known)");
  }
  if (s.ok()) s = r.U8(&h.flavor);
  if (s.ok() && h.flavor > 1) {
    return r.Bad("unknown format flavor " + std::to_string(h.flavor) +
                 " (0: suite 0x6700, 1: suite 0x6701)");
  }
  std::string_view v;
  if (s.ok()) s = r.Bytes(kMessageIdSize, &v);
  if (s.ok()) h.message_id.assign(v);
  if (s.ok()) s = r.Short(&v);
  if (!s.ok()) return s;
  h.legend.assign(v);
  for (char c : h.legend) {
    if (c != 'e' && c != 's' && c != 'c') return r.Bad("a legend byte that is not e, s or c");
  }
  uint16_t pairs = 0;
  s = r.U16(&pairs);
  for (uint16_t i = 0; s.ok() && i < pairs; ++i) {
    std::string_view key, value;
    s = r.Short(&key);
    if (s.ok()) s = r.Short(&value);
    if (s.ok() && !h.stored_context.emplace(std::string(key), std::string(value)).second) {
      return r.Bad("the encryption context key \"" + std::string(key) + "\" appears twice");
    }
  }
  uint8_t keys = 0;
  if (s.ok()) s = r.U8(&keys);
  if (s.ok() && keys == 0) return r.Bad("no encrypted data key");
  for (uint8_t i = 0; s.ok() && i < keys; ++i) {
    EncryptedDataKey k;
    std::string_view id, info, ciphertext;
    s = r.Short(&id);
    if (s.ok()) s = r.Short(&info);
    if (s.ok()) s = r.Short(&ciphertext);
    if (s.ok())
      h.data_keys.push_back({std::string(id), std::string(info), std::string(ciphertext)});
  }
  if (!s.ok()) return s;
  h.partial_size = r.pos();
  s = r.Bytes(kCommitmentSize, &v);
  if (!s.ok()) return s;
  h.commitment.assign(v);
  if (r.left() != 0) return r.Bad("bytes after the commitment");
  *out = std::move(h);
  return Status::OK();
}

void AppendCanonicalPath(std::string_view table, std::string_view name, std::string* out) {
  out->append(table);
  AppendU64(1, out);
  out->push_back('$');
  AppendU64(Utf16Length(name), out);
  out->append(name);
}

Status AppendSerializedContext(const EncryptionContext& context, std::string* out) {
  if (context.size() > 0xffff) return Status::InvalidArgument("encryption context too large");
  AppendU16(static_cast<uint16_t>(context.size()), out);
  for (const auto& [key, value] : context) {
    if (key.size() > 0xffff || value.size() > 0xffff) {
      return Status::InvalidArgument("encryption context entry \"" + key + "\" too long");
    }
    AppendU16(static_cast<uint16_t>(key.size()), out);
    out->append(key);
    AppendU16(static_cast<uint16_t>(value.size()), out);
    out->append(value);
  }
  return Status::OK();
}

Status SerializeTerminal(const AttributeValue& v, uint16_t* type, std::string* value) {
  value->clear();
  return Serialize(v, 0, type, value);
}

Status DeserializeTerminal(uint16_t type, std::string_view value, AttributeValue* out) {
  return ValueOf(type, value, 0, out);
}

}  // namespace ddb::dbe
