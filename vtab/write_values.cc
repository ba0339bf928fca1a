#include "vtab/write_values.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>

#include "engine/dynamodb/number.h"
#include "engine/encoding.h"
#include "engine/strings.h"
#include "vtab/values.h"

namespace ddb::vtab {

using dynamodb::AttributeValue;
using Type = dynamodb::AttributeValue::Type;

namespace {

std::string Text(sqlite3_value* v) {
  const unsigned char* t = sqlite3_value_text(v);
  return t ? std::string(reinterpret_cast<const char*>(t),
                         static_cast<size_t>(sqlite3_value_bytes(v)))
           : std::string();
}

std::string Blob(sqlite3_value* v) {
  const void* p = sqlite3_value_blob(v);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(sqlite3_value_bytes(v)))
           : std::string();
}

const char* StorageName(int storage) {
  switch (storage) {
    case SQLITE_INTEGER:
      return "INTEGER";
    case SQLITE_FLOAT:
      return "REAL";
    case SQLITE_TEXT:
      return "TEXT";
    case SQLITE_BLOB:
      return "BLOB";
    default:
      return "NULL";
  }
}

// `decimal` as DynamoDB stores it, or an error naming the column.
Status Number(const std::string& decimal, const std::string& column, AttributeValue* out) {
  std::string canonical;
  Status s = dynamodb::CanonicalNumber(decimal, &canonical);
  if (!s.ok()) {
    return Status::InvalidArgument("column " + column + ": " + decimal +
                                   " cannot be stored as a DynamoDB number: " + s.message());
  }
  *out = AttributeValue::N(canonical);
  return Status::OK();
}

// An INTEGER or REAL as N.
Status SqlNumber(sqlite3_value* v, const std::string& column, AttributeValue* out) {
  if (sqlite3_value_type(v) == SQLITE_INTEGER) {
    *out = AttributeValue::N(std::to_string(sqlite3_value_int64(v)));
    return Status::OK();
  }
  double d = sqlite3_value_double(v);
  if (!std::isfinite(d)) {
    return Status::InvalidArgument("column " + column + ": " + (std::isnan(d) ? "NaN" : "Inf") +
                                   " cannot be stored as a DynamoDB number");
  }
  return Number(ShortestDouble(d), column, out);
}

// `v` for a message: TEXT 'abc', INTEGER 7, BLOB x'00ff' (shortened).
std::string ShowValue(sqlite3_value* v) {
  int storage = sqlite3_value_type(v);
  if (storage == SQLITE_BLOB) {
    std::string b = Blob(v);
    return std::string("BLOB x'") + HexEncode(b.substr(0, 16)) + (b.size() > 16 ? "...'" : "'");
  }
  std::string text = Text(v);
  if (text.size() > 40) text = text.substr(0, 40) + "...";
  if (storage == SQLITE_TEXT) return "TEXT '" + text + "'";
  return std::string(StorageName(storage)) + " " + text;
}

// The JSON path of top-level attribute `name`: $.name, or $."a b" when it
// is not a plain identifier.
std::string JsonPath(const std::string& name) {
  bool plain = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char c : name) plain &= std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  return plain ? "$." + name : "$.\"" + name + "\"";
}

// True when `text` is a number DynamoDB accepts as written (" 5" is not:
// such text stays text).
bool IsDynamoNumber(const std::string& text) {
  return !text.empty() && dynamodb::ValidateNumber(text).ok();
}

Status SetFromList(const AttributeValue& list, Type set_type, const std::string& attribute,
                   AttributeValue* out, bool* converted) {
  *converted = false;
  std::vector<std::string> members;
  for (const auto& m : list.list()) {
    if (set_type == Type::kSS && m.type() == Type::kS) {
      members.push_back(m.scalar());
    } else if (set_type == Type::kNS && m.type() == Type::kN) {
      AttributeValue n;
      Status s = Number(m.scalar(), attribute, &n);
      if (!s.ok()) return s;
      members.push_back(n.scalar());
    } else if (set_type == Type::kBS && m.type() == Type::kS) {
      std::string bytes;
      if (!Base64Decode(m.scalar(), &bytes).ok()) return Status::OK();
      members.push_back(std::move(bytes));
    } else {
      return Status::OK();  // not that set's members: stays a list
    }
  }
  const char* name = AttributeValue::TypeName(set_type);
  if (members.empty()) {
    return Status::InvalidArgument("column " + attribute + ": DynamoDB cannot store an empty " +
                                   name + " (set the column to NULL to remove it)");
  }
  std::set<std::string> seen;
  for (const auto& m : members) {
    if (!seen.insert(m).second) {
      return Status::InvalidArgument("column " + attribute + ": duplicate member in " + name);
    }
  }
  *out = set_type == Type::kSS   ? AttributeValue::SS(std::move(members))
         : set_type == Type::kNS ? AttributeValue::NS(std::move(members))
                                 : AttributeValue::BS(std::move(members));
  *converted = true;
  return Status::OK();
}

