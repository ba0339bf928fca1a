// HttpClient against real sockets: a small HTTP/1.1 server inside the test
// process (so the test can count connections, stall on purpose and send
// exactly the bytes it wants), a port nobody listens on, and a stalled peer.
#include "engine/aws/http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "engine/encoding.h"

namespace ddb::aws {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// gzip (not zlib) framing, as a server sends with Content-Encoding: gzip.
std::string Gzip(std::string_view plain) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&zs, static_cast<uLong>(plain.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  zs.avail_in = static_cast<uInt>(plain.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// ---- A loopback HTTP/1.1 server ----

struct ServerRequest {
  std::string method;
  std::string path;
  Headers headers;  // names as sent
  std::string body;
};

struct ServerReply {
  int status = 200;
  Headers headers;
  std::string body;
  bool stall = false;        // read the request, never answer (until the server stops)
  bool close_after = false;  // "Connection: close" and close the socket after answering
};

// Serves each connection on its own thread, keeping connections alive until
// the client closes them, and answers every request with handler(request).
class LoopbackServer {
 public:
  using Handler = std::function<ServerReply(const ServerRequest&)>;

  explicit LoopbackServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        listen(listen_fd_, 128) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on a loopback port";
      return;
    }
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~LoopbackServer() {
    stop_ = true;
    if (accept_thread_.joinable()) accept_thread_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      threads.swap(connection_threads_);
    }
    for (std::thread& t : threads) t.join();
    if (listen_fd_ >= 0) close(listen_fd_);
  }

  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  int port() const { return port_; }
  int connections_accepted() const { return accepted_.load(); }
  int requests_seen() const { return requests_.load(); }
  int max_open_connections() const { return max_open_.load(); }

  // Waits until `n` requests have been read in full.
  bool WaitForRequests(int n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return requests_.load() >= n; });
  }

  // The requests read so far, in arrival order.
  std::vector<ServerRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  static constexpr int kPollMs = 20;

  void AcceptLoop() {
    while (!stop_) {
      pollfd pfd{listen_fd_, POLLIN, 0};
      if (poll(&pfd, 1, kPollMs) <= 0) continue;
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      accepted_++;
      int open = ++open_;
      int prev = max_open_.load();
      while (open > prev && !max_open_.compare_exchange_weak(prev, open)) {
      }
      std::lock_guard<std::mutex> lock(mu_);
      connection_threads_.emplace_back([this, fd] {
        Serve(fd);
        close(fd);
        open_--;
      });
    }
  }

  // Reads into `buf` until it holds `n` bytes. False on EOF, error or stop.
  bool ReadAtLeast(int fd, std::string* buf, size_t n) {
    char chunk[65536];
    while (buf->size() < n) {
      if (!WaitReadable(fd)) return false;
      ssize_t got = recv(fd, chunk, sizeof(chunk), 0);
      if (got <= 0) return false;
      buf->append(chunk, static_cast<size_t>(got));
    }
    return true;
  }

  bool WaitReadable(int fd) {
    while (!stop_) {
      pollfd pfd{fd, POLLIN, 0};
      int ready = poll(&pfd, 1, kPollMs);
      if (ready > 0) return true;
      if (ready < 0) return false;
    }
    return false;
  }

  void Serve(int fd) {
    std::string buf;
    while (!stop_) {
      size_t header_end;
      while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
        if (!ReadAtLeast(fd, &buf, buf.size() + 1)) return;
      }
      ServerRequest request;
      std::string head = buf.substr(0, header_end);
      buf.erase(0, header_end + 4);
      size_t line_end = head.find("\r\n");
      std::string request_line = head.substr(0, line_end);
      size_t sp1 = request_line.find(' ');
      size_t sp2 = request_line.find(' ', sp1 + 1);
      request.method = request_line.substr(0, sp1);
      request.path = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
      size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
      while (pos < head.size()) {
        size_t end = head.find("\r\n", pos);
        if (end == std::string::npos) end = head.size();
        std::string line = head.substr(pos, end - pos);
        size_t colon = line.find(':');
        if (colon != std::string::npos) {
          size_t value_start = line.find_first_not_of(' ', colon + 1);
          request.headers.emplace_back(line.substr(0, colon), value_start == std::string::npos
                                                                  ? ""
                                                                  : line.substr(value_start));
        }
        pos = end + 2;
      }
      size_t length = std::strtoul(
          std::string(FindHeader(request.headers, "content-length")).c_str(), nullptr, 10);
      if (!ReadAtLeast(fd, &buf, length)) return;
      request.body = buf.substr(0, length);
      buf.erase(0, length);

      ServerReply reply = handler_(request);
      {
        std::lock_guard<std::mutex> lock(mu_);
        seen_.push_back(request);
        requests_++;
      }
      cv_.notify_all();

      if (reply.stall) {
        while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
        return;
      }
      std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " Whatever\r\n";
      for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
      out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
      if (reply.close_after) out += "Connection: close\r\n";
      out += "\r\n";
      if (request.method != "HEAD") out += reply.body;
      size_t sent = 0;
      while (sent < out.size()) {
        ssize_t n = send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return;
        sent += static_cast<size_t>(n);
      }
      if (reply.close_after) return;
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> open_{0};
  std::atomic<int> max_open_{0};
  std::atomic<int> requests_{0};
  std::thread accept_thread_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::thread> connection_threads_;  // guarded by mu_
  std::vector<ServerRequest> seen_;              // guarded by mu_
};

