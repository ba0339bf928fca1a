#include "engine/item_encryption/most_recent_provider.h"

#include <gtest/gtest.h>

#include <random>

#include "engine/item_encryption/factory.h"
#include "engine/item_encryption/item_scheme.h"
#include "engine/item_encryption/static_provider.h"
#include "engine/item_encryption/test_vectors.h"
#include "tests/support/emulators.h"

namespace ddb::item_encryption {
namespace {

using dynamodb::AttributeValue;
using dynamodb::Item;
using testing::MemoryMetaStoreTable;

class MostRecentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = std::make_shared<MemoryMetaStoreTable>("meta");
    protector_ = std::make_shared<StaticProvider>(std::string(32, 'p'), SignatureKey::Hmac("ph"));
    store_ = std::make_shared<MetaStore>(table_, protector_);
    key_.hash = {"id", "S"};
  }
  std::unique_ptr<ItemEncryptor> Encryptor(std::shared_ptr<MaterialsProvider> p) {
    std::unique_ptr<ItemEncryptor> enc;
    EXPECT_TRUE(ItemEncryptor::Create("Data", key_, Actions{}, std::move(p), &enc).ok());
    return enc;
  }
  std::shared_ptr<MostRecentProvider> Provider(const std::string& material) {
    return std::make_shared<MostRecentProvider>(store_, material, std::chrono::seconds(10),
                                                [this] { return now_; });
  }

  std::shared_ptr<MemoryMetaStoreTable> table_;
  std::shared_ptr<MaterialsProvider> protector_;
  std::shared_ptr<MetaStore> store_;
  dynamodb::KeySchema key_;
  std::chrono::steady_clock::time_point now_{};
};

TEST_F(MostRecentTest, CreatesVersionZeroAndCachesByTtl) {
  auto writer = Provider("m");
  auto enc = Encryptor(writer);
  Item plain = {{"id", AttributeValue::S("1")}, {"v", AttributeValue::S("x")}};
  Item stored;
  ASSERT_TRUE(enc->Encrypt(plain, &stored).ok());
  ASSERT_EQ(table_->items().size(), 1u);
  EXPECT_EQ(table_->items().begin()->first, (std::pair<std::string, int64_t>{"m", 0}));
  // The MetaStore entry is itself protected: N and V plain, the rest binary.
  const Item& entry = table_->items().begin()->second;
  EXPECT_EQ(entry.at("N"), AttributeValue::S("m"));
  EXPECT_EQ(entry.at("enc").type(), AttributeValue::Type::kB);
  EXPECT_EQ(entry.count(kSignatureAttribute), 1u);
  MaterialDescription d;
  ASSERT_TRUE(ParseMaterialDescription(stored.at(kMaterialDescriptionAttribute).scalar(), &d).ok());
  EXPECT_EQ(d.at(kDescMetaId), "m#0");
  EXPECT_EQ(d.at(kDescWrappingAlgorithm), "AESWrap");

  // Within the TTL, many items cost no MetaStore read; after it, one.
  auto reader = Provider("m");
  auto dec = Encryptor(reader);
  for (int i = 0; i < 5; ++i) {
    Item back;
    ASSERT_TRUE(dec->Decrypt(stored, &back).ok());
    EXPECT_EQ(back, plain);
  }
  EXPECT_EQ(reader->metastore_reads(), 1u);
  now_ += std::chrono::seconds(11);
  Item back;
  ASSERT_TRUE(dec->Decrypt(stored, &back).ok());
  EXPECT_EQ(reader->metastore_reads(), 2u);

  // Writing re-reads the highest version after the TTL and uses it.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(enc->Encrypt(plain, &stored).ok());
  uint64_t before = writer->metastore_reads();
  Item v1 = table_->items().begin()->second;
  v1["V"] = AttributeValue::N("1");  // a rotation by another writer (same keys,
                                     // but its signature covers V: unreadable)
  bool written = false;
  ASSERT_TRUE(table_->PutIfAbsent(v1, &written).ok());
  ASSERT_TRUE(enc->Encrypt(plain, &stored).ok());
  EXPECT_EQ(writer->metastore_reads(), before);  // still within the TTL
  now_ += std::chrono::seconds(11);
  Status s = enc->Encrypt(plain, &stored);
  EXPECT_FALSE(s.ok());  // version 1 was read, and its forged entry refused
  EXPECT_NE(s.ToString().find("signature does not verify"), std::string::npos) << s.ToString();
}

