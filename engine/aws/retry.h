// Retry decisions in the AWS SDKs' "standard" mode.
//
//   - Retryable: throttling error codes, transient errors (HTTP 500, 502,
//     503, 504, connection failures, timeouts, resets, CRC32 mismatches).
//     Everything else surfaces at once.
//   - Backoff: full jitter, delay = random(0, 1) * min(max_backoff,
//     base * 2^(attempt-1)).
//   - Quota: a client-wide token bucket (500 tokens); a retry costs 5 (10
//     after a timeout or connection error) and a success refunds what its
//     retries took (or 1 when it needed none, up to the initial 500). With an
//     empty bucket, errors fail fast instead of multiplying load in an outage.
//   - Attempts: max_attempts in all, first try included (default 3;
//     "legacy" mode: DynamoDB's 10 attempts with a 25 ms base, no quota).
#pragma once

#include <chrono>
#include <mutex>
#include <random>
#include <string_view>

#include "engine/aws/config.h"
#include "engine/status.h"

namespace ddb::aws {

enum class ErrorKind { kNone, kThrottling, kTransient, kTimeoutOrConnect, kNonRetryable };

// Classifies the outcome of one attempt.
ErrorKind ClassifyError(const Status& s);
bool IsThrottlingCode(std::string_view aws_code);

struct RetryPolicy {
  RetryMode mode = RetryMode::kStandard;
  int max_attempts = 3;
  std::chrono::milliseconds base_delay{1000};
  std::chrono::milliseconds max_backoff{20000};

  // For DynamoDB: the SDKs use a 25 ms base (throttles) and up to 10 attempts
  // in legacy mode. `settings` supplies the user's mode and attempts.
  static RetryPolicy ForService(std::string_view service, const Settings& settings);
};

// The client-wide retry token bucket. Thread-safe.
class RetryQuota {
 public:
  static constexpr int kInitialTokens = 500;
  static constexpr int kRetryCost = 5;
  static constexpr int kTimeoutRetryCost = 10;
  static constexpr int kNoRetryIncrement = 1;

  // Takes the tokens a retry after `kind` costs; false when there are not enough.
  bool Acquire(ErrorKind kind, int* cost);
  // After a successful attempt: refunds `cost` (the retry's) or, with 0,
  // adds kNoRetryIncrement up to the initial capacity.
  void Release(int cost);
  int available() const;

 private:
  mutable std::mutex mu_;
  int tokens_ = kInitialTokens;
};

// The delay before retry number `attempt` (1 for the first retry), with full
// jitter drawn from `rng`. Never more than policy.max_backoff.
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int attempt,
                                       std::mt19937_64& rng);

}  // namespace ddb::aws
