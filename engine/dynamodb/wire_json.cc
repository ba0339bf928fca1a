// Wire JSON through nlohmann's DOM: ToWireJson (requests are built with it)
// and FromWireJson / ItemFromWireJson (values handed over as nlohmann::json).
// The rules and messages are wire_rules.h's.
#include <exception>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/dynamodb/attribute_value.h"
#include "engine/dynamodb/wire_rules.h"
#include "engine/encoding.h"

namespace ddb::dynamodb {

using Json = nlohmann::json;
using Type = AttributeValue::Type;

using wire::BadBase64;
using wire::BadSetBase64;
using wire::EmptyName;
using wire::EmptyNameInMap;
using wire::EmptySet;
using wire::FinishSet;
using wire::InternalError;
using wire::Locate;
using wire::NestingError;
using wire::NotAnAttributeValue;
using wire::NotAnItem;
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

Status DecodeSet(Type type, const Json& payload, AttributeValue* out) {
  if (!payload.is_array()) return WrongJsonType(type, "a JSON array", payload.type_name());
  if (payload.empty()) return EmptySet(type);
  std::vector<std::string> members;
  std::vector<std::string_view> base64;
  members.reserve(payload.size());
  if (type == Type::kBS) base64.reserve(payload.size());
  for (const Json& m : payload) {
    if (!m.is_string()) return SetMemberNotString(type, m.type_name());
    const std::string& text = m.get_ref<const std::string&>();
    if (type == Type::kNS) {
      Status s = ValidateNumber(text);
      if (!s.ok()) return s;
      members.push_back(text);
    } else if (type == Type::kBS) {
      std::string bytes;
      Status s = Base64Decode(text, &bytes);
      if (!s.ok()) return BadSetBase64(s);
      members.push_back(std::move(bytes));
      base64.push_back(text);
    } else {
      members.push_back(text);
    }
  }
  return FinishSet(type, std::move(members), base64, out);
}

// Decodes `j`, a value nested in `depth` M/L levels. On failure, `where`
// holds the path of the offending value relative to `j`.
Status DecodeValue(const Json& j, int depth, AttributeValue* out, std::string* where) {
  if (!j.is_object()) return NotAnAttributeValue(j.type_name());
  const Json* payload = nullptr;
  Type type = Type::kNull;
  int count = 0;
  for (auto it = j.begin(); it != j.end(); ++it) {
    Type t;
    if (!ParseTypeKey(it.key(), &t)) return UnknownType(it.key());
    if (it->is_null()) continue;  // DynamoDB reads an explicit null as "not set"
    ++count;
    payload = &*it;
    type = t;
  }
  if (count == 0) return NoType();
  if (count > 1) {
    std::vector<std::string_view> names;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!it->is_null()) names.push_back(it.key());
    }
    return SeveralTypes(std::move(names));
  }
  const Json& p = *payload;
  switch (type) {
    case Type::kS:
      if (!p.is_string()) return WrongJsonType(type, "a JSON string", p.type_name());
      *out = AttributeValue::S(p.get_ref<const std::string&>());
      return Status::OK();
    case Type::kN: {
      if (!p.is_string()) return WrongJsonType(type, "a JSON string", p.type_name());
      const std::string& text = p.get_ref<const std::string&>();
      Status s = ValidateNumber(text);
      if (!s.ok()) return s;
      *out = AttributeValue::N(text);
      return Status::OK();
    }
    case Type::kB: {
      if (!p.is_string()) return WrongJsonType(type, "a JSON string", p.type_name());
      std::string bytes;
      Status s = Base64Decode(p.get_ref<const std::string&>(), &bytes);
      if (!s.ok()) return BadBase64(s);
      *out = AttributeValue::B(std::move(bytes));
      return Status::OK();
    }
    case Type::kBool:
      if (!p.is_boolean()) return WrongJsonType(type, "true or false", p.type_name());
      *out = AttributeValue::Bool(p.get<bool>());
      return Status::OK();
    case Type::kNull:
      if (!p.is_boolean()) return NullNotTrue(p.type_name());
      if (!p.get<bool>()) return NullNotTrue("false");
      *out = AttributeValue::Null();
      return Status::OK();
    case Type::kM: {
      if (!p.is_object()) return WrongJsonType(type, "a JSON object", p.type_name());
      if (depth + 1 > kMaxValueNesting) return NestingError();
      AttributeMap* m = out->mutable_map();
      m->clear();
      for (auto it = p.begin(); it != p.end(); ++it) {
        if (it.key().empty()) return EmptyNameInMap();
        // nlohmann's objects iterate in key order, as ours do: append at the end.
        auto slot = m->emplace_hint(m->end(), it.key(), AttributeValue());
        Status s = DecodeValue(*it, depth + 1, &slot->second, where);
        if (!s.ok()) {
          PrependPath(it.key(), where);
          return s;
        }
      }
      return Status::OK();
    }
    case Type::kL: {
      if (!p.is_array()) return WrongJsonType(type, "a JSON array", p.type_name());
      if (depth + 1 > kMaxValueNesting) return NestingError();
      AttributeList* l = out->mutable_list();
      l->clear();
      l->resize(p.size());
      for (size_t i = 0; i < p.size(); ++i) {
        Status s = DecodeValue(p[i], depth + 1, &(*l)[i], where);
        if (!s.ok()) {
          PrependPath("[" + std::to_string(i) + "]", where);
          return s;
        }
      }
      return Status::OK();
    }
    case Type::kSS:
    case Type::kNS:
    case Type::kBS:
      return DecodeSet(type, p, out);
  }
  return Status::InvalidArgument("unreachable AttributeValue type");
}

}  // namespace

