// Incremental exports over a full one (merge.h).
#include "engine/export/merge.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <utility>

#include "engine/dynamodb/number.h"

namespace ddb::table_export {

namespace {

using dynamodb::AttributeValue;
using dynamodb::JsonMember;

// The member `name` of `members`, or null.
const JsonMember* MemberOf(const std::vector<JsonMember>& members, std::string_view name) {
  for (const auto& m : members) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

// Appends a key attribute's value as bytes that compare equal exactly when
// DynamoDB's keys do (numbers canonical: "1.0" and "1" are one key).
Status AppendKeyBytes(const AttributeValue& v, std::string* out) {
  std::string value;
  switch (v.type()) {
    case AttributeValue::Type::kS:
    case AttributeValue::Type::kB:
      value = v.scalar();
      break;
    case AttributeValue::Type::kN: {
      Status s = dynamodb::CanonicalNumber(v.scalar(), &value);
      if (!s.ok()) return s;
      break;
    }
    default:
      return Status::Corruption(std::string("a key attribute of type ") +
                                std::string(AttributeValue::TypeName(v.type())));
  }
  *out += AttributeValue::TypeName(v.type());
  *out += std::to_string(value.size()) + ":" + value;
  return Status::OK();
}

}  // namespace

Status ChangeLineToItem(std::string_view line, std::string* out) {
  std::vector<JsonMember> members;
  Status s = dynamodb::SplitJsonObject(line, &members);
  if (!s.ok()) return s;
  const JsonMember* metadata = MemberOf(members, "Metadata");
  const JsonMember* keys = MemberOf(members, "Keys");
  const JsonMember* image = MemberOf(members, "NewImage");
  std::vector<JsonMember> meta;
  if (metadata) s = dynamodb::SplitJsonObject(metadata->value, &meta);
  if (!s.ok()) return s.WithContext("Metadata");
  const JsonMember* micros = MemberOf(meta, "WriteTimestampMicros");
  if (!micros || !keys) {
    return Status::Corruption(
        "not an incremental export line (expected {\"Metadata\": {\"WriteTimestampMicros\": "
        "...}, \"Keys\": {...}, \"NewImage\": {...}})");
  }
  out->append("{\"WriteTimestampMicros\":");
  out->append(micros->value);
  out->append(",\"Keys\":{\"M\":");
  out->append(keys->value);
  out->push_back('}');
  if (image) {
    out->append(",\"NewImage\":{\"M\":");
    out->append(image->value);
    out->push_back('}');
  }
  out->push_back('}');
  return Status::OK();
}

Status ChangeSet::AddPage(const dynamodb::ItemPage& page) {
  for (std::string_view text : page.item_texts) {
    dynamodb::Item change;
    Status s = dynamodb::ItemFromWireJsonText(text, &change);
    if (!s.ok()) return s;
    auto micros = change.find("WriteTimestampMicros");
    auto keys = change.find("Keys");
    auto image = change.find("NewImage");
    if (micros == change.end() || micros->second.type() != AttributeValue::Type::kN ||
        keys == change.end() || keys->second.type() != AttributeValue::Type::kM) {
      return Status::Corruption("a change without WriteTimestampMicros (N) or Keys (a map)");
    }
    const auto& key_map = keys->second.map();
    std::vector<std::string> names;
    for (const auto& [name, value] : key_map) names.push_back(name);
    std::sort(names.begin(), names.end());
    if (key_names_.empty()) key_names_ = names;
    if (names != key_names_) {
      return Status::Corruption("changes name different key attributes (" +
                                (names.empty() ? std::string("none") : names[0]) + " ...)");
    }
    std::string key;
    for (const auto& name : names) {
      s = AppendKeyBytes(key_map.at(name), &key);
      if (!s.ok()) return s.WithContext("Keys." + name);
    }
    Change c;
    c.micros = std::strtoll(micros->second.scalar().c_str(), nullptr, 10);
    c.deleted = image == change.end();
    if (!c.deleted) {
      if (image->second.type() != AttributeValue::Type::kM) {
        return Status::Corruption("NewImage is not a map");
      }
      c.image = dynamodb::ItemToWireJson(image->second.map()).dump();
    }
    auto it = changes_.find(key);
    if (it == changes_.end()) {
      changes_.emplace(std::move(key), std::move(c));
    } else if (c.micros >= it->second.micros) {
      it->second = std::move(c);
    }
  }
  return Status::OK();
}

Status ChangeSet::Changed(std::string_view item_text, bool* changed) const {
  *changed = false;
  if (changes_.empty()) return Status::OK();
  dynamodb::CheckedItemAttributes attributes;
  attributes.Reset(item_text);
  std::string key;
  for (const auto& name : key_names_) {
    std::string_view value;
    bool found = false;
    Status s = attributes.Find(name, &value, &found);
    if (!s.ok()) return s;
    if (!found) return Status::OK();  // not an item of these keys
    AttributeValue v;
    s = dynamodb::FromWireJsonText(value, &v);
    if (s.ok()) s = AppendKeyBytes(v, &key);
    if (!s.ok()) return s.WithContext(name);
  }
  *changed = changes_.count(key) > 0;
  return Status::OK();
}

Status ChangeSet::Survivors(dynamodb::ItemPage* page) const {
  auto body = std::make_shared<std::string>("{\"Items\":[");
  bool first = true;
  for (const auto& [key, c] : changes_) {
    if (c.deleted) continue;
    if (!first) body->push_back(',');
    first = false;
    body->append(c.image);
  }
  body->append("]}");
  *page = dynamodb::ItemPage();
  std::vector<JsonMember> others;
  Status s = dynamodb::SplitItemsResponse(*body, "Items", &page->item_texts, &others);
  if (!s.ok()) return s;
  page->body = std::move(body);
  page->count = page->scanned_count = static_cast<int64_t>(page->item_texts.size());
  return Status::OK();
}

Status MergedReader::Next(dynamodb::ItemPage* page, bool* done) {
  while (!full_done_) {
    bool end = false;
    Status s = full_->Next(page, &end);
    if (!s.ok()) return s;
    if (end) {
      full_done_ = true;
      break;
    }
    std::vector<std::string_view> kept;
    for (std::string_view text : page->item_texts) {
      bool changed = false;
      s = changes_->Changed(text, &changed);
      if (!s.ok()) return s;
      if (!changed) kept.push_back(text);
    }
    page->item_texts = std::move(kept);
    page->count = static_cast<int64_t>(page->item_texts.size());
    if (!page->item_texts.empty()) {
      *done = false;
      return Status::OK();
    }
  }
  if (!survivors_done_) {
    survivors_done_ = true;
    Status s = changes_->Survivors(page);
    if (!s.ok()) return s;
    if (!page->item_texts.empty()) {
      *done = false;
      return Status::OK();
    }
  }
  *done = true;
  return Status::OK();
}

}  // namespace ddb::table_export
