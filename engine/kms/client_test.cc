#include "engine/kms/client.h"

#include <gtest/gtest.h>

#include "engine/aws/config.h"
#include "tests/support/emulators.h"
#include "tests/support/moto_kms.h"

namespace ddb::kms {
namespace {

TEST(KmsKeyRegionTest, FromArns) {
  EXPECT_EQ(KeyRegion("arn:aws:kms:us-west-2:658956600833:key/b3537ef1"), "us-west-2");
  EXPECT_EQ(KeyRegion("arn:aws-cn:kms:cn-north-1:1:alias/x"), "cn-north-1");
  EXPECT_EQ(KeyRegion("alias/orders"), "");
  EXPECT_EQ(KeyRegion("b3537ef1-d8dc-4780-9f5a-55776cbb2f7f"), "");
  EXPECT_EQ(KeyRegion("arn:aws:kms"), "");
}

// The endpoint resolves as for DynamoDB and S3: AWS_ENDPOINT_URL_KMS, then
// AWS_ENDPOINT_URL, then the profile's services section, then AWS.
TEST(KmsEndpointTest, ResolvesLikeOtherServices) {
  auto files = aws::ConfigFiles::FromStrings(
      "[default]\nservices = local\n[services local]\nkms =\n  endpoint_url = "
      "http://127.0.0.1:4566\n",
      "");
  aws::Settings settings;
  settings.profile = "default";
  settings.region = "eu-west-1";
  auto url = [&](std::map<std::string, std::string> vars, const aws::ConfigFiles& f) {
    aws::GetEnv env = [vars](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
    aws::Endpoint e;
    Status s = aws::ResolveEndpoint("kms", env, f, settings, {}, &e);
    return s.ok() ? e.BaseUrl() : s.ToString();
  };
  EXPECT_EQ(
      url({{"AWS_ENDPOINT_URL_KMS", "http://localhost:1"}, {"AWS_ENDPOINT_URL", "http://x:2"}},
          *files),
      "http://localhost:1");
  EXPECT_EQ(url({{"AWS_ENDPOINT_URL", "http://x:2"}}, *files), "http://x:2");
  EXPECT_EQ(url({}, *files), "http://127.0.0.1:4566");
  EXPECT_EQ(url({}, *aws::ConfigFiles::FromStrings("", "")), "https://kms.eu-west-1.amazonaws.com");
}

// Against moto's server, which serves KMS beside S3 (scripts/test.sh
// starts it; its URL is DDBSQL_TEST_S3_URL).
class KmsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_S3();
    Status s = test::MotoKms(&client_, &key_id_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::shared_ptr<KmsClient> client_;
  std::string key_id_;
};

TEST_F(KmsClientTest, DataKeyDecryptsOnlyWithItsContext) {
  GenerateDataKeyRequest gen;
  gen.key_id = key_id_;
  gen.number_of_bytes = 32;
  gen.encryption_context = {{"*aws-kms-table*", "Orders"}, {"id", "7"}};
  DataKeyResult key;
  Status s = client_->GenerateDataKey(gen, &key);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(key.plaintext.size(), 32u);
  EXPECT_FALSE(key.ciphertext_blob.empty());

  DecryptRequest dec;
  dec.ciphertext_blob = key.ciphertext_blob;
  dec.encryption_context = gen.encryption_context;
  DataKeyResult back;
  s = client_->Decrypt(dec, &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(back.plaintext, key.plaintext);

  dec.encryption_context["id"] = "8";
  s = client_->Decrypt(dec, &back);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.aws_code(), "InvalidCiphertextException") << s.ToString();
  EXPECT_NE(s.ToString().find("KMS Decrypt"), std::string::npos) << s.ToString();
  // KMS's verdict on the ciphertext: not marked unavailable.
  EXPECT_FALSE(s.IsUnavailable()) << s.ToString();
}

TEST_F(KmsClientTest, EncryptThenDecrypt) {
  EncryptRequest enc;
  enc.key_id = key_id_;
  enc.plaintext = std::string("\0secret\xff", 8);
  enc.encryption_context = {{"a", "b"}};
  DataKeyResult sealed;
  Status s = client_->Encrypt(enc, &sealed);
  ASSERT_TRUE(s.ok()) << s.ToString();
  DecryptRequest dec;
  dec.ciphertext_blob = sealed.ciphertext_blob;
  dec.encryption_context = enc.encryption_context;
  DataKeyResult back;
  ASSERT_TRUE(client_->Decrypt(dec, &back).ok());
  EXPECT_EQ(back.plaintext, enc.plaintext);
}

TEST_F(KmsClientTest, UnknownKeyIsAnAwsError) {
  GenerateDataKeyRequest gen;
  gen.key_id = "alias/no-such-key-for-ddbsql";
  DataKeyResult key;
  Status s = client_->GenerateDataKey(gen, &key);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.aws_code(), "NotFoundException") << s.ToString();
  // A key KMS cannot use says nothing about the data.
  EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
}

}  // namespace
}  // namespace ddb::kms
