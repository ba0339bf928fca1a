// Container credentials: the ECS task role endpoint and EKS Pod Identity
// (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / AWS_CONTAINER_CREDENTIALS_FULL_URI,
// with the authorization token), as the SDKs ask them.
#include <optional>
#include <string>
#include <utility>

#include "engine/aws/credentials_role.h"
#include "engine/aws/credentials_sources.h"
#include "engine/aws/http.h"
#include "engine/strings.h"

namespace ddb::aws {

namespace {

constexpr char kContainerHost[] = "http://169.254.170.2";
constexpr long kContainerRequestTimeoutMs = 5000;

// The host part of an http(s) URL, lower-cased; empty when there is none.
std::string UrlHost(const std::string& url, std::string* scheme) {
  size_t sep = url.find("://");
  if (sep == std::string::npos) return {};
  *scheme = str::Lower(url.substr(0, sep));
  size_t start = sep + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
  if (authority.find('@') != std::string::npos) return {};
  std::string host;
  if (!authority.empty() && authority[0] == '[') {
    host = authority.substr(0, authority.find(']') + 1);
  } else {
    host = authority.substr(0, authority.find(':'));
  }
  return str::Lower(host);
}

// Plain-http container endpoints are only trusted on loopback and on the
// link-local addresses ECS and EKS use, as the SDKs require.
bool AllowedPlainHttpHost(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]" ||
         host == "169.254.170.2" || host == "169.254.170.23" || host == "[fd00:ec2::23]";
}

}  // namespace

Status ContainerCredentials(const GetEnv& env, HttpClient* http, Credentials* out, bool* found) {
  *found = false;
  std::optional<std::string> relative = EnvValue(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  std::optional<std::string> full = EnvValue(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (!relative && !full) return Status::OK();
  const std::string what = "container credentials";
  if (http == nullptr) return Status::NoCredentials(what + ": no HTTP client");

  std::string url;
  if (relative) {
    url = std::string(kContainerHost) + ((*relative)[0] == '/' ? "" : "/") + *relative;
  } else {
    url = *full;
    std::string scheme;
    std::string host = UrlHost(url, &scheme);
    if (host.empty() || (scheme != "http" && scheme != "https")) {
      return Status::InvalidArgument("AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http(s) URL");
    }
    if (scheme == "http" && !AllowedPlainHttpHost(host)) {
      return Status::InvalidArgument(
          "AWS_CONTAINER_CREDENTIALS_FULL_URI: plain http is only allowed to a loopback "
          "address or the ECS/EKS credential addresses, not " +
          host);
    }
  }

  HttpRequest req;
  req.method = "GET";
  req.url = url;
  req.headers.emplace_back("Accept", "application/json");
  req.connect_timeout_ms = kMetadataConnectTimeoutMs;
  req.request_timeout_ms = kContainerRequestTimeoutMs;
  std::optional<std::string> token;
  if (auto path = EnvValue(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    // Re-read on every refresh: EKS Pod Identity rotates the file.
    std::string text;
    Status s = ReadSmallFile(*path, 64 * 1024, &text);
    if (!s.ok()) return Status::IOError("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: " + s.message());
    token = std::string(str::Trim(text));
  } else {
    token = EnvValue(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  if (token) {
    if (token->find_first_of("\r\n") != std::string::npos) {
      return Status::InvalidArgument(what + ": the authorization token contains a line break");
    }
    req.headers.emplace_back("Authorization", *token);
  }

  HttpResponse resp;
  Status s;
  for (int attempt = 0; attempt < 2; ++attempt) {
    resp = HttpResponse();
    s = http->Send(req, &resp);
    if (!RetryMetadataCall(s, resp.status)) break;
  }
  if (!s.ok()) return Status::NoCredentials(what + ": " + s.message());
  if (resp.status != 200) {
    return Status::NoCredentials(what + ": the endpoint answered HTTP " +
                                 std::to_string(resp.status));
  }
  Credentials c;
  s = CredentialsFromJson(resp.body, what, "Token", /*want_version=*/false, &c);
  if (!s.ok()) return s;
  c.source = "container";
  *out = std::move(c);
  *found = true;
  return Status::OK();
}

}  // namespace ddb::aws
