// AWS Signature Version 4: canonical request, string to sign, signature, and
// the two ways of attaching it (Authorization header or query parameters).
#include "engine/aws/sigv4.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>
#include <vector>

#include "engine/encoding.h"
#include "engine/strings.h"

namespace ddb::aws {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// Headers left out of the signature: the HTTP stack or a proxy may add,
// drop or rewrite them after signing, which would break the signature.
constexpr std::array<std::string_view, 6> kUnsignedHeaders = {
    "authorization", "connection", "expect", "transfer-encoding", "user-agent", "x-amzn-trace-id"};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The pieces of an absolute URL that signing needs. Views into the URL.
struct UrlParts {
  std::string_view scheme;
  std::string_view authority;  // may include userinfo and port
  std::string_view path;
  std::string_view query;  // without '?'
};

UrlParts SplitUrl(std::string_view url) {
  UrlParts parts;
  std::string_view rest = url;
  if (size_t fragment = rest.find('#'); fragment != std::string_view::npos) {
    rest = rest.substr(0, fragment);  // never sent
  }
  if (size_t sep = rest.find("://"); sep != std::string_view::npos) {
    parts.scheme = rest.substr(0, sep);
    rest.remove_prefix(sep + 3);
    size_t end = rest.find_first_of("/?");
    parts.authority = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  }
  size_t q = rest.find('?');
  parts.path = rest.substr(0, q);
  if (q != std::string_view::npos) parts.query = rest.substr(q + 1);
  return parts;
}

// host[:port] as an HTTP client sends it in Host: without userinfo, and
// without the port when it is the scheme's default.
std::string HostHeaderValue(const UrlParts& url) {
  std::string_view host = url.authority;
  if (size_t at = host.rfind('@'); at != std::string_view::npos) host.remove_prefix(at + 1);
  size_t bracket = host.rfind(']');  // IPv6 literal: its colons are not a port
  size_t colon = host.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    std::string_view port = host.substr(colon + 1);
    if (port.empty() || (str::EqualsIgnoreCase(url.scheme, "https") && port == "443") ||
        (str::EqualsIgnoreCase(url.scheme, "http") && port == "80")) {
      host = host.substr(0, colon);
    }
  }
  return std::string(host);
}

bool HasHeader(const Headers& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return str::EqualsIgnoreCase(h.first, name); });
}

void RemoveHeader(Headers* headers, std::string_view name) {
  std::erase_if(*headers, [&](const auto& h) { return str::EqualsIgnoreCase(h.first, name); });
}

void EnsureHostHeader(HttpRequest* request) {
  if (HasHeader(request->headers, "host")) return;
  request->headers.insert(request->headers.begin(),
                          {"Host", HostHeaderValue(SplitUrl(request->url))});
}

// Trims the value and folds every run of whitespace (including the line
// breaks of an obsolete multi-line header) into one space.
void AppendCanonicalValue(std::string_view value, std::string* out) {
  bool pending_space = false;
  bool wrote = false;
  for (char c : value) {
    if (IsSpace(c)) {
      pending_space = wrote;
      continue;
    }
    if (pending_space) out->push_back(' ');
    pending_space = false;
    out->push_back(c);
    wrote = true;
  }
}

struct CanonicalHeaders {
  std::string block;  // "name:value\n" per header name, sorted
  std::string names;  // "host;x-amz-date"
};

CanonicalHeaders CanonicalizeHeaders(const Headers& headers, const SigningParams& params) {
  std::vector<std::pair<std::string, std::string_view>> entries;
  entries.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    std::string lower = str::Lower(name);
    if (std::find(kUnsignedHeaders.begin(), kUnsignedHeaders.end(), lower) !=
        kUnsignedHeaders.end()) {
      continue;
    }
    if (!params.sign_session_token && lower == "x-amz-security-token") continue;
    entries.emplace_back(std::move(lower), value);
  }
  // Stable: repeated headers keep the order they were given in.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  CanonicalHeaders out;
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string& name = entries[i].first;
    bool first_of_name = i == 0 || entries[i - 1].first != name;
    if (first_of_name) {
      if (i > 0) out.block.push_back('\n');
      out.block += name;
      out.block.push_back(':');
      if (!out.names.empty()) out.names.push_back(';');
      out.names += name;
    } else {
      out.block.push_back(',');
    }
    AppendCanonicalValue(entries[i].second, &out.block);
  }
  if (!entries.empty()) out.block.push_back('\n');
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes; anything else (including '+' and malformed escapes) is
// kept literally, so that re-encoding yields one canonical spelling.
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string_view name = item.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    pairs.emplace_back(UriEncode(PercentDecode(name)), UriEncode(PercentDecode(value)));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

