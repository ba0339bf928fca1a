#include "engine/aws/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace ddb::aws {
namespace {

GetEnv MapEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Overrides Flags(std::string profile, std::string region, std::string endpoint_url) {
  Overrides o;
  o.profile = std::move(profile);
  o.region = std::move(region);
  o.endpoint_url = std::move(endpoint_url);
  return o;
}

// A temporary directory removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ddbcfg.XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string Write(const std::string& rel, const std::string& text) const {
    std::filesystem::path p = std::filesystem::path(path_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ConfigFilesTest, ParsesProfilesCommentsAndKeyCase) {
  auto files = ConfigFiles::FromStrings(
      "# a comment\n"
      "; another comment\n"
      "[default]\n"
      "  Region =  us-west-2   \n"
      "output=json\n"
      "[profile dev]   # trailing comment\n"
      "region = eu-west-1 ; inline comment\n"
      "endpoint_url = http://localhost:8000/#not-a-comment\n"
      "[profile   spaced  ]\n"
      "region = ap-south-1\n"
      "output: text\n"
      "[notaprofile]\n"
      "region = xx-none-1\n"
      "[sso-session corp]\n"
      "sso_region = us-east-1\n",
      "[default]\r\n"
      "aws_access_key_id = AKDEFAULT\r\n"
      "[dev]\n"
      "aws_access_key_id=AKDEV\n"
      "[profile odd]\n"
      "aws_access_key_id = AKODD\n");
  EXPECT_EQ(files->ConfigValue("default", "region"), "us-west-2");
  EXPECT_EQ(files->ConfigValue("default", "REGION"), "us-west-2");
  EXPECT_EQ(files->ConfigValue("default", "output"), "json");
  EXPECT_EQ(files->ConfigValue("dev", "region"), "eu-west-1");
  EXPECT_EQ(files->ConfigValue("dev", "endpoint_url"), "http://localhost:8000/#not-a-comment");
  EXPECT_EQ(files->ConfigValue("spaced", "region"), "ap-south-1");
  EXPECT_EQ(files->ConfigValue("spaced", "output"), "text");  // ':' works as in configparser
  EXPECT_FALSE(files->HasProfile("notaprofile"));
  EXPECT_FALSE(files->HasProfile("corp"));
  EXPECT_FALSE(files->HasProfile("sso-session corp"));
  EXPECT_EQ(files->CredentialsValue("default", "aws_access_key_id"), "AKDEFAULT");
  EXPECT_EQ(files->CredentialsValue("dev", "aws_access_key_id"), "AKDEV");
  // In the credentials file section names are taken literally.
  EXPECT_TRUE(files->HasProfile("profile odd"));
  EXPECT_FALSE(files->HasProfile("odd"));
  EXPECT_FALSE(files->ConfigValue("dev", "aws_access_key_id").has_value());
  EXPECT_FALSE(files->HasProfile("nope"));
}

TEST(ConfigFilesTest, ServicesSectionsAndIndentedBlocks) {
  auto files = ConfigFiles::FromStrings(
      "[profile local]\n"
      "services = emu\n"
      "s3 =\n"
      "  addressing_style = path\n"
      "\n"
      "  # comment inside the block\n"
      "  Signature_Version = s3v4\n"
      "region = us-east-1\n"
      "[services emu]\n"
      "dynamodb =\n"
      "  endpoint_url = http://127.0.0.1:8001\n"
      "S3 =\n"
      "\tendpoint_url = http://127.0.0.1:9001\n"
      "[profile multi]\n"
      "note = first\n"
      "  second\n",
      "");
  EXPECT_EQ(files->ConfigValue("local", "services"), "emu");
  EXPECT_EQ(files->ConfigValue("local", "s3.addressing_style"), "path");
  EXPECT_EQ(files->ConfigValue("local", "s3.signature_version"), "s3v4");
  EXPECT_EQ(files->ConfigValue("local", "region"), "us-east-1");
  EXPECT_EQ(files->ServiceValue("emu", "dynamodb", "endpoint_url"), "http://127.0.0.1:8001");
  EXPECT_EQ(files->ServiceValue("emu", "s3", "endpoint_url"), "http://127.0.0.1:9001");
  EXPECT_FALSE(files->ServiceValue("emu", "sqs", "endpoint_url").has_value());
  EXPECT_FALSE(files->ServiceValue("other", "s3", "endpoint_url").has_value());
  // Below a non-empty value an indented line continues the value.
  EXPECT_EQ(files->ConfigValue("multi", "note"), "first\nsecond");
}

TEST(ConfigFilesTest, ProfileDefaultWinsAndRepeatedSectionsMerge) {
  auto files = ConfigFiles::FromStrings(
      "[profile default]\nregion = from-profile-default\n"
      "[default]\nregion = from-default\noutput = text\n"
      "[profile a]\nregion = r1\nx = 1\n"
      "[profile a]\nregion = r2\n",
      "[b]\nk = 1\n[b]\nk = 2\nj = 3\n");
  EXPECT_EQ(files->ConfigValue("default", "region"), "from-profile-default");
  EXPECT_FALSE(files->ConfigValue("default", "output").has_value());
  EXPECT_EQ(files->ConfigValue("a", "region"), "r2");
  EXPECT_EQ(files->ConfigValue("a", "x"), "1");
  EXPECT_EQ(files->CredentialsValue("b", "k"), "2");
  EXPECT_EQ(files->CredentialsValue("b", "j"), "3");
}

TEST(ConfigFilesTest, ProfileValuePrefersCredentialsFile) {
  auto files = ConfigFiles::FromStrings("[profile p]\nregion = config-region\nx = c\n",
                                        "[p]\nregion = cred-region\n");
  EXPECT_EQ(files->ProfileValue("p", "region"), "cred-region");
  EXPECT_EQ(files->ProfileValue("p", "x"), "c");
  EXPECT_FALSE(files->ProfileValue("p", "y").has_value());
}

TEST(ConfigFilesTest, LoadUsesHomeAndEnvironmentPaths) {
  TempDir dir;
  dir.Write(".aws/config", "[default]\nregion = us-east-2\n");
  dir.Write(".aws/credentials", "[default]\naws_access_key_id = AKHOME\n");
  std::shared_ptr<ConfigFiles> files;
  ASSERT_TRUE(ConfigFiles::Load(MapEnv({{"HOME", dir.path()}}), &files).ok());
  EXPECT_EQ(files->ConfigValue("default", "region"), "us-east-2");
  EXPECT_EQ(files->CredentialsValue("default", "aws_access_key_id"), "AKHOME");
  EXPECT_EQ(files->config_path(), dir.path() + "/.aws/config");

  dir.Write("alt/cfg", "[profile x]\nregion = eu-north-1\n");
  dir.Write("alt/creds", "[x]\naws_access_key_id = AKALT\n");
  ASSERT_TRUE(
      ConfigFiles::Load(MapEnv({{"HOME", dir.path()},
                                {"AWS_CONFIG_FILE", "~/alt/cfg"},
                                {"AWS_SHARED_CREDENTIALS_FILE", dir.path() + "/alt/creds"}}),
                        &files)
          .ok());
  EXPECT_EQ(files->ConfigValue("x", "region"), "eu-north-1");
  EXPECT_EQ(files->CredentialsValue("x", "aws_access_key_id"), "AKALT");
  EXPECT_FALSE(files->HasProfile("default"));
  EXPECT_EQ(files->config_path(), dir.path() + "/alt/cfg");
}

TEST(ConfigFilesTest, MissingFilesAreNotAnError) {
  TempDir dir;
  std::shared_ptr<ConfigFiles> files;
  Status s = ConfigFiles::Load(MapEnv({{"HOME", dir.path()}}), &files);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(files->HasProfile("default"));
  s = ConfigFiles::Load(MapEnv({{"AWS_CONFIG_FILE", dir.path() + "/no/such"}}), &files);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

TEST(ConfigFilesTest, UnreadableFileIsAnErrorNamingThePath) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/adir");
  std::shared_ptr<ConfigFiles> files;
  Status s = ConfigFiles::Load(
      MapEnv({{"HOME", dir.path()}, {"AWS_SHARED_CREDENTIALS_FILE", dir.path() + "/adir"}}),
      &files);
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find(dir.path() + "/adir"), std::string::npos) << s.message();

