#include "engine/item_encryption/item_encryptor.h"

#include <gtest/gtest.h>

#include "engine/encoding.h"
#include "engine/item_encryption/declaration.h"
#include "engine/item_encryption/factory.h"
#include "engine/item_encryption/signature.h"
#include "engine/item_encryption/static_provider.h"
#include "engine/item_encryption/test_vectors.h"

namespace ddb::item_encryption {
namespace {

using dynamodb::AttributeValue;
using dynamodb::Item;
using testing::LoadItems;
using testing::LoadJson;
using testing::MemoryMetaStoreTable;
using testing::PlainTable;

ProviderDecl ParseMaterials(const nlohmann::json& materials) {
  ItemEncryptionDecl decl;
  nlohmann::json j = {{"scheme", "aws-dynamodb-encryption-client"}, {"materials", materials}};
  Status s = ParseItemEncryption(j, "test", "T", &decl);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return decl.materials;
}

Actions ParseActions(const nlohmann::json& actions) {
  ItemEncryptionDecl decl;
  nlohmann::json j = {{"scheme", "aws-dynamodb-encryption-client"},
                      {"materials", {{"provider", "aws-kms"}, {"key_id", "k"}}},
                      {"actions", actions}};
  Status s = ParseItemEncryption(j, "test", "T", &decl);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return decl.actions;
}

// Services over the vectors' keys, with the scenario's MetaStore (if any)
// held in memory and loaded with its ciphertext items.
ProviderServices VectorServices(const nlohmann::json& scenario,
                                std::shared_ptr<MemoryMetaStoreTable>* meta_out = nullptr) {
  ProviderServices services;
  services.keys = testing::VectorKeys();
  if (scenario.contains("metastore")) {
    auto meta = std::make_shared<MemoryMetaStoreTable>(
        scenario["metastore"]["table_name"].get<std::string>());
    for (auto& [table, items] :
         LoadItems(testing::ScenarioFile(scenario["metastore"]["ciphertext"]))) {
      EXPECT_EQ(table, meta->name());
      for (auto& item : items) {
        bool written = false;
        EXPECT_TRUE(meta->PutIfAbsent(item, &written).ok());
      }
    }
    services.metastore = [meta](const std::string& name, std::shared_ptr<MetaStoreTable>* out) {
      if (name != meta->name()) return Status::NotFound("no MetaStore " + name);
      *out = meta;
      return Status::OK();
    };
    if (meta_out != nullptr) *meta_out = meta;
  }
  return services;
}

// Runs every offline scenario of scenarios.json whose ciphertext file
// starts with `dir` ("ciphertext/python" or "ciphertext/java"); returns
// the number of items checked.
int CheckScenarios(const std::string& dir) {
  nlohmann::json scenarios = LoadJson("encrypted_item/scenarios.json");
  int checked = 0;
  for (const auto& scenario : scenarios["scenarios"]) {
    if (scenario["network"].get<bool>()) continue;
    std::string file = testing::ScenarioFile(scenario["ciphertext"]);
    if (file.find(dir) == std::string::npos) continue;
    SCOPED_TRACE(file);
    ProviderServices services = VectorServices(scenario);
    std::shared_ptr<MaterialsProvider> provider;
    Status s = MakeProvider(ParseMaterials(testing::MaterialsJson(scenario)), services,
                            "item_encryption.materials", &provider);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) continue;
    std::map<std::string, PlainTable> plain = testing::LoadPlaintext(scenario["version"]);
    for (const auto& [table, items] : LoadItems(file)) {
      const PlainTable& pt = plain.at(table);
      for (const Item& stored : items) {
        // The plaintext item with the same key, and its action set.
        const testing::PlainItem* expected = nullptr;
        for (const auto& p : pt.items) {
          bool same = p.item.at(pt.key.hash.name) == stored.at(pt.key.hash.name);
          if (pt.key.range)
            same = same && p.item.at(pt.key.range->name) == stored.at(pt.key.range->name);
          if (same) expected = &p;
        }
        // As the client's own harness: an item without plaintext is not checked.
        if (expected == nullptr) continue;
        std::unique_ptr<ItemEncryptor> enc;
        s = ItemEncryptor::Create(table, pt.key, ParseActions(expected->actions), provider, &enc);
        EXPECT_TRUE(s.ok()) << s.ToString();
        Item got;
        s = enc->Decrypt(stored, &got);
        EXPECT_TRUE(s.ok()) << table << " " << dynamodb::ItemToPlainJson(stored) << ": "
                            << s.ToString();
        // Attribute by attribute, with DynamoDB types.
        EXPECT_EQ(got.size(), expected->item.size()) << dynamodb::ItemToPlainJson(got);
        for (const auto& [name, value] : expected->item) {
          auto it = got.find(name);
          EXPECT_TRUE(it != got.end()) << name;
          if (it == got.end()) continue;
          EXPECT_EQ(it->second.type(), value.type()) << name;
          // The Java mapper bumps "version" when it saves (the client's
          // harness skips it too).
          if (name != "version") {
            EXPECT_EQ(it->second, value) << table << "." << name;
          }
        }
        ++checked;
      }
    }
  }
  return checked;
}

TEST(ItemEncryptorTest, PythonWrittenScenariosDecrypt) {
  // static x3, wrapped RSA x3, wrapped AES, most-recent x2: 16 items each.
  EXPECT_EQ(CheckScenarios("ciphertext/python/"), 9 * 16);
}

TEST(ItemEncryptorTest, JavaWrittenScenariosDecrypt) {
  // static x3, wrapped RSA x3, wrapped AES, most-recent x2.
  EXPECT_EQ(CheckScenarios("ciphertext/java/"), 9 * 16);
}

// A fixture on the first static scenario: one stored item and its plaintext.
class StaticVectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto items = LoadItems("encrypted_item/ciphertext/python/static-aes-hmac-1.json");
    for (const Item& item : items["TableName"]) {
      if (item.at("hashKey") == AttributeValue::N("5") &&
          item.at("rangeKey") == AttributeValue::N("7")) {
        stored_ = item;
      }
    }
    ASSERT_FALSE(stored_.empty());
    key_.hash = {"hashKey", "N"};
    key_.range = dynamodb::KeyAttribute{"rangeKey", "N"};
    services_.keys = testing::VectorKeys();
  }

  Status Decrypt(const nlohmann::json& materials, const std::string& table, const Item& stored,
                 Item* out) {
    std::shared_ptr<MaterialsProvider> provider;
    Status s =
        MakeProvider(ParseMaterials(materials), services_, "item_encryption.materials", &provider);
    if (!s.ok()) return s;
    // plaintext.json's "encrypt" action set.
    Actions actions;
    actions.attributes["version"] = Action::kSign;
    std::unique_ptr<ItemEncryptor> enc;
    s = ItemEncryptor::Create(table, key_, actions, provider, &enc);
    if (!s.ok()) return s;
    return enc->Decrypt(stored, out);
  }

  nlohmann::json Static(const std::string& aes, const std::string& hmac) {
    return {{"provider", "static"},
            {"encryption_key", testing::KeyParamJson(aes)},
            {"signing_key", testing::KeyParamJson(hmac)}};
  }

  Item stored_;
  dynamodb::KeySchema key_;
  ProviderServices services_;
};

