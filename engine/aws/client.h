// AwsClient: one AWS service endpoint with its credentials, signer, retries
// and HTTP. Every DynamoDB and S3 request goes through Start() (Call() is
// its blocking form): it resolves credentials, signs, sends, validates the
// response and retries per the policy, the retries' backoff waiting on the
// HTTP client's event loop, so that one thread can keep any number of calls
// in flight. Service clients (dynamodb/client.h, s3/client.h) build the requests
// and parse the answers; this class knows nothing of their formats beyond the
// two hooks in ServiceTraits.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "engine/aws/config.h"
#include "engine/aws/credentials.h"
#include "engine/aws/http.h"
#include "engine/aws/retry.h"
#include "engine/aws/sigv4.h"
#include "engine/status.h"

namespace ddb::aws {

// One request to the service, relative to its endpoint.
struct ServiceRequest {
  std::string method = "POST";
  // Percent-encoded path below the endpoint's base path, starting with '/'.
  std::string path = "/";
  // Percent-encoded query string without '?', or empty.
  std::string query;
  // Replaces the endpoint's host (S3 virtual-hosted addressing).
  std::string host_override;
  Headers headers;
  std::string body;
  // The hex SHA-256 of `body` when the caller has it (S3 PutObject computes
  // it for its checksum header); empty: the signer computes it.
  std::string payload_hash;
  // What the request is about, for error messages: "table orders".
  std::string context;
  // The operation, for error messages: "DynamoDB Scan". Empty: worked out
  // from the service, X-Amz-Target, the method and the query ("S3
  // GetObject", "KMS Decrypt").
  std::string operation;
};

struct ServiceTraits {
  std::string signing_name;  // "dynamodb", "s3"
  bool s3_signing = false;   // no path normalization, x-amz-content-sha256
  // Turns a non-2xx response into a Status::AwsError (code and message).
  std::function<Status(const HttpResponse&)> parse_error;
  // Checks a 2xx response (DynamoDB: x-amz-crc32); a failure is retried.
  std::function<Status(const HttpResponse&)> validate;
};

// Counters for `.stats`; monotonically increasing, read with load().
struct CallCounters {
  std::atomic<uint64_t> requests{0};  // attempts sent
  std::atomic<uint64_t> retries{0};
  std::atomic<uint64_t> bytes_received{0};
  std::atomic<uint64_t> bytes_sent{0};
};

class AwsClient {
 public:
  AwsClient(ServiceTraits traits, Endpoint endpoint, std::string region,
            std::shared_ptr<CredentialsProvider> credentials, std::shared_ptr<HttpClient> http,
            RetryPolicy policy, std::shared_ptr<RetryQuota> quota);

  // Sends `request` with retries. ok() means a 2xx response in `response`;
  // otherwise the Status is the last attempt's error with request.context
  // prefixed ("table orders: ResourceNotFoundException: ..."). An error
  // that is not the service's answer (a transport failure, a body over
  // the HTTP client's limit, a CRC mismatch) also names the operation and
  // where it went: "table orders: DynamoDB Scan to https://HOST: request
  // timed out: ...".
  Status Call(const ServiceRequest& request, HttpResponse* response);

  // Called once with the outcome of a Start(): the Status and response as
  // Call() gives them (the response also on a service error: its body is
  // the error document).
  using Callback = std::function<void(Status, HttpResponse)>;

  // Call() without waiting: credentials are resolved on the caller's
  // thread (a renewal may block there, as in Call()), then the request is
  // signed and sent, and retried on the HTTP client's loop (backoff timers
  // there, the same rules, messages, quota and counters as Call()); `done`
  // runs on that loop thread (or at once on the caller's, when credentials
  // fail or the client is stopping), so it must be quick and must not block
  // on this client's HttpClient. A retry signs again with the credentials
  // the call started with. CancelAll() on the HttpClient ends a call in
  // flight or in its backoff with Cancelled.
  void Start(ServiceRequest request, Callback done);

  const Endpoint& endpoint() const { return endpoint_; }
  const std::string& region() const { return region_; }
  CallCounters& counters() { return counters_; }

  // For a progress line: "waiting for HOST, attempt 2 of 3" while a call has
  // had no answer for `quiet` (its attempt in flight, or sleeping before a
  // retry), else "". Reads atomics only; safe from any thread.
  std::string Waiting(std::chrono::milliseconds quiet) const;
  HttpClient& http() { return *http_; }

  // Overrides the clock used for signing (tests).
  void set_clock(std::function<std::chrono::system_clock::time_point()> clock) {
    clock_ = std::move(clock);
  }

 private:
  struct CallState;
  // Signs and sends one attempt of `call`; its answer goes to Answered().
  void SendAttempt(std::shared_ptr<CallState> call);
  // One attempt's answer: completes the call or sets the retry's timer.
  void Answered(std::shared_ptr<CallState> call, HttpResult result);
  // Completes `call` with `s` (the request's context added).
  void Complete(const std::shared_ptr<CallState>& call, Status s, HttpResponse response);
  // An attempt's HTTP outcome as the call's Status (service error, CRC).
  Status AttemptStatus(const CallState& call, HttpResult* result);

  ServiceTraits traits_;
  Endpoint endpoint_;
  std::string region_;
  std::shared_ptr<CredentialsProvider> credentials_;
  std::shared_ptr<HttpClient> http_;
  RetryPolicy policy_;
  std::shared_ptr<RetryQuota> quota_;
  std::function<std::chrono::system_clock::time_point()> clock_;
  CallCounters counters_;
  // For Waiting(): calls in progress, the highest attempt among them, and
  // when anything last started or ended (steady clock, ms).
  std::atomic<int> calls_in_progress_{0};
  std::atomic<int> attempt_{0};
  std::atomic<int64_t> last_activity_ms_{0};
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
  // Derived SigV4 keys, per day, region, service and secret.
  SigningKeyCache signing_keys_;
};

}  // namespace ddb::aws