TEST_F(MostRecentTest, RefusesOtherMaterialsAndMissingVersions) {
  auto enc = Encryptor(Provider("m"));
  Item plain = {{"id", AttributeValue::S("1")}};
  Item stored, back;
  ASSERT_TRUE(enc->Encrypt(plain, &stored).ok());
  Status s = Encryptor(Provider("other"))->Decrypt(stored, &back);
  EXPECT_NE(s.ToString().find("written with material \"m\", the declaration names \"other\""),
            std::string::npos)
      << s.ToString();
  table_->items().clear();
  s = Encryptor(Provider("m"))->Decrypt(stored, &back);
  EXPECT_NE(s.ToString().find("MetaStore meta, material m#0: no such version"), std::string::npos)
      << s.ToString();
  EXPECT_TRUE(JudgesItem(s)) << s.ToString();  // `.verify warn` skips such an item
}

// A MetaStore that cannot be read, or whose entry does not verify, says
// nothing about the item that names it: not a verdict `.verify warn` skips.
TEST_F(MostRecentTest, AnUnreadableMetaStoreIsNotAVerdictOnTheItem) {
  auto enc = Encryptor(Provider("m"));
  Item plain = {{"id", AttributeValue::S("1")}, {"v", AttributeValue::S("x")}};
  Item stored, back;
  ASSERT_TRUE(enc->Encrypt(plain, &stored).ok());
  table_->get_error = Status::AwsError("AccessDeniedException", "not authorized", 400);
  Status s = Encryptor(Provider("m"))->Decrypt(stored, &back);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
  EXPECT_FALSE(JudgesItem(s)) << s.ToString();
  EXPECT_NE(s.ToString().find("MetaStore meta: AccessDeniedException"), std::string::npos)
      << s.ToString();
  EXPECT_NE(s.ToString().find("table Data, item {\"id\":\"1\"}"), std::string::npos)
      << s.ToString();
  table_->get_error = Status::OK();
  table_->items().begin()->second["t"] = AttributeValue::B("forged");
  s = Encryptor(Provider("m"))->Decrypt(stored, &back);
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(JudgesItem(s)) << s.ToString();
  // The item itself, tampered, is the check's verdict (the writer holds
  // version 0 from when it created it).
  ASSERT_TRUE(enc->Decrypt(stored, &back).ok());
  stored["v"] = AttributeValue::B(std::string(32, 'x'));
  s = enc->Decrypt(stored, &back);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(JudgesItem(s)) << s.ToString();
}

// A MetaStore's protector that counts what it is asked for.
class CountingProvider : public MaterialsProvider {
 public:
  explicit CountingProvider(std::shared_ptr<MaterialsProvider> inner) : inner_(std::move(inner)) {}
  Status EncryptionMaterials(const EncryptionContext& context,
                             std::shared_ptr<const Materials>* out) override {
    ++encryptions;
    return inner_->EncryptionMaterials(context, out);
  }
  Status DecryptionMaterials(const EncryptionContext& context,
                             std::shared_ptr<const Materials>* out) override {
    ++decryptions;
    return inner_->DecryptionMaterials(context, out);
  }
  int encryptions = 0;
  int decryptions = 0;

 private:
  std::shared_ptr<MaterialsProvider> inner_;
};

// The version a writer creates is used from the keys it generated (as the
// Python client's MetaStore does): its protector (KMS, say) encrypts the
// entry once and is never asked to decrypt it; a reader loads it once.
TEST_F(MostRecentTest, AVersionItCreatesIsUsedWithoutReadingItBack) {
  auto counting = std::make_shared<CountingProvider>(protector_);
  store_ = std::make_shared<MetaStore>(table_, counting);
  auto enc = Encryptor(Provider("m"));
  Item plain = {{"id", AttributeValue::S("1")}, {"v", AttributeValue::S("x")}};
  Item stored;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(enc->Encrypt(plain, &stored).ok());
  EXPECT_EQ(counting->encryptions, 1);
  EXPECT_EQ(counting->decryptions, 0);
  auto dec = Encryptor(Provider("m"));
  for (int i = 0; i < 3; ++i) {
    Item back;
    ASSERT_TRUE(dec->Decrypt(stored, &back).ok());
    EXPECT_EQ(back, plain);
  }
  EXPECT_EQ(counting->decryptions, 1);
}