  if (::geteuid() != 0) {  // root reads anything
    std::string p = dir.Write("locked", "[default]\n");
    ::chmod(p.c_str(), 0);
    s = ConfigFiles::Load(MapEnv({{"AWS_CONFIG_FILE", p}}), &files);
    EXPECT_EQ(s.code(), Status::Code::kIOError);
    EXPECT_NE(s.message().find(p), std::string::npos);
  }
}

TEST(ConfigFilesTest, MalformedLineNamesFileAndLineButNotContent) {
  TempDir dir;
  std::string p = dir.Write("creds", "[default]\naws_access_key_id = AK\nwJalrSECRETxyz\n");
  std::shared_ptr<ConfigFiles> files;
  Status s = ConfigFiles::Load(MapEnv({{"AWS_SHARED_CREDENTIALS_FILE", p}}), &files);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find(p + " line 3"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("wJalrSECRETxyz"), std::string::npos);

  p = dir.Write("cfg", "region = us-east-1\n");
  s = ConfigFiles::Load(MapEnv({{"AWS_CONFIG_FILE", p}}), &files);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  p = dir.Write("cfg2", "[profile x\nregion = us-east-1\n");
  s = ConfigFiles::Load(MapEnv({{"AWS_CONFIG_FILE", p}}), &files);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("line 1"), std::string::npos);
}