// Checks every number below `v` and makes them canonical.
Status CheckNested(AttributeValue* v, const std::string& attribute) {
  switch (v->type()) {
    case Type::kN:
      return Number(v->scalar(), attribute, v);
    case Type::kM:
      for (auto& [k, member] : *v->mutable_map()) {
        Status s = CheckNested(&member, attribute + "." + k);
        if (!s.ok()) return s;
      }
      return Status::OK();
    case Type::kL:
      for (size_t i = 0; i < v->list().size(); ++i) {
        Status s = CheckNested(&(*v->mutable_list())[i], attribute + "[" + std::to_string(i) + "]");
        if (!s.ok()) return s;
      }
      return Status::OK();
    default:
      return Status::OK();
  }
}

size_t NumberSize(const std::string& n) {
  size_t digits = 0;
  for (char c : n) {
    if (c == 'e' || c == 'E') break;
    digits += c >= '0' && c <= '9';
  }
  return (digits + 1) / 2 + 1;
}

size_t ValueSize(const AttributeValue& v) {
  switch (v.type()) {
    case Type::kS:
    case Type::kB:
      return v.scalar().size();
    case Type::kN:
      return NumberSize(v.scalar());
    case Type::kBool:
    case Type::kNull:
      return 1;
    case Type::kM: {
      size_t n = 3;
      for (const auto& [k, m] : v.map()) n += 1 + k.size() + ValueSize(m);
      return n;
    }
    case Type::kL: {
      size_t n = 3;
      for (const auto& m : v.list()) n += 1 + ValueSize(m);
      return n;
    }
    case Type::kSS:
    case Type::kBS: {
      size_t n = 0;
      for (const auto& m : v.set()) n += m.size();
      return n;
    }
    case Type::kNS: {
      size_t n = 0;
      for (const auto& m : v.set()) n += NumberSize(m);
      return n;
    }
  }
  return 0;
}

std::string Kilobytes(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f KB", static_cast<double>(bytes) / 1024.0);
  return buf;
}

}  // namespace

