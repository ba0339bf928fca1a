#include "shell/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include "engine/strings.h"

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

namespace {

using ull = unsigned long long;

ull Load(const std::atomic<uint64_t>& counter) { return static_cast<ull>(counter.load()); }

// "1 S3 PUT", "2 S3 PUTs".
std::string Count(ull n, const std::string& noun) { return str::Plural(n, noun); }

bool Reads(const vtab::Stats& st) {
  return Load(st.pages) + Load(st.items_scanned) + Load(st.items_returned) + Load(st.get_item) +
             Load(st.batch_get_item) + Load(st.query) + Load(st.scan) + Load(st.execute_statement) +
             Load(st.s3_gets) + Load(st.s3_cache_hits) + Load(st.export_bytes) >
         0;
}

bool Writes(const vtab::Stats& st) {
  return st.write_requests() + Load(st.s3_puts) + Load(st.s3_deletes) > 0;
}

// "495 written, 12.3 WCU, 495 S3 PUTs, 3 S3 deletes": WCU once DynamoDB
// reported some, the S3 counts when not zero.
std::string WriteCounts(const vtab::Stats& st) {
  char buf[160];
  std::snprintf(buf, sizeof(buf), "%llu written", Load(st.items_written));
  std::string text = buf;
  if (ull wcu = Load(st.write_capacity_milli); wcu > 0) {
    std::snprintf(buf, sizeof(buf), ", %.1f WCU", static_cast<double>(wcu) / 1000.0);
    text += buf;
  }
  if (ull puts = Load(st.s3_puts); puts > 0) text += ", " + Count(puts, "S3 PUT");
  if (ull deletes = Load(st.s3_deletes); deletes > 0) text += ", " + Count(deletes, "S3 delete");
  return text;
}

// "export: 3 files, 1000 items, 1.2 MB read".
std::string ExportCounts(const vtab::Stats& st) {
  char buf[160];
  std::snprintf(buf, sizeof(buf), "export: %llu files, %llu items, %.1f MB read",
                Load(st.export_files), Load(st.export_items),
                static_cast<double>(Load(st.export_bytes)) / 1e6);
  return buf;
}

}  // namespace

std::string Progress::Format(const vtab::Stats& stats, double seconds, size_t width,
                             const std::string& waiting) {
  char buf[256];
  // A statement that has only written so far shows what it wrote; one that
  // reads shows its reads first, and its writes after (when it has any).
  bool write_only = waiting.empty() && Writes(stats) && !Reads(stats);
  // A statement that reads an export (dynamodb_export.h) and no table.
  bool export_only = waiting.empty() && !write_only && Load(stats.export_bytes) > 0 &&
                     Load(stats.pages) + Load(stats.items_scanned) == 0;
  if (!waiting.empty()) {
    std::snprintf(buf, sizeof(buf), "%s, %.1fs (Ctrl-C cancels)", waiting.c_str(), seconds);
  } else if (write_only) {
    std::snprintf(buf, sizeof(buf), "%s, %.1fs (Ctrl-C cancels)", WriteCounts(stats).c_str(),
                  seconds);
  } else if (export_only) {
    std::snprintf(buf, sizeof(buf), "%s, %.1fs (Ctrl-C cancels)", ExportCounts(stats).c_str(),
                  seconds);
  } else {
    std::snprintf(buf, sizeof(buf),
                  "%llu items scanned, %llu returned, %llu pages, %.1f RCU, %.1fs (Ctrl-C cancels)",
                  Load(stats.items_scanned), Load(stats.items_returned), Load(stats.pages),
                  static_cast<double>(stats.capacity_milli.load()) / 1000.0, seconds);
  }
  std::string text = buf;
  if (ull gets = Load(stats.s3_gets), hits = Load(stats.s3_cache_hits); gets + hits > 0) {
    std::snprintf(buf, sizeof(buf), ", S3 %llu GETs %llu cached", gets, hits);
    text.insert(text.find(" (Ctrl-C"), buf);
  }
  if (Load(stats.export_bytes) > 0 && !export_only) {
    text.insert(text.find(" (Ctrl-C"), ", " + ExportCounts(stats));
  }
  if (!write_only && Writes(stats)) text.insert(text.find(" (Ctrl-C"), ", " + WriteCounts(stats));
  if (text.size() > width) text.resize(width);
  return text;
}

std::string S3StatsText(const vtab::Stats& stats) {
  char buf[200];
  std::string reads;
  if (ull gets = Load(stats.s3_gets), hits = Load(stats.s3_cache_hits); gets + hits > 0) {
    std::snprintf(buf, sizeof(buf), "%llu GETs, %llu bytes, %llu cache hits, in flight max %llu",
                  gets, Load(stats.s3_bytes), hits, Load(stats.s3_in_flight_max));
    reads = buf;
  }
  std::string writes;
  if (ull puts = Load(stats.s3_puts); puts > 0) {
    writes = Count(puts, "PUT") + ", " + std::to_string(Load(stats.s3_put_bytes)) + " bytes sent";
    if (ull most = Load(stats.s3_put_in_flight_max); most > 0) {
      writes += ", in flight max " + std::to_string(most);
    }
  }
  if (ull deletes = Load(stats.s3_deletes); deletes > 0) {
    writes += (writes.empty() ? "" : ", ") + Count(deletes, "object") + " deleted";
  }
  if (reads.empty() && writes.empty()) return "";
  return "S3: " + reads + (reads.empty() || writes.empty() ? "" : "; ") + writes;
}

}  // namespace ddb::shell
