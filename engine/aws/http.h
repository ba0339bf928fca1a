// HttpClient: HTTP/1.1 over libcurl, shared by every AWS call.
//
// One client owns one I/O thread running a curl multi handle, so connections
// are kept alive and reused across calls, and any number of requests can be in
// flight at once: Start() queues a request and either returns a future or
// calls a callback on the I/O thread when it completes; Send() is
// Start().get(). The loop also runs timers (RunAfter: retry backoffs), so a
// caller can keep many requests in flight, retries included, from one
// thread without a thread per request; all of them share the one
// connection pool. HTTP/1.1 with keep-alive; a request that allows it
// (S3's) asks for HTTP/2 over TLS and is multiplexed where the server
// offers it (ALPN), plain http:// stays HTTP/1.1.
//
// The response body is returned as received on the wire; crc32 is computed on
// those bytes (DynamoDB's x-amz-crc32 covers the bytes as sent, compressed or
// not). A body with Content-Encoding gzip is inflated into `body` after the CRC
// is taken, when the request asked for it (Accept-Encoding: gzip); otherwise
// the body is the bytes as stored (S3 objects).
//
// Memory: a body (as received, and once inflated) stops at
// HttpOptions::max_response_bytes (kMaxResponseBytes by default): a
// Content-Length above it fails before any byte of the body is kept, a body
// that grows past it (chunked, or longer than announced) and an inflation
// that would expand past it fail as soon as they cross it. The failure is
// NotSupported (not retried: the same answer would come again), "answer
// larger than the limit of 2 GiB (Content-Length: N)", naming the host.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/status.h"

namespace ddb::aws {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Returns the value of the first header named `name` (ASCII case-insensitive),
// or an empty view.
std::string_view FindHeader(const Headers& headers, std::string_view name);

// The most bytes a response body may hold (2 GiB), as received and once
// inflated. Far above DynamoDB's answers (a Query or Scan page is at most
// 1 MB of items, a BatchGetItem 16 MB) and twice the largest decoded-value
// limit a session can set (`.maxvalue`, at most 1 GiB), so that an S3 object
// whose value decodes within that limit always fits, with room for its
// stored form (base64, a cipher's nonce and tag). What it stops is a server
// announcing or streaming without end (an absurd Content-Length, a body
// that never finishes) and a Content-Encoding bomb.
inline constexpr size_t kMaxResponseBytes = size_t{2} << 30;

struct HttpRequest {
  std::string method = "GET";
  // Absolute URL; the path and query must already be percent-encoded the way
  // they are to be signed and sent (curl sends them unchanged).
  std::string url;
  Headers headers;
  std::string body;
  // What the request does, for messages ("DynamoDB Scan"): a failure then
  // reads "DynamoDB Scan to https://HOST: ...". Empty: messages name the
  // host alone.
  std::string operation;
  // Per-request overrides of HttpOptions (0: the client's). Instance metadata
  // lookups use short ones so a machine without IMDS fails fast.
  long connect_timeout_ms = 0;
  long request_timeout_ms = 0;
  // Ask for HTTP/2 over TLS (CURL_HTTP_VERSION_2TLS): used where the server
  // offers it, HTTP/1.1 otherwise and always on plain http://.
  bool allow_http2 = false;
};

struct HttpResponse {
  long status = 0;
  Headers headers;  // names lower-cased
  std::string body;
  uint32_t crc32 = 0;  // of the body bytes as received, before any inflation
};

struct HttpResult {
  Status status;  // transport outcome only: a 500 answer is ok() here
  HttpResponse response;
};

struct HttpOptions {
  long connect_timeout_ms = 3000;   // --cli-connect-timeout
  long request_timeout_ms = 60000;  // whole transfer; 0 for none
  // A transfer that receives nothing for this long is aborted (a stall):
  // --cli-read-timeout. Measured from the request's start, then from each
  // byte received; 0 for none.
  long read_timeout_ms = 30000;
  bool verify_tls = true;
  std::string ca_bundle;  // AWS_CA_BUNDLE or the config's ca_bundle; empty for the system's
  int max_connections = 64;
  // A response body (received or inflated) larger than this fails. Tests
  // lower it; so does DDBSQL_TEST_MAX_RESPONSE_BYTES (for end-to-end tests
  // of the binary), read when a client is made.
  size_t max_response_bytes = kMaxResponseBytes;
};

struct Settings;
// Applies --cli-connect-timeout and --cli-read-timeout (or the profile's
// cli_connect_timeout and cli_read_timeout) from `settings` to `options`:
// 0 waits indefinitely, as in the AWS CLI. A read timeout also lifts the
// whole-transfer limit to at least ten times itself.
void ApplyTimeouts(const Settings& settings, HttpOptions* options);

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  using Callback = std::function<void(HttpResult)>;
  using TimerCallback = std::function<void(bool cancelled)>;

  // Queues `request`; the future is ready when it has completed or failed.
  std::future<HttpResult> Start(HttpRequest request);

  // Queues `request`; `done` is called once, on the I/O thread (or at once
  // on the caller's when the client is stopping), with the result. `done`
  // must be quick and must not block on this client (no Send(), no
  // Start().get()): it runs on the thread every transfer needs. It may
  // call Start() and RunAfter().
  void Start(HttpRequest request, Callback done);

  // Calls fn(false) on the I/O thread once `delay` has passed, or
  // fn(true) as soon as CancelAll() is called (or the client stops) before
  // that. The same rules as Start's callback apply to `fn`.
  void RunAfter(std::chrono::milliseconds delay, TimerCallback fn);

  // Blocking form of Start(). A non-ok Status is a transport failure: the
  // message names the host and curl's reason.
  Status Send(HttpRequest request, HttpResponse* response);

  // Aborts every transfer in flight and queued now; they complete with
  // Status::Cancelled(). Safe to call from any thread (not from a signal
  // handler: set a flag there and call this from a thread).
  void CancelAll();

  // How many times CancelAll() has been called. A caller that waits between
  // requests (retry backoff) compares it with an earlier value to notice a
  // cancel that found nothing in flight.
  uint64_t cancel_generation() const;

  const HttpOptions& options() const { return options_; }

 private:
  class Impl;
  HttpOptions options_;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes per RFC 3986 (unreserved characters kept). With
// `keep_slash`, '/' is kept too (for paths).
std::string UriEncode(std::string_view s, bool keep_slash = false);

}  // namespace ddb::aws
