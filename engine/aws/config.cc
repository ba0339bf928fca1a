// Shared config/credentials files and settings resolution.
//
// The INI dialect follows what botocore (the AWS CLI) accepts, with the
// newer SDKs' inline comments: full-line comments start with '#' or ';', and
// on other lines a '#' or ';' preceded by whitespace starts a comment. Keys
// are case-insensitive (stored lower-cased); profile names are not. An
// indented line below a property continues it: below an empty value it is a
// `key = value` sub-property (the `s3 =` / `dynamodb =` blocks), below a
// non-empty value it is appended on a new line, as configparser does.
#include "engine/aws/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/strings.h"

namespace ddb::aws {

namespace {

// An environment variable; an empty value counts as unset, as it does for
// most SDK settings (and `export AWS_REGION=` should not mean region "").
std::optional<std::string> EnvValue(const GetEnv& env, const std::string& name) {
  if (!env) return std::nullopt;
  std::optional<std::string> v = env(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

// Expands a leading "~" or "~/" from HOME. False when that needs HOME and
// HOME is unset (the caller treats the file as absent rather than guessing).
bool ExpandHome(const GetEnv& env, const std::string& path, std::string* out) {
  if (path == "~" || path.rfind("~/", 0) == 0) {
    std::optional<std::string> home = EnvValue(env, "HOME");
    if (!home) return false;
    std::string h = *home;
    while (h.size() > 1 && h.back() == '/') h.pop_back();
    *out = h + path.substr(1);
    return true;
  }
  *out = path;
  return true;
}

// Cuts a comment that starts at '#' or ';' preceded by whitespace.
std::string_view StripInlineComment(std::string_view s) {
  for (size_t i = 1; i < s.size(); ++i) {
    if ((s[i] == '#' || s[i] == ';') && (s[i - 1] == ' ' || s[i - 1] == '\t')) {
      return s.substr(0, i);
    }
  }
  return s;
}

std::vector<std::string_view> SplitWhitespace(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) parts.push_back(s.substr(start, i - start));
  }
  return parts;
}

size_t IndentOf(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && (line[n] == ' ' || line[n] == '\t')) ++n;
  return n;
}

// Reads `path` whole. A missing file sets *found = false and is OK.
Status ReadFileIfExists(const std::string& path, const char* what, std::string* text, bool* found) {
  *found = false;
  text->clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::OK();
    return Status::IOError(std::string("cannot read ") + what + " " + path + ": " +
                           std::strerror(errno));
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return Status::IOError(std::string("cannot read ") + what + " " + path + ": " +
                           std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    return Status::IOError(std::string("cannot read ") + what + " " + path + ": is a directory");
  }
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(std::string("cannot read ") + what + " " + path + ": " +
                             std::strerror(errno));
    }
    if (n == 0) break;
    text->append(buf, static_cast<size_t>(n));
  }
  *found = true;
  return Status::OK();
}

// Valid region names, as botocore checks them before building a host name
// (so a stray space or slash cannot reach a URL).
bool ValidRegion(std::string_view r) {
  if (r.empty() || r.size() > 63) return false;
  for (char c : r) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return r.front() != '-' && r.back() != '-';
}

// The DNS suffix of the partition a region belongs to.
std::string DnsSuffix(std::string_view region) {
  auto starts = [&](std::string_view p) { return region.rfind(p, 0) == 0; };
  if (starts("cn-")) return "amazonaws.com.cn";
  if (starts("us-isob-")) return "sc2s.sgov.gov";
  if (starts("us-isof-")) return "csp.hci.ic.gov";
  if (starts("us-iso-")) return "c2s.ic.gov";
  if (starts("eu-isoe-")) return "cloud.adc-e.uk";
  return "amazonaws.com";  // aws and aws-us-gov
}

