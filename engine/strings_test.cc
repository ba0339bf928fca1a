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

}  // namespace
}  // namespace ddb::str