// RFC 3986 dot-segment removal plus collapsing of empty segments, then each
// segment encoded (again: the path as sent is already encoded once).
std::string NormalizedEncodedPath(std::string_view path) {
  std::vector<std::string_view> segments;
  bool trailing_slash = false;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view segment = path.substr(0, slash);
    path.remove_prefix(slash == std::string_view::npos ? path.size() : slash + 1);
    // A path ending in '/', '.' or '..' names a directory.
    trailing_slash =
        path.empty() && (slash != std::string_view::npos || segment == "." || segment == "..");
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(segment);
  }
  std::string out = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    out += UriEncode(segments[i]);
  }
  if (trailing_slash && !segments.empty()) out.push_back('/');
  return out;
}

std::string CanonicalUri(std::string_view path, const SigningParams& params) {
  if (path.empty()) return "/";
  if (!params.normalize_and_double_encode_path) return std::string(path);
  if (!params.normalize_path) return UriEncode(path, /*keep_slash=*/true);
  return NormalizedEncodedPath(path);
}

std::string PayloadHash(const HttpRequest& request, const SigningParams& params) {
  return params.payload_hash.empty() ? HexSha256(request.body) : params.payload_hash;
}

std::string AssembleCanonicalRequest(const HttpRequest& request, const SigningParams& params,
                                     const CanonicalHeaders& headers,
                                     std::string_view payload_hash) {
  UrlParts url = SplitUrl(request.url);
  std::string out;
  out.reserve(256 + request.url.size() + headers.block.size());
  out += request.method;
  out.push_back('\n');
  out += CanonicalUri(url.path, params);
  out.push_back('\n');
  out += CanonicalQuery(url.query);
  out.push_back('\n');
  out += headers.block;
  out.push_back('\n');
  out += headers.names;
  out.push_back('\n');
  out += payload_hash;
  return out;
}

std::string DateStamp(std::string_view amz_date) { return std::string(amz_date.substr(0, 8)); }

std::string CredentialScope(std::string_view amz_date, const SigningParams& params) {
  std::string scope = DateStamp(amz_date);
  scope.push_back('/');
  scope += params.region;
  scope.push_back('/');
  scope += params.service;
  scope += "/aws4_request";
  return scope;
}

// Adds `params_to_add` ("a=1&b=2") to the URL's query, before any fragment.
void AppendQuery(std::string* url, std::string_view params_to_add) {
  size_t fragment = url->find('#');
  size_t end = fragment == std::string::npos ? url->size() : fragment;
  size_t q = url->find('?');
  std::string insert;
  if (q == std::string::npos || q > end) {
    insert = "?";
  } else if (end > q + 1 && (*url)[end - 1] != '&') {
    insert = "&";
  }
  insert += params_to_add;
  url->insert(end, insert);
}

}  // namespace

