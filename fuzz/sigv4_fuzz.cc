// Fuzz target: SigV4 canonicalisation (engine/aws/sigv4.h) of arbitrary
// URLs, paths, queries and headers, then header and query signing of the
// same request. Input layout: one flags byte, then the URL up to the first
// NUL, then "name:value" header lines up to the next NUL, then the body.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/aws/sigv4.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint8_t flags = data[0];
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t url_end = text.find('\0');
  std::string_view url = text.substr(0, url_end);
  std::string_view rest =
      url_end == std::string_view::npos ? std::string_view() : text.substr(url_end + 1);
  size_t headers_end = rest.find('\0');
  std::string_view header_text = rest.substr(0, headers_end);
  std::string_view body =
      headers_end == std::string_view::npos ? std::string_view() : rest.substr(headers_end + 1);

  ddb::aws::HttpRequest request;
  request.method = (flags & 1) ? "POST" : "GET";
  request.url = std::string(url);
  request.body = std::string(body);
  while (!header_text.empty()) {
    size_t nl = header_text.find('\n');
    std::string_view line = header_text.substr(0, nl);
    header_text = nl == std::string_view::npos ? std::string_view() : header_text.substr(nl + 1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    request.headers.emplace_back(std::string(line.substr(0, colon)),
                                 std::string(line.substr(colon + 1)));
  }

  ddb::aws::SigningParams params;
  params.service = (flags & 2) ? "s3" : "dynamodb";
  params.region = "us-east-1";
  params.time = std::chrono::system_clock::time_point(std::chrono::seconds(1440938160));
  params.normalize_and_double_encode_path = (flags & 4) != 0;
  params.normalize_path = (flags & 8) != 0;
  params.add_content_sha256_header = (flags & 16) != 0;
  if (flags & 32) params.payload_hash = "UNSIGNED-PAYLOAD";
  params.sign_session_token = (flags & 64) != 0;

  ddb::aws::Credentials creds;
  creds.access_key_id = "AKIDEXAMPLE";
  creds.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  if (flags & 128) creds.session_token = "token";

  std::string signed_headers;
  std::string canonical = ddb::aws::CanonicalRequest(request, params, &signed_headers);
  (void)ddb::aws::StringToSign(canonical, params);
  ddb::aws::HttpRequest header_signed = request;
  ddb::aws::SignRequest(&header_signed, creds, params);
  // Signing again (a retry) replaces what the first signing added.
  ddb::aws::SignRequest(&header_signed, creds, params);
  ddb::aws::HttpRequest presigned = request;
  ddb::aws::PresignRequest(&presigned, creds, params);
  return 0;
}