// Service name as used in AWS_ENDPOINT_URL_<X> and in [services] keys.
std::string ServiceEnvSuffix(std::string_view service) {
  std::string out;
  for (char c : service) {
    out.push_back(std::isalnum(static_cast<unsigned char>(c))
                      ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                      : '_');
  }
  return out;
}
std::string ServiceConfigKey(std::string_view service) {
  std::string out = str::Lower(service);
  for (char& c : out) {
    if (c == ' ' || c == '-') c = '_';
  }
  return out;
}

bool ParsePositiveInt(std::string_view s, int* out) {
  s = str::Trim(s);
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return false;
  *out = v;
  return true;
}

}  // namespace

// Turns file text into ConfigFiles sections.
class ConfigParser {
 public:
  enum class Kind { kConfig, kCredentials };

  // Parses `text` (named `path` in errors) into `files`. With `lenient`,
  // malformed lines are skipped instead of failing.
  static Status Parse(std::string_view text, Kind kind, const std::string& path, bool lenient,
                      ConfigFiles* files) {
    // Raw sections by normalized header, merged when repeated (later keys win).
    std::map<std::string, ConfigFiles::Section> raw;
    ConfigFiles::Section* section = nullptr;
    bool in_section = false;
    std::string key;  // the property that indented lines continue
    size_t key_indent = 0;

    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 BOM
    size_t line_no = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t eol = text.find('\n', pos);
      if (eol == std::string_view::npos) eol = text.size();
      std::string_view line = text.substr(pos, eol - pos);
      pos = eol + 1;
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

      auto fail = [&](const char* what) -> Status {
        return Status::InvalidArgument(path + " line " + std::to_string(line_no) + ": " + what);
      };
      std::string_view trimmed = str::Trim(line);
      if (trimmed.empty() || trimmed[0] == '#' || trimmed[0] == ';') continue;

      size_t indent = IndentOf(line);
      if (in_section && !key.empty() && indent > key_indent) {
        std::string_view body = str::Trim(StripInlineComment(trimmed));
        if (body.empty()) continue;
        if (section == nullptr) continue;
        std::string& parent = (*section)[key];
        if (parent.empty()) {  // sub-properties leave the parent empty
          size_t eq = body.find('=');
          if (eq == std::string_view::npos || str::Trim(body.substr(0, eq)).empty()) {
            if (lenient) continue;
            return fail("expected `key = value` in an indented block");
          }
          (*section)[key + "." + str::Lower(str::Trim(body.substr(0, eq)))] =
              std::string(str::Trim(body.substr(eq + 1)));
        } else {
          parent += "\n";
          parent += body;
        }
        continue;
      }

      if (trimmed[0] == '[') {
        size_t close = trimmed.find(']');
        std::string_view rest = close == std::string_view::npos
                                    ? std::string_view()
                                    : str::Trim(trimmed.substr(close + 1));
        std::string_view name = close == std::string_view::npos
                                    ? std::string_view()
                                    : str::Trim(trimmed.substr(1, close - 1));
        if (close == std::string_view::npos || name.empty() ||
            (!rest.empty() && rest[0] != '#' && rest[0] != ';')) {
          if (lenient) {
            in_section = true;
            section = nullptr;  // drop the properties of a broken section
            key.clear();
            continue;
          }
          return fail("malformed section header");
        }
        std::string normalized;
        for (std::string_view part : SplitWhitespace(name)) {
          if (!normalized.empty()) normalized += ' ';
          normalized += part;
        }
        section = &raw[normalized];
        in_section = true;
        key.clear();
        continue;
      }

      size_t delim = trimmed.find_first_of("=:");
      if (delim == std::string_view::npos || str::Trim(trimmed.substr(0, delim)).empty()) {
        if (lenient) continue;
        return fail("expected [section] or `key = value`");
      }
      if (!in_section) {
        if (lenient) continue;
        return fail("`key = value` before any [section]");
      }
      key = str::Lower(str::Trim(trimmed.substr(0, delim)));
      key_indent = indent;
      if (section != nullptr) {
        // A property repeated later replaces the earlier one and its block.
        for (auto it = section->lower_bound(key + "."); it != section->end();) {
          if (it->first.rfind(key + ".", 0) != 0) break;
          it = section->erase(it);
        }
        (*section)[key] = std::string(str::Trim(StripInlineComment(trimmed.substr(delim + 1))));
      }
    }

