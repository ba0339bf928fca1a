// Tests of the test helpers themselves: the emulator endpoint helpers and the
// fault-injecting proxy. The proxy tests need no emulator: an upstream that
// refuses connections is enough to see every fault and the pass-through.
#include "tests/support/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "tests/support/emulators.h"

namespace ddb::test {
namespace {

// A loopback port nothing listens on (bound, then closed).
int DeadPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

struct RawResponse {
  int error = 0;   // errno of a failed recv (ECONNRESET, EAGAIN on timeout)
  int status = 0;  // HTTP status, 0 if none arrived
  std::string text;
};

// Sends a DynamoDB-shaped POST to 127.0.0.1:port and reads the whole answer.
RawResponse PostDynamoDb(int port, int timeout_seconds = 10) {
  RawResponse out;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{timeout_seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    out.error = errno;
    close(fd);
    return out;
  }
  std::string request =
      "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n"
      "Content-Type: application/x-amz-json-1.0\r\nAuthorization: AWS4-HMAC-SHA256 "
      "Credential=ddbsqltest/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, "
      "Signature=00\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  char buf[4096];
  while (true) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0) {
      out.error = errno;
      break;
    }
    if (n == 0) break;
    out.text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  if (out.text.rfind("HTTP/1.1 ", 0) == 0) out.status = std::atoi(out.text.c_str() + 9);
  return out;
}

TEST(FaultProxyTest, AppliesThePlanInOrderThenPassesThrough) {
  FaultProxy proxy("http://127.0.0.1:" + std::to_string(DeadPort()));
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
  EXPECT_EQ(proxy.url(), "http://127.0.0.1:" + std::to_string(proxy.port()));
  ASSERT_TRUE(proxy.SetPlan({"throttle", "provisioned", "500", "503"}));

  RawResponse r = PostDynamoDb(proxy.port());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.text.find("com.amazonaws.dynamodb.v20120810#ThrottlingException"), std::string::npos)
      << r.text;
  r = PostDynamoDb(proxy.port());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.text.find("#ProvisionedThroughputExceededException"), std::string::npos);
  EXPECT_EQ(PostDynamoDb(proxy.port()).status, 500);
  EXPECT_EQ(PostDynamoDb(proxy.port()).status, 503);
  // Plan used up: forwarded, and the dead upstream shows as 502.
  EXPECT_EQ(PostDynamoDb(proxy.port()).status, 502);

  FaultLog log = proxy.Log();
  ASSERT_TRUE(log.ok);
  EXPECT_EQ(log.count, 5);
  ASSERT_EQ(log.requests.size(), 5u);
  EXPECT_EQ(log.requests[0].fault, "throttle");
  EXPECT_EQ(log.requests[3].fault, "503");
  EXPECT_EQ(log.requests[4].fault, "ok");
  EXPECT_EQ(log.requests[0].target, "DynamoDB_20120810.ListTables");
  EXPECT_EQ(log.requests[0].method, "POST");
  EXPECT_LE(log.requests[0].t, log.requests[4].t);
  EXPECT_TRUE(log.pending.empty());
}

TEST(FaultProxyTest, SetPlanClearsTheLogAndRejectsUnknownFaults) {
  FaultProxy proxy("http://127.0.0.1:" + std::to_string(DeadPort()));
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
  ASSERT_TRUE(proxy.SetPlan({"500", "500"}, "throttle"));
  PostDynamoDb(proxy.port());
  FaultLog log = proxy.Log();
  EXPECT_EQ(log.count, 1);
  EXPECT_EQ(log.pending, std::vector<std::string>{"500"});

  EXPECT_FALSE(proxy.SetPlan({"no-such-fault"}));
  ASSERT_TRUE(proxy.SetPlan({}, "throttle"));
  EXPECT_EQ(proxy.Log().count, 0);
  // `then` applies to every request after the plan.
  EXPECT_EQ(PostDynamoDb(proxy.port()).status, 400);
  EXPECT_EQ(PostDynamoDb(proxy.port()).status, 400);
}

TEST(FaultProxyTest, ResetClosesWithoutAnswer) {
  FaultProxy proxy("http://127.0.0.1:" + std::to_string(DeadPort()));
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
  ASSERT_TRUE(proxy.SetPlan({"reset"}));
  RawResponse r = PostDynamoDb(proxy.port());
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.error, ECONNRESET);
}

