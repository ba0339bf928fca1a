// Per-request CPU of ddbsql's request path: N small DynamoDB PutItem and
// GetItem requests and N small S3 GETs sent through the real clients
// (DynamoDbClient / S3Client -> AwsClient -> HttpClient) to a loopback
// responder that answers at once. The responder is a child process (its CPU
// is not this process's), so the user+sys CPU reported is ddbsql's alone.
//
// Each measure runs its requests one at a time ("serial", a blocking call
// per request) and with many in flight ("inflight N": the engine's
// asynchronous calls, completions read on the caller's thread). Then the
// pieces are timed alone on the same requests, to split the CPU:
// signing (SigV4), JSON (body built and dumped, answer parsed) and the rest
// (HTTP: curl, the loop, hand-offs).
//
//   ddbsql_request_cpu [--requests N] [--inflight N] [--ddbsql PATH]
//
// With --ddbsql PATH it also runs that binary against the responder: an
// INSERT of N rows (a conditional PutItem each) and, for the start-up's
// share, a statement that writes nothing; its CPU is the child's (wait4).
// --ddbsql-only skips the client measures.
//
// Output: one line per measure, "name: X us CPU per request (user U, sys
// S), R requests/s".
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/aws/client.h"
#include "engine/aws/credentials.h"
#include "engine/aws/http.h"
#include "engine/aws/sigv4.h"
#include "engine/dynamodb/attribute_value.h"
#include "engine/dynamodb/client.h"
#include "engine/s3/client.h"

namespace {

using namespace ddb;  // NOLINT: a bench program

// ---- The responder (child process) ----

constexpr char kItemAnswer[] =
    R"({"ConsumedCapacity":{"TableName":"t","CapacityUnits":0.5},)"
    R"("Item":{"id":{"S":"key-000042"},"v":{"S":"a small value of about fifty bytes ....."},)"
    R"("n":{"N":"42"}}})";
constexpr char kWriteAnswer[] = R"({"ConsumedCapacity":{"TableName":"t","CapacityUnits":1.0}})";
constexpr size_t kObjectBytes = 1024;

// Table "t" (key id, a string), for ddbsql's DescribeTable.
constexpr char kTableAnswer[] =
    R"({"Table":{"TableName":"t","TableStatus":"ACTIVE","ItemCount":0,"TableSizeBytes":0,)"
    R"("CreationDateTime":1.7E9,"TableArn":"arn:aws:dynamodb:us-east-1:000000000000:table/t",)"
    R"("KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],)"
    R"("AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}]}})";

// The answer to a DynamoDB request, by its X-Amz-Target.
const char* DynamoDbAnswer(const std::string& head) {
  auto is = [&head](const char* op) {
    std::string target = std::string("DynamoDB_20120810.") + op;
    size_t at = head.find(target);
    size_t end = at + target.size();
    return at != std::string::npos && (end == head.size() || head[end] == '\r');
  };
  if (is("GetItem")) return kItemAnswer;
  if (is("ListTables")) return R"({"TableNames":["t"]})";
  if (is("DescribeTable")) return kTableAnswer;
  // The sample ddbsql reads to find the table's columns: one item.
  if (is("Scan") || is("Query")) {
    return R"({"Items":[{"id":{"S":"sample"},"v":{"S":"x"}}],"Count":1,"ScannedCount":1})";
  }
  if (is("BatchWriteItem")) return R"({"UnprocessedItems":{}})";
  return kWriteAnswer;
}

std::string Answer(const std::string& head) {
  std::string body;
  std::string extra;
  if (head.rfind("GET ", 0) == 0) {
    body.assign(kObjectBytes, 'x');
    extra = "ETag: \"0\"\r\nContent-Type: application/octet-stream\r\n";
  } else {
    body = DynamoDbAnswer(head);
    uLong crc =
        crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
    extra =
        "Content-Type: application/x-amz-json-1.0\r\nx-amz-crc32: " + std::to_string(crc) + "\r\n";
  }
  return "HTTP/1.1 200 OK\r\n" + extra + "Content-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

struct Conn {
  int fd;
  std::string in;
  std::string out;
};

// Answers every request on every connection until killed. Keep-alive,
// pipelining-safe (requests are answered in order per connection).
[[noreturn]] void Serve(int listener) {
  std::vector<Conn> conns;
  std::vector<pollfd> fds;
  char buf[65536];
  for (;;) {
    fds.clear();
    fds.push_back({listener, POLLIN, 0});
    for (auto& c : conns) {
      fds.push_back({c.fd, static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT)), 0});
    }
    if (poll(fds.data(), fds.size(), -1) < 0) continue;
    if (fds[0].revents & POLLIN) {
      int fd = accept(listener, nullptr, nullptr);
      if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        conns.push_back({fd, {}, {}});
      }
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      Conn& c = conns[i - 1];
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = read(c.fd, buf, sizeof(buf));
        if (n <= 0) {
          close(c.fd);
          c.fd = -1;
          continue;
        }
        c.in.append(buf, static_cast<size_t>(n));
        for (;;) {
          size_t end = c.in.find("\r\n\r\n");
          if (end == std::string::npos) break;
          std::string head = c.in.substr(0, end);
          size_t length = 0;
          size_t cl = head.find("ontent-Length: ");
          if (cl == std::string::npos) cl = head.find("ontent-length: ");
          if (cl != std::string::npos) length = std::strtoul(head.c_str() + cl + 15, nullptr, 10);
          if (c.in.size() < end + 4 + length) break;
          c.in.erase(0, end + 4 + length);
          c.out += Answer(head);
        }
      }
      if (c.fd >= 0 && !c.out.empty()) {
        ssize_t n = write(c.fd, c.out.data(), c.out.size());
        if (n > 0) c.out.erase(0, static_cast<size_t>(n));
      }
    }
    std::erase_if(conns, [](const Conn& c) { return c.fd < 0; });
  }
}

