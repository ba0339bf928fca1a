// IAM Identity Center credentials: token cache, OIDC token refresh, portal.
#include "engine/aws/sso.h"

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <utility>

#include "engine/aws/credentials_role.h"
#include "engine/encoding.h"

namespace ddb::aws {

namespace {

using Clock = std::chrono::system_clock;

// As botocore's SSOTokenProvider: renew the access token when less than
// this much of it is left.
constexpr auto kTokenRefreshWindow = std::chrono::minutes(15);
constexpr size_t kMaxCacheFile = 1 << 20;
// As for STS: a background renewal must not hold up the end of the session.
constexpr long kRequestTimeoutMs = 15000;

std::string FormatUtc(Clock::time_point t) {
  std::time_t tt = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string JsonString(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

}  // namespace

Status ReadSsoProfile(const ConfigFiles& files, const std::string& profile, SsoProfile* out,
                      bool* found) {
  *found = false;
  auto get = [&](const char* key) { return files.ConfigValue(profile, key); };
  if (!get("sso_account_id") && !get("sso_role_name")) return Status::OK();
  *found = true;
  SsoProfile sso;
  sso.profile = profile;
  std::string missing;
  auto take = [&](const char* key, std::string* field) {
    std::optional<std::string> v = get(key);
    if (v && !v->empty()) *field = *v;
  };
  take("sso_start_url", &sso.start_url);
  take("sso_region", &sso.sso_region);
  take("sso_account_id", &sso.account_id);
  take("sso_role_name", &sso.role_name);
  if (std::optional<std::string> name = get("sso_session")) {
    sso.session_name = *name;
    const ConfigFiles::Section* session = files.SsoSession(*name);
    if (session == nullptr) {
      return Status::InvalidArgument("profile " + profile + ": sso_session " + *name +
                                     " has no [sso-session " + *name + "] section in " +
                                     files.config_path());
    }
    for (const char* key : {"sso_start_url", "sso_region"}) {
      auto it = session->find(key);
      if (it == session->end()) continue;
      std::string* field = std::string(key) == "sso_start_url" ? &sso.start_url : &sso.sso_region;
      if (!field->empty() && *field != it->second) {
        return Status::InvalidArgument("profile " + profile + ": " + key + " is " + *field +
                                       " in the profile but " + it->second + " in [sso-session " +
                                       *name + "]");
      }
      *field = it->second;
    }
  }
  for (auto [key, field] :
       {std::pair{"sso_start_url", &sso.start_url}, std::pair{"sso_region", &sso.sso_region},
        std::pair{"sso_account_id", &sso.account_id}, std::pair{"sso_role_name", &sso.role_name}}) {
    if (field->empty()) missing += (missing.empty() ? "" : ", ") + std::string(key);
  }
  if (!missing.empty()) {
    return Status::InvalidArgument(
        "profile " + profile + " is configured for IAM Identity Center (SSO) but lacks " + missing);
  }
  *out = std::move(sso);
  return Status::OK();
}

std::string SsoCacheFileName(const SsoProfile& sso) {
  return HexEncode(Sha1(sso.session_name.empty() ? sso.start_url : sso.session_name)) + ".json";
}

SsoCredentialsFetcher::SsoCredentialsFetcher(SsoProfile sso, GetEnv env,
                                             std::shared_ptr<const ConfigFiles> files,
                                             HttpClient* http)
    : sso_(std::move(sso)), env_(std::move(env)), files_(std::move(files)), http_(http) {}

Status SsoCredentialsFetcher::CachePath(std::string* path) const {
  std::optional<std::string> home = env_ ? env_("HOME") : std::nullopt;
  if (!home || home->empty()) {
    return Status::NoCredentials("profile " + sso_.profile +
                                 ": HOME is not set, so the SSO token cache "
                                 "(~/.aws/sso/cache) cannot be found");
  }
  std::string h = *home;
  while (h.size() > 1 && h.back() == '/') h.pop_back();
  *path = h + "/.aws/sso/cache/" + SsoCacheFileName(sso_);
  return Status::OK();
}

Status SsoCredentialsFetcher::LoginNeeded(const std::string& why) const {
  std::string fix = "aws sso login --profile " + sso_.profile;
  std::string msg = "profile " + sso_.profile + ": " + why + "; run `" + fix + "`";
  if (!sso_.session_name.empty()) {
    msg += " (or `aws sso login --sso-session " + sso_.session_name + "`)";
  }
  return Status::NoCredentials(msg);
}

Status ResolveSsoEndpoint(const std::string& service, const GetEnv& env, const ConfigFiles& files,
                          const std::string& profile, const std::string& sso_region,
                          Endpoint* out) {
  Settings settings;
  settings.profile = profile;
  settings.region = sso_region;
  // --endpoint-url is DynamoDB's; only the configured endpoints apply.
  Status s = ResolveEndpoint(service, env, files, settings, Overrides{}, out);
  if (!s.ok()) return s.WithContext("profile " + profile);
  if (!out->custom) {
    // The generic rule would give SERVICE.REGION...; these hosts differ.
    std::string suffix = out->host.substr(out->host.find('.' + sso_region + '.'));
    out->host = (service == "sso" ? "portal.sso" : "oidc") + suffix;
  }
  return Status::OK();
}

bool SsoCredentialsFetcher::TryRefreshToken(const std::string& path, nlohmann::json* doc) {
  const std::string refresh_token = JsonString(*doc, "refreshToken");
  const std::string client_id = JsonString(*doc, "clientId");
  const std::string client_secret = JsonString(*doc, "clientSecret");
  const std::string registration_expires = JsonString(*doc, "registrationExpiresAt");
  if (refresh_token.empty() || client_id.empty() || client_secret.empty()) return false;
  Clock::time_point registration_end;
  if (!ParseTimestamp(registration_expires, &registration_end) ||
      registration_end <= Clock::now()) {
    return false;
  }
  Endpoint endpoint;
  if (!ResolveSsoEndpoint("sso oidc", env_, *files_, sso_.profile, sso_.sso_region, &endpoint)
           .ok()) {
    return false;
  }
  nlohmann::json body = {{"grantType", "refresh_token"},
                         {"clientId", client_id},
                         {"clientSecret", client_secret},
                         {"refreshToken", refresh_token}};
  HttpRequest req;
  req.method = "POST";
  req.url = endpoint.BaseUrl() + "/token";
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.emplace_back("User-Agent", "ddbsql/0.1");
  req.body = body.dump();
  req.request_timeout_ms = kRequestTimeoutMs;
  HttpResponse resp;
  const Clock::time_point now = Clock::now();
  if (!http_->Send(std::move(req), &resp).ok() || resp.status != 200) return false;
  nlohmann::json answer = nlohmann::json::parse(resp.body, nullptr, false);
  if (answer.is_discarded() || !answer.is_object()) return false;
  const std::string access_token = JsonString(answer, "accessToken");
  auto expires_in = answer.find("expiresIn");
  if (access_token.empty() || expires_in == answer.end() || !expires_in->is_number_integer()) {
    return false;
  }
  // The document the CLI writes after a refresh (botocore's SSOTokenProvider).
  nlohmann::json renewed = {
      {"startUrl", sso_.start_url},
      {"region", sso_.sso_region},
      {"accessToken", access_token},
      {"expiresAt", FormatUtc(now + std::chrono::seconds(expires_in->get<int64_t>()))},
      {"clientId", client_id},
      {"clientSecret", client_secret},
      {"registrationExpiresAt", registration_expires},
  };
  std::string new_refresh = JsonString(answer, "refreshToken");
  if (!new_refresh.empty()) renewed["refreshToken"] = new_refresh;
  // A cache that cannot be written still leaves a usable token in memory.
  (void)WriteFileAtomically(path, renewed.dump());
  *doc = std::move(renewed);
  return true;
}

Status SsoCredentialsFetcher::Fetch(Credentials* out) {
  std::string path;
  Status s = CachePath(&path);
  if (!s.ok()) return s;
  std::string text;
  bool missing = false;
  s = ReadSmallFile(path, kMaxCacheFile, &text, &missing);
  if (!s.ok()) return s.WithContext("profile " + sso_.profile);
  if (missing) return LoginNeeded("no SSO access token in " + path);
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return LoginNeeded("the SSO token cache " + path + " is not a JSON object");
  }
  Clock::time_point expires;
  if (JsonString(doc, "accessToken").empty() ||
      !ParseTimestamp(JsonString(doc, "expiresAt"), &expires)) {
    return LoginNeeded("the SSO token cache " + path + " has no accessToken or expiresAt");
  }
  if (!sso_.session_name.empty() && expires - Clock::now() < kTokenRefreshWindow &&
      TryRefreshToken(path, &doc)) {
    ParseTimestamp(JsonString(doc, "expiresAt"), &expires);
  }
  if (expires <= Clock::now()) return LoginNeeded("the SSO access token has expired");

  Endpoint endpoint;
  s = ResolveSsoEndpoint("sso", env_, *files_, sso_.profile, sso_.sso_region, &endpoint);
  if (!s.ok()) return s;
  HttpRequest req;
  req.method = "GET";
  req.url = endpoint.BaseUrl() +
            "/federation/credentials?account_id=" + UriEncode(sso_.account_id) +
            "&role_name=" + UriEncode(sso_.role_name);
  req.headers.emplace_back("x-amz-sso_bearer_token", JsonString(doc, "accessToken"));
  req.request_timeout_ms = kRequestTimeoutMs;
  req.headers.emplace_back("User-Agent", "ddbsql/0.1");
  HttpResponse resp;
  for (int attempt = 0; attempt < 3; ++attempt) {
    resp = HttpResponse();
    s = http_->Send(req, &resp);
    if (s.IsCancelled()) return s;
    if (s.ok() && resp.status < 500 && resp.status != 429) break;
  }
  const std::string step = "profile " + sso_.profile + ": GetRoleCredentials (account " +
                           sso_.account_id + ", role " + sso_.role_name + ")";
  if (!s.ok()) return Status::Transport(step + ": " + s.message());
  if (resp.status == 401) return LoginNeeded("the SSO portal refused the access token");
  if (resp.status != 200) {
    nlohmann::json err = nlohmann::json::parse(resp.body, nullptr, false);
    std::string message = err.is_object() ? JsonString(err, "message") : "";
    if (message.empty() && err.is_object()) message = JsonString(err, "Message");
    std::string code = FindHeader(resp.headers, "x-amzn-errortype").empty()
                           ? "HTTP " + std::to_string(resp.status)
                           : std::string(FindHeader(resp.headers, "x-amzn-errortype"));
    code = code.substr(0, code.find(':'));
    return Status::AwsError(code, step + (message.empty() ? "" : ": " + message),
                            static_cast<int>(resp.status));
  }
  nlohmann::json answer = nlohmann::json::parse(resp.body, nullptr, false);
  auto rc = answer.is_object() ? answer.find("roleCredentials") : answer.end();
  if (!answer.is_object() || rc == answer.end() || !rc->is_object()) {
    return Status::Corruption(step + ": the answer has no roleCredentials");
  }
  Credentials c;
  c.access_key_id = JsonString(*rc, "accessKeyId");
  c.secret_access_key = JsonString(*rc, "secretAccessKey");
  c.session_token = JsonString(*rc, "sessionToken");
  auto exp = rc->find("expiration");
  if (c.access_key_id.empty() || c.secret_access_key.empty() || exp == rc->end() ||
      !exp->is_number()) {
    return Status::Corruption(step + ": incomplete roleCredentials");
  }
  c.expiration = Clock::time_point(std::chrono::milliseconds(exp->get<int64_t>()));
  c.account_id = sso_.account_id;
  c.source = "IAM Identity Center (profile " + sso_.profile + ", role " + sso_.role_name + ")";
  *out = std::move(c);
  return Status::OK();
}

}  // namespace ddb::aws
