#include "engine/item_encryption/key_reference.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/encoding.h"
#include "engine/item_encryption/test_vectors.h"

namespace ddb::item_encryption {
namespace {

class KeySourceTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = std::make_shared<codec::KeyStore>(); }
  void Put(const std::string& name, const std::string& secret) {
    codec::KeyRef ref;
    ASSERT_TRUE(codec::KeyRef::Parse("env:" + name, &ref).ok());
    store_->Set(ref, secret);
  }
  KeySource Source(const nlohmann::json& j) {
    KeyParam p;
    Status s = ParseKeyParam(j, &p);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return KeySource(p, "item_encryption.materials.k", store_);
  }
  std::shared_ptr<codec::KeyStore> store_;
};

TEST_F(KeySourceTest, DecodesEachEncoding) {
  Put("RAW", "0123456789abcdef");
  Put("B64", "MDEyMzQ1Njc4\nOWFiY2RlZg==");
  Put("HEX", "30313233343536373839616263646566");
  for (const nlohmann::json& j :
       {nlohmann::json("env:RAW"), nlohmann::json({{"ref", "env:RAW"}, {"encoding", "raw"}}),
        nlohmann::json({{"ref", "env:B64"}, {"encoding", "base64"}}),
        nlohmann::json({{"ref", "env:HEX"}, {"encoding", "hex"}})}) {
    std::string key;
    Status s = Source(j).Symmetric(true, &key);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(key, "0123456789abcdef");
  }
}

TEST_F(KeySourceTest, ErrorsNameFieldAndReferenceNeverTheKey) {
  Put("SHORT", "tooshort");
  Put("BADHEX", "zz");
  std::string key;
  Status s = Source("env:SHORT").Symmetric(true, &key);
  EXPECT_EQ(
      s.ToString(),
      "item_encryption.materials.k (env:SHORT): an AES key must be 16, 24 or 32 bytes, not 8");
  s = Source({{"ref", "env:BADHEX"}, {"encoding", "hex"}}).Symmetric(false, &key);
  EXPECT_EQ(s.ToString(), "item_encryption.materials.k (env:BADHEX (hex)): not valid hex");
  s = Source("env:UNSET_KEY_FOR_TEST").Symmetric(false, &key);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("item_encryption.materials.k"), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find("UNSET_KEY_FOR_TEST"), std::string::npos);
  RsaKey rsa;
  s = Source("env:SHORT").Rsa(false, &rsa);
  EXPECT_EQ(s.ToString().find("tooshort"), std::string::npos);
}

// RSA keys: the vectors' DER in base64, and the same keys as PEM text.
TEST_F(KeySourceTest, LoadsRsaKeysAsDerAndPem) {
  nlohmann::json keys = testing::LoadJson("encrypted_item/keys.json");
  Put("PRIV", keys["rsaEncPriv"]["material"].get<std::string>());
  Put("PUB", keys["rsaEncPub"]["material"].get<std::string>());
  std::string der;
  ASSERT_TRUE(Base64Decode(keys["rsaEncPub"]["material"].get<std::string>(), &der).ok());
  std::string pem = "-----BEGIN PUBLIC KEY-----\n";
  std::string b64 = Base64Encode(der);
  for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  pem += "-----END PUBLIC KEY-----\n";
  Put("PEM", pem);
  ResolvedKey k;
  ASSERT_TRUE(Source({{"ref", "env:PRIV"}, {"encoding", "base64"}}).Any(true, &k).ok());
  EXPECT_TRUE(k.is_rsa);
  EXPECT_TRUE(RsaHasPrivate(k.rsa));
  ResolvedKey pub;
  ASSERT_TRUE(Source({{"ref", "env:PUB"}, {"encoding", "base64"}}).Any(false, &pub).ok());
  EXPECT_TRUE(pub.is_rsa);
  EXPECT_FALSE(RsaHasPrivate(pub.rsa));
  Status s = Source({{"ref", "env:PUB"}, {"encoding", "base64"}}).Any(true, &pub);
  EXPECT_NE(s.ToString().find("public key where the private key is needed"), std::string::npos)
      << s.ToString();
  ResolvedKey from_pem;
  ASSERT_TRUE(Source("env:PEM").Any(false, &from_pem).ok());
  EXPECT_TRUE(from_pem.is_rsa);
  ASSERT_TRUE(Source({{"ref", "env:PEM"}, {"encoding", "pem"}}).Any(false, &from_pem).ok());
  // A symmetric key stays symmetric.
  Put("AES", Base64Encode(std::string(32, 'a')));
  ResolvedKey aes;
  ASSERT_TRUE(Source({{"ref", "env:AES"}, {"encoding", "base64"}}).Any(false, &aes).ok());
  EXPECT_FALSE(aes.is_rsa);
  EXPECT_EQ(aes.symmetric, std::string(32, 'a'));
  s = Source({{"ref", "env:AES"}, {"encoding", "pem"}}).Any(false, &aes);
  EXPECT_NE(s.ToString().find("not PEM text"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace ddb::item_encryption