// --- settings ---------------------------------------------------------------

class SettingsTest : public ::testing::Test {
 protected:
  std::shared_ptr<ConfigFiles> files_ = ConfigFiles::FromStrings(
      "[default]\nregion = us-west-1\n"
      "[profile dev]\nregion = eu-central-1\nretry_mode = adaptive\nmax_attempts = 7\n"
      "ca_bundle = /etc/dev-ca.pem\n"
      "[profile noregion]\noutput = json\n"
      "[profile badattempts]\nregion = us-east-1\nmax_attempts = 0\n"
      "[profile badmode]\nregion = us-east-1\nretry_mode = fast\n"
      "[profile legacy]\nregion = us-east-1\nretry_mode = legacy\n",
      "[credonly]\nregion = sa-east-1\n");

  Status Resolve(std::map<std::string, std::string> env, Overrides flags, Settings* out) {
    return ResolveSettings(MapEnv(std::move(env)), *files_, flags, out);
  }
};

TEST_F(SettingsTest, ProfilePrecedence) {
  Settings s;
  ASSERT_TRUE(Resolve({}, {}, &s).ok());
  EXPECT_EQ(s.profile, "default");
  EXPECT_FALSE(s.explicit_profile);
  ASSERT_TRUE(Resolve({{"AWS_PROFILE", "dev"}}, {}, &s).ok());
  EXPECT_EQ(s.profile, "dev");
  EXPECT_TRUE(s.explicit_profile);
  ASSERT_TRUE(Resolve({{"AWS_PROFILE", "dev"}}, Flags("credonly", "", ""), &s).ok());
  EXPECT_EQ(s.profile, "credonly");
  EXPECT_EQ(s.region, "sa-east-1");  // a region in the credentials file counts
}

TEST_F(SettingsTest, ExplicitUnknownProfileIsNotFound) {
  Settings s;
  Status st = Resolve({{"AWS_PROFILE", "ghost"}}, {}, &s);
  EXPECT_TRUE(st.IsNotFound());
  EXPECT_EQ(st.message(), "profile ghost not found in config file or credentials file");
  st = Resolve({}, Flags("ghost2", "", ""), &s);
  EXPECT_TRUE(st.IsNotFound());
  EXPECT_NE(st.message().find("ghost2"), std::string::npos);
}

TEST_F(SettingsTest, RegionPrecedence) {
  Settings s;
  std::map<std::string, std::string> env = {{"AWS_PROFILE", "dev"},
                                            {"AWS_REGION", "ap-northeast-1"},
                                            {"AWS_DEFAULT_REGION", "ca-central-1"}};
  ASSERT_TRUE(Resolve(env, Flags("", "me-south-1", ""), &s).ok());
  EXPECT_EQ(s.region, "me-south-1");
  ASSERT_TRUE(Resolve(env, {}, &s).ok());
  EXPECT_EQ(s.region, "ap-northeast-1");
  env.erase("AWS_REGION");
  ASSERT_TRUE(Resolve(env, {}, &s).ok());
  EXPECT_EQ(s.region, "ca-central-1");
  env["AWS_DEFAULT_REGION"] = "";  // empty counts as unset
  ASSERT_TRUE(Resolve(env, {}, &s).ok());
  EXPECT_EQ(s.region, "eu-central-1");
}

