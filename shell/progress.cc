#include "shell/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

namespace ddb::shell {

namespace {
constexpr auto kFirstDrawAfter = std::chrono::milliseconds(500);
constexpr auto kRedrawEvery = std::chrono::milliseconds(200);
constexpr size_t kDefaultWidth = 80;

size_t TerminalWidth() {
  struct winsize ws {};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return kDefaultWidth;
}
}  // namespace

Progress::Progress(bool enabled, const vtab::Stats* stats, std::function<std::string()> waiting)
    : enabled_(enabled && stats != nullptr),
      stats_(stats),
      waiting_(std::move(waiting)),
      start_(std::chrono::steady_clock::now()),
      quiet_until_(start_ + kFirstDrawAfter) {
  if (enabled_) thread_ = std::thread([this] { Run(); });
}

Progress::~Progress() { Finish(); }

std::FILE* Progress::Wrap(std::FILE* out) {
  if (!enabled_ || wrapper_ || !out || !isatty(fileno(out))) return wrapper_ ? wrapper_ : out;
  cookie_io_functions_t io{};
  io.write = &Progress::WriteThrough;
  std::FILE* f = fopencookie(this, "w", io);
  if (!f) return out;
  // Unbuffered: each write reaches `out` at once, in order with the line.
  setvbuf(f, nullptr, _IONBF, 0);
  {
    std::lock_guard<std::mutex> lock(mu_);
    target_ = out;
  }
  wrapper_ = f;
  return wrapper_;
}

void Progress::Finish() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  if (wrapper_) {
    std::fclose(wrapper_);
    wrapper_ = nullptr;
  }
  std::lock_guard<std::mutex> lock(mu_);
  EraseLocked();
}

void Progress::Suspend() {
  std::lock_guard<std::mutex> lock(mu_);
  suspended_ = true;
  EraseLocked();
}

void Progress::Resume() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    suspended_ = false;
    quiet_until_ = std::chrono::steady_clock::now() + kFirstDrawAfter;
  }
  cv_.notify_all();
}

ssize_t Progress::WriteThrough(void* cookie, const char* data, size_t size) {
  auto* self = static_cast<Progress*>(cookie);
  std::lock_guard<std::mutex> lock(self->mu_);
  self->EraseLocked();
  // Rows usually follow each other closely: draw again only in a pause.
  self->quiet_until_ = std::chrono::steady_clock::now() + kRedrawEvery;
  size_t n = std::fwrite(data, 1, size, self->target_);
  if (n == 0 && size > 0) return -1;
  if (n > 0) self->at_line_start_ = data[n - 1] == '\n';
  return static_cast<ssize_t>(n);
}

void Progress::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    auto now = std::chrono::steady_clock::now();
    // Never in the middle of a row: \r would wipe its first part.
    if (now >= quiet_until_ && at_line_start_ && !suspended_) {
      DrawLocked();
      quiet_until_ = now + kRedrawEvery;
    }
    cv_.wait_until(lock, quiet_until_, [this] { return stop_; });
  }
}

void Progress::DrawLocked() {
  // Whatever the results stream holds must reach the terminal before the
  // line, or it would be printed after it.
  if (target_) std::fflush(target_);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  // One column less than the terminal: a full line would wrap, and a
  // wrapped line cannot be erased with \r.
  size_t width = TerminalWidth();
  std::string text =
      Format(*stats_, secs, width > 1 ? width - 1 : width, waiting_ ? waiting_() : std::string());
  std::fprintf(stderr, "\r\033[K%s", text.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::EraseLocked() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

std::string Progress::Format(const vtab::Stats& stats, double seconds, size_t width,
                             const std::string& waiting) {
  char buf[256];
  if (!waiting.empty()) {
    std::snprintf(buf, sizeof(buf), "%s, %.1fs (Ctrl-C cancels)", waiting.c_str(), seconds);
  } else {
    std::snprintf(buf, sizeof(buf),
                  "%llu items scanned, %llu returned, %llu pages, %.1f RCU, %.1fs (Ctrl-C cancels)",
                  static_cast<unsigned long long>(stats.items_scanned.load()),
                  static_cast<unsigned long long>(stats.items_returned.load()),
                  static_cast<unsigned long long>(stats.pages.load()),
                  static_cast<double>(stats.capacity_milli.load()) / 1000.0, seconds);
  }
  std::string text = buf;
  if (uint64_t gets = stats.s3_gets.load(), hits = stats.s3_cache_hits.load(); gets + hits > 0) {
    std::snprintf(buf, sizeof(buf), ", S3 %llu GETs %llu cached",
                  static_cast<unsigned long long>(gets), static_cast<unsigned long long>(hits));
    text.insert(text.find(" (Ctrl-C"), buf);
  }
  if (uint64_t written = stats.items_written.load(); stats.write_requests() > 0) {
    std::snprintf(buf, sizeof(buf), ", %llu written", static_cast<unsigned long long>(written));
    text.insert(text.find(" (Ctrl-C"), buf);
  }
  if (text.size() > width) text.resize(width);
  return text;
}

}  // namespace ddb::shell
