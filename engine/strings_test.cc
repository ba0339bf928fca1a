#include "engine/strings.h"

#include <gtest/gtest.h>

namespace ddb::str {
namespace {

TEST(StringsTest, TrimRemovesAsciiWhiteSpaceOnBothEnds) {
  EXPECT_EQ(Trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(Trim("\f\v"), "");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim("x"), "x");
}

TEST(StringsTest, CaseFoldingIsAsciiOnly) {
  EXPECT_EQ(Lower("AbC-Z\xC3\x84"), "abc-z\xC3\x84");
  EXPECT_EQ(Upper("abc-z\xC3\xA4"), "ABC-Z\xC3\xA4");
  EXPECT_TRUE(EqualsIgnoreCase("Content-Type", "content-TYPE"));
  EXPECT_FALSE(EqualsIgnoreCase("abc", "abd"));
  EXPECT_FALSE(EqualsIgnoreCase("abc", "abcd"));
  EXPECT_TRUE(StartsWithIgnoreCase("SELECT 1", "select"));
  EXPECT_FALSE(StartsWithIgnoreCase("SEL", "select"));
}

TEST(StringsTest, PluralAgreesWithTheCount) {
  EXPECT_EQ(Plural(1, "orphan"), "1 orphan");
  EXPECT_EQ(Plural(2, "orphan"), "2 orphans");
  EXPECT_EQ(Plural(0, "orphan"), "0 orphans");
  EXPECT_EQ(Plural(1, "S3 write"), "1 S3 write");
  EXPECT_EQ(Plural(712, "S3 write"), "712 S3 writes");
  EXPECT_EQ(Plural(1, "entry", "entries"), "1 entry");
  EXPECT_EQ(Plural(3, "entry", "entries"), "3 entries");
  EXPECT_EQ(Plural(1, "item was", "items were"), "1 item was");
  EXPECT_EQ(Plural(18446744073709551615ull, "item"), "18446744073709551615 items");
}

}  // namespace
}  // namespace ddb::str