    for (auto& [name, values] : raw) Place(kind, name, raw, std::move(values), files);
    return Status::OK();
  }

 private:
  static void Merge(ConfigFiles::Section values, ConfigFiles::Section* into) {
    for (auto& [k, v] : values) (*into)[k] = std::move(v);
  }

  // Files a raw section under the profile, services entry or nothing it is.
  static void Place(Kind kind, const std::string& name,
                    const std::map<std::string, ConfigFiles::Section>& raw,
                    ConfigFiles::Section values, ConfigFiles* files) {
    if (kind == Kind::kCredentials) {
      Merge(std::move(values), &files->credentials_[name]);
      return;
    }
    std::vector<std::string_view> parts = SplitWhitespace(name);
    if (name == "default") {
      // [profile default] wins over [default] when a file has both.
      if (raw.count("profile default") == 0) Merge(std::move(values), &files->config_["default"]);
    } else if (parts.size() == 2 && parts[0] == "profile") {
      Merge(std::move(values), &files->config_[std::string(parts[1])]);
    } else if (parts.size() == 2 && parts[0] == "services") {
      // Only the sub-sections matter: "dynamodb.endpoint_url" -> [x.dynamodb].
      for (auto& [k, v] : values) {
        size_t dot = k.find('.');
        if (dot == std::string::npos) continue;
        std::string service = ServiceConfigKey(k.substr(0, dot));
        files->services_[std::string(parts[1]) + "." + service][k.substr(dot + 1)] = v;
      }
    } else if (parts.size() == 2 && parts[0] == "sso-session") {
      Merge(std::move(values), &files->sso_sessions_[std::string(parts[1])]);
    }
    // Anything else ([preview], [dev] without "profile")
    // is not a profile, as in botocore.
  }
};

Status ConfigFiles::Load(const GetEnv& env, std::shared_ptr<ConfigFiles>* out) {
  auto files = std::make_shared<ConfigFiles>();
  struct FileSpec {
    const char* env_name;
    const char* default_path;
    const char* what;
    ConfigParser::Kind kind;
    std::string* path;
  };
  FileSpec specs[] = {
      {"AWS_CONFIG_FILE", "~/.aws/config", "config file", ConfigParser::Kind::kConfig,
       &files->config_path_},
      {"AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", "credentials file",
       ConfigParser::Kind::kCredentials, &files->credentials_path_},
  };
  for (const FileSpec& spec : specs) {
    std::string given = EnvValue(env, spec.env_name).value_or(spec.default_path);
    std::string path;
    if (!ExpandHome(env, given, &path)) {
      *spec.path = given;  // no HOME: nothing to read
      continue;
    }
    *spec.path = path;
    std::string text;
    bool found = false;
    Status s = ReadFileIfExists(path, spec.what, &text, &found);
    if (!s.ok()) return s;
    if (!found) continue;
    s = ConfigParser::Parse(text, spec.kind, path, /*lenient=*/false, files.get());
    if (!s.ok()) return s;
  }
  *out = std::move(files);
  return Status::OK();
}

std::shared_ptr<ConfigFiles> ConfigFiles::FromStrings(std::string_view config_text,
                                                      std::string_view credentials_text) {
  auto files = std::make_shared<ConfigFiles>();
  ConfigParser::Parse(config_text, ConfigParser::Kind::kConfig, files->config_path_, true,
                      files.get());
  ConfigParser::Parse(credentials_text, ConfigParser::Kind::kCredentials, files->credentials_path_,
                      true, files.get());
  return files;
}

bool ConfigFiles::HasProfile(const std::string& profile) const {
  return config_.count(profile) > 0 || credentials_.count(profile) > 0;
}

