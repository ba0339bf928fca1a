// Assume-role, web identity and SSO fetchers.
#include "engine/aws/credentials_role.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

namespace ddb::aws {

namespace {

constexpr size_t kMaxTokenFile = 64 * 1024;

std::string_view Trim(std::string_view s) {
  constexpr char kWs[] = " \t\r\n\f\v";
  size_t b = s.find_first_not_of(kWs);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kWs) - b + 1);
}

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
    return Status::NoCredentials(why +
                                 " but stdin is not a terminal; run ddbsql interactively, or "
                                 "export temporary credentials first");
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
  *code = std::string(Trim(line));
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
  *token = std::string(Trim(text));
  if (token->empty()) return Status::NoCredentials(what + ": empty");
  return Status::OK();
}

// "AccessDenied: message" for an AwsError, the message otherwise.
std::string Describe(const Status& s) {
  return s.aws_code().empty() ? s.message() : s.aws_code() + ": " + s.message();
}

class AssumeRoleFetcher final : public CredentialsFetcher {
 public:
  AssumeRoleFetcher(std::string profile, AssumeRoleParams params,
                    std::shared_ptr<CredentialsProvider> source, std::unique_ptr<StsClient> sts)
      : profile_(std::move(profile)),
        params_(std::move(params)),
        source_(std::move(source)),
        sts_(std::move(sts)) {}

  Status Fetch(Credentials* out) override {
    AssumeRoleParams params = params_;
    if (!params.mfa_serial.empty()) {
      if (used_mfa_) {
        return Status::NoCredentials("profile " + profile_ + ": the MFA session of role " +
                                     params.role_arn +
                                     " has expired; restart ddbsql to enter a new code");
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
    std::unique_ptr<StsClient> sts) {
  return std::make_unique<AssumeRoleFetcher>(std::move(profile), std::move(params),
                                             std::move(source), std::move(sts));
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