// Answers "<METHOD> <path> <body>" with the request's X-Echo headers copied back.
ServerReply Echo(const ServerRequest& r) {
  ServerReply reply;
  reply.body = r.method + " " + r.path + " " + r.body;
  reply.headers.emplace_back("X-Echo", std::string(FindHeader(r.headers, "x-echo")));
  return reply;
}

// ---- Tests ----

TEST(HttpClientTest, SequentialRequestsReuseOneConnection) {
  LoopbackServer server(Echo);
  HttpClient client;
  for (int i = 0; i < 20; ++i) {
    HttpRequest request;
    request.method = "POST";
    request.url = server.url("/item/" + std::to_string(i));
    request.headers = {{"X-Echo", "n" + std::to_string(i)}};
    request.body = "body" + std::to_string(i);
    HttpResponse response;
    Status s = client.Send(request, &response);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "POST /item/" + std::to_string(i) + " body" + std::to_string(i));
    // Header names come back lower-cased.
    EXPECT_EQ(FindHeader(response.headers, "x-echo"), "n" + std::to_string(i));
    ASSERT_FALSE(response.headers.empty());
    for (const auto& [name, value] : response.headers) {
      EXPECT_EQ(name, [&] {
        std::string lower = name;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return lower;
      }());
    }
  }
  EXPECT_EQ(server.requests_seen(), 20);
  EXPECT_EQ(server.connections_accepted(), 1);
}

TEST(HttpClientTest, ServerClosingEachConnectionStillServesEveryRequest) {
  LoopbackServer server([](const ServerRequest& r) {
    ServerReply reply = Echo(r);
    reply.close_after = true;
    return reply;
  });
  HttpClient client;
  for (int i = 0; i < 5; ++i) {
    HttpRequest request;
    request.url = server.url("/c" + std::to_string(i));
    HttpResponse response;
    Status s = client.Send(request, &response);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(response.body, "GET /c" + std::to_string(i) + " ");
  }
  EXPECT_EQ(server.connections_accepted(), 5);
}

