// FaultProxy: runs tests/fault_proxy.py in front of an emulator so that a test
// can make the next requests fail in chosen ways (throttling, 5xx, connection
// reset, stall, bad CRC) and then count the attempts the client made.
//
//   ddb::test::FaultProxy proxy(*ddb::test::DynamoDbUrl());
//   ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
//   ASSERT_TRUE(proxy.SetPlan({"throttle", "500"}));
//   ... point the client at proxy.url() and call GetItem ...
//   EXPECT_EQ(proxy.Log().count, 3);   // two faults, then the real answer
//
// Fault names are those of tests/fault_proxy.py: ok, throttle, provisioned,
// 500, 503, reset, stall, crc, delay:MS. The proxy process is ended and
// reaped by the destructor, and ends by itself if the test process dies.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace ddb::test {

// One request the proxy saw (control requests are not logged).
struct FaultLogEntry {
  int seq = 0;         // 1 for the first request after the last SetPlan
  double t = 0;        // seconds since the proxy started
  std::string method;  // "POST"
  std::string path;    // "/"
  std::string target;  // X-Amz-Target ("DynamoDB_20120810.GetItem"), "" for S3
  std::string fault;   // the fault applied ("ok" when forwarded as is)
};

struct FaultLog {
  bool ok = false;  // false when the log could not be fetched or parsed
  int count = 0;    // requests since the last SetPlan
  std::vector<FaultLogEntry> requests;
  std::vector<std::string> pending;  // plan entries not used yet
};

class FaultProxy {
 public:
  // Starts the proxy in front of `target_url` ("http://127.0.0.1:PORT") and
  // waits for its port. Check ok() before use.
  explicit FaultProxy(std::string_view target_url);
  ~FaultProxy();

  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  // "http://127.0.0.1:PORT": the endpoint to give the client under test.
  std::string url() const;
  int port() const { return port_; }

  // The next requests get `plan`'s faults in order; every later request gets
  // `then`. A stalled request stays silent for `stall_seconds`. Clears the
  // log. False if the proxy rejected the plan or could not be reached.
  bool SetPlan(const std::vector<std::string>& plan, std::string_view then = "ok",
               double stall_seconds = 30);

  // The requests seen since the last SetPlan.
  FaultLog Log();

 private:
  // Sends one HTTP request to the proxy's control API; fills the status code
  // and body of the answer.
  Status Control(std::string_view method, std::string_view path, std::string_view body,
                 int* http_status, std::string* response_body);
  void Stop();

  Status status_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace ddb::test
