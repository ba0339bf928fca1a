#include "engine/dbe/item_decryptor.h"

#include <gtest/gtest.h>

#include <set>

#include "engine/dbe/factory.h"
#include "engine/dbe/test_vectors.h"
#include "engine/item_encryption/declaration.h"
#include "engine/item_encryption/item_scheme.h"

namespace ddb::dbe {
namespace {

using dynamodb::AttributeValue;
using dynamodb::Item;

dynamodb::KeySchema VectorKey() {
  dynamodb::KeySchema key;
  key.hash.name = "RecNum";
  key.hash.type = "N";
  return key;
}

struct Fixture {
  testing::BranchKey branch = testing::StaticBranchKey1();
  std::shared_ptr<codec::KeyStore> keys = testing::BranchKeyStore(branch.key_base64);

  // The decryptor of `config` (a vector's), or a failed status.
  Status Make(const nlohmann::json& declaration, std::unique_ptr<DbeItemDecryptor>* out,
              const std::string& table = testing::kVectorTable) {
    item_encryption::ItemEncryptionDecl decl;
    Status s = item_encryption::ParseItemEncryption(declaration, "test.json", table, &decl);
    if (!s.ok()) return s;
    EXPECT_TRUE(decl.dbe != nullptr);
    KeyringServices services;
    services.keys = keys;
    return MakeItemDecryptor(*decl.dbe, table, VectorKey(), services, out);
  }
  Status Make(const testing::Vector& v, std::unique_ptr<DbeItemDecryptor>* out) {
    return Make(testing::Declaration(v.config, branch), out);
  }
};

const testing::Vector& FindVector(const std::vector<testing::Vector>& all,
                                  const std::string& name) {
  for (const auto& v : all) {
    if (v.name == name) return v;
  }
  ADD_FAILURE() << "no vector " << name;
  return all.front();
}

TEST(DbeItemDecryptor, EveryPositiveVectorDecryptsToItsPlaintext) {
  Fixture f;
  std::vector<testing::Vector> vectors = testing::LoadVectors();
  int positive = 0;
  std::set<int> versions, flavors;
  std::set<char> legend;
  for (const auto& v : vectors) {
    if (!v.positive) continue;
    positive++;
    std::unique_ptr<DbeItemDecryptor> d;
    ASSERT_TRUE(f.Make(v, &d).ok()) << v.name;
    Item plain;
    Status s = d->Decrypt(v.encrypted, &plain);
    ASSERT_TRUE(s.ok()) << v.name << ": " << s.ToString();
    EXPECT_EQ(plain.size(), v.plaintext.size())
        << v.name << ": " << dynamodb::ItemToPlainJson(plain);
    for (const auto& [name, value] : v.plaintext) {
      auto it = plain.find(name);
      ASSERT_NE(it, plain.end()) << v.name << ": no " << name;
      EXPECT_TRUE(it->second == value)
          << v.name << ": " << name << " is " << dynamodb::ItemToPlainJson({{name, it->second}})
          << ", expected " << dynamodb::ItemToPlainJson({{name, value}});
      // Types exactly (== compares numbers by value, sets as sets).
      EXPECT_EQ(it->second.type(), value.type()) << v.name << ": " << name;
    }
    Header h;
    ASSERT_TRUE(ParseHeader(v.encrypted.at(kHeaderAttribute).scalar(), &h).ok());
    versions.insert(h.version);
    flavors.insert(h.flavor);
    for (char c : h.legend) legend.insert(c);
  }
  // 8 + 11 positive tests in the Java manifests, 2 items in iotest.json.
  EXPECT_EQ(positive, 21);
  EXPECT_EQ(versions, (std::set<int>{1, 2}));
  EXPECT_EQ(flavors, (std::set<int>{0, 1}));
  EXPECT_EQ(legend, (std::set<char>{'c', 'e', 's'}));
}

TEST(DbeItemDecryptor, EveryNegativeVectorFailsNamingTableAndKey) {
  Fixture f;
  int negative = 0;
  for (const auto& v : testing::LoadVectors()) {
    if (v.positive) continue;
    negative++;
    std::unique_ptr<DbeItemDecryptor> d;
    ASSERT_TRUE(f.Make(v, &d).ok()) << v.name;
    Item plain;
    Status s = d->Decrypt(v.encrypted, &plain);
    ASSERT_FALSE(s.ok()) << v.name;
    EXPECT_NE(s.ToString().find("table GazelleVectorTable, item {\"RecNum\":"), std::string::npos)
        << s.ToString();
  }
  EXPECT_EQ(negative, 2);
}

// An item of vector `name`, its decryptor, and what decrypting a changed
// copy says.
class DbeTampered : public ::testing::Test {
 protected:
  void Load(const std::string& name) {
    vectors_ = testing::LoadVectors();
    v_ = &FindVector(vectors_, name);
    ASSERT_TRUE(f_.Make(*v_, &d_).ok());
  }
  // `judged`: the failure is the check's verdict on the item (what
  // `.verify warn` skips), not a key that could not be obtained.
  std::string Error(const Item& item, bool judged = true) {
    Item plain;
    Status s = d_->Decrypt(item, &plain);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.ToString().find("table GazelleVectorTable, item {\"RecNum\":1}"), std::string::npos)
        << s.ToString();
    EXPECT_EQ(item_encryption::JudgesItem(s), judged) << s.ToString();
    return s.ToString();
  }
  static void FlipByte(Item* item, const std::string& name, size_t at) {
    std::string b = item->at(name).scalar();
    b[at < b.size() ? at : b.size() - 1] ^= 0x01;
    (*item)[name] = AttributeValue::B(b);
  }

