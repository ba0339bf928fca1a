#include "engine/codec/codec.h"

#include "engine/dynamodb/number.h"
#include "engine/encoding.h"

namespace ddb::codec {

namespace {

void AppendField(std::string_view bytes, std::string* out) {
  uint32_t n = static_cast<uint32_t>(bytes.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((n >> shift) & 0xff));
  out->append(bytes);
}

// A key value for messages: 'text' (quotes doubled), a number as stored,
// X'hex' for bytes; long values are cut at 64 characters.
std::string DescribeKeyValue(const dynamodb::AttributeValue& v) {
  std::string out;
  switch (v.type()) {
    case dynamodb::AttributeValue::Type::kS:
      out.push_back('\'');
      for (char c : v.scalar()) {
        out += c;
        if (c == '\'') out += c;
      }
      out += "'";
      break;
    case dynamodb::AttributeValue::Type::kN:
      out = v.scalar();
      break;
    case dynamodb::AttributeValue::Type::kB:
      out = "X'" + HexEncode(v.scalar()) + "'";
      break;
    default:
      out = dynamodb::AttributeValue::TypeName(v.type());
      break;
  }
  if (out.size() > 64) out = out.substr(0, 61) + "...";
  return out;
}

}  // namespace

std::string Context::Describe() const {
  std::string out = "table " + table;
  if (!key.empty()) {
    out += ", key (";
    for (size_t i = 0; i < key.size(); ++i) {
      if (i > 0) out += ", ";
      out += key[i].name + "=" + DescribeKeyValue(key[i].value);
    }
    out += ")";
  }
  return out + ", column " + attribute;
}

// "ddbsql-ad1", then length-prefixed (4 bytes big-endian) table and
// attribute, the number of key attributes, and per key attribute its name,
// its type letter (S, N, B) and its value (numbers canonical).
std::string Context::AssociatedData() const {
  std::string out = "ddbsql-ad1";
  AppendField(table, &out);
  AppendField(attribute, &out);
  out.push_back(static_cast<char>(key.size()));
  for (const KeyAttribute& k : key) {
    AppendField(k.name, &out);
    out += dynamodb::AttributeValue::TypeName(k.value.type());
    if (k.value.type() == dynamodb::AttributeValue::Type::kN) {
      std::string canonical;
      if (dynamodb::CanonicalNumber(k.value.scalar(), &canonical).ok()) {
        AppendField(canonical, &out);
        continue;
      }
    }
    AppendField(k.value.scalar(), &out);
  }
  return out;
}

bool Chain::deterministic() const {
  for (const auto& s : steps_) {
    if (!s->deterministic()) return false;
  }
  return true;
}

bool Chain::BindsItemKey() const {
  for (const auto& s : steps_) {
    if (s->name() == SchemeName(Scheme::kAes256Gcm)) return true;
  }
  return false;
}

std::string Chain::Describe() const {
  std::string out;
  for (const auto& s : steps_) {
    if (!out.empty()) out += ", ";
    out += s->name();
  }
  return out;
}

std::string Chain::KeyReferences() const {
  std::string out;
  for (const auto& s : steps_) {
    std::string ref = s->key_reference();
    if (ref.empty()) continue;
    if (!out.empty()) out += ", ";
    out += ref;
  }
  return out;
}

Status Chain::Encode(const Context& ctx, std::string_view plain, std::string* out) const {
  std::string cur(plain);
  for (const auto& s : steps_) {
    std::string next;
    Status st = s->Encode(ctx, cur, &next);
    if (!st.ok()) return st;
    cur.swap(next);
  }
  *out = std::move(cur);
  return Status::OK();
}

Status Chain::Decode(const Context& ctx, std::string_view stored, std::string* out) const {
  std::string cur(stored);
  for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
    std::string next;
    Status st = (*it)->Decode(ctx, cur, &next);
    if (!st.ok()) return st;
    cur.swap(next);
  }
  *out = std::move(cur);
  return Status::OK();
}

}  // namespace ddb::codec