TEST(HttpClientTest, ConcurrentRequestsAllCompleteWithTheirOwnAnswers) {
  constexpr int kRequests = 40;
  constexpr auto kServerDelay = std::chrono::milliseconds(150);
  LoopbackServer server([&](const ServerRequest& r) {
    std::this_thread::sleep_for(kServerDelay);
    return Echo(r);
  });
  HttpClient client;
  std::vector<std::future<HttpResult>> futures;
  auto start = Clock::now();
  for (int i = 0; i < kRequests; ++i) {
    HttpRequest request;
    request.method = i % 2 == 0 ? "POST" : "PUT";
    request.url = server.url("/k" + std::to_string(i));
    request.headers = {{"X-Echo", std::to_string(i)}};
    request.body = std::string(static_cast<size_t>(i) * 1000, static_cast<char>('a' + i % 26));
    futures.push_back(client.Start(std::move(request)));
  }
  for (int i = 0; i < kRequests; ++i) {
    HttpResult result = futures[i].get();
    ASSERT_TRUE(result.status.ok()) << i << ": " << result.status.ToString();
    EXPECT_EQ(result.response.status, 200);
    std::string method = i % 2 == 0 ? "POST" : "PUT";
    EXPECT_EQ(result.response.body,
              method + " /k" + std::to_string(i) + " " +
                  std::string(static_cast<size_t>(i) * 1000, static_cast<char>('a' + i % 26)));
    EXPECT_EQ(FindHeader(result.response.headers, "x-echo"), std::to_string(i));
  }
  double elapsed = SecondsSince(start);
  EXPECT_EQ(server.requests_seen(), kRequests);
  // One at a time they would take kRequests * 150 ms = 6 s.
  EXPECT_LT(elapsed, 3.0);
  EXPECT_GT(server.max_open_connections(), 4);
}

TEST(HttpClientTest, SendFromManyThreadsSharesTheClient) {
  LoopbackServer server(Echo);
  HttpClient client;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 15;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        HttpRequest request;
        request.method = "POST";
        request.url = server.url("/t" + std::to_string(t));
        request.body = std::to_string(i);
        HttpResponse response;
        Status s = client.Send(request, &response);
        if (s.ok() && response.body == "POST /t" + std::to_string(t) + " " + std::to_string(i)) {
          good++;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(good.load(), kThreads * kPerThread);
  // Connections are pooled: never more than the threads that ran at once.
  EXPECT_LE(server.connections_accepted(), kThreads);
}

TEST(HttpClientTest, ErrorStatusIsATransportSuccess) {
  LoopbackServer server([](const ServerRequest&) {
    ServerReply reply;
    reply.status = 503;
    reply.body = "busy";
    return reply;
  });
  HttpClient client;
  HttpRequest request;
  request.url = server.url("/x");
  HttpResponse response;
  Status s = client.Send(request, &response);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.body, "busy");
  EXPECT_EQ(response.crc32, Crc32("busy"));
}

TEST(HttpClientTest, HeadAndDeleteSendTheirMethods) {
  LoopbackServer server(Echo);
  HttpClient client;
  HttpRequest head;
  head.method = "HEAD";
  head.url = server.url("/h");
  HttpResponse response;
  Status s = client.Send(head, &response);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "");
  HttpRequest del;
  del.method = "DELETE";
  del.url = server.url("/d");
  s = client.Send(del, &response);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(response.body, "DELETE /d ");
  std::vector<ServerRequest> seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "HEAD");
  EXPECT_EQ(seen[1].method, "DELETE");
  // The client adds no 100-continue round trip and no Content-Type of its own.
  for (const ServerRequest& r : seen) {
    EXPECT_EQ(FindHeader(r.headers, "expect"), "");
    EXPECT_EQ(FindHeader(r.headers, "content-type"), "");
  }
}

TEST(HttpClientTest, ConnectionRefusedFailsFastNamingTheHost) {
  HttpClient client;
  HttpRequest request;
  request.url = "http://127.0.0.1:1/";
  HttpResponse response;
  auto start = Clock::now();
  Status s = client.Send(request, &response);
  EXPECT_LT(SecondsSince(start), 2.0);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kTransport) << s.ToString();
  EXPECT_TRUE(Contains(s.ToString(), "127.0.0.1:1")) << s.ToString();
  EXPECT_TRUE(Contains(s.ToString(), "cannot connect")) << s.ToString();
}