TEST_F(SettingsTest, MissingRegionTellsHowToSetOne) {
  Settings s;
  Status st = Resolve({{"AWS_PROFILE", "noregion"}}, {}, &s);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "no AWS region: set AWS_REGION, add `region` to profile noregion, or pass --region");
  auto empty = ConfigFiles::FromStrings("", "");
  st = ResolveSettings(MapEnv({}), *empty, {}, &s);
  EXPECT_NE(st.message().find("profile default"), std::string::npos);
}

TEST_F(SettingsTest, InvalidRegionNamesItsSource) {
  Settings s;
  Status st = Resolve({{"AWS_REGION", "us-east-1/evil"}}, {}, &s);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("AWS_REGION"), std::string::npos);
  EXPECT_NE(st.message().find("us-east-1/evil"), std::string::npos);
}

TEST_F(SettingsTest, RetrySettings) {
  Settings s;
  ASSERT_TRUE(Resolve({}, {}, &s).ok());
  EXPECT_EQ(s.retry_mode, RetryMode::kStandard);
  EXPECT_EQ(s.max_attempts, 3);
  ASSERT_TRUE(Resolve({{"AWS_PROFILE", "dev"}}, {}, &s).ok());
  EXPECT_EQ(s.retry_mode, RetryMode::kAdaptive);
  EXPECT_EQ(s.max_attempts, 7);
  EXPECT_EQ(s.ca_bundle, "/etc/dev-ca.pem");
  ASSERT_TRUE(Resolve({{"AWS_PROFILE", "dev"},
                       {"AWS_RETRY_MODE", "legacy"},
                       {"AWS_MAX_ATTEMPTS", "2"},
                       {"AWS_CA_BUNDLE", "/env/ca.pem"}},
                      {}, &s)
                  .ok());
  EXPECT_EQ(s.retry_mode, RetryMode::kLegacy);
  EXPECT_EQ(s.max_attempts, 2);
  EXPECT_EQ(s.ca_bundle, "/env/ca.pem");
  ASSERT_TRUE(Resolve({{"AWS_PROFILE", "legacy"}}, {}, &s).ok());
  EXPECT_EQ(s.max_attempts, 5);  // botocore's legacy default
}

TEST_F(SettingsTest, BadRetrySettingsNameTheirSource) {
  Settings s;
  for (const char* bad : {"0", "-1", "abc", "3x", "", "99999999999"}) {
    if (std::string(bad).empty()) continue;  // empty env means unset
    Status st = Resolve({{"AWS_MAX_ATTEMPTS", bad}}, {}, &s);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("AWS_MAX_ATTEMPTS"), std::string::npos) << st.message();
  }
  Status st = Resolve({{"AWS_PROFILE", "badattempts"}}, {}, &s);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("profile badattempts max_attempts"), std::string::npos);
  st = Resolve({{"AWS_PROFILE", "badmode"}}, {}, &s);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("profile badmode retry_mode"), std::string::npos);
  st = Resolve({{"AWS_RETRY_MODE", "turbo"}}, {}, &s);
  EXPECT_NE(st.message().find("AWS_RETRY_MODE"), std::string::npos);
}

// --- endpoints --------------------------------------------------------------

TEST(ParseEndpointUrlTest, AcceptsWhatUsersWrite) {
  Endpoint e;
  ASSERT_TRUE(ParseEndpointUrl("http://localhost:8000", &e).ok());
  EXPECT_EQ(e.scheme, "http");
  EXPECT_EQ(e.host, "localhost");
  EXPECT_EQ(e.port, 8000);
  EXPECT_EQ(e.base_path, "");
  EXPECT_TRUE(e.custom);
  EXPECT_EQ(e.BaseUrl(), "http://localhost:8000");
  EXPECT_EQ(e.HostHeader(), "localhost:8000");

  ASSERT_TRUE(ParseEndpointUrl("HTTPS://Proxy.Example.com:443/ddb/", &e).ok());
  EXPECT_EQ(e.scheme, "https");
  EXPECT_EQ(e.host, "proxy.example.com");
  EXPECT_EQ(e.port, 0);  // the default port is not part of the Host header
  EXPECT_EQ(e.base_path, "/ddb");
  EXPECT_EQ(e.BaseUrl(), "https://proxy.example.com/ddb");
  EXPECT_EQ(e.HostHeader(), "proxy.example.com");

  ASSERT_TRUE(ParseEndpointUrl("http://[::1]:9000/", &e).ok());
  EXPECT_EQ(e.host, "[::1]");
  EXPECT_EQ(e.HostHeader(), "[::1]:9000");
  EXPECT_EQ(e.base_path, "");

  ASSERT_TRUE(ParseEndpointUrl("http://127.0.0.1", &e).ok());
  EXPECT_EQ(e.BaseUrl(), "http://127.0.0.1");
}