  Fixture f_;
  std::vector<testing::Vector> vectors_;
  const testing::Vector* v_ = nullptr;
  std::unique_ptr<DbeItemDecryptor> d_;
};

TEST_F(DbeTampered, AnEncryptedAttributeFailsTheFooter) {
  Load("decrypt_java_33.json#1");
  Item item = v_->encrypted;
  FlipByte(&item, "Stuff", 5);
  EXPECT_NE(Error(item).find("footer's signature tag does not match"), std::string::npos);
}

TEST_F(DbeTampered, ASignedPlainAttributeFailsTheFooter) {
  Load("decrypt_java_33.json#10");  // Stuff is SIGN_ONLY there
  Item item = v_->encrypted;
  ASSERT_NE(item.at("Stuff").type(), AttributeValue::Type::kB);
  item["Stuff"] = AttributeValue::S("changed");
  EXPECT_NE(Error(item).find("footer's signature tag does not match"), std::string::npos);
}

TEST_F(DbeTampered, TheMessageIdFailsTheCommitment) {
  Load("decrypt_java_33.json#7");
  Item item = v_->encrypted;
  FlipByte(&item, kHeaderAttribute, 10);
  EXPECT_NE(Error(item).find("key commitment does not match"), std::string::npos);
}

TEST_F(DbeTampered, TheEcdsaSignatureFails) {
  Load("decrypt_java_33.json#6");
  Item item = v_->encrypted;
  FlipByte(&item, kFooterAttribute, kFooterTagSize + 20);
  EXPECT_NE(Error(item).find("ECDSA"), std::string::npos);
}

TEST_F(DbeTampered, AnAddedSignedAttributeFailsTheLegend) {
  Load("decrypt_java_33.json#1");
  Item item = v_->encrypted;
  item["Extra"] = AttributeValue::S("x");
  EXPECT_NE(Error(item).find("legend covers 3 signed attributes, the item has 4"),
            std::string::npos);
}

TEST_F(DbeTampered, AnAllowedUnsignedAttributePassesThrough) {
  vectors_ = testing::LoadVectors();
  v_ = &FindVector(vectors_, "decrypt_java_33.json#1");
  nlohmann::json decl = testing::Declaration(v_->config, f_.branch);
  decl["allowed_unsigned_attributes"] = {"Extra"};
  ASSERT_TRUE(f_.Make(decl, &d_).ok());
  Item item = v_->encrypted;
  item["Extra"] = AttributeValue::S("x");
  item["aws_dbe_b_Stuff"] = AttributeValue::S("beacon");
  Item plain;
  ASSERT_TRUE(d_->Decrypt(item, &plain).ok());
  EXPECT_EQ(plain.at("Extra").scalar(), "x");
  EXPECT_EQ(plain.at("aws_dbe_b_Stuff").scalar(), "beacon");
  EXPECT_EQ(plain.at("Stuff").scalar(), "StuffData");
  EXPECT_FALSE(plain.count(kHeaderAttribute) || plain.count(kFooterAttribute));
}

TEST_F(DbeTampered, AnotherTableNameDoesNotUnwrap) {
  vectors_ = testing::LoadVectors();
  v_ = &FindVector(vectors_, "decrypt_java_33.json#1");
  ASSERT_TRUE(f_.Make(testing::Declaration(v_->config, f_.branch), &d_, "OtherTable").ok());
  Item plain;
  Status s = d_->Decrypt(v_->encrypted, &plain);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("table OtherTable, item {\"RecNum\":1}"), std::string::npos);
  EXPECT_NE(s.ToString().find("does not unwrap"), std::string::npos) << s.ToString();
}

