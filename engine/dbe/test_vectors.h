// Test-only helpers (included by *_test.cc alone): the AWS Database
// Encryption SDK's decrypt vectors in tests/data/aws-database-encryption-sdk/
// (README there says where each file came from).
//
//   - every test of decrypt_java_32.json, decrypt_java_33.json and
//     iotest.json's DecryptTests as a Vector: its config as a catalog
//     declaration, the encrypted item and the plaintext item (shorthand JSON
//     turned into DynamoDB types);
//   - static-branch-key-1 of keys.json in a KeyStore as env:BRANCH_KEY
//     (base64), the hierarchical keyring every vector uses.
#pragma once

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/codec/keys.h"
#include "engine/dynamodb/attribute_value.h"
#include "engine/encoding.h"

#ifndef DDBSQL_SOURCE_DIR
#error "DDBSQL_SOURCE_DIR must be defined (the CMake build does)"
#endif

namespace ddb::dbe::testing {

inline constexpr char kVectorTable[] = "GazelleVectorTable";

inline nlohmann::json LoadVectorJson(const std::string& name) {
  std::string path =
      std::string(DDBSQL_SOURCE_DIR) + "/tests/data/aws-database-encryption-sdk/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

// A number of shorthand JSON as DynamoDB text ("1", "3.4").
inline std::string NumberText(const nlohmann::json& j) {
  return j.is_string() ? j.get<std::string>() : j.dump();
}

// The vectors' shorthand: a bare string is S, a bare number N, otherwise
// one DynamoDB type key whose members are shorthand again (L, M) or
// base64 (B, BS).
inline dynamodb::AttributeValue FromShorthand(const nlohmann::json& j) {
  using dynamodb::AttributeValue;
  if (j.is_string()) return AttributeValue::S(j.get<std::string>());
  if (j.is_number()) return AttributeValue::N(NumberText(j));
  EXPECT_TRUE(j.is_object() && j.size() == 1) << j.dump();
  const std::string type = j.begin().key();
  const nlohmann::json& v = j.begin().value();
  auto bytes = [](const nlohmann::json& b64) {
    std::string out;
    EXPECT_TRUE(Base64Decode(b64.get<std::string>(), &out).ok());
    return out;
  };
  if (type == "NULL") return AttributeValue::Null();
  if (type == "BOOL") return AttributeValue::Bool(v.get<bool>());
  if (type == "B") return AttributeValue::B(bytes(v));
  if (type == "S") return AttributeValue::S(v.get<std::string>());
  if (type == "N") return AttributeValue::N(NumberText(v));
  std::vector<std::string> members;
  if (type == "SS" || type == "NS" || type == "BS") {
    for (const auto& m : v) {
      members.push_back(type == "SS"   ? m.get<std::string>()
                        : type == "NS" ? NumberText(m)
                                       : bytes(m));
    }
    return type == "SS"   ? AttributeValue::SS(members)
           : type == "NS" ? AttributeValue::NS(members)
                          : AttributeValue::BS(members);
  }
  if (type == "L") {
    dynamodb::AttributeList list;
    for (const auto& m : v) list.push_back(FromShorthand(m));
    return AttributeValue::L(std::move(list));
  }
  EXPECT_EQ(type, "M");
  dynamodb::AttributeMap map;
  for (const auto& [k, m] : v.items()) map[k] = FromShorthand(m);
  return AttributeValue::M(std::move(map));
}

struct Vector {
  std::string name;  // "decrypt_java_33.json#6"
  bool positive = true;
  nlohmann::json config;  // attributeActionsOnEncrypt, allowedUnsignedAttributes
  dynamodb::Item encrypted;
  dynamodb::Item plaintext;
};

// Every decrypt vector of the three files.
inline std::vector<Vector> LoadVectors() {
  std::vector<Vector> out;
  for (const char* file : {"decrypt_java_32.json", "decrypt_java_33.json"}) {
    nlohmann::json doc = LoadVectorJson(file);
    for (const auto& [id, t] : doc["tests"].items()) {
      Vector v;
      v.name = std::string(file) + "#" + id;
      v.positive = t["type"] == "positive-decrypt";
      v.config = t["config"];
      EXPECT_TRUE(dynamodb::ItemFromWireJson(t["encrypted"], &v.encrypted).ok()) << v.name;
      for (const auto& [k, a] : t["plaintext"].items()) v.plaintext[k] = FromShorthand(a);
      out.push_back(std::move(v));
    }
  }
  nlohmann::json io = LoadVectorJson("iotest.json");
  int n = 0;
  for (const auto& t : io["DecryptTests"]) {
    for (size_t i = 0; i < t["EncryptedRecords"].size(); ++i) {
      Vector v;
      v.name = "iotest.json#" + std::to_string(n++);
      v.config = t["Config"];
      EXPECT_TRUE(dynamodb::ItemFromWireJson(t["EncryptedRecords"][i], &v.encrypted).ok());
      for (const auto& [k, a] : t["PlainTextRecords"][i].items()) v.plaintext[k] = FromShorthand(a);
      out.push_back(std::move(v));
    }
  }
  return out;
}

// static-branch-key-1: its id, version and a store with env:BRANCH_KEY.
struct BranchKey {
  std::string id;
  std::string version;
  std::string key_base64;
};

inline BranchKey StaticBranchKey1() {
  nlohmann::json k = LoadVectorJson("keys.json")["keys"]["static-branch-key-1"];
  return {k["key-id"].get<std::string>(), k["branchKeyVersion"].get<std::string>(),
          k["branchKey"].get<std::string>()};
}

inline std::shared_ptr<codec::KeyStore> BranchKeyStore(const std::string& key_base64) {
  auto store = std::make_shared<codec::KeyStore>();
  codec::KeyRef ref;
  EXPECT_TRUE(codec::KeyRef::Parse("env:BRANCH_KEY", &ref).ok());
  store->Set(ref, key_base64);
  return store;
}

// The catalog's item_encryption for a vector's config.
inline nlohmann::json Declaration(const nlohmann::json& config, const BranchKey& key) {
  nlohmann::json d = {{"scheme", "aws-database-encryption-sdk"},
                      {"keyring",
                       {{"type", "hierarchical"},
                        {"branch_key_id", key.id},
                        {"static_branch_key",
                         {{"version", key.version},
                          {"key", {{"ref", "env:BRANCH_KEY"}, {"encoding", "base64"}}}}}}}};
  if (config.contains("attributeActionsOnEncrypt"))
    d["actions"] = config["attributeActionsOnEncrypt"];
  if (config.contains("allowedUnsignedAttributes")) {
    d["allowed_unsigned_attributes"] = config["allowedUnsignedAttributes"];
  }
  if (config.contains("allowedUnsignedAttributePrefix")) {
    d["allowed_unsigned_attribute_prefix"] = config["allowedUnsignedAttributePrefix"];
  }
  return d;
}

}  // namespace ddb::dbe::testing
