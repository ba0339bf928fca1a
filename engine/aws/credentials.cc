// The default credentials chain.
//
// The chain is walked once; the source that answered is remembered and asked
// again only when its credentials come within five minutes of expiring, as
// the SDKs do (long-term keys are never re-read). One mutex serializes
// resolution and refresh, so concurrent callers wait for a single refresh
// instead of each running credential_process or calling the metadata service.
#include "engine/aws/credentials.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "engine/aws/config.h"
#include "engine/aws/http.h"

extern char** environ;

namespace ddb::aws {

namespace {

using Clock = std::chrono::system_clock;

constexpr auto kRefreshWindow = std::chrono::minutes(5);
// After a failed refresh while the old credentials still work, wait this long
// before trying again so every request does not pay for the failure.
constexpr auto kRetryRefreshAfter = std::chrono::seconds(30);
constexpr size_t kMaxProcessOutput = 1 << 20;

constexpr char kContainerHost[] = "http://169.254.170.2";
constexpr char kImdsEndpoint[] = "http://169.254.169.254";
constexpr char kImdsEndpointIpv6[] = "http://[fd00:ec2::254]";
constexpr char kImdsTokenPath[] = "/latest/api/token";
constexpr char kImdsRolesPath[] = "/latest/meta-data/iam/security-credentials/";
constexpr char kImdsTokenTtl[] = "21600";
// Short timeouts: on a laptop the metadata addresses usually do not answer.
constexpr long kMetadataConnectTimeoutMs = 1000;
constexpr long kImdsRequestTimeoutMs = 2000;
constexpr long kContainerRequestTimeoutMs = 5000;

std::string_view Trim(std::string_view s) {
  constexpr char kWs[] = " \t\r\n\f\v";
  size_t b = s.find_first_not_of(kWs);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kWs) - b + 1);
}

bool IsTrue(std::string_view v) {
  v = Trim(v);
  if (v.size() != 4) return false;
  for (size_t i = 0; i < 4; ++i) {
    if (std::tolower(static_cast<unsigned char>(v[i])) != "true"[i]) return false;
  }
  return true;
}

std::optional<std::string> EnvValue(const GetEnv& env, const std::string& name) {
  if (!env) return std::nullopt;
  std::optional<std::string> v = env(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

// Parses an RFC 3339 / ISO 8601 UTC timestamp as the credential sources write
// them: 2024-05-01T12:00:00Z, with optional fraction and numeric offset.
bool ParseTimestamp(std::string_view s, Clock::time_point* out) {
  s = Trim(s);
  auto num = [&](size_t pos, size_t len, int* v) {
    if (pos + len > s.size()) return false;
    for (size_t i = pos; i < pos + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return std::from_chars(s.data() + pos, s.data() + pos + len, *v).ec == std::errc();
  };
  int y, mo, d, h, mi, sec;
  if (!num(0, 4, &y) || s.size() < 19 || s[4] != '-' || !num(5, 2, &mo) || s[7] != '-' ||
      !num(8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !num(11, 2, &h) ||
      s[13] != ':' || !num(14, 2, &mi) || s[16] != ':' || !num(17, 2, &sec)) {
    return false;
  }
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
    if (pos == start) return false;
  }
  int offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    int oh, om;
    if (!num(pos + 1, 2, &oh)) return false;
    size_t m = pos + 3;
    if (m < s.size() && s[m] == ':') ++m;
    if (!num(m, 2, &om)) return false;
    offset_minutes = sign * (oh * 60 + om);
    pos = m + 2;
  } else {
    return false;  // a timestamp without a zone is ambiguous
  }
  if (pos != s.size()) return false;
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo),
                                  std::chrono::day(d)};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return false;
  *out = std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(sec) - std::chrono::minutes(offset_minutes);
  return true;
}

