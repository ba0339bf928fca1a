#include "vtab/index_fetch.h"

#include <map>
#include <string>

namespace ddb::vtab {

namespace {

using dynamodb::AttributeValue;
using dynamodb::Item;

// A string equal for two items exactly when their table keys are equal
// (key values are S, N or B; N by DynamoDB's canonical text, which is what
// BatchGetItem returns and what the index holds). Empty when a key
// attribute is missing.
std::string KeyFingerprint(const dynamodb::KeySchema& key, const Item& item) {
  std::string out;
  for (const auto* k : {&key.hash, key.range ? &*key.range : nullptr}) {
    if (k == nullptr) continue;
    auto it = item.find(k->name);
    if (it == item.end()) return "";
    const AttributeValue& v = it->second;
    out += AttributeValue::TypeName(v.type());
    out += std::to_string(v.scalar().size()) + ":" + v.scalar();
  }
  return out;
}

// True when `item` holds the index key values of `entry`.
bool SameIndexKey(const dynamodb::KeySchema& index_key, const Item& entry, const Item& item) {
  for (const auto* k : {&index_key.hash, index_key.range ? &*index_key.range : nullptr}) {
    if (k == nullptr) continue;
    auto e = entry.find(k->name);
    auto i = item.find(k->name);
    if (e == entry.end() || i == item.end() || !(e->second == i->second)) return false;
  }
  return true;
}

}  // namespace

Status FetchKeys(const dynamodb::KeySchema& table_key, const std::vector<Item>& entries,
                 std::vector<Item>* keys) {
  keys->clear();
  for (const Item& entry : entries) {
    Item key;
    for (const auto* k : {&table_key.hash, table_key.range ? &*table_key.range : nullptr}) {
      if (k == nullptr) continue;
      auto it = entry.find(k->name);
      if (it == entry.end()) {
        return Status::Corruption("an index entry without the table's key attribute " + k->name);
      }
      key[k->name] = it->second;
    }
    keys->push_back(std::move(key));
  }
  return Status::OK();
}

std::vector<Item> MatchFetched(const dynamodb::KeySchema& table_key,
                               const dynamodb::KeySchema& index_key,
                               const std::vector<Item>& entries, std::vector<Item> fetched) {
  std::map<std::string, size_t> by_key;
  for (size_t i = 0; i < fetched.size(); ++i) {
    std::string fp = KeyFingerprint(table_key, fetched[i]);
    if (!fp.empty()) by_key.emplace(std::move(fp), i);
  }
  std::vector<Item> out;
  out.reserve(entries.size());
  for (const Item& entry : entries) {
    auto it = by_key.find(KeyFingerprint(table_key, entry));
    if (it == by_key.end()) continue;  // deleted since the index saw it
    const Item& item = fetched[it->second];
    if (!SameIndexKey(index_key, entry, item)) continue;  // moved within or out of the index
    out.push_back(item);
  }
  return out;
}

}  // namespace ddb::vtab
