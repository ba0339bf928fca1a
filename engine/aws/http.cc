// HttpClient on a curl multi handle driven by one I/O thread.
//
// Threads: callers only touch the queue (under mu_) and wake the I/O thread
// with curl_multi_wakeup(); every curl handle is used by the I/O thread
// alone. A Transfer owns its easy handle, header list, request body and the
// callback that hands the result back (a promise's, for Start()'s future).
// Timers (RunAfter) wait in a heap under mu_; the loop's poll sleeps until
// the earliest.
#include "engine/aws/http.h"

#include <curl/curl.h>
#include <zlib.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <queue>
#include <thread>
#include <unordered_map>

#include "engine/encoding.h"
#include "engine/strings.h"

namespace ddb::aws {

namespace {

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct MultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;
using MultiPtr = std::unique_ptr<CURLM, MultiDeleter>;

// curl_global_init is not thread-safe on older curls; run it once.
void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Below this many bytes per read timeout a transfer counts as stuck.
constexpr size_t kMinBytesPerReadTimeout = 1024;

std::string HostOf(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// "2 GiB", "64 MiB", "1000 bytes": a limit in messages.
std::string DescribeLimit(size_t bytes) {
  if (bytes % (size_t{1} << 30) == 0) return std::to_string(bytes >> 30) + " GiB";
  if (bytes % (size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

// "scheme://host[:port]" of `url`.
std::string OriginOf(const std::string& url) {
  size_t start = url.find("://");
  std::string scheme = start == std::string::npos ? "" : url.substr(0, start + 3);
  return scheme + HostOf(url);
}

// `s` in the words of `r`'s caller: "DynamoDB Scan to http://HOST: ..."
// when the request names its operation (the host is in that context, and
// is then not repeated), else as it is (its message names the host).
Status Named(const HttpRequest& r, const Status& s) {
  if (r.operation.empty()) return s;
  return s.WithContext(r.operation + " to " + OriginOf(r.url));
}

// The host, for a message without the context of Named.
std::string FromHost(const HttpRequest& r, const char* sep) {
  return r.operation.empty() ? sep + HostOf(r.url) : "";
}

// Not a transport failure: asking again would bring the same answer, so
// not retried (NotSupported).
Status TooLarge(const HttpRequest& r, const std::string& what, size_t limit) {
  return Named(
      r, Status::NotSupported("answer" + FromHost(r, " from ") + " larger than the limit of " +
                              DescribeLimit(limit) + " (" + what + ")"));
}

// Inflates a gzip (or zlib) body into at most `limit` bytes; `*too_large`
// says when that is why it stopped.
Status Inflate(const std::string& in, size_t limit, std::string* out, bool* too_large) {
  *too_large = false;
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Status::Corruption("inflateInit2 failed");
  out->clear();
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char buf[65536];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return Status::Corruption("response body is not valid gzip");
    }
    size_t produced = sizeof(buf) - zs.avail_out;
    if (produced > limit - out->size()) {
      inflateEnd(&zs);
      out->clear();
      *too_large = true;
      return Status::OK();
    }
    out->append(buf, produced);
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return Status::Corruption("response body is truncated gzip");
    }
  }
  inflateEnd(&zs);
  return Status::OK();
}

}  // namespace

struct Transfer {
  HttpRequest request;
  HttpResponse response;
  HttpClient::Callback done;
  EasyPtr easy;
  SlistPtr headers;
  char error[CURL_ERROR_SIZE] = {0};
  // The client's cancel epoch when Start() queued it: CancelAll() cancels
  // only transfers started before it, not those started right after.
  uint64_t epoch = 0;
  // When the request started or last received a byte (the read timeout).
  std::chrono::steady_clock::time_point last_read;
  // Bytes received since window_start (the first byte, then each read
  // timeout): a server trickling a byte a second must still send
  // kMinBytesPerReadTimeout per read timeout.
  std::chrono::steady_clock::time_point window_start;
  size_t window_bytes = 0;
  // The client's HttpOptions::max_response_bytes, and what crossed it
  // ("Content-Length: N", "the body went on past it"): the transfer is
  // aborted there.
  size_t max_body = kMaxResponseBytes;
  std::string too_large;

