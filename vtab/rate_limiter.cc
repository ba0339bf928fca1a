#include "vtab/rate_limiter.h"

#include <algorithm>
#include <thread>

namespace ddb::vtab {

void RateLimiter::SetRate(double rate) {
  std::lock_guard<std::mutex> lock(mu_);
  rate_ = std::max(0.0, rate);
  tokens_ = rate_;
  last_ = clock_();
}

double RateLimiter::rate() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rate_;
}

void RateLimiter::Refill(Clock::time_point now) {
  double secs = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  if (secs > 0) tokens_ = std::min(rate_, tokens_ + secs * rate_);
}

std::chrono::milliseconds RateLimiter::WaitTime() {
  std::lock_guard<std::mutex> lock(mu_);
  if (rate_ <= 0) return std::chrono::milliseconds(0);
  Refill(clock_());
  if (tokens_ > 0) return std::chrono::milliseconds(0);
  // Until the bucket is just above zero again.
  return std::chrono::milliseconds(static_cast<int64_t>(-tokens_ / rate_ * 1000.0) + 1);
}

bool RateLimiter::Acquire(const std::function<bool()>& cancelled) {
  for (;;) {
    std::chrono::milliseconds wait = WaitTime();
    if (wait.count() == 0) return true;
    if (cancelled && cancelled()) return false;
    std::this_thread::sleep_for(std::min(wait, std::chrono::milliseconds(50)));
  }
}

std::chrono::milliseconds RateLimiter::Reserve(double units) {
  std::lock_guard<std::mutex> lock(mu_);
  if (rate_ <= 0) return std::chrono::milliseconds(0);
  Refill(clock_());
  // The bucket never holds more than a second's worth: a bigger request
  // waits for a full bucket, and leaves it in debt for the rest.
  double need = std::min(std::max(units, 0.0), rate_);
  if (tokens_ >= need && tokens_ > 0) {
    tokens_ -= units;
    return std::chrono::milliseconds(0);
  }
  return std::chrono::milliseconds(static_cast<int64_t>((need - tokens_) / rate_ * 1000.0) + 1);
}

void RateLimiter::Consume(double units) {
  std::lock_guard<std::mutex> lock(mu_);
  if (rate_ <= 0) return;
  Refill(clock_());
  tokens_ -= units;
}

}  // namespace ddb::vtab
