// Credentials and the providers that find them, in the AWS SDKs' order:
//
//   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
//   2. shared files for the chosen profile, in botocore's order:
//      a. assume role: `role_arn` (without web_identity_token_file) with
//         `source_profile` (static keys, credential_process, SSO, web
//         identity, or itself a role: chains are followed, loops refused) or
//         `credential_source` (Environment, Ec2InstanceMetadata,
//         EcsContainer); role_session_name, external_id, duration_seconds,
//         mfa_serial (the code is asked for on the terminal)
//      b. web identity: AWS_WEB_IDENTITY_TOKEN_FILE / AWS_ROLE_ARN /
//         AWS_ROLE_SESSION_NAME (not with --profile), else the profile's
//         web_identity_token_file / role_arn / role_session_name
//      c. IAM Identity Center: sso_account_id / sso_role_name (engine/aws/sso.h)
//      d. static keys in the credentials file, then `credential_process`
//         (either file), then static keys in the config file
//   3. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on
//      169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI, with
//      AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)
//   4. EC2 instance metadata, IMDSv2 (token PUT, then role and credentials);
//      AWS_EC2_METADATA_DISABLED=true skips it
//
// An explicitly chosen profile (AWS_PROFILE or --profile) that does not exist
// is an error, not a fall-through. Expiring credentials are renewed in the
// background when less than 15 minutes remain (the caller keeps using the
// current ones), and the caller waits for a renewal only when less than five
// minutes remain. Secrets never appear in any message.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace ddb::aws {

class HttpClient;
class ConfigFiles;

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty when none
  // When the credentials stop working; nullopt for long-term keys.
  std::optional<std::chrono::system_clock::time_point> expiration;
  std::string source;  // where they came from, for `.show`-style output (no secrets)
  // The identity, when the source tells it without another call (assumed
  // roles, SSO); empty otherwise.
  std::string account_id;
  std::string arn;

  bool empty() const { return access_key_id.empty() || secret_access_key.empty(); }
};

// Reads an environment variable; injectable so tests need not touch the real
// environment.
using GetEnv = std::function<std::optional<std::string>(const std::string& name)>;
GetEnv ProcessEnv();

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Fills `out` with credentials valid now. Thread-safe.
  virtual Status GetCredentials(Credentials* out) = 0;
  // The account of the cached credentials when the source told it (assumed
  // roles, SSO); "" otherwise. Never resolves or refreshes anything.
  virtual std::string KnownAccount() const { return {}; }
};

// Parses an RFC 3339 / ISO 8601 timestamp as credential sources write them
// (2024-05-01T12:00:00Z, optional fraction and numeric offset; a zone is
// required).
bool ParseTimestamp(std::string_view s, std::chrono::system_clock::time_point* out);

// A provider that always returns `creds` (tests, --no-sign-request style use).
std::unique_ptr<CredentialsProvider> StaticCredentials(Credentials creds);

// The default chain described above. `profile` is the resolved profile name
// (Settings::profile), `explicit_profile` whether the user chose it. `files`
// may be null (no profile step). `http` is used for container and
// instance-metadata credentials with short per-request timeouts and must
// outlive the provider; null skips those steps. `profile_from_flag`: the
// profile was named on the command line (--profile), which, as in the AWS
// CLI, skips the environment's keys; AWS_PROFILE does not.
//
// `region` is the STS region (the connection's).
//
// Errors: an explicit profile missing from both files (NotFound); every
// failure of a role, web identity or SSO step names the profile and the step
// (AssumeRole of ROLE_ARN: AccessDenied ..., a source_profile loop, a
// missing token file, an unknown sso-session, an SSO login needed);
// AWS_ACCESS_KEY_ID without
// AWS_SECRET_ACCESS_KEY, or a profile key id without its secret; a failing
// credential_process or container endpoint (NoCredentials, never echoing the
// output); nothing found (NoCredentials listing each source tried). An
// unreachable instance-metadata service is "nothing found", not an error.
// Credentials::source: "environment", "profile NAME (credentials file)",
// "profile NAME (config file)", "credential_process (profile NAME)",
// "container", "EC2 instance metadata (role NAME)", "role ARN (profile
// NAME)", "web identity role ARN", "IAM Identity Center (profile NAME, role R)".
std::unique_ptr<CredentialsProvider> DefaultCredentialsChain(
    GetEnv env, std::shared_ptr<const ConfigFiles> files, std::string profile,
    bool explicit_profile, HttpClient* http, bool profile_from_flag = false,
    std::string region = "us-east-1");

}  // namespace ddb::aws
