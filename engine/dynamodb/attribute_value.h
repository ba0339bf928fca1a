// AttributeValue: DynamoDB's typed value, and its two JSON forms.
//
//   - Wire JSON, as the DynamoDB API sends it: {"S": "x"}, {"N": "1.5"},
//     {"B": "<base64>"}, {"BOOL": true}, {"NULL": true}, {"M": {...}},
//     {"L": [...]}, {"SS": [...]}, {"NS": [...]}, {"BS": [...]}.
//   - Plain JSON, for users (the `item` column): S as a string, N as a JSON
//     number written exactly as stored (all 38 digits), B as a base64
//     string, BOOL as true/false, NULL as null, M as an object, L as an
//     array, sets as arrays.
//
// Numbers stay decimal strings (up to 38 significant digits, exponent
// -130..+125, as DynamoDB accepts) until they meet SQL; nothing here
// rounds them. engine/dynamodb/number.h compares, canonicalizes and
// classifies them.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/dynamodb/number.h"
#include "engine/status.h"

namespace ddb::dynamodb {

class AttributeValue;
using AttributeMap = std::map<std::string, AttributeValue, std::less<>>;
using AttributeList = std::vector<AttributeValue>;
using Item = AttributeMap;

// DynamoDB allows 32 levels of nesting, the item itself being the first: a
// single attribute value holds at most this many nested M/L levels.
inline constexpr int kMaxValueNesting = 31;

// A value holds exactly one of its types' payloads (a tagged union of 40
// bytes); copies are deep. Accessors of another type's payload return an
// empty payload rather than failing.
class AttributeValue {
 public:
  enum class Type : uint8_t { kNull, kS, kN, kB, kBool, kM, kL, kSS, kNS, kBS };

  AttributeValue() {}  // NULL
  static AttributeValue S(std::string s);
  static AttributeValue N(std::string decimal);  // not validated; see ValidateNumber
  static AttributeValue B(std::string bytes);    // raw bytes, not base64
  static AttributeValue Bool(bool b);
  static AttributeValue Null();
  static AttributeValue M(AttributeMap m);
  static AttributeValue L(AttributeList l);
  // Sets keep the members' order; neither emptiness nor uniqueness is checked
  // here (FromWireJson checks both).
  static AttributeValue SS(std::vector<std::string> v);
  static AttributeValue NS(std::vector<std::string> v);
  static AttributeValue BS(std::vector<std::string> v);

  AttributeValue(const AttributeValue& other);
  AttributeValue(AttributeValue&& other) noexcept;  // leaves `other` NULL
  AttributeValue& operator=(const AttributeValue& other);
  AttributeValue& operator=(AttributeValue&& other) noexcept;  // leaves `other` NULL
  ~AttributeValue() { Reset(); }

  Type type() const { return type_; }
  bool is_set() const { return type_ == Type::kSS || type_ == Type::kNS || type_ == Type::kBS; }

  // S, N and B: the string, decimal text or raw bytes; empty for other types.
  const std::string& scalar() const { return HoldsScalar() ? rep_.scalar : EmptyString(); }
  bool boolean() const { return type_ == Type::kBool && rep_.boolean; }
  const AttributeMap& map() const { return type_ == Type::kM ? *rep_.map : EmptyMap(); }
  const AttributeList& list() const { return type_ == Type::kL ? rep_.list : EmptyList(); }
  // SS, NS, BS members (BS: raw bytes).
  const std::vector<std::string>& set() const { return is_set() ? rep_.set : EmptySet(); }
  // Make the value an empty M (or L) first unless it already is one, like a
  // protobuf oneof's mutable accessor.
  AttributeMap* mutable_map();
  AttributeList* mutable_list();

  // Deep equality as DynamoDB sees it: N compares numerically ("1.0" == "1"),
  // sets compare as sets (order-insensitive; NS members numerically).
  bool operator==(const AttributeValue& other) const;
  bool operator!=(const AttributeValue& other) const { return !(*this == other); }

  // "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"
  static const char* TypeName(Type t);

 private:
  bool HoldsScalar() const { return type_ == Type::kS || type_ == Type::kN || type_ == Type::kB; }
  static const std::string& EmptyString();
  static const AttributeMap& EmptyMap();
  static const AttributeList& EmptyList();
  static const std::vector<std::string>& EmptySet();
  static AttributeValue MakeSet(Type type, std::vector<std::string> members);
  void Reset() noexcept;  // destroys the payload, becomes NULL
  void CopyFrom(const AttributeValue& other);
  void MoveFrom(AttributeValue&& other) noexcept;

