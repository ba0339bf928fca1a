#include "engine/aws/credentials.h"
#include "engine/aws/credentials_role.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/aws/config.h"
#include "engine/aws/http.h"
#include "engine/aws/sso.h"

namespace ddb::aws {
namespace {

using std::chrono::system_clock;

GetEnv MapEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ddbcred.XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string Write(const std::string& rel, const std::string& text,
                    bool executable = false) const {
    std::string p = path_ + "/" + rel;
    std::ofstream(p) << text;
    if (executable) ::chmod(p.c_str(), 0755);
    return p;
  }
  // Lines in `rel` (the test scripts append one per run).
  int CountLines(const std::string& rel) const {
    std::ifstream in(path_ + "/" + rel);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) ++n;
    return n;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string Iso8601(system_clock::time_point t) {
  std::time_t tt = system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY";

// Env that keeps every network source out of reach, for chains that must not
// depend on the machine the test runs on.
std::map<std::string, std::string> QuietEnv() { return {{"AWS_EC2_METADATA_DISABLED", "true"}}; }

std::unique_ptr<CredentialsProvider> Chain(std::map<std::string, std::string> env,
                                           std::shared_ptr<const ConfigFiles> files,
                                           std::string profile = "default",
                                           bool explicit_profile = false,
                                           HttpClient* http = nullptr) {
  return DefaultCredentialsChain(MapEnv(std::move(env)), std::move(files), std::move(profile),
                                 explicit_profile, http);
}

TEST(CredentialsTest, StaticAndProcessEnv) {
  Credentials c;
  c.access_key_id = "AK";
  c.secret_access_key = "SK";
  Credentials out;
  ASSERT_TRUE(StaticCredentials(c)->GetCredentials(&out).ok());
  EXPECT_EQ(out.access_key_id, "AK");
  EXPECT_EQ(StaticCredentials(Credentials())->GetCredentials(&out).code(),
            Status::Code::kNoCredentials);

  // Read-only: setenv would race with other threads reading the environment.
  const char* path = std::getenv("PATH");
  ASSERT_NE(path, nullptr);
  EXPECT_EQ(ProcessEnv()("PATH"), std::string(path));
  EXPECT_FALSE(ProcessEnv()("DDBSQL_SURELY_UNSET_VARIABLE_42").has_value());
}

TEST(CredentialsTest, FromEnvironmentFirst) {
  auto files = ConfigFiles::FromStrings("",
                                        "[default]\naws_access_key_id = AKFILE\n"
                                        "aws_secret_access_key = SKFILE\n");
  auto env = QuietEnv();
  env["AWS_ACCESS_KEY_ID"] = "AKENV";
  env["AWS_SECRET_ACCESS_KEY"] = "SKENV";
  env["AWS_SESSION_TOKEN"] = "TOKENV";
  Credentials c;
  ASSERT_TRUE(Chain(env, files)->GetCredentials(&c).ok());
  EXPECT_EQ(c.access_key_id, "AKENV");
  EXPECT_EQ(c.secret_access_key, "SKENV");
  EXPECT_EQ(c.session_token, "TOKENV");
  EXPECT_EQ(c.source, "environment");
  EXPECT_FALSE(c.expiration.has_value());
}

TEST(CredentialsTest, EnvironmentKeyWithoutSecretIsAnError) {
  auto files = ConfigFiles::FromStrings("",
                                        "[default]\naws_access_key_id = AKFILE\n"
                                        "aws_secret_access_key = SKFILE\n");
  auto env = QuietEnv();
  env["AWS_ACCESS_KEY_ID"] = "AKENV";
  Credentials c;
  Status s = Chain(env, files)->GetCredentials(&c);
  EXPECT_EQ(s.code(), Status::Code::kNoCredentials);
  EXPECT_NE(s.message().find("AWS_SECRET_ACCESS_KEY"), std::string::npos);

  // A secret alone is not a partial set the SDKs look at: the file answers.
  env = QuietEnv();
  env["AWS_SECRET_ACCESS_KEY"] = "SKENV";
  ASSERT_TRUE(Chain(env, files)->GetCredentials(&c).ok());
  EXPECT_EQ(c.access_key_id, "AKFILE");
}

TEST(CredentialsTest, ProfileFromAwsProfileInTemporaryFiles) {
  TempDir dir;
  dir.Write("credentials",
            "[default]\naws_access_key_id = AKDEF\naws_secret_access_key = SKDEF\n"
            "[work]\naws_access_key_id = AKWORK\naws_secret_access_key = SKWORK\n"
            "aws_session_token = TOKWORK\n");
  dir.Write("config", "[profile work]\nregion = eu-west-1\n");
  auto env = QuietEnv();
  env["AWS_CONFIG_FILE"] = dir.path() + "/config";
  env["AWS_SHARED_CREDENTIALS_FILE"] = dir.path() + "/credentials";
  env["AWS_PROFILE"] = "work";
  std::shared_ptr<ConfigFiles> files;
  ASSERT_TRUE(ConfigFiles::Load(MapEnv(env), &files).ok());
  Settings settings;
  ASSERT_TRUE(ResolveSettings(MapEnv(env), *files, {}, &settings).ok());
  Credentials c;
  Status s = Chain(env, files, settings.profile, settings.explicit_profile)->GetCredentials(&c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(c.access_key_id, "AKWORK");
  EXPECT_EQ(c.secret_access_key, "SKWORK");
  EXPECT_EQ(c.session_token, "TOKWORK");
  EXPECT_EQ(c.source, "profile work (credentials file)");
}

TEST(CredentialsTest, StaticKeysInConfigFileAfterCredentialsFile) {
  auto files = ConfigFiles::FromStrings(
      "[profile both]\naws_access_key_id = AKCFG\naws_secret_access_key = SKCFG\n"
      "[profile cfgonly]\naws_access_key_id = AKCFG2\naws_secret_access_key = SKCFG2\n"
      "aws_session_token = TOKCFG2\n",
      "[both]\naws_access_key_id = AKCRED\naws_secret_access_key = SKCRED\n");
  Credentials c;
  ASSERT_TRUE(Chain(QuietEnv(), files, "both")->GetCredentials(&c).ok());
  EXPECT_EQ(c.access_key_id, "AKCRED");
  ASSERT_TRUE(Chain(QuietEnv(), files, "cfgonly")->GetCredentials(&c).ok());
  EXPECT_EQ(c.access_key_id, "AKCFG2");
  EXPECT_EQ(c.session_token, "TOKCFG2");
  EXPECT_EQ(c.source, "profile cfgonly (config file)");
}

TEST(CredentialsTest, ProfileKeyWithoutSecretIsAnError) {
  auto files = ConfigFiles::FromStrings("", "[half]\naws_access_key_id = AKHALF\n");
  Credentials c;
  Status s = Chain(QuietEnv(), files, "half")->GetCredentials(&c);
  EXPECT_EQ(s.code(), Status::Code::kNoCredentials);
  EXPECT_NE(s.message().find("aws_secret_access_key"), std::string::npos);
}

TEST(CredentialsTest, ExplicitUnknownProfile) {
  auto files = ConfigFiles::FromStrings("[default]\n", "");
  auto env = QuietEnv();
  env["AWS_ACCESS_KEY_ID"] = "AK";
  env["AWS_SECRET_ACCESS_KEY"] = "SK";
  Credentials c;
  Status s = Chain(env, files, "ghost", /*explicit_profile=*/true)->GetCredentials(&c);
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.message(), "profile ghost not found in config file or credentials file");
  // Not chosen explicitly, a missing profile just contributes nothing.
  ASSERT_TRUE(Chain(env, files, "ghost", false)->GetCredentials(&c).ok());
}

// Role, web identity and SSO profiles that are misconfigured fail before any
// request, with the profile and the step in the message.
TEST(CredentialsTest, RoleProfileConfigurationErrors) {
  auto files = ConfigFiles::FromStrings(
      "[profile loop_a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = loop_b\n"
      "[profile loop_b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = loop_a\n"
      "[profile ghost_src]\nrole_arn = arn:aws:iam::123456789012:role/g\n"
      "source_profile = nowhere\n"
      "[profile both]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = default\n"
      "credential_source = Environment\n"
      "[profile neither]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
      "[profile bad_source]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
      "credential_source = Laptop\n"
      "[profile bad_duration]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
      "source_profile = default\nduration_seconds = 1h\n"
      "[profile env_source]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
      "credential_source = Environment\n"
      "[profile imds_source]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
      "credential_source = Ec2InstanceMetadata\n"
      "[profile empty_src]\nregion = us-east-1\n"
      "[profile empty_role]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
      "source_profile = empty_src\n"
      "[profile sso_unknown]\nsso_session = nope\nsso_account_id = 123456789012\n"
      "sso_role_name = Reader\n"
      "[profile sso_partial]\nsso_account_id = 123456789012\n",
      "[default]\naws_access_key_id = AK\naws_secret_access_key = SK\n");
  HttpClient http;
  struct Case {
    const char* profile;
    std::vector<std::string> needles;
  } cases[] = {
      {"loop_a", {"profile loop_b", "source_profile loop: loop_a -> loop_b -> loop_a"}},
      {"ghost_src", {"profile ghost_src", "source_profile nowhere does not exist"}},
      {"both", {"profile both", "both source_profile and credential_source"}},
      {"neither", {"profile neither", "needs source_profile or credential_source"}},
      {"bad_source", {"profile bad_source", "credential_source Laptop is not valid"}},
      {"bad_duration", {"profile bad_duration", "duration_seconds", "1h"}},
      {"env_source", {"profile env_source", "credential_source Environment", "AWS_ACCESS_KEY_ID"}},
      {"imds_source",
       {"profile imds_source", "credential_source Ec2InstanceMetadata",
        "AWS_EC2_METADATA_DISABLED"}},
      {"empty_role", {"profile empty_role", "source_profile empty_src has no credentials"}},
      {"sso_unknown", {"profile sso_unknown", "sso_session nope", "[sso-session nope]"}},
      {"sso_partial", {"profile sso_partial", "sso_start_url", "sso_role_name"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.profile);
    Credentials creds;
    Status s = DefaultCredentialsChain(MapEnv(QuietEnv()), files, c.profile, true, &http)
                   ->GetCredentials(&creds);
    ASSERT_FALSE(s.ok());
    for (const std::string& needle : c.needles) {
      EXPECT_NE(s.ToString().find(needle), std::string::npos) << s.ToString();
    }
    EXPECT_EQ(s.ToString().find("SK"), std::string::npos);
  }
}

TEST(CredentialsTest, WebIdentityErrorsNameTheSettingAndFile) {
  TempDir dir;
  auto files =
      ConfigFiles::FromStrings("[profile web]\nweb_identity_token_file = " + dir.path() +
                                   "/missing-token\nrole_arn = arn:aws:iam::123456789012:role/w\n"
                                   "[profile web_norole]\nweb_identity_token_file = /x\n",
                               "");
  HttpClient http;
  Credentials c;
  Status s =
      DefaultCredentialsChain(MapEnv(QuietEnv()), files, "web", true, &http)->GetCredentials(&c);
  EXPECT_EQ(s.code(), Status::Code::kNoCredentials);
  EXPECT_NE(s.message().find("profile web: web identity token file " + dir.path() +
                             "/missing-token: No such file"),
            std::string::npos)
      << s.message();
  s = DefaultCredentialsChain(MapEnv(QuietEnv()), files, "web_norole", true, &http)
          ->GetCredentials(&c);
  EXPECT_NE(s.message().find("no role ARN"), std::string::npos) << s.message();
  // The environment's settings come first, even for another profile.
  auto env = QuietEnv();
  env["AWS_WEB_IDENTITY_TOKEN_FILE"] = dir.path() + "/env-token";
  env["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/e";
  s = DefaultCredentialsChain(MapEnv(env), ConfigFiles::FromStrings("", ""), "default", false,
                              &http)
          ->GetCredentials(&c);
  EXPECT_NE(
      s.message().find("the environment: web identity token file " + dir.path() + "/env-token"),
      std::string::npos)
      << s.message();
}

TEST(CredentialsTest, SsoWithoutCachedTokenSaysHowToLogIn) {
  TempDir home;
  auto files = ConfigFiles::FromStrings(
      "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\n"
      "sso_role_name = Reader\n"
      "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
      "sso_region = eu-west-1\n"
      "[profile old]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
      "sso_account_id = 123456789012\nsso_role_name = Reader\n",
      "");
  HttpClient http;
  auto env = QuietEnv();
  env["HOME"] = home.path();
  Credentials c;
  Status s = DefaultCredentialsChain(MapEnv(env), files, "dev", true, &http)->GetCredentials(&c);
  EXPECT_EQ(s.code(), Status::Code::kNoCredentials);
  EXPECT_NE(s.message().find("profile dev: no SSO access token in " + home.path() +
                             "/.aws/sso/cache/"
                             "ee0bfd2552fbd840c02cc48b6e823320543c450f.json"),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("`aws sso login --profile dev` (or `aws sso login --sso-session "
                             "corp`)"),
            std::string::npos);
  s = DefaultCredentialsChain(MapEnv(env), files, "old", true, &http)->GetCredentials(&c);
  EXPECT_NE(s.message().find("run `aws sso login --profile old`"), std::string::npos);
  EXPECT_EQ(s.message().find("--sso-session"), std::string::npos);
  // An expired token: the same advice.
  std::filesystem::create_directories(home.path() + "/.aws/sso/cache");
  SsoProfile legacy;
  legacy.start_url = "https://corp.awsapps.com/start";
  home.Write(".aws/sso/cache/" + SsoCacheFileName(legacy),
             "{\"accessToken\": \"tok\", \"expiresAt\": \"2020-01-01T00:00:00Z\"}");
  s = DefaultCredentialsChain(MapEnv(env), files, "old", true, &http)->GetCredentials(&c);
  EXPECT_NE(s.message().find("profile old: the SSO access token has expired; run `aws sso login "
                             "--profile old`"),
            std::string::npos)
      << s.message();
}

TEST(CredentialsTest, NothingFoundListsWhatWasTried) {
  auto files = ConfigFiles::FromStrings("", "");
  Credentials c;
  Status s = Chain(QuietEnv(), files)->GetCredentials(&c);
  EXPECT_EQ(s.code(), Status::Code::kNoCredentials);
  const std::string& m = s.message();
  EXPECT_NE(m.find("environment"), std::string::npos) << m;
  EXPECT_NE(m.find("profile default"), std::string::npos) << m;
  EXPECT_NE(m.find("container credentials"), std::string::npos) << m;
  EXPECT_NE(m.find("EC2 instance metadata (disabled"), std::string::npos) << m;
}

// --- credential_process -----------------------------------------------------

class ProcessTest : public ::testing::Test {
 protected:
  // A profile whose credential_process runs `script` (appending a line to
  // `runs` each time).
  std::shared_ptr<ConfigFiles> ProfileRunning(const std::string& script_body) {
    std::string script = dir_.Write(
        "proc.sh", "#!/bin/sh\necho run >> '" + dir_.path() + "/runs'\n" + script_body, true);
    return ConfigFiles::FromStrings("[profile p]\ncredential_process = " + script + " --flag\n",
                                    "");
  }
  std::string Json(const std::string& expiration) {
    std::string j = std::string("{\"Version\": 1, \"AccessKeyId\": \"AKPROC\", ") +
                    "\"SecretAccessKey\": \"" + kSecret + "\", \"SessionToken\": \"TOKPROC\"";
    if (!expiration.empty()) j += ", \"Expiration\": \"" + expiration + "\"";
    return j + "}";
  }
  int Runs() const { return dir_.CountLines("runs"); }

  TempDir dir_;
};

TEST_F(ProcessTest, ReadsJsonFromStdout) {
  auto files = ProfileRunning(
      "[ \"$1\" = --flag ] || exit 9\necho 'note on stderr' >&2\n"
      "cat <<'EOF'\n" +
      Json("") + "\nEOF\n");
  Credentials c;
  Status s = Chain(QuietEnv(), files, "p")->GetCredentials(&c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(c.access_key_id, "AKPROC");
  EXPECT_EQ(c.secret_access_key, kSecret);
  EXPECT_EQ(c.session_token, "TOKPROC");
  EXPECT_FALSE(c.expiration.has_value());
  EXPECT_EQ(c.source, "credential_process (profile p)");
}

TEST_F(ProcessTest, CredentialsFileKeysComeBeforeProcess) {
  std::string script = dir_.Write("p.sh", "#!/bin/sh\necho '" + Json("") + "'\n", true);
  auto files =
      ConfigFiles::FromStrings("[profile p]\ncredential_process = " + script +
                                   "\n"
                                   "aws_access_key_id = AKCFG\naws_secret_access_key = SKCFG\n",
                               "");
  Credentials c;
  ASSERT_TRUE(Chain(QuietEnv(), files, "p")->GetCredentials(&c).ok());
  EXPECT_EQ(c.access_key_id, "AKPROC");  // process before config-file keys, as botocore
  files = ConfigFiles::FromStrings("[profile p]\ncredential_process = " + script + "\n",
                                   "[p]\naws_access_key_id = AKCRED\naws_secret_access_key = S\n");
  ASSERT_TRUE(Chain(QuietEnv(), files, "p")->GetCredentials(&c).ok());
  EXPECT_EQ(c.access_key_id, "AKCRED");
}

TEST_F(ProcessTest, FailureDoesNotEchoOutput) {
  auto files = ProfileRunning("echo '" + Json("") + "'\nexit 3\n");
  Credentials c;
  Status s = Chain(QuietEnv(), files, "p")->GetCredentials(&c);
  EXPECT_EQ(s.code(), Status::Code::kNoCredentials);
  EXPECT_NE(s.message().find("exited with status 3"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("profile p"), std::string::npos);
  EXPECT_EQ(s.ToString().find(kSecret), std::string::npos);
}

TEST_F(ProcessTest, BadJsonDoesNotEchoOutput) {
  for (const std::string& out :
       {std::string("{\"Version\": 1, \"AccessKeyId\": \"AK\", \"SecretAccessKey\": \"") + kSecret +
            "\"",  // truncated
        std::string("not json ") + kSecret,
        std::string("{\"Version\": 2, \"AccessKeyId\": \"AK\", \"SecretAccessKey\": \"") + kSecret +
            "\"}",
        std::string("{\"Version\": 1, \"SecretAccessKey\": \"") + kSecret + "\"}",
        std::string("{\"Version\": 1, \"AccessKeyId\": \"AK\", \"SecretAccessKey\": \"") + kSecret +
            "\", \"Expiration\": \"tomorrow " + kSecret + "\"}"}) {
    std::string script = dir_.Write("bad.sh", "#!/bin/sh\ncat <<'EOF'\n" + out + "\nEOF\n", true);
    auto files = ConfigFiles::FromStrings("[profile p]\ncredential_process = " + script + "\n", "");
    Credentials c;
    Status s = Chain(QuietEnv(), files, "p")->GetCredentials(&c);
    EXPECT_EQ(s.code(), Status::Code::kNoCredentials) << out;
    EXPECT_NE(s.message().find("credential_process of profile p"), std::string::npos);
    EXPECT_EQ(s.ToString().find(kSecret), std::string::npos) << s.ToString();
  }
}

TEST_F(ProcessTest, ExpiringSoonIsRunAgain) {
  auto files = ProfileRunning("echo '" +
                              Json(Iso8601(system_clock::now() + std::chrono::minutes(1))) + "'\n");
  auto chain = Chain(QuietEnv(), files, "p");
  Credentials c;
  ASSERT_TRUE(chain->GetCredentials(&c).ok());
  ASSERT_TRUE(c.expiration.has_value());
  EXPECT_EQ(Runs(), 1);
  ASSERT_TRUE(chain->GetCredentials(&c).ok());
  EXPECT_EQ(Runs(), 2);
  ASSERT_TRUE(chain->GetCredentials(&c).ok());
  EXPECT_EQ(Runs(), 3);
}

TEST_F(ProcessTest, ValidForAnHourIsCached) {
  auto expiration = system_clock::now() + std::chrono::hours(1);
  auto files = ProfileRunning("echo '" + Json(Iso8601(expiration)) + "'\n");
  auto chain = Chain(QuietEnv(), files, "p");
  // Many threads asking at once still run the process once.
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      Credentials mine;
      if (chain->GetCredentials(&mine).ok() && mine.access_key_id == "AKPROC") ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(Runs(), 1);
  Credentials c;
  ASSERT_TRUE(chain->GetCredentials(&c).ok());
  ASSERT_TRUE(c.expiration.has_value());
  EXPECT_LE(std::chrono::abs(*c.expiration - expiration), std::chrono::seconds(1));
  EXPECT_EQ(Runs(), 1);
}

TEST_F(ProcessTest, FailedRefreshKeepsUnexpiredCredentials) {
  // First run: credentials valid 2 more minutes; later runs fail.
  std::string json = Json(Iso8601(system_clock::now() + std::chrono::minutes(2)));
  auto files = ProfileRunning("[ -f '" + dir_.path() + "/done' ] && exit 1\ntouch '" + dir_.path() +
                              "/done'\necho '" + json + "'\n");
  auto chain = Chain(QuietEnv(), files, "p");
  Credentials c;
  ASSERT_TRUE(chain->GetCredentials(&c).ok());
  Credentials again;
  ASSERT_TRUE(chain->GetCredentials(&again).ok());  // refresh failed, old ones still good
  EXPECT_EQ(again.access_key_id, "AKPROC");
  EXPECT_EQ(Runs(), 2);
  ASSERT_TRUE(chain->GetCredentials(&again).ok());
  EXPECT_EQ(Runs(), 2);  // no new attempt right after a failure
}

TEST(TimestampTest, ProcessExpirationFormats) {
  TempDir dir;
  struct Case {
    std::string text;
    std::time_t want;
  };
  // 2030-01-02T03:04:05Z is 1893553445.
  for (const Case& k :
       {Case{"2030-01-02T03:04:05Z", 1893553445}, Case{"2030-01-02T03:04:05.123Z", 1893553445},
        Case{"2030-01-02T05:04:05+02:00", 1893553445},
        Case{"2030-01-02T00:04:05-0300", 1893553445}}) {
    std::string script =
        dir.Write("t.sh",
                  "#!/bin/sh\necho '{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\","
                  "\"Expiration\":\"" +
                      k.text + "\"}'\n",
                  true);
    auto files = ConfigFiles::FromStrings("[default]\ncredential_process = " + script + "\n", "");
    Credentials c;
    Status s = Chain(QuietEnv(), files)->GetCredentials(&c);
    ASSERT_TRUE(s.ok()) << k.text << ": " << s.ToString();
    ASSERT_TRUE(c.expiration.has_value());
    EXPECT_EQ(system_clock::to_time_t(*c.expiration), k.want) << k.text;
  }
}

// --- container and instance metadata over a loopback HTTP server ------------

struct SeenRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // names lower-cased
};
struct Reply {
  int status = 200;
  std::string body;
};

// A one-request-per-connection HTTP/1.1 server on 127.0.0.1, port chosen by
// the kernel, answering with `handler` on its own thread.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::function<Reply(const SeenRequest&)> handler)
      : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 16) != 0) {
      ADD_FAILURE() << "cannot listen on loopback";
      return;
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<SeenRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      Handle(c);
      ::close(c);
    }
  }

  void Handle(int c) {
    std::string data;
    char buf[4096];
    size_t header_end = std::string::npos;
    while (header_end == std::string::npos) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) return;
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) return;
      data.append(buf, static_cast<size_t>(n));
      header_end = data.find("\r\n\r\n");
    }
    SeenRequest req;
    size_t line_end = data.find("\r\n");
    std::string request_line = data.substr(0, line_end);
    size_t sp1 = request_line.find(' ');
    size_t sp2 = request_line.find(' ', sp1 + 1);
    req.method = request_line.substr(0, sp1);
    req.path = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = line_end + 2;
    while (pos < header_end) {
      size_t e = data.find("\r\n", pos);
      std::string h = data.substr(pos, e - pos);
      size_t colon = h.find(':');
      std::string name = h.substr(0, colon);
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      std::string value = h.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      req.headers[name] = value;
      pos = e + 2;
    }
    size_t want = 0;
    if (auto it = req.headers.find("content-length"); it != req.headers.end()) {
      want = std::stoul(it->second);
    }
    while (data.size() - header_end - 4 < want) {
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      data.append(buf, static_cast<size_t>(n));
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(req);
    }
    Reply reply = handler_(req);
    std::string out = "HTTP/1.1 " + std::to_string(reply.status) +
                      " X\r\nContent-Length: " + std::to_string(reply.body.size()) +
                      "\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" +
                      reply.body;
    size_t sent = 0;
    while (sent < out.size()) {
      ssize_t n = ::send(c, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
  }

  std::function<Reply(const SeenRequest&)> handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<SeenRequest> seen_;
};

std::string Header(const SeenRequest& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

std::string MetadataJson(const std::string& token_key, system_clock::time_point expiration) {
  return "{\"Code\": \"Success\", \"AccessKeyId\": \"AKMETA\", \"SecretAccessKey\": \"" +
         std::string(kSecret) + "\", \"" + token_key + "\": \"TOKMETA\", \"Expiration\": \"" +
         Iso8601(expiration) + "\"}";
}

TEST(ContainerCredentialsTest, FullUriWithAuthorizationToken) {
  auto expiration = system_clock::now() + std::chrono::hours(6);
  LoopbackServer server([&](const SeenRequest& r) {
    if (r.method != "GET" || r.path != "/v2/creds") return Reply{404, ""};
    if (Header(r, "authorization") != "Bearer s3cr3t") return Reply{401, "{}"};
    return Reply{200, MetadataJson("Token", expiration)};
  });
  HttpClient http;
  auto env = QuietEnv();
  env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = server.url() + "/v2/creds";
  env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "Bearer s3cr3t";
  auto chain = Chain(env, ConfigFiles::FromStrings("", ""), "default", false, &http);
  Credentials c;
  Status s = chain->GetCredentials(&c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(c.access_key_id, "AKMETA");
  EXPECT_EQ(c.session_token, "TOKMETA");
  EXPECT_EQ(c.source, "container");
  ASSERT_TRUE(c.expiration.has_value());
  ASSERT_TRUE(chain->GetCredentials(&c).ok());
  EXPECT_EQ(server.requests().size(), 1u);  // cached: six hours left

  // Without the token the endpoint refuses; that is an error, not a fall-through.
  env.erase("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  s = Chain(env, ConfigFiles::FromStrings("", ""), "default", false, &http)->GetCredentials(&c);
  EXPECT_EQ(s.code(), Status::Code::kNoCredentials);
  EXPECT_NE(s.message().find("HTTP 401"), std::string::npos) << s.message();
}

TEST(ContainerCredentialsTest, TokenFileAndRefresh) {
  TempDir dir;
  std::string token_file = dir.Write("token", "file-token\n");
  std::atomic<int> hits{0};
  LoopbackServer server([&](const SeenRequest& r) {
    if (Header(r, "authorization") != "file-token") return Reply{403, ""};
    ++hits;
    return Reply{200, MetadataJson("Token", system_clock::now() + std::chrono::minutes(2))};
  });
  HttpClient http;
  auto env = QuietEnv();
  env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = server.url() + "/creds";
  env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = token_file;
  env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "ignored-when-file-set";
  auto chain = Chain(env, nullptr, "default", false, &http);
  Credentials c;
  Status s = chain->GetCredentials(&c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(chain->GetCredentials(&c).ok());
  EXPECT_EQ(hits.load(), 2);  // two minutes left: refreshed on every call
}

TEST(ContainerCredentialsTest, PlainHttpOnlyToLoopback) {
  HttpClient http;
  auto env = QuietEnv();
  env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://example.com/creds";
  Credentials c;
  Status s = Chain(env, nullptr, "default", false, &http)->GetCredentials(&c);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("example.com"), std::string::npos);
}

class ImdsTest : public ::testing::Test {
 protected:
  // An IMDSv2 double: tokens required unless `v1_only`.
  void Start(bool v1_only) {
    server_ = std::make_unique<LoopbackServer>([this, v1_only](const SeenRequest& r) {
      if (r.method == "PUT" && r.path == "/latest/api/token") {
        if (v1_only) return Reply{404, ""};
        if (Header(r, "x-aws-ec2-metadata-token-ttl-seconds") != "21600") return Reply{400, ""};
        return Reply{200, "imds-token-1"};
      }
      if (!v1_only && Header(r, "x-aws-ec2-metadata-token") != "imds-token-1") {
        return Reply{401, ""};
      }
      if (r.method == "GET" && r.path == "/latest/meta-data/iam/security-credentials/") {
        return Reply{200, "my-role\n"};
      }
      if (r.method == "GET" && r.path == "/latest/meta-data/iam/security-credentials/my-role") {
        return Reply{200, MetadataJson("Token", system_clock::now() + std::chrono::hours(1))};
      }
      return Reply{404, ""};
    });
  }
  std::map<std::string, std::string> Env() {
    return {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", server_->url() + "/"}};
  }

  HttpClient http_;
  std::unique_ptr<LoopbackServer> server_;
};

TEST_F(ImdsTest, V2TokenThenRoleThenCredentials) {
  Start(/*v1_only=*/false);
  auto chain = Chain(Env(), ConfigFiles::FromStrings("", ""), "default", false, &http_);
  Credentials c;
  Status s = chain->GetCredentials(&c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(c.access_key_id, "AKMETA");
  EXPECT_EQ(c.secret_access_key, kSecret);
  EXPECT_EQ(c.session_token, "TOKMETA");
  EXPECT_EQ(c.source, "EC2 instance metadata (role my-role)");
  std::vector<SeenRequest> seen = server_->requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].method, "PUT");
  EXPECT_EQ(seen[2].path, "/latest/meta-data/iam/security-credentials/my-role");
  ASSERT_TRUE(chain->GetCredentials(&c).ok());
  EXPECT_EQ(server_->requests().size(), 3u);  // an hour left: cached
}

TEST_F(ImdsTest, FallsBackToV1WhenTokensAreRefused) {
  Start(/*v1_only=*/true);
  Credentials c;
  Status s = Chain(Env(), nullptr, "default", false, &http_)->GetCredentials(&c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(c.access_key_id, "AKMETA");

  auto env = Env();
  env["AWS_EC2_METADATA_V1_DISABLED"] = "true";
  s = Chain(env, nullptr, "default", false, &http_)->GetCredentials(&c);
  EXPECT_EQ(s.code(), Status::Code::kNoCredentials);
  EXPECT_NE(s.message().find("EC2 instance metadata ("), std::string::npos) << s.message();
}

TEST_F(ImdsTest, UnreachableIsNothingFoundAndFast) {
  int port;
  {
    LoopbackServer closed([](const SeenRequest&) { return Reply{}; });
    port = std::stoi(closed.url().substr(closed.url().rfind(':') + 1));
  }
  auto start = std::chrono::steady_clock::now();
  Credentials c;
  Status s =
      Chain({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:" + std::to_string(port)}},
            ConfigFiles::FromStrings("", ""), "default", false, &http_)
          ->GetCredentials(&c);
  EXPECT_EQ(s.code(), Status::Code::kNoCredentials);
  EXPECT_NE(s.message().find("EC2 instance metadata ("), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << s.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

}  // namespace
}  // namespace ddb::aws

namespace ddb::aws {
namespace {

// Past the middle of the time before the last five minutes: the caller gets
// the current set at once, and one renewal runs in the background; its
// result is used afterwards.
TEST(ContainerCredentialsTest, RenewsInTheBackgroundBeforeTheRefreshWindow) {
  std::atomic<int> hits{0};
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  LoopbackServer server([&](const SeenRequest&) {
    int n = ++hits;
    if (n == 2) {  // the renewal waits until the test has checked the caller did not
      std::unique_lock<std::mutex> lock(mu);
      cv.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
    }
    std::string json = MetadataJson(
        "Token", system_clock::now() + std::chrono::minutes(5) + std::chrono::seconds(3));
    size_t at = json.find("\"AccessKeyId\": \"");
    if (at != std::string::npos) json.insert(at + 16, "N" + std::to_string(n));
    return Reply{200, json};
  });
  HttpClient http;
  auto env = QuietEnv();
  env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = server.url() + "/creds";
  auto chain = Chain(env, nullptr, "default", false, &http);
  Credentials first, c;
  ASSERT_TRUE(chain->GetCredentials(&first).ok());
  ASSERT_TRUE(chain->GetCredentials(&c).ok());  // too early for a renewal
  EXPECT_EQ(hits.load(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));
  ASSERT_TRUE(chain->GetCredentials(&c).ok());  // starts the renewal, does not wait
  EXPECT_EQ(c.access_key_id, first.access_key_id);
  ASSERT_TRUE(chain->GetCredentials(&c).ok());  // one renewal at a time
  EXPECT_EQ(c.access_key_id, first.access_key_id);
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (c.access_key_id == first.access_key_id && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(chain->GetCredentials(&c).ok());
  }
  EXPECT_NE(c.access_key_id, first.access_key_id);
  EXPECT_EQ(c.access_key_id.rfind("N2", 0), 0u) << c.access_key_id;
  EXPECT_GE(hits.load(), 2);
}

// The CLI's cache file names, as botocore computes them (the expected
// hashes: Python's hashlib.sha1(json.dumps(args, sort_keys=True))).
TEST(RoleCacheFileTest, KeysFilesAsBotocoreDoes) {
  AssumeRoleParams p;
  p.role_arn = "arn:aws:iam::123456789012:role/reader";
  p.role_session_name = "analyst";
  p.external_id = "ext-42";
  p.mfa_serial = "arn:aws:iam::123456789012:mfa/alice";
  p.duration = 1800;
  EXPECT_EQ(RoleCacheFile("/h/", p, true),
            "/h/.aws/cli/cache/9c2230a3ae073c92d41249abd3e06cea71c1f831.json");
  // A generated session name is not part of the key; non-ASCII is escaped.
  AssumeRoleParams q;
  q.role_arn = "arn:aws:iam::123456789012:role/r\xc3\xa9";
  q.role_session_name = DefaultRoleSessionName();
  EXPECT_EQ(RoleCacheFile("/h", q, false),
            "/h/.aws/cli/cache/34fb7d6247a100023b511e9810d1e83dab242f95.json");
  EXPECT_EQ(RoleCacheFile("", q, false), "");  // no HOME: no cache
}

}  // namespace
}  // namespace ddb::aws
