// AwsClient::Call: credentials -> sign -> send -> validate -> retry.
#include "engine/aws/client.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "engine/aws/sigv4.h"
#include "engine/strings.h"

namespace ddb::aws {

namespace {

// Sleeps for `delay` unless `http` is cancelled (Ctrl-C) meanwhile, in which
// case it returns false at once: a retry backoff must not outlast a cancel.
bool BackoffSleep(const HttpClient& http, uint64_t generation, std::chrono::milliseconds delay) {
  constexpr std::chrono::milliseconds kSlice(20);
  auto deadline = std::chrono::steady_clock::now() + delay;
  for (;;) {
    if (http.cancel_generation() != generation) return false;
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, kSlice));
  }
}

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

// Keeps AwsClient's Waiting() bookkeeping for one Call().
class CallInProgress {
 public:
  CallInProgress(std::atomic<int>* calls, std::atomic<int64_t>* activity)
      : calls_(calls), activity_(activity) {
    activity_->store(NowMs());
    calls_->fetch_add(1);
  }
  ~CallInProgress() {
    activity_->store(NowMs());
    calls_->fetch_sub(1);
  }
  CallInProgress(const CallInProgress&) = delete;
  CallInProgress& operator=(const CallInProgress&) = delete;

 private:
  std::atomic<int>* calls_;
  std::atomic<int64_t>* activity_;
};

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

Status AwsClient::Attempt(const ServiceRequest& request, const Credentials& creds,
                          HttpResponse* response) {
  HttpRequest http;
  http.method = request.method;
  std::string host = request.host_override.empty() ? endpoint_.HostHeader() : request.host_override;
  if (!request.host_override.empty() && endpoint_.port != 0) {
    // Appended piecewise: GCC 12 warns (-Wrestrict, falsely) about
    // `host += ":" + std::to_string(...)` at -O2 and above.
    host.push_back(':');
    host.append(std::to_string(endpoint_.port));
  }
  http.url = endpoint_.scheme + "://" + host + endpoint_.base_path + request.path;
  if (!request.query.empty()) http.url += "?" + request.query;
  http.headers = request.headers;
  http.headers.emplace_back("Host", host);
  http.headers.emplace_back("User-Agent", "ddbsql/0.1");
  http.body = request.body;

  SigningParams params;
  params.service = traits_.signing_name;
  params.region = region_;
  params.time = clock_();
  params.normalize_and_double_encode_path = !traits_.s3_signing;
  params.add_content_sha256_header = traits_.s3_signing;
  SignRequest(&http, creds, params);

  counters_.requests.fetch_add(1, std::memory_order_relaxed);
  counters_.bytes_sent.fetch_add(http.body.size(), std::memory_order_relaxed);
  // HttpClient names the operation and where it went in its errors.
  http.operation = OperationName(traits_, request);
  const std::string where = http.operation + " to " + endpoint_.scheme + "://" + host;
  Status s = http_->Send(std::move(http), response);
  if (!s.ok()) return s;
  counters_.bytes_received.fetch_add(response->body.size(), std::memory_order_relaxed);
  if (response->status < 200 || response->status >= 300) {
    Status err = traits_.parse_error
                     ? traits_.parse_error(*response)
                     : Status::AwsError("HTTP " + std::to_string(response->status),
                                        "request failed", static_cast<int>(response->status));
    if (err.ok()) {
      err = Status::AwsError("HTTP " + std::to_string(response->status), "",
                             static_cast<int>(response->status));
    }
    return DescribeForeignAnswer(std::move(err), *response, host);
  }
  if (traits_.validate) {
    s = traits_.validate(*response);
    if (!s.ok()) return s.WithContext(where);
  }
  return Status::OK();
}

Status AwsClient::Call(const ServiceRequest& request, HttpResponse* response) {
  int retry_cost = 0;
  const uint64_t cancel_generation = http_->cancel_generation();
  CallInProgress in_progress(&calls_in_progress_, &last_activity_ms_);
  for (int attempt = 1;; ++attempt) {
    if (attempt > 1 || calls_in_progress_.load() == 1) attempt_.store(attempt);
    Credentials creds;
    Status s = credentials_->GetCredentials(&creds);
    if (!s.ok()) return s;
    s = Attempt(request, creds, response);
    last_activity_ms_.store(NowMs());
    if (s.ok()) {
      if (policy_.mode != RetryMode::kLegacy) quota_->Release(retry_cost);
      return s;
    }
    ErrorKind kind = ClassifyError(s);
    bool retryable = kind == ErrorKind::kThrottling || kind == ErrorKind::kTransient ||
                     kind == ErrorKind::kTimeoutOrConnect;
    if (s.IsCancelled() || !retryable || attempt >= policy_.max_attempts) {
      if (retryable && attempt > 1) {
        s = s.WithNote("after " + str::Plural(attempt, "attempt"));
      }
      return request.context.empty() ? s : s.WithContext(request.context);
    }
    if (policy_.mode != RetryMode::kLegacy && !quota_->Acquire(kind, &retry_cost)) {
      s = s.WithNote("retry quota exhausted after " + str::Plural(attempt, "attempt"));
      return request.context.empty() ? s : s.WithContext(request.context);
    }
    std::chrono::milliseconds delay;
    {
      std::lock_guard<std::mutex> lock(rng_mu_);
      delay = BackoffDelay(policy_, attempt, rng_);
    }
    if (!BackoffSleep(*http_, cancel_generation, delay)) {
      s = Status::Cancelled();
      return request.context.empty() ? s : s.WithContext(request.context);
    }
    counters_.retries.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace ddb::aws
