// A TCP proxy that adds a fixed latency to every request, for the benches'
// side-by-side runs at a region's network distance (bench/writes.sh and
// bench/codec_run.sh with --latency-ms):
//
//   build/bench/ddbsql_latency_proxy TARGET --delay-ms L [--port P] [--max-seconds N]
//
// TARGET is http://HOST:PORT or HOST:PORT. Listens on 127.0.0.1 (a free port
// unless --port), prints the port as the first line of stdout, and forwards
// each connection to TARGET. Every byte the client sends is held L ms from the
// moment it arrived before it goes on; the answers come back at once. So a
// request (whatever its protocol: HTTP keep-alive included) reaches the server
// L ms (to L + 1 ms: epoll's timeout is in milliseconds) after the client sent
// it, on as many connections as the clients open. One thread, epoll: the proxy
// costs a few system calls per request, so it is never what limits a bench.
//
// Exits on SIGTERM or SIGINT, when its parent process goes away and after
// --max-seconds (default 7200).
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/rig_net.h"

namespace ddb::rig {
namespace {

constexpr size_t kReadBytes = 256 * 1024;
// A side stops reading while this much of its bytes wait to be written.
constexpr size_t kMaxBuffered = 8 * 1024 * 1024;

struct Chunk {
  int64_t due_us;
  std::string bytes;
  size_t sent = 0;
};

// One client connection and its connection to the target.
struct Pair {
  Fd client;
  Fd server;
  bool connected = false;    // the connect to the target finished
  bool client_eof = false;   // the client sent FIN
  bool server_eof = false;   // the target sent FIN
  bool server_shut = false;  // FIN passed on to the target
  bool server_blocked = false;
  bool server_watched = true;   // in the epoll set
  std::deque<Chunk> to_server;  // held, in arrival order
  size_t to_server_bytes = 0;
  std::string to_client;
  size_t to_client_sent = 0;
  uint32_t client_events = 0;
  uint32_t server_events = 0;
};

class Proxy {
 public:
  Proxy(std::string host, int port, int64_t delay_us)
      : host_(std::move(host)), port_(port), delay_us_(delay_us) {}

  // Listens on `listen_port` (0: any), prints the port, serves until
  // `deadline_us` or until the parent goes away.
  Status Run(int listen_port, int64_t deadline_us, int parent);

 private:
  static constexpr uint64_t kListenerTag = ~uint64_t{0};

  void Accept();
  void OnEvent(uint64_t tag, uint32_t events);
  // Reads what the client sent into held chunks; false on an error.
  bool ReadClient(uint64_t id, Pair* p);
  bool ReadServer(Pair* p);
  // Writes the chunks that are due; false on an error.
  bool FlushToServer(Pair* p, int64_t now);
  bool FlushToClient(Pair* p);
  // Recomputes the epoll interests of both sockets, or closes the pair when
  // it is done.
  void Update(uint64_t id, Pair* p);
  void Close(uint64_t id);
  int TimeoutMs(int64_t now) const;

