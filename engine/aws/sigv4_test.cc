// SigV4 tests: every case of AWS's SigV4 test suite (read from disk at run
// time, for header and query signing), plus S3 specifics checked against the
// worked examples in the S3 API documentation.
#include "engine/aws/sigv4.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace ddb::aws {
namespace {

namespace fs = std::filesystem;
using std::chrono::sys_days;

#ifndef DDBSQL_SOURCE_DIR
#error "DDBSQL_SOURCE_DIR must be defined (the CMake build does; pass -DDDBSQL_SOURCE_DIR=...)"
#endif

constexpr size_t kMinSuiteCases = 30;
constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fs::path SuiteDir() { return fs::path(DDBSQL_SOURCE_DIR) / "tests" / "data" / "sigv4-testsuite"; }

// Case folders (those holding a request.txt), sorted. Empty when the suite is
// missing; SigV4Suite.FoundOnDisk turns that into a failure.
std::vector<std::string> SuiteCases() {
  std::vector<std::string> cases;
  std::error_code ec;
  for (fs::directory_iterator it(SuiteDir(), ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec) && fs::exists(it->path() / "request.txt", ec)) {
      cases.push_back(it->path().filename().string());
    }
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

bool ReadFile(const fs::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// A request as the suite writes it: request line, headers (a line starting
// with whitespace continues the previous header's value), blank line, body.
// The request target is kept as written (it may hold raw spaces and UTF-8).
struct RawRequest {
  HttpRequest request;  // url = "https://" + Host + target
  std::string target;
};

::testing::AssertionResult ParseRequest(std::string_view text, RawRequest* out) {
  size_t eol = text.find('\n');
  std::string_view line = text.substr(0, eol);
  size_t first_space = line.find(' ');
  size_t last_space = line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space) {
    return ::testing::AssertionFailure() << "bad request line: " << line;
  }
  out->request.method = std::string(line.substr(0, first_space));
  out->target = std::string(line.substr(first_space + 1, last_space - first_space - 1));
  text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
  while (!text.empty()) {
    eol = text.find('\n');
    line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (line.empty()) break;
    if (line[0] == ' ' || line[0] == '\t') {
      if (out->request.headers.empty())
        return ::testing::AssertionFailure() << "stray continuation";
      out->request.headers.back().second += "\n";
      out->request.headers.back().second += line;
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return ::testing::AssertionFailure() << "bad header line: " << line;
    }
    out->request.headers.emplace_back(std::string(line.substr(0, colon)),
                                      std::string(line.substr(colon + 1)));
  }
  out->request.body = std::string(text);
  std::string_view host = FindHeader(out->request.headers, "host");
  if (host.empty()) return ::testing::AssertionFailure() << "no Host header";
  out->request.url = "https://" + std::string(host) + out->target;
  return ::testing::AssertionSuccess();
}

// The request in the suite's format, with the target taken from the URL.
std::string Serialize(const HttpRequest& request) {
  size_t authority = request.url.find("://");
  size_t target = request.url.find('/', authority + 3);
  std::string out = request.method + " " + request.url.substr(target) + " HTTP/1.1\n";
  for (const auto& [name, value] : request.headers) out += name + ":" + value + "\n";
  out += "\n";
  out += request.body;
  return out;
}

// "2015-08-30T12:36:00Z"
bool ParseTimestamp(const std::string& text, std::chrono::system_clock::time_point* out) {
  int y, mo, d, h, mi, s;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &s) != 6) return false;
  *out = sys_days{std::chrono::year{y} / mo / d} + std::chrono::hours{h} +
         std::chrono::minutes{mi} + std::chrono::seconds{s};
  return true;
}

struct SuiteCase {
  RawRequest raw;
  Credentials creds;
  SigningParams params;
};