TEST_F(DbeTampered, AWrongBranchKeyOrVersionFails) {
  vectors_ = testing::LoadVectors();
  v_ = &FindVector(vectors_, "decrypt_java_33.json#1");
  testing::BranchKey wrong = f_.branch;
  wrong.version = "00000000-0000-4000-8000-000000000000";
  ASSERT_TRUE(f_.Make(testing::Declaration(v_->config, wrong), &d_).ok());
  std::string e = Error(v_->encrypted);
  EXPECT_NE(e.find("is not the static branch key's version"), std::string::npos) << e;

  f_.keys = testing::BranchKeyStore("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  ASSERT_TRUE(f_.Make(testing::Declaration(v_->config, f_.branch), &d_).ok());
  e = Error(v_->encrypted);
  EXPECT_NE(e.find("does not unwrap with branch key version"), std::string::npos) << e;
  EXPECT_EQ(e.find("AAAAAAAA"), std::string::npos) << "key bytes in " << e;
  // A branch key that cannot be used says nothing about the item.
  f_.keys = testing::BranchKeyStore("AAAAAAAAAAAAAAAAAAAAAA==");
  ASSERT_TRUE(f_.Make(testing::Declaration(v_->config, f_.branch), &d_).ok());
  e = Error(v_->encrypted, /*judged=*/false);
  EXPECT_NE(e.find("a branch key is 32 bytes"), std::string::npos) << e;

  testing::BranchKey other_id = f_.branch;
  other_id.id = "another-branch-key";
  ASSERT_TRUE(f_.Make(testing::Declaration(v_->config, other_id), &d_).ok());
  e = Error(v_->encrypted);
  EXPECT_NE(e.find("no data key of the item is for the declared hierarchical keyring"),
            std::string::npos)
      << e;
}

TEST_F(DbeTampered, NotAnSdkItem) {
  Load("decrypt_java_33.json#1");
  Item item = v_->encrypted;
  item.erase(kHeaderAttribute);
  EXPECT_NE(Error(item).find("no aws_dbe_head attribute"), std::string::npos);
}

TEST(DbeItemDecryptor, KeysAreDerivedOncePerHeader) {
  Fixture f;
  std::vector<testing::Vector> vectors = testing::LoadVectors();
  const testing::Vector& one = FindVector(vectors, "decrypt_java_33.json#1");
  const testing::Vector& three = FindVector(vectors, "decrypt_java_33.json#3");
  std::unique_ptr<DbeItemDecryptor> d;
  ASSERT_TRUE(f.Make(one, &d).ok());
  Item plain;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(d->Decrypt(one.encrypted, &plain).ok());
  EXPECT_EQ(d->keys_derived(), 1u);
  ASSERT_TRUE(d->Decrypt(three.encrypted, &plain).ok());
  EXPECT_EQ(d->keys_derived(), 2u);
  // A tampered item with a cached header is still checked in full.
  Item item = one.encrypted;
  std::string b = item.at("Junk").scalar();
  b[3] ^= 1;
  item["Junk"] = AttributeValue::B(b);
  EXPECT_FALSE(d->Decrypt(item, &plain).ok());
}

TEST(DbeItemDecryptor, ActionsForThePlannerAndWrites) {
  Fixture f;
  nlohmann::json config = {
      {"attributeActionsOnEncrypt",
       {{"RecNum", "SIGN_ONLY"}, {"Stuff", "SIGN_ONLY"}, {"Extra", "DO_NOTHING"}}},
      {"allowedUnsignedAttributes", {"Extra"}}};
  std::unique_ptr<DbeItemDecryptor> d;
  ASSERT_TRUE(f.Make(testing::Declaration(config, f.branch), &d).ok());
  using item_encryption::Action;
  EXPECT_EQ(d->ActionFor("RecNum"), Action::kSign);
  EXPECT_EQ(d->ActionFor("Extra"), Action::kNothing);
  EXPECT_EQ(d->ActionFor("aws_dbe_b_Stuff"), Action::kNothing);
  // The header, not the declaration, says what an item has encrypted.
  EXPECT_EQ(d->ActionFor("Stuff"), Action::kEncrypt);
  EXPECT_EQ(d->ActionFor("Undeclared"), Action::kEncrypt);
  Status w = d->WriteRefusal();
  EXPECT_EQ(w.code(), Status::Code::kNotSupported);
  EXPECT_NE(w.ToString().find("table GazelleVectorTable: writing items of the AWS Database "
                              "Encryption SDK is not supported"),
            std::string::npos);
}

TEST(DbeItemDecryptor, KeyAttributesMustBeSigned) {
  Fixture f;
  std::unique_ptr<DbeItemDecryptor> d;
  nlohmann::json config = {{"attributeActionsOnEncrypt", {{"RecNum", "ENCRYPT_AND_SIGN"}}}};
  Status s = f.Make(testing::Declaration(config, f.branch), &d);
  EXPECT_NE(s.ToString().find("key attribute \"RecNum\" must be SIGN_ONLY or "
                              "SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT, not ENCRYPT_AND_SIGN"),
            std::string::npos)
      << s.ToString();
  config = {{"attributeActionsOnEncrypt", {{"RecNum", "DO_NOTHING"}}},
            {"allowedUnsignedAttributes", {"RecNum"}}};
  s = f.Make(testing::Declaration(config, f.branch), &d);
  EXPECT_NE(s.ToString().find("key attribute \"RecNum\""), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace ddb::dbe
