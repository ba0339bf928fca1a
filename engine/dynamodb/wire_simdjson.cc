// A page of wire items decoded with simdjson On-Demand (wire_simdjson.h).
// Every value is read (nothing is skipped unchecked), so the text accepted
// is what WireTextReader accepts; the rules are wire_rules.h's.
#include "engine/dynamodb/wire_simdjson.h"

#include <string>
#include <utility>

#include <simdjson.h>

#include "engine/dynamodb/number.h"
#include "engine/dynamodb/wire_rules.h"
#include "engine/encoding.h"

namespace ddb::dynamodb::wire {

namespace {

namespace od = simdjson::ondemand;

// A JSON string value, decoded. (simdjson rejects what WireTextReader
// rejects in strings: bad escapes, lone surrogates, control characters.)
bool ReadString(od::value v, std::string_view* out) { return !v.get_string().get(*out); }

// An object key, decoded.
bool ReadKey(od::field& f, std::string_view* out) { return !f.unescaped_key().get(*out); }

class Reader {
 public:
  bool ReadItem(od::object obj, Item* out) {
    for (auto field : obj) {
      if (field.error()) return false;
      od::field& f = field.value_unsafe();
      std::string_view name;
      if (!ReadKey(f, &name) || name.empty()) return false;
      auto slot = out->try_emplace(std::string(name));
      if (!slot.second) return false;  // repeated name
      if (!ReadValue(f.value(), 0, &slot.first->second)) return false;
    }
    return true;
  }

 private:
  // An AttributeValue nested in `depth` M/L levels.
  bool ReadValue(od::value v, int depth, AttributeValue* out) {
    od::object obj;
    if (v.get_object().get(obj)) return false;
    int count = 0;
    for (auto field : obj) {
      if (field.error()) return false;
      od::field& f = field.value_unsafe();
      std::string_view key;
      if (!ReadKey(f, &key)) return false;
      Type type;
      if (!ParseTypeKey(key, &type)) return false;
      od::value payload = f.value();
      bool is_null;
      if (payload.is_null().get(is_null)) return false;
      if (is_null) continue;  // DynamoDB reads an explicit null as "not set"
      if (count++ > 0) return false;
      if (!ReadPayload(type, payload, depth, out)) return false;
    }
    return count == 1;
  }

  bool ReadPayload(Type type, od::value p, int depth, AttributeValue* out) {
    std::string_view text;
    switch (type) {
      case Type::kS:
        if (!ReadString(p, &text)) return false;
        *out = AttributeValue::S(std::string(text));
        return true;
      case Type::kN:
        if (!ReadString(p, &text) || !ValidateNumber(text).ok()) return false;
        *out = AttributeValue::N(std::string(text));
        return true;
      case Type::kB: {
        if (!ReadString(p, &text)) return false;
        std::string bytes;
        if (!Base64Decode(text, &bytes).ok()) return false;
        *out = AttributeValue::B(std::move(bytes));
        return true;
      }
      case Type::kBool: {
        bool b;
        if (p.get_bool().get(b)) return false;
        *out = AttributeValue::Bool(b);
        return true;
      }
      case Type::kNull: {
        bool b;
        if (p.get_bool().get(b) || !b) return false;
        *out = AttributeValue::Null();
        return true;
      }
      case Type::kM: {
        od::object obj;
        if (p.get_object().get(obj) || depth + 1 > kMaxValueNesting) return false;
        AttributeMap* m = out->mutable_map();
        m->clear();
        for (auto field : obj) {
          if (field.error()) return false;
          od::field& f = field.value_unsafe();
          std::string_view key;
          if (!ReadKey(f, &key) || key.empty()) return false;
          auto slot = m->try_emplace(std::string(key));
          if (!slot.second) return false;
          if (!ReadValue(f.value(), depth + 1, &slot.first->second)) return false;
        }
        return true;
      }
      case Type::kL: {
        od::array arr;
        if (p.get_array().get(arr) || depth + 1 > kMaxValueNesting) return false;
        AttributeList* l = out->mutable_list();
        l->clear();
        for (auto element : arr) {
          if (element.error()) return false;
          if (!ReadValue(element.value_unsafe(), depth + 1, &l->emplace_back())) return false;
        }
        return true;
      }
      case Type::kSS:
      case Type::kNS:
      case Type::kBS:
        return ReadSet(type, p, out);
    }
    return false;
  }

  bool ReadSet(Type type, od::value p, AttributeValue* out) {
    od::array arr;
    if (p.get_array().get(arr)) return false;
    std::vector<std::string> members;
    std::vector<std::string_view> base64;  // only for messages; none is made here
    for (auto element : arr) {
      std::string_view text;
      if (element.error() || !ReadString(element.value_unsafe(), &text)) return false;
      if (type == Type::kNS) {
        if (!ValidateNumber(text).ok()) return false;
        members.emplace_back(text);
      } else if (type == Type::kBS) {
        std::string bytes;
        if (!Base64Decode(text, &bytes).ok()) return false;
        members.push_back(std::move(bytes));
        base64.push_back(text);
      } else {
        members.emplace_back(text);
      }
    }
    if (members.empty()) return false;
    return FinishSet(type, std::move(members), base64, out).ok();
  }
};

}  // namespace

bool SimdjsonDecodeItems(std::string_view text, size_t readable, std::vector<Item>* out) {
  simdjson::padded_string copy;
  simdjson::padded_string_view input(text, readable);
  if (readable < text.size() + simdjson::SIMDJSON_PADDING) {
    copy = simdjson::padded_string(text);
    input = copy;
  }
  od::parser parser;
  od::document doc;
  if (parser.iterate(input).get(doc)) return false;
  od::array items;
  if (doc.get_array().get(items)) return false;
  Reader reader;
  for (auto element : items) {
    od::object obj;
    if (element.get_object().get(obj)) return false;
    if (!reader.ReadItem(obj, &out->emplace_back())) return false;
  }
  return true;
}

}  // namespace ddb::dynamodb::wire
