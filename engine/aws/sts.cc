// STS Query API client.
#include "engine/aws/sts.h"

#include <chrono>
#include <pugixml.hpp>
#include <thread>
#include <utility>

#include "engine/aws/sigv4.h"

namespace ddb::aws {

namespace {

constexpr char kApiVersion[] = "2011-06-15";
constexpr int kMaxAttempts = 3;
// A renewal in the background must not hold up the end of the session for
// the HTTP client's general timeout.
constexpr long kRequestTimeoutMs = 15000;

bool LoadXml(std::string_view xml, pugi::xml_document* doc) {
  return doc->load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata);
}

std::string Text(const pugi::xml_node& node, const char* name) {
  return node.child(name).text().as_string();
}

bool RetryableCode(const std::string& code) {
  return code == "Throttling" || code == "ThrottlingException" || code == "RequestLimitExceeded" ||
         code == "IDPCommunicationError" || code == "InternalFailure" ||
         code == "ServiceUnavailable";
}

}  // namespace

std::string ArnAccount(std::string_view arn) {
  // arn:partition:service:region:account:resource
  if (arn.rfind("arn:", 0) != 0) return {};
  size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    pos = arn.find(':', pos);
    if (pos == std::string_view::npos) return {};
    ++pos;
  }
  size_t end = arn.find(':', pos);
  if (end == std::string_view::npos) return {};
  return std::string(arn.substr(pos, end - pos));
}

bool ParseStsError(std::string_view xml, std::string* code, std::string* message) {
  pugi::xml_document doc;
  if (!LoadXml(xml, &doc)) return false;
  pugi::xml_node error = doc.child("ErrorResponse").child("Error");
  if (!error) error = doc.child("Error");  // some proxies answer the bare element
  if (!error || Text(error, "Code").empty()) return false;
  *code = Text(error, "Code");
  *message = Text(error, "Message");
  return true;
}

Status ParseAssumeRoleResponse(std::string_view xml, std::string_view action, Credentials* out) {
  pugi::xml_document doc;
  const std::string what = std::string(action) + " response";
  if (!LoadXml(xml, &doc)) return Status::Corruption(what + " is not XML");
  const std::string response = std::string(action) + "Response";
  const std::string result = std::string(action) + "Result";
  pugi::xml_node r = doc.child(response.c_str()).child(result.c_str());
  if (!r) return Status::Corruption(what + ": no <" + result + "> element");
  pugi::xml_node c = r.child("Credentials");
  Credentials creds;
  creds.access_key_id = Text(c, "AccessKeyId");
  creds.secret_access_key = Text(c, "SecretAccessKey");
  creds.session_token = Text(c, "SessionToken");
  if (creds.access_key_id.empty() || creds.secret_access_key.empty() ||
      creds.session_token.empty()) {
    return Status::Corruption(what + ": incomplete <Credentials>");
  }
  std::chrono::system_clock::time_point expiration;
  if (!ParseTimestamp(Text(c, "Expiration"), &expiration)) {
    return Status::Corruption(what + ": <Expiration> is not an ISO 8601 timestamp");
  }
  creds.expiration = expiration;
  creds.arn = Text(r.child("AssumedRoleUser"), "Arn");
  creds.account_id = ArnAccount(creds.arn);
  *out = std::move(creds);
  return Status::OK();
}

Status ParseCallerIdentityResponse(std::string_view xml, CallerIdentity* out) {
  pugi::xml_document doc;
  if (!LoadXml(xml, &doc)) return Status::Corruption("GetCallerIdentity response is not XML");
  pugi::xml_node r = doc.child("GetCallerIdentityResponse").child("GetCallerIdentityResult");
  if (!r || Text(r, "Arn").empty()) {
    return Status::Corruption("GetCallerIdentity response: no <GetCallerIdentityResult><Arn>");
  }
  out->account = Text(r, "Account");
  out->arn = Text(r, "Arn");
  out->user_id = Text(r, "UserId");
  return Status::OK();
}

StsClient::StsClient(HttpClient* http, Endpoint endpoint, std::string region)
    : http_(http), endpoint_(std::move(endpoint)), region_(std::move(region)) {}

Status StsClient::Call(const std::string& action, const std::string& params,
                       const Credentials* creds, std::string* body) {
  Status s;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    if (attempt > 1) std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
    HttpRequest req;
    req.method = "POST";
    req.url = endpoint_.BaseUrl() + "/";
    req.headers.emplace_back("Host", endpoint_.HostHeader());
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    req.headers.emplace_back("User-Agent", "ddbsql/0.1");
    req.body = "Action=" + action + "&Version=" + kApiVersion + params;
    req.request_timeout_ms = kRequestTimeoutMs;
    if (creds != nullptr) {
      SigningParams sp;
      sp.service = "sts";
      sp.region = region_;
      sp.time = std::chrono::system_clock::now();
      SignRequest(&req, *creds, sp);
    }
    HttpResponse resp;
    s = http_->Send(std::move(req), &resp);
    if (s.IsCancelled()) return s;
    if (!s.ok()) {
      s = Status::Transport("STS " + action + " at " + endpoint_.BaseUrl() + ": " + s.message());
      continue;
    }
    if (resp.status == 200) {
      *body = std::move(resp.body);
      return Status::OK();
    }
    std::string code, message;
    if (!ParseStsError(resp.body, &code, &message)) {
      code = "HTTP " + std::to_string(resp.status);
      message = "STS " + action + " failed";
    }
    s = Status::AwsError(code, message, static_cast<int>(resp.status));
    if (resp.status < 500 && !RetryableCode(code)) return s;
  }
  return s;
}

Status StsClient::AssumeRole(const Credentials& source, const AssumeRoleParams& p,
                             Credentials* out) {
  std::string params =
      "&RoleArn=" + UriEncode(p.role_arn) + "&RoleSessionName=" + UriEncode(p.role_session_name);
  if (!p.external_id.empty()) params += "&ExternalId=" + UriEncode(p.external_id);
  if (!p.mfa_serial.empty()) {
    params += "&SerialNumber=" + UriEncode(p.mfa_serial) + "&TokenCode=" + UriEncode(p.mfa_code);
  }
  if (p.duration) params += "&DurationSeconds=" + std::to_string(*p.duration);
  std::string body;
  Status s = Call("AssumeRole", params, &source, &body);
  if (!s.ok()) return s;
  return ParseAssumeRoleResponse(body, "AssumeRole", out);
}

Status StsClient::AssumeRoleWithWebIdentity(const std::string& role_arn,
                                            const std::string& session_name,
                                            const std::string& token, Credentials* out) {
  std::string params = "&RoleArn=" + UriEncode(role_arn) +
                       "&RoleSessionName=" + UriEncode(session_name) +
                       "&WebIdentityToken=" + UriEncode(token);
  std::string body;
  Status s = Call("AssumeRoleWithWebIdentity", params, nullptr, &body);
  if (!s.ok()) return s;
  return ParseAssumeRoleResponse(body, "AssumeRoleWithWebIdentity", out);
}

Status StsClient::GetCallerIdentity(const Credentials& creds, CallerIdentity* out) {
  std::string body;
  Status s = Call("GetCallerIdentity", "", &creds, &body);
  if (!s.ok()) return s;
  return ParseCallerIdentityResponse(body, out);
}

}  // namespace ddb::aws
