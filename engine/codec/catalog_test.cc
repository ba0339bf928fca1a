#include "engine/codec/catalog.h"

#include <cstdlib>

#include <gtest/gtest.h>

namespace ddb::codec {
namespace {

using dynamodb::AttributeValue;

Status ParseOne(const std::string& decl) {
  Catalog c;
  std::shared_ptr<const Column> col;
  return c.ParseColumn("pages", "html", decl, "catalog.json", &col);
}

TEST(CatalogTest, TheIssuesExample) {
  Catalog c;
  Status s = c.Parse(R"({
    "tables": {
      "pages": {
        "columns": {
          "html":   {"codec": "S3BackedBigTextAttribute", "bucket": "my-bucket"},
          "title":  {"codec": "CompressedUnicodeAttribute"},
          "ssn":    {"codec": "EncryptedUnicodeAttribute", "key": "env:SSN_PASSWORD",
                     "determinative": true},
          "body":   {"codec": "LargeAttribute", "bucket": "my-bucket",
                     "prefix": "large/pages", "as": "text"},
          "orders": {"chain": ["s3", "zstd", {"aead": "aes-256-gcm", "key": "file:~/.keys/orders"}],
                     "bucket": "b", "as": "json"}
        }
      }
    }
  })",
                     "catalog.json");
  ASSERT_TRUE(s.ok()) << s.ToString();
  const TableDecl* t = c.Find("pages");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->columns.size(), 5u);
  const Column& html = *t->columns.at("html");
  EXPECT_EQ(html.type(), SqlType::kText);
  ASSERT_TRUE(html.s3());
  EXPECT_EQ(html.s3()->layout, S3Location::Layout::kKeyTemplate);
  EXPECT_EQ(html.s3()->key_template, "pynamodb-mate/s3backed/{fingerprint}");
  EXPECT_EQ(html.chain().Describe(), "gzip");
  EXPECT_FALSE(html.deterministic());
  const Column& ssn = *t->columns.at("ssn");
  EXPECT_TRUE(ssn.deterministic());
  EXPECT_EQ(ssn.chain().Describe(), "pynamodb-mate-ecb");
  const Column& body = *t->columns.at("body");
  EXPECT_EQ(body.type(), SqlType::kText);
  EXPECT_EQ(body.s3()->layout, S3Location::Layout::kLargeAttribute);
  EXPECT_EQ(body.s3()->prefix, "large/pages");
  const Column& orders = *t->columns.at("orders");
  EXPECT_EQ(orders.type(), SqlType::kJson);
  EXPECT_EQ(orders.chain().Describe(), "zstd, aes-256-gcm");
  EXPECT_EQ(orders.s3()->bucket, "b");
  EXPECT_EQ(c.Find("other"), nullptr);
}

TEST(CatalogTest, ErrorsNameFileTableAndColumn) {
  Catalog c;
  Status s =
      c.Parse(R"({"tables": {"pages": {"columns": {"ssn": {"codec": "Nope"}}}}})", "/etc/cat.json");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/etc/cat.json: table pages, column ssn: unknown codec \"Nope\""),
            std::string::npos)
      << s.message();
  EXPECT_EQ(c.Find("pages"), nullptr);  // nothing half-added

  struct Case {
    const char* decl;
    const char* expected;
  } cases[] = {
      {R"({"codec": "EncryptedUnicodeAttribute"})", "missing parameter \"key\""},
      {R"({"codec": "EncryptedUnicodeAttribute", "key": "hunter2"})", "a key must be a reference"},
      {R"({"codec": "EncryptedUnicodeAttribute", "key": "env:K", "keyy": 1})",
       "unknown parameter \"keyy\""},
      {R"({"codec": "EncryptedUnicodeAttribute", "encryption_key": "x", "key": "env:K"})",
       "use \"key\" with a reference"},
      {R"({"codec": "CompressedUnicodeAttribute", "as": "blob"})", "unknown parameter \"as\""},
      {R"({"codec": "S3BackedBigTextAttribute"})", "missing parameter \"bucket\""},
      {R"({"codec": "S3BackedBigTextAttribute", "bucket": "b", "key_template": "x/{sha}"})",
       "must contain {fingerprint}"},
      {R"({"codec": "LargeAttribute", "bucket": "b", "as": "xml"})", "unknown type \"xml\""},
      {R"({"chain": ["zstd", "s3"], "bucket": "b"})", "\"s3\" may only be the first step"},
      {R"({"chain": ["brotli"]})", "unknown step \"brotli\""},
      {R"({"chain": [{"aead": "aes-256-gcm"}]})", "missing \"key\""},
      {R"({"chain": [{"aead": "pynamodb-mate-ecb", "key": "env:K"}]})", "is not an AEAD"},
      {R"({"chain": [{"compress": "zstd", "level": 99}]})", "level must be"},
      {R"({"chain": ["s3", "gzip"]})", "missing parameter \"bucket\""},
      {R"({"chain": ["gzip"], "codec": "LargeAttribute"})", "not both"},
      {R"({"as": "text"})", "no \"codec\""},
      {R"({"chain": ["gzip"], "as": "text",)", "invalid JSON"},
  };
  for (const Case& k : cases) {
    Status st = ParseOne(k.decl);
    ASSERT_FALSE(st.ok()) << k.decl;
    EXPECT_NE(st.message().find("catalog.json: table pages, column html"), std::string::npos)
        << st.message();
    EXPECT_NE(st.message().find(k.expected), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find("hunter2"), std::string::npos);
  }
}

