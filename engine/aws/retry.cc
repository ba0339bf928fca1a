#include "engine/aws/retry.h"

#include <algorithm>
#include <array>

namespace ddb::aws {

bool IsThrottlingCode(std::string_view code) {
  static constexpr std::array<std::string_view, 14> kCodes = {
      "Throttling",
      "ThrottlingException",
      "ThrottledException",
      "RequestThrottledException",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "LimitExceededException",
      "RequestThrottled",
      "SlowDown",
      "PriorRequestNotComplete",
      "EC2ThrottledException",
  };
  return std::find(kCodes.begin(), kCodes.end(), code) != kCodes.end();
}

namespace {
bool IsTransientCode(std::string_view code) {
  static constexpr std::array<std::string_view, 5> kCodes = {
      "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalServerError",
      "ServiceUnavailable"};
  return std::find(kCodes.begin(), kCodes.end(), code) != kCodes.end();
}
}  // namespace

ErrorKind ClassifyError(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk:
      return ErrorKind::kNone;
    case Status::Code::kTransport:
      return ErrorKind::kTimeoutOrConnect;
    case Status::Code::kCorruption:  // CRC32 mismatch, truncated body
      return ErrorKind::kTransient;
    case Status::Code::kAwsError:
      if (IsThrottlingCode(s.aws_code()) || s.http_status() == 429) return ErrorKind::kThrottling;
      if (IsTransientCode(s.aws_code())) return ErrorKind::kTransient;
      if (s.http_status() == 500 || s.http_status() == 502 || s.http_status() == 503 ||
          s.http_status() == 504) {
        return ErrorKind::kTransient;
      }
      return ErrorKind::kNonRetryable;
    default:
      return ErrorKind::kNonRetryable;
  }
}

RetryPolicy RetryPolicy::ForService(std::string_view service, const Settings& settings) {
  RetryPolicy p;
  p.mode = settings.retry_mode;
  p.max_attempts = settings.max_attempts;
  if (service == "dynamodb") p.base_delay = std::chrono::milliseconds(25);
  if (p.mode == RetryMode::kLegacy && service == "dynamodb" && settings.max_attempts <= 3) {
    p.max_attempts = 10;
  }
  return p;
}

bool RetryQuota::Acquire(ErrorKind kind, int* cost) {
  int c = kind == ErrorKind::kTimeoutOrConnect ? kTimeoutRetryCost : kRetryCost;
  std::lock_guard<std::mutex> lock(mu_);
  if (tokens_ < c) return false;
  tokens_ -= c;
  *cost = c;
  return true;
}

void RetryQuota::Release(int cost) {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_ = std::min(kInitialTokens, tokens_ + (cost > 0 ? cost : kNoRetryIncrement));
}

int RetryQuota::available() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tokens_;
}

std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int attempt,
                                       std::mt19937_64& rng) {
  // Cap the exponent so the shift cannot overflow; the cap applies anyway.
  int exp = std::clamp(attempt - 1, 0, 30);
  double ceiling = std::min<double>(
      static_cast<double>(policy.max_backoff.count()),
      static_cast<double>(policy.base_delay.count()) * static_cast<double>(1ULL << exp));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(unit(rng) * ceiling));
}

}  // namespace ddb::aws
