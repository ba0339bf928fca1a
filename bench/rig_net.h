// What the benches' latency rig shares (bench/latency_proxy.cc,
// bench/s3_server.cc, bench/http_load.cc): file descriptors owned by RAII,
// loopback sockets, an epoll set, the clock, and the rule that a rig process
// never outlives the one that started it.
#ifndef DDBSQL_BENCH_RIG_NET_H_
#define DDBSQL_BENCH_RIG_NET_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "engine/status.h"

namespace ddb::rig {

// Owns one file descriptor; closes it when destroyed or reset.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Closes the descriptor held, if any.
  void Reset();

 private:
  int fd_ = -1;
};

// Microseconds of CLOCK_MONOTONIC.
int64_t NowMicros();

// Splits "http://HOST:PORT[/...]" or "HOST:PORT" into host and port; an
// InvalidArgument names the text otherwise.
Status ParseHostPort(std::string_view url, std::string* host, int* port);

// A non-blocking listening socket on 127.0.0.1:`port` (0: a free port) with
// SO_REUSEADDR; *bound_port is the port it got.
Status ListenLoopback(int port, Fd* out, int* bound_port);

// Starts a non-blocking TCP connect to host:port (an IPv4 address or a name
// resolved once); *out is writable when the connect ends (SO_ERROR tells how).
Status StartConnect(const std::string& host, int port, Fd* out);

// Accepts every connection waiting on `listener`, each a non-blocking socket
// with TCP_NODELAY handed to `take`; an error of accept is printed on stderr
// after `who`.
void AcceptAll(int listener, const char* who, const std::function<void(Fd)>& take);

// Sets O_NONBLOCK and TCP_NODELAY on a socket.
void TuneSocket(int fd);

// Arranges for SIGTERM when the parent process exits (and exits now if it
// already has): a rig process must never outlive the bench that started it.
// Returns the parent's pid.
int DieWithParent();

// True when `parent` (DieWithParent's answer) is no longer the parent: polled
// as a second guard, PR_SET_PDEATHSIG follows the thread that forked.
bool ParentGone(int parent);

// An epoll set. Each registered descriptor carries a 64-bit tag.
class Poller {
 public:
  // Creates the epoll instance; ok() tells whether it worked.
  Poller();
  bool ok() const { return epoll_.valid(); }
  // Registers `fd` for `events` (EPOLLIN, EPOLLOUT) under `tag`.
  Status Add(int fd, uint32_t events, uint64_t tag);
  // Changes the events and tag of a registered descriptor.
  Status Modify(int fd, uint32_t events, uint64_t tag);
  // Unregisters `fd` (before it is closed).
  void Remove(int fd);
  int fd() const { return epoll_.get(); }

 private:
  Status Control(int op, int fd, uint32_t events, uint64_t tag);

  Fd epoll_;
};

// Parses a rig program's command line: "--name N" flags (N a non-negative
// integer) into the variables `flags` names, and at most one positional
// argument into *positional (none when it is null). False, with a message on
// stderr naming the argument, on anything else.
bool ParseArgs(int argc, char** argv,
               std::initializer_list<std::pair<std::string_view, long long*>> flags,
               std::string* positional);

// Listens on 127.0.0.1:`port` (0: a free port) into *listener, registers it
// with `poller` under `tag`, and prints the port as the first line of stdout:
// how a bench learns where a rig process serves.
Status ListenAndAnnounce(int port, Poller* poller, uint64_t tag, Fd* listener);

}  // namespace ddb::rig

#endif  // DDBSQL_BENCH_RIG_NET_H_