TEST(CatalogTest, InvalidJsonNamesLineAndColumn) {
  Catalog c;
  Status s = c.Parse("{\n  \"tables\": {\n    \"t\": oops\n  }\n}", "cat.json");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cat.json:3:"), std::string::npos) << s.message();
}

// Found by fuzz/catalog_fuzz.cc: nlohmann throws out_of_range, not
// parse_error, for a number beyond a double, and it ended the process.
TEST(CatalogTest, NumbersBeyondADoubleAreInvalidJson) {
  Catalog catalog;
  Status s =
      catalog.Parse(R"({"tables": {"t": {"columns": {"c": {"codec": -2e1111999}}}}})", "big.json");
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("big.json: invalid JSON"), std::string::npos) << s.ToString();
  std::shared_ptr<const Column> column;
  s = catalog.ParseColumn("t", "c", R"({"codec": "CompressedUnicodeAttribute", "x": 1e999})",
                          ".codec", &column);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
}

TEST(CatalogTest, KeyColumnsNeedDeterministicCodecs) {
  Catalog c;
  ASSERT_TRUE(c.Parse(R"({"tables": {"users": {"columns": {
      "email": {"codec": "EncryptedUnicodeAttribute", "key": "env:K", "determinative": false},
      "ssn": {"codec": "EncryptedUnicodeAttribute", "key": "env:K"},
      "id": {"chain": [{"aead": "aes-256-siv", "key": "env:K"}], "as": "text"},
      "note": {"codec": "CompressedUnicodeAttribute"}}}}})",
                      "cat.json")
                  .ok());
  EXPECT_TRUE(c.CheckKeyColumns("users", {"ssn", "id"}).ok());
  EXPECT_TRUE(c.CheckKeyColumns("other", {"email"}).ok());
  Status s = c.CheckKeyColumns("users", {"email"});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cat.json: table users, column email"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("not deterministic"), std::string::npos);
  EXPECT_FALSE(c.CheckKeyColumns("users", {"note"}).ok());  // other writers' gzip differs
}

// Issue 21: a key carries only a codec DynamoDB can look it up by, of
// type B; the reason is in the message.
TEST(CatalogTest, CheckKeyCodecNamesWhyAKeyCannotCarryTheCodec) {
  auto column = [](const std::string& decl) {
    Catalog c;
    std::shared_ptr<const Column> col;
    EXPECT_TRUE(c.ParseColumn("t", "id", decl, ".codec", &col).ok()) << decl;
    return col;
  };
  auto ecb = column(R"({"codec": "EncryptedUnicodeAttribute", "key": "env:K"})");
  EXPECT_TRUE(CheckKeyCodec(*ecb, "B").ok());
  EXPECT_TRUE(
      CheckKeyCodec(*column(R"({"chain": [{"aead": "aes-256-siv", "key": "env:K"}]})"), "B").ok());
  Status s = CheckKeyCodec(*ecb, "S");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("the key attribute is of DynamoDB type S"), std::string::npos)
      << s.message();
  s = CheckKeyCodec(*column(R"({"codec": "CompressedUnicodeAttribute"})"), "B");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not CompressedUnicodeAttribute"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("compression"), std::string::npos) << s.message();
  s = CheckKeyCodec(*column(R"({"codec": "S3BackedUnicodeAttribute", "bucket": "b"})"), "S");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("in S3, DynamoDB would see only the object's URI"), std::string::npos)
      << s.message();
  EXPECT_FALSE(CheckKeyCodec(*column(R"({"codec": "EncryptedUnicodeAttribute", "key": "env:K",
                                        "determinative": false})"),
                             "B")
                   .ok());
}

