#include "vtab/rate_limiter.h"

#include <gtest/gtest.h>

namespace ddb::vtab {
namespace {

class FakeClock {
 public:
  RateLimiter::Clock::time_point now() const { return now_; }
  void Advance(double secs) {
    now_ += std::chrono::duration_cast<RateLimiter::Clock::duration>(
        std::chrono::duration<double>(secs));
  }

 private:
  RateLimiter::Clock::time_point now_{};
};

TEST(RateLimiterTest, OffByDefault) {
  RateLimiter r;
  r.Consume(1e9);
  EXPECT_EQ(r.WaitTime().count(), 0);
  EXPECT_TRUE(r.Acquire(nullptr));
}

TEST(RateLimiterTest, DebtMakesRequestsWaitInProportion) {
  FakeClock clock;
  RateLimiter r;
  r.set_clock([&] { return clock.now(); });
  r.SetRate(100);  // 100 RCU/s, bucket starts full
  EXPECT_EQ(r.WaitTime().count(), 0);
  r.Consume(300);  // 200 in debt: two seconds of refill
  EXPECT_NEAR(static_cast<double>(r.WaitTime().count()), 2000, 2);
  clock.Advance(1.0);
  EXPECT_NEAR(static_cast<double>(r.WaitTime().count()), 1000, 2);
  clock.Advance(1.01);
  EXPECT_EQ(r.WaitTime().count(), 0);
}

TEST(RateLimiterTest, BucketHoldsAtMostOneSecond) {
  FakeClock clock;
  RateLimiter r;
  r.set_clock([&] { return clock.now(); });
  r.SetRate(50);
  clock.Advance(100);  // idle for long: still only 50 tokens
  r.Consume(60);
  EXPECT_GT(r.WaitTime().count(), 150);  // 10 in debt at 50/s = 200 ms
  EXPECT_LT(r.WaitTime().count(), 250);
}

TEST(RateLimiterTest, AverageRateHoldsOverManyPages) {
  FakeClock clock;
  RateLimiter r;
  r.set_clock([&] { return clock.now(); });
  r.SetRate(40);
  double consumed = 0;
  for (int page = 0; page < 200; ++page) {
    auto wait = r.WaitTime();
    clock.Advance(static_cast<double>(wait.count()) / 1000.0);
    r.Consume(12.5);  // each page reads 12.5 units
    consumed += 12.5;
  }
  double elapsed = std::chrono::duration<double>(clock.now().time_since_epoch()).count();
  // 2,500 units at 40/s: at least 61.5 s (one second's burst is free).
  EXPECT_GT(elapsed, consumed / 40.0 - 1.0 - 0.5);
  EXPECT_LT(elapsed, consumed / 40.0 + 0.5);
}

TEST(RateLimiterTest, ReserveWaitsUntilTheBucketHoldsTheCost) {
  FakeClock clock;
  RateLimiter r;
  r.set_clock([&] { return clock.now(); });
  EXPECT_EQ(r.Reserve(1e9).count(), 0);  // off: nothing waits
  r.SetRate(100);                        // 100 WCU/s, bucket starts full
  EXPECT_EQ(r.Reserve(60).count(), 0);   // 40 left
  // 60 more: not before the bucket holds them again (200 ms of refill).
  EXPECT_NEAR(static_cast<double>(r.Reserve(60).count()), 200, 2);
  clock.Advance(0.2);
  EXPECT_EQ(r.Reserve(60).count(), 0);
  // More than a second's worth waits for a full bucket, then leaves debt
  // that the next request waits out.
  clock.Advance(1.0);
  EXPECT_EQ(r.Reserve(250).count(), 0);
  EXPECT_NEAR(static_cast<double>(r.Reserve(1).count()), 1510, 2);
}

TEST(RateLimiterTest, ReservationsHoldTheRateWithManyInFlight) {
  FakeClock clock;
  RateLimiter r;
  r.set_clock([&] { return clock.now(); });
  r.SetRate(100);
  // 400 one-unit writes, reserved one after the other as a pipeline would:
  // 400 units at 100/s take at least 3 s (the first second's worth is free).
  for (int i = 0; i < 400; ++i) {
    for (auto wait = r.Reserve(1); wait.count() > 0; wait = r.Reserve(1)) {
      clock.Advance(static_cast<double>(wait.count()) / 1000.0);
    }
  }
  double elapsed = std::chrono::duration<double>(clock.now().time_since_epoch()).count();
  EXPECT_GT(elapsed, 2.9);
  EXPECT_LT(elapsed, 3.4);
}

TEST(RateLimiterTest, AcquireStopsWhenCancelled) {
  RateLimiter r;
  r.SetRate(1);
  r.Consume(1000);  // ~1000 s of debt
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(r.Acquire([] { return true; }));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

}  // namespace
}  // namespace ddb::vtab
