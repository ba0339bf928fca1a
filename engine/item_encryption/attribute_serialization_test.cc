#include "engine/item_encryption/attribute_serialization.h"

#include <gtest/gtest.h>

#include "engine/encoding.h"
#include "engine/item_encryption/test_vectors.h"

namespace ddb::item_encryption {
namespace {

using dynamodb::AttributeValue;

// The client's serialisation vectors, byte for byte (sets given in either
// order, numbers with trailing zeros: all serialise alike).
TEST(AttributeSerializationTest, SerializeVectors) {
  nlohmann::json vectors = testing::LoadJson("serialize_attribute.json");
  ASSERT_EQ(vectors.size(), 22u);
  for (const auto& v : vectors) {
    AttributeValue value;
    ASSERT_TRUE(dynamodb::FromWireJson(v["attribute"], &value).ok()) << v["attribute"].dump();
    std::string expected;
    ASSERT_TRUE(Base64Decode(v["serialized"].get<std::string>(), &expected).ok());
    for (Ordering order : {Ordering::kPython, Ordering::kJava}) {
      std::string out;
      ASSERT_TRUE(SerializeAttribute(value, &out, order).ok());
      EXPECT_EQ(Base64Encode(out), v["serialized"].get<std::string>()) << v["attribute"].dump();
    }
  }
}

TEST(AttributeSerializationTest, DeserializeVectors) {
  nlohmann::json vectors = testing::LoadJson("deserialize_attribute.json");
  ASSERT_EQ(vectors.size(), 15u);
  for (const auto& v : vectors) {
    std::string bytes;
    ASSERT_TRUE(Base64Decode(v["serialized"].get<std::string>(), &bytes).ok());
    AttributeValue expected, got;
    ASSERT_TRUE(dynamodb::FromWireJson(v["attribute"], &expected).ok());
    Status s = DeserializeAttribute(bytes, &got);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(got, expected) << v["attribute"].dump();
    EXPECT_EQ(got.type(), expected.type());
  }
}

TEST(AttributeSerializationTest, NumbersAreNormalised) {
  for (auto [in, out] : std::vector<std::pair<std::string, std::string>>{
           {"1E2", "100"}, {"-0", "0"}, {"0.000", "0"}, {"1.50", "1.5"}, {"1e-3", "0.001"}}) {
    std::string bytes;
    ASSERT_TRUE(SerializeAttribute(AttributeValue::N(in), &bytes).ok());
    EXPECT_EQ(bytes.substr(6), out) << in;
  }
  std::string bytes;
  EXPECT_FALSE(SerializeAttribute(AttributeValue::N("abc"), &bytes).ok());
}

// Where the two clients sort differently: binary members with a high bit
// (Java compares signed bytes) and strings beyond U+FFFF against U+E000..
// U+FFFF (Java compares UTF-16 code units).
TEST(AttributeSerializationTest, JavaOrderDiffersWhereJavaSortsDifferently) {
  AttributeValue bs = AttributeValue::BS({std::string("\x80", 1), std::string("\x01", 1)});
  std::string py, java;
  ASSERT_TRUE(SerializeAttribute(bs, &py, Ordering::kPython).ok());
  ASSERT_TRUE(SerializeAttribute(bs, &java, Ordering::kJava).ok());
  EXPECT_EQ(py.substr(10, 1), "\x01");
  EXPECT_EQ(java.substr(10, 1), "\x80");
  AttributeValue ss = AttributeValue::SS({"\xef\xbf\xbd", "\xf0\x9f\x98\x80"});  // U+FFFD, U+1F600
  py.clear();
  java.clear();
  ASSERT_TRUE(SerializeAttribute(ss, &py, Ordering::kPython).ok());
  ASSERT_TRUE(SerializeAttribute(ss, &java, Ordering::kJava).ok());
  EXPECT_EQ(py.substr(10, 3), "\xef\xbf\xbd");
  EXPECT_EQ(java.substr(10, 4), "\xf0\x9f\x98\x80");
  EXPECT_TRUE(JavaStringLess("\xf0\x9f\x98\x80", "\xef\xbf\xbd"));
  EXPECT_FALSE(JavaStringLess("b", "a"));
}

TEST(AttributeSerializationTest, RoundTripsEveryType) {
  dynamodb::AttributeMap m = {{"n", AttributeValue::N("-12.5")}, {"nul", AttributeValue::Null()}};
  AttributeValue v = AttributeValue::L(
      {AttributeValue::S("héllo"), AttributeValue::B(std::string("\0\xff", 2)),
       AttributeValue::Bool(true), AttributeValue::M(m), AttributeValue::SS({"b", "a"}),
       AttributeValue::NS({"2", "10"}), AttributeValue::BS({"x", "y"}), AttributeValue::L({})});
  std::string bytes;
  ASSERT_TRUE(SerializeAttribute(v, &bytes).ok());
  AttributeValue back;
  Status s = DeserializeAttribute(bytes, &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(back, v);
}

TEST(AttributeSerializationTest, RejectsMalformedInput) {
  AttributeValue out;
  for (std::string bad :
       {std::string(""), std::string("\0", 1), std::string("\0x", 2), std::string("\1s\0\0\0\0", 6),
        std::string("\0s\0\0\0\5ab", 8), std::string("\0?\2", 3), std::string("\0\0extra", 7),
        std::string("\0M\0\0\0\1\0n\0\0\0\0011\0\0", 16), std::string("\0L\xff\xff\xff\xff", 6),
        std::string("\0n\0\0\0\1x", 7)}) {
    Status s = DeserializeAttribute(bad, &out);
    EXPECT_FALSE(s.ok()) << HexEncode(bad);
    EXPECT_NE(s.message().find("malformed serialised attribute"), std::string::npos)
        << s.ToString();
  }
  // Nesting beyond DynamoDB's limit.
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += std::string("\0L\0\0\0\1", 6);
  deep += std::string("\0\0", 2);
  EXPECT_FALSE(DeserializeAttribute(deep, &out).ok());
}

}  // namespace
}  // namespace ddb::item_encryption
