// Response pages decoded with simdjson On-Demand (wire_simdjson.h).
// Every value is read (nothing is skipped unchecked), so that the text
// accepted is exactly what wire_text.cc's reader accepts; the rules are
// wire_rules.h's.
//
// Runtime dispatch: simdjson 3.0.1 (Debian's) compiles the On-Demand API for
// one "builtin" kernel, the one the compiler flags allow (fallback without
// -march), but its two SIMD steps, stage 1 (structure and UTF-8) and string
// unescaping, are virtual calls into the library's kernel chosen for this
// CPU at run time (simdjson::get_active_implementation(): icelake, haswell,
// westmere or fallback; SIMDJSON_FORCE_IMPLEMENTATION overrides it). What
// the builtin kernel compiles here is scalar: the iteration over the
// structural indexes and this decoder, most of whose time is spent building
// the items. So this file is compiled once, for the baseline CPU: no code of
// it can fault on an older one.
#include "engine/dynamodb/wire_simdjson.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "engine/dynamodb/number.h"
#include "engine/dynamodb/wire_rules.h"
#include "engine/encoding.h"

namespace ddb::dynamodb::wire {

namespace {

namespace od = simdjson::ondemand;

// Decodes one response page; one object per page (it holds the parser).
class Decoder {
 public:
  Decoder() = default;
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  bool Decode(std::string_view body, std::string_view items_member, std::vector<Item>* items,
              std::vector<std::string_view>* texts, std::vector<JsonMember>* others) {
    simdjson::padded_string copy(body);
    copy_ = copy.data();
    body_ = body.data();
    od::document doc;
    if (parser_.iterate(copy).get(doc)) return false;
    doc_ = &doc;
    od::object top;
    if (doc.get_object().get(top)) return false;
    for (auto member : top) {
      if (member.error()) return false;
      od::field& field = member.value_unsafe();
      std::string_view name;
      if (field.unescaped_key().get(name)) return false;
      od::value value = field.value();
      if (name == items_member) {
        if (!ReadItems(value, items, texts)) return false;
        continue;
      }
      std::string_view span;
      if (!SkipAny(value, 0, &span)) return false;
      others->push_back({std::string(name), span});
    }
    // Only white space may follow the object.
    const char* rest;
    return doc.current_location().get(rest) != simdjson::SUCCESS;
  }

 private:
  // A JSON array of items, decoded into *items or checked and recorded as
  // spans in *texts.
  bool ReadItems(od::value value, std::vector<Item>* items, std::vector<std::string_view>* texts) {
    od::array array;
    if (value.get_array().get(array)) return false;
    for (auto element : array) {
      od::value item;
      if (element.get(item)) return false;
      if (texts != nullptr) {
        const char* start = Start(item);
        if (start == nullptr || !ReadItem(item, nullptr)) return false;
        std::string_view span;
        if (!SpanTo(start, &span)) return false;
        texts->push_back(span);
      } else if (items == nullptr || !ReadItem(item, &items->emplace_back())) {
        return false;
      }
    }
    return true;
  }

  // An item into *out, or, with a null `out`, only checked as one.
  bool ReadItem(od::value value, Item* out) {
    od::object object;
    if (value.get_object().get(object)) return false;
    NameFrame names(this);
    for (auto member : object) {
      if (member.error()) return false;
      od::field& field = member.value_unsafe();
      std::string_view name;
      if (field.unescaped_key().get(name) || name.empty()) return false;
      AttributeValue* slot = nullptr;
      if (out != nullptr) {
        auto inserted = out->try_emplace(std::string(name));
        if (!inserted.second) return false;  // repeated name
        slot = &inserted.first->second;
      } else if (!names.Insert(name)) {
        return false;
      }
      if (!ReadValue(field.value(), 0, slot)) return false;
    }
    return true;
  }

  // An AttributeValue nested in `depth` M/L levels; only checked when `out`
  // is null.
  bool ReadValue(od::value value, int depth, AttributeValue* out) {
    od::object object;
    if (value.get_object().get(object)) return false;
    int count = 0;
    for (auto member : object) {
      if (member.error()) return false;
      od::field& field = member.value_unsafe();
      std::string_view key;
      if (field.unescaped_key().get(key)) return false;
      Type type;
      if (!wire::ParseTypeKey(key, &type)) return false;
      od::value payload = field.value();
      bool is_null;
      if (payload.is_null().get(is_null)) return false;
      if (is_null) continue;  // DynamoDB reads an explicit null as "not set"
      if (count++ > 0) return false;
      if (!ReadPayload(type, payload, depth, out)) return false;
    }
    return count == 1;
  }

