// AWS STS over its Query API (form-encoded POST, XML answers): AssumeRole
// (signed by the source identity), AssumeRoleWithWebIdentity (unsigned) and
// GetCallerIdentity (`.whoami`). The endpoint is resolved like any other
// service's (config.h: AWS_ENDPOINT_URL_STS, the profile's `services` section
// `sts =`, ...), by default the regional https://sts.REGION.amazonaws.com.
//
// No message ever repeats a secret: errors quote only the service's error
// code and message, the role ARN and the step that failed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/aws/config.h"
#include "engine/aws/credentials.h"
#include "engine/aws/http.h"
#include "engine/status.h"

namespace ddb::aws {

struct AssumeRoleParams {
  std::string role_arn;
  std::string role_session_name;
  std::string external_id;      // empty: none
  std::string mfa_serial;       // empty: none
  std::string mfa_code;         // with mfa_serial
  std::optional<int> duration;  // seconds; nullopt: the role's default
};

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

class StsClient {
 public:
  // `http` must outlive the client.
  StsClient(HttpClient* http, Endpoint endpoint, std::string region);

  // Errors are AwsError with the service's code ("AccessDenied") and a
  // message that names the role ARN; transport failures are Transport.
  Status AssumeRole(const Credentials& source, const AssumeRoleParams& params, Credentials* out);
  Status AssumeRoleWithWebIdentity(const std::string& role_arn, const std::string& session_name,
                                   const std::string& token, Credentials* out);
  Status GetCallerIdentity(const Credentials& creds, CallerIdentity* out);

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  // Sends Action=... with `params` (already "&k=v" encoded), signed with
  // `creds` unless null; retries transport errors, 5xx and throttling twice.
  Status Call(const std::string& action, const std::string& params, const Credentials* creds,
              std::string* body);

  HttpClient* const http_;
  const Endpoint endpoint_;
  const std::string region_;
};

// ---- XML, exposed for tests ----

// Parses <ActionResponse><ActionResult><Credentials>... (AssumeRole and
// AssumeRoleWithWebIdentity); sets account_id and arn from
// <AssumedRoleUser><Arn>. Corruption when a field is missing.
Status ParseAssumeRoleResponse(std::string_view xml, std::string_view action, Credentials* out);
Status ParseCallerIdentityResponse(std::string_view xml, CallerIdentity* out);
// <ErrorResponse><Error><Code>..</Code><Message>..</Message></Error>; false
// when `xml` is not one.
bool ParseStsError(std::string_view xml, std::string* code, std::string* message);

// The account id of an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:...), or "".
std::string ArnAccount(std::string_view arn);

}  // namespace ddb::aws
