// Plain JSON, the users' form of a value (the `item` column): the writer
// (ToPlainJson and the Append forms) and the reader (FromPlainJson, on
// nlohmann's SAX parser so that numbers keep their text).
#include <array>
#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/dynamodb/attribute_value.h"
#include "engine/dynamodb/plain_json.h"
#include "engine/dynamodb/wire_rules.h"
#include "engine/encoding.h"

namespace ddb::dynamodb {

using Json = nlohmann::json;
using Type = AttributeValue::Type;
using plain::AppendBase64;
using plain::AppendJsonString;
using plain::AppendNumber;
using wire::InternalError;
using wire::Quote;

namespace plain {

namespace {

// For each byte: 0 if it stands for itself in a JSON string, else the letter
// of its short escape, or 'u' for \u00xx.
constexpr std::array<char, 256> MakeEscapeTable() {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 'u';
  t['\b'] = 'b';
  t['\f'] = 'f';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\t'] = 't';
  t['"'] = '"';
  t['\\'] = '\\';
  return t;
}
constexpr std::array<char, 256> kEscape = MakeEscapeTable();

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char e = kEscape[static_cast<unsigned char>(s[i])];
    if (e == 0) continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    out->push_back('\\');
    if (e != 'u') {
      out->push_back(e);
    } else {
      static const char kHex[] = "0123456789abcdef";
      unsigned char c = static_cast<unsigned char>(s[i]);
      out->append("u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void AppendNumber(std::string_view text, std::string* out) {
  if (!AppendJsonNumber(text, out)) AppendJsonString(text, out);
}

void AppendBase64(std::string_view bytes, std::string* out) {
  out->push_back('"');
  out->append(Base64Encode(bytes));  // the alphabet needs no escapes
  out->push_back('"');
}

}  // namespace plain

void AppendPlainJson(const AttributeValue& v, std::string* out) {
  switch (v.type()) {
    case Type::kNull:
      out->append("null");
      return;
    case Type::kBool:
      out->append(v.boolean() ? "true" : "false");
      return;
    case Type::kS:
      AppendJsonString(v.scalar(), out);
      return;
    case Type::kN:
      AppendNumber(v.scalar(), out);
      return;
    case Type::kB:
      AppendBase64(v.scalar(), out);
      return;
    case Type::kM:
      AppendItemPlainJson(v.map(), out);
      return;
    case Type::kL: {
      out->push_back('[');
      bool first = true;
      for (const AttributeValue& child : v.list()) {
        if (!first) out->push_back(',');
        first = false;
        AppendPlainJson(child, out);
      }
      out->push_back(']');
      return;
    }
    case Type::kSS:
    case Type::kNS:
    case Type::kBS: {
      out->push_back('[');
      bool first = true;
      for (const std::string& m : v.set()) {
        if (!first) out->push_back(',');
        first = false;
        if (v.type() == Type::kSS) {
          AppendJsonString(m, out);
        } else if (v.type() == Type::kNS) {
          AppendNumber(m, out);
        } else {
          AppendBase64(m, out);
        }
      }
      out->push_back(']');
      return;
    }
  }
}

void AppendItemPlainJson(const Item& item, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (const auto& [name, value] : item) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(name, out);
    out->push_back(':');
    AppendPlainJson(value, out);
  }
  out->push_back('}');
}

std::string ToPlainJson(const AttributeValue& v) {
  std::string out;
  AppendPlainJson(v, &out);
  return out;
}

std::string ItemToPlainJson(const Item& item) {
  std::string out;
  AppendItemPlainJson(item, &out);
  return out;
}

namespace {

// An nlohmann SAX handler building an AttributeValue, so that number tokens
// arrive as their text and never pass through a double.
class PlainJsonBuilder {
 public:
  static constexpr size_t kMaxLevels = kMaxValueNesting + 1;

  AttributeValue& root() { return root_; }
  const std::string& error() const { return error_; }

  bool null() { return Put(AttributeValue::Null()); }
  bool boolean(bool b) { return Put(AttributeValue::Bool(b)); }
  bool number_integer(Json::number_integer_t v) {
    return Put(AttributeValue::N(std::to_string(v)));
  }
  bool number_unsigned(Json::number_unsigned_t v) {
    return Put(AttributeValue::N(std::to_string(v)));
  }
  bool number_float(Json::number_float_t, const std::string& text) {
    std::string decimal = text;
    // nlohmann writes the C locale's decimal point into the token; undo a
    // non-'.' one (e.g. ',' under LC_NUMERIC=de_DE).
    for (char& c : decimal) {
      if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' || c == 'E')) c = '.';
    }
    return Put(AttributeValue::N(std::move(decimal)));
  }
  bool string(std::string& s) { return Put(AttributeValue::S(std::move(s))); }
  bool binary(Json::binary_t&) {
    error_ = "binary values are not JSON";
    return false;
  }
  bool start_object(size_t) { return Open(AttributeValue::M({})); }
  bool key(std::string& k) {
    key_ = std::move(k);
    return true;
  }
  bool end_object() {
    stack_.pop_back();
    return true;
  }
  bool start_array(size_t) { return Open(AttributeValue::L({})); }
  bool end_array() {
    stack_.pop_back();
    return true;
  }
  bool parse_error(size_t, const std::string&, const Json::exception& e) {
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix.
    std::string_view what = e.what();
    size_t bracket = what.find("] ");
    if (!what.empty() && what[0] == '[' && bracket != std::string_view::npos) {
      what.remove_prefix(bracket + 2);
    }
    error_ = "invalid JSON: " + std::string(what);
    return false;
  }

 private:
  // Where the next value goes: the root, the pending key of the innermost
  // object, or the end of the innermost array.
  AttributeValue* Slot() {
    if (stack_.empty()) return &root_;
    AttributeValue* top = stack_.back();
    if (top->type() == Type::kL) {
      AttributeList* l = top->mutable_list();
      l->emplace_back();
      return &l->back();
    }
    auto [it, inserted] = top->mutable_map()->try_emplace(std::move(key_));
    if (!inserted) {
      error_ = "duplicate key " + Quote(it->first) + " in JSON object";
      return nullptr;
    }
    return &it->second;
  }

  bool Put(AttributeValue v) {
    AttributeValue* slot = Slot();
    if (slot == nullptr) return false;
    *slot = std::move(v);
    return true;
  }

  bool Open(AttributeValue container) {
    if (stack_.size() >= kMaxLevels) {
      error_ = "JSON nested deeper than DynamoDB's limit of 32 levels";
      return false;
    }
    AttributeValue* slot = Slot();
    if (slot == nullptr) return false;
    *slot = std::move(container);
    // Stays valid: only the innermost container grows while this one is open.
    stack_.push_back(slot);
    return true;
  }

  AttributeValue root_;
  std::vector<AttributeValue*> stack_;
  std::string key_;
  std::string error_;
};

}  // namespace

Status FromPlainJson(std::string_view json_text, AttributeValue* out) {
  try {
    PlainJsonBuilder builder;
    bool ok = Json::sax_parse(json_text.data(), json_text.data() + json_text.size(), &builder);
    if (!ok) {
      return Status::InvalidArgument(builder.error().empty() ? "invalid JSON" : builder.error());
    }
    *out = std::move(builder.root());
    return Status::OK();
  } catch (const std::exception& e) {
    return InternalError(e);
  }
}

}  // namespace ddb::dynamodb
