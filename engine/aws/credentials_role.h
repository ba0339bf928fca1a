// Fetchers of temporary credentials that the default chain (credentials.cc)
// caches and renews: assume role, web identity and IAM Identity Center. Each
// Fetch() obtains a fresh set; the chain decides when to call it.
#pragma once

#include <memory>
#include <string>

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
std::unique_ptr<CredentialsFetcher> NewAssumeRoleFetcher(
    std::string profile, AssumeRoleParams params, std::shared_ptr<CredentialsProvider> source,
    std::unique_ptr<StsClient> sts);

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