  static size_t OnBody(char* data, size_t size, size_t n, void* self) {
    auto* t = static_cast<Transfer*>(self);
    t->last_read = std::chrono::steady_clock::now();
    if (t->window_bytes == 0) t->window_start = t->last_read;  // windows start at a byte
    t->window_bytes += size * n;
    if (size * n > t->max_body - t->response.body.size()) {
      t->too_large = "the body went on past it";
      return 0;  // curl aborts the transfer (CURLE_WRITE_ERROR)
    }
    t->response.body.append(data, size * n);
    return size * n;
  }
  static size_t OnHeader(char* data, size_t size, size_t n, void* self) {
    auto* t = static_cast<Transfer*>(self);
    t->last_read = std::chrono::steady_clock::now();
    if (t->window_bytes == 0) t->window_start = t->last_read;  // windows start at a byte
    t->window_bytes += size * n;
    std::string_view line(data, size * n);
    if (line.starts_with("HTTP/")) {  // a new response (after a redirect or 100): start over
      t->response.headers.clear();
      return size * n;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return size * n;
    std::string name = str::Lower(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    if (name == "content-length") {
      // One allocation for the body instead of doublings of a 1 MB page.
      uint64_t length = std::strtoull(std::string(value).c_str(), nullptr, 10);
      // (A HEAD answer announces the object's length and sends no body.)
      if (length > t->max_body && t->request.method != "HEAD") {
        t->too_large = "Content-Length: " + std::string(value);
        return 0;  // curl aborts the transfer before the body
      }
      if (length > 0 && length <= (uint64_t{64} << 20)) {
        t->response.body.reserve(static_cast<size_t>(length));
      }
    }
    t->response.headers.emplace_back(std::move(name), std::string(value));
    return size * n;
  }
};

// A RunAfter() callback waiting for its deadline.
struct Timer {
  std::chrono::steady_clock::time_point deadline;
  uint64_t epoch = 0;  // the cancel epoch when it was set
  uint64_t seq = 0;
  HttpClient::TimerCallback fn;

  struct Later {
    bool operator()(const Timer& a, const Timer& b) const {
      return a.deadline != b.deadline ? a.deadline > b.deadline : a.seq > b.seq;
    }
  };
};

class HttpClient::Impl {
 public:
  explicit Impl(const HttpOptions& options) : options_(options) {
    GlobalInitOnce();
    multi_.reset(curl_multi_init());
    curl_multi_setopt(multi_.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      static_cast<long>(options_.max_connections));
    curl_multi_setopt(multi_.get(), CURLMOPT_MAXCONNECTS,
                      static_cast<long>(options_.max_connections));
    curl_multi_setopt(multi_.get(), CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));
    thread_ = std::thread([this] { Loop(); });
  }

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    curl_multi_wakeup(multi_.get());
    thread_.join();
  }

  void Start(HttpRequest request, HttpClient::Callback done) {
    auto t = std::make_unique<Transfer>();
    t->request = std::move(request);
    t->max_body = options_.max_response_bytes;
    t->done = std::move(done);
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (stopping_) {
        lock.unlock();
        t->done({Status::Cancelled("HTTP client is shutting down"), {}});
        return;
      }
      t->epoch = cancel_epoch_;
      queue_.push_back(std::move(t));
    }
    Wake();
  }

  void RunAfter(std::chrono::milliseconds delay, HttpClient::TimerCallback fn) {
    Timer timer{std::chrono::steady_clock::now() + delay, 0, ++timer_seq_, std::move(fn)};
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (stopping_) {
        lock.unlock();
        timer.fn(true);
        return;
      }
      timer.epoch = cancel_epoch_;
      timers_.push(std::move(timer));
    }
    Wake();
  }

