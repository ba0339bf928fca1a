#include "shell/progress.h"

namespace ddb::shell {

namespace {
constexpr auto kFirstDrawAfter = std::chrono::milliseconds(500);
constexpr auto kRedrawEvery = std::chrono::milliseconds(200);
}  // namespace

Progress::Progress(bool enabled, const vtab::Stats* stats)
    : enabled_(enabled && stats != nullptr),
      stats_(stats),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  if (drawn_) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }
}

void Progress::Tick() {
  if (!enabled_ || (++ticks_ & 15) != 0) return;  // look at the clock every 16 calls
  auto now = std::chrono::steady_clock::now();
  if (now - start_ < kFirstDrawAfter || now - last_draw_ < kRedrawEvery) return;
  last_draw_ = now;
  Draw();
}

void Progress::Draw() {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr,
               "\r\033[K%llu items scanned, %llu returned, %llu pages, %.1f RCU, %.1fs",
               static_cast<unsigned long long>(stats_->items_scanned.load()),
               static_cast<unsigned long long>(stats_->items_returned.load()),
               static_cast<unsigned long long>(stats_->pages.load()),
               static_cast<double>(stats_->capacity_milli.load()) / 1000.0, secs);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace ddb::shell
