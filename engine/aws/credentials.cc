// The default credentials chain.
//
// The chain is walked once; the source that answered is remembered and asked
// again only for expiring credentials (long-term keys are never re-read):
// in the background when less than 15 minutes remain (callers keep the
// current set), in the foreground when less than five remain. Only one
// resolution or renewal runs at a time, so concurrent callers wait for a
// single one instead of each running credential_process or calling STS.
//
// Role, web identity and SSO profiles answer through a CredentialsFetcher
// (credentials_role.h). An assume-role profile's source credentials come
// from a chain of their own (Mode): the source_profile's settings, or the
// one credential_source it names; source profiles that are roles nest
// further, with the profiles visited so far to refuse loops.
//
// credential_process, container and instance-metadata credentials are asked
// for in files of their own (credentials_sources.h).
#include "engine/aws/credentials.h"

#include <cctype>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>
#include <vector>

#include "engine/aws/config.h"
#include "engine/aws/credentials_role.h"
#include "engine/aws/credentials_sources.h"
#include "engine/aws/http.h"
#include "engine/aws/sso.h"
#include "engine/aws/sts.h"
#include "engine/strings.h"

namespace ddb::aws {

namespace {

using Clock = std::chrono::system_clock;

// Less than this left: renew in the background, keep using the current set
// (but see PrefetchWindow: never in the first half of the time before
// kRefreshWindow, so short-lived credentials are not renewed over and over).
constexpr auto kPrefetchWindow = std::chrono::minutes(15);
// Less than this left: callers wait for the renewal.
constexpr auto kRefreshWindow = std::chrono::minutes(5);
// After a failed refresh while the old credentials still work, wait this long
// before trying again so every request does not pay for the failure.
constexpr auto kRetryRefreshAfter = std::chrono::seconds(30);

}  // namespace

std::optional<std::string> EnvValue(const GetEnv& env, const std::string& name) {
  if (!env) return std::nullopt;
  std::optional<std::string> v = env(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

bool ParseTimestamp(std::string_view s, std::chrono::system_clock::time_point* out) {
  s = str::Trim(s);
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

namespace {

enum class Source {
  kNone,
  kEnvironment,
  kCredentialsFile,
  kProcess,
  kConfigFile,
  kContainer,
  kInstanceMetadata,
  kFetcher,  // assume role, web identity, SSO
};

// What a chain looks at: everything (the default chain), or the one source
// an assume-role profile names (its source_profile, or a credential_source).
enum class Mode {
  kDefault,
  kSourceProfile,  // the profile's own settings, no environment variables
  kEnvironment,
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
               bool explicit_profile, HttpClient* http, bool profile_from_flag, std::string region,
               Mode mode = Mode::kDefault, std::vector<std::string> visited = {})
      : env_(std::move(env)),
        files_(std::move(files)),
        profile_(std::move(profile)),
        explicit_profile_(explicit_profile),
        profile_from_flag_(profile_from_flag || mode != Mode::kDefault),
        http_(http),
        region_(std::move(region)),
        mode_(mode),
        visited_(std::move(visited)) {
    if (visited_.empty()) visited_.push_back(profile_);
  }

  ~DefaultChain() override {
    std::thread worker;
    {
      std::lock_guard<std::mutex> lock(mu_);
      worker = std::move(worker_);
    }
    if (worker.joinable()) worker.join();
  }

  // The account of the cached set; before any set is fetched (the shell
  // connects lazily), the one the profile names without a request: its
  // role_arn's account or sso_account_id, unless environment keys come first.
  std::string KnownAccount() const override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cached_) return cached_->account_id;
    }
    if (mode_ != Mode::kDefault) return {};
    if (!profile_from_flag_ && EnvValue(env_, "AWS_ACCESS_KEY_ID")) return {};
    if (IsAssumeRoleProfile(profile_)) {
      // arn:PARTITION:iam::ACCOUNT:role/NAME: the fifth field.
      std::string arn = std::string(str::Trim(*files_->ProfileValue(profile_, "role_arn")));
      std::vector<std::string> fields;
      for (size_t start = 0;;) {
        size_t colon = arn.find(':', start);
        fields.push_back(arn.substr(start, colon - start));
        if (colon == std::string::npos) break;
        start = colon + 1;
      }
      std::string account = fields.size() > 4 ? fields[4] : "";
      bool digits =
          account.size() == 12 && account.find_first_not_of("0123456789") == std::string::npos;
      return digits ? account : std::string();
    }
    if (std::optional<std::string> id = files_->ProfileValue(profile_, "sso_account_id")) {
      return std::string(str::Trim(*id));
    }
    return {};
  }

  // Returns the cached set while more than kRefreshWindow is left; with less
  // than PrefetchWindow() left, one background thread renews it meanwhile.
  // Only one resolution or renewal runs at a time (`refreshing_`); other
  // callers that need fresh credentials wait for it.
  Status GetCredentials(Credentials* out) override {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      const Clock::time_point now = Clock::now();
      if (cached_) {
        bool fresh = !cached_->expiration || *cached_->expiration - now > kRefreshWindow;
        bool usable = !cached_->expiration || *cached_->expiration > now;
        if (fresh || (usable && now < retry_after_)) {
          if (fresh && cached_->expiration && *cached_->expiration - now < PrefetchWindow() &&
              !refreshing_ && now >= retry_after_ && CanRenewInBackground()) {
            StartBackgroundRenewal();
          }
          *out = *cached_;
          return Status::OK();
        }
      }
      if (!refreshing_) break;
      done_.wait(lock);
    }
    refreshing_ = true;
    lock.unlock();
    Credentials creds;
    Status s = source_ == Source::kNone ? Resolve(&creds) : Refresh(&creds);
    lock.lock();
    refreshing_ = false;
    done_.notify_all();
    const Clock::time_point now = Clock::now();
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
    cached_at_ = now;
    *out = std::move(creds);
    return Status::OK();
  }