TEST(HttpClientTest, ARequestNamingItsOperationFailsNamingOperationAndHost) {
  HttpClient client;
  HttpRequest request;
  request.url = "http://127.0.0.1:1/";
  request.operation = "DynamoDB Scan";
  HttpResponse response;
  Status s = client.Send(request, &response);
  EXPECT_EQ(s.code(), Status::Code::kTransport) << s.ToString();
  EXPECT_EQ(s.ToString().rfind("DynamoDB Scan to http://127.0.0.1:1: cannot connect: ", 0), 0u)
      << s.ToString();
}

TEST(HttpClientTest, RequestTimeoutFiresOnAStalledServer) {
  LoopbackServer server([](const ServerRequest&) {
    ServerReply reply;
    reply.stall = true;
    return reply;
  });
  HttpOptions options;
  options.request_timeout_ms = 500;
  HttpClient client(options);
  HttpRequest request;
  request.method = "POST";
  request.url = server.url("/slow");
  request.body = "{}";
  HttpResponse response;
  auto start = Clock::now();
  Status s = client.Send(request, &response);
  double elapsed = SecondsSince(start);
  EXPECT_EQ(server.requests_seen(), 1);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kTransport) << s.ToString();
  EXPECT_TRUE(Contains(s.ToString(), "timed out")) << s.ToString();
  EXPECT_TRUE(Contains(s.ToString(), "127.0.0.1:" + std::to_string(server.port()))) << s.ToString();
  EXPECT_GE(elapsed, 0.45);
  EXPECT_LT(elapsed, 3.0);
}

TEST(HttpClientTest, PerRequestTimeoutOverridesTheClients) {
  LoopbackServer server([](const ServerRequest&) {
    ServerReply reply;
    reply.stall = true;
    return reply;
  });
  HttpClient client;  // 60 s by default
  HttpRequest request;
  request.url = server.url("/imds");
  request.request_timeout_ms = 300;
  HttpResponse response;
  auto start = Clock::now();
  Status s = client.Send(request, &response);
  EXPECT_EQ(s.code(), Status::Code::kTransport) << s.ToString();
  EXPECT_LT(SecondsSince(start), 3.0);
}

TEST(HttpClientTest, CancelAllAbortsAStalledRequestPromptly) {
  LoopbackServer server([](const ServerRequest& r) {
    if (r.path == "/fast") return Echo(r);
    ServerReply reply;
    reply.stall = true;
    return reply;
  });
  HttpClient client;  // 60 s timeout: only the cancel can end the stalled ones
  HttpRequest stalled;
  stalled.url = server.url("/stall");
  std::future<HttpResult> first = client.Start(stalled);
  std::future<HttpResult> second = client.Start(stalled);
  ASSERT_TRUE(server.WaitForRequests(2, std::chrono::seconds(5)));
  EXPECT_EQ(first.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);

  auto start = Clock::now();
  std::thread canceller([&] { client.CancelAll(); });
  ASSERT_EQ(first.wait_for(std::chrono::seconds(2)), std::future_status::ready);
  ASSERT_EQ(second.wait_for(std::chrono::seconds(2)), std::future_status::ready);
  canceller.join();
  EXPECT_LT(SecondsSince(start), 1.0);
  HttpResult r1 = first.get();
  HttpResult r2 = second.get();
  EXPECT_TRUE(r1.status.IsCancelled()) << r1.status.ToString();
  EXPECT_TRUE(r2.status.IsCancelled()) << r2.status.ToString();

  // The client stays usable after a cancel.
  HttpRequest fast;
  fast.url = server.url("/fast");
  HttpResponse response;
  Status s = client.Send(fast, &response);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(response.body, "GET /fast ");
}

