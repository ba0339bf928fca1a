// The rules every wire JSON decoder shares (private to engine/dynamodb):
// the type keys ("S", "NS", ...), the messages of what DynamoDB rejects, set
// member checks and where an error is located. Used by wire_json.cc (the
// nlohmann DOM codec), wire_text.cc (the text reader) and wire_simdjson.cc
// (pages through simdjson), so that all accept the same text and give the
// same messages.
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "engine/dynamodb/attribute_value.h"
#include "engine/status.h"

namespace ddb::dynamodb::wire {

using Type = AttributeValue::Type;

// Quotes user text for an error message, cut short at a UTF-8 boundary.
std::string Quote(std::string_view s);

// "a" + "b[2]" -> "a.b[2]"; "[1]" + "x" -> "[1].x"; "a" + "[0]" -> "a[0]".
void PrependPath(std::string segment, std::string* where);

// The type of a type key ("S", "BOOL", "NS", ...); false for other keys.
// Inline: it runs for every value decoded.
inline bool ParseTypeKey(std::string_view key, Type* type) {
  switch (key.size()) {
    case 1:
      switch (key[0]) {
        case 'S':
          *type = Type::kS;
          return true;
        case 'N':
          *type = Type::kN;
          return true;
        case 'B':
          *type = Type::kB;
          return true;
        case 'M':
          *type = Type::kM;
          return true;
        case 'L':
          *type = Type::kL;
          return true;
      }
      return false;
    case 2:
      if (key[1] != 'S') return false;
      switch (key[0]) {
        case 'S':
          *type = Type::kSS;
          return true;
        case 'N':
          *type = Type::kNS;
          return true;
        case 'B':
          *type = Type::kBS;
          return true;
      }
      return false;
    case 4:
      if (key == "BOOL") {
        *type = Type::kBool;
        return true;
      }
      if (key == "NULL") {
        *type = Type::kNull;
        return true;
      }
      return false;
  }
  return false;
}

// Messages shared by the decoders. `got` names a JSON type as nlohmann's
// type_name() does: "string", "number", "object", ...
Status WrongJsonType(Type type, const char* expected, const char* got);
Status NotAnAttributeValue(const char* got);
Status UnknownType(std::string_view key);
Status NoType();
// `names`: the type keys set, in any order.
Status SeveralTypes(std::vector<std::string_view> names);
Status NullNotTrue(const char* got);
Status BadBase64(const Status& s);
Status BadSetBase64(const Status& s);
Status EmptyNameInMap();
Status EmptyName();
Status NotAnItem(const char* got);
Status EmptySet(Type type);
Status SetMemberNotString(Type type, const char* got);
Status NestingError();

// Rejects repeated members; NS members that are numerically equal repeat.
// `base64` holds BS members as written, for the message.
Status CheckUniqueMembers(Type type, const std::vector<std::string>& members,
                          const std::vector<std::string_view>& base64);
// Checks the members of a decoded, non-empty set and stores it in *out.
Status FinishSet(Type type, std::vector<std::string> members,
                 const std::vector<std::string_view>& base64, AttributeValue* out);

// The location is part of the problem's description, so it goes into the
// message (callers add their own context with WithContext).
Status Locate(const std::string& where, const Status& s);
// An exception caught at a decoder's boundary (bad_alloc, nlohmann's).
Status InternalError(const std::exception& e);

// DecodeItemsResponse (with `items`) or SplitItemsResponse (with `texts`)
// through wire_text.cc's reader alone, without simdjson (wire_simdjson.h):
// the pass that gives a rejected page its message. For the differential
// tests and the fuzz target besides.
Status TextDecodeResponse(std::string_view body, std::string_view items_member,
                          std::vector<Item>* items, std::vector<std::string_view>* texts,
                          std::vector<JsonMember>* others);

}  // namespace ddb::dynamodb::wire
