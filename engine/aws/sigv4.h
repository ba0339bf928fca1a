// AWS Signature Version 4.
//
// SignRequest() adds the headers that authenticate a request: host (when
// absent), x-amz-date, x-amz-security-token (with a session token),
// x-amz-content-sha256 (S3) and Authorization. PresignRequest() does the
// same with query parameters instead (X-Amz-Signature in the URL).
//
// The pieces (canonical request, string to sign, signature) are public so
// that tests can compare each with AWS's SigV4 test suite.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>

#include "engine/aws/credentials.h"
#include "engine/aws/http.h"

namespace ddb::aws {

// The signing key (four HMACs of the secret, the day, the region and the
// service) of the last request signed, kept for the next one of the same
// day, region, service and secret: one HMAC a request instead of five.
// Thread-safe. The key is as secret as the secret key: never printed.
class SigningKeyCache {
 public:
  // The key for `secret` on `date` (YYYYMMDD) for `region` and `service`.
  std::string Key(const std::string& secret, std::string_view date, std::string_view region,
                  std::string_view service);

 private:
  std::mutex mu_;
  std::string secret_;  // guarded by mu_
  std::string scope_;   // "date/region/service"; guarded by mu_
  std::string key_;     // guarded by mu_
};

struct SigningParams {
  std::string service;  // signing name: "dynamodb", "s3"
  std::string region;
  std::chrono::system_clock::time_point time;
  // Normalize the path (remove dot segments, collapse slashes) and encode it
  // once more for the canonical request, as every service but S3 expects.
  // S3: false (the path is used exactly as sent, no double encoding).
  bool normalize_and_double_encode_path = true;
  // Only consulted when normalize_and_double_encode_path is true: false keeps
  // dot segments and duplicate slashes but still encodes the path again. No
  // service we call needs it; it exists for the SigV4 suite's "-unnormalized"
  // cases.
  bool normalize_path = true;
  // Add x-amz-content-sha256 with the payload hash (S3 requires it).
  bool add_content_sha256_header = false;
  // Payload hash to sign; empty to compute SHA-256 of the body. S3 may use
  // "UNSIGNED-PAYLOAD".
  std::string payload_hash;
  // Query signing only: X-Amz-Expires in seconds.
  int expires_seconds = 3600;
  // false: the session token is still sent (header or query parameter) but is
  // added after signing, as a few older services require. DynamoDB and S3
  // want it signed.
  bool sign_session_token = true;
  // Where derived signing keys are kept between requests; null derives the
  // key each time.
  SigningKeyCache* key_cache = nullptr;
};

// Header signing: mutates `request` in place. Every header present is signed
// except a few that proxies or the HTTP stack may change (authorization,
// connection, expect, transfer-encoding, user-agent, x-amzn-trace-id). Signing
// again (a retry) replaces the headers a previous signing added.
void SignRequest(HttpRequest* request, const Credentials& creds, const SigningParams& params);

// Query signing: appends X-Amz-* parameters and X-Amz-Signature to the URL
// (before any fragment). The URL must not already be presigned. For S3 set
// payload_hash to "UNSIGNED-PAYLOAD", as S3 expects for presigned URLs.
void PresignRequest(HttpRequest* request, const Credentials& creds, const SigningParams& params);

// ---- Pieces, exposed for tests ----

// "20150830T123600Z"
std::string AmzDate(std::chrono::system_clock::time_point t);
std::string HexSha256(std::string_view data);
// The canonical request of `request` as it is now (its headers must already
// include any x-amz-* headers that are to be signed). `signed_headers` receives
// the ';'-joined lower-case names.
std::string CanonicalRequest(const HttpRequest& request, const SigningParams& params,
                             std::string* signed_headers);
std::string StringToSign(std::string_view canonical_request, const SigningParams& params);
std::string Signature(std::string_view string_to_sign, const Credentials& creds,
                      const SigningParams& params);

}  // namespace ddb::aws