  std::string host_;
  int port_;
  int64_t delay_us_;
  Poller poller_;
  Fd listener_;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Pair>> pairs_;
  // (due time, pair id) of every held chunk, in order: the delay is fixed, so
  // arrival order is due order.
  std::deque<std::pair<int64_t, uint64_t>> due_;
  std::vector<char> scratch_ = std::vector<char>(kReadBytes);
};

Status Proxy::Run(int listen_port, int64_t deadline_us, int parent) {
  Status s = ListenAndAnnounce(listen_port, &poller_, kListenerTag, &listener_);
  if (!s.ok()) return s;
  epoll_event events[256];
  for (;;) {
    int64_t now = NowMicros();
    if (now >= deadline_us || ParentGone(parent)) return Status::OK();
    int n = epoll_wait(poller_.fd(), events, 256, TimeoutMs(now));
    if (n < 0 && errno != EINTR)
      return Status::IOError(std::string("epoll_wait: ") + strerror(errno));
    for (int i = 0; i < n; ++i) OnEvent(events[i].data.u64, events[i].events);
    now = NowMicros();
    while (!due_.empty() && due_.front().first <= now) {
      uint64_t id = due_.front().second;
      due_.pop_front();
      auto it = pairs_.find(id);
      if (it == pairs_.end()) continue;
      if (!FlushToServer(it->second.get(), now)) {
        Close(id);
      } else {
        Update(id, it->second.get());
      }
    }
  }
}

int Proxy::TimeoutMs(int64_t now) const {
  int64_t wait_us = 1000000;  // the parent and the deadline are checked each second
  if (!due_.empty()) wait_us = std::min(wait_us, std::max<int64_t>(0, due_.front().first - now));
  return static_cast<int>((wait_us + 999) / 1000);
}

void Proxy::Accept() {
  AcceptAll(listener_.get(), "latency_proxy", [this](Fd client) {
    auto p = std::make_unique<Pair>();
    p->client = std::move(client);
    Status s = StartConnect(host_, port_, &p->server);
    if (!s.ok()) {
      std::fprintf(stderr, "latency_proxy: %s\n", s.ToString().c_str());
      return;  // the client's connection closes
    }
    uint64_t id = next_id_++;
    p->client_events = EPOLLIN;
    p->server_events = EPOLLOUT;
    if (poller_.Add(p->client.get(), p->client_events, id << 1).ok() &&
        poller_.Add(p->server.get(), p->server_events, (id << 1) | 1).ok()) {
      pairs_.emplace(id, std::move(p));
    }
  });
}

void Proxy::OnEvent(uint64_t tag, uint32_t events) {
  if (tag == kListenerTag) return Accept();
  uint64_t id = tag >> 1;
  auto it = pairs_.find(id);
  if (it == pairs_.end()) return;
  Pair* p = it->second.get();
  bool ok = true;
  if (tag & 1) {
    if (!p->connected && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
      int err = 0;
      socklen_t len = sizeof(err);
      getsockopt(p->server.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        std::fprintf(stderr, "latency_proxy: connect %s:%d: %s\n", host_.c_str(), port_,
                     strerror(err));
        return Close(id);
      }
      p->connected = true;
    }
    if (events & EPOLLERR) return Close(id);  // reset: level-triggered, it would repeat
    if (events & (EPOLLIN | EPOLLHUP)) ok = ReadServer(p);
    if (ok && (events & EPOLLOUT)) {
      p->server_blocked = false;
      ok = FlushToServer(p, NowMicros());
    }
  } else {
    if (events & EPOLLERR) return Close(id);
    if (events & (EPOLLIN | EPOLLHUP)) ok = ReadClient(id, p);
    if (ok && (events & EPOLLOUT)) ok = FlushToClient(p);
  }
  if (!ok) return Close(id);
  Update(id, p);
}

bool Proxy::ReadClient(uint64_t id, Pair* p) {
  if (p->client_eof) return true;
  ssize_t n = read(p->client.get(), scratch_.data(), scratch_.size());
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  if (n == 0) {
    p->client_eof = true;
    return FlushToServer(p, NowMicros());  // passes the FIN on once nothing is held
  }
  int64_t due = NowMicros() + delay_us_;
  p->to_server_bytes += static_cast<size_t>(n);
  p->to_server.push_back(Chunk{due, std::string(scratch_.data(), static_cast<size_t>(n))});
  if (delay_us_ == 0) return FlushToServer(p, due);
  due_.emplace_back(due, id);
  return true;
}

bool Proxy::ReadServer(Pair* p) {
  if (!p->connected || p->server_eof) return true;
  ssize_t n = read(p->server.get(), scratch_.data(), scratch_.size());
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  if (n == 0) {
    p->server_eof = true;
    return true;
  }
  p->to_client.append(scratch_.data(), static_cast<size_t>(n));
  return FlushToClient(p);
}

bool Proxy::FlushToServer(Pair* p, int64_t now) {
  if (!p->connected) return true;
  while (!p->to_server.empty() && p->to_server.front().due_us <= now) {
    Chunk& c = p->to_server.front();
    ssize_t n =
        send(p->server.get(), c.bytes.data() + c.sent, c.bytes.size() - c.sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) {
        p->server_blocked = true;
        return true;
      }
      return false;
    }
    c.sent += static_cast<size_t>(n);
    p->to_server_bytes -= static_cast<size_t>(n);
    if (c.sent < c.bytes.size()) {
      p->server_blocked = true;
      return true;
    }
    p->to_server.pop_front();
  }
  if (p->client_eof && p->to_server.empty() && !p->server_shut) {
    shutdown(p->server.get(), SHUT_WR);
    p->server_shut = true;
  }
  return true;
}

bool Proxy::FlushToClient(Pair* p) {
  while (p->to_client_sent < p->to_client.size()) {
    ssize_t n = send(p->client.get(), p->to_client.data() + p->to_client_sent,
                     p->to_client.size() - p->to_client_sent, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    p->to_client_sent += static_cast<size_t>(n);
  }
  p->to_client.clear();
  p->to_client_sent = 0;
  return true;
}

void Proxy::Update(uint64_t id, Pair* p) {
  bool to_client_empty = p->to_client_sent >= p->to_client.size();
  // The target closed and everything it said has been passed on: done.
  if (p->server_eof && to_client_empty) return Close(id);
  if (p->client_eof && p->server_shut && p->server_eof) return Close(id);
  uint32_t client = 0;
  if (!p->client_eof && p->to_server_bytes < kMaxBuffered) client |= EPOLLIN;
  if (!to_client_empty) client |= EPOLLOUT;
  uint32_t server = 0;
  if (!p->connected || p->server_blocked) server |= EPOLLOUT;
  if (p->connected && !p->server_eof && p->to_client.size() < kMaxBuffered) server |= EPOLLIN;
  if (client != p->client_events) {
    p->client_events = client;
    poller_.Modify(p->client.get(), client, id << 1);
  }
  if (p->server_eof && p->server_shut) {
    // Closed both ways: EPOLLHUP would be reported on every wait while the
    // client still reads the answer, so the socket leaves the set.
    if (p->server_watched) poller_.Remove(p->server.get());
    p->server_watched = false;
  } else if (server != p->server_events) {
    p->server_events = server;
    poller_.Modify(p->server.get(), server, (id << 1) | 1);
  }
}

void Proxy::Close(uint64_t id) {
  auto it = pairs_.find(id);
  if (it == pairs_.end()) return;
  poller_.Remove(it->second->client.get());
  poller_.Remove(it->second->server.get());
  pairs_.erase(it);  // closes both sockets
}

int Main(int argc, char** argv) {
  int parent = DieWithParent();
  std::string target;
  long long delay_ms = -1, port = 0, max_seconds = 7200;
  bool ok = ParseArgs(
      argc, argv, {{"--delay-ms", &delay_ms}, {"--port", &port}, {"--max-seconds", &max_seconds}},
      &target);
  if (!ok || target.empty() || delay_ms < 0) {
    std::fprintf(stderr,
                 "usage: ddbsql_latency_proxy TARGET --delay-ms L [--port P] [--max-seconds N]\n");
    return 2;
  }
  std::string host;
  int target_port = 0;
  Status s = ParseHostPort(target, &host, &target_port);
  if (s.ok()) {
    Proxy proxy(host, target_port, delay_ms * 1000);
    s = proxy.Run(static_cast<int>(port), NowMicros() + max_seconds * 1000000, parent);
  }
  if (!s.ok()) {
    std::fprintf(stderr, "ddbsql_latency_proxy: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace ddb::rig

int main(int argc, char** argv) { return ddb::rig::Main(argc, argv); }
