#include "engine/aws/retry.h"

#include <gtest/gtest.h>

namespace ddb::aws {
namespace {

TEST(RetryTest, ClassifiesThrottlingTransientAndFatal) {
  EXPECT_EQ(ClassifyError(Status::OK()), ErrorKind::kNone);
  EXPECT_EQ(ClassifyError(Status::AwsError("ThrottlingException", "Rate exceeded", 400)),
            ErrorKind::kThrottling);
  EXPECT_EQ(ClassifyError(Status::AwsError("ProvisionedThroughputExceededException", "x", 400)),
            ErrorKind::kThrottling);
  EXPECT_EQ(ClassifyError(Status::AwsError("SlowDown", "x", 503)), ErrorKind::kThrottling);
  EXPECT_EQ(ClassifyError(Status::AwsError("Whatever", "x", 429)), ErrorKind::kThrottling);
  EXPECT_EQ(ClassifyError(Status::AwsError("InternalServerError", "x", 500)),
            ErrorKind::kTransient);
  EXPECT_EQ(ClassifyError(Status::AwsError("HTTP 502", "bad gateway", 502)), ErrorKind::kTransient);
  EXPECT_EQ(ClassifyError(Status::AwsError("HTTP 504", "x", 504)), ErrorKind::kTransient);
  EXPECT_EQ(ClassifyError(Status::Transport("connection reset")), ErrorKind::kTimeoutOrConnect);
  EXPECT_EQ(ClassifyError(Status::Corruption("CRC32 mismatch")), ErrorKind::kTransient);
  EXPECT_EQ(ClassifyError(Status::AwsError("ResourceNotFoundException", "x", 400)),
            ErrorKind::kNonRetryable);
  EXPECT_EQ(ClassifyError(Status::AwsError("ValidationException", "x", 400)),
            ErrorKind::kNonRetryable);
  EXPECT_EQ(ClassifyError(Status::AwsError("ConditionalCheckFailedException", "x", 400)),
            ErrorKind::kNonRetryable);
  EXPECT_EQ(ClassifyError(Status::Cancelled()), ErrorKind::kNonRetryable);
  EXPECT_EQ(ClassifyError(Status::InvalidArgument("x")), ErrorKind::kNonRetryable);
}

TEST(RetryTest, BackoffIsFullJitterAndCapped) {
  RetryPolicy p;
  p.base_delay = std::chrono::milliseconds(100);
  p.max_backoff = std::chrono::milliseconds(1000);
  std::mt19937_64 rng(42);
  for (int attempt = 1; attempt <= 40; ++attempt) {
    int64_t ceiling = std::min<int64_t>(1000, 100LL << std::min(attempt - 1, 20));
    int64_t max_seen = 0;
    int64_t min_seen = INT64_MAX;
    for (int i = 0; i < 2000; ++i) {
      int64_t d = BackoffDelay(p, attempt, rng).count();
      ASSERT_GE(d, 0);
      ASSERT_LE(d, ceiling) << "attempt " << attempt;
      max_seen = std::max(max_seen, d);
      min_seen = std::min(min_seen, d);
    }
    // Full jitter spreads over the whole [0, ceiling] range.
    EXPECT_GT(max_seen, ceiling * 9 / 10) << "attempt " << attempt;
    EXPECT_LT(min_seen, ceiling / 10 + 1) << "attempt " << attempt;
  }
}

TEST(RetryTest, QuotaDrainsAndRefunds) {
  RetryQuota q;
  int cost = 0;
  int retries = 0;
  while (q.Acquire(ErrorKind::kThrottling, &cost)) {
    EXPECT_EQ(cost, RetryQuota::kRetryCost);
    ++retries;
  }
  EXPECT_EQ(retries, RetryQuota::kInitialTokens / RetryQuota::kRetryCost);
  EXPECT_EQ(q.available(), 0);
  q.Release(RetryQuota::kRetryCost);
  EXPECT_EQ(q.available(), RetryQuota::kRetryCost);
  EXPECT_FALSE(q.Acquire(ErrorKind::kTimeoutOrConnect, &cost));  // needs 10
  q.Release(0);
  EXPECT_EQ(q.available(), RetryQuota::kRetryCost + RetryQuota::kNoRetryIncrement);
}

TEST(RetryTest, QuotaNeverExceedsInitialCapacity) {
  RetryQuota q;
  for (int i = 0; i < 100; ++i) q.Release(0);
  EXPECT_EQ(q.available(), RetryQuota::kInitialTokens);
}

TEST(RetryTest, PolicyFromSettings) {
  Settings s;
  s.max_attempts = 5;
  RetryPolicy p = RetryPolicy::ForService("dynamodb", s);
  EXPECT_EQ(p.max_attempts, 5);
  EXPECT_EQ(p.base_delay.count(), 25);
  EXPECT_EQ(RetryPolicy::ForService("s3", s).base_delay.count(), 1000);
  s.retry_mode = RetryMode::kLegacy;
  s.max_attempts = 3;
  EXPECT_EQ(RetryPolicy::ForService("dynamodb", s).max_attempts, 10);
}

}  // namespace
}  // namespace ddb::aws