  void CancelAll() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++cancel_epoch_;
    }
    curl_multi_wakeup(multi_.get());
  }

  // Wakes the loop unless it is this thread (it will look at the queue
  // before it sleeps again): a completion that starts its retry or next
  // request costs no wake-up write.
  void Wake() {
    if (std::this_thread::get_id() == loop_id_.load(std::memory_order_relaxed)) return;
    curl_multi_wakeup(multi_.get());
  }

  uint64_t cancel_generation() {
    std::lock_guard<std::mutex> lock(mu_);
    return cancel_epoch_;
  }

 private:
  // Builds the easy handle for `t`. Runs on the I/O thread.
  Status Prepare(Transfer* t) {
    EasyPtr easy;
    if (!idle_.empty()) {
      easy = std::move(idle_.back());
      idle_.pop_back();
      curl_easy_reset(easy.get());
    } else {
      easy.reset(curl_easy_init());
    }
    if (!easy) return Status::Transport("curl_easy_init failed");
    CURL* e = easy.get();
    const HttpRequest& r = t->request;
    curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::OnBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Transfer::OnHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     r.connect_timeout_ms > 0 ? r.connect_timeout_ms : options_.connect_timeout_ms);
    long timeout = r.request_timeout_ms > 0 ? r.request_timeout_ms : options_.request_timeout_ms;
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
    if (!options_.ca_bundle.empty())
      curl_easy_setopt(e, CURLOPT_CAINFO, options_.ca_bundle.c_str());
    // The body is checksummed as received, so curl must not inflate it.
    curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    // S3 keys may contain "." and ".." segments; curl must not squash them.
    curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
    if (r.allow_http2) {
      // HTTP/2 where TLS's ALPN offers it: S3's GETs and PUTs then share
      // one connection, multiplexed; curl waits for a connection about to
      // be usable for that rather than open another.
      curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
      curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    } else {
      curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    }

    if (r.method == "GET") {
      curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (r.method == "HEAD") {
      curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
      curl_easy_setopt(e, CURLOPT_POST, 1L);
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
      if (r.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    }

    curl_slist* list = nullptr;
    bool has_content_type = false;
    for (const auto& [name, value] : r.headers) {
      std::string line = name + (value.empty() ? ";" : ": " + value);
      list = curl_slist_append(list, line.c_str());
      if (str::EqualsIgnoreCase(name, "content-type")) has_content_type = true;
    }
    list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
    if (!has_content_type) list = curl_slist_append(list, "Content-Type:");
    t->headers.reset(list);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, list);
    t->easy = std::move(easy);
    return Status::OK();
  }

  // What timed out, in the AWS CLI's terms: connecting (--cli-connect-timeout),
  // waiting for bytes (--cli-read-timeout), or the whole transfer.
  std::string TimeoutMessage(Transfer* t, const std::string& reason) {
    const std::string host = HostOf(t->request.url);
    curl_off_t connected_us = 0;
    curl_easy_getinfo(t->easy.get(), CURLINFO_CONNECT_TIME_T, &connected_us);
    const HttpRequest& r = t->request;
    auto seconds = [](long ms) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%g s", static_cast<double>(ms) / 1000.0);
      return std::string(buf);
    };
    if (connected_us == 0) {
      long ms = r.connect_timeout_ms > 0 ? r.connect_timeout_ms : options_.connect_timeout_ms;
      return "request timed out: cannot connect to " + host + " within " + seconds(ms) +
             " (--cli-connect-timeout)";
    }
    long ms = r.request_timeout_ms > 0 ? r.request_timeout_ms : options_.request_timeout_ms;
    return "request timed out: " + host + " did not finish answering within " + seconds(ms);
  }

  void Finish(Transfer* t, CURLcode code) {
    HttpResult result;
    if (code != CURLE_OK && !t->too_large.empty()) {
      result.status = TooLarge(t->request, t->too_large, t->max_body);
    } else if (code != CURLE_OK) {
      std::string reason = t->error[0] ? t->error : curl_easy_strerror(code);
      std::string what = code == CURLE_OPERATION_TIMEDOUT     ? "request timed out"
                         : code == CURLE_COULDNT_CONNECT      ? "cannot connect"
                         : code == CURLE_COULDNT_RESOLVE_HOST ? "cannot resolve host"
                                                              : "request failed";
      std::string host = t->request.operation.empty() ? " (" + HostOf(t->request.url) + ")" : "";
      std::string message = what + host + ": " + reason;
      if (code == CURLE_OPERATION_TIMEDOUT) message = TimeoutMessage(t, reason);
      // A certificate that does not verify or a URL curl cannot use will not
      // do better on a retry: those are not transport failures to retry.
      bool permanent = code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
                       code == CURLE_SSL_CERTPROBLEM || code == CURLE_UNSUPPORTED_PROTOCOL ||
                       code == CURLE_URL_MALFORMAT;
      result.status = Named(
          t->request, permanent ? Status::InvalidArgument(message) : Status::Transport(message));
    } else {
      long status = 0;
      curl_easy_getinfo(t->easy.get(), CURLINFO_RESPONSE_CODE, &status);
      t->response.status = status;
      t->response.crc32 = Crc32(t->response.body);
      // Inflate only what we asked to receive compressed: an S3 object stored
      // with Content-Encoding gzip must come back as its stored bytes.
      std::string_view enc = FindHeader(t->response.headers, "content-encoding");
      bool asked =
          FindHeader(t->request.headers, "accept-encoding").find("gzip") != std::string_view::npos;
      if (asked && (enc == "gzip" || enc == "deflate")) {
        std::string inflated;
        bool too_large = false;
        result.status = Inflate(t->response.body, t->max_body, &inflated, &too_large);
        if (too_large) {
          result.status = TooLarge(t->request, "inflating its Content-Encoding " + std::string(enc),
                                   t->max_body);
        } else if (result.status.ok()) {
          t->response.body = std::move(inflated);
        } else {
          result.status = Named(t->request, result.status);
        }
      }
    }
    result.response = std::move(t->response);
    Recycle(t);
    t->done(std::move(result));
  }

  // --cli-read-timeout: fails every transfer that has received nothing for
  // read_timeout_ms. curl's own low-speed limit cannot do this: it averages
  // over seconds that include sending the request.
  void ExpireSilentTransfers() {
    if (options_.read_timeout_ms <= 0) return;
    auto now = std::chrono::steady_clock::now();
    auto limit = std::chrono::milliseconds(options_.read_timeout_ms);
    for (auto it = active_.begin(); it != active_.end();) {
      Transfer* t = it->second.get();
      bool silent = now - t->last_read >= limit;
      // A trickle (one byte a second) is as stuck as silence.
      bool trickling = now - t->window_start >= limit && t->window_bytes < kMinBytesPerReadTimeout;
      if (!silent && !trickling) {
        if (now - t->window_start >= limit) {
          t->window_start = now;
          t->window_bytes = 0;
        }
        ++it;
        continue;
      }
      char secs[32];
      std::snprintf(secs, sizeof(secs), "%g s",
                    static_cast<double>(options_.read_timeout_ms) / 1000.0);
      std::string what = silent ? " sent nothing for " : " sent less than 1 KB in ";
      // Not reused: the connection may still deliver the late answer.
      curl_multi_remove_handle(multi_.get(), t->easy.get());
      std::unique_ptr<Transfer> expired = std::move(it->second);
      it = active_.erase(it);
      expired->done({Named(expired->request,
                           Status::Transport("request timed out: " + HostOf(expired->request.url) +
                                             what + secs + " (--cli-read-timeout)")),
                     {}});
    }
  }

  // Detaches `t`'s easy handle from the multi handle and keeps it for reuse.
  void Recycle(Transfer* t) {
    curl_multi_remove_handle(multi_.get(), t->easy.get());
    if (idle_.size() < 16) idle_.push_back(std::move(t->easy));
    t->easy.reset();
  }

  // Takes the timers that are due or cancelled (`epoch` is the cancel
  // epoch now) and says how long until the next one (-1: none). Under mu_.
  long TakeTimers(uint64_t epoch, bool stopping, std::vector<Timer>* due,
                  std::vector<Timer>* cancelled) {
    auto now = std::chrono::steady_clock::now();
    if (stopping || (!timers_.empty() && timers_.top().epoch < epoch)) {
      // A cancel reaches every timer set before it: rebuild the heap.
      std::vector<Timer> keep;
      while (!timers_.empty()) {
        Timer& top = const_cast<Timer&>(timers_.top());
        Timer t = std::move(top);
        timers_.pop();
        if (stopping || t.epoch < epoch) {
          cancelled->push_back(std::move(t));
        } else {
          keep.push_back(std::move(t));
        }
      }
      for (auto& t : keep) timers_.push(std::move(t));
    }
    while (!timers_.empty() && timers_.top().deadline <= now) {
      Timer& top = const_cast<Timer&>(timers_.top());
      due->push_back(std::move(top));
      timers_.pop();
    }
    if (timers_.empty()) return -1;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(timers_.top().deadline - now);
    return std::max<long>(1, static_cast<long>(left.count()) + 1);
  }

  void Loop() {
    loop_id_.store(std::this_thread::get_id());
    std::vector<Timer> due;
    std::vector<Timer> cancelled_timers;
    for (;;) {
      std::deque<std::unique_ptr<Transfer>> fresh;
      bool stopping = false;
      uint64_t epoch = 0;
      long next_timer_ms = -1;
      due.clear();
      cancelled_timers.clear();
      {
        std::lock_guard<std::mutex> lock(mu_);
        stopping = stopping_;
        epoch = cancel_epoch_;
        fresh.swap(queue_);
        next_timer_ms = TakeTimers(epoch, stopping, &due, &cancelled_timers);
      }
      for (auto& t : cancelled_timers) t.fn(true);
      for (auto& t : due) t.fn(false);
      // Everything when stopping; otherwise what was started before the
      // latest CancelAll().
      auto cancelled = [&](const Transfer& t) { return stopping || t.epoch < epoch; };
      for (auto it = active_.begin(); it != active_.end();) {
        if (!cancelled(*it->second)) {
          ++it;
          continue;
        }
        std::unique_ptr<Transfer> t = std::move(it->second);
        it = active_.erase(it);
        Recycle(t.get());
        t->done({Status::Cancelled(), {}});
      }
      if (stopping) {
        for (auto& t : fresh) t->done({Status::Cancelled(), {}});
        // Callbacks may have queued more (they are refused once stopping).
        std::deque<std::unique_ptr<Transfer>> late;
        {
          std::lock_guard<std::mutex> lock(mu_);
          late.swap(queue_);
        }
        for (auto& t : late) t->done({Status::Cancelled(), {}});
        return;
      }
      for (auto& t : fresh) {
        if (cancelled(*t)) {
          t->done({Status::Cancelled(), {}});
          continue;
        }
        Status s = Prepare(t.get());
        if (!s.ok()) {
          t->done({s, {}});
          continue;
        }
        CURL* e = t->easy.get();
        if (CURLMcode mc = curl_multi_add_handle(multi_.get(), e); mc != CURLM_OK) {
          t->done({Named(t->request, Status::Transport(std::string("cannot start request (") +
                                                       HostOf(t->request.url) +
                                                       "): " + curl_multi_strerror(mc))),
                   {}});
          continue;
        }
        t->last_read = t->window_start = std::chrono::steady_clock::now();
        t->window_bytes = 0;
        active_.emplace(e, std::move(t));
      }

      int running = 0;
      curl_multi_perform(multi_.get(), &running);
      int left = 0;
      bool finished = false;
      while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        auto it = active_.find(msg->easy_handle);
        if (it == active_.end()) continue;
        std::unique_ptr<Transfer> t = std::move(it->second);
        active_.erase(it);
        CURLcode code = msg->data.result;
        // Detached before its callback runs: a callback that starts the
        // next request may get this very handle back.
        Finish(t.get(), code);
        finished = true;
      }
      ExpireSilentTransfers();
      {
        // Completions may have started requests or set timers: go round
        // again at once rather than sleep.
        std::lock_guard<std::mutex> lock(mu_);
        if (!queue_.empty() || cancel_epoch_ != epoch || stopping_) continue;
        if (!timers_.empty()) {
          auto left_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
              timers_.top().deadline - std::chrono::steady_clock::now());
          next_timer_ms = std::max<long>(0, static_cast<long>(left_ms.count()) + 1);
        } else {
          next_timer_ms = -1;
        }
      }
      if (finished && running > 0) continue;  // more may be ready without a wait
      int numfds = 0;
      // A short wait while transfers run, so the read timeout is on time.
      long wait_ms = active_.empty() || options_.read_timeout_ms <= 0 ? 1000 : 100;
      if (next_timer_ms >= 0) wait_ms = std::min(wait_ms, next_timer_ms);
      if (wait_ms > 0 && curl_multi_poll(multi_.get(), nullptr, 0, static_cast<int>(wait_ms),
                                         &numfds) != CURLM_OK) {
        // Not expected; do not spin if it happens.
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }

  HttpOptions options_;
  MultiPtr multi_;
  std::thread thread_;

  std::mutex mu_;
  std::deque<std::unique_ptr<Transfer>> queue_;  // guarded by mu_
  bool stopping_ = false;                        // guarded by mu_
  uint64_t cancel_epoch_ = 0;                    // guarded by mu_; CancelAll() calls
  std::priority_queue<Timer, std::vector<Timer>, Timer::Later> timers_;  // guarded by mu_
  std::atomic<uint64_t> timer_seq_{0};      // ties broken in the order timers were set
  std::atomic<std::thread::id> loop_id_{};  // the I/O thread's, once it runs

  // I/O thread only.
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active_;
  std::vector<EasyPtr> idle_;
};