TEST(ParseEndpointUrlTest, RejectsMalformedUrls) {
  for (const char* bad : {"localhost:8000", "ftp://host", "http://", "http://:80", "http://host:0",
                          "http://host:70000", "http://host:8a", "http://host:", "http://ho st",
                          " http://host", "http://u:p@host", "http://host/?x=1", "http://host#frag",
                          "http://[::1", "http://host:80:90", ""}) {
    Endpoint e;
    Status s = ParseEndpointUrl(bad, &e);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << bad;
    // User info (a password) is shown as ***.
    EXPECT_NE(s.message().find("\"" + RedactUrlUserInfo(bad) + "\""), std::string::npos)
        << s.message();
    EXPECT_EQ(s.message().find("u:p@"), std::string::npos) << s.message();
  }
  EXPECT_EQ(RedactUrlUserInfo("http://u:p@host:1/x@y"), "http://***@host:1/x@y");
  EXPECT_EQ(RedactUrlUserInfo("http://host/a@b"), "http://host/a@b");
}

class EndpointTest : public ::testing::Test {
 protected:
  std::shared_ptr<ConfigFiles> files_ = ConfigFiles::FromStrings(
      "[profile p]\nregion = us-east-1\nservices = svc\nendpoint_url = http://profile:1\n"
      "[profile ignoring]\nregion = us-east-1\nendpoint_url = http://profile:2\n"
      "ignore_configured_endpoint_urls = true\n"
      "[profile badurl]\nregion = us-east-1\nendpoint_url = localhost:8000\n"
      "[services svc]\ndynamodb =\n  endpoint_url = http://services-ddb:3\n"
      "s3 =\n  endpoint_url = http://services-s3:4\n",
      "");
  std::map<std::string, std::string> env_ = {
      {"AWS_ENDPOINT_URL_DYNAMODB", "http://env-ddb:5"},
      {"AWS_ENDPOINT_URL_S3", "http://env-s3:6"},
      {"AWS_ENDPOINT_URL", "http://env-all:7"},
  };

  std::string Url(const std::string& service, const std::string& profile, Overrides flags = {}) {
    Settings settings;
    settings.profile = profile;
    settings.region = "us-east-1";
    Endpoint e;
    Status s = ResolveEndpoint(service, MapEnv(env_), *files_, settings, flags, &e);
    return s.ok() ? e.BaseUrl() : "error: " + s.message();
  }
};

TEST_F(EndpointTest, PrecedenceOfEverySource) {
  EXPECT_EQ(Url("dynamodb", "p", Flags("", "", "http://flag:9")), "http://flag:9");
  EXPECT_EQ(Url("dynamodb", "p"), "http://env-ddb:5");
  EXPECT_EQ(Url("s3", "p"), "http://env-s3:6");
  env_.erase("AWS_ENDPOINT_URL_DYNAMODB");
  EXPECT_EQ(Url("dynamodb", "p"), "http://env-all:7");
  EXPECT_EQ(Url("s3", "p"), "http://env-s3:6");
  env_.erase("AWS_ENDPOINT_URL");
  EXPECT_EQ(Url("dynamodb", "p"), "http://services-ddb:3");
  env_.erase("AWS_ENDPOINT_URL_S3");
  EXPECT_EQ(Url("s3", "p"), "http://services-s3:4");
  EXPECT_EQ(Url("sqs", "p"), "http://profile:1");  // no services entry for it
  EXPECT_EQ(Url("dynamodb", "nosuch"), "https://dynamodb.us-east-1.amazonaws.com");
}