TEST(HttpClientTest, RequestStartedRightAfterCancelAllIsNotCancelled) {
  LoopbackServer server(Echo);
  HttpClient client;
  for (int i = 0; i < 20; ++i) {
    uint64_t generation = client.cancel_generation();
    client.CancelAll();
    EXPECT_EQ(client.cancel_generation(), generation + 1);
    HttpRequest request;
    request.url = server.url("/after" + std::to_string(i));
    HttpResponse response;
    Status s = client.Send(request, &response);
    ASSERT_TRUE(s.ok()) << "round " << i << ": " << s.ToString();
    EXPECT_EQ(response.body, "GET /after" + std::to_string(i) + " ");
  }
}

TEST(HttpClientTest, GzipIsInflatedOnlyWhenRequestedAndCrcCoversWireBytes) {
  const std::string plain = R"({"Items":[)" + std::string(5000, 'x') + "]}";
  const std::string compressed = Gzip(plain);
  ASSERT_LT(compressed.size(), plain.size());
  LoopbackServer server([&](const ServerRequest&) {
    ServerReply reply;
    reply.headers = {{"Content-Encoding", "gzip"}, {"Content-Type", "application/json"}};
    reply.body = compressed;
    return reply;
  });
  HttpClient client;

  HttpRequest asked;
  asked.method = "POST";
  asked.url = server.url("/");
  asked.headers = {{"Accept-Encoding", "gzip"}};
  asked.body = "{}";
  HttpResponse response;
  Status s = client.Send(asked, &response);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(response.body, plain);
  EXPECT_EQ(response.crc32, Crc32(compressed));
  EXPECT_NE(response.crc32, Crc32(plain));
  EXPECT_EQ(FindHeader(response.headers, "content-encoding"), "gzip");

  // An S3 object stored gzip-compressed: the stored bytes, untouched.
  HttpRequest not_asked;
  not_asked.url = server.url("/bucket/key");
  s = client.Send(not_asked, &response);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(response.body, compressed);
  EXPECT_EQ(response.crc32, Crc32(compressed));

  // curl must not have asked for compression on its own.
  std::vector<ServerRequest> seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(FindHeader(seen[0].headers, "accept-encoding"), "gzip");
  EXPECT_EQ(FindHeader(seen[1].headers, "accept-encoding"), "");
}

TEST(HttpClientTest, CorruptGzipIsCorruption) {
  LoopbackServer server([](const ServerRequest&) {
    ServerReply reply;
    reply.headers = {{"Content-Encoding", "gzip"}};
    reply.body = "this is not gzip at all";
    return reply;
  });
  HttpClient client;
  HttpRequest request;
  request.url = server.url("/");
  request.headers = {{"Accept-Encoding", "gzip"}};
  HttpResponse response;
  Status s = client.Send(request, &response);
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
}

TEST(HttpClientTest, LargeBodiesRoundTrip) {
  LoopbackServer server([](const ServerRequest& r) {
    ServerReply reply;
    reply.body = r.body;
    std::reverse(reply.body.begin(), reply.body.end());
    return reply;
  });
  HttpClient client;
  std::string body;
  for (int i = 0; i < 300000; ++i) body += static_cast<char>('0' + i % 10);
  HttpRequest request;
  request.method = "PUT";
  request.url = server.url("/big");
  request.body = body;
  HttpResponse response;
  Status s = client.Send(request, &response);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::reverse(body.begin(), body.end());
  EXPECT_EQ(response.body, body);
  EXPECT_EQ(response.crc32, Crc32(body));
}

TEST(HttpClientTest, ABodyOverTheLimitFailsNamingHostAndLimit) {
  LoopbackServer server([](const ServerRequest&) {
    ServerReply reply;
    reply.body = std::string(5000, 'x');
    return reply;
  });
  HttpOptions options;
  options.max_response_bytes = 4096;
  HttpClient client(options);
  HttpRequest request;
  request.url = server.url("/big");
  HttpResponse response;
  Status s = client.Send(request, &response);
  EXPECT_EQ(s.code(), Status::Code::kNotSupported) << s.ToString();
  EXPECT_TRUE(Contains(s.ToString(), "larger than the limit of 4096 bytes")) << s.ToString();
  EXPECT_TRUE(Contains(s.ToString(), "Content-Length: 5000")) << s.ToString();
  EXPECT_TRUE(Contains(s.ToString(), "127.0.0.1:" + std::to_string(server.port()))) << s.ToString();
  EXPECT_LE(response.body.size(), 4096u);

  // At the limit it still arrives whole.
  options.max_response_bytes = 5000;
  HttpClient exact(options);
  s = exact.Send(request, &response);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(response.body.size(), 5000u);
}