TEST_F(StaticVectorTest, DecryptsTheVector) {
  Item out;
  Status s = Decrypt(Static("aesKey", "hmacKey"), "TableName", stored_, &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(out.at("stringValue"), AttributeValue::S("Hello world!"));
  EXPECT_EQ(out.count(kSignatureAttribute), 0u);
  EXPECT_EQ(out.count(kMaterialDescriptionAttribute), 0u);
}

TEST_F(StaticVectorTest, TamperedAttributeFails) {
  Item tampered = stored_;
  std::string ct = tampered.at("stringValue").scalar();
  ct[20] ^= 1;
  tampered["stringValue"] = AttributeValue::B(ct);
  Item out;
  Status s = Decrypt(Static("aesKey", "hmacKey"), "TableName", tampered, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(),
            "table TableName, item {\"hashKey\":5,\"rangeKey\":7}: signature does not verify (the "
            "item was changed, or the verification key or table name is not the one it was "
            "written with)");
  EXPECT_TRUE(out.empty());
  // A signed attribute's value changed, or one added.
  tampered = stored_;
  tampered["version"] = AttributeValue::N("1");
  EXPECT_FALSE(Decrypt(Static("aesKey", "hmacKey"), "TableName", tampered, &out).ok());
  tampered = stored_;
  tampered["extra"] = AttributeValue::S("x");
  EXPECT_FALSE(Decrypt(Static("aesKey", "hmacKey"), "TableName", tampered, &out).ok());
}

TEST_F(StaticVectorTest, WrongKeyFails) {
  services_.keys->Set(
      [] {
        codec::KeyRef r;
        codec::KeyRef::Parse("env:otherHmac", &r).ok();
        return r;
      }(),
      Base64Encode("not the key"));
  Item out;
  Status s = Decrypt(Static("aesKey", "otherHmac"), "TableName", stored_, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("signature does not verify"), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find("item {\"hashKey\":5,\"rangeKey\":7}"), std::string::npos);
  // The signature is checked first: a wrong AES key alone fails to decrypt.
  services_.keys->Set(
      [] {
        codec::KeyRef r;
        codec::KeyRef::Parse("env:otherAes", &r).ok();
        return r;
      }(),
      Base64Encode("0123456789abcdef"));
  s = Decrypt(Static("otherAes", "hmacKey"), "TableName", stored_, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("table TableName, item {\"hashKey\":5,\"rangeKey\":7}: attribute"),
            std::string::npos)
      << s.ToString();
  EXPECT_EQ(s.ToString().find("0123456789abcdef"), std::string::npos);
}

TEST_F(StaticVectorTest, WrongTableNameFails) {
  Item out;
  Status s = Decrypt(Static("aesKey", "hmacKey"), "OtherTable", stored_, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("table OtherTable, item {\"hashKey\":5,\"rangeKey\":7}: signature "
                              "does not verify"),
            std::string::npos)
      << s.ToString();
}

TEST_F(StaticVectorTest, MissingSignatureOrBadReservedAttributesFail) {
  Item out;
  Item damaged = stored_;
  damaged.erase(kSignatureAttribute);
  Status s = Decrypt(Static("aesKey", "hmacKey"), "TableName", damaged, &out);
  EXPECT_NE(s.ToString().find("no signature attribute"), std::string::npos) << s.ToString();
  damaged = stored_;
  damaged[kMaterialDescriptionAttribute] = AttributeValue::B("junk");
  s = Decrypt(Static("aesKey", "hmacKey"), "TableName", damaged, &out);
  EXPECT_NE(s.ToString().find("material description"), std::string::npos) << s.ToString();
}

TEST(ItemEncryptorCreateTest, RefusesEncryptedKeys) {
  dynamodb::KeySchema key;
  key.hash = {"id", "S"};
  Actions actions;
  actions.attributes["id"] = Action::kEncrypt;
  std::unique_ptr<ItemEncryptor> enc;
  Status s = ItemEncryptor::Create(
      "orders", key, actions,
      std::make_shared<StaticProvider>(std::string(16, 'k'), SignatureKey::Hmac("h")), &enc);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("table orders: item_encryption: key attribute \"id\" cannot be "
                              "encrypted"),
            std::string::npos)
      << s.ToString();
  // Under the default "encrypt", keys are signed; under "nothing", left alone.
  actions.attributes.clear();
  ASSERT_TRUE(ItemEncryptor::Create(
                  "orders", key, actions,
                  std::make_shared<StaticProvider>(std::string(16, 'k'), SignatureKey::Hmac("h")),
                  &enc)
                  .ok());
  EXPECT_EQ(enc->ActionFor("id"), Action::kSign);
  EXPECT_EQ(enc->ActionFor("other"), Action::kEncrypt);
}

