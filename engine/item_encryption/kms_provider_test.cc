#include "engine/item_encryption/kms_provider.h"

#include <gtest/gtest.h>

#include "engine/item_encryption/item_encryptor.h"
#include "tests/support/emulators.h"
#include "tests/support/moto_kms.h"

namespace ddb::item_encryption {
namespace {

using dynamodb::AttributeValue;
using dynamodb::Item;

// The context the client builds: algorithms, key values (N as stored, B as
// base64) and the table.
TEST(KmsEncryptionContextTest, AsTheClientBuildsIt) {
  Item item = {{"hashKey", AttributeValue::N("5.0")},
               {"rangeKey", AttributeValue::B(std::string("\x01\x02", 2))},
               {"other", AttributeValue::S("not in the context")}};
  EncryptionContext context;
  context.table = "TableName";
  context.hash_key_name = "hashKey";
  context.range_key_name = "rangeKey";
  context.attributes = &item;
  kms::EncryptionContext ec;
  ASSERT_TRUE(KmsEncryptionContext(context, "AES/256", "HmacSHA256/256", &ec).ok());
  EXPECT_EQ(ec, (kms::EncryptionContext{{"*amzn-ddb-env-alg*", "AES/256"},
                                        {"*amzn-ddb-sig-alg*", "HmacSHA256/256"},
                                        {"*aws-kms-table*", "TableName"},
                                        {"hashKey", "5"},
                                        {"rangeKey", "AQI="}}));
  item.erase("rangeKey");
  Status s = KmsEncryptionContext(context, "AES/256", "HmacSHA256/256", &ec);
  EXPECT_NE(s.ToString().find("key attribute \"rangeKey\" is missing"), std::string::npos);
}

// Against moto's KMS (the server at DDBSQL_TEST_S3_URL serves it too).
class KmsProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_S3();
    Status s = test::MotoKms(&client_, &key_id_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    key_.hash = {"pk", "S"};
    key_.range = dynamodb::KeyAttribute{"sk", "N"};
  }

  std::shared_ptr<KmsProvider> Provider(size_t cache_capacity = 4096) {
    auto client = client_;
    regions_asked_.clear();
    return std::make_shared<KmsProvider>(
        key_id_,
        [this, client](const std::string& region, std::shared_ptr<kms::KmsClient>* out) {
          regions_asked_.push_back(region);
          *out = client;
          return Status::OK();
        },
        cache_capacity);
  }

  std::shared_ptr<kms::KmsClient> client_;
  std::string key_id_;
  dynamodb::KeySchema key_;
  std::vector<std::string> regions_asked_;
};

TEST_F(KmsProviderTest, RoundTripWithOneDecryptPerDataKey) {
  auto provider = Provider();
  std::unique_ptr<ItemEncryptor> enc;
  ASSERT_TRUE(ItemEncryptor::Create("Orders", key_, Actions{}, provider, &enc).ok());
  Item plain = {{"pk", AttributeValue::S("a")},
                {"sk", AttributeValue::N("1")},
                {"secret", AttributeValue::S("s3cr3t")}};
  Item stored;
  Status s = enc->Encrypt(plain, &stored);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(regions_asked_, std::vector<std::string>{"us-east-1"});  // from the key ARN
  MaterialDescription d;
  ASSERT_TRUE(ParseMaterialDescription(stored.at(kMaterialDescriptionAttribute).scalar(), &d).ok());
  EXPECT_EQ(d.at(kDescWrappingAlgorithm), "kms");
  EXPECT_EQ(d.at(kDescContentAlgorithm), "AES/256");
  EXPECT_EQ(d.at(kDescItemSignatureAlgorithm), "HmacSHA256/256");
  EXPECT_EQ(d.at(kDescKmsCoveredAttributes), "*keys*");

  // A fresh provider, as in a new session: one Decrypt, then the cache.
  auto reader = Provider();
  std::unique_ptr<ItemEncryptor> dec;
  ASSERT_TRUE(ItemEncryptor::Create("Orders", key_, Actions{}, reader, &dec).ok());
  for (int i = 0; i < 3; ++i) {
    Item back;
    s = dec->Decrypt(stored, &back);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(back, plain);
  }
  EXPECT_EQ(reader->decrypt_calls(), 1u);

  // The context binds the table and the key: another table name or a moved
  // key is refused by KMS, and the error names the table and item.
  std::unique_ptr<ItemEncryptor> other;
  ASSERT_TRUE(ItemEncryptor::Create("Other", key_, Actions{}, Provider(), &other).ok());
  Item back;
  s = other->Decrypt(stored, &back);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("table Other, item {\"pk\":\"a\",\"sk\":1}"), std::string::npos)
      << s.ToString();
  EXPECT_NE(s.ToString().find("InvalidCiphertextException"), std::string::npos) << s.ToString();
  Item moved = stored;
  moved["sk"] = AttributeValue::N("2");
  EXPECT_FALSE(dec->Decrypt(moved, &back).ok());
}

