#include "tests/support/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace ddb::test {

namespace {

constexpr int kStartTimeoutMs = 20000;
constexpr int kControlTimeoutSeconds = 10;
constexpr auto kStopGrace = std::chrono::seconds(5);

// The compile definition from CMake wins; the environment serves builds
// outside CMake.
std::string SourceDir() {
#ifdef DDBSQL_SOURCE_DIR
  return DDBSQL_SOURCE_DIR;
#else
  const char* dir = std::getenv("DDBSQL_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
#endif
}

// Finds `name` on PATH before fork(): the child may only make
// async-signal-safe calls, which a PATH search with allocation is not.
std::string FindExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

std::string ErrnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

FaultProxy::FaultProxy(std::string_view target_url) {
  const char* python_env = std::getenv("DDBSQL_PYTHON");
  std::string python = FindExecutable(python_env != nullptr ? python_env : "python3");
  if (python.empty()) {
    status_ = Status::NotFound("fault proxy: python3 not found on PATH");
    return;
  }
  std::string script = SourceDir() + "/tests/fault_proxy.py";
  std::string target(target_url);
  std::vector<char*> argv = {python.data(), script.data(), target.data(), nullptr};

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    status_ = Status::IOError(ErrnoText("fault proxy: pipe"));
    return;
  }
  pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) {
    status_ = Status::IOError(ErrnoText("fault proxy: fork"));
    close(fds[0]);
    close(fds[1]);
    return;
  }
  if (pid_ == 0) {
    // Child: async-signal-safe calls only. The proxy must die with the test
    // process even if that one is killed and never runs the destructor.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(fds[1], STDOUT_FILENO);
    execv(argv[0], argv.data());
    static const char kMsg[] = "fault proxy: exec of python3 failed\n";
    ssize_t ignored = write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
    (void)ignored;
    _exit(127);
  }
  close(fds[1]);

  // The first line of the proxy's stdout is its port.
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kStartTimeoutMs);
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      status_ = Status::Transport("fault proxy: no port reported within " +
                                  std::to_string(kStartTimeoutMs / 1000) + " s");
      break;
    }
    pollfd pfd{fds[0], POLLIN, 0};
    int ready = poll(&pfd, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      status_ = Status::IOError(ErrnoText("fault proxy: poll"));
      break;
    }
    if (ready == 0) continue;
    char buf[64];
    ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      status_ = Status::IOError("fault proxy: " + script + " exited before reporting its port");
      break;
    }
    line.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (status_.ok()) {
    port_ = std::atoi(line.c_str());
    if (port_ <= 0 || port_ > 65535) {
      status_ = Status::Corruption("fault proxy: bad port line '" + line + "'");
    }
  }
  if (!status_.ok()) Stop();
}

FaultProxy::~FaultProxy() { Stop(); }

void FaultProxy::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + kStopGrace;
  while (true) {
    int wstatus = 0;
    pid_t r = waitpid(pid_, &wstatus, WNOHANG);
    if (r == pid_ || (r < 0 && errno != EINTR)) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      while (waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

std::string FaultProxy::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

Status FaultProxy::Control(std::string_view method, std::string_view path, std::string_view body,
                           int* http_status, std::string* response_body) {
  if (!ok()) return status_;
  // A raw socket, so that these helpers do not depend on the engine's HTTP
  // client, which is what the tests using them put under test.
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError(ErrnoText("fault proxy control: socket"));
  timeval tv{kControlTimeoutSeconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    Status s = Status::Transport(ErrnoText("fault proxy control: connect"));
    close(fd);
    return s;
  }
  std::string request =
      std::string(method) + " " + std::string(path) +
      " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + std::string(body);
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = Status::Transport(ErrnoText("fault proxy control: send"));
      close(fd);
      return s;
    }
    sent += static_cast<size_t>(n);
  }
  std::string response;
  char buf[4096];
  while (true) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Status::Transport(ErrnoText("fault proxy control: recv"));
      close(fd);
      return s;
    }
    if (n == 0) break;
    response.append(buf, static_cast<size_t>(n));
  }
  close(fd);

  // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody"
  size_t space = response.find(' ');
  size_t header_end = response.find("\r\n\r\n");
  if (response.rfind("HTTP/", 0) != 0 || space == std::string::npos ||
      header_end == std::string::npos) {
    return Status::Corruption("fault proxy control: malformed response");
  }
  *http_status = std::atoi(response.c_str() + space + 1);
  *response_body = response.substr(header_end + 4);
  return Status::OK();
}

bool FaultProxy::SetPlan(const std::vector<std::string>& plan, std::string_view then,
                         double stall_seconds) {
  nlohmann::json request = {
      {"plan", plan}, {"then", std::string(then)}, {"stall_seconds", stall_seconds}};
  int http_status = 0;
  std::string body;
  Status s = Control("POST", "/__fault__", request.dump(), &http_status, &body);
  return s.ok() && http_status == 200;
}

FaultLog FaultProxy::Log() {
  FaultLog log;
  int http_status = 0;
  std::string body;
  Status s = Control("GET", "/__fault__/log", "", &http_status, &body);
  if (!s.ok() || http_status != 200) return log;
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return log;
  try {
    log.count = doc.at("count").get<int>();
    for (const nlohmann::json& r : doc.at("requests")) {
      FaultLogEntry entry;
      entry.seq = r.at("seq").get<int>();
      entry.t = r.at("t").get<double>();
      entry.method = r.at("method").get<std::string>();
      entry.path = r.at("path").get<std::string>();
      entry.target = r.at("target").get<std::string>();
      entry.fault = r.at("fault").get<std::string>();
      log.requests.push_back(std::move(entry));
    }
    for (const nlohmann::json& p : doc.at("pending")) log.pending.push_back(p.get<std::string>());
  } catch (const nlohmann::json::exception&) {
    return FaultLog();
  }
  log.ok = true;
  return log;
}

}  // namespace ddb::test