// Round trips through every offline provider, with a plain item of every
// type; the stored form has the reserved attributes and binary ciphertext.
class RoundTripTest : public ::testing::TestWithParam<const char*> {};

TEST_P(RoundTripTest, EncryptThenDecrypt) {
  nlohmann::json scenario;
  const nlohmann::json all = LoadJson("encrypted_item/scenarios.json");
  for (const auto& s : all["scenarios"]) {
    if (s["ciphertext"].get<std::string>().find(GetParam()) != std::string::npos) scenario = s;
  }
  ASSERT_FALSE(scenario.is_null());
  std::shared_ptr<MemoryMetaStoreTable> meta;
  ProviderServices services = VectorServices(scenario, &meta);
  if (meta) meta->items().clear();  // the provider creates version 0 itself
  std::shared_ptr<MaterialsProvider> provider;
  Status s = MakeProvider(ParseMaterials(testing::MaterialsJson(scenario)), services,
                          "item_encryption.materials", &provider);
  ASSERT_TRUE(s.ok()) << s.ToString();
  dynamodb::KeySchema key;
  key.hash = {"pk", "S"};
  key.range = dynamodb::KeyAttribute{"sk", "B"};
  Actions actions;
  actions.attributes["visible"] = Action::kSign;
  actions.attributes["loose"] = Action::kNothing;
  std::unique_ptr<ItemEncryptor> enc;
  ASSERT_TRUE(ItemEncryptor::Create("Orders", key, actions, provider, &enc).ok());
  Item plain = {
      {"pk", AttributeValue::S("p1")},
      {"sk", AttributeValue::B(std::string("\0\xff", 2))},
      {"visible", AttributeValue::N("12.50")},
      {"loose", AttributeValue::S("free")},
      {"s", AttributeValue::S("héllo")},
      {"n", AttributeValue::N("-3")},
      {"b", AttributeValue::B(std::string(100, '\x7f'))},
      {"ss", AttributeValue::SS({"b", "a"})},
      {"ns", AttributeValue::NS({"10", "9"})},
      {"bs", AttributeValue::BS({"\x80", "\x01"})},
      {"t", AttributeValue::Bool(true)},
      {"z", AttributeValue::Null()},
      {"l", AttributeValue::L({AttributeValue::S("x"), AttributeValue::N("1")})},
      {"m", AttributeValue::M({{"k", AttributeValue::L({})}})},
  };
  Item stored;
  s = enc->Encrypt(plain, &stored);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(stored.size(), plain.size() + 2);
  EXPECT_EQ(stored.at("pk"), plain.at("pk"));
  EXPECT_EQ(stored.at("visible"), plain.at("visible"));
  EXPECT_EQ(stored.at("loose"), plain.at("loose"));
  EXPECT_EQ(stored.at("s").type(), AttributeValue::Type::kB);
  EXPECT_EQ(stored.at("s").scalar().size() % 16, 0u);
  MaterialDescription d;
  ASSERT_TRUE(ParseMaterialDescription(stored.at(kMaterialDescriptionAttribute).scalar(), &d).ok());
  EXPECT_EQ(d.at(kDescSymmetricMode), kCbcPkcs5Mode);
  Item back;
  s = enc->Decrypt(stored, &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(back, plain);
  // "nothing" attributes may change without breaking the signature;
  // signed ones may not.
  stored["loose"] = AttributeValue::S("changed");
  EXPECT_TRUE(enc->Decrypt(stored, &back).ok());
  stored["visible"] = AttributeValue::N("13");
  EXPECT_FALSE(enc->Decrypt(stored, &back).ok());
  // Reserved attributes cannot be written.
  plain[kSignatureAttribute] = AttributeValue::B("x");
  EXPECT_FALSE(enc->Encrypt(plain, &stored).ok());
}

INSTANTIATE_TEST_SUITE_P(Providers, RoundTripTest,
                         ::testing::Values("python/static-aes-hmac-1", "python/wrapped-aes-hmac-1",
                                           "python/wrapped-rsa-rsa-1",
                                           "python/metastore-data-tables-1",
                                           "python/metastore-data-tables-2"));

// An item signed in the Java order (binary set members compared as signed
// bytes) verifies: the Java client's items with such sets are readable.
TEST(ItemEncryptorJavaOrderTest, VerifiesJavaOrderedSignature) {
  dynamodb::KeySchema key;
  key.hash = {"pk", "S"};
  auto provider = std::make_shared<StaticProvider>(std::string(16, 'k'), SignatureKey::Hmac("h"));
  std::unique_ptr<ItemEncryptor> enc;
  Actions actions;
  actions.default_action = Action::kSign;
  ASSERT_TRUE(ItemEncryptor::Create("T", key, actions, provider, &enc).ok());
  Item plain = {{"pk", AttributeValue::S("a")}, {"bs", AttributeValue::BS({"\x80", "\x01"})}};
  Item stored;
  ASSERT_TRUE(enc->Encrypt(plain, &stored).ok());
  // Re-sign as the Java client would.
  CryptoContext crypto;
  std::string to_sign, sig;
  Actions effective = enc->actions();
  ASSERT_TRUE(StringToSign("T", stored, effective, Ordering::kJava, &crypto, &to_sign).ok());
  ASSERT_TRUE(Sign(SignatureKey::Hmac("h"), to_sign, &crypto, &sig).ok());
  ASSERT_NE(sig, stored.at(kSignatureAttribute).scalar());
  stored[kSignatureAttribute] = AttributeValue::B(sig);
  Item back;
  Status s = enc->Decrypt(stored, &back);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(ItemEncryptorNoActionTest, PassesItemsThrough) {
  dynamodb::KeySchema key;
  key.hash = {"pk", "S"};
  Actions actions;
  actions.default_action = Action::kNothing;
  std::unique_ptr<ItemEncryptor> enc;
  ASSERT_TRUE(ItemEncryptor::Create(
                  "T", key, actions,
                  std::make_shared<StaticProvider>(std::string(16, 'k'), SignatureKey::Hmac("h")),
                  &enc)
                  .ok());
  Item plain = {{"pk", AttributeValue::S("a")}, {"x", AttributeValue::N("1")}};
  Item stored, back;
  ASSERT_TRUE(enc->Encrypt(plain, &stored).ok());
  EXPECT_EQ(stored, plain);
  ASSERT_TRUE(enc->Decrypt(stored, &back).ok());
  EXPECT_EQ(back, plain);
}

}  // namespace
}  // namespace ddb::item_encryption
