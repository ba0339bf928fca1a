// A closed-loop HTTP/1.1 load generator for the latency rig's own speed
// (bench/rig.sh): N keep-alive connections, each sending its next request as
// soon as the previous answer is complete, for S seconds.
//
//   build/bench/ddbsql_http_load URL --connections N --seconds S
//                                [--put-bytes B] [--expect-bytes B]
//
// URL is http://HOST:PORT/PATH. Without --put-bytes each request is a GET of
// PATH; with it a PUT of B bytes to PATH. Every answer must be 200 (and with
// --expect-bytes carry exactly that many body bytes): any other answer is
// counted as an error and makes the exit status 1. Prints one JSON line:
// requests, seconds, requests per second, errors, latency (mean, min, max, in
// ms) and this process's CPU seconds. One thread, epoll.
#include <errno.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench/rig_net.h"
#include "engine/strings.h"

namespace ddb::rig {
namespace {

struct Client {
  Fd fd;
  bool connected = false;
  std::string in;
  size_t sent = 0;
  int64_t started_us = 0;
  long long body_needed = -1;  // -1: the head has not arrived
  size_t head_end = 0;
  int status = 0;
  bool waiting_to_send = true;  // EPOLLOUT is asked for
};

struct Totals {
  long long requests = 0;
  long long errors = 0;
  int64_t latency_sum_us = 0;
  int64_t latency_min_us = INT64_MAX;
  int64_t latency_max_us = 0;
};

class Load {
 public:
  Load(std::string host, int port, std::string request, long long expect_bytes)
      : host_(std::move(host)),
        port_(port),
        request_(std::move(request)),
        expect_bytes_(expect_bytes) {}

  // Runs `connections` clients for `seconds`; fills *totals.
  Status Run(int connections, double seconds, Totals* totals);

 private:
  Status Open(size_t i);
  // Sends what is left of client `i`'s request, waiting for EPOLLOUT while
  // some is; false on an error.
  bool Send(size_t i);
  // Reads and, when an answer is complete, counts it and starts the next
  // request; false on an error.
  bool Receive(size_t i, int64_t now);