std::string AmzDate(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::floor<std::chrono::seconds>(t);
  auto days = std::chrono::floor<std::chrono::days>(secs);
  std::chrono::year_month_day ymd{days};
  std::chrono::hh_mm_ss hms{secs - days};
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string HexSha256(std::string_view data) { return HexEncode(Sha256(data)); }

std::string CanonicalRequest(const HttpRequest& request, const SigningParams& params,
                             std::string* signed_headers) {
  CanonicalHeaders headers = CanonicalizeHeaders(request.headers, params);
  std::string out =
      AssembleCanonicalRequest(request, params, headers, PayloadHash(request, params));
  if (signed_headers != nullptr) *signed_headers = std::move(headers.names);
  return out;
}

std::string StringToSign(std::string_view canonical_request, const SigningParams& params) {
  std::string amz_date = AmzDate(params.time);
  std::string out;
  out.reserve(160);
  out += kAlgorithm;
  out.push_back('\n');
  out += amz_date;
  out.push_back('\n');
  out += CredentialScope(amz_date, params);
  out.push_back('\n');
  out += HexSha256(canonical_request);
  return out;
}

namespace {

std::string DeriveKey(const std::string& secret, std::string_view date, std::string_view region,
                      std::string_view service) {
  std::string key = HmacSha256("AWS4" + secret, date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  return HmacSha256(key, "aws4_request");
}

}  // namespace

std::string SigningKeyCache::Key(const std::string& secret, std::string_view date,
                                 std::string_view region, std::string_view service) {
  std::string scope;
  scope.reserve(date.size() + region.size() + service.size() + 2);
  scope.append(date).append("/").append(region).append("/").append(service);
  std::lock_guard<std::mutex> lock(mu_);
  if (scope != scope_ || secret != secret_) {
    key_ = DeriveKey(secret, date, region, service);
    scope_ = std::move(scope);
    secret_ = secret;
  }
  return key_;
}

std::string Signature(std::string_view string_to_sign, const Credentials& creds,
                      const SigningParams& params) {
  const std::string date = DateStamp(AmzDate(params.time));
  std::string key =
      params.key_cache != nullptr
          ? params.key_cache->Key(creds.secret_access_key, date, params.region, params.service)
          : DeriveKey(creds.secret_access_key, date, params.region, params.service);
  return HexEncode(HmacSha256(key, string_to_sign));
}

void SignRequest(HttpRequest* request, const Credentials& creds, const SigningParams& params) {
  Headers& headers = request->headers;
  // A retry signs the same request again: drop what the last signing added.
  RemoveHeader(&headers, "authorization");
  RemoveHeader(&headers, "x-amz-date");
  RemoveHeader(&headers, "x-amz-security-token");
  if (params.add_content_sha256_header) RemoveHeader(&headers, "x-amz-content-sha256");
  EnsureHostHeader(request);

  std::string amz_date = AmzDate(params.time);
  if (!creds.session_token.empty())
    headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  headers.emplace_back("X-Amz-Date", amz_date);
  std::string payload_hash = PayloadHash(*request, params);
  if (params.add_content_sha256_header) headers.emplace_back("x-amz-content-sha256", payload_hash);

  CanonicalHeaders canonical_headers = CanonicalizeHeaders(headers, params);
  std::string canonical =
      AssembleCanonicalRequest(*request, params, canonical_headers, payload_hash);
  std::string signature = Signature(StringToSign(canonical, params), creds, params);

  std::string authorization;
  authorization.reserve(200 + canonical_headers.names.size());
  authorization += kAlgorithm;
  authorization += " Credential=";
  authorization += creds.access_key_id;
  authorization.push_back('/');
  authorization += CredentialScope(amz_date, params);
  authorization += ", SignedHeaders=";
  authorization += canonical_headers.names;
  authorization += ", Signature=";
  authorization += signature;
  headers.emplace_back("Authorization", std::move(authorization));
}

void PresignRequest(HttpRequest* request, const Credentials& creds, const SigningParams& params) {
  EnsureHostHeader(request);
  std::string amz_date = AmzDate(params.time);
  CanonicalHeaders canonical_headers = CanonicalizeHeaders(request->headers, params);

  // The order matches what AWS's SigV4 suite shows; only the canonical
  // (sorted) form is signed, so it does not matter to the service.
  std::string query = "X-Amz-Algorithm=";
  query += kAlgorithm;
  query += "&X-Amz-Credential=";
  query += UriEncode(creds.access_key_id + "/" + CredentialScope(amz_date, params));
  query += "&X-Amz-Date=";
  query += amz_date;
  query += "&X-Amz-SignedHeaders=";
  query += UriEncode(canonical_headers.names);
  query += "&X-Amz-Expires=";
  query += std::to_string(params.expires_seconds);
  std::string token_param;
  if (!creds.session_token.empty()) {
    token_param = "X-Amz-Security-Token=" + UriEncode(creds.session_token);
    if (params.sign_session_token) {
      query.push_back('&');
      query += token_param;
      token_param.clear();
    }
  }
  AppendQuery(&request->url, query);

  std::string canonical =
      AssembleCanonicalRequest(*request, params, canonical_headers, PayloadHash(*request, params));
  std::string signature = Signature(StringToSign(canonical, params), creds, params);
  if (!token_param.empty()) AppendQuery(&request->url, token_param);
  AppendQuery(&request->url, "X-Amz-Signature=" + signature);
}

}  // namespace ddb::aws