// Reads credentials from a JSON document. `what` names the source in errors;
// no error repeats any part of `body`, which holds secrets.
Status CredentialsFromJson(const std::string& body, const std::string& what, const char* token_key,
                           bool want_version, Credentials* out) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::NoCredentials(what + ": output is not a JSON object");
  }
  try {
    if (want_version) {
      auto v = doc.find("Version");
      if (v == doc.end() || !v->is_number_integer() || v->get<int64_t>() != 1) {
        return Status::NoCredentials(what + ": unsupported or missing Version (expected 1)");
      }
    }
    if (auto code = doc.find("Code");
        code != doc.end() && code->is_string() && code->get<std::string>() != "Success") {
      return Status::NoCredentials(what + ": the service reported Code " +
                                   code->get<std::string>());
    }
    auto text = [&](const char* key, std::string* field) {
      auto it = doc.find(key);
      if (it == doc.end() || it->is_null()) return true;
      if (!it->is_string()) return false;
      *field = it->get<std::string>();
      return true;
    };
    Credentials c;
    std::string expiration;
    if (!text("AccessKeyId", &c.access_key_id) || c.access_key_id.empty()) {
      return Status::NoCredentials(what + ": missing AccessKeyId");
    }
    if (!text("SecretAccessKey", &c.secret_access_key) || c.secret_access_key.empty()) {
      return Status::NoCredentials(what + ": missing SecretAccessKey");
    }
    if (!text(token_key, &c.session_token)) {
      return Status::NoCredentials(what + ": " + token_key + " is not a string");
    }
    if (!text("Expiration", &expiration)) {
      return Status::NoCredentials(what + ": Expiration is not a string");
    }
    if (!expiration.empty()) {
      Clock::time_point t;
      if (!ParseTimestamp(expiration, &t)) {
        return Status::NoCredentials(what + ": Expiration is not an ISO 8601 timestamp");
      }
      c.expiration = t;
    }
    *out = std::move(c);
    return Status::OK();
  } catch (const std::exception&) {
    return Status::NoCredentials(what + ": malformed credentials document");
  }
}

// Runs `command` with /bin/sh -c, stdout captured into *output, stdin and
// stderr inherited (a process may prompt for MFA on the terminal).
Status RunProcess(const std::string& command, const std::string& what, std::string* output) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return Status::IOError(what + ": cannot create a pipe: " + std::strerror(errno));
  }
  struct FdCloser {
    int fd;
    ~FdCloser() {
      if (fd >= 0) ::close(fd);
    }
  } read_end{fds[0]}, write_end{fds[1]};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  std::string arg0 = "sh", arg1 = "-c", arg2 = command;
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, "/bin/sh", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(write_end.fd);
  write_end.fd = -1;
  if (rc != 0) return Status::IOError(what + ": cannot run /bin/sh: " + std::strerror(rc));

  output->clear();
  bool too_big = false;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(read_end.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (output->size() + static_cast<size_t>(n) > kMaxProcessOutput) {
      too_big = true;  // keep draining so the child is not killed by SIGPIPE
    } else {
      output->append(buf, static_cast<size_t>(n));
    }
  }
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return Status::IOError(what + ": waitpid: " + std::strerror(errno));
  }
  if (WIFSIGNALED(wstatus)) {
    return Status::NoCredentials(what + " was killed by signal " +
                                 std::to_string(WTERMSIG(wstatus)));
  }
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return Status::NoCredentials(what + " exited with status " +
                                 std::to_string(WEXITSTATUS(wstatus)));
  }
  if (too_big) return Status::NoCredentials(what + ": output larger than 1 MiB");
  return Status::OK();
}

// The host part of an http(s) URL, lower-cased; empty when there is none.
std::string UrlHost(const std::string& url, std::string* scheme) {
  size_t sep = url.find("://");
  if (sep == std::string::npos) return {};
  *scheme = url.substr(0, sep);
  for (char& c : *scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
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
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return host;
}

// Plain-http container endpoints are only trusted on loopback and on the
// link-local addresses ECS and EKS use, as the SDKs require.
bool AllowedPlainHttpHost(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]" ||
         host == "169.254.170.2" || host == "169.254.170.23" || host == "[fd00:ec2::23]";
}

bool Retryable(const Status& transport, long http_status) {
  return !transport.ok() || http_status >= 500 || http_status == 429;
}

enum class Source {
  kNone,
  kEnvironment,
  kCredentialsFile,
  kProcess,
  kConfigFile,
  kContainer,
  kInstanceMetadata,
};

class StaticProvider final : public CredentialsProvider {
 public:
  explicit StaticProvider(Credentials creds) : creds_(std::move(creds)) {}
  Status GetCredentials(Credentials* out) override {
    if (creds_.empty()) return Status::NoCredentials("the given static credentials are empty");
    *out = creds_;
    return Status::OK();
  }

 private:
  const Credentials creds_;
};

class DefaultChain final : public CredentialsProvider {
 public:
  DefaultChain(GetEnv env, std::shared_ptr<const ConfigFiles> files, std::string profile,
               bool explicit_profile, HttpClient* http, bool profile_from_flag)
      : env_(std::move(env)),
        files_(std::move(files)),
        profile_(std::move(profile)),
        explicit_profile_(explicit_profile),
        profile_from_flag_(profile_from_flag),
        http_(http) {}

