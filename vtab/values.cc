#include "vtab/values.h"

#include <cmath>
#include <cstring>

#include "engine/dynamodb/number.h"

namespace ddb::vtab {

using dynamodb::AttributeValue;
using Type = dynamodb::AttributeValue::Type;

namespace {
// Plain TEXT, without SQLite's JSON subtype, so that a document column
// behaves exactly like a TEXT column of a local table holding the same JSON
// (json_object('doc', doc) embeds it as a string there too; json(doc) makes
// it an object in both).
void ResultJsonText(sqlite3_context* ctx, const std::string& text) {
  sqlite3_result_text64(ctx, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void ResultText(sqlite3_context* ctx, std::string_view text) {
  sqlite3_result_text64(ctx, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

// N as values.h maps it.
void ResultNumber(sqlite3_context* ctx, std::string_view decimal) {
  // "Round-trips": printing the double back (shortest digits) gives the
  // stored number again, so 19.99 is a REAL while 0.10000000000000001
  // (the same double as 0.1, but not the same decimal) stays TEXT.
  dynamodb::NumberClass c =
      dynamodb::ClassifyNumber(decimal, dynamodb::DoubleRule::kShortestRoundTrip);
  if (c.kind == dynamodb::NumberClass::Kind::kInt64) {
    sqlite3_result_int64(ctx, c.i);
  } else if (c.kind == dynamodb::NumberClass::Kind::kDouble) {
    sqlite3_result_double(ctx, c.d);
  } else {
    ResultText(ctx, decimal);
  }
}

// The payload of `wire` when it is exactly {"<type>":"<payload>"} (as
// `prefix` {"<type>":" starts it) and the payload has no escape: then, the
// text having been checked, the payload is the decoded string itself.
bool PlainPayload(std::string_view wire, std::string_view prefix, std::string_view* payload) {
  constexpr std::string_view kSuffix = "\"}";
  if (wire.size() < prefix.size() + kSuffix.size() || !wire.starts_with(prefix) ||
      !wire.ends_with(kSuffix)) {
    return false;
  }
  *payload = wire.substr(prefix.size(), wire.size() - prefix.size() - kSuffix.size());
  return payload->find_first_of("\"\\") == std::string_view::npos;
}

void ResultStatusError(sqlite3_context* ctx, const Status& s) {
  std::string msg = s.ToString();
  sqlite3_result_error(ctx, msg.data(), static_cast<int>(msg.size()));
}
}  // namespace

void ResultAttribute(sqlite3_context* ctx, const AttributeValue& v) {
  switch (v.type()) {
    case Type::kNull:
      sqlite3_result_null(ctx);
      return;
    case Type::kS:
      sqlite3_result_text64(ctx, v.scalar().data(), v.scalar().size(), SQLITE_TRANSIENT,
                            SQLITE_UTF8);
      return;
    case Type::kN:
      ResultNumber(ctx, v.scalar());
      return;
    case Type::kB:
      sqlite3_result_blob64(ctx, v.scalar().data(), v.scalar().size(), SQLITE_TRANSIENT);
      return;
    case Type::kBool:
      sqlite3_result_int(ctx, v.boolean() ? 1 : 0);
      return;
    case Type::kM:
    case Type::kL:
    case Type::kSS:
    case Type::kNS:
    case Type::kBS:
      ResultJsonText(ctx, dynamodb::ToPlainJson(v));
      return;
  }
}

void ResultItemJson(sqlite3_context* ctx, const dynamodb::Item& item) {
  ResultJsonText(ctx, dynamodb::ItemToPlainJson(item));
}

void ResultWireAttribute(sqlite3_context* ctx, std::string_view wire_value) {
  // DynamoDB writes values compactly: most are one of these shapes.
  std::string_view payload;
  if (PlainPayload(wire_value, R"({"S":")", &payload)) {
    ResultText(ctx, payload);
  } else if (PlainPayload(wire_value, R"({"N":")", &payload)) {
    ResultNumber(ctx, payload);
  } else if (wire_value == R"({"BOOL":true})" || wire_value == R"({"BOOL":false})") {
    sqlite3_result_int(ctx, wire_value.size() == 13 ? 1 : 0);
  } else if (wire_value == R"({"NULL":true})") {
    sqlite3_result_null(ctx);
  } else {
    AttributeValue v;
    Status s = dynamodb::FromWireJsonText(wire_value, &v);
    if (!s.ok()) return ResultStatusError(ctx, s);
    ResultAttribute(ctx, v);
  }
}

void ResultWireItemJson(sqlite3_context* ctx, std::string_view wire_item) {
  std::string json;
  Status s = dynamodb::AppendCheckedItemPlainJson(wire_item, &json);
  if (!s.ok()) return ResultStatusError(ctx, s);
  ResultJsonText(ctx, json);
}

namespace {
std::string ValueText(sqlite3_value* v) {
  const unsigned char* t = sqlite3_value_text(v);
  return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_value_bytes(v)) : std::string();
}
}  // namespace

std::string ShortestDouble(double d) {
  char buf[64];
  // %.17g always reads back as `d`, so the loop ends by then.
  for (int prec = 1; prec <= 17; ++prec) {
    snprintf(buf, sizeof(buf), "%.*g", prec, d);
    if (strtod(buf, nullptr) == d) break;
  }
  return buf;
}

KeyValue SqlToKey(sqlite3_value* value, const std::string& key_type) {
  KeyValue out;
  int t = sqlite3_value_type(value);
  if (t == SQLITE_NULL) return out;  // NULL equals nothing
  if (key_type == "S") {
    // TEXT affinity: numbers compare as their text.
    if (t == SQLITE_BLOB) return out;
    out.value = AttributeValue::S(ValueText(value));
    out.exact = true;
  } else if (key_type == "N") {
    // NUMERIC affinity: text that looks like a number compares as that number.
    if (t == SQLITE_INTEGER) {
      out.value = AttributeValue::N(std::to_string(sqlite3_value_int64(value)));
      out.exact = true;
    } else if (t == SQLITE_FLOAT) {
      double d = sqlite3_value_double(value);
      if (!std::isfinite(d)) return out;
      out.value = AttributeValue::N(ShortestDouble(d));
      out.exact = dynamodb::ValidateNumber(out.value.scalar()).ok();
    } else if (t == SQLITE_TEXT) {
      // sqlite3_value_numeric_type applies NUMERIC affinity as a comparison would.
      sqlite3_value* copy = sqlite3_value_dup(value);
      int nt = sqlite3_value_numeric_type(copy);
      if (nt == SQLITE_INTEGER) {
        out.value = AttributeValue::N(std::to_string(sqlite3_value_int64(copy)));
        out.exact = true;
      } else if (nt == SQLITE_FLOAT) {
        out.value = AttributeValue::N(ShortestDouble(sqlite3_value_double(copy)));
        out.exact = dynamodb::ValidateNumber(out.value.scalar()).ok();
      }
      sqlite3_value_free(copy);
    }
  } else if (key_type == "B") {
    if (t != SQLITE_BLOB) return out;  // BLOB affinity: no conversion, text != blob
    const void* p = sqlite3_value_blob(value);
    out.value = AttributeValue::B(
        std::string(static_cast<const char*>(p), static_cast<size_t>(sqlite3_value_bytes(value))));
    out.exact = true;
  }
  return out;
}

const char* DeclaredType(const std::string& type) {
  if (type == "S") return "TEXT";
  if (type == "N") return "NUMERIC";
  if (type == "B") return "BLOB";
  if (type == "BOOL") return "INTEGER";
  if (type == "M" || type == "L" || type == "SS" || type == "NS" || type == "BS") return "TEXT";
  return "";
}

}  // namespace ddb::vtab