::testing::AssertionResult LoadCase(const fs::path& dir, SuiteCase* c) {
  std::string text;
  if (!ReadFile(dir / "request.txt", &text))
    return ::testing::AssertionFailure() << "no request.txt";
  if (auto r = ParseRequest(text, &c->raw); !r) return r;
  if (!ReadFile(dir / "context.json", &text)) {
    return ::testing::AssertionFailure() << "no context.json";
  }
  nlohmann::json ctx = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (ctx.is_discarded() || !ctx.is_object() || !ctx.contains("credentials")) {
    return ::testing::AssertionFailure() << "bad context.json";
  }
  const nlohmann::json& creds = ctx["credentials"];
  c->creds.access_key_id = creds.value("access_key_id", "");
  c->creds.secret_access_key = creds.value("secret_access_key", "");
  c->creds.session_token = creds.value("token", "");
  c->params.region = ctx.value("region", "");
  c->params.service = ctx.value("service", "");
  c->params.normalize_and_double_encode_path = true;
  c->params.normalize_path = ctx.value("normalize", true);
  c->params.add_content_sha256_header = ctx.value("sign_body", false);
  c->params.expires_seconds = ctx.value("expiration_in_seconds", 3600);
  c->params.sign_session_token = !ctx.value("omit_session_token", false);
  if (!ParseTimestamp(ctx.value("timestamp", ""), &c->params.time)) {
    return ::testing::AssertionFailure() << "bad timestamp";
  }
  return ::testing::AssertionSuccess();
}

// Removes the query parameter `name` (and its value) from the URL.
std::string WithoutQueryParam(std::string url, std::string_view name) {
  std::string needle = std::string(name) + "=";
  size_t at = url.find("&" + needle);
  if (at == std::string::npos) return url;
  size_t end = url.find('&', at + 1);
  url.erase(at, end == std::string::npos ? std::string::npos : end - at);
  return url;
}

std::string QueryParam(const std::string& url, std::string_view name) {
  std::string needle = std::string(name) + "=";
  for (size_t at = url.find(needle); at != std::string::npos; at = url.find(needle, at + 1)) {
    if (url[at - 1] != '?' && url[at - 1] != '&') continue;
    size_t begin = at + needle.size();
    return url.substr(begin, url.find_first_of("&#", begin) - begin);
  }
  return "";
}

// Line `n` (0-based) of a canonical request.
std::string Line(const std::string& text, int n) {
  std::istringstream in(text);
  std::string line;
  for (int i = 0; i <= n; ++i) std::getline(in, line);
  return line;
}

std::string SignatureOf(const HttpRequest& request) {
  std::string_view auth = FindHeader(request.headers, "authorization");
  size_t at = auth.find("Signature=");
  return at == std::string_view::npos ? "" : std::string(auth.substr(at + 10));
}

class SigV4SuiteTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = SuiteDir() / GetParam();
    ASSERT_TRUE(LoadCase(dir_, &case_));
  }
  std::string Expected(const char* file) {
    std::string text;
    EXPECT_TRUE(ReadFile(dir_ / file, &text)) << "missing " << file;
    return text;
  }

  fs::path dir_;
  SuiteCase case_;
};

TEST(SigV4Suite, FoundOnDisk) {
  std::vector<std::string> cases = SuiteCases();
  EXPECT_GE(cases.size(), kMinSuiteCases) << "SigV4 suite missing or incomplete at " << SuiteDir();
}