TEST(HttpClientTest, AContentEncodingBombStopsAtTheLimit) {
  // 8 MiB of zeros in about 8 KB; the client keeps at most 1 MiB.
  const std::string bomb = Gzip(std::string(8 << 20, '\0'));
  ASSERT_LT(bomb.size(), 64u << 10);
  LoopbackServer server([&](const ServerRequest&) {
    ServerReply reply;
    reply.headers = {{"Content-Encoding", "gzip"}};
    reply.body = bomb;
    return reply;
  });
  HttpOptions options;
  options.max_response_bytes = 1 << 20;
  HttpClient client(options);
  HttpRequest request;
  request.url = server.url("/");
  request.headers = {{"Accept-Encoding", "gzip"}};
  HttpResponse response;
  Status s = client.Send(request, &response);
  EXPECT_EQ(s.code(), Status::Code::kNotSupported) << s.ToString();
  EXPECT_TRUE(Contains(s.ToString(),
                       "larger than the limit of 1 MiB (inflating its "
                       "Content-Encoding gzip)"))
      << s.ToString();
}

TEST(HttpClientTest, DestroyingTheClientCancelsWhatIsInFlight) {
  LoopbackServer server([](const ServerRequest&) {
    ServerReply reply;
    reply.stall = true;
    return reply;
  });
  std::future<HttpResult> pending;
  auto start = Clock::now();
  {
    HttpClient client;
    HttpRequest request;
    request.url = server.url("/");
    pending = client.Start(request);
    ASSERT_TRUE(server.WaitForRequests(1, std::chrono::seconds(5)));
  }
  ASSERT_EQ(pending.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_TRUE(pending.get().status.IsCancelled());
  EXPECT_LT(SecondsSince(start), 3.0);
}

// ---- Callbacks and timers on the loop ----

// Collects callback results from the loop thread for the test's thread.
struct Collected {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> order;  // what completed, in completion order
  int failures = 0;

  void Add(std::string what, bool ok) {
    std::lock_guard<std::mutex> lock(mu);
    order.push_back(std::move(what));
    if (!ok) ++failures;
    cv.notify_all();
  }
  bool WaitFor(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, timeout, [&] { return order.size() >= n; });
  }
};

TEST(HttpClientEngineTest, ManyCallbacksInFlightEachGetTheirOwnAnswerOnOneConnectionPool) {
  LoopbackServer server(Echo);
  HttpOptions options;
  options.max_connections = 8;
  HttpClient client(options);
  constexpr int kRequests = 200;
  Collected got;
  std::atomic<int> wrong{0};
  for (int i = 0; i < kRequests; ++i) {
    HttpRequest request;
    request.method = "POST";
    request.url = server.url("/n/" + std::to_string(i));
    request.body = "b" + std::to_string(i);
    client.Start(std::move(request), [&, i](HttpResult r) {
      std::string want = "POST /n/" + std::to_string(i) + " b" + std::to_string(i);
      if (!r.status.ok() || r.response.body != want) ++wrong;
      got.Add(std::to_string(i), r.status.ok());
    });
  }
  ASSERT_TRUE(got.WaitFor(kRequests, std::chrono::seconds(20)));
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(got.failures, 0);
  EXPECT_EQ(server.requests_seen(), kRequests);
  // All of them shared the pool: never more connections than it allows.
  EXPECT_LE(server.max_open_connections(), 8);
}