  bool ReadPayload(Type type, od::value payload, int depth, AttributeValue* out) {
    std::string_view text;
    switch (type) {
      case Type::kS:
        if (payload.get_string().get(text)) return false;
        if (out != nullptr) *out = AttributeValue::S(std::string(text));
        return true;
      case Type::kN:
        if (payload.get_string().get(text) || !ValidateNumber(text).ok()) return false;
        if (out != nullptr) *out = AttributeValue::N(std::string(text));
        return true;
      case Type::kB: {
        if (payload.get_string().get(text)) return false;
        std::string bytes;
        if (!Base64Decode(text, out != nullptr ? &bytes : &bytes_).ok()) return false;
        if (out != nullptr) *out = AttributeValue::B(std::move(bytes));
        return true;
      }
      case Type::kBool:
      case Type::kNull: {
        bool b;
        if (payload.get_bool().get(b) || (type == Type::kNull && !b)) return false;
        if (out != nullptr)
          *out = type == Type::kBool ? AttributeValue::Bool(b) : AttributeValue::Null();
        return true;
      }
      case Type::kM: {
        od::object object;
        if (payload.get_object().get(object) || depth + 1 > kMaxValueNesting) return false;
        AttributeMap* map = nullptr;
        if (out != nullptr) {
          map = out->mutable_map();
          map->clear();
        }
        NameFrame names(this);
        for (auto member : object) {
          if (member.error()) return false;
          od::field& field = member.value_unsafe();
          std::string_view key;
          if (field.unescaped_key().get(key) || key.empty()) return false;
          AttributeValue* slot = nullptr;
          if (map != nullptr) {
            auto inserted = map->try_emplace(std::string(key));
            if (!inserted.second) return false;
            slot = &inserted.first->second;
          } else if (!names.Insert(key)) {
            return false;
          }
          if (!ReadValue(field.value(), depth + 1, slot)) return false;
        }
        return true;
      }
      case Type::kL: {
        od::array array;
        if (payload.get_array().get(array) || depth + 1 > kMaxValueNesting) return false;
        AttributeList* list = nullptr;
        if (out != nullptr) {
          list = out->mutable_list();
          list->clear();
        }
        for (auto element : array) {
          od::value value;
          if (element.get(value)) return false;
          if (!ReadValue(value, depth + 1, list != nullptr ? &list->emplace_back() : nullptr)) {
            return false;
          }
        }
        return true;
      }
      case Type::kSS:
      case Type::kNS:
      case Type::kBS:
        return ReadSet(type, payload, out);
    }
    return false;
  }

  // A set into *out, or only checked when `out` is null.
  bool ReadSet(Type type, od::value payload, AttributeValue* out) {
    od::array array;
    if (payload.get_array().get(array)) return false;
    std::vector<std::string> owned;
    std::vector<std::string>& members = out != nullptr ? owned : set_members_;
    members.clear();
    std::vector<std::string_view> base64;  // BS members as written, for FinishSet
    for (auto element : array) {
      od::value value;
      std::string_view text;
      if (element.get(value) || value.get_string().get(text)) return false;
      if (type == Type::kNS) {
        if (!ValidateNumber(text).ok()) return false;
        members.emplace_back(text);
      } else if (type == Type::kBS) {
        std::string bytes;
        if (!Base64Decode(text, &bytes).ok()) return false;
        members.push_back(std::move(bytes));
        base64.push_back(text);  // in the parser's string buffer: stable for the page
      } else {
        members.emplace_back(text);
      }
    }
    if (members.empty()) return false;
    Status s = out != nullptr ? wire::FinishSet(type, std::move(members), base64, out)
                              : wire::CheckUniqueMembers(type, members, base64);
    return s.ok();
  }

  // Any JSON value, checked through and through as wire_text.cc's
  // SkipValue does (`depth`: arrays and objects around it), its text in
  // *span (a span of the body).
  bool SkipAny(od::value value, int depth, std::string_view* span) {
    // A scalar is one token; an object or array ends where the iteration
    // is once it has been read.
    std::string_view token = value.raw_json_token();
    const bool scalar = token.empty() || (token[0] != '{' && token[0] != '[');
    if (!CheckAny(value, depth)) return false;
    if (!scalar) return SpanTo(token.data(), span);
    token = TrimEnd(token);
    *span = std::string_view(body_ + (token.data() - copy_), token.size());
    return true;
  }

