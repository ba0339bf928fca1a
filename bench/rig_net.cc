#include "bench/rig_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>

namespace ddb::rig {
namespace {

std::string Errno(std::string_view what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    Reset();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void Fd::Reset() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

int64_t NowMicros() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

Status ParseHostPort(std::string_view url, std::string* host, int* port) {
  std::string_view rest = url;
  if (rest.substr(0, 7) == "http://") rest.remove_prefix(7);
  rest = rest.substr(0, rest.find('/'));
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument("target " + std::string(url) +
                                   ": expected http://HOST:PORT or HOST:PORT");
  }
  std::string_view digits = rest.substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *port);
  if (ec != std::errc() || end != digits.data() + digits.size() || *port <= 0 || *port > 65535) {
    return Status::InvalidArgument("target " + std::string(url) + ": bad port");
  }
  *host = std::string(rest.substr(0, colon));
  return Status::OK();
}

void TuneSocket(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

Status ListenLoopback(int port, Fd* out, int* bound_port) {
  Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Status::IOError(Errno("socket"));
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Status::IOError(Errno("bind 127.0.0.1:" + std::to_string(port)));
  }
  if (listen(fd.get(), 1024) != 0) return Status::IOError(Errno("listen"));
  socklen_t len = sizeof(addr);
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  *bound_port = ntohs(addr.sin_port);
  *out = std::move(fd);
  return Status::OK();
}

Status StartConnect(const std::string& host, int port, Fd* out) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
      return Status::InvalidArgument("cannot resolve " + host);
    }
    addr.sin_addr = reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr;
    freeaddrinfo(found);
  }
  Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Status::IOError(Errno("socket"));
  TuneSocket(fd.get());
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 &&
      errno != EINPROGRESS) {
    return Status::IOError(Errno("connect " + host + ":" + std::to_string(port)));
  }
  *out = std::move(fd);
  return Status::OK();
}

void AcceptAll(int listener, const char* who, const std::function<void(Fd)>& take) {
  for (;;) {
    int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED && errno != EINTR) {
        std::fprintf(stderr, "%s: accept: %s\n", who, std::strerror(errno));
      }
      return;
    }
    TuneSocket(fd);
    take(Fd(fd));
  }
}

int DieWithParent() {
  pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent || parent == 1) _exit(0);
  return parent;
}

bool ParentGone(int parent) { return getppid() != parent; }

Poller::Poller() : epoll_(epoll_create1(EPOLL_CLOEXEC)) {}

Status Poller::Control(int op, int fd, uint32_t events, uint64_t tag) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = tag;
  if (epoll_ctl(epoll_.get(), op, fd, &ev) != 0) return Status::IOError(Errno("epoll_ctl"));
  return Status::OK();
}

Status Poller::Add(int fd, uint32_t events, uint64_t tag) {
  return Control(EPOLL_CTL_ADD, fd, events, tag);
}

Status Poller::Modify(int fd, uint32_t events, uint64_t tag) {
  return Control(EPOLL_CTL_MOD, fd, events, tag);
}

void Poller::Remove(int fd) { epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr); }

bool ParseArgs(int argc, char** argv,
               std::initializer_list<std::pair<std::string_view, long long*>> flags,
               std::string* positional) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    const std::pair<std::string_view, long long*>* flag = nullptr;
    for (const auto& f : flags) {
      if (f.first == arg) flag = &f;
    }
    if (flag == nullptr) {
      if (arg.empty() || arg[0] == '-' || positional == nullptr || !positional->empty()) {
        std::fprintf(stderr, "unknown argument: %s\n", argv[i]);
        return false;
      }
      *positional = std::string(arg);
      continue;
    }
    std::string_view text = i + 1 < argc ? argv[i + 1] : "";
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *flag->second);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
        *flag->second < 0) {
      std::fprintf(stderr, "%s needs a non-negative number, not '%.*s'\n", argv[i],
                   static_cast<int>(text.size()), text.data());
      return false;
    }
    ++i;
  }
  return true;
}

Status ListenAndAnnounce(int port, Poller* poller, uint64_t tag, Fd* listener) {
  if (!poller->ok()) return Status::IOError("epoll_create1 failed");
  int bound = 0;
  Status s = ListenLoopback(port, listener, &bound);
  if (s.ok()) s = poller->Add(listener->get(), EPOLLIN, tag);
  if (!s.ok()) return s;
  std::printf("%d\n", bound);
  std::fflush(stdout);
  return Status::OK();
}

}  // namespace ddb::rig
