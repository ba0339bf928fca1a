// Fetchers of temporary credentials that the default chain (credentials.cc)
// caches and renews: assume role, web identity and IAM Identity Center. Each
// Fetch() obtains a fresh set; the chain decides when to call it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "engine/aws/credentials.h"
#include "engine/aws/sso.h"
#include "engine/aws/sts.h"
#include "engine/status.h"

namespace ddb::aws {

class CredentialsFetcher {
 public:
  virtual ~CredentialsFetcher() = default;
  // Called by one thread at a time.
  virtual Status Fetch(Credentials* out) = 0;
  // False when a fetch may need the user (an MFA code): never in the background.
  virtual bool CanRenewInBackground() const { return true; }
};

// AssumeRole of `params.role_arn`, signed by `source`'s credentials. With
// params.mfa_serial, the first fetch asks for the code on the terminal
// (stdin must be one) and later ones fail: an MFA session cannot be renewed
// without the user, as in botocore.
//
// `cache_file` (empty: none) is the AWS CLI's cache of this role's
// credentials (RoleCacheFile): a set there with at least 15 minutes left is
// used instead of calling STS (so one MFA code serves the CLI and ddbsql
// alike until the session ends), and a set from STS is written there.
std::unique_ptr<CredentialsFetcher> NewAssumeRoleFetcher(
    std::string profile, AssumeRoleParams params, std::shared_ptr<CredentialsProvider> source,
    std::unique_ptr<StsClient> sts, std::string cache_file = "");

// The AWS CLI's cache file of an assume-role profile's credentials:
// `home`/.aws/cli/cache/<key>.json, where <key> is the SHA-1 (hex) of
// Python's json.dumps(sort_keys=True) of the AssumeRole arguments the
// profile sets (RoleArn, and RoleSessionName, ExternalId, SerialNumber,
// DurationSeconds when given), as botocore's AssumeRoleCredentialFetcher
// keys it. `session_name_given`: role_session_name is in the profile (a
// generated one is not part of the key).
std::string RoleCacheFile(const std::string& home, const AssumeRoleParams& params,
                          bool session_name_given);

// Replaces `path` atomically with `text`, readable by the owner only (the
// file holds secrets), creating its directory (0700) when missing, as the
// CLI's JSONFileCache does.
Status WriteFileAtomically(const std::string& path, const std::string& text);

// AssumeRoleWithWebIdentity with the token in `token_file`, read again on
// every fetch (Kubernetes rotates it). `where` names the configuration in
// errors: "profile NAME" or "the environment".
std::unique_ptr<CredentialsFetcher> NewWebIdentityFetcher(std::string where, std::string token_file,
                                                          std::string role_arn,
                                                          std::string session_name,
                                                          std::unique_ptr<StsClient> sts);

std::unique_ptr<CredentialsFetcher> NewSsoFetcher(std::unique_ptr<SsoCredentialsFetcher> sso);

// Reads a small file (token files, the SSO token cache) whole. A file that
// does not exist sets *missing (when not null) and is OK; otherwise it is
// IOError "cannot read PATH: reason". Larger than `max_bytes`: IOError.
Status ReadSmallFile(const std::string& path, size_t max_bytes, std::string* text,
                     bool* missing = nullptr);

// "ddbsql-session-<unix seconds>", as botocore names its default sessions.
std::string DefaultRoleSessionName();

}  // namespace ddb::aws