  // The active member is given by type_: none for kNull, `boolean` for kBool.
  union Rep {
    Rep() {}
    ~Rep() {}
    bool boolean;
    std::string scalar;                 // kS, kN, kB
    std::vector<std::string> set;       // kSS, kNS, kBS
    std::unique_ptr<AttributeMap> map;  // kM, never null
    AttributeList list;                 // kL
  } rep_;
  Type type_ = Type::kNull;
};

// Debug form (wire JSON), so that test failures print readable values.
std::ostream& operator<<(std::ostream& os, const AttributeValue& v);

// DynamoDB's number syntax and limits (declared in number.h):
// Status ValidateNumber(std::string_view decimal);

// ---- Wire JSON ----
// Writes the value as DynamoDB's typed JSON, numbers as their stored text and
// binary as base64.
void ToWireJson(const AttributeValue& v, nlohmann::json* out);
nlohmann::json ItemToWireJson(const Item& item);
// Rejects what DynamoDB rejects: not an object, zero or several type keys,
// unknown type keys, wrong JSON types ({"S": 1}), NULL other than true, empty
// sets, duplicate set members (NS: numerically equal), malformed numbers or
// base64, empty map keys, nesting beyond kMaxValueNesting. A type key whose
// value is JSON null counts as absent, as in DynamoDB. Errors say where:
// `attribute "tags": empty string set`, `attribute "a.b[2]": ...` for items,
// `at "b[2]": ...` below a bare value.
Status FromWireJson(const nlohmann::json& j, AttributeValue* out);
Status ItemFromWireJson(const nlohmann::json& j, Item* out);

// ---- Wire JSON from text ----
// The same decoding straight from JSON text, without a nlohmann DOM in
// between: for response pages (2.3x faster than json::parse + ItemFromWireJson
// on a 1 MB Scan page of 460-byte items). Same rules and
// messages as above, plus "invalid JSON at offset N: ..." for bad syntax or
// UTF-8, and repeated names in one object are rejected. When a value breaks
// several rules, the one reported may differ from FromWireJson's.
Status FromWireJsonText(std::string_view text, AttributeValue* out);
Status ItemFromWireJsonText(std::string_view text, Item* out);
// A JSON array of items, as in Scan's and Query's "Items". Errors start with
// "item <index>: ".
Status ItemsFromWireJsonText(std::string_view text, std::vector<Item>* out);

// A member of a JSON object: its name and the raw text of its value.
struct JsonMember {
  std::string name;
  std::string_view value;  // points into the text given to SplitJsonObject
};
// Splits a JSON object into its members, in document order, checking the
// syntax of all of it: the bulky members of a response can then go to
// ItemsFromWireJsonText and the small ones to nlohmann::json::parse.
Status SplitJsonObject(std::string_view text, std::vector<JsonMember>* members);
// One pass over a response object such as Scan's or Query's: the member
// `items_member` ("Items") is decoded as by ItemsFromWireJsonText into
// *items (empty when absent), all other members go to *others as by
// SplitJsonObject. Errors in the items start with `"Items": item 3: `.
// simdjson decodes the page; one it rejects is read again by the text
// reader of the functions above, for the message.
Status DecodeItemsResponse(std::string_view body, std::string_view items_member,
                           std::vector<Item>* items, std::vector<JsonMember>* others);

// ---- Items kept as text ----
// A reader that needs a few attributes of each item (or none, to count
// them) can keep a page's items as their text and decode only what it
// reads: no Item is built, and a page costs its text, not its decoded maps.
//
// The same pass as DecodeItemsResponse, with the same checks and messages
// (a page that one rejects, the other rejects with the same Status), but
// each item stays text: *items gets the span of each element of
// `items_member` within `body`.
Status SplitItemsResponse(std::string_view body, std::string_view items_member,
                          std::vector<std::string_view>* items, std::vector<JsonMember>* others);
// Finds attributes of one item text from SplitItemsResponse by name,
// reading the item only as far as the names asked for: each attribute is
// split off once (its name decoded, its value kept as wire JSON text, to
// decode with FromWireJsonText) and remembered for later lookups. Fast
// because the text was checked already; on other text it fails or returns
// nonsense, never reads outside it. Reuse one object from item to item.
class CheckedItemAttributes {
 public:
  // Starts on `item_text`, which must outlive the lookups.
  void Reset(std::string_view item_text);
  // *value is the wire JSON of attribute `name` when *found.
  Status Find(std::string_view name, std::string_view* value, bool* found);

 private:
  std::string_view text_;
  size_t offset_ = 0;  // where splitting resumes; 0: not started
  size_t split_ = 0;   // seen_[0, split_) are this item's
  bool done_ = true;   // every attribute is split off
  std::vector<JsonMember> seen_;
};
// Appends ItemToPlainJson of the item an item text from SplitItemsResponse
// decodes to, written straight from the text: the same output, no Item
// built. On other text it fails (leaving *out as it was) or gives nonsense,
// never reads outside `item_text`.
Status AppendCheckedItemPlainJson(std::string_view item_text, std::string* out);

// ---- Plain JSON ----
// Compact JSON text (no spaces). Strings are escaped as SQLite's json()
// does: '"', '\\', \b \f \n \r \t, other control characters as \u00xx, all
// else (including non-ASCII UTF-8) verbatim. Map keys in byte order. N is
// written as stored when that is valid JSON, else normalized without losing
// digits ("+5" -> 5, ".5" -> 0.5, see AppendJsonNumber); an N whose text is
// not a number at all is written as a JSON string.
std::string ToPlainJson(const AttributeValue& v);
std::string ItemToPlainJson(const Item& item);
// Appending forms, to build larger documents without copies.
void AppendPlainJson(const AttributeValue& v, std::string* out);
void AppendItemPlainJson(const Item& item, std::string* out);
// From plain JSON text: strings to S, numbers to N keeping their text exactly
// (any length; except that "-0" becomes "0"; not validated against
// DynamoDB's limits), booleans to BOOL, null to NULL, objects to M, arrays to
// L. Rejects invalid JSON, duplicate object keys, nesting deeper than 32
// levels (the most a DynamoDB item can hold) and numbers beyond a double's
// range (nlohmann's parser insists; DynamoDB stops at 1E126 anyway).
Status FromPlainJson(std::string_view json_text, AttributeValue* out);

}  // namespace ddb::dynamodb
