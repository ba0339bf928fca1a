// AwsClient::Call: credentials -> sign -> send -> validate -> retry.
#include "engine/aws/client.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "engine/aws/sigv4.h"
#include "engine/strings.h"

namespace ddb::aws {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A non-2xx answer that carries no service error (a proxy's or another
// server's page, an empty body) names the host and says what came back, so
// no error ever reads "HTTP 404: ".
Status DescribeForeignAnswer(Status err, const HttpResponse& response, const std::string& host) {
  const std::string code = "HTTP " + std::to_string(response.status);
  bool foreign = err.aws_code().empty() || err.aws_code() == code;
  if (!foreign && !err.message().empty()) return err;
  std::string what = err.message();
  if (!foreign) {
    what = "no message from " + host;
  } else if (what.empty() || what == code) {
    what =
        (response.body.empty() ? "an empty answer from " : "an answer that is no AWS error from ") +
        host;
  } else {
    what += " (from " + host + ")";
  }
  return Status::AwsError(
      foreign ? code : err.aws_code(),
      what +
          (response.status == 404 || response.status == 405 ? " (is the endpoint URL right?)" : ""),
      static_cast<int>(response.status));
}

// "DynamoDB Scan", "S3 GetObject", "KMS Decrypt": what `r` asks of the
// service, for messages.
std::string OperationName(const ServiceTraits& traits, const ServiceRequest& r) {
  if (!r.operation.empty()) return r.operation;
  std::string service = traits.signing_name == "dynamodb" ? "DynamoDB"
                        : traits.signing_name == "s3"     ? "S3"
                        : traits.signing_name == "kms"    ? "KMS"
                                                          : traits.signing_name;
  std::string_view target = FindHeader(r.headers, "x-amz-target");
  if (!target.empty()) {
    size_t dot = target.rfind('.');
    return service + " " +
           std::string(dot == std::string_view::npos ? target : target.substr(dot + 1));
  }
  if (traits.s3_signing) {
    if (r.query.find("delete") == 0) return service + " DeleteObjects";
    if (r.query.find("list-type") != std::string::npos) return service + " ListObjectsV2";
    // S3Client names each request "s3://BUCKET/KEY", or "s3://BUCKET" for
    // a bucket's own.
    bool object = r.context.rfind("s3://", 0) == 0 && r.context.find('/', 5) != std::string::npos;
    if (object) {
      if (r.method == "GET") return service + " GetObject";
      if (r.method == "PUT") return service + " PutObject";
      if (r.method == "HEAD") return service + " HeadObject";
      if (r.method == "DELETE") return service + " DeleteObject";
    }
  }
  return service + " " + r.method;
}

}  // namespace

std::string AwsClient::Waiting(std::chrono::milliseconds quiet) const {
  if (calls_in_progress_.load() == 0) return "";
  if (NowMs() - last_activity_ms_.load() < quiet.count()) return "";
  int attempt = std::max(1, attempt_.load());
  return "waiting for " + endpoint_.HostHeader() + ", attempt " + std::to_string(attempt) + " of " +
         std::to_string(policy_.max_attempts);
}

AwsClient::AwsClient(ServiceTraits traits, Endpoint endpoint, std::string region,
                     std::shared_ptr<CredentialsProvider> credentials,
                     std::shared_ptr<HttpClient> http, RetryPolicy policy,
                     std::shared_ptr<RetryQuota> quota)
    : traits_(std::move(traits)),
      endpoint_(std::move(endpoint)),
      region_(std::move(region)),
      credentials_(std::move(credentials)),
      http_(std::move(http)),
      policy_(policy),
      quota_(quota ? std::move(quota) : std::make_shared<RetryQuota>()),
      clock_([] { return std::chrono::system_clock::now(); }),
      rng_(std::random_device{}()) {}

// One call in progress: what it sends, where its retries stand, and who
// gets the answer.
struct AwsClient::CallState {
  ServiceRequest request;
  Callback done;
  Credentials creds;
  std::string host;       // as sent in the Host header
  std::string url;        // without the query
  std::string operation;  // "DynamoDB PutItem", for messages
  int attempt = 1;
  int retry_cost = 0;
  uint64_t cancel_generation = 0;
};

void AwsClient::SendAttempt(std::shared_ptr<CallState> call) {
  if (call->attempt > 1 || calls_in_progress_.load() == 1) attempt_.store(call->attempt);
  const ServiceRequest& request = call->request;
  HttpRequest http;
  http.method = request.method;
  http.url = call->url;
  http.headers.reserve(request.headers.size() + 6);
  http.headers = request.headers;
  http.headers.emplace_back("Host", call->host);
  http.headers.emplace_back("User-Agent", "ddbsql/0.1");
  // The body is copied: a retry sends it again.
  http.body = request.body;
  http.allow_http2 = traits_.s3_signing;

  SigningParams params;
  params.service = traits_.signing_name;
  params.region = region_;
  params.time = clock_();
  params.normalize_and_double_encode_path = !traits_.s3_signing;
  params.add_content_sha256_header = traits_.s3_signing;
  params.key_cache = &signing_keys_;
  params.payload_hash = request.payload_hash;
  SignRequest(&http, call->creds, params);

  counters_.requests.fetch_add(1, std::memory_order_relaxed);
  counters_.bytes_sent.fetch_add(http.body.size(), std::memory_order_relaxed);
  // HttpClient names the operation and where it went in its errors.
  http.operation = call->operation;
  http_->Start(std::move(http), [this, call = std::move(call)](HttpResult result) mutable {
    Answered(std::move(call), std::move(result));
  });
}

Status AwsClient::AttemptStatus(const CallState& call, HttpResult* result) {
  if (!result->status.ok()) return result->status;
  HttpResponse& response = result->response;
  counters_.bytes_received.fetch_add(response.body.size(), std::memory_order_relaxed);
  if (response.status < 200 || response.status >= 300) {
    Status err = traits_.parse_error
                     ? traits_.parse_error(response)
                     : Status::AwsError("HTTP " + std::to_string(response.status), "request failed",
                                        static_cast<int>(response.status));
    if (err.ok()) {
      err = Status::AwsError("HTTP " + std::to_string(response.status), "",
                             static_cast<int>(response.status));
    }
    return DescribeForeignAnswer(std::move(err), response, call.host);
  }
  if (traits_.validate) {
    Status s = traits_.validate(response);
    if (!s.ok())
      return s.WithContext(call.operation + " to " + endpoint_.scheme + "://" + call.host);
  }
  return Status::OK();
}

void AwsClient::Complete(const std::shared_ptr<CallState>& call, Status s, HttpResponse response) {
  if (!s.ok() && !call->request.context.empty()) s = s.WithContext(call->request.context);
  last_activity_ms_.store(NowMs());
  calls_in_progress_.fetch_sub(1);
  Callback done = std::move(call->done);
  done(std::move(s), std::move(response));
}

void AwsClient::Answered(std::shared_ptr<CallState> call, HttpResult result) {
  Status s = AttemptStatus(*call, &result);
  last_activity_ms_.store(NowMs());
  if (s.ok()) {
    if (policy_.mode != RetryMode::kLegacy) quota_->Release(call->retry_cost);
    Complete(call, std::move(s), std::move(result.response));
    return;
  }
  ErrorKind kind = ClassifyError(s);
  bool retryable = kind == ErrorKind::kThrottling || kind == ErrorKind::kTransient ||
                   kind == ErrorKind::kTimeoutOrConnect;
  const int attempt = call->attempt;
  if (s.IsCancelled() || !retryable || attempt >= policy_.max_attempts) {
    if (retryable && attempt > 1) s = s.WithNote("after " + str::Plural(attempt, "attempt"));
    Complete(call, std::move(s), std::move(result.response));
    return;
  }
  if (policy_.mode != RetryMode::kLegacy && !quota_->Acquire(kind, &call->retry_cost)) {
    s = s.WithNote("retry quota exhausted after " + str::Plural(attempt, "attempt"));
    Complete(call, std::move(s), std::move(result.response));
    return;
  }
  if (http_->cancel_generation() != call->cancel_generation) {
    Complete(call, Status::Cancelled(), {});
    return;
  }
  std::chrono::milliseconds delay;
  {
    std::lock_guard<std::mutex> lock(rng_mu_);
    delay = BackoffDelay(policy_, attempt, rng_);
  }
  http_->RunAfter(delay, [this, call = std::move(call)](bool cancelled) mutable {
    // A cancel between the answer and the timer is still this call's.
    if (cancelled || http_->cancel_generation() != call->cancel_generation) {
      Complete(call, Status::Cancelled(), {});
      return;
    }
    counters_.retries.fetch_add(1, std::memory_order_relaxed);
    ++call->attempt;
    SendAttempt(std::move(call));
  });
}

void AwsClient::Start(ServiceRequest request, Callback done) {
  auto call = std::make_shared<CallState>();
  call->cancel_generation = http_->cancel_generation();
  last_activity_ms_.store(NowMs());
  calls_in_progress_.fetch_add(1);
  call->done = std::move(done);
  Status s = credentials_->GetCredentials(&call->creds);
  call->request = std::move(request);
  if (!s.ok()) {
    // Credentials' errors name their source, not the request.
    last_activity_ms_.store(NowMs());
    calls_in_progress_.fetch_sub(1);
    Callback cb = std::move(call->done);
    cb(std::move(s), {});
    return;
  }
  const ServiceRequest& r = call->request;
  call->host = r.host_override.empty() ? endpoint_.HostHeader() : r.host_override;
  if (!r.host_override.empty() && endpoint_.port != 0) {
    // Appended piecewise: GCC 12 warns (-Wrestrict, falsely) about
    // `host += ":" + std::to_string(...)` at -O2 and above.
    call->host.push_back(':');
    call->host.append(std::to_string(endpoint_.port));
  }
  call->url = endpoint_.scheme + "://" + call->host + endpoint_.base_path + r.path;
  if (!r.query.empty()) call->url += "?" + r.query;
  call->operation = OperationName(traits_, r);
  SendAttempt(std::move(call));
}

Status AwsClient::Call(const ServiceRequest& request, HttpResponse* response) {
  struct Result {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    Status status;
    HttpResponse response;
  };
  auto result = std::make_shared<Result>();
  Start(request, [result](Status s, HttpResponse r) {
    std::lock_guard<std::mutex> lock(result->mu);
    result->status = std::move(s);
    result->response = std::move(r);
    result->done = true;
    result->cv.notify_one();
  });
  std::unique_lock<std::mutex> lock(result->mu);
  result->cv.wait(lock, [&] { return result->done; });
  *response = std::move(result->response);
  return std::move(result->status);
}

}  // namespace ddb::aws