TEST(HttpClientEngineTest, ACallbackMayStartTheNextRequestOnTheLoop) {
  LoopbackServer server(Echo);
  HttpClient client;
  Collected got;
  // A chain of 20 requests, each started by the previous one's callback
  // (as a retry or the next step of a write is).
  std::function<void(int)> next = [&](int i) {
    HttpRequest request;
    request.url = server.url("/chain/" + std::to_string(i));
    client.Start(std::move(request), [&, i](HttpResult r) {
      got.Add(r.response.body, r.status.ok());
      if (i + 1 < 20) next(i + 1);
    });
  };
  next(0);
  ASSERT_TRUE(got.WaitFor(20, std::chrono::seconds(10)));
  EXPECT_EQ(got.failures, 0);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(got.order[i], "GET /chain/" + std::to_string(i) + " ");
  EXPECT_EQ(server.connections_accepted(), 1);
}

TEST(HttpClientEngineTest, TimersFireInDeadlineOrderAfterTheirDelay) {
  HttpClient client;
  Collected got;
  auto start = Clock::now();
  for (int ms : {120, 40, 80, 0}) {
    client.RunAfter(std::chrono::milliseconds(ms), [&, ms](bool cancelled) {
      bool early = SecondsSince(start) * 1000 < ms;
      got.Add(std::to_string(ms) + (cancelled ? " cancelled" : "") + (early ? " early" : ""),
              !cancelled);
    });
  }
  ASSERT_TRUE(got.WaitFor(4, std::chrono::seconds(5)));
  // Each fired no earlier than its delay, in the order of the deadlines.
  EXPECT_EQ(got.order, (std::vector<std::string>{"0", "40", "80", "120"}));
}

TEST(HttpClientEngineTest, CancelAllFiresPendingTimersAtOnceAsCancelled) {
  HttpClient client;
  Collected got;
  for (int i = 0; i < 5; ++i) {
    client.RunAfter(std::chrono::seconds(30), [&](bool cancelled) { got.Add("t", !cancelled); });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(got.order.empty());
  auto start = Clock::now();
  client.CancelAll();
  ASSERT_TRUE(got.WaitFor(5, std::chrono::seconds(2)));
  EXPECT_LT(SecondsSince(start), 1.0);
  EXPECT_EQ(got.failures, 5);  // every one was told it was cancelled
  // A timer set after the cancel is not cancelled by it.
  client.RunAfter(std::chrono::milliseconds(10),
                  [&](bool cancelled) { got.Add("after", !cancelled); });
  ASSERT_TRUE(got.WaitFor(6, std::chrono::seconds(2)));
  EXPECT_EQ(got.failures, 5);
}

// Reads the request and never answers.
ServerReply Stall(const ServerRequest&) {
  ServerReply reply;
  reply.stall = true;
  return reply;
}

TEST(HttpClientEngineTest, DestroyingTheClientCancelsTimersAndCallbacks) {
  LoopbackServer server(Stall);
  Collected got;
  {
    HttpClient client;
    client.RunAfter(std::chrono::seconds(30),
                    [&](bool cancelled) { got.Add("timer", !cancelled); });
    HttpRequest request;
    request.url = server.url("/stall");
    client.Start(std::move(request), [&](HttpResult r) { got.Add("request", r.status.ok()); });
    ASSERT_TRUE(server.WaitForRequests(1, std::chrono::seconds(5)));
  }
  ASSERT_TRUE(got.WaitFor(2, std::chrono::seconds(0)));
  EXPECT_EQ(got.failures, 2);
}

TEST(UriEncodeTest, KeepsUnreservedAndOptionallySlash) {
  EXPECT_EQ(UriEncode("a-Z_0.~"), "a-Z_0.~");
  EXPECT_EQ(UriEncode("a b/c+d=é"), "a%20b%2Fc%2Bd%3D%C3%A9");
  EXPECT_EQ(UriEncode("a b/c", /*keep_slash=*/true), "a%20b/c");
}

}  // namespace
}  // namespace ddb::aws