  Status GetCredentials(Credentials* out) override {
    std::lock_guard<std::mutex> lock(mu_);
    const Clock::time_point now = Clock::now();
    if (cached_) {
      bool fresh = !cached_->expiration || *cached_->expiration - now > kRefreshWindow;
      bool usable = !cached_->expiration || *cached_->expiration > now;
      if (fresh || (usable && now < retry_after_)) {
        *out = *cached_;
        return Status::OK();
      }
    }
    Credentials creds;
    Status s = source_ == Source::kNone ? Resolve(&creds) : Refresh(&creds);
    if (!s.ok()) {
      // Credentials that have not expired yet still work; use them and try
      // the refresh again later.
      if (cached_ && cached_->expiration && *cached_->expiration > now) {
        retry_after_ = now + kRetryRefreshAfter;
        *out = *cached_;
        return Status::OK();
      }
      return s;
    }
    cached_ = creds;
    *out = std::move(creds);
    return Status::OK();
  }

 private:
  // Walks the chain; remembers the source that answered.
  Status Resolve(Credentials* out) {
    if (explicit_profile_) {
      if (!files_) return Status::NotFound("profile " + profile_ + " not found (no config files)");
      Status s = files_->RequireProfile(profile_);
      if (!s.ok()) return s;
    }
    std::vector<std::string> tried;
    bool found = false;

    Status s;
    if (profile_from_flag_) {
      tried.push_back("environment (skipped: --profile given)");
    } else {
      s = FromEnvironment(out, &found);
      if (!s.ok() || found) return Chose(Source::kEnvironment, s);
      tried.push_back("environment (AWS_ACCESS_KEY_ID not set)");
    }

    if (files_) {
      s = CheckUnsupportedProfile();
      if (!s.ok()) return s;
      s = FromStaticProfile(/*credentials_file=*/true, out, &found);
      if (!s.ok() || found) return Chose(Source::kCredentialsFile, s);
      s = FromProcess(out, &found);
      if (!s.ok() || found) return Chose(Source::kProcess, s);
      s = FromStaticProfile(/*credentials_file=*/false, out, &found);
      if (!s.ok() || found) return Chose(Source::kConfigFile, s);
      tried.push_back("profile " + profile_ +
                      (files_->HasProfile(profile_)
                           ? " (no aws_access_key_id or credential_process in "
                           : " (not in ") +
                      files_->credentials_path() + " or " + files_->config_path() + ")");
    } else {
      tried.push_back("profile " + profile_ + " (no config files loaded)");
    }

    if (EnvValue(env_, "AWS_WEB_IDENTITY_TOKEN_FILE") && EnvValue(env_, "AWS_ROLE_ARN")) {
      return Unsupported("AWS_WEB_IDENTITY_TOKEN_FILE (web identity)", "the environment");
    }

    s = FromContainer(out, &found);
    if (!s.ok() || found) return Chose(Source::kContainer, s);
    tried.push_back(
        "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
        "AWS_CONTAINER_CREDENTIALS_FULL_URI not set)");

    if (ImdsDisabled()) {
      tried.push_back("EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)");
    } else if (http_ == nullptr) {
      tried.push_back("EC2 instance metadata (no HTTP client)");
    } else {
      s = FromInstanceMetadata(out);
      if (s.ok()) return Chose(Source::kInstanceMetadata, s);
      tried.push_back("EC2 instance metadata (" + s.message() + ")");
    }

    std::string msg = "no AWS credentials found; tried: ";
    for (size_t i = 0; i < tried.size(); ++i) msg += (i ? "; " : "") + tried[i];
    msg +=
        ". Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure a profile "
        "(aws configure) and select it with --profile or AWS_PROFILE";
    return Status::NoCredentials(msg);
  }

  Status Chose(Source source, const Status& s) {
    if (s.ok()) source_ = source;
    return s;
  }

  // Asks the remembered source again (only expiring sources get here).
  Status Refresh(Credentials* out) {
    bool found = false;
    Status s;
    switch (source_) {
      case Source::kProcess:
        s = FromProcess(out, &found);
        break;
      case Source::kContainer:
        s = FromContainer(out, &found);
        break;
      case Source::kInstanceMetadata:
        return FromInstanceMetadata(out);
      default:
        return Resolve(out);
    }
    if (s.ok() && !found) return Status::NoCredentials("credentials source disappeared");
    return s;
  }