  std::string host_;
  int port_;
  std::string request_;
  long long expect_bytes_;
  Poller poller_;
  std::vector<Client> clients_;
  Totals* totals_ = nullptr;
  std::vector<char> scratch_ = std::vector<char>(256 * 1024);
};

Status Load::Open(size_t i) {
  Client& c = clients_[i];
  c = Client();
  Status s = StartConnect(host_, port_, &c.fd);
  if (!s.ok()) return s;
  c.started_us = NowMicros();
  return poller_.Add(c.fd.get(), EPOLLIN | EPOLLOUT, i);
}

bool Load::Send(size_t i) {
  Client* c = &clients_[i];
  while (c->sent < request_.size()) {
    ssize_t n =
        send(c->fd.get(), request_.data() + c->sent, request_.size() - c->sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR) return false;
      break;
    }
    c->sent += static_cast<size_t>(n);
  }
  bool waiting = c->sent < request_.size();
  if (waiting != c->waiting_to_send) {
    c->waiting_to_send = waiting;
    poller_.Modify(c->fd.get(), waiting ? EPOLLIN | EPOLLOUT : EPOLLIN, i);
  }
  return true;
}

bool Load::Receive(size_t i, int64_t now) {
  Client* c = &clients_[i];
  ssize_t n = read(c->fd.get(), scratch_.data(), scratch_.size());
  if (n == 0) return false;
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  c->in.append(scratch_.data(), static_cast<size_t>(n));
  for (;;) {
    if (c->body_needed < 0) {
      size_t end = c->in.find("\r\n\r\n");
      if (end == std::string::npos) return true;
      c->head_end = end + 4;
      std::string_view head(c->in.data(), end);
      c->status = head.size() > 12 ? std::atoi(std::string(head.substr(9, 3)).c_str()) : 0;
      c->body_needed = 0;
      std::string lower = str::Lower(head);
      size_t at = lower.find("\r\ncontent-length:");
      if (at != std::string::npos) {
        c->body_needed = std::atoll(lower.c_str() + at + 17);
      }
      if (c->status == 100) {  // an interim answer: the real one follows
        c->in.erase(0, c->head_end);
        c->body_needed = -1;
        continue;
      }
    }
    if (c->in.size() - c->head_end < static_cast<size_t>(c->body_needed)) return true;
    bool ok = c->status == 200 && (expect_bytes_ < 0 || c->body_needed == expect_bytes_);
    int64_t latency = now - c->started_us;
    totals_->requests += 1;
    if (!ok) totals_->errors += 1;
    totals_->latency_sum_us += latency;
    totals_->latency_min_us = std::min(totals_->latency_min_us, latency);
    totals_->latency_max_us = std::max(totals_->latency_max_us, latency);
    c->in.erase(0, c->head_end + static_cast<size_t>(c->body_needed));
    c->body_needed = -1;
    c->sent = 0;
    c->started_us = now;
    if (!Send(i)) return false;
  }
}

Status Load::Run(int connections, double seconds, Totals* totals) {
  if (!poller_.ok()) return Status::IOError("epoll_create1 failed");
  totals_ = totals;
  clients_.resize(static_cast<size_t>(connections));
  for (size_t i = 0; i < clients_.size(); ++i) {
    Status s = Open(i);
    if (!s.ok()) return s;
  }
  int64_t end = NowMicros() + static_cast<int64_t>(seconds * 1e6);
  std::vector<epoll_event> events(256);
  for (int64_t now = NowMicros(); now < end; now = NowMicros()) {
    int n = epoll_wait(poller_.fd(), events.data(), static_cast<int>(events.size()), 100);
    if (n < 0 && errno != EINTR)
      return Status::IOError(std::string("epoll_wait: ") + strerror(errno));
    now = NowMicros();
    for (int i = 0; i < n; ++i) {
      size_t idx = events[i].data.u64;
      Client& c = clients_[idx];
      bool ok = true;
      if (!c.connected && (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) return Status::IOError("connect " + host_ + ": " + strerror(err));
        c.connected = true;
        c.started_us = now;
        ok = Send(idx);
      } else {
        if (events[i].events & EPOLLOUT) ok = Send(idx);
        if (ok && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) ok = Receive(idx, now);
      }
      if (!ok) {  // the server closed: counted, and a new connection takes its place
        totals_->errors += 1;
        poller_.Remove(c.fd.get());
        Status s = Open(idx);
        if (!s.ok()) return s;
      }
    }
  }
  return Status::OK();
}

int Main(int argc, char** argv) {
  std::string url;
  long long connections = 16, seconds = 5, put_bytes = -1, expect_bytes = -1;
  bool ok = ParseArgs(argc, argv,
                      {{"--connections", &connections},
                       {"--seconds", &seconds},
                       {"--put-bytes", &put_bytes},
                       {"--expect-bytes", &expect_bytes}},
                      &url);
  std::string host;
  int port = 0;
  Status s = ParseHostPort(url, &host, &port);
  if (!ok || !s.ok() || connections <= 0 || seconds <= 0) {
    std::fprintf(stderr,
                 "usage: ddbsql_http_load http://HOST:PORT/PATH --connections N "
                 "--seconds S [--put-bytes B] [--expect-bytes B]\n");
    return 2;
  }
  size_t path_at = url.find('/', url.rfind(':'));
  std::string path = path_at == std::string::npos ? "/" : url.substr(path_at);
  std::string request = (put_bytes >= 0 ? "PUT " : "GET ") + path + " HTTP/1.1\r\nHost: " + host +
                        ":" + std::to_string(port) + "\r\n";
  if (put_bytes >= 0) {
    request += "Content-Length: " + std::to_string(put_bytes) + "\r\n\r\n" +
               std::string(static_cast<size_t>(put_bytes), 'x');
  } else {
    request += "\r\n";
  }
  Load load(host, port, request, put_bytes >= 0 ? -1 : expect_bytes);
  Totals t;
  int64_t start = NowMicros();
  s = load.Run(static_cast<int>(connections), static_cast<double>(seconds), &t);
  double elapsed = static_cast<double>(NowMicros() - start) / 1e6;
  if (!s.ok()) {
    std::fprintf(stderr, "ddbsql_http_load: %s\n", s.ToString().c_str());
    return 1;
  }
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
               static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  double mean_ms = t.requests ? static_cast<double>(t.latency_sum_us) / t.requests / 1000 : 0;
  std::printf(
      "{\"requests\": %lld, \"seconds\": %.3f, \"per_second\": %.0f, \"errors\": %lld, "
      "\"connections\": %lld, \"latency_ms_mean\": %.3f, \"latency_ms_min\": %.3f, "
      "\"latency_ms_max\": %.3f, \"cpu_seconds\": %.3f}\n",
      t.requests, elapsed, static_cast<double>(t.requests) / elapsed, t.errors, connections,
      mean_ms, t.requests ? static_cast<double>(t.latency_min_us) / 1000 : 0,
      static_cast<double>(t.latency_max_us) / 1000, cpu);
  return t.errors == 0 && t.requests > 0 ? 0 : 1;
}

}  // namespace
}  // namespace ddb::rig

int main(int argc, char** argv) { return ddb::rig::Main(argc, argv); }
