// RateLimiter: caps the capacity a session consumes per second, across
// every request at once: one for reads (`.ratelimit N`, every scan segment
// and query), one for writes (`.ratelimit read N write M`, every write
// request of a statement outside BEGIN, vtab/write_pipeline.h).
//
// A token bucket in capacity units: it holds at most one second's worth,
// refills continuously at `rate` per second, and each response's consumed
// capacity (ReturnConsumedCapacity) is taken out after the fact, so the
// bucket may go negative. A request may start only while the bucket is
// positive: the average rate stays at `rate`, and a burst is bounded by one
// second's worth plus the pages already in flight.
//
// A write knows its cost before it is sent (1 WCU per KB of its item, 2 in a
// transaction), and many are in flight at once: it reserves that cost up
// front (Reserve), waiting until the bucket holds it, so that the requests
// in flight together never go beyond one second's worth; what DynamoDB
// reports beyond the reservation is taken out when the answer arrives.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>

namespace ddb::vtab {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // `rate` units per second; 0 turns limiting off.
  void SetRate(double rate);
  double rate() const;

  // Blocks until a request may start. Returns false when `cancelled`
  // (polled while waiting) says to stop.
  bool Acquire(const std::function<bool()>& cancelled);
  // Takes `units` of consumed capacity out of the bucket.
  void Consume(double units);

  // A request that will consume `units`: takes them out of the bucket and
  // returns 0 when the bucket holds them now (or is full, for a request of
  // more than a second's worth); else takes nothing and returns how long
  // to wait before asking again. Always 0 while limiting is off.
  std::chrono::milliseconds Reserve(double units);

  // How long a request would wait now (tests).
  std::chrono::milliseconds WaitTime();

  // For tests: a clock of their own.
  void set_clock(std::function<Clock::time_point()> clock) { clock_ = std::move(clock); }

 private:
  void Refill(Clock::time_point now);  // mu_ held

  mutable std::mutex mu_;
  double rate_ = 0;
  double tokens_ = 0;
  Clock::time_point last_{};
  std::function<Clock::time_point()> clock_ = [] { return Clock::now(); };
};

}  // namespace ddb::vtab
