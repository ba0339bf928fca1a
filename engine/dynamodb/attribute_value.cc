// AttributeValue, the value type: construction, copies and moves, equality.
// Its JSON forms live beside it: wire_json.cc (nlohmann DOM), wire_text.cc
// (the page reader), plain_json.cc (the users' plain JSON).
#include "engine/dynamodb/attribute_value.h"

#include <algorithm>
#include <memory>
#include <new>
#include <utility>

namespace ddb::dynamodb {

using Type = AttributeValue::Type;

// ---- AttributeValue ----

const std::string& AttributeValue::EmptyString() {
  static const std::string kEmpty;
  return kEmpty;
}
const AttributeMap& AttributeValue::EmptyMap() {
  static const AttributeMap kEmpty;
  return kEmpty;
}
const AttributeList& AttributeValue::EmptyList() {
  static const AttributeList kEmpty;
  return kEmpty;
}
const std::vector<std::string>& AttributeValue::EmptySet() {
  static const std::vector<std::string> kEmpty;
  return kEmpty;
}

void AttributeValue::Reset() noexcept {
  switch (type_) {
    case Type::kS:
    case Type::kN:
    case Type::kB:
      rep_.scalar.~basic_string();
      break;
    case Type::kSS:
    case Type::kNS:
    case Type::kBS:
      rep_.set.~vector();
      break;
    case Type::kM:
      rep_.map.~unique_ptr();
      break;
    case Type::kL:
      rep_.list.~vector();
      break;
    case Type::kNull:
    case Type::kBool:
      break;
  }
  type_ = Type::kNull;
}

void AttributeValue::CopyFrom(const AttributeValue& other) {
  // Called on a NULL value; type_ is set only once the payload exists, so an
  // exception from an allocation leaves a valid NULL.
  switch (other.type_) {
    case Type::kS:
    case Type::kN:
    case Type::kB:
      new (&rep_.scalar) std::string(other.rep_.scalar);
      break;
    case Type::kSS:
    case Type::kNS:
    case Type::kBS:
      new (&rep_.set) std::vector<std::string>(other.rep_.set);
      break;
    case Type::kM:
      new (&rep_.map)
          std::unique_ptr<AttributeMap>(std::make_unique<AttributeMap>(*other.rep_.map));
      break;
    case Type::kL:
      new (&rep_.list) AttributeList(other.rep_.list);
      break;
    case Type::kBool:
      rep_.boolean = other.rep_.boolean;
      break;
    case Type::kNull:
      break;
  }
  type_ = other.type_;
}

void AttributeValue::MoveFrom(AttributeValue&& other) noexcept {
  switch (other.type_) {
    case Type::kS:
    case Type::kN:
    case Type::kB:
      new (&rep_.scalar) std::string(std::move(other.rep_.scalar));
      break;
    case Type::kSS:
    case Type::kNS:
    case Type::kBS:
      new (&rep_.set) std::vector<std::string>(std::move(other.rep_.set));
      break;
    case Type::kM:
      new (&rep_.map) std::unique_ptr<AttributeMap>(std::move(other.rep_.map));
      break;
    case Type::kL:
      new (&rep_.list) AttributeList(std::move(other.rep_.list));
      break;
    case Type::kBool:
      rep_.boolean = other.rep_.boolean;
      break;
    case Type::kNull:
      break;
  }
  type_ = other.type_;
  other.Reset();
}

AttributeValue::AttributeValue(const AttributeValue& other) { CopyFrom(other); }

AttributeValue::AttributeValue(AttributeValue&& other) noexcept { MoveFrom(std::move(other)); }

AttributeValue& AttributeValue::operator=(const AttributeValue& other) {
  if (this != &other) {
    // Copy first: `other` may live inside this value's own payload.
    AttributeValue copy(other);
    Reset();
    MoveFrom(std::move(copy));
  }
  return *this;
}

AttributeValue& AttributeValue::operator=(AttributeValue&& other) noexcept {
  if (this == &other) return *this;
  if (type_ != Type::kM && type_ != Type::kL) {
    // Nothing of ours can contain `other`: the common, cheap case.
    Reset();
    MoveFrom(std::move(other));
  } else {
    // Detach first: `other` may live inside this value's own payload.
    AttributeValue taken;
    taken.MoveFrom(std::move(other));
    Reset();
    MoveFrom(std::move(taken));
  }
  return *this;
}

AttributeValue AttributeValue::S(std::string s) {
  AttributeValue v;
  new (&v.rep_.scalar) std::string(std::move(s));
  v.type_ = Type::kS;
  return v;
}

AttributeValue AttributeValue::N(std::string decimal) {
  AttributeValue v;
  new (&v.rep_.scalar) std::string(std::move(decimal));
  v.type_ = Type::kN;
  return v;
}

AttributeValue AttributeValue::B(std::string bytes) {
  AttributeValue v;
  new (&v.rep_.scalar) std::string(std::move(bytes));
  v.type_ = Type::kB;
  return v;
}

AttributeValue AttributeValue::Bool(bool b) {
  AttributeValue v;
  v.rep_.boolean = b;
  v.type_ = Type::kBool;
  return v;
}

AttributeValue AttributeValue::Null() { return AttributeValue(); }

AttributeValue AttributeValue::M(AttributeMap m) {
  AttributeValue v;
  new (&v.rep_.map) std::unique_ptr<AttributeMap>(std::make_unique<AttributeMap>(std::move(m)));
  v.type_ = Type::kM;
  return v;
}

AttributeValue AttributeValue::L(AttributeList l) {
  AttributeValue v;
  new (&v.rep_.list) AttributeList(std::move(l));
  v.type_ = Type::kL;
  return v;
}

AttributeValue AttributeValue::MakeSet(Type type, std::vector<std::string> members) {
  AttributeValue v;
  new (&v.rep_.set) std::vector<std::string>(std::move(members));
  v.type_ = type;
  return v;
}

AttributeValue AttributeValue::SS(std::vector<std::string> v) {
  return MakeSet(Type::kSS, std::move(v));
}
AttributeValue AttributeValue::NS(std::vector<std::string> v) {
  return MakeSet(Type::kNS, std::move(v));
}
AttributeValue AttributeValue::BS(std::vector<std::string> v) {
  return MakeSet(Type::kBS, std::move(v));
}

AttributeMap* AttributeValue::mutable_map() {
  if (type_ != Type::kM) *this = M({});
  return rep_.map.get();
}

AttributeList* AttributeValue::mutable_list() {
  if (type_ != Type::kL) *this = L({});
  return &rep_.list;
}

const char* AttributeValue::TypeName(Type t) {
  switch (t) {
    case Type::kNull:
      return "NULL";
    case Type::kS:
      return "S";
    case Type::kN:
      return "N";
    case Type::kB:
      return "B";
    case Type::kBool:
      return "BOOL";
    case Type::kM:
      return "M";
    case Type::kL:
      return "L";
    case Type::kSS:
      return "SS";
    case Type::kNS:
      return "NS";
    case Type::kBS:
      return "BS";
  }
  return "?";
}

namespace {

// True if a and b hold the same members in any order; `numeric` compares
// them as numbers. Duplicates count (multiset equality).
bool SameMembers(const std::vector<std::string>& a, const std::vector<std::string>& b,
                 bool numeric) {
  if (a.size() != b.size()) return false;
  auto equal = [numeric](std::string_view x, std::string_view y) {
    return numeric ? CompareNumbers(x, y) == 0 : x == y;
  };
  if (std::equal(a.begin(), a.end(), b.begin(), equal)) return true;
  std::vector<std::string_view> sa(a.begin(), a.end()), sb(b.begin(), b.end());
  auto less = [numeric](std::string_view x, std::string_view y) {
    return numeric ? CompareNumbers(x, y) < 0 : x < y;
  };
  std::sort(sa.begin(), sa.end(), less);
  std::sort(sb.begin(), sb.end(), less);
  return std::equal(sa.begin(), sa.end(), sb.begin(), equal);
}

}  // namespace

bool AttributeValue::operator==(const AttributeValue& other) const {
  if (type_ != other.type_) return false;
  switch (type_) {
    case Type::kNull:
      return true;
    case Type::kBool:
      return rep_.boolean == other.rep_.boolean;
    case Type::kS:
    case Type::kB:
      return rep_.scalar == other.rep_.scalar;
    case Type::kN:
      return CompareNumbers(rep_.scalar, other.rep_.scalar) == 0;
    case Type::kSS:
    case Type::kBS:
      return SameMembers(rep_.set, other.rep_.set, /*numeric=*/false);
    case Type::kNS:
      return SameMembers(rep_.set, other.rep_.set, /*numeric=*/true);
    case Type::kM:
      return *rep_.map == *other.rep_.map;
    case Type::kL:
      return rep_.list == other.rep_.list;
  }
  return false;
}

}  // namespace ddb::dynamodb
