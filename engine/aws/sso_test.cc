#include "engine/aws/sso.h"

#include <gtest/gtest.h>

namespace ddb::aws {
namespace {

TEST(SsoProfileTest, SessionFormAndOlderForm) {
  auto files = ConfigFiles::FromStrings(
      "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
      "sso_role_name = Reader\n"
      "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
      "sso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n"
      "[profile old]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-2\n"
      "sso_account_id = 111122223333\nsso_role_name = Admin\n"
      "[profile clash]\nsso_session = corp\nsso_region = us-west-2\n"
      "sso_account_id = 111122223333\nsso_role_name = Reader\n"
      "[profile plain]\nregion = us-east-1\n",
      "");
  SsoProfile sso;
  bool found = false;
  ASSERT_TRUE(ReadSsoProfile(*files, "dev", &sso, &found).ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(sso.session_name, "corp");
  EXPECT_EQ(sso.start_url, "https://corp.awsapps.com/start");
  EXPECT_EQ(sso.sso_region, "eu-west-1");
  EXPECT_EQ(sso.account_id, "111122223333");
  EXPECT_EQ(sso.role_name, "Reader");
  // The CLI keys the cache by the session name (sha1 of "corp") ...
  EXPECT_EQ(SsoCacheFileName(sso), "ee0bfd2552fbd840c02cc48b6e823320543c450f.json");

  ASSERT_TRUE(ReadSsoProfile(*files, "old", &sso, &found).ok());
  EXPECT_TRUE(sso.session_name.empty());
  EXPECT_EQ(sso.sso_region, "us-east-2");
  // ... and the older form by the start URL.
  EXPECT_EQ(SsoCacheFileName(sso), "a51746d4aa793ae07b25e90c3a5db96fc7832bd7.json");

  Status s = ReadSsoProfile(*files, "clash", &sso, &found);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("sso_region is us-west-2 in the profile but eu-west-1"),
            std::string::npos)
      << s.message();

  ASSERT_TRUE(ReadSsoProfile(*files, "plain", &sso, &found).ok());
  EXPECT_FALSE(found);
}

TEST(SsoEndpointTest, PortalAndOidcHosts) {
  auto files = ConfigFiles::FromStrings(
      "[profile dev]\nservices = local\n[services local]\nsso_oidc =\n  endpoint_url = "
      "http://127.0.0.1:7000\n",
      "");
  auto no_env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  Endpoint e;
  ASSERT_TRUE(ResolveSsoEndpoint("sso", no_env, *files, "default", "eu-west-1", &e).ok());
  EXPECT_EQ(e.BaseUrl(), "https://portal.sso.eu-west-1.amazonaws.com");
  ASSERT_TRUE(ResolveSsoEndpoint("sso oidc", no_env, *files, "default", "cn-north-1", &e).ok());
  EXPECT_EQ(e.BaseUrl(), "https://oidc.cn-north-1.amazonaws.com.cn");
  ASSERT_TRUE(ResolveSsoEndpoint("sso oidc", no_env, *files, "dev", "eu-west-1", &e).ok());
  EXPECT_EQ(e.BaseUrl(), "http://127.0.0.1:7000");
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "AWS_ENDPOINT_URL_SSO") return "http://127.0.0.1:7001";
    return std::nullopt;
  };
  ASSERT_TRUE(ResolveSsoEndpoint("sso", env, *files, "default", "eu-west-1", &e).ok());
  EXPECT_EQ(e.BaseUrl(), "http://127.0.0.1:7001");
}

}  // namespace
}  // namespace ddb::aws
