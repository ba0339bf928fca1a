// The wire rules shared by the decoders (wire_rules.h): messages, set checks.
#include "engine/dynamodb/wire_rules.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "engine/dynamodb/number.h"

namespace ddb::dynamodb::wire {

namespace {

const char* SetName(Type type) {
  switch (type) {
    case Type::kSS:
      return "string set";
    case Type::kNS:
      return "number set";
    default:
      return "binary set";
  }
}

}  // namespace

std::string Quote(std::string_view s) {
  constexpr size_t kMax = 60;
  bool cut = false;
  if (s.size() > kMax) {
    size_t n = kMax;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
    s = s.substr(0, n);
    cut = true;
  }
  std::string out = "\"";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  if (cut) out += "...";
  out += '"';
  return out;
}

void PrependPath(std::string segment, std::string* where) {
  if (!where->empty()) {
    if ((*where)[0] != '[') segment += '.';
    segment += *where;
  }
  *where = std::move(segment);
}

Status WrongJsonType(Type type, const char* expected, const char* got) {
  return Status::InvalidArgument("\"" + std::string(AttributeValue::TypeName(type)) +
                                 "\" must be " + expected + ", got " + got);
}
Status NotAnAttributeValue(const char* got) {
  return Status::InvalidArgument(
      std::string("expected an AttributeValue object such as {\"S\": \"x\"}, got ") + got);
}
Status UnknownType(std::string_view key) {
  return Status::InvalidArgument("unknown AttributeValue type " + Quote(key) +
                                 "; expected one of S, N, B, BOOL, NULL, M, L, SS, NS, BS");
}
Status NoType() {
  return Status::InvalidArgument(
      "AttributeValue has no type; expected exactly one of S, N, B, BOOL, NULL, M, L, SS, NS, "
      "BS");
}
Status SeveralTypes(std::vector<std::string_view> names) {
  std::sort(names.begin(), names.end());
  std::string list;
  for (std::string_view n : names) {
    if (!list.empty()) list += ", ";
    list += n;
  }
  return Status::InvalidArgument("AttributeValue has several types (" + list +
                                 "); expected exactly one");
}
Status NullNotTrue(const char* got) {
  return Status::InvalidArgument(std::string("\"NULL\" must be true, got ") + got);
}
Status BadBase64(const Status& s) { return Status::InvalidArgument("\"B\": " + s.message()); }
Status BadSetBase64(const Status& s) {
  return Status::InvalidArgument("binary set member: " + s.message());
}
Status EmptyNameInMap() { return Status::InvalidArgument("empty attribute name in map"); }
Status EmptyName() { return Status::InvalidArgument("empty attribute name"); }
Status NotAnItem(const char* got) {
  return Status::InvalidArgument(std::string("expected an item (a JSON object), got ") + got);
}

Status EmptySet(Type type) {
  return Status::InvalidArgument(std::string("empty ") + SetName(type));
}
Status SetMemberNotString(Type type, const char* got) {
  return Status::InvalidArgument(std::string(SetName(type)) +
                                 " members must be JSON strings, got " + got);
}

Status CheckUniqueMembers(Type type, const std::vector<std::string>& members,
                          const std::vector<std::string_view>& base64) {
  bool numeric = type == Type::kNS;
  auto less = [numeric](std::string_view x, std::string_view y) {
    return numeric ? CompareNumbers(x, y) < 0 : x < y;
  };
  // DynamoDB returns sets sorted, which makes the common case linear.
  bool increasing = true;
  for (size_t i = 1; i < members.size() && increasing; ++i) {
    increasing = less(members[i - 1], members[i]);
  }
  if (increasing) return Status::OK();
  std::vector<uint32_t> order(members.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t x, uint32_t y) { return less(members[x], members[y]); });
  for (size_t i = 1; i < order.size(); ++i) {
    const std::string& a = members[order[i - 1]];
    const std::string& b = members[order[i]];
    if (less(a, b)) continue;
    std::string problem;
    if (type == Type::kBS) {
      problem = "duplicate member " + Quote(base64[order[i]]) + " (base64)";
    } else if (a != b) {
      problem = "duplicate members " + Quote(a) + " and " + Quote(b) + " (equal numbers)";
    } else {
      problem = "duplicate member " + Quote(a);
    }
    return Status::InvalidArgument(problem + " in " + SetName(type));
  }
  return Status::OK();
}

Status FinishSet(Type type, std::vector<std::string> members,
                 const std::vector<std::string_view>& base64, AttributeValue* out) {
  Status s = CheckUniqueMembers(type, members, base64);
  if (!s.ok()) return s;
  switch (type) {
    case Type::kSS:
      *out = AttributeValue::SS(std::move(members));
      break;
    case Type::kNS:
      *out = AttributeValue::NS(std::move(members));
      break;
    default:
      *out = AttributeValue::BS(std::move(members));
      break;
  }
  return Status::OK();
}

Status NestingError() {
  return Status::InvalidArgument(
      "nested deeper than DynamoDB's limit of 32 levels (counting the item)");
}

Status Locate(const std::string& where, const Status& s) {
  return Status::InvalidArgument(where + ": " + s.message());
}

Status InternalError(const std::exception& e) {
  return Status::InvalidArgument(std::string("cannot convert JSON: ") + e.what());
}

}  // namespace ddb::dynamodb::wire