TEST(CatalogTest, RemoveForgetsOneDeclaration) {
  Catalog c;
  ASSERT_TRUE(c.Declare("t", "a", R"({"codec": "CompressedUnicodeAttribute"})", ".codec").ok());
  ASSERT_TRUE(c.Declare("t", "b", R"({"codec": "CompressedUnicodeAttribute"})", ".codec").ok());
  EXPECT_FALSE(c.Remove("t", "nope"));
  EXPECT_FALSE(c.Remove("other", "a"));
  EXPECT_TRUE(c.Remove("t", "a"));
  ASSERT_NE(c.Find("t"), nullptr);
  EXPECT_EQ(c.Find("t")->columns.count("a"), 0u);
  EXPECT_FALSE(c.Remove("t", "a"));
  EXPECT_TRUE(c.Remove("t", "b"));
  EXPECT_EQ(c.Find("t"), nullptr);  // no table left without columns
}

// Issue 21: the system's reason, not "invalid JSON" for a directory.
TEST(CatalogTest, LoadFileErrorsSayWhyTheFileCannotBeRead) {
  Catalog c;
  std::string missing = testing::TempDir() + "/no-such-catalog.json";
  Status s = c.LoadFile(missing);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.message(), missing + ": cannot open the catalog file: No such file or directory");
  s = c.LoadFile("/");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "/: cannot read the catalog file: Is a directory");
  EXPECT_EQ(s.message().find("JSON"), std::string::npos);
}

TEST(CatalogTest, DeclarationsShowReferencesNotKeys) {
  Catalog c;
  ASSERT_TRUE(c.Declare("t", "c",
                        R"({"chain": [{"aead": "aes-256-gcm", "key": "cmd:pass show x"}]})",
                        ".codec")
                  .ok());
  const std::string& d = c.Find("t")->columns.at("c")->declaration();
  EXPECT_NE(d.find("cmd:pass ..."), std::string::npos) << d;
  EXPECT_EQ(d.find("show x"), std::string::npos) << d;
}

TEST(CatalogTest, PynamoDbMateParameterNamesAndPrefixedClassNames) {
  Catalog c;
  std::shared_ptr<const Column> col;
  Status s = c.ParseColumn(
      "t", "c",
      R"({"codec": "pynamodb_mate.S3BackedJsonDictAttribute", "bucket_name": "b", "compressed": false})",
      "x", &col);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(col->s3()->bucket, "b");
  EXPECT_TRUE(col->chain().empty());
  EXPECT_EQ(col->type(), SqlType::kJson);
}

TEST(CatalogTest, FindCatalogPathNeverUsesTheCurrentDirectory) {
  std::string path;
  bool explicit_choice;
  FindCatalogPath("/x/cat.json", &path, &explicit_choice);
  EXPECT_EQ(path, "/x/cat.json");
  EXPECT_TRUE(explicit_choice);
  setenv("DDBSQL_CATALOG", "/env/cat.json", 1);
  FindCatalogPath("", &path, &explicit_choice);
  EXPECT_EQ(path, "/env/cat.json");
  unsetenv("DDBSQL_CATALOG");
  setenv("XDG_CONFIG_HOME", "/xdg", 1);
  FindCatalogPath("", &path, &explicit_choice);
  EXPECT_EQ(path, "/xdg/ddbsql/catalog.json");
  EXPECT_FALSE(explicit_choice);
  unsetenv("XDG_CONFIG_HOME");
  FindCatalogPath("", &path, &explicit_choice);
  EXPECT_NE(path.find("/.config/ddbsql/catalog.json"), std::string::npos);
}

// Issue 16: "item_encryption" beside or instead of "columns".
constexpr char kEncryptedTable[] = R"({"tables": {"TableName": {"item_encryption": {
    "scheme": "aws-dynamodb-encryption-client",
    "materials": {"provider": "static",
                  "encryption_key": {"ref": "env:AES_KEY", "encoding": "base64"},
                  "signing_key": {"ref": "env:HMAC_KEY", "encoding": "base64"}},
    "actions": {"default": "encrypt",
                "attributes": {"version": "sign", "intValue": "nothing"}}}}}})";