 private:
  // kPrefetchWindow, or less for credentials issued for less than 35
  // minutes: halfway between their start and kRefreshWindow. mu_ is held.
  Clock::duration PrefetchWindow() const {
    Clock::duration lifetime = *cached_->expiration - cached_at_;
    if (lifetime <= kRefreshWindow) return kRefreshWindow;
    return std::min<Clock::duration>(kPrefetchWindow,
                                     kRefreshWindow + (lifetime - kRefreshWindow) / 2);
  }

  bool CanRenewInBackground() const {
    return source_ != Source::kFetcher || fetcher_->CanRenewInBackground();
  }

  // Renews the cached credentials on a thread of its own. mu_ is held.
  void StartBackgroundRenewal() {
    refreshing_ = true;
    // A previous worker has finished (refreshing_ was false): reap it.
    if (worker_.joinable()) worker_.join();
    worker_ = std::thread([this] {
      Credentials creds;
      Status s = Refresh(&creds);
      std::lock_guard<std::mutex> guard(mu_);
      if (s.ok()) {
        cached_ = std::move(creds);
        cached_at_ = Clock::now();
      } else {
        retry_after_ = Clock::now() + kRetryRefreshAfter;
      }
      refreshing_ = false;
      done_.notify_all();
    });
  }

  // Walks the chain; remembers the source that answered.
  Status Resolve(Credentials* out) {
    switch (mode_) {
      case Mode::kDefault:
        break;
      case Mode::kSourceProfile:
        return ResolveSourceProfile(out);
      case Mode::kEnvironment:
      case Mode::kContainer:
      case Mode::kInstanceMetadata:
        return ResolveCredentialSource(out);
    }
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
      s = FromProfileSettings(out, &found);
      if (!s.ok() || found) return s;
      s = FromProfileKeys(out, &found);
      if (!s.ok() || found) return s;
      tried.push_back("profile " + profile_ +
                      (files_->HasProfile(profile_)
                           ? " (no aws_access_key_id or credential_process in "
                           : " (not in ") +
                      files_->credentials_path() + " or " + files_->config_path() + ")");
    } else {
      tried.push_back("profile " + profile_ + " (no config files loaded)");
      s = FromWebIdentity(out, &found);
      if (!s.ok() || found) return s;
    }
    s = ContainerCredentials(env_, http_, out, &found);
    if (!s.ok() || found) return Chose(Source::kContainer, s);
    tried.push_back(
        "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
        "AWS_CONTAINER_CREDENTIALS_FULL_URI not set)");

