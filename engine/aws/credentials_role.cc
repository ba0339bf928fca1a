// Assume-role, web identity and SSO fetchers.
#include "engine/aws/credentials_role.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <utility>

#include "engine/encoding.h"
#include "engine/python_formats.h"
#include "engine/strings.h"

namespace ddb::aws {

namespace {

constexpr size_t kMaxTokenFile = 64 * 1024;
constexpr size_t kMaxCacheFile = 1 << 20;
// As botocore's CachedCredentialFetcher: a cached set with less than this
// left is not used.
constexpr auto kCacheExpiryWindow = std::chrono::minutes(15);

// Closes a file descriptor on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Asks for an MFA code on the controlling terminal, without echo. Only when
// stdin is a terminal: a script must not hang waiting for one.
Status PromptMfaCode(const std::string& profile, const std::string& serial, std::string* code) {
  const std::string why =
      "profile " + profile + ": the role needs an MFA code (mfa_serial " + serial + ")";
  if (!::isatty(STDIN_FILENO)) {
    return Status::NoCredentials(
        why +
        " but stdin is not a terminal; run ddbsql interactively once, or `aws sts "
        "get-caller-identity --profile " +
        profile +
        "` (ddbsql uses the session the AWS CLI caches), or export temporary credentials");
  }
  Fd tty{::open("/dev/tty", O_RDWR | O_CLOEXEC)};
  if (tty.fd < 0) return Status::NoCredentials(why + " but /dev/tty cannot be opened");
  // Echo off before the prompt appears: TCSAFLUSH drops what was typed
  // before it, never the answer to it.
  termios saved{};
  bool restore = ::tcgetattr(tty.fd, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(tty.fd, TCSAFLUSH, &quiet);
  }
  std::string prompt = "Enter MFA code for " + serial + ": ";
  if (::write(tty.fd, prompt.data(), prompt.size()) < 0) {
    if (restore) ::tcsetattr(tty.fd, TCSANOW, &saved);
    return Status::NoCredentials(why + " but the terminal cannot be written");
  }
  std::string line;
  char c;
  for (;;) {
    ssize_t n = ::read(tty.fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
    if (line.size() < 64) line.push_back(c);
  }
  if (restore) ::tcsetattr(tty.fd, TCSANOW, &saved);
  if (::write(tty.fd, "\n", 1) < 0) {
    // Nothing to do: the code was read.
  }
  *code = std::string(str::Trim(line));
  if (code->empty()) return Status::NoCredentials(why + " and none was entered");
  return Status::OK();
}

Status ReadTokenFile(const std::string& where, const std::string& path, std::string* token) {
  const std::string what = where + ": web identity token file " + path;
  std::string text;
  bool missing = false;
  Status s = ReadSmallFile(path, kMaxTokenFile, &text, &missing);
  if (missing) return Status::NoCredentials(what + ": " + std::strerror(ENOENT));
  if (!s.ok()) return Status::NoCredentials(where + ": web identity token file: " + s.message());
  *token = std::string(str::Trim(text));
  if (token->empty()) return Status::NoCredentials(what + ": empty");
  return Status::OK();
}

// "AccessDenied: message" for an AwsError, the message otherwise.
std::string Describe(const Status& s) {
  return s.aws_code().empty() ? s.message() : s.aws_code() + ": " + s.message();
}

// A set from the CLI's cache file `path` with at least kCacheExpiryWindow
// left; false when there is none (missing, unreadable, expired, not the
// CLI's layout: each means "ask STS").
bool LoadCachedRole(const std::string& path, Credentials* out) {
  std::string text;
  bool missing = false;
  if (!ReadSmallFile(path, kMaxCacheFile, &text, &missing).ok() || missing) return false;
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return false;
  auto it = doc.find("Credentials");
  if (it == doc.end() || !it->is_object()) return false;
  auto str = [](const nlohmann::json& o, const char* key) {
    auto f = o.find(key);
    return f != o.end() && f->is_string() ? f->get<std::string>() : std::string();
  };
  Credentials c;
  c.access_key_id = str(*it, "AccessKeyId");
  c.secret_access_key = str(*it, "SecretAccessKey");
  c.session_token = str(*it, "SessionToken");
  // botocore writes "2026-12-03T07:21:23UTC" (strftime %Z); others write
  // ISO 8601 with Z or an offset.
  std::string expiration = str(*it, "Expiration");
  if (expiration.size() > 3 && expiration.compare(expiration.size() - 3, 3, "UTC") == 0) {
    expiration.replace(expiration.size() - 3, 3, "Z");
  }
  std::chrono::system_clock::time_point end;
  if (c.empty() || c.session_token.empty() || !ParseTimestamp(expiration, &end)) return false;
  if (end - std::chrono::system_clock::now() < kCacheExpiryWindow) return false;
  c.expiration = end;
  if (auto user = doc.find("AssumedRoleUser"); user != doc.end() && user->is_object()) {
    c.arn = str(*user, "Arn");
  }
  *out = std::move(c);
  return true;
}

// Writes `creds` to the CLI's cache file `path` in the layout botocore
// writes (the AssumeRole response). A failure only costs the next start an
// STS call: it is not reported.
void StoreCachedRole(const std::string& path, const Credentials& creds) {
  if (!creds.expiration) return;
  std::time_t t = std::chrono::system_clock::to_time_t(*creds.expiration);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SUTC", &tm);
  nlohmann::json doc = {{"Credentials",
                         {{"AccessKeyId", creds.access_key_id},
                          {"SecretAccessKey", creds.secret_access_key},
                          {"SessionToken", creds.session_token},
                          {"Expiration", when}}}};
  if (!creds.arn.empty()) {
    doc["AssumedRoleUser"] = {{"Arn", creds.arn}};
    if (!creds.account_id.empty()) doc["Credentials"]["AccountId"] = creds.account_id;
  }
  (void)WriteFileAtomically(path, doc.dump());
}

class AssumeRoleFetcher final : public CredentialsFetcher {
 public:
  AssumeRoleFetcher(std::string profile, AssumeRoleParams params,
                    std::shared_ptr<CredentialsProvider> source, std::unique_ptr<StsClient> sts,
                    std::string cache_file)
      : profile_(std::move(profile)),
        params_(std::move(params)),
        source_(std::move(source)),
        sts_(std::move(sts)),
        cache_file_(std::move(cache_file)) {}

  Status Fetch(Credentials* out) override {
    // The CLI's cache first, also on renewal: `aws` may have renewed it.
    if (Credentials cached; !cache_file_.empty() && LoadCachedRole(cache_file_, &cached)) {
      // An MFA session from the cache is renewed from the cache (or by
      // restarting), never by asking for a code in the middle of a session.
      if (!params_.mfa_serial.empty()) used_mfa_ = true;
      if (cached.account_id.empty()) cached.account_id = ArnAccount(cached.arn);
      if (cached.account_id.empty()) cached.account_id = ArnAccount(params_.role_arn);
      cached.source =
          "role " + params_.role_arn + " (profile " + profile_ + ", from " + cache_file_ + ")";
      *out = std::move(cached);
      return Status::OK();
    }
    AssumeRoleParams params = params_;
    if (!params.mfa_serial.empty()) {
      if (used_mfa_) {
        return Status::NoCredentials(
            "profile " + profile_ + ": the MFA session of role " + params.role_arn +
            " has expired; restart ddbsql to enter a new code, or renew the AWS CLI's cached "
            "session (`aws sts get-caller-identity --profile " +
            profile_ + "`)");
      }
      Status s = PromptMfaCode(profile_, params.mfa_serial, &params.mfa_code);
      if (!s.ok()) return s;
    }
    Credentials source;
    Status s = source_->GetCredentials(&source);
    if (!s.ok()) return s;
    Credentials creds;
    s = sts_->AssumeRole(source, params, &creds);
    if (s.IsCancelled()) return s;
    if (!s.ok()) {
      return Status::NoCredentials("profile " + profile_ + ": AssumeRole of " + params.role_arn +
                                   " failed: " + Describe(s));
    }
    if (!params.mfa_serial.empty()) used_mfa_ = true;
    if (creds.account_id.empty()) creds.account_id = ArnAccount(params.role_arn);
    if (!cache_file_.empty()) StoreCachedRole(cache_file_, creds);
    creds.source = "role " + params.role_arn + " (profile " + profile_ + ")";
    *out = std::move(creds);
    return Status::OK();
  }

  bool CanRenewInBackground() const override { return params_.mfa_serial.empty(); }

 private:
  const std::string profile_;
  const AssumeRoleParams params_;
  const std::shared_ptr<CredentialsProvider> source_;
  const std::unique_ptr<StsClient> sts_;
  const std::string cache_file_;
  bool used_mfa_ = false;
};

class WebIdentityFetcher final : public CredentialsFetcher {
 public:
  WebIdentityFetcher(std::string where, std::string token_file, std::string role_arn,
                     std::string session_name, std::unique_ptr<StsClient> sts)
      : where_(std::move(where)),
        token_file_(std::move(token_file)),
        role_arn_(std::move(role_arn)),
        session_name_(std::move(session_name)),
        sts_(std::move(sts)) {}

  Status Fetch(Credentials* out) override {
    std::string token;
    Status s = ReadTokenFile(where_, token_file_, &token);
    if (!s.ok()) return s;
    Credentials creds;
    s = sts_->AssumeRoleWithWebIdentity(role_arn_, session_name_, token, &creds);
    if (s.IsCancelled()) return s;
    if (!s.ok()) {
      return Status::NoCredentials(where_ + ": AssumeRoleWithWebIdentity of " + role_arn_ +
                                   " failed: " + Describe(s));
    }
    if (creds.account_id.empty()) creds.account_id = ArnAccount(role_arn_);
    creds.source = "web identity role " + role_arn_;
    *out = std::move(creds);
    return Status::OK();
  }

 private:
  const std::string where_;
  const std::string token_file_;
  const std::string role_arn_;
  const std::string session_name_;
  const std::unique_ptr<StsClient> sts_;
};

class SsoFetcher final : public CredentialsFetcher {
 public:
  explicit SsoFetcher(std::unique_ptr<SsoCredentialsFetcher> sso) : sso_(std::move(sso)) {}
  Status Fetch(Credentials* out) override { return sso_->Fetch(out); }

 private:
  const std::unique_ptr<SsoCredentialsFetcher> sso_;
};

}  // namespace

std::unique_ptr<CredentialsFetcher> NewAssumeRoleFetcher(
    std::string profile, AssumeRoleParams params, std::shared_ptr<CredentialsProvider> source,
    std::unique_ptr<StsClient> sts, std::string cache_file) {
  return std::make_unique<AssumeRoleFetcher>(std::move(profile), std::move(params),
                                             std::move(source), std::move(sts),
                                             std::move(cache_file));
}

std::string RoleCacheFile(const std::string& home, const AssumeRoleParams& params,
                          bool session_name_given) {
  if (home.empty()) return {};
  // nlohmann's objects are ordered by key, as sort_keys=True orders them
  // (the keys are ASCII); PythonJsonDumps adds Python's separators.
  // Text that is not UTF-8 (a Latin-1 config file) has no key Python would
  // compute alike, and nlohmann would throw on it: no cache then.
  for (const std::string* v :
       {&params.role_arn, &params.role_session_name, &params.external_id, &params.mfa_serial}) {
    if (!IsValidUtf8(*v)) return {};
  }
  nlohmann::json args = {{"RoleArn", params.role_arn}};
  if (session_name_given) args["RoleSessionName"] = params.role_session_name;
  if (!params.external_id.empty()) args["ExternalId"] = params.external_id;
  if (!params.mfa_serial.empty()) args["SerialNumber"] = params.mfa_serial;
  if (params.duration) args["DurationSeconds"] = *params.duration;
  std::string text;
  if (!PythonJsonDumps(args.dump(), &text).ok()) return {};
  std::string dir = home;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir + "/.aws/cli/cache/" + HexEncode(Sha1(text)) + ".json";
}

Status WriteFileAtomically(const std::string& path, const std::string& text) {
  if (size_t slash = path.rfind('/'); slash != std::string::npos && slash > 0) {
    // Each missing parent, owner-only: the cache holds secrets.
    std::string dir = path.substr(0, slash);
    for (size_t at = 1; at != std::string::npos;) {
      at = dir.find('/', at + 1);
      std::string part = dir.substr(0, at);
      if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
        return Status::IOError("cannot create " + part + ": " + std::strerror(errno));
      }
    }
  }
  // A fresh file of our own (mkstemp: O_EXCL, mode 0600) beside `path`.
  std::string tmp = path + ".ddbsql-XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return Status::IOError("cannot write " + tmp + ": " + std::strerror(errno));
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::IOError("cannot write " + tmp + ": " + std::strerror(e));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Status::IOError("cannot replace " + path + ": " + std::strerror(e));
  }
  return Status::OK();
}