  Status FromEnvironment(Credentials* out, bool* found) {
    *found = false;
    std::optional<std::string> key = EnvValue(env_, "AWS_ACCESS_KEY_ID");
    if (!key) return Status::OK();
    std::optional<std::string> secret = EnvValue(env_, "AWS_SECRET_ACCESS_KEY");
    // As botocore: a key id without its secret is a mistake worth reporting,
    // not a reason to silently use some other identity.
    if (!secret) {
      return Status::NoCredentials("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    }
    Credentials c;
    c.access_key_id = *key;
    c.secret_access_key = *secret;
    std::optional<std::string> token = EnvValue(env_, "AWS_SESSION_TOKEN");
    if (!token) token = EnvValue(env_, "AWS_SECURITY_TOKEN");
    c.session_token = token.value_or("");
    c.source = "environment";
    *out = std::move(c);
    *found = true;
    return Status::OK();
  }

  Status FromStaticProfile(bool credentials_file, Credentials* out, bool* found) {
    *found = false;
    auto get = [&](const char* key) {
      std::optional<std::string> v = credentials_file ? files_->CredentialsValue(profile_, key)
                                                      : files_->ConfigValue(profile_, key);
      if (v && v->empty()) v.reset();
      return v;
    };
    std::optional<std::string> key = get("aws_access_key_id");
    if (!key) return Status::OK();
    const std::string& path = credentials_file ? files_->credentials_path() : files_->config_path();
    std::optional<std::string> secret = get("aws_secret_access_key");
    if (!secret) {
      return Status::NoCredentials("profile " + profile_ + " in " + path +
                                   " has aws_access_key_id but no aws_secret_access_key");
    }
    Credentials c;
    c.access_key_id = *key;
    c.secret_access_key = *secret;
    std::optional<std::string> token = get("aws_session_token");
    if (!token) token = get("aws_security_token");
    c.session_token = token.value_or("");
    c.source =
        "profile " + profile_ + (credentials_file ? " (credentials file)" : " (config file)");
    *out = std::move(c);
    *found = true;
    return Status::OK();
  }

  Status FromProcess(Credentials* out, bool* found) {
    *found = false;
    if (!files_) return Status::OK();
    std::optional<std::string> command = files_->ProfileValue(profile_, "credential_process");
    if (!command || Trim(*command).empty()) return Status::OK();
    const std::string what = "credential_process of profile " + profile_;
    std::string output;
    Status s = RunProcess(*command, what, &output);
    if (!s.ok()) return s;
    Credentials c;
    s = CredentialsFromJson(output, what, "SessionToken", /*want_version=*/true, &c);
    if (!s.ok()) return s;
    c.source = "credential_process (profile " + profile_ + ")";
    *out = std::move(c);
    *found = true;
    return Status::OK();
  }

  // Profile kinds the SDKs support and this chain does not: better to say so
  // than to fall through to other credentials, a different identity.
  Status CheckUnsupportedProfile() {
    static constexpr const char* kKeys[] = {"role_arn", "web_identity_token_file", "sso_session",
                                            "sso_start_url", "login_session"};
    for (const char* key : kKeys) {
      if (files_->ProfileValue(profile_, key)) return Unsupported(key, "profile " + profile_);
    }
    return Status::OK();
  }

  Status Unsupported(const std::string& what, const std::string& where) {
    return Status::NotSupported(
        where + " uses " + what +
        ", which ddbsql does not support; export temporary credentials instead, e.g. "
        "`eval \"$(aws configure export-credentials --profile " +
        profile_ +
        " --format env)\"`, or use `credential_process = aws configure export-credentials "
        "--profile " +
        profile_ + " --format process` in a profile of its own");
  }

  Status FromContainer(Credentials* out, bool* found) {
    *found = false;
    std::optional<std::string> relative = EnvValue(env_, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    std::optional<std::string> full = EnvValue(env_, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (!relative && !full) return Status::OK();
    const std::string what = "container credentials";
    if (http_ == nullptr) return Status::NoCredentials(what + ": no HTTP client");

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
    if (auto path = EnvValue(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
      // Re-read on every refresh: EKS Pod Identity rotates the file.
      std::string text;
      Status s = ReadSmallFile(*path, &text);
      if (!s.ok()) return Status::IOError("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: " + s.message());
      token = std::string(Trim(text));
    } else {
      token = EnvValue(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
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
      s = http_->Send(req, &resp);
      if (!Retryable(s, resp.status)) break;
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

  bool ImdsDisabled() const {
    std::optional<std::string> v = EnvValue(env_, "AWS_EC2_METADATA_DISABLED");
    return v && IsTrue(*v);
  }

  std::string ImdsEndpoint() const {
    std::optional<std::string> e = EnvValue(env_, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
    if (!e && files_) e = files_->ProfileValue(profile_, "ec2_metadata_service_endpoint");
    std::string base;
    if (e && !e->empty()) {
      base = *e;
    } else {
      std::optional<std::string> mode = EnvValue(env_, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
      if (!mode && files_)
        mode = files_->ProfileValue(profile_, "ec2_metadata_service_endpoint_mode");
      bool v6 = mode && (Trim(*mode) == "IPv6" || Trim(*mode) == "ipv6");
      base = v6 ? kImdsEndpointIpv6 : kImdsEndpoint;
    }
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base;
  }

  bool ImdsV1Disabled() const {
    std::optional<std::string> v = EnvValue(env_, "AWS_EC2_METADATA_V1_DISABLED");
    if (!v && files_) v = files_->ProfileValue(profile_, "ec2_metadata_v1_disabled");
    return v && IsTrue(*v);
  }

  // One metadata request with at most one retry (`retry` false: none).
  Status ImdsSend(const std::string& method, const std::string& url, const Headers& headers,
                  bool retry, HttpResponse* resp) {
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
      if (!Retryable(s, resp->status)) break;
    }
    return s;
  }

  // IMDSv2: a session token, then the role name, then its credentials.
  // Falls back to IMDSv1 when the token call is refused (403/404/405), as
  // the SDKs do, unless v1 is disabled.
  Status FromInstanceMetadata(Credentials* out) {
    const std::string base = ImdsEndpoint();
    HttpResponse resp;
    // No retry of an unanswered token request: without IMDS it would only
    // double the wait.
    Status s = ImdsSend("PUT", base + kImdsTokenPath,
                        {{"X-aws-ec2-metadata-token-ttl-seconds", kImdsTokenTtl}},
                        /*retry=*/false, &resp);
    if (!s.ok()) return Status::NoCredentials(s.message());
    if (resp.status >= 500) {
      s = ImdsSend("PUT", base + kImdsTokenPath,
                   {{"X-aws-ec2-metadata-token-ttl-seconds", kImdsTokenTtl}}, false, &resp);
      if (!s.ok()) return Status::NoCredentials(s.message());
    }
    Headers auth;
    if (resp.status == 200) {
      auth.emplace_back("X-aws-ec2-metadata-token", std::string(Trim(resp.body)));
    } else if ((resp.status == 403 || resp.status == 404 || resp.status == 405) &&
               !ImdsV1Disabled()) {
      // IMDSv1: no token.
    } else {
      return Status::NoCredentials(base + " token request answered HTTP " +
                                   std::to_string(resp.status));
    }

    s = ImdsSend("GET", base + kImdsRolesPath, auth, true, &resp);
    if (!s.ok()) return Status::NoCredentials(s.message());
    if (resp.status == 404) return Status::NoCredentials("no IAM role attached to the instance");
    if (resp.status != 200) {
      return Status::NoCredentials(base + " role lookup answered HTTP " +
                                   std::to_string(resp.status));
    }
    std::string_view roles = Trim(resp.body);
    std::string role(Trim(roles.substr(0, roles.find('\n'))));
    if (role.empty()) return Status::NoCredentials("no IAM role attached to the instance");

    s = ImdsSend("GET", base + kImdsRolesPath + UriEncode(role), auth, true, &resp);
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

  static Status ReadSmallFile(const std::string& path, std::string* text) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::IOError("cannot read " + path + ": " + std::strerror(errno));
    text->clear();
    char buf[4096];
    Status s;
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        s = Status::IOError("cannot read " + path + ": " + std::strerror(errno));
        break;
      }
      if (n == 0) break;
      text->append(buf, static_cast<size_t>(n));
      if (text->size() > 64 * 1024) {
        s = Status::IOError(path + " is too large for a token file");
        break;
      }
    }
    ::close(fd);
    return s;
  }

  const GetEnv env_;
  const std::shared_ptr<const ConfigFiles> files_;
  const std::string profile_;
  const bool explicit_profile_;
  const bool profile_from_flag_;
  HttpClient* const http_;

  std::mutex mu_;
  Source source_ = Source::kNone;      // guarded by mu_
  std::optional<Credentials> cached_;  // guarded by mu_
  Clock::time_point retry_after_{};    // guarded by mu_
};

}  // namespace

GetEnv ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::unique_ptr<CredentialsProvider> StaticCredentials(Credentials creds) {
  return std::make_unique<StaticProvider>(std::move(creds));
}

std::unique_ptr<CredentialsProvider> DefaultCredentialsChain(
    GetEnv env, std::shared_ptr<const ConfigFiles> files, std::string profile,
    bool explicit_profile, HttpClient* http, bool profile_from_flag) {
  return std::make_unique<DefaultChain>(std::move(env), std::move(files), std::move(profile),
                                        explicit_profile, http, profile_from_flag);
}

}  // namespace ddb::aws