    if (ImdsDisabled(env_)) {
      tried.push_back("EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)");
    } else if (http_ == nullptr) {
      tried.push_back("EC2 instance metadata (no HTTP client)");
    } else {
      s = InstanceMetadataCredentials(env_, files_.get(), profile_, http_, out);
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
      case Source::kFetcher:
        return fetcher_->Fetch(out);
      case Source::kProcess:
        s = FromProcess(out, &found);
        break;
      case Source::kContainer:
        s = ContainerCredentials(env_, http_, out, &found);
        break;
      case Source::kInstanceMetadata:
        return InstanceMetadataCredentials(env_, files_.get(), profile_, http_, out);
      default:
        return Resolve(out);
    }
    if (s.ok() && !found) return Status::NoCredentials("credentials source disappeared");
    return s;
  }

  // The profile's role, web identity or SSO settings (botocore's order).
  Status FromProfileSettings(Credentials* out, bool* found) {
    *found = false;
    if (IsAssumeRoleProfile(profile_)) {
      *found = true;
      return UseFetcher(BuildAssumeRole(profile_), out);
    }
    Status s = FromWebIdentity(out, found);
    if (!s.ok() || *found) return s;
    s = FromSso(out, found);
    if (!s.ok() || *found) return s;
    if (files_->ProfileValue(profile_, "login_session")) {
      // `aws login` sessions: better to say so than to fall through to
      // other credentials, a different identity.
      return Status::NotSupported(
          "profile " + profile_ +
          " uses login_session, which ddbsql does not support; export temporary "
          "credentials instead, e.g. `eval \"$(aws configure export-credentials --profile " +
          profile_ + " --format env)\"`");
    }
    return Status::OK();
  }

  Status UseFetcher(std::pair<Status, std::unique_ptr<CredentialsFetcher>> built,
                    Credentials* out) {
    if (!built.first.ok()) return built.first;
    fetcher_ = std::move(built.second);
    return Chose(Source::kFetcher, fetcher_->Fetch(out));
  }

  bool HasStaticKeys(const std::string& profile) const {
    return files_->ProfileValue(profile, "aws_access_key_id") ||
           files_->ProfileValue(profile, "aws_secret_access_key");
  }

  bool IsAssumeRoleProfile(const std::string& profile) const {
    return files_->ProfileValue(profile, "role_arn") &&
           !files_->ProfileValue(profile, "web_identity_token_file");
  }

  std::unique_ptr<StsClient> NewSts() const {
    Settings settings;
    settings.profile = profile_;
    settings.region = region_;
    Endpoint endpoint;
    // --endpoint-url is DynamoDB's; AWS_ENDPOINT_URL_STS and the profile's
    // services section apply, as in the CLI.
    Status s = ResolveEndpoint("sts", env_, *files_, settings, Overrides{}, &endpoint);
    if (!s.ok()) return nullptr;
    return std::make_unique<StsClient>(http_, std::move(endpoint), region_);
  }

  Status StsEndpointError() const {
    Settings settings;
    settings.profile = profile_;
    settings.region = region_;
    Endpoint endpoint;
    Status s = ResolveEndpoint("sts", env_, *files_, settings, Overrides{}, &endpoint);
    return s.ok() ? Status::InvalidArgument("no HTTP client for STS") : s;
  }

  // The fetcher of an assume-role profile and, through source_profile or
  // credential_source, the chain its source credentials come from.
  std::pair<Status, std::unique_ptr<CredentialsFetcher>> BuildAssumeRole(
      const std::string& profile) {
    auto fail = [&](const std::string& msg) {
      return std::make_pair(Status::InvalidArgument("profile " + profile + ": " + msg),
                            std::unique_ptr<CredentialsFetcher>());
    };
    auto get = [&](const char* key) {
      std::optional<std::string> v = files_->ProfileValue(profile, key);
      if (v && str::Trim(*v).empty()) v.reset();
      return v;
    };
    AssumeRoleParams params;
    params.role_arn = std::string(str::Trim(*get("role_arn")));
    std::optional<std::string> session_name = get("role_session_name");
    params.role_session_name = session_name.value_or(DefaultRoleSessionName());
    params.external_id = get("external_id").value_or("");
    params.mfa_serial = get("mfa_serial").value_or("");
    if (auto d = get("duration_seconds")) {
      int v = 0;
      std::string_view t = str::Trim(*d);
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (ec != std::errc() || p != t.data() + t.size() || v <= 0) {
        return fail("duration_seconds must be a positive number of seconds, got \"" + *d + "\"");
      }
      params.duration = v;
    }
    std::optional<std::string> source_profile = get("source_profile");
    std::optional<std::string> credential_source = get("credential_source");
    if (source_profile && credential_source) {
      return fail("has both source_profile and credential_source; keep one");
    }
    if (!source_profile && !credential_source) {
      return fail("role_arn " + params.role_arn +
                  " needs source_profile or credential_source to say which credentials "
                  "assume it");
    }
    std::shared_ptr<CredentialsProvider> source;
    if (credential_source) {
      std::string cs(str::Trim(*credential_source));
      Mode mode;
      if (cs == "Environment") {
        mode = Mode::kEnvironment;
      } else if (cs == "Ec2InstanceMetadata") {
        mode = Mode::kInstanceMetadata;
      } else if (cs == "EcsContainer") {
        mode = Mode::kContainer;
      } else {
        return fail("credential_source " + cs +
                    " is not valid (expected Environment, Ec2InstanceMetadata or EcsContainer)");
      }
      source = std::make_shared<DefaultChain>(env_, files_, profile, false, http_, true, region_,
                                              mode, visited_);
    } else {
      std::string sp(str::Trim(*source_profile));
      if (!files_->HasProfile(sp)) {
        return fail("source_profile " + sp + " does not exist in " + files_->config_path() +
                    " or " + files_->credentials_path());
      }
      bool seen = false;
      for (const std::string& v : visited_) seen = seen || v == sp;
      // A profile may name itself when it holds the keys that assume the role.
      if (seen && !(sp == profile && HasStaticKeys(sp))) {
        std::string loop;
        for (const std::string& v : visited_) loop += v + " -> ";
        return fail("source_profile loop: " + loop + sp);
      }
      std::vector<std::string> visited = visited_;
      visited.push_back(sp);
      source = std::make_shared<DefaultChain>(env_, files_, sp, false, http_, true, region_,
                                              Mode::kSourceProfile, std::move(visited));
    }
    std::unique_ptr<StsClient> sts = http_ ? NewSts() : nullptr;
    if (!sts) return {StsEndpointError().WithContext("profile " + profile), nullptr};
    // The AWS CLI's cache of this role's credentials (~/.aws/cli/cache).
    std::string cache_file =
        RoleCacheFile(EnvValue(env_, "HOME").value_or(""), params, session_name.has_value());
    return {Status::OK(), NewAssumeRoleFetcher(profile, std::move(params), std::move(source),
                                               std::move(sts), std::move(cache_file))};
  }

  // A source_profile: its role (when it has no keys of its own), web
  // identity, SSO, static keys or credential_process; never the environment.
  Status ResolveSourceProfile(Credentials* out) {
    const std::string& parent = visited_.size() >= 2 ? visited_[visited_.size() - 2] : profile_;
    if (!HasStaticKeys(profile_) && IsAssumeRoleProfile(profile_)) {
      return UseFetcher(BuildAssumeRole(profile_), out);
    }
    bool found = false;
    Status s = FromWebIdentity(out, &found);
    if (!s.ok() || found) return s;
    s = FromSso(out, &found);
    if (!s.ok() || found) return s;
    s = FromProfileKeys(out, &found);
    if (!s.ok() || found) return s;
    return Status::NoCredentials("profile " + parent + ": source_profile " + profile_ +
                                 " has no credentials (no keys, credential_process, role, "
                                 "web identity or SSO settings)");
  }

  // credential_source of an assume-role profile: one source only.
  Status ResolveCredentialSource(Credentials* out) {
    bool found = false;
    Status s;
    std::string name;
    switch (mode_) {
      case Mode::kEnvironment:
        name = "Environment";
        s = Chose(Source::kEnvironment, FromEnvironment(out, &found));
        break;
      case Mode::kContainer:
        name = "EcsContainer";
        s = Chose(Source::kContainer, ContainerCredentials(env_, http_, out, &found));
        break;
      default:
        name = "Ec2InstanceMetadata";
        found = true;
        if (ImdsDisabled(env_)) {
          s = Status::NoCredentials("disabled by AWS_EC2_METADATA_DISABLED");
        } else {
          s = http_ ? Chose(Source::kInstanceMetadata,
                            InstanceMetadataCredentials(env_, files_.get(), profile_, http_, out))
                    : Status::NoCredentials("no HTTP client");
        }
        break;
    }
    const std::string what = "profile " + profile_ + ": credential_source " + name;
    if (!s.ok()) return Status::NoCredentials(what + ": " + s.message());
    if (!found) {
      return Status::NoCredentials(what + ": no credentials there" +
                                   (mode_ == Mode::kEnvironment
                                        ? " (AWS_ACCESS_KEY_ID is not set)"
                                        : " (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
                                          "AWS_CONTAINER_CREDENTIALS_FULL_URI are not set)"));
    }
    if (mode_ == Mode::kEnvironment) source_ = Source::kNone;  // re-read, never refreshed
    return s;
  }

  // Web identity: the environment's settings (not with --profile or for a
  // source profile), each falling back to the profile's.
  Status FromWebIdentity(Credentials* out, bool* found) {
    *found = false;
    const bool use_env = !profile_from_flag_;
    auto get = [&](const char* env_name, const char* key, std::string* from) {
      std::optional<std::string> v;
      if (use_env && (v = EnvValue(env_, env_name))) {
        *from = "the environment";
        return v;
      }
      if (files_) v = files_->ProfileValue(profile_, key);
      if (v && str::Trim(*v).empty()) v.reset();
      if (v) *from = "profile " + profile_;
      return v;
    };
    std::string where, role_from, name_from;
    std::optional<std::string> token_file =
        get("AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file", &where);
    if (!token_file) return Status::OK();
    *found = true;
    std::optional<std::string> role = get("AWS_ROLE_ARN", "role_arn", &role_from);
    if (!role) {
      return Status::InvalidArgument(where +
                                     ": a web identity token file is set but no role ARN "
                                     "(AWS_ROLE_ARN or the profile's role_arn)");
    }
    std::string session =
        get("AWS_ROLE_SESSION_NAME", "role_session_name", &name_from).value_or("");
    if (session.empty()) session = DefaultRoleSessionName();
    std::string path = *token_file;
    if (path == "~" || path.rfind("~/", 0) == 0) {
      if (auto home = EnvValue(env_, "HOME")) path = *home + path.substr(1);
    }
    std::unique_ptr<StsClient> sts = (http_ && files_) ? NewSts() : nullptr;
    if (!sts) {
      return files_ ? StsEndpointError().WithContext(where)
                    : Status::InvalidArgument(where + ": web identity needs the config files");
    }
    return UseFetcher(
        {Status::OK(), NewWebIdentityFetcher(where, path, std::string(str::Trim(*role)), session,
                                             std::move(sts))},
        out);
  }

  Status FromSso(Credentials* out, bool* found) {
    SsoProfile sso;
    Status s = ReadSsoProfile(*files_, profile_, &sso, found);
    if (!s.ok() || !*found) return s;
    if (http_ == nullptr) return Status::NoCredentials("profile " + profile_ + ": no HTTP client");
    return UseFetcher({Status::OK(), NewSsoFetcher(std::make_unique<SsoCredentialsFetcher>(
                                         std::move(sso), env_, files_, http_))},
                      out);
  }

  // Static keys in the credentials file, credential_process, static keys in
  // the config file: botocore's order.
  Status FromProfileKeys(Credentials* out, bool* found) {
    Status s = FromStaticProfile(/*credentials_file=*/true, out, found);
    if (!s.ok() || *found) return Chose(Source::kCredentialsFile, s);
    s = FromProcess(out, found);
    if (!s.ok() || *found) return Chose(Source::kProcess, s);
    s = FromStaticProfile(/*credentials_file=*/false, out, found);
    if (!s.ok() || *found) return Chose(Source::kConfigFile, s);
    return Status::OK();
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
    if (!command || str::Trim(*command).empty()) return Status::OK();
    Status s = ProcessCredentials(profile_, *command, out);
    *found = s.ok();
    return s;
  }

  const GetEnv env_;
  const std::shared_ptr<const ConfigFiles> files_;
  const std::string profile_;
  const bool explicit_profile_;
  const bool profile_from_flag_;
  HttpClient* const http_;
  const std::string region_;
  const Mode mode_;
  // The profiles followed so far through source_profile, this one last.
  std::vector<std::string> visited_;

  // Used only by the thread that set refreshing_ (resolution or renewal).
  Source source_ = Source::kNone;
  std::unique_ptr<CredentialsFetcher> fetcher_;

  mutable std::mutex mu_;
  std::condition_variable done_;       // refreshing_ became false
  bool refreshing_ = false;            // guarded by mu_
  std::optional<Credentials> cached_;  // guarded by mu_
  Clock::time_point cached_at_{};      // guarded by mu_: when cached_ was obtained
  Clock::time_point retry_after_{};    // guarded by mu_
  std::thread worker_;                 // guarded by mu_
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
    bool explicit_profile, HttpClient* http, bool profile_from_flag, std::string region) {
  return std::make_unique<DefaultChain>(std::move(env), std::move(files), std::move(profile),
                                        explicit_profile, http, profile_from_flag,
                                        std::move(region));
}

}  // namespace ddb::aws