void ToWireJson(const AttributeValue& v, Json* out) {
  *out = Json::object();
  Json& o = *out;
  switch (v.type()) {
    case Type::kNull:
      o["NULL"] = true;
      break;
    case Type::kBool:
      o["BOOL"] = v.boolean();
      break;
    case Type::kS:
      o["S"] = v.scalar();
      break;
    case Type::kN:
      o["N"] = v.scalar();
      break;
    case Type::kB:
      o["B"] = Base64Encode(v.scalar());
      break;
    case Type::kM: {
      Json& m = o["M"];
      m = Json::object();
      for (const auto& [name, child] : v.map()) ToWireJson(child, &m[name]);
      break;
    }
    case Type::kL: {
      Json& l = o["L"];
      l = Json::array();
      for (const AttributeValue& child : v.list()) {
        l.emplace_back();
        ToWireJson(child, &l.back());
      }
      break;
    }
    case Type::kSS:
    case Type::kNS:
    case Type::kBS: {
      Json& s = o[AttributeValue::TypeName(v.type())];
      s = Json::array();
      for (const std::string& m : v.set()) {
        s.push_back(v.type() == Type::kBS ? Base64Encode(m) : m);
      }
      break;
    }
  }
}

Json ItemToWireJson(const Item& item) {
  Json out = Json::object();
  for (const auto& [name, value] : item) ToWireJson(value, &out[name]);
  return out;
}

Status FromWireJson(const Json& j, AttributeValue* out) {
  try {
    AttributeValue v;
    std::string where;
    Status s = DecodeValue(j, 0, &v, &where);
    if (!s.ok()) return where.empty() ? s : Locate("at " + Quote(where), s);
    *out = std::move(v);
    return Status::OK();
  } catch (const std::exception& e) {
    return InternalError(e);
  }
}

Status ItemFromWireJson(const Json& j, Item* out) {
  try {
    if (!j.is_object()) return NotAnItem(j.type_name());
    Item item;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key().empty()) return EmptyName();
      auto slot = item.emplace_hint(item.end(), it.key(), AttributeValue());
      std::string where;
      Status s = DecodeValue(*it, 0, &slot->second, &where);
      if (!s.ok()) {
        PrependPath(it.key(), &where);
        return Locate("attribute " + Quote(where), s);
      }
    }
    out->swap(item);
    return Status::OK();
  } catch (const std::exception& e) {
    return InternalError(e);
  }
}

std::ostream& operator<<(std::ostream& os, const AttributeValue& v) {
  try {
    Json j;
    ToWireJson(v, &j);
    return os << j.dump(-1, ' ', false, Json::error_handler_t::replace);
  } catch (const std::exception& e) {
    return os << "<AttributeValue: " << e.what() << ">";
  }
}

}  // namespace ddb::dynamodb