// Forks the responder; returns its port and pid.
bool StartResponder(int* port, pid_t* pid) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return false;
  if (listen(listener, 256) != 0) return false;
  socklen_t len = sizeof(addr);
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  *pid = fork();
  if (*pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the bench
    Serve(listener);
  }
  close(listener);
  return *pid > 0;
}

// ---- Measuring ----

struct Cpu {
  double user_us = 0;
  double sys_us = 0;
  std::chrono::steady_clock::time_point wall;
  static Cpu Now() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    Cpu c;
    c.user_us =
        static_cast<double>(ru.ru_utime.tv_sec) * 1e6 + static_cast<double>(ru.ru_utime.tv_usec);
    c.sys_us =
        static_cast<double>(ru.ru_stime.tv_sec) * 1e6 + static_cast<double>(ru.ru_stime.tv_usec);
    c.wall = std::chrono::steady_clock::now();
    return c;
  }
};

void Report(const std::string& name, int n, const Cpu& a, const Cpu& b) {
  double user = (b.user_us - a.user_us) / n;
  double sys = (b.sys_us - a.sys_us) / n;
  double wall = std::chrono::duration<double>(b.wall - a.wall).count();
  std::printf("%-28s %7.1f us CPU per request (user %6.1f, sys %6.1f), %8.0f requests/s\n",
              (name + ":").c_str(), user + sys, user, sys, n / wall);
  std::fflush(stdout);
}

// Runs `n` calls of `one` (each a blocking request), timing them.
void Serial(const std::string& name, int n, const std::function<Status(int)>& one) {
  for (int i = 0; i < 50; ++i) one(i);  // connections, allocator
  Cpu a = Cpu::Now();
  for (int i = 0; i < n; ++i) {
    Status s = one(i);
    if (!s.ok()) {
      std::fprintf(stderr, "%s: %s\n", name.c_str(), s.ToString().c_str());
      std::exit(1);
    }
  }
  Report(name, n, a, Cpu::Now());
}

// Runs `n` requests with up to `window` in flight: `start(i, done)` starts
// request i and calls done(status) when it completes (on any thread); the
// caller's thread waits for completions and starts the next.
void InFlight(const std::string& name, int n, int window,
              const std::function<void(int, std::function<void(Status)>)>& start) {
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  int failed = 0;
  std::string first_error;
  auto run = [&](int count) {
    int started = 0;
    {
      std::lock_guard<std::mutex> lock(mu);
      done = 0;
    }
    std::unique_lock<std::mutex> lock(mu);
    while (done < count) {
      while (started < count && started - done < window) {
        int i = started++;
        lock.unlock();
        start(i, [&](Status s) {
          std::lock_guard<std::mutex> l(mu);
          ++done;
          if (!s.ok() && failed++ == 0) first_error = s.ToString();
          cv.notify_one();
        });
        lock.lock();
      }
      cv.wait(lock, [&] { return done >= count || (started < count && started - done < window); });
    }
  };
  run(50);
  Cpu a = Cpu::Now();
  run(n);
  Cpu b = Cpu::Now();
  if (failed > 0) {
    std::fprintf(stderr, "%s: %d failed: %s\n", name.c_str(), failed, first_error.c_str());
    std::exit(1);
  }
  Report(name + " inflight " + std::to_string(window), n, a, b);
}