TEST_P(SigV4SuiteTest, HeaderSigning) {
  HttpRequest request = case_.raw.request;
  SignRequest(&request, case_.creds, case_.params);

  std::string signed_headers;
  std::string canonical = CanonicalRequest(request, case_.params, &signed_headers);
  EXPECT_EQ(canonical, Expected("header-canonical-request.txt"));
  EXPECT_EQ(
      signed_headers,
      Line(canonical, static_cast<int>(std::count(canonical.begin(), canonical.end(), '\n')) - 1));
  std::string string_to_sign = StringToSign(canonical, case_.params);
  EXPECT_EQ(string_to_sign, Expected("header-string-to-sign.txt"));
  EXPECT_EQ(Signature(string_to_sign, case_.creds, case_.params), Expected("header-signature.txt"));
  EXPECT_EQ(SignatureOf(request), Expected("header-signature.txt"));
  EXPECT_EQ(Serialize(request), Expected("header-signed-request.txt"));

  // The "-unnormalized" cases sign the path as written, encoded once. S3 mode
  // (path exactly as sent, no re-encoding) must agree when the URL holds the
  // path as a client really sends it: percent-encoded.
  if (!case_.params.normalize_path) {
    SCOPED_TRACE("S3 mode with the percent-encoded path");
    HttpRequest s3 = case_.raw.request;
    std::string_view target = case_.raw.target;
    size_t q = target.find('?');
    s3.url = "https://" + std::string(FindHeader(s3.headers, "host")) +
             UriEncode(target.substr(0, q), /*keep_slash=*/true) +
             std::string(q == std::string_view::npos ? "" : target.substr(q));
    SigningParams params = case_.params;
    params.normalize_and_double_encode_path = false;
    SignRequest(&s3, case_.creds, params);
    EXPECT_EQ(CanonicalRequest(s3, params, nullptr), Expected("header-canonical-request.txt"));
    EXPECT_EQ(SignatureOf(s3), Expected("header-signature.txt"));
  }
}

TEST_P(SigV4SuiteTest, QuerySigning) {
  HttpRequest request = case_.raw.request;
  PresignRequest(&request, case_.creds, case_.params);
  EXPECT_EQ(Serialize(request), Expected("query-signed-request.txt"));
  EXPECT_EQ(QueryParam(request.url, "X-Amz-Signature"), Expected("query-signature.txt"));

  // What the service does to verify: the canonical request of the URL minus
  // its signature (and minus an unsigned token).
  HttpRequest verify = request;
  verify.url = WithoutQueryParam(verify.url, "X-Amz-Signature");
  if (!case_.params.sign_session_token) {
    verify.url = WithoutQueryParam(verify.url, "X-Amz-Security-Token");
  }
  std::string canonical = CanonicalRequest(verify, case_.params, nullptr);
  EXPECT_EQ(canonical, Expected("query-canonical-request.txt"));
  std::string string_to_sign = StringToSign(canonical, case_.params);
  EXPECT_EQ(string_to_sign, Expected("query-string-to-sign.txt"));
  EXPECT_EQ(Signature(string_to_sign, case_.creds, case_.params), Expected("query-signature.txt"));
}

std::string CaseName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(AwsSuite, SigV4SuiteTest, ::testing::ValuesIn(SuiteCases()), CaseName);

// ---- S3 and general behaviour ----

// The example credentials and time of the S3 API reference's SigV4 examples.
Credentials S3DocCredentials() {
  Credentials c;
  c.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  return c;
}

SigningParams S3Params() {
  SigningParams p;
  p.service = "s3";
  p.region = "us-east-1";
  p.time = sys_days{std::chrono::year{2013} / 5 / 24};
  p.normalize_and_double_encode_path = false;
  p.add_content_sha256_header = true;
  return p;
}

std::string S3DocAuthorization(std::string_view signed_headers, std::string_view signature) {
  return "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
         "SignedHeaders=" +
         std::string(signed_headers) + ", Signature=" + std::string(signature);
}

HttpRequest Request(std::string method, std::string url) {
  HttpRequest r;
  r.method = std::move(method);
  r.url = std::move(url);
  return r;
}

