#include "engine/connection.h"

#include <gtest/gtest.h>

namespace ddb {
namespace {

aws::Credentials Creds(std::string key_id, std::string token, std::string account = "") {
  aws::Credentials c;
  c.access_key_id = std::move(key_id);
  c.secret_access_key = "not-used";
  c.session_token = std::move(token);
  c.account_id = std::move(account);
  return c;
}

TEST(StableIdentityTest, LongTermKeysAreTheirKeyId) {
  EXPECT_EQ(StableIdentityOf(Creds("AKIDLONGTERM", ""), false, "123456789012", "prod"),
            "AKIDLONGTERM");
}

TEST(StableIdentityTest, TemporaryKeysAgainstAwsAreAccountAndProfile) {
  // Two sessions of one role profile: different key ids, one identity.
  std::string a = StableIdentityOf(Creds("ASIAFIRST", "t1", "123456789012"), false, "", "analyst");
  std::string b = StableIdentityOf(Creds("ASIASECOND", "t2", "123456789012"), false, "", "analyst");
  EXPECT_EQ(a, "123456789012/profile:analyst");
  EXPECT_EQ(a, b);
  // The account known from the profile when the credentials do not say it.
  EXPECT_EQ(StableIdentityOf(Creds("ASIAX", "t", ""), false, "210987654321", ""),
            "210987654321/profile:default");
  // Other accounts or profiles stay apart.
  EXPECT_NE(StableIdentityOf(Creds("ASIAX", "t", "210987654321"), false, "", "analyst"), a);
  EXPECT_NE(StableIdentityOf(Creds("ASIAX", "t", "123456789012"), false, "", "other"), a);
}

TEST(StableIdentityTest, UnknownAccountOrCustomEndpointKeepsTheKeyId) {
  // Exported session credentials: nothing says whose they are.
  EXPECT_EQ(StableIdentityOf(Creds("ASIAENV", "t"), false, "", "default"), "ASIAENV");
  // DynamoDB Local keeps one database per key id.
  EXPECT_EQ(StableIdentityOf(Creds("ASIALOCAL", "t", "123456789012"), true, "", "analyst"),
            "ASIALOCAL");
}

}  // namespace
}  // namespace ddb
