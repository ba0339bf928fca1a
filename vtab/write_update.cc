// UPDATE of a row (TableWriter::BuildUpdate) in its steps: the new key, the
// column changes, the item-column changes, the expression and a key move
// (write_update.h has the pure ones).
#include "vtab/write_update.h"

#include <map>
#include <optional>
#include <utility>

#include "vtab/module.h"
#include "vtab/write.h"
#include "vtab/write_values.h"

namespace ddb::vtab {

using dynamodb::AttributeValue;
using dynamodb::Item;

namespace {

bool Same(const AttributeValue& a, const AttributeValue& b) {
  return a == b && a.type() == b.type();
}

std::string_view Text(sqlite3_value* v) {
  return std::string_view(reinterpret_cast<const char*>(sqlite3_value_text(v)),
                          static_cast<size_t>(sqlite3_value_bytes(v)));
}

}  // namespace

// ---------------------------------------------------------------------------
// The pure steps

Status ItemColumnChanges(std::string_view doc, const Item& old, const Item& key,
                         const std::vector<WriteColumn>& columns,
                         const std::set<std::string>& set_by_column, AttributeChanges* changes) {
  AttributeValue parsed;
  Status s = dynamodb::FromPlainJson(doc, &parsed);
  if (s.ok() && parsed.type() != AttributeValue::Type::kM) {
    s = Status::InvalidArgument("not a JSON object");
  }
  if (!s.ok()) return Status::InvalidArgument("column item: " + s.message());
  for (const auto& [name, plain] : parsed.map()) {
    if (set_by_column.count(name)) continue;
    auto was = old.find(name);
    std::string hint = was != old.end() ? AttributeValue::TypeName(was->second.type()) : "";
    if (hint.empty()) {
      for (const auto& c : columns) {
        if (c.attribute == name) hint = c.type;
      }
    }
    AttributeValue v;
    s = MergePlainAttribute(was != old.end() ? &was->second : nullptr, plain, hint, name, &v);
    if (!s.ok()) return s;
    if (auto k = key.find(name); k != key.end()) {
      if (v != k->second) {
        return Status::InvalidArgument("key " + name +
                                       " cannot change through the item column; set its column");
      }
      continue;
    }
    if (was != old.end() && Same(was->second, v)) continue;
    (*changes)[name] = std::move(v);
  }
  for (const auto& [name, v] : old) {
    if (!key.count(name) && !set_by_column.count(name) && !parsed.map().count(name)) {
      (*changes)[name] = std::nullopt;
    }
  }
  return Status::OK();
}

UpdateExpression BuildUpdateExpression(const AttributeChanges& changes, const Item& old, bool whole,
                                       const std::string& hash_attribute) {
  UpdateExpression e;
  e.names["#k0"] = hash_attribute;
  e.condition = "attribute_exists(#k0)";
  e.expect.existence = Expect::Existence::kExists;
  std::string set;
  std::string remove;
  int n = 0;
  for (const auto& [name, v] : changes) {
    std::string i = std::to_string(n++);
    e.names["#u" + i] = name;
    auto was = old.find(name);
    if (was != old.end()) {
      e.values[":o" + i] = was->second;
      e.condition += " AND #u" + i + " = :o" + i;
      e.expect.attributes[name] = was->second;
    } else if (whole) {
      e.condition += " AND attribute_not_exists(#u" + i + ")";
      e.expect.attributes[name] = std::nullopt;
    }
    if (v) {
      e.values[":u" + i] = *v;
      set += (set.empty() ? "SET " : ", ") + ("#u" + i) + " = :u" + i;
    } else {
      remove += (remove.empty() ? "REMOVE " : ", ") + ("#u" + i);
    }
  }
  e.update = set + (set.empty() || remove.empty() ? "" : " ") + remove;
  return e;
}

void DropNewValues(dynamodb::AttributeMap* values) {
  for (auto it = values->begin(); it != values->end();) {
    it = it->first.rfind(":u", 0) == 0 ? values->erase(it) : std::next(it);
  }
}

// ---------------------------------------------------------------------------
// TableWriter's steps

Status TableWriter::NewKey(sqlite3_value** values, const Item& key, Item* new_key, bool* changed) {
  *new_key = key;
  *changed = false;
  for (size_t i = 0; i < columns_.size(); ++i) {
    const WriteColumn& c = columns_[i];
    if (!IsKey(c.attribute) || sqlite3_value_nochange(values[i])) continue;
    AttributeValue v;
    Status s;
    if (c.codec && sqlite3_value_type(values[i]) != SQLITE_NULL) {
      // A key that is a codec column (deterministic, without S3): encoded,
      // in the context of table and column only, as INSERT encodes it.
      Change scratch;
      s = EncodeCodec(c, values[i], Item(), &v, &scratch);
    } else {
      s = SqlToKeyAttribute(values[i], c.type, c.name, &v);
    }
    if (!s.ok()) return s;
    AttributeValue& now = (*new_key)[c.attribute];
    if (!Same(v, now)) {
      now = std::move(v);
      *changed = true;
    }
  }
  return Status::OK();
}

Status TableWriter::CodecColumnChange(const WriteColumn& c, sqlite3_value* v, const Row& old,
                                      const Item& key, bool key_changed, AttributeChanges* changes,
                                      Change* change) {
  if (key_changed && c.codec->s3()) return MoveWithS3Refused(c);
  auto was = old.item.find(c.attribute);
  AttributeValue stored;
  Change scratch;
  if (sqlite3_value_type(v) != SQLITE_NULL) {
    // Written for the item's new key when the statement changes it.
    Status s = EncodeCodec(c, v, key, &stored, &scratch);
    if (!s.ok()) return s;
  } else if (c.codec->s3()) {
    scratch.s3 = {S3Write{c.attribute, c.codec->s3()->bucket, std::nullopt, {}, c.codec}};
  }
  bool same = was != old.item.end() ? Same(was->second, stored)
                                    : stored.type() == AttributeValue::Type::kNull && old.whole;
  if (same) return Status::OK();  // content-addressed: the same object, nothing to upload
  (*changes)[c.attribute] = stored.type() == AttributeValue::Type::kNull
                                ? std::nullopt
                                : std::optional<AttributeValue>(stored);
  if (old.whole) {
    OldObjects(old.item, &scratch.s3);
  } else if (!scratch.s3.empty()) {
    change->read_old_s3 = true;
  }
  for (auto& w : scratch.s3) change->s3.push_back(std::move(w));
  return Status::OK();
}

Status TableWriter::PlainColumnChange(const WriteColumn& c, sqlite3_value* v, const Row& old,
                                      const Item& key, AttributeChanges* changes) const {
  auto was = old.item.find(c.attribute);
  if (sqlite3_value_type(v) == SQLITE_NULL) {
    if (was != old.item.end() || !old.whole) (*changes)[c.attribute] = std::nullopt;
    return Status::OK();
  }
  // The item's stored type is kept (write_values.h): a value that does not
  // convert to it is an error. The column's type stands in when the item
  // does not hold the attribute (or holds NULL).
  std::string type = c.type;
  if (was != old.item.end() && was->second.type() != AttributeValue::Type::kNull) {
    type = AttributeValue::TypeName(was->second.type());
  }
  AttributeValue value;
  Status s = SqlToAttribute(v, type, c.name, &value);
  if (!s.ok()) return s.WithContext(What("UPDATE", key));
  if (was != old.item.end()) {
    // A statement over many rows hands over every column's value, also
    // the ones it does not set: what still reads as the stored value is
    // unchanged (== compares numbers by value: 1.50 read as 1.5; a
    // document's binary and set members read as JSON keep their types
    // where the JSON did not change).
    const AttributeValue& stored = was->second;
    if ((stored.type() == AttributeValue::Type::kM || stored.type() == AttributeValue::Type::kL ||
         stored.is_set()) &&
        sqlite3_value_type(v) == SQLITE_TEXT) {
      AttributeValue plain;
      AttributeValue merged;
      if (dynamodb::FromPlainJson(Text(v), &plain).ok() &&
          MergePlainAttribute(&stored, plain, AttributeValue::TypeName(stored.type()), c.name,
                              &merged)
              .ok()) {
        value = std::move(merged);
      }
    }
    if (Same(stored, value)) return Status::OK();
  }
  (*changes)[c.attribute] = std::move(value);
  return Status::OK();
}

Status TableWriter::ColumnChanges(sqlite3_value** values, const Row& old, const Item& key,
                                  const Item& new_key, bool key_changed, AttributeChanges* changes,
                                  std::set<std::string>* set_by_column, Change* change) {
  for (size_t i = 0; i < columns_.size(); ++i) {
    const WriteColumn& c = columns_[i];
    if (static_cast<int>(i) == item_column_ || c.attribute.empty() || IsKey(c.attribute) ||
        sqlite3_value_nochange(values[i])) {
      continue;
    }
    set_by_column->insert(c.attribute);
    Status s = c.codec ? CodecColumnChange(c, values[i], old, key_changed ? new_key : key,
                                           key_changed, changes, change)
                       : PlainColumnChange(c, values[i], old, key, changes);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status TableWriter::ReadWhole(const Item& key, Row* old) {
  if (old->whole) return Status::OK();
  bool found = false;
  Status s = ReadCurrent(key, &old->item, &found);
  if (!s.ok()) return s;
  if (!found) {
    return Status::InvalidArgument(What("UPDATE", key) +
                                   ": the item was deleted since it was read");
  }
  old->whole = true;
  return Status::OK();
}

Status TableWriter::MoveItem(const Item& new_key, const Row& old, const AttributeChanges& changes,
                             const std::set<std::string>& set_by_column, Change* change) {
  Item item = old.item;
  ApplyChanges(changes, &item);
  for (const auto& [name, v] : new_key) item[name] = v;
  // Codec values bound to the old key (AEAD associated data) are written
  // again for the new one; others move as they are stored.
  for (const WriteColumn& c : columns_) {
    if (!c.codec || IsKey(c.attribute) || set_by_column.count(c.attribute)) continue;
    auto it = item.find(c.attribute);
    if (it == item.end() || !c.codec->BindsItemKey()) continue;
    if (c.codec->s3()) return MoveWithS3Refused(c);
    codec::PlainValue plain;
    Status s = c.codec->Decode(
        CodecContext(table_, key_, change->key, c.attribute, ctx_->codecs().max_decoded_bytes()),
        it->second, {}, &plain);
    codec::EncodedValue enc;
    if (s.ok()) {
      s = c.codec->Encode(CodecContext(table_, key_, new_key, c.attribute), plain,
                          codec::WriteOptions(), &enc);
    }
    if (!s.ok()) return s.WithContext(What("UPDATE", change->key) + ": moving column " + c.name);
    it->second = std::move(enc.stored);
  }
  // The new values go in the put; the delete's condition uses only the
  // old ones.
  DropNewValues(&change->values);
  change->kind = Change::Kind::kMove;
  change->item = std::move(item);
  change->what = What("UPDATE", change->key) + " to (" + DescribeKey(new_key) + ")";
  return CheckItemSize(change->item, change->what);
}

Status TableWriter::BuildUpdate(sqlite3_value** values, Row old, Change* change) {
  const Item& key = change->key;
  Item new_key;
  bool key_changed = false;
  Status s = NewKey(values, key, &new_key, &key_changed);
  if (!s.ok()) return s;
  AttributeChanges changes;
  std::set<std::string> set_by_column;
  s = ColumnChanges(values, old, key, new_key, key_changed, &changes, &set_by_column, change);
  if (!s.ok()) return s;
  // The whole item as JSON: attributes it adds, changes or leaves out.
  bool item_set = item_column_ >= 0 && !sqlite3_value_nochange(values[item_column_]);
  if (item_set || key_changed) {
    // Removals and a move need the whole item: read it again, consistently.
    s = ReadWhole(key, &old);
    if (!s.ok()) return s;
  }
  if (item_set) {
    sqlite3_value* doc = values[item_column_];
    if (sqlite3_value_type(doc) == SQLITE_NULL) {
      return Status::InvalidArgument("column item cannot be set to NULL (set it to a JSON object)");
    }
    s = ItemColumnChanges(Text(doc), old.item, key, columns_, set_by_column, &changes);
    if (!s.ok()) return s;
  }
  // The condition: the item exists and what changes still holds what was read.
  UpdateExpression e = BuildUpdateExpression(changes, old.item, old.whole, key_.hash.name);
  change->names = std::move(e.names);
  change->values = std::move(e.values);
  change->expect = std::move(e.expect);
  change->condition = std::move(e.condition);
  change->what = What("UPDATE", key);
  if (key_changed) return MoveItem(new_key, old, changes, set_by_column, change);
  change->kind = Change::Kind::kUpdate;
  change->update = std::move(e.update);
  change->changes = changes;
  if (old.whole && !change->update.empty()) {
    change->item = old.item;
    ApplyChanges(changes, &change->item);
    change->item_known = true;
    return CheckItemSize(change->item, change->what);
  }
  return Status::OK();
}

}  // namespace ddb::vtab
