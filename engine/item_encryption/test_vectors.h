// Test-only helpers (included by *_test.cc alone): the AWS DynamoDB
// Encryption Client's official vectors in tests/data/aws-dynamodb-encryption-client/
// (README there says where each file came from).
//
//   - keys.json's keys go into a KeyStore as "env:<key name>" holding the
//     base64 text, so declarations name them {"ref": "env:aesKey",
//     "encoding": "base64"};
//   - a scenario becomes the `materials` JSON of a declaration;
//   - plaintext.json gives each table's items with their action sets.
#pragma once

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/codec/keys.h"
#include "engine/dynamodb/attribute_value.h"
#include "engine/dynamodb/client.h"
#include "engine/item_encryption/metastore.h"

#ifndef DDBSQL_SOURCE_DIR
#error "DDBSQL_SOURCE_DIR must be defined (the CMake build does)"
#endif

namespace ddb::item_encryption::testing {

inline std::string VectorPath(const std::string& relative) {
  return std::string(DDBSQL_SOURCE_DIR) + "/tests/data/aws-dynamodb-encryption-client/" + relative;
}

inline nlohmann::json LoadJson(const std::string& relative) {
  std::ifstream in(VectorPath(relative), std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << VectorPath(relative);
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

// "file://ciphertext/python/x.json" -> "encrypted_item/ciphertext/python/x.json"
inline std::string ScenarioFile(const std::string& uri) {
  return "encrypted_item/" + uri.substr(std::string("file://").size());
}

// Items of a ciphertext file, by table.
inline std::map<std::string, std::vector<dynamodb::Item>> LoadItems(const std::string& relative) {
  std::map<std::string, std::vector<dynamodb::Item>> out;
  nlohmann::json doc = LoadJson(relative);
  for (const auto& [table, items] : doc.items()) {
    for (const auto& j : items) {
      dynamodb::Item item;
      Status s = dynamodb::ItemFromWireJson(j, &item);
      EXPECT_TRUE(s.ok()) << relative << ": " << s.ToString();
      out[table].push_back(std::move(item));
    }
  }
  return out;
}

// Every key of keys.json as env:<name> = base64 text (the AWS KMS one has
// no material and is skipped).
inline std::shared_ptr<codec::KeyStore> VectorKeys() {
  auto store = std::make_shared<codec::KeyStore>();
  nlohmann::json keys = LoadJson("encrypted_item/keys.json");
  for (const auto& [name, k] : keys.items()) {
    if (!k.contains("material")) continue;
    codec::KeyRef ref;
    EXPECT_TRUE(codec::KeyRef::Parse("env:" + name, &ref).ok());
    store->Set(ref, k["material"].get<std::string>());
  }
  return store;
}

inline nlohmann::json KeyParamJson(const std::string& name) {
  return {{"ref", "env:" + name}, {"encoding", "base64"}};
}

// The declaration's `materials` for a scenario (or a scenario's metastore).
inline nlohmann::json MaterialsJson(const nlohmann::json& scenario) {
  const std::string provider = scenario["provider"].get<std::string>();
  if (provider == "static") {
    return {{"provider", "static"},
            {"encryption_key", KeyParamJson(scenario["keys"]["decrypt"])},
            {"signing_key", KeyParamJson(scenario["keys"]["verify"])}};
  }
  if (provider == "wrapped") {
    const auto& k = scenario["keys"];
    nlohmann::json m = {{"provider", "wrapped"},
                        {"unwrapping_key", KeyParamJson(k["decrypt"])},
                        {"verification_key", KeyParamJson(k["verify"])}};
    m["wrapping_key"] = KeyParamJson(k.value("encrypt", k["decrypt"].get<std::string>()));
    m["signing_key"] = KeyParamJson(k.value("sign", k["verify"].get<std::string>()));
    return m;
  }
  if (provider == "most_recent") {
    return {{"provider", "most-recent"},
            {"metastore_table", scenario["metastore"]["table_name"]},
            {"material_name", scenario["material_name"]},
            {"materials", MaterialsJson(scenario["metastore"])}};
  }
  return {{"provider", "aws-kms"}, {"key_id", scenario["keys"]["decrypt"]}};
}

struct PlainItem {
  dynamodb::Item item;
  nlohmann::json actions;  // {"default": ..., "attributes": {...}}
};

struct PlainTable {
  dynamodb::KeySchema key;
  std::vector<PlainItem> items;
};

// plaintext.json for a scenario version ("v0", "v1").
inline std::map<std::string, PlainTable> LoadPlaintext(const std::string& version) {
  nlohmann::json doc = LoadJson("encrypted_item/plaintext.json");
  std::map<std::string, PlainTable> out;
  for (const auto& [table, t] : doc["items"].items()) {
    PlainTable& pt = out[table];
    pt.key.hash = {t["index"]["partition"], t["index_types"]["partition"]};
    if (t["index"].contains("sort")) {
      pt.key.range = dynamodb::KeyAttribute{t["index"]["sort"], t["index_types"]["sort"]};
    }
    for (const auto& entry : t["items"]) {
      nlohmann::json attrs = entry["attributes"];
      if (!entry.value("exact", false) && doc["versions"].contains(table) &&
          doc["versions"][table].contains(version)) {
        for (const auto& group : doc["versions"][table][version]) {
          for (const auto& [name, value] : doc["attributes"][group.get<std::string>()].items()) {
            attrs[name] = value;
          }
        }
      }
      PlainItem item;
      Status s = dynamodb::ItemFromWireJson(attrs, &item.item);
      EXPECT_TRUE(s.ok()) << s.ToString();
      const auto& a = doc["actions"][entry["action"].get<std::string>()];
      item.actions = {{"default", a["default"]},
                      {"attributes", a.value("override", nlohmann::json::object())}};
      pt.items.push_back(std::move(item));
    }
  }
  return out;
}

// A MetaStore table held in memory (pure tests).
class MemoryMetaStoreTable : public MetaStoreTable {
 public:
  explicit MemoryMetaStoreTable(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  Status Get(const std::string& material, int64_t version, bool* found,
             dynamodb::Item* item) override {
    ++gets;
    if (!get_error.ok()) return get_error;
    auto it = items_.find({material, version});
    *found = it != items_.end();
    if (*found) *item = it->second;
    return Status::OK();
  }
  Status MaxVersion(const std::string& material, bool* found, int64_t* version) override {
    *found = false;
    for (const auto& [k, v] : items_) {
      if (k.first == material && (!*found || k.second > *version)) {
        *found = true;
        *version = k.second;
      }
    }
    return Status::OK();
  }
  Status PutIfAbsent(const dynamodb::Item& item, bool* written) override {
    std::pair<std::string, int64_t> key{item.at("N").scalar(), std::stoll(item.at("V").scalar())};
    *written = items_.emplace(key, item).second;
    return Status::OK();
  }
  std::map<std::pair<std::string, int64_t>, dynamodb::Item>& items() { return items_; }
  int gets = 0;
  Status get_error;  // what Get answers when not OK (a table that cannot be read)

 private:
  std::string name_;
  std::map<std::pair<std::string, int64_t>, dynamodb::Item> items_;
};

}  // namespace ddb::item_encryption::testing