Status ConfigFiles::RequireProfile(const std::string& profile) const {
  if (HasProfile(profile)) return Status::OK();
  return Status::NotFound("profile " + profile + " not found in " + config_path_ + " or " +
                          credentials_path_);
}

namespace {
std::optional<std::string> Lookup(const std::map<std::string, ConfigFiles::Section>& sections,
                                  const std::string& name, const std::string& key) {
  auto it = sections.find(name);
  if (it == sections.end()) return std::nullopt;
  auto kv = it->second.find(str::Lower(key));
  if (kv == it->second.end()) return std::nullopt;
  return kv->second;
}
}  // namespace

std::optional<std::string> ConfigFiles::ConfigValue(const std::string& profile,
                                                    const std::string& key) const {
  return Lookup(config_, profile, key);
}

std::optional<std::string> ConfigFiles::CredentialsValue(const std::string& profile,
                                                         const std::string& key) const {
  return Lookup(credentials_, profile, key);
}

std::optional<std::string> ConfigFiles::ProfileValue(const std::string& profile,
                                                     const std::string& key) const {
  if (auto v = CredentialsValue(profile, key)) return v;
  return ConfigValue(profile, key);
}

std::optional<std::string> ConfigFiles::ServiceValue(const std::string& services_name,
                                                     const std::string& service,
                                                     const std::string& key) const {
  return Lookup(services_, services_name + "." + ServiceConfigKey(service), key);
}

std::optional<std::string> ConfigFiles::SsoSessionValue(const std::string& name,
                                                        const std::string& key) const {
  return Lookup(sso_sessions_, name, key);
}

const ConfigFiles::Section* ConfigFiles::SsoSession(const std::string& name) const {
  auto it = sso_sessions_.find(name);
  return it == sso_sessions_.end() ? nullptr : &it->second;
}

