#include "engine/item_encryption/declaration.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ddb::item_encryption {
namespace {

Status Parse(const std::string& text, ItemEncryptionDecl* out = nullptr) {
  ItemEncryptionDecl decl;
  return ParseItemEncryption(nlohmann::json::parse(text), "catalog.json", "Orders",
                             out != nullptr ? out : &decl);
}

// The issue's example, as written.
TEST(DeclarationTest, ParsesTheContractExample) {
  ItemEncryptionDecl d;
  Status s = Parse(R"({"scheme": "aws-dynamodb-encryption-client",
      "materials": {"provider": "static",
                    "encryption_key": {"ref": "env:AES_KEY", "encoding": "base64"},
                    "signing_key": {"ref": "env:HMAC_KEY", "encoding": "base64"}},
      "actions": {"default": "encrypt",
                  "attributes": {"version": "sign", "intValue": "nothing"}}})",
                   &d);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(d.materials.kind, ProviderDecl::Kind::kStatic);
  EXPECT_EQ(d.materials.encryption_key->ToString(), "env:AES_KEY (base64)");
  EXPECT_EQ(d.actions.For("version"), Action::kSign);
  EXPECT_EQ(d.actions.For("intValue"), Action::kNothing);
  EXPECT_EQ(d.actions.For("other"), Action::kEncrypt);
}

TEST(DeclarationTest, ParsesEveryProvider) {
  ItemEncryptionDecl d;
  ASSERT_TRUE(Parse(R"({"scheme": "aws-dynamodb-encryption-client",
      "materials": {"provider": "wrapped", "unwrapping_key": "file:~/k.pem",
                    "verification_key": {"ref": "env:V", "encoding": "pem"}}})",
                    &d)
                  .ok());
  EXPECT_EQ(d.materials.kind, ProviderDecl::Kind::kWrapped);
  EXPECT_FALSE(d.materials.wrapping_key.has_value());
  EXPECT_EQ(d.actions.default_action, Action::kEncrypt);
  ASSERT_TRUE(Parse(R"({"scheme": "aws-dynamodb-encryption-client",
      "materials": {"provider": "aws-kms", "key_id": "alias/orders"}})",
                    &d)
                  .ok());
  EXPECT_EQ(d.materials.key_id, "alias/orders");
  ASSERT_TRUE(Parse(R"({"scheme": "aws-dynamodb-encryption-client",
      "materials": {"provider": "most-recent", "metastore_table": "meta", "material_name": "m",
                    "ttl_seconds": 60,
                    "materials": {"provider": "aws-kms", "key_id": "k"}}})",
                    &d)
                  .ok());
  EXPECT_EQ(d.materials.kind, ProviderDecl::Kind::kMostRecent);
  EXPECT_EQ(d.materials.ttl_seconds, 60);
  EXPECT_EQ(d.materials.materials->kind, ProviderDecl::Kind::kAwsKms);
}