// Every item the client writes under aws-kms has a data key of its own:
// reading items over and over, in any order, asks KMS once per data key
// while the cache holds them all; a cache too small for them asks again
// for the keys it let go (least recently used first), never for the one
// just used.
TEST_F(KmsProviderTest, OneDecryptPerDistinctDataKeyCachedForTheSession) {
  std::unique_ptr<ItemEncryptor> writer;
  ASSERT_TRUE(ItemEncryptor::Create("Orders", key_, Actions{}, Provider(), &writer).ok());
  std::vector<Item> plain, stored;
  for (int i = 0; i < 4; ++i) {
    plain.push_back({{"pk", AttributeValue::S("p" + std::to_string(i))},
                     {"sk", AttributeValue::N(std::to_string(i))},
                     {"secret", AttributeValue::S("value " + std::to_string(i))}});
    Item s;
    ASSERT_TRUE(writer->Encrypt(plain.back(), &s).ok());
    stored.push_back(std::move(s));
  }
  // Each item has its own data key (blob) and context.
  EXPECT_NE(stored[0].at(kMaterialDescriptionAttribute),
            stored[1].at(kMaterialDescriptionAttribute));

  auto reader = Provider();
  std::unique_ptr<ItemEncryptor> dec;
  ASSERT_TRUE(ItemEncryptor::Create("Orders", key_, Actions{}, reader, &dec).ok());
  for (int round = 0; round < 5; ++round) {
    for (size_t i = 0; i < stored.size(); ++i) {
      size_t j = round % 2 == 0 ? i : stored.size() - 1 - i;
      Item back;
      Status s = dec->Decrypt(stored[j], &back);
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(back, plain[j]);
    }
  }
  EXPECT_EQ(reader->decrypt_calls(), stored.size());

  // Room for one data key: the same item again is cached, another evicts.
  auto small = Provider(/*cache_capacity=*/1);
  ASSERT_TRUE(ItemEncryptor::Create("Orders", key_, Actions{}, small, &dec).ok());
  Item back;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(dec->Decrypt(stored[0], &back).ok());
  EXPECT_EQ(small->decrypt_calls(), 1u);
  ASSERT_TRUE(dec->Decrypt(stored[1], &back).ok());
  ASSERT_TRUE(dec->Decrypt(stored[1], &back).ok());
  EXPECT_EQ(small->decrypt_calls(), 2u);
  ASSERT_TRUE(dec->Decrypt(stored[0], &back).ok());
  EXPECT_EQ(small->decrypt_calls(), 3u);

  // A failed Decrypt is not cached as materials: each try asks KMS again.
  Item moved = stored[2];
  moved["sk"] = AttributeValue::N("99");
  auto fresh = Provider();
  ASSERT_TRUE(ItemEncryptor::Create("Orders", key_, Actions{}, fresh, &dec).ok());
  EXPECT_FALSE(dec->Decrypt(moved, &back).ok());
  EXPECT_FALSE(dec->Decrypt(moved, &back).ok());
  EXPECT_EQ(fresh->decrypt_calls(), 2u);
}

}  // namespace
}  // namespace ddb::item_encryption
