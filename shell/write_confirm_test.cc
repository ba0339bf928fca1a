// The question an interactive UPDATE or DELETE without a key condition asks.
#include "shell/write_confirm.h"

#include <gtest/gtest.h>

namespace ddb::shell {
namespace {

TEST(WriteConfirmTest, DeleteSaysTheItemsAreDeleted) {
  EXPECT_EQ(
      WriteQuestion("DELETE", "demo", 20),
      "DELETE of demo has no key condition: it must scan the whole table to find the rows "
      "(about 20 items, DynamoDB's estimate); every matching item is deleted. Run it? [y/N] ");
}

TEST(WriteConfirmTest, UpdateSaysTheItemsAreWritten) {
  EXPECT_EQ(
      WriteQuestion("UPDATE", "demo", 20),
      "UPDATE of demo has no key condition: it must scan the whole table to find the rows "
      "(about 20 items, DynamoDB's estimate); every matching item is written. Run it? [y/N] ");
}

TEST(WriteConfirmTest, CountsAgreeAndAnUnknownCountIsLeftOut) {
  EXPECT_NE(WriteQuestion("DELETE", "t", 1).find("(about 1 item, "), std::string::npos);
  EXPECT_NE(WriteQuestion("DELETE", "t", 0).find("(about 0 items, "), std::string::npos);
  EXPECT_EQ(WriteQuestion("UPDATE", "t", -1),
            "UPDATE of t has no key condition: it must scan the whole table to find the rows. "
            "Run it? [y/N] ");
}

}  // namespace
}  // namespace ddb::shell