Status ResolveSettings(const GetEnv& env, const ConfigFiles& files, const Overrides& flags,
                       Settings* out) {
  Settings s;
  if (!flags.profile.empty()) {
    s.profile = flags.profile;
    s.explicit_profile = true;
    s.profile_from_flag = true;
  } else if (auto p = EnvValue(env, "AWS_PROFILE")) {
    s.profile = *p;
    s.explicit_profile = true;
  } else {
    s.profile = "default";
  }
  if (s.explicit_profile) {
    Status st = files.RequireProfile(s.profile);
    if (!st.ok()) return st;
  }
  const std::string profile_src = "profile " + s.profile + " ";

  std::string region_src;
  if (!flags.region.empty()) {
    s.region = flags.region;
    region_src = "--region";
  } else if (auto r = EnvValue(env, "AWS_REGION")) {
    s.region = *r;
    region_src = "AWS_REGION";
  } else if (auto r2 = EnvValue(env, "AWS_DEFAULT_REGION")) {
    s.region = *r2;
    region_src = "AWS_DEFAULT_REGION";
  } else if (auto r3 = files.ProfileValue(s.profile, "region"); r3 && !r3->empty()) {
    s.region = *r3;
    region_src = profile_src + "region";
  }
  if (s.region.empty()) {
    return Status::InvalidArgument("no AWS region: set AWS_REGION, add `region` to profile " +
                                   s.profile + ", or pass --region");
  }
  if (!ValidRegion(s.region)) {
    return Status::InvalidArgument(region_src + ": invalid region name \"" + s.region + "\"");
  }

  std::optional<std::string> mode;
  std::string mode_src;
  if ((mode = EnvValue(env, "AWS_RETRY_MODE"))) {
    mode_src = "AWS_RETRY_MODE";
  } else if ((mode = files.ProfileValue(s.profile, "retry_mode"))) {
    mode_src = profile_src + "retry_mode";
  }
  if (mode) {
    std::string m = str::Lower(str::Trim(*mode));
    if (m == "standard") {
      s.retry_mode = RetryMode::kStandard;
    } else if (m == "legacy") {
      s.retry_mode = RetryMode::kLegacy;
    } else if (m == "adaptive") {
      s.retry_mode = RetryMode::kAdaptive;
    } else {
      return Status::InvalidArgument(mode_src + ": invalid retry mode \"" + *mode +
                                     "\" (expected standard, legacy or adaptive)");
    }
  }

  s.max_attempts = s.retry_mode == RetryMode::kLegacy ? 5 : 3;
  std::optional<std::string> attempts;
  std::string attempts_src;
  if ((attempts = EnvValue(env, "AWS_MAX_ATTEMPTS"))) {
    attempts_src = "AWS_MAX_ATTEMPTS";
  } else if ((attempts = files.ProfileValue(s.profile, "max_attempts"))) {
    attempts_src = profile_src + "max_attempts";
  }
  if (attempts && !ParsePositiveInt(*attempts, &s.max_attempts)) {
    return Status::InvalidArgument(
        attempts_src + ": max_attempts must be a positive integer, got \"" + *attempts + "\"");
  }

  // Timeouts: the flag, else the profile's key (as the AWS CLI names them).
  for (auto [flag, key, seconds] :
       {std::tuple{&flags.connect_timeout, "cli_connect_timeout", &s.connect_timeout_s},
        std::tuple{&flags.read_timeout, "cli_read_timeout", &s.read_timeout_s}}) {
    std::optional<std::string> text = *flag;
    std::string src = std::string("--") + key;
    if (flag->empty()) {
      text = files.ProfileValue(s.profile, key);
      src = profile_src + key;
    }
    if (text && !ParseTimeoutSeconds(str::Trim(*text), seconds)) {
      return Status::InvalidArgument(src + ": \"" + *text +
                                     "\" is not a number of seconds (0: wait indefinitely)");
    }
  }

  std::optional<std::string> bundle = EnvValue(env, "AWS_CA_BUNDLE");
  if (!bundle) bundle = files.ProfileValue(s.profile, "ca_bundle");
  if (bundle && !bundle->empty() && !ExpandHome(env, *bundle, &s.ca_bundle)) s.ca_bundle = *bundle;

  *out = std::move(s);
  return Status::OK();
}

bool ParseTimeoutSeconds(std::string_view text, double* seconds) {
  std::string t(text);
  if (t.empty() || t.find_first_not_of("0123456789.") != std::string::npos) return false;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || !(v >= 0) || v > 1e6) return false;
  *seconds = v;
  return true;
}

std::string Endpoint::HostHeader() const {
  return port == 0 ? host : host + ":" + std::to_string(port);
}

std::string Endpoint::BaseUrl() const { return scheme + "://" + HostHeader() + base_path; }

std::string RedactUrlUserInfo(std::string_view url) {
  size_t sep = url.find("://");
  size_t from = sep == std::string_view::npos ? 0 : sep + 3;
  size_t end = url.find_first_of("/?#", from);
  size_t at = url.rfind('@', end == std::string_view::npos ? url.size() : end);
  if (at == std::string_view::npos || at < from) return std::string(url);
  return std::string(url.substr(0, from)) + "***" + std::string(url.substr(at));
}