// Runs `n` blocking calls of `one` on `threads` threads.
void Threads(const std::string& name, int n, int threads, const std::function<Status(int)>& one) {
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  auto run = [&](int count) {
    next = 0;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        for (int i = next++; i < count; i = next++) {
          if (!one(i).ok()) ++failed;
        }
      });
    }
    for (auto& t : pool) t.join();
  };
  run(50);
  Cpu a = Cpu::Now();
  run(n);
  Cpu b = Cpu::Now();
  if (failed > 0) {
    std::fprintf(stderr, "%s: %d failed\n", name.c_str(), failed.load());
    std::exit(1);
  }
  Report(name + " threads " + std::to_string(threads), n, a, b);
}

dynamodb::Item MakeItem(int i) {
  dynamodb::Item item;
  char key[32];
  std::snprintf(key, sizeof(key), "key-%06d", i);
  item["id"] = dynamodb::AttributeValue::S(key);
  item["v"] = dynamodb::AttributeValue::S("a small value of about fifty bytes .....");
  item["n"] = dynamodb::AttributeValue::N(std::to_string(i));
  return item;
}

dynamodb::PutItemRequest MakePut(int i) {
  dynamodb::PutItemRequest req;
  req.table = "t";
  req.item = MakeItem(i);
  req.condition = "attribute_not_exists(#k0)";
  req.names["#k0"] = "id";
  return req;
}

dynamodb::GetItemRequest MakeGet(int i) {
  dynamodb::GetItemRequest req;
  req.table = "t";
  dynamodb::Item item = MakeItem(i);
  req.key["id"] = item["id"];
  return req;
}

// Runs `ddbsql` (the binary at `path`) with `sql` against the responder at
// `url` and reports its CPU per row: the whole statement end to end
// (SQLite, the module, the write path, the engine), start-up included.
void RunDdbsql(const std::string& path, const std::string& url, int rows, const std::string& name,
               const std::string& sql) {
  char home[] = "/tmp/ddbsql-request-cpu-XXXXXX";
  if (mkdtemp(home) == nullptr) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  auto a = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    std::string h = std::string("HOME=") + home;
    std::string cache = std::string("XDG_CACHE_HOME=") + home + "/cache";
    std::string state = std::string("XDG_STATE_HOME=") + home + "/state";
    std::string config = std::string("XDG_CONFIG_HOME=") + home + "/config";
    const char* env[] = {h.c_str(),
                         cache.c_str(),
                         state.c_str(),
                         config.c_str(),
                         "AWS_ACCESS_KEY_ID=AKIDEXAMPLE",
                         "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                         "AWS_REGION=us-east-1",
                         "AWS_EC2_METADATA_DISABLED=true",
                         "PATH=/usr/bin:/bin",
                         nullptr};
    const char* args[] = {path.c_str(), "--endpoint-url", url.c_str(), "-c", sql.c_str(), nullptr};
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 1);
    execve(path.c_str(), const_cast<char* const*>(args), const_cast<char* const*>(env));
    std::perror("execve");
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
  std::string rm = std::string("rm -rf ") + home;
  if (std::system(rm.c_str()) != 0) std::fprintf(stderr, "cannot remove %s\n", home);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "%s: ddbsql failed (status %d)\n", name.c_str(), status);
    std::exit(1);
  }
  double user =
      static_cast<double>(ru.ru_utime.tv_sec) * 1e6 + static_cast<double>(ru.ru_utime.tv_usec);
  double sys =
      static_cast<double>(ru.ru_stime.tv_sec) * 1e6 + static_cast<double>(ru.ru_stime.tv_usec);
  std::printf("%-28s %7.1f us CPU per row (user %6.1f, sys %6.1f), %8.0f rows/s\n",
              (name + ":").c_str(), (user + sys) / rows, user / rows, sys / rows, rows / wall);
  std::fflush(stdout);
}

// Whole statements through the binary: an INSERT of n rows (a conditional
// PutItem each), start-up and the table's DescribeTable and sample included,
// and that start-up alone.
void RunStatements(const std::string& ddbsql, const std::string& url, int n) {
  std::string rows = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < " +
                     std::to_string(n) + ") ";
  RunDdbsql(ddbsql, url, n, "ddbsql INSERT",
            rows + "INSERT INTO t(id, v) SELECT 'key-' || i, 'a small value' FROM c;");
  RunDdbsql(ddbsql, url, n, "ddbsql start-up alone", "SELECT count(*) FROM t;");
}

}  // namespace