// Every mistake names file, table and field.
TEST(DeclarationTest, ErrorsNameFileTableAndField) {
  const std::string base = R"("scheme": "aws-dynamodb-encryption-client")";
  struct Case {
    std::string json;
    std::string error;
  } cases[] = {
      {"[]", "catalog.json: table Orders, item_encryption: must be an object"},
      {"{" + base + R"(, "materials": {"provider": "static", "encryption_key": "env:A",
          "signing_key": "env:B"}, "extra": 1})",
       "catalog.json: table Orders, item_encryption: unknown field \"extra\""},
      {R"({"materials": {}})", "item_encryption: missing \"scheme\""},
      {R"({"scheme": "aws-dynamodb-encryption", "materials": {}})",
       "item_encryption.scheme: unknown scheme \"aws-dynamodb-encryption\" (known: "
       "aws-dynamodb-encryption-client, aws-database-encryption-sdk)"},
      {R"({"scheme": "aws-database-encryption-sdk", "materials": {}})",
       "item_encryption: missing \"keyring\""},
      {"{" + base + "}", "item_encryption: missing \"materials\""},
      {"{" + base + R"(, "materials": {"provider": "sttic"}})",
       "item_encryption.materials.provider: unknown provider \"sttic\" (static, wrapped, "
       "aws-kms or most-recent)"},
      {"{" + base + R"(, "materials": {"provider": "static", "encryption_key": "env:A"}})",
       "item_encryption.materials: missing \"signing_key\""},
      {"{" + base + R"(, "materials": {"provider": "static", "encryption_key": "env:A",
          "signing_key": "env:B", "key_id": "x"}})",
       "item_encryption.materials: unknown field \"key_id\""},
      {"{" + base + R"(, "materials": {"provider": "static", "encryption_key": "c2VjcmV0",
          "signing_key": "env:B"}})",
       "item_encryption.materials.encryption_key: a key must be a reference"},
      {"{" + base + R"(, "materials": {"provider": "static", "encryption_key":
          {"ref": "env:A", "encoding": "b64"}, "signing_key": "env:B"}})",
       "item_encryption.materials.encryption_key: unknown encoding \"b64\" (raw, base64, hex "
       "or pem)"},
      {"{" + base + R"(, "materials": {"provider": "static", "encryption_key":
          {"ref": "env:A", "format": "raw"}, "signing_key": "env:B"}})",
       "item_encryption.materials.encryption_key: unknown field \"format\""},
      {"{" + base + R"(, "materials": {"provider": "wrapped", "signing_key": "env:B"}})",
       "item_encryption.materials: needs \"unwrapping_key\""},
      {"{" + base + R"(, "materials": {"provider": "aws-kms", "key_id": 5}})",
       "item_encryption.materials.key_id: must be a non-empty string"},
      {"{" + base + R"(, "materials": {"provider": "most-recent", "metastore_table": "m",
          "material_name": "n", "materials": {"provider": "most-recent"}}})",
       "item_encryption.materials.materials.provider: a most-recent provider cannot protect"},
      {"{" + base + R"(, "materials": {"provider": "most-recent", "metastore_table": "m",
          "material_name": "n", "ttl_seconds": 0, "materials": {"provider": "aws-kms",
          "key_id": "k"}}})",
       "item_encryption.materials.ttl_seconds: must be a positive number"},
      {"{" + base + R"(, "materials": {"provider": "most-recent", "metastore_table": "m",
          "material_name": "n", "materials": {"provider": "static", "encryption_key": "env:A"}}})",
       "item_encryption.materials.materials: missing \"signing_key\""},
      {"{" + base + R"(, "materials": {"provider": "aws-kms", "key_id": "k"},
          "actions": {"default": "encrypt_and_sign"}})",
       "item_encryption.actions.default: unknown action \"encrypt_and_sign\""},
      {"{" + base + R"(, "materials": {"provider": "aws-kms", "key_id": "k"},
          "actions": {"attributes": {"a": true}}})",
       "item_encryption.actions.attributes.a: must be \"encrypt\", \"sign\" or \"nothing\""},
      {"{" + base + R"(, "materials": {"provider": "aws-kms", "key_id": "k"},
          "actions": {"attributes": {"*amzn-ddb-map-sig*": "sign"}}})",
       "item_encryption.actions.attributes.*amzn-ddb-map-sig*: reserved"},
      {"{" + base + R"(, "materials": {"provider": "aws-kms", "key_id": "k"},
          "actions": {"overrides": {}}})",
       "item_encryption.actions: unknown field \"overrides\""},
  };
  for (const Case& c : cases) {
    Status s = Parse(c.json);
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_TRUE(s.ToString().starts_with("catalog.json: table Orders, ")) << s.ToString();
    EXPECT_NE(s.ToString().find(c.error), std::string::npos) << s.ToString();
    EXPECT_EQ(s.ToString().find("c2VjcmV0"), std::string::npos) << "a pasted key is never quoted";
  }
}

}  // namespace
}  // namespace ddb::item_encryption