Status SqlToAttribute(sqlite3_value* v, const std::string& type, const std::string& column,
                      AttributeValue* out) {
  int storage = sqlite3_value_type(v);
  auto refuse = [&](const char* why) {
    return Status::InvalidArgument(
        "column " + column + " holds DynamoDB type " + type + ": " + ShowValue(v) + " " + why +
        "; to store another type on purpose, write the attribute through the item column "
        "(item = json_set(item, '" +
        JsonPath(column) + "', ...))");
  };
  if (type.empty() || type == "NULL") {
    // No single type to keep: the value's own.
    if (storage == SQLITE_BLOB) {
      *out = AttributeValue::B(Blob(v));
      return Status::OK();
    }
    if (storage == SQLITE_TEXT) {
      *out = AttributeValue::S(Text(v));
      return Status::OK();
    }
    return SqlNumber(v, column, out);
  }
  if (type == "B") {
    if (storage != SQLITE_BLOB) return refuse("is not a BLOB (CAST(... AS BLOB) stores its bytes)");
    *out = AttributeValue::B(Blob(v));
    return Status::OK();
  }
  if (storage == SQLITE_BLOB) return refuse("is a BLOB");
  if (type == "S") {
    // TEXT affinity: numbers are stored as their text.
    *out = AttributeValue::S(Text(v));
    return Status::OK();
  }
  if (type == "N" || type == "BOOL") {
    AttributeValue n;
    if (storage == SQLITE_TEXT && IsDynamoNumber(Text(v))) {
      // Exact: all 38 digits, where SQLite's affinity would round to a double.
      Status s = Number(Text(v), column, &n);
      if (!s.ok()) return s;
    } else {
      // NUMERIC (and INTEGER) affinity: text that reads as a number (" 12 ") is one.
      std::unique_ptr<sqlite3_value, void (*)(sqlite3_value*)> numeric(sqlite3_value_dup(v),
                                                                       sqlite3_value_free);
      if (!numeric) return Status::IOError("out of memory");
      int t = sqlite3_value_numeric_type(numeric.get());
      if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) return refuse("is not a number");
      Status s = SqlNumber(numeric.get(), column, &n);
      if (!s.ok()) return s;
    }
    if (type == "N") {
      *out = std::move(n);
      return Status::OK();
    }
    if (n.scalar() != "0" && n.scalar() != "1") return refuse("is not 0 or 1");
    *out = AttributeValue::Bool(n.scalar() == "1");
    return Status::OK();
  }
  bool document = type == "M" || type == "L";
  bool set = type == "SS" || type == "NS" || type == "BS";
  if (!document && !set)
    return Status::InvalidArgument("column " + column + ": unknown type " + type);
  const char* shape = type == "M"    ? "is not a JSON object"
                      : type == "L"  ? "is not a JSON array"
                      : type == "SS" ? "is not a JSON array of strings"
                      : type == "NS" ? "is not a JSON array of numbers"
                                     : "is not a JSON array of base64 strings";
  AttributeValue parsed;
  if (storage != SQLITE_TEXT || !dynamodb::FromPlainJson(Text(v), &parsed).ok()) {
    return refuse(shape);
  }
  if (parsed.type() != (type == "M" ? Type::kM : Type::kL)) return refuse(shape);
  if (document) return PlainToAttribute(std::move(parsed), type, column, out);
  Type set_type = type == "SS" ? Type::kSS : type == "NS" ? Type::kNS : Type::kBS;
  bool converted = false;
  Status s = SetFromList(parsed, set_type, column, out, &converted);
  if (!s.ok()) return s;
  if (!converted) return refuse(shape);
  return Status::OK();
}

Status SqlToKeyAttribute(sqlite3_value* v, const std::string& key_type, const std::string& column,
                         AttributeValue* out) {
  int storage = sqlite3_value_type(v);
  auto wrong = [&](const std::string& why) {
    return Status::InvalidArgument("key column " + column + " (DynamoDB type " + key_type +
                                   "): " + why);
  };
  if (storage == SQLITE_NULL) return wrong("cannot be NULL");
  if (key_type == "S") {
    if (storage == SQLITE_BLOB) return wrong("got a BLOB, not text");
    *out = AttributeValue::S(Text(v));
    if (out->scalar().empty()) return wrong("cannot be an empty string");
    return Status::OK();
  }
  if (key_type == "N") {
    if (storage == SQLITE_INTEGER || storage == SQLITE_FLOAT) return SqlNumber(v, column, out);
    if (storage == SQLITE_TEXT && IsDynamoNumber(Text(v))) return Number(Text(v), column, out);
    std::string shown = storage == SQLITE_TEXT ? " '" + Text(v) + "'" : "";
    return wrong(std::string("got ") + StorageName(storage) + shown + ", not a number");
  }
  if (key_type == "B") {
    if (storage != SQLITE_BLOB) {
      return wrong(std::string("got ") + StorageName(storage) + ", not a BLOB");
    }
    *out = AttributeValue::B(Blob(v));
    if (out->scalar().empty()) return wrong("cannot be empty");
    return Status::OK();
  }
  return wrong("unknown key type");
}

Status PlainToAttribute(AttributeValue plain, const std::string& hint, const std::string& attribute,
                        AttributeValue* out) {
  if (hint == "B" && plain.type() == Type::kS) {
    std::string bytes;
    if (Base64Decode(plain.scalar(), &bytes).ok()) {
      *out = AttributeValue::B(std::move(bytes));
      return Status::OK();
    }
  }
  if ((hint == "SS" || hint == "NS" || hint == "BS") && plain.type() == Type::kL) {
    Type t = hint == "SS" ? Type::kSS : hint == "NS" ? Type::kNS : Type::kBS;
    bool converted = false;
    Status s = SetFromList(plain, t, attribute, out, &converted);
    if (!s.ok() || converted) return s;
  }
  Status s = CheckNested(&plain, attribute);
  if (!s.ok()) return s;
  *out = std::move(plain);
  return Status::OK();
}