namespace {

// DDBSQL_TEST_MAX_RESPONSE_BYTES lowers the body limit (end-to-end tests
// of a cap that is 2 GiB otherwise); never raises it.
HttpOptions WithTestLimit(HttpOptions options) {
  const char* v = std::getenv("DDBSQL_TEST_MAX_RESPONSE_BYTES");
  if (v && *v) {
    uint64_t n = std::strtoull(v, nullptr, 10);
    if (n > 0 && n < options.max_response_bytes) options.max_response_bytes = n;
  }
  return options;
}

}  // namespace

HttpClient::HttpClient(HttpOptions options)
    : options_(WithTestLimit(std::move(options))), impl_(std::make_unique<Impl>(options_)) {}

HttpClient::~HttpClient() = default;

std::future<HttpResult> HttpClient::Start(HttpRequest request) {
  auto promise = std::make_shared<std::promise<HttpResult>>();
  std::future<HttpResult> f = promise->get_future();
  impl_->Start(std::move(request),
               [promise](HttpResult result) { promise->set_value(std::move(result)); });
  return f;
}

void HttpClient::Start(HttpRequest request, Callback done) {
  impl_->Start(std::move(request), std::move(done));
}

void HttpClient::RunAfter(std::chrono::milliseconds delay, TimerCallback fn) {
  impl_->RunAfter(delay, std::move(fn));
}

Status HttpClient::Send(HttpRequest request, HttpResponse* response) {
  HttpResult r = Start(std::move(request)).get();
  *response = std::move(r.response);
  return r.status;
}

void HttpClient::CancelAll() { impl_->CancelAll(); }

uint64_t HttpClient::cancel_generation() const { return impl_->cancel_generation(); }

}  // namespace ddb::aws
