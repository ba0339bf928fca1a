// EC2 instance metadata credentials: IMDSv2 (a session token, then the
// instance role's name, then its credentials), falling back to IMDSv1 unless
// that is disabled; the endpoint and its IPv6 mode from the environment or
// the profile.
#include <optional>
#include <string>
#include <utility>

#include "engine/aws/config.h"
#include "engine/aws/credentials_sources.h"
#include "engine/aws/http.h"
#include "engine/strings.h"

namespace ddb::aws {

namespace {

constexpr char kImdsEndpoint[] = "http://169.254.169.254";
constexpr char kImdsEndpointIpv6[] = "http://[fd00:ec2::254]";
constexpr char kImdsTokenPath[] = "/latest/api/token";
constexpr char kImdsRolesPath[] = "/latest/meta-data/iam/security-credentials/";
constexpr char kImdsTokenTtl[] = "21600";
constexpr long kImdsRequestTimeoutMs = 2000;

bool IsTrue(std::string_view v) { return str::EqualsIgnoreCase(str::Trim(v), "true"); }

// The metadata service as one chain sees it, for one call.
class InstanceMetadata {
 public:
  InstanceMetadata(const GetEnv& env, const ConfigFiles* files, const std::string& profile,
                   HttpClient* http)
      : env_(env), files_(files), profile_(profile), http_(http) {}

  // IMDSv2: a session token, then the role name, then its credentials.
  // Falls back to IMDSv1 when the token call is refused (403/404/405), as
  // the SDKs do, unless v1 is disabled.
  Status Fetch(Credentials* out) {
    const std::string base = Endpoint();
    HttpResponse resp;
    // No retry of an unanswered token request: without IMDS it would only
    // double the wait.
    Status s = Send("PUT", base + kImdsTokenPath,
                    {{"X-aws-ec2-metadata-token-ttl-seconds", kImdsTokenTtl}},
                    /*retry=*/false, &resp);
    if (!s.ok()) return Status::NoCredentials(s.message());
    if (resp.status >= 500) {
      s = Send("PUT", base + kImdsTokenPath,
               {{"X-aws-ec2-metadata-token-ttl-seconds", kImdsTokenTtl}}, false, &resp);
      if (!s.ok()) return Status::NoCredentials(s.message());
    }
    Headers auth;
    if (resp.status == 200) {
      auth.emplace_back("X-aws-ec2-metadata-token", std::string(str::Trim(resp.body)));
    } else if ((resp.status == 403 || resp.status == 404 || resp.status == 405) && !V1Disabled()) {
      // IMDSv1: no token.
    } else {
      return Status::NoCredentials(base + " token request answered HTTP " +
                                   std::to_string(resp.status));
    }

    s = Send("GET", base + kImdsRolesPath, auth, true, &resp);
    if (!s.ok()) return Status::NoCredentials(s.message());
    if (resp.status == 404) return Status::NoCredentials("no IAM role attached to the instance");
    if (resp.status != 200) {
      return Status::NoCredentials(base + " role lookup answered HTTP " +
                                   std::to_string(resp.status));
    }
    std::string_view roles = str::Trim(resp.body);
    std::string role(str::Trim(roles.substr(0, roles.find('\n'))));
    if (role.empty()) return Status::NoCredentials("no IAM role attached to the instance");

    s = Send("GET", base + kImdsRolesPath + UriEncode(role), auth, true, &resp);
    if (!s.ok()) return Status::NoCredentials(s.message());
    if (resp.status != 200) {
      return Status::NoCredentials(base + " credentials of role " + role + " answered HTTP " +
                                   std::to_string(resp.status));
    }
    Credentials c;
    s = CredentialsFromJson(resp.body, "EC2 instance metadata", "Token", false, &c);
    if (!s.ok()) return s;
    c.source = "EC2 instance metadata (role " + role + ")";
    *out = std::move(c);
    return Status::OK();
  }

 private:
  std::string Endpoint() const {
    std::optional<std::string> e = EnvValue(env_, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
    if (!e && files_) e = files_->ProfileValue(profile_, "ec2_metadata_service_endpoint");
    std::string base;
    if (e && !e->empty()) {
      base = *e;
    } else {
      std::optional<std::string> mode = EnvValue(env_, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
      if (!mode && files_)
        mode = files_->ProfileValue(profile_, "ec2_metadata_service_endpoint_mode");
      bool v6 = mode && (str::Trim(*mode) == "IPv6" || str::Trim(*mode) == "ipv6");
      base = v6 ? kImdsEndpointIpv6 : kImdsEndpoint;
    }
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base;
  }

  bool V1Disabled() const {
    std::optional<std::string> v = EnvValue(env_, "AWS_EC2_METADATA_V1_DISABLED");
    if (!v && files_) v = files_->ProfileValue(profile_, "ec2_metadata_v1_disabled");
    return v && IsTrue(*v);
  }

  // One metadata request with at most one retry (`retry` false: none).
  Status Send(const std::string& method, const std::string& url, const Headers& headers, bool retry,
              HttpResponse* resp) {
    HttpRequest req;
    req.method = method;
    req.url = url;
    req.headers = headers;
    req.connect_timeout_ms = kMetadataConnectTimeoutMs;
    req.request_timeout_ms = kImdsRequestTimeoutMs;
    Status s;
    for (int attempt = 0; attempt < (retry ? 2 : 1); ++attempt) {
      *resp = HttpResponse();
      s = http_->Send(req, resp);
      if (!RetryMetadataCall(s, resp->status)) break;
    }
    return s;
  }

  const GetEnv& env_;
  const ConfigFiles* const files_;  // may be null
  const std::string& profile_;
  HttpClient* const http_;
};

}  // namespace

bool ImdsDisabled(const GetEnv& env) {
  std::optional<std::string> v = EnvValue(env, "AWS_EC2_METADATA_DISABLED");
  return v && IsTrue(*v);
}

Status InstanceMetadataCredentials(const GetEnv& env, const ConfigFiles* files,
                                   const std::string& profile, HttpClient* http, Credentials* out) {
  return InstanceMetadata(env, files, profile, http).Fetch(out);
}

}  // namespace ddb::aws