Status MergePlainAttribute(const AttributeValue* old, AttributeValue plain, const std::string& hint,
                           const std::string& attribute, AttributeValue* out) {
  if (old == nullptr) return PlainToAttribute(std::move(plain), hint, attribute, out);
  // Same type: == compares numbers by value (the item column may show 1.50
  // as 1.5). A number set reads as a list of numbers; other values by
  // their JSON (binary shows as base64 text, sets as lists).
  bool same = *old == plain;
  if (!same && old->type() == Type::kNS && plain.type() == Type::kL) {
    same = plain.list().size() == old->set().size();
    for (size_t i = 0; i < plain.list().size() && same; ++i) {
      same = AttributeValue::N(old->set()[i]) == plain.list()[i];
    }
  }
  if (!same) same = dynamodb::ToPlainJson(*old) == dynamodb::ToPlainJson(plain);
  if (same) {
    *out = *old;  // unchanged: exactly as stored
    return Status::OK();
  }
  if (old->type() == Type::kM && plain.type() == Type::kM) {
    dynamodb::AttributeMap merged;
    for (const auto& [name, value] : plain.map()) {
      auto it = old->map().find(name);
      Status s = MergePlainAttribute(it != old->map().end() ? &it->second : nullptr, value, "",
                                     attribute + "." + name, &merged[name]);
      if (!s.ok()) return s;
    }
    *out = AttributeValue::M(std::move(merged));
    return Status::OK();
  }
  if (old->type() == Type::kL && plain.type() == Type::kL) {
    dynamodb::AttributeList merged;
    const auto& was = old->list();
    for (size_t i = 0; i < plain.list().size(); ++i) {
      AttributeValue v;
      Status s = MergePlainAttribute(i < was.size() ? &was[i] : nullptr, plain.list()[i], "",
                                     attribute + "[" + std::to_string(i) + "]", &v);
      if (!s.ok()) return s;
      merged.push_back(std::move(v));
    }
    *out = AttributeValue::L(std::move(merged));
    return Status::OK();
  }
  return PlainToAttribute(std::move(plain), AttributeValue::TypeName(old->type()), attribute, out);
}

size_t AttributeSize(const std::string& name, const AttributeValue& v) {
  return name.size() + ValueSize(v);
}

size_t ItemSize(const dynamodb::Item& item) {
  size_t n = 0;
  for (const auto& [name, v] : item) n += AttributeSize(name, v);
  return n;
}

Status CheckItemSize(const dynamodb::Item& item, const std::string& what) {
  size_t total = ItemSize(item);
  if (total <= kMaxItemBytes) return Status::OK();
  std::vector<std::pair<size_t, std::string>> sizes;
  for (const auto& [name, v] : item) sizes.emplace_back(AttributeSize(name, v), name);
  std::sort(sizes.rbegin(), sizes.rend());
  // The three largest, leaving out those under 1 KB (a key, a flag): they
  // are not what brings an item over 400 KB.
  constexpr size_t kMinListedBytes = 1024;
  std::string largest;
  for (size_t i = 0; i < sizes.size() && i < 3 && sizes[i].first >= kMinListedBytes; ++i) {
    largest += (i ? ", " : "") + sizes[i].second + " (" + Kilobytes(sizes[i].first) + ")";
  }
  largest = largest.empty()
                ? "no attribute is over 1 KB (" + str::Plural(sizes.size(), "attribute") + ")"
                : "largest attributes: " + largest;
  return Status::InvalidArgument(what + ": the item is " + Kilobytes(total) +
                                 ", over DynamoDB's 400 KB limit; " + largest +
                                 "; keep large values in S3 with an S3-backed column");
}

std::string DescribeKey(const dynamodb::Item& key) {
  std::string out;
  for (const auto& [name, v] : key) {
    if (!out.empty()) out += ", ";
    out += name + "=";
    if (v.type() == Type::kN) {
      out += v.scalar();
    } else if (v.type() == Type::kB) {
      out +=
          "x'" + HexEncode(v.scalar().substr(0, 32)) + (v.scalar().size() > 32 ? "..." : "") + "'";
    } else {
      std::string s = v.scalar().size() > 64 ? v.scalar().substr(0, 64) + "..." : v.scalar();
      out += "'" + s + "'";
    }
  }
  return out;
}

}  // namespace ddb::vtab