Status ParseEndpointUrl(std::string_view url, Endpoint* out) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("invalid endpoint URL \"" + RedactUrlUserInfo(url) +
                                   "\": " + why);
  };
  for (char c : url) {
    if (std::isspace(static_cast<unsigned char>(c)) ||
        std::iscntrl(static_cast<unsigned char>(c))) {
      return bad("contains whitespace or control characters");
    }
  }
  if (url.empty()) return bad("empty");
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return bad("missing scheme (expected http:// or https://)");
  Endpoint e;
  e.scheme = str::Lower(url.substr(0, sep));
  if (e.scheme != "http" && e.scheme != "https") return bad("scheme must be http or https");
  std::string_view rest = url.substr(sep + 3);
  size_t auth_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view tail =
      auth_end == std::string_view::npos ? std::string_view() : rest.substr(auth_end);
  if (authority.find('@') != std::string_view::npos) return bad("user info is not supported");

  std::string_view host;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad("unexpected text after IPv6 address");
      port = after.substr(1);
      has_port = true;
    }
    for (char c : host.substr(1, host.size() - 2)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
        return bad("invalid IPv6 address");
      }
    }
    if (host.size() <= 2) return bad("empty host");
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return bad("empty host");
    for (char c : host) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') {
        return bad("invalid character in host");
      }
    }
  }
  e.host = str::Lower(host);
  if (has_port) {
    int p = 0;
    bool digits = !port.empty() && port.size() <= 5;
    for (char c : port) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (!digits || std::from_chars(port.data(), port.data() + port.size(), p).ec != std::errc() ||
        p < 1 || p > 65535) {
      return bad("bad port");
    }
    bool is_default = (e.scheme == "http" && p == 80) || (e.scheme == "https" && p == 443);
    e.port = is_default ? 0 : p;
  }
  if (tail.find_first_of("?#") != std::string_view::npos) {
    return bad("a query or fragment is not allowed");
  }
  while (!tail.empty() && tail.back() == '/') tail.remove_suffix(1);
  e.base_path = std::string(tail);
  e.custom = true;
  *out = std::move(e);
  return Status::OK();
}

Status ResolveEndpoint(const std::string& service, const GetEnv& env, const ConfigFiles& files,
                       const Settings& settings, const Overrides& flags, Endpoint* out) {
  auto use = [&](const std::string& url, const std::string& source) {
    Status s = ParseEndpointUrl(url, out);
    // The source goes in the message itself: it is the one thing the user needs.
    return s.ok() ? s : Status::InvalidArgument(source + ": " + s.message());
  };
  // Each flag is for its own service alone: --endpoint-url pointing at
  // DynamoDB Local must not send S3's requests there.
  if (service == "dynamodb" && !flags.endpoint_url.empty()) {
    return use(flags.endpoint_url, "--endpoint-url");
  }
  if (service == "s3" && !flags.s3_endpoint_url.empty()) {
    return use(flags.s3_endpoint_url, "--s3-endpoint-url");
  }

  const std::string& profile = settings.profile;
  bool ignore = false;
  if (auto v = EnvValue(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
    ignore = str::EqualsIgnoreCase(str::Trim(*v), "true");
  } else if (auto pv = files.ProfileValue(profile, "ignore_configured_endpoint_urls")) {
    ignore = str::EqualsIgnoreCase(str::Trim(*pv), "true");
  }
  if (!ignore) {
    std::string service_env = "AWS_ENDPOINT_URL_" + ServiceEnvSuffix(service);
    if (auto v = EnvValue(env, service_env)) return use(*v, service_env);
    if (auto v = EnvValue(env, "AWS_ENDPOINT_URL")) return use(*v, "AWS_ENDPOINT_URL");
    if (auto services = files.ProfileValue(profile, "services")) {
      std::string key = ServiceConfigKey(service);
      if (auto v = files.ServiceValue(*services, key, "endpoint_url")) {
        return use(*v, "services " + *services + " " + key + " endpoint_url");
      }
    }
    if (auto v = files.ProfileValue(profile, "endpoint_url")) {
      return use(*v, "profile " + profile + " endpoint_url");
    }
  }

  if (settings.region.empty()) {
    return Status::InvalidArgument("no AWS region: set AWS_REGION, add `region` to profile " +
                                   profile + ", or pass --region");
  }
  if (!ValidRegion(settings.region)) {
    return Status::InvalidArgument("invalid region name \"" + settings.region + "\"");
  }
  Endpoint e;
  e.scheme = "https";
  e.host = str::Lower(service) + "." + settings.region + "." + DnsSuffix(settings.region);
  e.custom = false;
  *out = std::move(e);
  return Status::OK();
}

}  // namespace ddb::aws
