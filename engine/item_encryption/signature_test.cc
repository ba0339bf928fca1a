#include "engine/item_encryption/signature.h"

#include <gtest/gtest.h>

#include "engine/encoding.h"
#include "engine/item_encryption/test_vectors.h"

namespace ddb::item_encryption {
namespace {

Action ParseAction(const std::string& a) {
  return a == "encrypt" ? Action::kEncrypt : a == "sign" ? Action::kSign : Action::kNothing;
}

// The client's string-to-sign vectors, byte for byte.
TEST(SignatureTest, StringToSignVectors) {
  nlohmann::json vectors = testing::LoadJson("string_to_sign.json");
  ASSERT_EQ(vectors.size(), 4u);
  CryptoContext crypto;
  for (const auto& v : vectors) {
    dynamodb::Item item;
    Actions actions;
    actions.default_action = Action::kNothing;
    for (const auto& [name, entry] : v["item"].items()) {
      ASSERT_TRUE(dynamodb::FromWireJson(entry["value"], &item[name]).ok());
      actions.attributes[name] = ParseAction(entry["action"]);
    }
    for (Ordering order : {Ordering::kPython, Ordering::kJava}) {
      std::string out;
      ASSERT_TRUE(
          StringToSign(v["table"].get<std::string>(), item, actions, order, &crypto, &out).ok());
      EXPECT_EQ(Base64Encode(out), v["string_to_sign"].get<std::string>()) << v.dump();
    }
  }
}

TEST(SignatureTest, ReservedAttributesAreNotSigned) {
  CryptoContext crypto;
  dynamodb::Item item = {{"a", dynamodb::AttributeValue::S("x")}};
  std::string plain, with_reserved;
  Actions actions;
  ASSERT_TRUE(StringToSign("T", item, actions, Ordering::kPython, &crypto, &plain).ok());
  item[kSignatureAttribute] = dynamodb::AttributeValue::B("sig");
  item[kMaterialDescriptionAttribute] = dynamodb::AttributeValue::B("desc");
  ASSERT_TRUE(StringToSign("T", item, actions, Ordering::kPython, &crypto, &with_reserved).ok());
  EXPECT_EQ(plain, with_reserved);
  EXPECT_EQ(plain.size(), 32u + 3 * 32u);
}

TEST(SignatureTest, HmacAndRsaSignAndVerify) {
  CryptoContext crypto;
  SignatureKey hmac = SignatureKey::Hmac("k");
  std::string sig;
  ASSERT_TRUE(Sign(hmac, "data", &crypto, &sig).ok());
  EXPECT_EQ(HexEncode(sig), HexEncode(HmacSha256("k", "data")));
  EXPECT_TRUE(Verify(hmac, "data", sig, &crypto).ok());
  EXPECT_FALSE(Verify(hmac, "datA", sig, &crypto).ok());
  EXPECT_FALSE(Verify(SignatureKey::Hmac("K"), "data", sig, &crypto).ok());

  nlohmann::json keys = testing::LoadJson("encrypted_item/keys.json");
  std::string der_private, der_public;
  ASSERT_TRUE(Base64Decode(keys["rsaSignPriv"]["material"].get<std::string>(), &der_private).ok());
  ASSERT_TRUE(Base64Decode(keys["rsaSignPub"]["material"].get<std::string>(), &der_public).ok());
  RsaKey priv, pub;
  ASSERT_TRUE(LoadRsaKey(der_private, true, &priv).ok());
  ASSERT_TRUE(LoadRsaKey(der_public, false, &pub).ok());
  EXPECT_FALSE(LoadRsaKey(der_public, true, &priv).ok());
  ASSERT_TRUE(Sign(SignatureKey::Rsa(priv), "data", &crypto, &sig).ok());
  EXPECT_TRUE(Verify(SignatureKey::Rsa(pub), "data", sig, &crypto).ok());
  EXPECT_FALSE(Verify(SignatureKey::Rsa(pub), "datA", sig, &crypto).ok());
  EXPECT_FALSE(Sign(SignatureKey::Rsa(pub), "data", &crypto, &sig).ok());
}

}  // namespace
}  // namespace ddb::item_encryption