TEST(CatalogTest, ItemEncryptionInsteadOfColumns) {
  Catalog c;
  Status s = c.Parse(kEncryptedTable, "catalog.json");
  ASSERT_TRUE(s.ok()) << s.ToString();
  const TableDecl* t = c.Find("TableName");
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->columns.empty());
  ASSERT_NE(t->item_encryption, nullptr);
  const item_encryption::ItemEncryptionDecl& d = *t->item_encryption;
  EXPECT_EQ(d.scheme, "aws-dynamodb-encryption-client");
  EXPECT_EQ(d.materials.kind, item_encryption::ProviderDecl::Kind::kStatic);
  ASSERT_TRUE(d.materials.encryption_key.has_value());
  ASSERT_TRUE(d.materials.signing_key.has_value());
  EXPECT_EQ(d.actions.default_action, item_encryption::Action::kEncrypt);
  EXPECT_EQ(d.actions.attributes.at("version"), item_encryption::Action::kSign);
  EXPECT_EQ(d.actions.attributes.at("intValue"), item_encryption::Action::kNothing);
}

TEST(CatalogTest, ItemEncryptionBesideColumns) {
  Catalog c;
  Status s = c.Parse(R"({"tables": {"orders": {
      "columns": {"note": {"codec": "CompressedUnicodeAttribute"}},
      "item_encryption": {"scheme": "aws-dynamodb-encryption-client",
                          "materials": {"provider": "aws-kms", "key_id": "alias/orders"}}}}})",
                     "catalog.json");
  ASSERT_TRUE(s.ok()) << s.ToString();
  const TableDecl* t = c.Find("orders");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->columns.size(), 1u);
  ASSERT_NE(t->item_encryption, nullptr);
  EXPECT_EQ(t->item_encryption->materials.kind, item_encryption::ProviderDecl::Kind::kAwsKms);
  EXPECT_EQ(t->item_encryption->materials.key_id, "alias/orders");
  // A plain table has none.
  ASSERT_TRUE(c.Parse(R"({"tables": {"plain": {"columns": {}}}})", "other.json").ok());
  EXPECT_EQ(c.Find("plain")->item_encryption, nullptr);
  // Removing the last codec column keeps the table: it is still encrypted.
  EXPECT_TRUE(c.Remove("orders", "note"));
  ASSERT_NE(c.Find("orders"), nullptr);
  EXPECT_NE(c.Find("orders")->item_encryption, nullptr);
}

TEST(CatalogTest, ItemEncryptionErrorsNameFileTableAndField) {
  struct Case {
    std::string json;
    std::string error;
  } cases[] = {
      {R"({"tables": {"T": {"item_encryption": []}}})",
       "catalog.json: table T, item_encryption: must be an object"},
      {R"({"tables": {"T": {"item_encryption": {"scheme": "aws-dynamodb-encryption-client",
          "materials": {"provider": "static", "encryption_key": "env:A"}}}}})",
       "catalog.json: table T, item_encryption.materials: missing \"signing_key\""},
      {R"({"tables": {"T": {"item_encryption": {"scheme": "aws-dynamodb-encryption-client",
          "materials": {"provider": "static", "encryption_key": {"ref": "env:A",
          "encoding": "b64"}, "signing_key": "env:B"}}}}})",
       "catalog.json: table T, item_encryption.materials.encryption_key: unknown encoding"},
      {R"({"tables": {"T": {"item_encryption": {"scheme": "aws-dynamodb-encryption-client",
          "materials": {"provider": "aws-kms", "key_id": "alias/k"},
          "actions": {"attributes": {"a": "encrypt_and_sign"}}}}}})",
       "catalog.json: table T, item_encryption.actions.attributes.a: unknown action"},
      {R"({"tables": {"T": {"item_encryption": {"scheme": "aws-dynamodb-encryption-client",
          "materials": {"provider": "aws-kms", "key_id": "alias/k"}}, "colums": {}}}})",
       "catalog.json: table T: unknown field \"colums\""},
      {R"({"tables": {"T": {"item_encryption": {"scheme": "aws-dynamodb-encryption-client",
          "materials": {"provider": "aws-kms", "key_id": "alias/k"}}, "columns": []}}})",
       "catalog.json: table T: \"columns\" must be an object"},
  };
  for (const Case& c : cases) {
    Catalog catalog;
    Status s = catalog.Parse(c.json, "catalog.json");
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_EQ(s.message().rfind(c.error, 0), 0u) << s.message();
    EXPECT_EQ(catalog.Find("T"), nullptr);  // nothing added
  }
}

}  // namespace
}  // namespace ddb::codec
