// IAM Identity Center (SSO) credentials, resolved as the AWS CLI v2 and
// botocore do:
//
//   - a profile uses SSO when it has sso_account_id or sso_role_name; its
//     start URL and region come from the profile itself (the older form,
//     sso_start_url + sso_region) or from the [sso-session NAME] section its
//     sso_session names (values given in both must agree);
//   - the access token is the one `aws sso login` left in
//     ~/.aws/sso/cache/<sha1>.json, where the SHA-1 (hex) is of the session
//     name for the sso_session form and of the start URL for the older form;
//   - with the sso_session form, a token within 15 minutes of expiry is
//     renewed with SSO OIDC CreateToken (refresh_token grant, with the cached
//     clientId/clientSecret while registrationExpiresAt is in the future)
//     and the cache file is rewritten as the CLI writes it;
//   - role credentials come from the portal's GetRoleCredentials
//     (https://portal.sso.REGION.amazonaws.com, AWS_ENDPOINT_URL_SSO), the
//     token from OIDC (https://oidc.REGION.amazonaws.com,
//     AWS_ENDPOINT_URL_SSO_OIDC); both calls are unsigned.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "engine/aws/config.h"
#include "engine/aws/credentials.h"
#include "engine/aws/http.h"
#include "engine/status.h"

namespace ddb::aws {

struct SsoProfile {
  std::string profile;
  std::string session_name;  // empty: the older form (sso_start_url in the profile)
  std::string start_url;
  std::string sso_region;
  std::string account_id;
  std::string role_name;
};

// Reads the SSO settings of `profile`. *found is false when the profile is
// not an SSO profile. Errors (InvalidArgument, naming the profile): an
// sso_session that has no [sso-session NAME] section, a required setting
// missing, a value that differs between profile and session.
Status ReadSsoProfile(const ConfigFiles& files, const std::string& profile, SsoProfile* out,
                      bool* found);

// The file name (without directory) of the cached token: sha1 hex + ".json".
std::string SsoCacheFileName(const SsoProfile& sso);

// The endpoint of the SSO portal (`service` "sso") or of SSO OIDC ("sso oidc")
// for `profile` in `sso_region`: AWS_ENDPOINT_URL_SSO / _SSO_OIDC,
// AWS_ENDPOINT_URL, the profile's `services` section (`sso =`, `sso_oidc =`),
// else https://portal.sso.REGION.amazonaws.com / https://oidc.REGION.amazonaws.com.
Status ResolveSsoEndpoint(const std::string& service, const GetEnv& env, const ConfigFiles& files,
                          const std::string& profile, const std::string& sso_region, Endpoint* out);

// Fetches role credentials for one SSO profile. Thread-compatible (the
// caller serializes Fetch calls).
class SsoCredentialsFetcher {
 public:
  // `http` must outlive the fetcher. `files` and `env` also give the
  // endpoints (AWS_ENDPOINT_URL_SSO, the profile's `services` section).
  SsoCredentialsFetcher(SsoProfile sso, GetEnv env, std::shared_ptr<const ConfigFiles> files,
                        HttpClient* http);

  // A token that is missing, expired or refused is NoCredentials with one
  // line naming the profile and the `aws sso login` command that fixes it.
  Status Fetch(Credentials* out);

  const SsoProfile& sso() const { return sso_; }

 private:
  Status CachePath(std::string* path) const;
  Status LoginNeeded(const std::string& why) const;
  // Renews the token in `doc` (a cached token document); true when it did
  // and wrote the cache back.
  bool TryRefreshToken(const std::string& path, nlohmann::json* doc);

  const SsoProfile sso_;
  const GetEnv env_;
  const std::shared_ptr<const ConfigFiles> files_;
  HttpClient* const http_;
};

}  // namespace ddb::aws