// The vectors' MetaStore loaded into DynamoDB Local under its own table
// name (the signature covers it), read through DynamoDbMetaStoreTable.
TEST(MostRecentDynamoDbTest, ReadsTheVectorsMetaStoreAndWritesNewVersions) {
  REQUIRE_DYNAMODB();
  aws::Endpoint endpoint;
  ASSERT_TRUE(aws::ParseEndpointUrl(*test::DynamoDbUrl(), &endpoint).ok());
  aws::Credentials creds;
  // DynamoDB Local keeps a database per access key: a fresh one holds no
  // "MetaTable" of another test run.
  std::random_device rd;
  creds.access_key_id = "metastore" + std::to_string(rd());
  creds.secret_access_key = "x";
  creds.source = "test";
  auto aws = std::make_shared<aws::AwsClient>(
      dynamodb::DynamoDbTraits(), endpoint, test::kTestRegion, aws::StaticCredentials(creds),
      std::make_shared<aws::HttpClient>(), aws::RetryPolicy(), std::make_shared<aws::RetryQuota>());
  auto client = std::make_shared<dynamodb::DynamoDbClient>(aws);

  nlohmann::json scenario;
  const nlohmann::json all = testing::LoadJson("encrypted_item/scenarios.json");
  for (const auto& s : all["scenarios"]) {
    if (s["ciphertext"] == "file://ciphertext/python/metastore-data-tables-1.json") scenario = s;
  }
  ASSERT_FALSE(scenario.is_null());
  const std::string meta_table = scenario["metastore"]["table_name"];
  dynamodb::CreateTableRequest create;
  create.table = meta_table;
  create.key = MetaStore::KeySchema();
  ASSERT_TRUE(client->CreateTable(create).ok());
  ASSERT_TRUE(client->WaitUntilActive(meta_table, std::chrono::seconds(30)).ok());
  for (auto& [t, items] :
       testing::LoadItems(testing::ScenarioFile(scenario["metastore"]["ciphertext"]))) {
    for (auto& item : items) {
      dynamodb::PutItemRequest put;
      put.table = t;
      put.item = item;
      ASSERT_TRUE(client->PutItem(put).ok());
    }
  }

  ProviderServices services;
  services.keys = testing::VectorKeys();
  services.metastore = [client](const std::string& name, std::shared_ptr<MetaStoreTable>* out) {
    *out = std::make_shared<DynamoDbMetaStoreTable>(client, name);
    return Status::OK();
  };
  ItemEncryptionDecl decl;
  nlohmann::json j = {{"scheme", "aws-dynamodb-encryption-client"},
                      {"materials", testing::MaterialsJson(scenario)}};
  ASSERT_TRUE(ParseItemEncryption(j, "test", "HashKeyOnly", &decl).ok());
  dynamodb::KeySchema key;
  key.hash = {"hashKey", "S"};
  std::unique_ptr<ItemEncryptor> enc;
  ASSERT_TRUE(MakeItemEncryptor(decl, "HashKeyOnly", key, services, &enc).ok());
  auto data = testing::LoadItems(testing::ScenarioFile(scenario["ciphertext"]));
  ASSERT_EQ(data["HashKeyOnly"].size(), 3u);
  for (const Item& stored : data["HashKeyOnly"]) {
    Item plain;
    Status s = enc->Decrypt(stored, &plain);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(plain.at("hashKey"), stored.at("hashKey"));
  }

  // Writing under a new material name creates its version 0 in the table.
  decl.materials = [&] {
    ProviderDecl d = decl.materials;
    d.material_name = "fresh material";
    return d;
  }();
  ASSERT_TRUE(MakeItemEncryptor(decl, "HashKeyOnly", key, services, &enc).ok());
  Item plain = {{"hashKey", AttributeValue::S("new")}, {"x", AttributeValue::NS({"1", "2"})}};
  Item stored, back;
  Status s = enc->Encrypt(plain, &stored);
  ASSERT_TRUE(s.ok()) << s.ToString();
  bool found = false;
  int64_t version = -1;
  DynamoDbMetaStoreTable table(client, meta_table);
  ASSERT_TRUE(table.MaxVersion("fresh material", &found, &version).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(version, 0);
  std::unique_ptr<ItemEncryptor> reader;
  ASSERT_TRUE(MakeItemEncryptor(decl, "HashKeyOnly", key, services, &reader).ok());
  s = reader->Decrypt(stored, &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(back, plain);
  client->DeleteTable(meta_table).ok();
}

}  // namespace
}  // namespace ddb::item_encryption