TEST(SigV4S3, DocExampleGetObject) {
  HttpRequest r = Request("GET", "https://examplebucket.s3.amazonaws.com/test.txt");
  r.headers.emplace_back("Range", "bytes=0-9");
  SignRequest(&r, S3DocCredentials(), S3Params());
  EXPECT_EQ(FindHeader(r.headers, "authorization"),
            S3DocAuthorization("host;range;x-amz-content-sha256;x-amz-date",
                               "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
  EXPECT_EQ(FindHeader(r.headers, "x-amz-content-sha256"), kEmptySha256);
  EXPECT_EQ(FindHeader(r.headers, "x-amz-date"), "20130524T000000Z");
  EXPECT_EQ(FindHeader(r.headers, "host"), "examplebucket.s3.amazonaws.com");
}

TEST(SigV4KeyCache, CachedKeysSignAsDerivedOnesAcrossDaysRegionsAndSecrets) {
  SigningKeyCache cache;
  auto sign = [](const Credentials& creds, SigningParams params) {
    HttpRequest r = Request("GET", "https://examplebucket.s3.amazonaws.com/test.txt");
    SignRequest(&r, creds, params);
    return std::string(FindHeader(r.headers, "authorization"));
  };
  Credentials other = S3DocCredentials();
  other.secret_access_key = "another secret";
  // The same request signed with and without the cache, as the day, the
  // region and the secret change between requests (each change derives a
  // new key; a repeat uses the kept one).
  for (int round = 0; round < 2; ++round) {
    for (int day : {24, 25}) {
      for (const char* region : {"us-east-1", "eu-west-1"}) {
        for (const Credentials& creds : {S3DocCredentials(), other}) {
          SigningParams params = S3Params();
          params.time = sys_days{std::chrono::year{2013} / 5 / day};
          params.region = region;
          std::string plain = sign(creds, params);
          params.key_cache = &cache;
          EXPECT_EQ(sign(creds, params), plain) << day << " " << region;
        }
      }
    }
  }
  // The AWS documentation's example, through the cache.
  SigningParams params = S3Params();
  params.key_cache = &cache;
  HttpRequest r = Request("GET", "https://examplebucket.s3.amazonaws.com/test.txt");
  r.headers.emplace_back("Range", "bytes=0-9");
  SignRequest(&r, S3DocCredentials(), params);
  EXPECT_EQ(FindHeader(r.headers, "authorization"),
            S3DocAuthorization("host;range;x-amz-content-sha256;x-amz-date",
                               "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
}

TEST(SigV4S3, DocExamplePutObject) {
  // Key "test$file.text", sent encoded.
  HttpRequest r = Request("PUT", "https://examplebucket.s3.amazonaws.com/test%24file.text");
  r.headers.emplace_back("Date", "Fri, 24 May 2013 00:00:00 GMT");
  r.headers.emplace_back("x-amz-storage-class", "REDUCED_REDUNDANCY");
  r.body = "Welcome to Amazon S3.";
  SignRequest(&r, S3DocCredentials(), S3Params());
  EXPECT_EQ(FindHeader(r.headers, "x-amz-content-sha256"),
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(FindHeader(r.headers, "authorization"),
            S3DocAuthorization("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                               "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"));
}

TEST(SigV4S3, DocExampleGetBucketLifecycle) {
  HttpRequest r = Request("GET", "https://examplebucket.s3.amazonaws.com/?lifecycle");
  SignRequest(&r, S3DocCredentials(), S3Params());
  EXPECT_EQ(SignatureOf(r), "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4S3, DocExampleListObjectsSortsQuery) {
  HttpRequest r = Request("GET", "https://examplebucket.s3.amazonaws.com/?prefix=J&max-keys=2");
  SignRequest(&r, S3DocCredentials(), S3Params());
  EXPECT_EQ(SignatureOf(r), "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4S3, DocExamplePresignedGet) {
  HttpRequest r = Request("GET", "https://examplebucket.s3.amazonaws.com/test.txt");
  SigningParams p = S3Params();
  p.payload_hash = "UNSIGNED-PAYLOAD";
  p.expires_seconds = 86400;
  PresignRequest(&r, S3DocCredentials(), p);
  EXPECT_EQ(QueryParam(r.url, "X-Amz-Signature"),
            "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  EXPECT_EQ(QueryParam(r.url, "X-Amz-Credential"),
            "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request");
  EXPECT_EQ(QueryParam(r.url, "X-Amz-Expires"), "86400");
  EXPECT_EQ(FindHeader(r.headers, "x-amz-content-sha256"), "");  // presigning adds no headers
}

TEST(SigV4S3, PathIsSignedExactlyAsSent) {
  // Spaces, '+', non-ASCII, "//", "/./" and "/../" in a key: S3 signs the path
  // as sent, with no normalization and no second encoding.
  const std::string key = "dir//a b+c/./ü/../x";
  const std::string path = "/bucket/" + UriEncode(key, /*keep_slash=*/true);
  ASSERT_EQ(path, "/bucket/dir//a%20b%2Bc/./%C3%BC/../x");
  HttpRequest r = Request("PUT", "https://s3.us-east-1.amazonaws.com" + path + "?x-id=PutObject");
  SigningParams p = S3Params();
  std::string canonical = CanonicalRequest(r, p, nullptr);
  EXPECT_EQ(Line(canonical, 1), path);
  EXPECT_EQ(Line(canonical, 2), "x-id=PutObject");

  // The same request for any other service is normalized and encoded again.
  p.normalize_and_double_encode_path = true;
  EXPECT_EQ(Line(CanonicalRequest(r, p, nullptr), 1), "/bucket/dir/a%2520b%252Bc/x");
}

TEST(SigV4S3, RawReservedCharactersInPathAreNotTouched) {
  HttpRequest r = Request("GET", "https://h.example/b/a+b/c=d");
  EXPECT_EQ(Line(CanonicalRequest(r, S3Params(), nullptr), 1), "/b/a+b/c=d");
}

TEST(SigV4S3, ContentSha256IsTheBodyHash) {
  HttpRequest r = Request("PUT", "https://b.s3.amazonaws.com/k");
  r.body = "hello";
  SigningParams p = S3Params();
  SignRequest(&r, S3DocCredentials(), p);
  const std::string hash = HexSha256("hello");
  EXPECT_EQ(hash, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(FindHeader(r.headers, "x-amz-content-sha256"), hash);
  std::string signed_headers;
  std::string canonical = CanonicalRequest(r, p, &signed_headers);
  EXPECT_EQ(canonical.substr(canonical.rfind('\n') + 1), hash);
  EXPECT_NE(signed_headers.find("x-amz-content-sha256"), std::string::npos);
}

TEST(SigV4S3, UnsignedPayloadIsHonoured) {
  HttpRequest r = Request("PUT", "https://b.s3.amazonaws.com/k");
  r.body = "hello";
  SigningParams p = S3Params();
  p.payload_hash = "UNSIGNED-PAYLOAD";
  SignRequest(&r, S3DocCredentials(), p);
  EXPECT_EQ(FindHeader(r.headers, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  std::string canonical = CanonicalRequest(r, p, nullptr);
  EXPECT_EQ(canonical.substr(canonical.rfind('\n') + 1), "UNSIGNED-PAYLOAD");

  // The body is not signed: changing it keeps the signature.
  HttpRequest other = Request("PUT", "https://b.s3.amazonaws.com/k");
  other.body = "bye";
  SignRequest(&other, S3DocCredentials(), p);
  EXPECT_EQ(SignatureOf(other), SignatureOf(r));
}

TEST(SigV4, SessionTokenIsSentAndSigned) {
  Credentials c = S3DocCredentials();
  c.session_token = "token/with+chars==";
  HttpRequest r = Request("POST", "https://dynamodb.us-east-1.amazonaws.com/");
  SigningParams p;
  p.service = "dynamodb";
  p.region = "us-east-1";
  p.time = sys_days{std::chrono::year{2024} / 1 / 2};
  SignRequest(&r, c, p);
  EXPECT_EQ(FindHeader(r.headers, "x-amz-security-token"), c.session_token);
  std::string signed_headers;
  CanonicalRequest(r, p, &signed_headers);
  EXPECT_EQ(signed_headers, "host;x-amz-date;x-amz-security-token");
  std::string_view auth = FindHeader(r.headers, "authorization");
  EXPECT_NE(auth.find("SignedHeaders=host;x-amz-date;x-amz-security-token,"),
            std::string_view::npos);

  // A different token is a different signature.
  HttpRequest r2 = Request("POST", "https://dynamodb.us-east-1.amazonaws.com/");
  c.session_token = "another";
  SignRequest(&r2, c, p);
  EXPECT_NE(SignatureOf(r2), SignatureOf(r));

  HttpRequest presigned = Request("GET", "https://b.s3.amazonaws.com/k");
  c.session_token = "token/with+chars==";
  PresignRequest(&presigned, c, S3Params());
  EXPECT_EQ(QueryParam(presigned.url, "X-Amz-Security-Token"), "token%2Fwith%2Bchars%3D%3D");
}

TEST(SigV4, SecretNeverAppearsInRequest) {
  Credentials c = S3DocCredentials();
  c.session_token = "session-token-value";
  HttpRequest r = Request("PUT", "https://b.s3.amazonaws.com/k");
  r.body = "body";
  SignRequest(&r, c, S3Params());
  HttpRequest q = Request("GET", "https://b.s3.amazonaws.com/k");
  PresignRequest(&q, c, S3Params());
  ASSERT_FALSE(r.headers.empty());
  for (const HttpRequest* req : {&r, &q}) {
    EXPECT_EQ(req->url.find(c.secret_access_key), std::string::npos);
    EXPECT_EQ(req->url.find(UriEncode(c.secret_access_key)), std::string::npos);
    for (const auto& [name, value] : req->headers) {
      EXPECT_EQ(value.find(c.secret_access_key), std::string::npos) << name;
      EXPECT_EQ(value.find("MDENG"), std::string::npos) << name;
    }
  }
}

TEST(SigV4, HostHeaderDerivedFromUrl) {
  struct Case {
    const char* url;
    const char* host;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"http://127.0.0.1:41234/", "127.0.0.1:41234"},
           {"https://dynamodb.us-east-1.amazonaws.com/", "dynamodb.us-east-1.amazonaws.com"},
           {"https://s3.amazonaws.com:443/b/k", "s3.amazonaws.com"},
           {"http://localhost:80", "localhost"},
           {"https://localhost:80/", "localhost:80"},
           {"http://user:pw@h.example:8080/x?y=1", "h.example:8080"},
           {"http://[::1]:8000/", "[::1]:8000"},
           {"https://[::1]/", "[::1]"},
       }) {
    HttpRequest r = Request("GET", c.url);
    SignRequest(&r, S3DocCredentials(), S3Params());
    EXPECT_EQ(FindHeader(r.headers, "host"), c.host) << c.url;
  }
  // An explicit Host header is kept and not duplicated.
  HttpRequest r = Request("GET", "http://127.0.0.1:41234/");
  r.headers.emplace_back("host", "example.com");
  SignRequest(&r, S3DocCredentials(), S3Params());
  EXPECT_EQ(FindHeader(r.headers, "host"), "example.com");
  EXPECT_EQ(std::count_if(r.headers.begin(), r.headers.end(),
                          [](const auto& h) { return h.first == "host" || h.first == "Host"; }),
            1);
}

TEST(SigV4, SigningAgainReplacesPreviousSignature) {
  Credentials c = S3DocCredentials();
  c.session_token = "tok";
  SigningParams p = S3Params();
  HttpRequest r = Request("GET", "https://b.s3.amazonaws.com/k");
  SignRequest(&r, c, p);
  std::string first = SignatureOf(r);
  p.time += std::chrono::seconds(5);
  SignRequest(&r, c, p);

  HttpRequest fresh = Request("GET", "https://b.s3.amazonaws.com/k");
  SignRequest(&fresh, c, p);
  EXPECT_EQ(r.headers, fresh.headers);
  EXPECT_NE(SignatureOf(r), first);
  EXPECT_EQ(r.headers.size(), 5u);  // host, token, date, content-sha256, authorization
}

TEST(SigV4, HeadersThatMayChangeInTransitAreNotSigned) {
  HttpRequest r = Request("POST", "https://dynamodb.us-east-1.amazonaws.com/");
  r.headers = {{"User-Agent", "ddbsql/0.1"},
               {"Expect", "100-continue"},
               {"X-Amz-Target", "DynamoDB_20120810.GetItem"},
               {"Content-Type", "application/x-amz-json-1.0"},
               {"Content-Length", "2"},
               {"X-Amzn-Trace-Id", "Root=1"},
               {"Connection", "keep-alive"}};
  r.body = "{}";
  SigningParams p;
  p.service = "dynamodb";
  p.region = "us-east-1";
  SignRequest(&r, S3DocCredentials(), p);
  std::string signed_headers;
  CanonicalRequest(r, p, &signed_headers);
  EXPECT_EQ(signed_headers, "content-length;content-type;host;x-amz-date;x-amz-target");

  // Changing an unsigned header leaves the signature valid.
  HttpRequest other = r;
  for (auto& [name, value] : other.headers) {
    if (name == "User-Agent") value = "curl/8";
  }
  ASSERT_NE(other.headers, r.headers);
  EXPECT_EQ(CanonicalRequest(other, p, nullptr), CanonicalRequest(r, p, nullptr));
}

TEST(SigV4, CanonicalQueryDecodesSortsAndReencodes) {
  HttpRequest r = Request("GET", "https://h.example/?b=2&a=1&a=0&flag&x=a%2fb/c&p=1+1&&e=%7E%zz");
  SigningParams p;
  p.service = "service";
  p.region = "us-east-1";
  EXPECT_EQ(Line(CanonicalRequest(r, p, nullptr), 2),
            "a=0&a=1&b=2&e=~%25zz&flag=&p=1%2B1&x=a%2Fb%2Fc");
}

TEST(SigV4, CanonicalUriNormalization) {
  SigningParams p;
  p.service = "service";
  p.region = "us-east-1";
  struct Case {
    const char* url;
    const char* uri;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"https://h", "/"},
           {"https://h?x=1", "/"},
           {"https://h/a/b/../c/./d", "/a/c/d"},
           {"https://h/a/b/..", "/a/"},
           {"https://h/../..", "/"},
           {"https://h/a//b//", "/a/b/"},
           {"https://h/a%2Fb", "/a%252Fb"},
           {"https://h/a#frag", "/a"},
       }) {
    EXPECT_EQ(Line(CanonicalRequest(Request("GET", c.url), p, nullptr), 1), c.uri) << c.url;
  }
}

TEST(SigV4, PresignKeepsExistingQueryAndFragment) {
  HttpRequest r = Request("GET", "https://b.s3.amazonaws.com/k?versionId=3#top");
  PresignRequest(&r, S3DocCredentials(), S3Params());
  EXPECT_EQ(r.url.rfind("https://b.s3.amazonaws.com/k?versionId=3&X-Amz-Algorithm=", 0), 0u);
  EXPECT_EQ(r.url.substr(r.url.size() - 4), "#top");
  EXPECT_EQ(QueryParam(r.url, "X-Amz-Signature").size(), 64u);
}

TEST(SigV4, Pieces) {
  EXPECT_EQ(AmzDate(sys_days{std::chrono::year{2015} / 8 / 30} + std::chrono::hours{12} +
                    std::chrono::minutes{36} + std::chrono::milliseconds{999}),
            "20150830T123600Z");
  EXPECT_EQ(AmzDate(sys_days{std::chrono::year{1999} / 12 / 31} + std::chrono::seconds{86399}),
            "19991231T235959Z");
  EXPECT_EQ(HexSha256(""), kEmptySha256);
}

}  // namespace
}  // namespace ddb::aws
