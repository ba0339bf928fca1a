#include "engine/dbe/format.h"

#include <gtest/gtest.h>

#include "engine/dbe/keyring.h"
#include "engine/dbe/test_vectors.h"

namespace ddb::dbe {
namespace {

using dynamodb::AttributeValue;

std::string Header33(const std::string& id) {
  nlohmann::json doc = testing::LoadVectorJson("decrypt_java_33.json");
  std::string bytes;
  EXPECT_TRUE(
      Base64Decode(doc["tests"][id]["encrypted"]["aws_dbe_head"]["B"].get<std::string>(), &bytes)
          .ok());
  return bytes;
}

TEST(DbeFormat, ParsesAVectorsHeader) {
  std::string bytes = Header33("1");
  Header h;
  Status s = ParseHeader(bytes, &h);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(h.version, 1);
  EXPECT_EQ(h.flavor, 1);
  EXPECT_EQ(h.message_id.size(), kMessageIdSize);
  EXPECT_EQ(h.legend, "ees");  // Junk, Stuff, RecNum
  ASSERT_EQ(h.stored_context.size(), 1u);
  EXPECT_EQ(h.stored_context.begin()->first, "aws-crypto-public-key");
  ASSERT_EQ(h.data_keys.size(), 1u);
  EXPECT_EQ(h.data_keys[0].provider_id, kHierarchyProviderId);
  EXPECT_EQ(h.data_keys[0].provider_info, testing::StaticBranchKey1().id);
  EXPECT_EQ(h.data_keys[0].ciphertext.size(), 48u + 16 + 12 + 16 + 32 + 16);
  EXPECT_EQ(h.partial_size + kCommitmentSize, bytes.size());
  EXPECT_EQ(h.commitment, bytes.substr(bytes.size() - kCommitmentSize));

  Header v2;
  ASSERT_TRUE(ParseHeader(Header33("11"), &v2).ok());
  EXPECT_EQ(v2.version, 2);
  Header flavor0;
  ASSERT_TRUE(ParseHeader(Header33("7"), &flavor0).ok());
  EXPECT_EQ(flavor0.flavor, 0);
  EXPECT_TRUE(flavor0.stored_context.empty());
}

TEST(DbeFormat, RefusesBrokenHeaders) {
  std::string bytes = Header33("1");
  Header h;
  Status s = ParseHeader(bytes.substr(0, bytes.size() - 1), &h);
  EXPECT_NE(s.ToString().find("aws_dbe_head: truncated"), std::string::npos) << s.ToString();
  s = ParseHeader(bytes + "x", &h);
  EXPECT_NE(s.ToString().find("bytes after the commitment"), std::string::npos) << s.ToString();
  std::string v3 = bytes;
  v3[0] = 3;
  s = ParseHeader(v3, &h);
  EXPECT_NE(s.ToString().find("unknown format version 3"), std::string::npos) << s.ToString();
  std::string flavor = bytes;
  flavor[1] = 2;
  s = ParseHeader(flavor, &h);
  EXPECT_NE(s.ToString().find("unknown format flavor 2"), std::string::npos) << s.ToString();
  std::string legend = bytes;
  legend[2 + kMessageIdSize + 2] = 'x';
  s = ParseHeader(legend, &h);
  EXPECT_NE(s.ToString().find("legend byte"), std::string::npos) << s.ToString();
  EXPECT_FALSE(ParseHeader("", &h).ok());
}

TEST(DbeFormat, CanonicalPathsSortShortNamesFirst) {
  std::string junk, stuff, recnum;
  AppendCanonicalPath("T", "Junk", &junk);
  AppendCanonicalPath("T", "Stuff", &stuff);
  AppendCanonicalPath("T", "RecNum", &recnum);
  EXPECT_EQ(junk, std::string("T\0\0\0\0\0\0\0\1$\0\0\0\0\0\0\0\4Junk", 22));
  EXPECT_LT(junk, stuff);
  EXPECT_LT(stuff, recnum);
  // The key length counts UTF-16 code units, as the SDK's writers do.
  std::string wide;
  AppendCanonicalPath("", "\xF0\x9F\x98\x80", &wide);  // U+1F600, a surrogate pair
  EXPECT_EQ(wide[8 + 1 + 7], 2);
}

TEST(DbeFormat, SerializedContextSortsKeysByBytes) {
  std::string out;
  ASSERT_TRUE(AppendSerializedContext({{"b", "2"}, {"a", "1"}}, &out).ok());
  EXPECT_EQ(out, std::string("\0\2\0\1a\0\0011\0\1b\0\0012", 14));
  out.clear();
  ASSERT_TRUE(AppendSerializedContext({}, &out).ok());
  EXPECT_EQ(out, std::string("\0\0", 2));
}

void RoundTrip(const AttributeValue& v) {
  uint16_t type = 0;
  std::string bytes;
  ASSERT_TRUE(SerializeTerminal(v, &type, &bytes).ok());
  AttributeValue back;
  Status s = DeserializeTerminal(type, bytes, &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(back == v) << dynamodb::ItemToPlainJson({{"v", back}});
  EXPECT_EQ(back.type(), v.type());
}

TEST(DbeFormat, EveryTypeRoundTrips) {
  RoundTrip(AttributeValue::Null());
  RoundTrip(AttributeValue::S("héllo"));
  RoundTrip(AttributeValue::S(""));
  RoundTrip(AttributeValue::N("-1.5E+3"));
  RoundTrip(AttributeValue::B(std::string("\0\xff", 2)));
  RoundTrip(AttributeValue::Bool(true));
  RoundTrip(AttributeValue::Bool(false));
  RoundTrip(AttributeValue::SS({"b", "a"}));
  RoundTrip(AttributeValue::NS({"2", "10"}));
  RoundTrip(AttributeValue::BS({"\x02", "\x01"}));
  RoundTrip(AttributeValue::L({AttributeValue::S("x"), AttributeValue::L({AttributeValue::N("1")}),
                               AttributeValue::M({{"k", AttributeValue::Null()}})}));
  RoundTrip(AttributeValue::M({{"b", AttributeValue::SS({"z"})},
                               {"a", AttributeValue::M({{"c", AttributeValue::Bool(true)}})}}));
}

TEST(DbeFormat, SerializationSortsAndItsTypeIdsAreTheSpecs) {
  uint16_t type = 0;
  std::string bytes;
  // U+FF61 sorts after U+1F600 by UTF-16 code units (0xD83D < 0xFF61), not by code point.
  ASSERT_TRUE(SerializeTerminal(AttributeValue::SS({"\xEF\xBD\xA1", "\xF0\x9F\x98\x80", "a"}),
                                &type, &bytes)
                  .ok());
  EXPECT_EQ(type, 0x0101);
  EXPECT_EQ(bytes,
            std::string("\0\0\0\3\0\0\0\1a\0\0\0\4\xF0\x9F\x98\x80\0\0\0\3\xEF\xBD\xA1", 24));
  ASSERT_TRUE(SerializeTerminal(AttributeValue::M({{"b", AttributeValue::N("1")},
                                                   {"a", AttributeValue::Bool(true)}}),
                                &type, &bytes)
                  .ok());
  EXPECT_EQ(type, 0x0200);
  EXPECT_EQ(bytes, std::string("\0\0\0\2"
                               "\0\1\0\0\0\1a\0\4\0\0\0\1\1"
                               "\0\1\0\0\0\1b\0\2\0\0\0\0011",
                               4 + 14 + 14));
  ASSERT_TRUE(SerializeTerminal(AttributeValue::B("x"), &type, &bytes).ok());
  EXPECT_EQ(type, 0xFFFF);
}

TEST(DbeFormat, DeserializationAcceptsUnsortedSetsAndRefusesDamage) {
  AttributeValue v;
  // An older writer's unsorted string set.
  std::string unsorted("\0\0\0\2\0\0\0\1b\0\0\0\1a", 14);
  ASSERT_TRUE(DeserializeTerminal(0x0101, unsorted, &v).ok());
  EXPECT_TRUE(v == AttributeValue::SS({"a", "b"}));
  std::string twice("\0\0\0\2\0\0\0\1a\0\0\0\1a", 14);
  EXPECT_NE(DeserializeTerminal(0x0101, twice, &v).ToString().find("appears twice"),
            std::string::npos);
  EXPECT_NE(DeserializeTerminal(0x0101, unsorted + "x", &v).ToString().find("bytes after"),
            std::string::npos);
  EXPECT_NE(DeserializeTerminal(0x0101, unsorted.substr(0, 12), &v).ToString().find("truncated"),
            std::string::npos);
  EXPECT_NE(DeserializeTerminal(0x0005, "", &v).ToString().find("unknown type id 0x0005"),
            std::string::npos);
  EXPECT_FALSE(DeserializeTerminal(0x0004, std::string("\2", 1), &v).ok());
  EXPECT_FALSE(DeserializeTerminal(0x0000, "x", &v).ok());
  // A map key that is not a string.
  std::string map("\0\0\0\1\0\2\0\0\0\0011\0\1\0\0\0\1x", 18);
  EXPECT_NE(DeserializeTerminal(0x0200, map, &v).ToString().find("map key that is not a string"),
            std::string::npos);
}

TEST(DbeFormat, UuidsConvert) {
  std::string bytes;
  ASSERT_TRUE(UuidFromString("e9ce18a3-edb5-4272-9f86-1cacb7997ff6", &bytes).ok());
  EXPECT_EQ(bytes.size(), 16u);
  EXPECT_EQ(UuidToString(bytes), "e9ce18a3-edb5-4272-9f86-1cacb7997ff6");
  EXPECT_FALSE(UuidFromString("e9ce18a3edb542729f861cacb7997ff6", &bytes).ok());
  EXPECT_FALSE(UuidFromString("e9ce18a3-edb5-4272-9f86-1cacb7997ffz", &bytes).ok());
}

}  // namespace
}  // namespace ddb::dbe
