#include "engine/encoding.h"

#include <gtest/gtest.h>

namespace ddb {
namespace {

TEST(EncodingTest, Base64RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 64; ++n) {
    std::string back;
    ASSERT_TRUE(Base64Decode(Base64Encode(bytes), &back).ok()) << n;
    EXPECT_EQ(back, bytes) << n;
    bytes.push_back(static_cast<char>(n * 37 + 1));  // NULs and high bytes too
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode(std::string("\0\x01\x02\xff", 4)), "AAEC/w==");
}

TEST(EncodingTest, Base64RejectsMalformedText) {
  std::string out;
  for (const char* bad : {"Zm9", "Zm9v!", "Zm=v", "Z===", "Zm8=Zm8=", "Zm 9v"}) {
    Status s = Base64Decode(bad, &out);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << bad;
  }
}

TEST(EncodingTest, DigestsMatchKnownVectors) {
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(Md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(Crc32("6789", Crc32("12345")), 0xCBF43926u);  // chained
}

}  // namespace
}  // namespace ddb