int main(int argc, char** argv) {
  int n = 10000;
  int window = 32;
  std::string ddbsql;
  bool ddbsql_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--requests" && i + 1 < argc) {
      n = std::atoi(argv[++i]);
    } else if (a == "--inflight" && i + 1 < argc) {
      window = std::atoi(argv[++i]);
    } else if (a == "--ddbsql" && i + 1 < argc) {
      ddbsql = argv[++i];
    } else if (a == "--ddbsql-only") {
      ddbsql_only = true;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--requests N] [--inflight N] [--ddbsql PATH [--ddbsql-only]]\n",
                   argv[0]);
      return 2;
    }
  }
  int port = 0;
  pid_t child = 0;
  if (!StartResponder(&port, &child)) {
    std::perror("responder");
    return 1;
  }
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  aws::Endpoint endpoint;
  Status s = aws::ParseEndpointUrl(url, &endpoint);
  if (!s.ok()) return 1;
  aws::Credentials creds;
  creds.access_key_id = "AKIDEXAMPLE";
  creds.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  creds.source = "bench";
  auto http = std::make_shared<aws::HttpClient>();
  aws::RetryPolicy policy;
  auto aws_client =
      std::make_shared<aws::AwsClient>(dynamodb::DynamoDbTraits(), endpoint, "us-east-1",
                                       aws::StaticCredentials(creds), http, policy, nullptr);
  dynamodb::DynamoDbClient ddb(aws_client);
  s3::S3Client s3(endpoint, "us-east-1", aws::StaticCredentials(creds), http, policy, nullptr,
                  s3::AddressingStyle::kPath);

  std::printf("request CPU: %d requests each, loopback responder (its CPU not counted)\n", n);
  if (ddbsql_only) {
    RunStatements(ddbsql, url, n);
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    return 0;
  }
  Serial("PutItem serial", n, [&](int i) { return ddb.PutItem(MakePut(i)); });
  Serial("GetItem serial", n, [&](int i) {
    dynamodb::GetItemResult r;
    return ddb.GetItem(MakeGet(i), &r);
  });
  Serial("S3 GET 1 KB serial", n, [&](int i) {
    s3::GetObjectRequest req;
    req.bucket = "bucket";
    req.key = "objects/" + std::to_string(i);
    std::string body;
    return s3.GetObject(req, &body);
  });
  // Many in flight the way the write pipeline did before the engine: a
  // thread per slot, each a blocking request.
  Threads("PutItem", n, window, [&](int i) { return ddb.PutItem(MakePut(i)); });
  // With many in flight through the engine: the caller's thread starts
  // requests and collects completions; no thread per request.
  InFlight("PutItem", n, window, [&](int i, std::function<void(Status)> done) {
    ddb.StartPutItem(MakePut(i), [done = std::move(done)](Status st, dynamodb::WriteResult) {
      done(std::move(st));
    });
  });
  InFlight("GetItem", n, window, [&](int i, std::function<void(Status)> done) {
    ddb.StartGetItem(MakeGet(i), [done = std::move(done)](Status st, dynamodb::GetItemResult) {
      done(std::move(st));
    });
  });
  InFlight("S3 GET 1 KB", n, window, [&](int i, std::function<void(Status)> done) {
    s3::GetObjectRequest req;
    req.bucket = "bucket";
    req.key = "objects/" + std::to_string(i);
    s3.StartGetObject(req, [done = std::move(done)](Status st, std::string, s3::ObjectInfo) {
      done(std::move(st));
    });
  });

  // ---- The pieces alone ----
  {
    aws::HttpRequest proto;
    proto.method = "POST";
    proto.url = url + "/";
    proto.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Target", "DynamoDB_20120810.PutItem"},
                     {"Host", endpoint.HostHeader()},
                     {"User-Agent", "ddbsql/0.1"}};
    proto.body = std::string(200, 'b');
    aws::SigningParams params;
    params.service = "dynamodb";
    params.region = "us-east-1";
    params.time = std::chrono::system_clock::now();
    Cpu a = Cpu::Now();
    for (int i = 0; i < n; ++i) {
      aws::HttpRequest r = proto;
      aws::SignRequest(&r, creds, params);
    }
    Report("piece: SigV4 signing", n, a, Cpu::Now());
    aws::SigningKeyCache keys;
    params.key_cache = &keys;
    a = Cpu::Now();
    for (int i = 0; i < n; ++i) {
      aws::HttpRequest r = proto;
      aws::SignRequest(&r, creds, params);
    }
    Report("piece: SigV4, key cached", n, a, Cpu::Now());
  }
  {
    Cpu a = Cpu::Now();
    size_t total = 0;
    for (int i = 0; i < n; ++i) {
      dynamodb::PutItemRequest req = MakePut(i);
      nlohmann::json body = {{"TableName", req.table}, {"ReturnConsumedCapacity", "TOTAL"}};
      body["ConditionExpression"] = req.condition;
      body["ExpressionAttributeNames"] = req.names;
      body["Item"] = dynamodb::ItemToWireJson(req.item);
      std::string text = body.dump();
      nlohmann::json answer = nlohmann::json::parse(kWriteAnswer);
      total += text.size() + answer.size();
    }
    Report("piece: JSON (PutItem)", n, a, Cpu::Now());
    if (total == 0) std::puts("");
  }
  if (!ddbsql.empty()) RunStatements(ddbsql, url, n);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  return 0;
}
