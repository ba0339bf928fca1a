#include "engine/dbe/declaration.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/item_encryption/declaration.h"

namespace ddb::dbe {
namespace {

using json = nlohmann::json;

// The issue's contract, verbatim but for the elided ids.
json Contract() {
  return json::parse(R"({
    "scheme": "aws-database-encryption-sdk",
    "keyring": {"type": "hierarchical",
                "branch_key_id": "bd3842ff-3076-4092-9918-4395730050b8",
                "static_branch_key": {"version": "e9ce18a3-edb5-4272-9f86-1cacb7997ff6",
                                      "key": {"ref": "env:BRANCH_KEY", "encoding": "base64"}}},
    "actions": {"RecNum": "SIGN_ONLY", "Stuff": "ENCRYPT_AND_SIGN", "Junk": "ENCRYPT_AND_SIGN"},
    "allowed_unsigned_attributes": ["Extra"]})");
}

// ParseItemEncryption's whole message for `value`, "" when it parses.
std::string Error(const json& value) {
  item_encryption::ItemEncryptionDecl d;
  Status s = item_encryption::ParseItemEncryption(value, "cat.json", "T", &d);
  return s.ok() ? "" : s.message();
}

TEST(DbeDeclaration, TheContractParses) {
  item_encryption::ItemEncryptionDecl d;
  Status s = item_encryption::ParseItemEncryption(Contract(), "cat.json", "T", &d);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(d.scheme, "aws-database-encryption-sdk");
  ASSERT_NE(d.dbe, nullptr);
  const DbeDecl& x = *d.dbe;
  EXPECT_EQ(x.keyring.type, KeyringDecl::Type::kHierarchical);
  EXPECT_EQ(x.keyring.branch_key_id, "bd3842ff-3076-4092-9918-4395730050b8");
  EXPECT_EQ(x.keyring.static_version, "e9ce18a3-edb5-4272-9f86-1cacb7997ff6");
  ASSERT_TRUE(x.keyring.static_key.has_value());
  EXPECT_EQ(x.keyring.static_key->ToString(), "env:BRANCH_KEY (base64)");
  EXPECT_EQ(x.actions.at("RecNum"), CryptoAction::kSignOnly);
  EXPECT_EQ(x.actions.at("Stuff"), CryptoAction::kEncryptAndSign);
  EXPECT_EQ(x.allowed_unsigned, std::set<std::string>{"Extra"});
  EXPECT_TRUE(x.Unsigned("Extra"));
  EXPECT_TRUE(x.Unsigned("aws_dbe_b_Stuff"));
  EXPECT_FALSE(x.Unsigned("Stuff"));
}

TEST(DbeDeclaration, EveryKeyring) {
  json v = Contract();
  v["keyring"] = {
      {"type", "hierarchical"},
      {"branch_key_id", "b"},
      {"key_store", {{"table", "KeyStore"}, {"kms_key_arn", "arn:aws:kms:us-east-1:1:key/k"}}}};
  v["allowed_unsigned_attribute_prefix"] = "u_";
  item_encryption::ItemEncryptionDecl d;
  ASSERT_TRUE(item_encryption::ParseItemEncryption(v, "c", "T", &d).ok());
  EXPECT_EQ(d.dbe->keyring.key_store_table, "KeyStore");
  EXPECT_EQ(d.dbe->keyring.key_store_kms_key_arn, "arn:aws:kms:us-east-1:1:key/k");
  EXPECT_TRUE(d.dbe->Unsigned("u_x"));

  v["keyring"] = {
      {"type", "raw-aes"}, {"key_namespace", "ns"}, {"key_name", "kn"}, {"key", "env:K"}};
  ASSERT_TRUE(item_encryption::ParseItemEncryption(v, "c", "T", &d).ok());
  EXPECT_EQ(d.dbe->keyring.type, KeyringDecl::Type::kRawAes);
  EXPECT_EQ(d.dbe->keyring.key_namespace, "ns");
  EXPECT_EQ(d.dbe->keyring.key_name, "kn");

  v["keyring"] = {{"type", "aws-kms"}, {"key_id", "arn:aws:kms:us-east-1:1:key/k"}};
  ASSERT_TRUE(item_encryption::ParseItemEncryption(v, "c", "T", &d).ok());
  EXPECT_EQ(d.dbe->keyring.type, KeyringDecl::Type::kAwsKms);
  EXPECT_EQ(d.dbe->keyring.key_id, "arn:aws:kms:us-east-1:1:key/k");

  // actions and the unsigned names may be left out.
  json bare = {{"scheme", "aws-database-encryption-sdk"}, {"keyring", v["keyring"]}};
  ASSERT_TRUE(item_encryption::ParseItemEncryption(bare, "c", "T", &d).ok());
  EXPECT_TRUE(d.dbe->actions.empty());
}

TEST(DbeDeclaration, ErrorsNameFileTableAndField) {
  json v = Contract();
  v["materials"] = json::object();
  EXPECT_EQ(Error(v),
            "cat.json: table T, item_encryption: unknown field \"materials\" (expected scheme, "
            "keyring, allowed_unsigned_attributes, allowed_unsigned_attribute_prefix, actions)");

  v = Contract();
  v["keyring"]["static_branch_key"]["verison"] = "x";
  EXPECT_EQ(Error(v),
            "cat.json: table T, item_encryption.keyring.static_branch_key: unknown field "
            "\"verison\" (expected version, key)");

  v = Contract();
  v["keyring"]["static_branch_key"]["version"] = "not-a-uuid";
  EXPECT_NE(Error(v).find("item_encryption.keyring.static_branch_key.version: \"not-a-uuid\" is "
                          "not a UUID"),
            std::string::npos)
      << Error(v);

  v = Contract();
  v["keyring"]["static_branch_key"]["key"] = {{"ref", "env:K"}, {"encoding", "rot13"}};
  EXPECT_NE(Error(v).find("item_encryption.keyring.static_branch_key.key: "), std::string::npos)
      << Error(v);

  v = Contract();
  v["keyring"]["key_store"] = {{"table", "K"}, {"kms_key_arn", "arn:aws:kms:r:1:key/k"}};
  EXPECT_EQ(Error(v),
            "cat.json: table T, item_encryption.keyring: needs exactly one of "
            "\"static_branch_key\" and \"key_store\"");

  v = Contract();
  v["keyring"] = {{"type", "hierarchical"},
                  {"branch_key_id", "b"},
                  {"key_store", {{"table", "K"}, {"kms_key_arn", "alias/x"}}}};
  EXPECT_NE(Error(v).find("item_encryption.keyring.key_store.kms_key_arn: must be a KMS key ARN"),
            std::string::npos);

  v = Contract();
  v["keyring"]["type"] = "raw-rsa";
  EXPECT_EQ(Error(v),
            "cat.json: table T, item_encryption.keyring.type: unknown keyring type \"raw-rsa\" "
            "(hierarchical, raw-aes or aws-kms)");

  v = Contract();
  v["keyring"].erase("branch_key_id");
  EXPECT_EQ(Error(v), "cat.json: table T, item_encryption.keyring: missing \"branch_key_id\"");

  v = Contract();
  v["keyring"] = {{"type", "aws-kms"}, {"key_id", "k"}, {"grant_tokens", json::array()}};
  EXPECT_EQ(Error(v),
            "cat.json: table T, item_encryption.keyring: unknown field \"grant_tokens\" "
            "(expected type, key_id)");

  v = Contract();
  v["actions"]["Stuff"] = "encrypt";
  EXPECT_EQ(Error(v),
            "cat.json: table T, item_encryption.actions.Stuff: must be ENCRYPT_AND_SIGN, "
            "SIGN_ONLY, SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT or DO_NOTHING");

  v = Contract();
  v["actions"]["Junk"] = "DO_NOTHING";
  EXPECT_NE(Error(v).find("item_encryption.actions.Junk: DO_NOTHING needs the attribute in "
                          "allowed_unsigned_attributes"),
            std::string::npos);

  v = Contract();
  v["actions"]["Extra"] = "SIGN_ONLY";
  EXPECT_NE(Error(v).find("item_encryption.actions.Extra: SIGN_ONLY for an attribute allowed "
                          "unsigned"),
            std::string::npos);

  v = Contract();
  v["actions"]["aws_dbe_head"] = "SIGN_ONLY";
  EXPECT_NE(Error(v).find("item_encryption.actions.aws_dbe_head: names starting with aws_dbe_"),
            std::string::npos);

  v = Contract();
  v["allowed_unsigned_attributes"] = "Extra";
  EXPECT_EQ(Error(v),
            "cat.json: table T, item_encryption.allowed_unsigned_attributes: must be a list of "
            "attribute names");

  v = Contract();
  v.erase("keyring");
  EXPECT_EQ(Error(v), "cat.json: table T, item_encryption: missing \"keyring\"");

  v = {{"scheme", "aws-database-encryption"}};
  EXPECT_NE(Error(v).find("unknown scheme \"aws-database-encryption\" (known: "
                          "aws-dynamodb-encryption-client, aws-database-encryption-sdk)"),
            std::string::npos)
      << Error(v);
}

}  // namespace
}  // namespace ddb::dbe