  bool CheckAny(od::value value, int depth) {
    constexpr int kMaxDepth = 512;  // wire_text.cc's SkipValue
    od::json_type type;
    if (value.type().get(type)) return false;
    switch (type) {
      case od::json_type::object: {
        od::object object;
        if (depth >= kMaxDepth || value.get_object().get(object)) return false;
        for (auto member : object) {
          if (member.error()) return false;
          od::field& field = member.value_unsafe();
          std::string_view key;
          if (field.unescaped_key().get(key)) return false;
          if (!CheckAny(field.value(), depth + 1)) return false;
        }
        return true;
      }
      case od::json_type::array: {
        od::array array;
        if (depth >= kMaxDepth || value.get_array().get(array)) return false;
        for (auto element : array) {
          od::value v;
          if (element.get(v) || !CheckAny(v, depth + 1)) return false;
        }
        return true;
      }
      case od::json_type::string: {
        std::string_view text;
        return !value.get_string().get(text);
      }
      case od::json_type::boolean: {
        bool b;
        return !value.get_bool().get(b);
      }
      case od::json_type::null: {
        bool is_null;
        return !value.is_null().get(is_null) && is_null;
      }
      case od::json_type::number: {
        // The number's text alone, not its value: any JSON number is valid
        // here, however large. Left unread; the iteration steps over it.
        std::string_view token = TrimEnd(value.raw_json_token());
        return IsJsonNumber(token);
      }
    }
    return false;
  }

  // Where `value` starts in the padded copy; null on error.
  static const char* Start(od::value value) {
    std::string_view token = value.raw_json_token();
    return token.data();
  }

  // [start, where the iteration now is) without its trailing white space, as
  // a span of the body (the page is decoded from a padded copy of it). The
  // iteration is always inside an object or array here, so a ',', ']' or
  // '}' follows.
  bool SpanTo(const char* start, std::string_view* span) {
    const char* end;
    if (doc_->current_location().get(end)) return false;
    std::string_view text = TrimEnd(std::string_view(start, static_cast<size_t>(end - start)));
    *span = std::string_view(body_ + (text.data() - copy_), text.size());
    return true;
  }

  static std::string_view TrimEnd(std::string_view text) {
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                             text.back() == '\t')) {
      text.remove_suffix(1);
    }
    return text;
  }

  // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, the whole of `text`.
  static bool IsJsonNumber(std::string_view text) {
    size_t i = 0;
    const size_t n = text.size();
    auto digits = [&] {
      size_t from = i;
      while (i < n && text[i] >= '0' && text[i] <= '9') ++i;
      return i > from;
    };
    if (i < n && text[i] == '-') ++i;
    if (i < n && text[i] == '0') {
      ++i;
    } else if (!digits()) {
      return false;
    }
    if (i < n && text[i] == '.') {
      ++i;
      if (!digits()) return false;
    }
    if (i < n && (text[i] == 'e' || text[i] == 'E')) {
      ++i;
      if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
      if (!digits()) return false;
    }
    return i == n;
  }

  // The names of one object being checked without a map, to reject
  // repeats: a run at the end of names_ (an object's members are read
  // before any later sibling's, so runs nest as a stack). Names are views
  // of the parser's string buffer, stable for the page.
  class NameFrame {
   public:
    explicit NameFrame(Decoder* d) : d_(d), base_(d->names_.size()) {}
    ~NameFrame() { d_->names_.resize(base_); }
    NameFrame(const NameFrame&) = delete;
    NameFrame& operator=(const NameFrame&) = delete;

    // False if `name` is in already.
    bool Insert(std::string_view name) {
      std::vector<std::string_view>& names = d_->names_;
      auto first = names.begin() + static_cast<ptrdiff_t>(base_);
      if (!sorted_) {
        // Most objects are small: a linear search beats keeping them sorted.
        for (auto n = first; n != names.end(); ++n) {
          if (*n == name) return false;
        }
        if (names.end() - first < kLinear) {
          names.push_back(name);
          return true;
        }
        std::sort(first, names.end());
        sorted_ = true;
      }
      auto it = std::lower_bound(first, names.end(), name);
      if (it != names.end() && *it == name) return false;
      names.insert(it, name);
      return true;
    }

   private:
    static constexpr ptrdiff_t kLinear = 16;
    Decoder* d_;
    size_t base_;
    bool sorted_ = false;
  };

  od::parser parser_;
  od::document* doc_ = nullptr;
  const char* copy_ = nullptr;  // the padded copy being decoded
  const char* body_ = nullptr;  // the body it is a copy of
  // Buffers of the checking-only mode, kept from value to value.
  std::vector<std::string_view> names_;
  std::vector<std::string> set_members_;
  std::string bytes_;
};

}  // namespace

bool SimdjsonDecodeResponse(std::string_view body, std::string_view items_member,
                            std::vector<Item>* items, std::vector<std::string_view>* texts,
                            std::vector<JsonMember>* others) {
  Decoder decoder;
  return decoder.Decode(body, items_member, items, texts, others);
}

const char* SimdjsonKernel() { return simdjson::get_active_implementation()->name().c_str(); }

}  // namespace ddb::dynamodb::wire