std::unique_ptr<CredentialsFetcher> NewWebIdentityFetcher(std::string where, std::string token_file,
                                                          std::string role_arn,
                                                          std::string session_name,
                                                          std::unique_ptr<StsClient> sts) {
  return std::make_unique<WebIdentityFetcher>(std::move(where), std::move(token_file),
                                              std::move(role_arn), std::move(session_name),
                                              std::move(sts));
}

std::unique_ptr<CredentialsFetcher> NewSsoFetcher(std::unique_ptr<SsoCredentialsFetcher> sso) {
  return std::make_unique<SsoFetcher>(std::move(sso));
}

Status ReadSmallFile(const std::string& path, size_t max_bytes, std::string* text, bool* missing) {
  if (missing != nullptr) *missing = false;
  Fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) {
    if (missing != nullptr && (errno == ENOENT || errno == ENOTDIR)) {
      *missing = true;
      return Status::OK();
    }
    return Status::IOError("cannot read " + path + ": " + std::strerror(errno));
  }
  text->clear();
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError("cannot read " + path + ": " + std::strerror(errno));
    if (n == 0) return Status::OK();
    text->append(buf, static_cast<size_t>(n));
    if (text->size() > max_bytes) {
      return Status::IOError("file " + path + " is larger than " + std::to_string(max_bytes) +
                             " bytes");
    }
  }
}

std::string DefaultRoleSessionName() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return "ddbsql-session-" +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

}  // namespace ddb::aws