TEST(FaultProxyTest, StallSaysNothingUntilTheClientGivesUp) {
  FaultProxy proxy("http://127.0.0.1:" + std::to_string(DeadPort()));
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
  ASSERT_TRUE(proxy.SetPlan({"stall"}, "ok", /*stall_seconds=*/30));
  auto start = std::chrono::steady_clock::now();
  RawResponse r = PostDynamoDb(proxy.port(), /*timeout_seconds=*/1);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(r.error == EAGAIN || r.error == EWOULDBLOCK) << r.error;
  EXPECT_GE(elapsed, std::chrono::milliseconds(900));
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST(FaultProxyTest, ReportsAStartFailure) {
  FaultProxy proxy("not-a-url");
  EXPECT_FALSE(proxy.ok());
  EXPECT_FALSE(proxy.SetPlan({"ok"}));
  EXPECT_FALSE(proxy.Log().ok);
}

TEST(FaultProxyTest, CorruptsTheCrcOfARealDynamoDbAnswer) {
  REQUIRE_DYNAMODB();
  std::string url = *DynamoDbUrl();
  int upstream_port = std::atoi(url.substr(url.rfind(':') + 1).c_str());
  FaultProxy proxy(url);
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
  ASSERT_TRUE(proxy.SetPlan({"crc"}));

  std::regex crc_header("x-amz-crc32: ([0-9]+)", std::regex::icase);
  std::smatch direct, proxied;
  RawResponse d = PostDynamoDb(upstream_port);
  RawResponse p = PostDynamoDb(proxy.port());
  ASSERT_EQ(d.status, 200) << d.text;
  ASSERT_EQ(p.status, 200) << p.text;
  ASSERT_TRUE(std::regex_search(d.text, direct, crc_header)) << d.text;
  ASSERT_TRUE(std::regex_search(p.text, proxied, crc_header)) << p.text;
  EXPECT_NE(direct[1].str(), proxied[1].str());
  // Next request: plan used up, the CRC is passed through unchanged.
  RawResponse again = PostDynamoDb(proxy.port());
  std::smatch clean;
  ASSERT_TRUE(std::regex_search(again.text, clean, crc_header));
  EXPECT_EQ(direct[1].str(), clean[1].str());
}

void RequireDynamoDbHere() { REQUIRE_DYNAMODB(); }

// Restores one environment variable when it goes out of scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    if (old != nullptr) old_ = old;
    had_ = old != nullptr;
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (had_) {
      setenv(name_.c_str(), old_.c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }

 private:
  std::string name_;
  std::string old_;
  bool had_ = false;
};

TEST(EmulatorsTest, ReadsEndpointsFromTheEnvironment) {
  ScopedEnv dynamodb("DDBSQL_TEST_DYNAMODB_URL", "http://127.0.0.1:1234");
  ScopedEnv s3("DDBSQL_TEST_S3_URL", "");
  EXPECT_EQ(DynamoDbUrl(), "http://127.0.0.1:1234");
  EXPECT_EQ(S3Url(), std::nullopt);
}

TEST(EmulatorsTest, MissingEndpointFailsWhenEmulatorsAreRequired) {
  ScopedEnv dynamodb("DDBSQL_TEST_DYNAMODB_URL", nullptr);
  ScopedEnv required("DDBSQL_REQUIRE_EMULATORS", "1");
  EXPECT_TRUE(EmulatorsRequired());
  EXPECT_FATAL_FAILURE(RequireDynamoDbHere(), "DDBSQL_TEST_DYNAMODB_URL is not set");
}

TEST(EmulatorsTest, UniqueNamesAreValidAndDistinct) {
  std::regex table_re("[A-Za-z0-9_.-]{3,255}");
  std::regex bucket_re("[a-z0-9][a-z0-9-]{1,61}[a-z0-9]");
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    std::string table = UniqueTableName("my table/\xc3\xa9");
    std::string bucket = UniqueBucketName("My_Bucket");
    EXPECT_TRUE(std::regex_match(table, table_re)) << table;
    EXPECT_TRUE(std::regex_match(bucket, bucket_re)) << bucket;
    EXPECT_NE(table.find("UniqueNamesAreValidAndDistinct"), std::string::npos) << table;
    EXPECT_TRUE(seen.insert(table).second);
    EXPECT_TRUE(seen.insert(bucket).second);
  }
  EXPECT_EQ(UniqueBucketName("-x").front(), 'b');
}

}  // namespace
}  // namespace ddb::test
