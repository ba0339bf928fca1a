#include "engine/aws/sts.h"

#include <gtest/gtest.h>

namespace ddb::aws {
namespace {

TEST(StsXmlTest, AssumeRoleResponse) {
  const char* xml = R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/Bob</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:Bob</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>AQoDYXdzEPT//////////wEXAMPLE</SessionToken>
      <Expiration>2019-11-09T13:34:41.123Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
</AssumeRoleResponse>)";
  Credentials c;
  ASSERT_TRUE(ParseAssumeRoleResponse(xml, "AssumeRole", &c).ok());
  EXPECT_EQ(c.access_key_id, "ASIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(c.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
  EXPECT_EQ(c.session_token, "AQoDYXdzEPT//////////wEXAMPLE");
  EXPECT_EQ(c.arn, "arn:aws:sts::123456789012:assumed-role/demo/Bob");
  EXPECT_EQ(c.account_id, "123456789012");
  ASSERT_TRUE(c.expiration.has_value());
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*c.expiration), 1573306481);
  // The other action's element names do not match.
  EXPECT_EQ(ParseAssumeRoleResponse(xml, "AssumeRoleWithWebIdentity", &c).code(),
            Status::Code::kCorruption);
}

TEST(StsXmlTest, IncompleteOrBrokenResponses) {
  Credentials c;
  EXPECT_FALSE(ParseAssumeRoleResponse("<html>", "AssumeRole", &c).ok());
  Status s = ParseAssumeRoleResponse(
      "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
      "</Credentials></AssumeRoleResult></AssumeRoleResponse>",
      "AssumeRole", &c);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("incomplete"), std::string::npos);
}

TEST(StsXmlTest, ErrorAndCallerIdentity) {
  std::string code, message;
  ASSERT_TRUE(ParseStsError(
      "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not "
      "authorized</Message></Error><RequestId>1</RequestId></ErrorResponse>",
      &code, &message));
  EXPECT_EQ(code, "AccessDenied");
  EXPECT_EQ(message, "not authorized");
  EXPECT_FALSE(ParseStsError("<h1>Bad Gateway</h1>", &code, &message));

  CallerIdentity id;
  ASSERT_TRUE(ParseCallerIdentityResponse(
                  "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::"
                  "123456789012:user/Alice</Arn><UserId>AIDA</UserId><Account>123456789012</"
                  "Account></GetCallerIdentityResult></GetCallerIdentityResponse>",
                  &id)
                  .ok());
  EXPECT_EQ(id.account, "123456789012");
  EXPECT_EQ(id.arn, "arn:aws:iam::123456789012:user/Alice");
  EXPECT_EQ(id.user_id, "AIDA");
}

TEST(StsXmlTest, ArnAccount) {
  EXPECT_EQ(ArnAccount("arn:aws:iam::123456789012:role/x"), "123456789012");
  EXPECT_EQ(ArnAccount("arn:aws-cn:sts::210987654321:assumed-role/r/s"), "210987654321");
  EXPECT_EQ(ArnAccount("not-an-arn"), "");
  EXPECT_EQ(ArnAccount("arn:aws:iam"), "");
}

}  // namespace
}  // namespace ddb::aws

namespace ddb::aws {
namespace {

// STS is resolved like every service: regional by default, then
// AWS_ENDPOINT_URL_STS, the profile's services section (`sts =`).
TEST(StsEndpointTest, RegionalDefaultAndOverrides) {
  auto files = ConfigFiles::FromStrings(
      "[profile svc]\nservices = local\n[services local]\nsts =\n  endpoint_url = "
      "http://127.0.0.1:4566\n",
      "");
  Settings settings;
  settings.profile = "default";
  settings.region = "eu-west-1";
  Endpoint e;
  auto no_env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  ASSERT_TRUE(ResolveEndpoint("sts", no_env, *files, settings, Overrides{}, &e).ok());
  EXPECT_EQ(e.BaseUrl(), "https://sts.eu-west-1.amazonaws.com");
  settings.profile = "svc";
  ASSERT_TRUE(ResolveEndpoint("sts", no_env, *files, settings, Overrides{}, &e).ok());
  EXPECT_EQ(e.BaseUrl(), "http://127.0.0.1:4566");
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "AWS_ENDPOINT_URL_STS") return "http://127.0.0.1:9";
    return std::nullopt;
  };
  ASSERT_TRUE(ResolveEndpoint("sts", env, *files, settings, Overrides{}, &e).ok());
  EXPECT_EQ(e.BaseUrl(), "http://127.0.0.1:9");
}

}  // namespace
}  // namespace ddb::aws