// As the AWS CLI's --endpoint-url (for the one service a command calls),
// --endpoint-url is DynamoDB's alone: S3 keeps its own chain, service
// variable first, then the global one, then the config file;
// --s3-endpoint-url is S3's flag.
TEST_F(EndpointTest, EndpointFlagIsForDynamoDbAlone) {
  Overrides flags = Flags("", "", "http://flag-ddb:9");
  EXPECT_EQ(Url("dynamodb", "p", flags), "http://flag-ddb:9");
  EXPECT_EQ(Url("s3", "p", flags), "http://env-s3:6");
  EXPECT_EQ(Url("sts", "p", flags), "http://env-all:7");
  env_.erase("AWS_ENDPOINT_URL_S3");
  EXPECT_EQ(Url("s3", "p", flags), "http://env-all:7");  // the global variable
  env_.erase("AWS_ENDPOINT_URL");
  EXPECT_EQ(Url("s3", "p", flags), "http://services-s3:4");
  EXPECT_EQ(Url("s3", "nosuch", flags), "https://s3.us-east-1.amazonaws.com");
  flags.s3_endpoint_url = "http://flag-s3:8";
  EXPECT_EQ(Url("s3", "p", flags), "http://flag-s3:8");
  EXPECT_EQ(Url("dynamodb", "p", flags), "http://flag-ddb:9");
  env_["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  EXPECT_EQ(Url("s3", "p", flags), "http://flag-s3:8");  // a flag is never ignored
  flags.s3_endpoint_url.clear();
  EXPECT_EQ(Url("s3", "p", flags), "https://s3.us-east-1.amazonaws.com");
}

TEST_F(EndpointTest, IgnoreConfiguredEndpointUrls) {
  env_["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  EXPECT_EQ(Url("dynamodb", "p"), "https://dynamodb.us-east-1.amazonaws.com");
  EXPECT_EQ(Url("s3", "p"), "https://s3.us-east-1.amazonaws.com");
  EXPECT_EQ(Url("dynamodb", "p", Flags("", "", "http://flag:9")), "http://flag:9");
  env_["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "TRUE";
  EXPECT_EQ(Url("dynamodb", "p"), "https://dynamodb.us-east-1.amazonaws.com");

  env_ = {};
  EXPECT_EQ(Url("dynamodb", "ignoring"), "https://dynamodb.us-east-1.amazonaws.com");
  env_["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "false";  // the environment wins
  EXPECT_EQ(Url("dynamodb", "ignoring"), "http://profile:2");
}

TEST_F(EndpointTest, MalformedUrlsNameTheirSource) {
  env_ = {{"AWS_ENDPOINT_URL_S3", "ftp://x"}};
  std::string u = Url("s3", "p");
  EXPECT_NE(u.find("AWS_ENDPOINT_URL_S3: "), std::string::npos) << u;
  EXPECT_NE(u.find("ftp://x"), std::string::npos) << u;
  Overrides s3_flag;
  s3_flag.s3_endpoint_url = "http://";
  u = Url("s3", "p", s3_flag);
  EXPECT_EQ(u.rfind("error: --s3-endpoint-url: ", 0), 0u) << u;
  u = Url("dynamodb", "p", Flags("", "", "http://"));
  EXPECT_EQ(u.rfind("error: --endpoint-url: ", 0), 0u) << u;
  env_ = {};
  u = Url("dynamodb", "badurl");
  EXPECT_NE(u.find("profile badurl endpoint_url: "), std::string::npos) << u;
  EXPECT_NE(u.find("localhost:8000"), std::string::npos) << u;
  env_ = {{"AWS_ENDPOINT_URL", "http://host:99999"}};
  u = Url("dynamodb", "p");
  EXPECT_NE(u.find("AWS_ENDPOINT_URL: "), std::string::npos) << u;
}

TEST(DefaultEndpointTest, PartitionsAndFlags) {
  auto files = ConfigFiles::FromStrings("", "");
  auto url = [&](const std::string& service, const std::string& region, bool* custom) {
    Settings settings;
    settings.profile = "default";
    settings.region = region;
    Endpoint e;
    Status s = ResolveEndpoint(service, MapEnv({}), *files, settings, {}, &e);
    *custom = e.custom;
    return s.ok() ? e.BaseUrl() : "error: " + s.message();
  };
  bool custom = true;
  EXPECT_EQ(url("dynamodb", "eu-west-1", &custom), "https://dynamodb.eu-west-1.amazonaws.com");
  EXPECT_FALSE(custom);
  EXPECT_EQ(url("s3", "cn-north-1", &custom), "https://s3.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(url("dynamodb", "us-gov-west-1", &custom),
            "https://dynamodb.us-gov-west-1.amazonaws.com");
  EXPECT_EQ(url("dynamodb", "", &custom).rfind("error: no AWS region", 0), 0u);
}

}  // namespace
}  // namespace ddb::aws
