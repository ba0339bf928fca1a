// Shared AWS config and credentials files, and the settings resolved from
// them, the environment and command-line flags, with the AWS SDKs' precedence.
//
//   profile:   --profile > AWS_PROFILE > "default"
//   region:    --region > AWS_REGION > AWS_DEFAULT_REGION > profile `region`
//   endpoint:  the service's flag (--endpoint-url for DynamoDB alone,
//              --s3-endpoint-url for S3, as the AWS CLI's --endpoint-url is
//              for the one service it calls) > AWS_ENDPOINT_URL_<SERVICE>
//              > AWS_ENDPOINT_URL > the profile's `services` section
//              (`dynamodb =` / `s3 =` sub-section `endpoint_url`) > profile
//              `endpoint_url` > AWS default;
//              AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (or the profile's
//              `ignore_configured_endpoint_urls`) skips all but the flag.
//   retries:   AWS_RETRY_MODE / `retry_mode` (standard, legacy, adaptive),
//              AWS_MAX_ATTEMPTS / `max_attempts`
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/aws/credentials.h"
#include "engine/status.h"

namespace ddb::aws {

class ConfigFiles {
 public:
  // Loads the config file (AWS_CONFIG_FILE, default ~/.aws/config) and the
  // credentials file (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials).
  // A missing file is not an error; an unreadable one (a directory, no
  // permission) is IOError naming the path. `~` expands from HOME. Malformed
  // lines are InvalidArgument naming the file and line number (never the
  // line itself: it may hold a secret).
  static Status Load(const GetEnv& env, std::shared_ptr<ConfigFiles>* out);
  // From file contents (tests); malformed lines are skipped.
  static std::shared_ptr<ConfigFiles> FromStrings(std::string_view config_text,
                                                  std::string_view credentials_text);

  // The profile exists in either file ("default" is [default] in both;
  // others are [profile NAME] in config and [NAME] in credentials).
  bool HasProfile(const std::string& profile) const;
  // OK when HasProfile(profile); otherwise NotFound "profile NAME not found in
  // CONFIG_PATH or CREDENTIALS_PATH".
  Status RequireProfile(const std::string& profile) const;
  // `key` of `profile` in the config file / the credentials file.
  std::optional<std::string> ConfigValue(const std::string& profile, const std::string& key) const;
  std::optional<std::string> CredentialsValue(const std::string& profile,
                                              const std::string& key) const;
  // `key` of `profile` with the credentials file winning over the config
  // file, as botocore merges them (a `region` in the credentials file counts).
  std::optional<std::string> ProfileValue(const std::string& profile, const std::string& key) const;
  // `key` in the `service` sub-section of [services NAME].
  std::optional<std::string> ServiceValue(const std::string& services_name,
                                          const std::string& service, const std::string& key) const;

  // The paths the files were (or would have been) read from, for messages.
  const std::string& config_path() const { return config_path_; }
  const std::string& credentials_path() const { return credentials_path_; }

  // Keys are lower-cased; an indented sub-property `s3 =` / `  foo = bar` of
  // a profile is stored as key "s3.foo".
  using Section = std::map<std::string, std::string>;

  // `key` of the config file's [sso-session NAME] section.
  bool HasSsoSession(const std::string& name) const { return sso_sessions_.count(name) > 0; }
  std::optional<std::string> SsoSessionValue(const std::string& name, const std::string& key) const;
  const Section* SsoSession(const std::string& name) const;

 private:
  std::map<std::string, Section> config_;        // profile name ("default", "dev")
  std::map<std::string, Section> credentials_;   // profile name ("default", "dev")
  std::map<std::string, Section> services_;      // "x.dynamodb" -> {endpoint_url: ...}
  std::map<std::string, Section> sso_sessions_;  // [sso-session NAME]
  std::string config_path_ = "config file";
  std::string credentials_path_ = "credentials file";
  friend class ConfigParser;
};

// Values the user gave on the command line (empty: not given).
struct Overrides {
  std::string profile;
  std::string region;
  // --endpoint-url: DynamoDB's endpoint only (S3 keeps its own chain, as
  // with the AWS CLI, whose --endpoint-url is for the service it calls).
  std::string endpoint_url;
  std::string s3_endpoint_url;  // --s3-endpoint-url
  // --cli-connect-timeout / --cli-read-timeout, in seconds as given ("" unset).
  std::string connect_timeout;
  std::string read_timeout;
};

// Parses a timeout in seconds as the AWS CLI takes it: a non-negative number
// (fractions allowed); 0 waits indefinitely.
bool ParseTimeoutSeconds(std::string_view text, double* seconds);

enum class RetryMode { kStandard, kLegacy, kAdaptive };

struct Settings {
  std::string profile;             // resolved profile name
  bool explicit_profile = false;   // chosen by flag or AWS_PROFILE
  bool profile_from_flag = false;  // chosen by --profile: environment keys are skipped
  std::string region;              // never empty after ResolveSettings
  RetryMode retry_mode = RetryMode::kStandard;
  int max_attempts = 3;   // default 3 (standard, adaptive) or 5 (legacy), as botocore
  std::string ca_bundle;  // AWS_CA_BUNDLE or profile ca_bundle
  // --cli-connect-timeout / cli_connect_timeout and --cli-read-timeout /
  // cli_read_timeout in seconds; -1 when neither is set (0: no limit).
  double connect_timeout_s = -1;
  double read_timeout_s = -1;
};

// Resolves profile, region and retry settings. Profile settings are read with
// ProfileValue. Errors: an explicit profile that exists in neither file
// (NotFound); no region anywhere, or one that is not a valid region name; a
// max_attempts that is not a positive integer; an unknown retry_mode
// (InvalidArgument naming where the value came from).
Status ResolveSettings(const GetEnv& env, const ConfigFiles& files, const Overrides& flags,
                       Settings* out);

struct Endpoint {
  std::string scheme;     // "https" or "http"
  std::string host;       // no port
  int port = 0;           // 0: the scheme's default
  std::string base_path;  // "" or a path prefix without trailing slash
  bool custom = false;    // not an AWS-generated endpoint (emulator, proxy)

  // scheme://host[:port]base_path
  std::string BaseUrl() const;
  // "host" or "host:port", as sent in the Host header and signed.
  std::string HostHeader() const;
};

// Resolves the endpoint of `service` ("dynamodb" or "s3"; flags.endpoint_url
// applies to "dynamodb" only, flags.s3_endpoint_url to "s3"). A malformed URL
// (no scheme, unknown scheme, empty host, bad port) is InvalidArgument naming
// where it came from ("AWS_ENDPOINT_URL_DYNAMODB: ..."). The AWS default is
// https://SERVICE.REGION.amazonaws.com (amazonaws.com.cn for cn- regions).
Status ResolveEndpoint(const std::string& service, const GetEnv& env, const ConfigFiles& files,
                       const Settings& settings, const Overrides& flags, Endpoint* out);

// Parses an endpoint URL as given by a user: http or https, a host (name,
// IPv4 or [IPv6]), an optional port and path; no user info, query, fragment
// or whitespace. A port equal to the scheme's default is dropped (port 0) so
// the Host header matches what SDKs sign. Sets custom = true.
Status ParseEndpointUrl(std::string_view url, Endpoint* out);
// `url` with its user info (user:password@) shown as ***, for messages.
std::string RedactUrlUserInfo(std::string_view url);

}  // namespace ddb::aws
