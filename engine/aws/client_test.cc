// AwsClient's retry loop with real traffic: DynamoDbClient -> AwsClient ->
// HttpClient -> tests/fault_proxy.py -> DynamoDB Local. The proxy injects
// the faults and logs every attempt it sees (with its arrival time), which is
// what these tests count and measure; nothing on the client side is mocked.
#include "engine/aws/client.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "engine/aws/config.h"
#include "engine/aws/credentials.h"
#include "engine/aws/http.h"
#include "engine/aws/retry.h"
#include "engine/dynamodb/client.h"
#include "tests/support/emulators.h"
#include "tests/support/fault_proxy.h"

namespace ddb::aws {
namespace {

using dynamodb::AttributeValue;
using dynamodb::DynamoDbClient;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr char kListTables[] = "DynamoDB_20120810.ListTables";
constexpr char kGetItem[] = "DynamoDB_20120810.GetItem";

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Retries that wait 1-2 ms, so that a test of many attempts stays fast.
RetryPolicy FastPolicy(int max_attempts) {
  RetryPolicy policy;
  policy.max_attempts = max_attempts;
  policy.base_delay = milliseconds(1);
  policy.max_backoff = milliseconds(2);
  return policy;
}

std::vector<std::string> Faults(const test::FaultLog& log) {
  std::vector<std::string> out;
  for (const test::FaultLogEntry& e : log.requests) out.push_back(e.fault);
  return out;
}

class AwsClientRetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_DYNAMODB();
    proxy_ = std::make_unique<test::FaultProxy>(*test::DynamoDbUrl());
    ASSERT_TRUE(proxy_->ok()) << proxy_->status().ToString();
    Status s = ParseEndpointUrl(proxy_->url(), &endpoint_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    // DynamoDB Local keeps one database per access key id: a fresh one per test.
    std::random_device rd;
    creds_.access_key_id = "retry" + std::to_string(rd()) + std::to_string(rd());
    creds_.secret_access_key = test::kTestSecretAccessKey;
    creds_.source = "test";
  }

  // An AwsClient for DynamoDB through the proxy, assembled as
  // engine/connection.cc does.
  std::shared_ptr<AwsClient> MakeAws(RetryPolicy policy, std::shared_ptr<RetryQuota> quota,
                                     HttpOptions http = {}) {
    return std::make_shared<AwsClient>(
        dynamodb::DynamoDbTraits(), endpoint_, test::kTestRegion, StaticCredentials(creds_),
        std::make_shared<HttpClient>(http), policy, std::move(quota));
  }

  // One ListTables request; `aws` must have DynamoDB traits.
  static Status ListTables(const std::shared_ptr<AwsClient>& aws) {
    DynamoDbClient client(aws);
    dynamodb::ListTablesPage page;
    return client.ListTables(dynamodb::ListTablesRequest(), &page);
  }

  // Creates table `table_` (key pk S) holding {pk: "k1", v: "hello"}, with
  // the proxy passing everything through.
  void CreateTableWithItem(DynamoDbClient* client) {
    ASSERT_TRUE(proxy_->SetPlan({}));
    table_ = test::UniqueTableName("retry");
    dynamodb::CreateTableRequest create;
    create.table = table_;
    create.key.hash = {"pk", "S"};
    Status s = client->CreateTable(create);
    ASSERT_TRUE(s.ok()) << s.ToString();
    s = client->WaitUntilActive(table_, std::chrono::seconds(30));
    ASSERT_TRUE(s.ok()) << s.ToString();
    dynamodb::PutItemRequest put;
    put.table = table_;
    put.item = {{"pk", AttributeValue::S("k1")}, {"v", AttributeValue::S("hello")}};
    s = client->PutItem(put);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // GetItem of the item CreateTableWithItem wrote.
  Status GetK1(DynamoDbClient* client, dynamodb::GetItemResult* out) {
    dynamodb::GetItemRequest get;
    get.table = table_;
    get.key = {{"pk", AttributeValue::S("k1")}};
    return client->GetItem(get, out);
  }

  test::FaultLog Log() {
    test::FaultLog log = proxy_->Log();
    EXPECT_TRUE(log.ok) << "cannot read the fault proxy's log";
    return log;
  }

  std::unique_ptr<test::FaultProxy> proxy_;
  Endpoint endpoint_;
  Credentials creds_;
  std::string table_;
};

TEST_F(AwsClientRetryTest, ThrottleThenOkSucceedsOnTheSecondAttempt) {
  auto quota = std::make_shared<RetryQuota>();
  auto aws = MakeAws(FastPolicy(3), quota);
  ASSERT_TRUE(proxy_->SetPlan({"throttle"}));
  Status s = ListTables(aws);
  ASSERT_TRUE(s.ok()) << s.ToString();

  test::FaultLog log = Log();
  ASSERT_EQ(log.count, 2);
  EXPECT_EQ(Faults(log), (std::vector<std::string>{"throttle", "ok"}));
  for (const test::FaultLogEntry& e : log.requests) {
    EXPECT_EQ(e.method, "POST");
    EXPECT_EQ(e.path, "/");
    EXPECT_EQ(e.target, kListTables);
  }
  EXPECT_EQ(aws->counters().requests.load(), 2u);
  EXPECT_EQ(aws->counters().retries.load(), 1u);
  EXPECT_GT(aws->counters().bytes_sent.load(), 0u);
  EXPECT_GT(aws->counters().bytes_received.load(), 0u);
  // The retry's 5 tokens come back with the success.
  EXPECT_EQ(quota->available(), RetryQuota::kInitialTokens);
}

TEST_F(AwsClientRetryTest, EachTransientFaultIsRetriedThenSucceeds) {
  {
    DynamoDbClient setup(MakeAws(FastPolicy(3), nullptr));
    CreateTableWithItem(&setup);
    if (HasFatalFailure()) return;
  }
  for (const char* fault : {"throttle", "provisioned", "500", "503", "reset", "crc"}) {
    SCOPED_TRACE(fault);
    // A new client each time, so the fault hits a fresh connection (see
    // ResetOnAReusedConnectionIsResentOnceByCurl for a reused one).
    auto aws = MakeAws(FastPolicy(3), std::make_shared<RetryQuota>());
    DynamoDbClient client(aws);
    ASSERT_TRUE(proxy_->SetPlan({fault}));
    dynamodb::GetItemResult got;
    Status s = GetK1(&client, &got);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(got.found);
    EXPECT_EQ(got.item["v"], AttributeValue::S("hello"));

    test::FaultLog log = Log();
    ASSERT_EQ(log.count, 2);
    EXPECT_EQ(Faults(log), (std::vector<std::string>{fault, "ok"}));
    EXPECT_EQ(log.requests[0].target, kGetItem);
    EXPECT_EQ(log.requests[1].target, kGetItem);
    EXPECT_EQ(aws->counters().retries.load(), 1u);
    EXPECT_EQ(aws->counters().requests.load(), 2u);
  }
}

// libcurl resends a request by itself, once, on a fresh connection when a
// reused keep-alive connection dies before any byte of the answer (the
// server may have closed it while idle). That resend is invisible to
// AwsClient: it is neither an attempt nor a retry, and it happens even with
// max_attempts 1. Only a second failure reaches the retry policy.
TEST_F(AwsClientRetryTest, ResetOnAReusedConnectionIsResentOnceByCurl) {
  auto aws = MakeAws(FastPolicy(1), std::make_shared<RetryQuota>());
  ASSERT_TRUE(ListTables(aws).ok());  // opens the connection to reuse
  ASSERT_TRUE(proxy_->SetPlan({"reset"}));
  Status s = ListTables(aws);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Faults(Log()), (std::vector<std::string>{"reset", "ok"}));
  EXPECT_EQ(aws->counters().requests.load(), 2u);
  EXPECT_EQ(aws->counters().retries.load(), 0u);

  aws = MakeAws(FastPolicy(3), std::make_shared<RetryQuota>());
  ASSERT_TRUE(ListTables(aws).ok());
  ASSERT_TRUE(proxy_->SetPlan({"reset", "reset"}));
  s = ListTables(aws);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Faults(Log()), (std::vector<std::string>{"reset", "reset", "ok"}));
  EXPECT_EQ(aws->counters().requests.load(), 3u);
  EXPECT_EQ(aws->counters().retries.load(), 1u);
}

TEST_F(AwsClientRetryTest, StalledAttemptTimesOutAndIsRetried) {
  HttpOptions http;
  http.request_timeout_ms = 500;
  auto quota = std::make_shared<RetryQuota>();
  auto aws = MakeAws(FastPolicy(3), quota, http);
  ASSERT_TRUE(ListTables(aws).ok());  // the emulator's first answer may be slow
  ASSERT_TRUE(proxy_->SetPlan({"stall"}, "ok", /*stall_seconds=*/10));

  auto start = Clock::now();
  Status s = ListTables(aws);
  double elapsed = SecondsSince(start);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_GE(elapsed, 0.45);
  EXPECT_LT(elapsed, 3.0);
  test::FaultLog log = Log();
  EXPECT_EQ(Faults(log), (std::vector<std::string>{"stall", "ok"}));
  EXPECT_EQ(aws->counters().retries.load(), 1u);
  EXPECT_EQ(quota->available(), RetryQuota::kInitialTokens);
}

TEST_F(AwsClientRetryTest, MaxAttemptsIsHonoured) {
  auto quota = std::make_shared<RetryQuota>();
  auto aws = MakeAws(FastPolicy(3), quota);
  ASSERT_TRUE(proxy_->SetPlan({"throttle", "throttle", "throttle", "throttle", "throttle"}));
  Status s = ListTables(aws);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kAwsError);
  EXPECT_EQ(s.aws_code(), "ThrottlingException");
  EXPECT_TRUE(Contains(s.ToString(), "ThrottlingException")) << s.ToString();
  EXPECT_TRUE(Contains(s.ToString(), "after 3 attempts")) << s.ToString();

  test::FaultLog log = Log();
  EXPECT_EQ(log.count, 3);
  EXPECT_EQ(log.pending.size(), 2u);
  EXPECT_EQ(aws->counters().requests.load(), 3u);
  EXPECT_EQ(aws->counters().retries.load(), 2u);
  // Two retries taken, no success to refund them.
  EXPECT_EQ(quota->available(), RetryQuota::kInitialTokens - 2 * RetryQuota::kRetryCost);
}

TEST_F(AwsClientRetryTest, NonRetryableErrorsSurfaceAfterOneAttempt) {
  auto aws = MakeAws(FastPolicy(5), std::make_shared<RetryQuota>());
  DynamoDbClient client(aws);
  CreateTableWithItem(&client);
  if (HasFatalFailure()) return;
  uint64_t retries_before = aws->counters().retries.load();

  ASSERT_TRUE(proxy_->SetPlan({}));
  dynamodb::TableDescription description;
  Status s = client.DescribeTable(table_ + "_missing", &description);
  EXPECT_EQ(s.aws_code(), "ResourceNotFoundException") << s.ToString();
  EXPECT_TRUE(Contains(s.ToString(), table_ + "_missing")) << s.ToString();
  EXPECT_FALSE(Contains(s.ToString(), "attempts")) << s.ToString();
  EXPECT_EQ(Log().count, 1);

  // A key that does not match the table's schema.
  ASSERT_TRUE(proxy_->SetPlan({}));
  dynamodb::GetItemRequest get;
  get.table = table_;
  get.key = {{"wrong", AttributeValue::S("k1")}};
  dynamodb::GetItemResult got;
  s = client.GetItem(get, &got);
  EXPECT_EQ(s.aws_code(), "ValidationException") << s.ToString();
  EXPECT_FALSE(Contains(s.ToString(), "attempts")) << s.ToString();
  EXPECT_EQ(Log().count, 1);

  EXPECT_EQ(aws->counters().retries.load(), retries_before);
}

TEST_F(AwsClientRetryTest, BackoffDelaysStayUnderTheCeiling) {
  RetryPolicy policy;
  policy.max_attempts = 8;
  policy.base_delay = milliseconds(50);
  policy.max_backoff = milliseconds(100);
  auto aws = MakeAws(policy, std::make_shared<RetryQuota>());
  ASSERT_TRUE(ListTables(aws).ok());  // warm: the timed attempts reuse the connection
  ASSERT_TRUE(proxy_->SetPlan(std::vector<std::string>(7, "throttle")));
  Status s = ListTables(aws);
  ASSERT_TRUE(s.ok()) << s.ToString();

  test::FaultLog log = Log();
  ASSERT_EQ(log.count, 8);
  // The gap between attempts is the backoff plus one quick round trip to the
  // proxy; without the max_backoff cap the later ceilings would be 200, 400,
  // 800, 1600 and 3200 ms.
  constexpr double kSlackSeconds = 0.15;
  double total = 0;
  for (int retry = 1; retry < 8; ++retry) {
    double ceiling_ms = std::min(100.0, 50.0 * (1 << (retry - 1)));
    double gap = log.requests[retry].t - log.requests[retry - 1].t;
    EXPECT_LE(gap, ceiling_ms / 1000 + kSlackSeconds) << "before retry " << retry;
    total += gap;
  }
  // And the retries did wait: full jitter draws each delay from [0, ceiling]
  // (650 ms of ceilings, 325 ms expected); seven draws summing under 50 ms
  // happen less than once in 40,000 runs, while retries without backoff take
  // a few milliseconds each.
  EXPECT_GE(total, 0.05) << "the seven backoffs took " << total << " s in all";
}

TEST_F(AwsClientRetryTest, ExhaustedQuotaMakesCallsFailFast) {
  auto quota = std::make_shared<RetryQuota>();
  auto aws = MakeAws(FastPolicy(1000), quota);
  auto other = MakeAws(FastPolicy(1000), quota);  // another service client, same quota

  // A long outage: every retry takes 5 tokens until none are left.
  ASSERT_TRUE(proxy_->SetPlan({}, "500"));
  Status s = ListTables(aws);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.aws_code(), "InternalServerError");
  EXPECT_TRUE(Contains(s.ToString(), "retry quota exhausted")) << s.ToString();
  constexpr int kRetries = RetryQuota::kInitialTokens / RetryQuota::kRetryCost;
  EXPECT_EQ(Log().count, kRetries + 1);
  EXPECT_EQ(quota->available(), 0);
  EXPECT_EQ(aws->counters().retries.load(), static_cast<uint64_t>(kRetries));

  // Further calls, from either client, make one attempt each.
  ASSERT_TRUE(proxy_->SetPlan({}, "500"));
  for (const auto& client : {aws, other, aws}) {
    auto start = Clock::now();
    s = ListTables(client);
    EXPECT_LT(SecondsSince(start), 1.0);
    EXPECT_EQ(s.aws_code(), "InternalServerError");
    EXPECT_TRUE(Contains(s.ToString(), "retry quota exhausted after 1 attempt")) << s.ToString();
    EXPECT_FALSE(Contains(s.ToString(), "1 attempts")) << s.ToString();  // the count agrees
  }
  EXPECT_EQ(Log().count, 3);
  EXPECT_EQ(other->counters().requests.load(), 1u);
  EXPECT_EQ(other->counters().retries.load(), 0u);

  // The outage ends: a success without retries puts one token back.
  ASSERT_TRUE(proxy_->SetPlan({}));
  s = ListTables(other);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(quota->available(), RetryQuota::kNoRetryIncrement);
}

TEST_F(AwsClientRetryTest, TimeoutsAndConnectionErrorsCostMoreQuota) {
  auto quota = std::make_shared<RetryQuota>();
  auto aws = MakeAws(FastPolicy(2), quota);
  ASSERT_TRUE(proxy_->SetPlan({"503", "503"}));
  EXPECT_EQ(ListTables(aws).aws_code(), "ServiceUnavailable");
  EXPECT_EQ(quota->available(), RetryQuota::kInitialTokens - RetryQuota::kRetryCost);

  quota = std::make_shared<RetryQuota>();
  aws = MakeAws(FastPolicy(2), quota);
  ASSERT_TRUE(proxy_->SetPlan({"reset", "reset"}));
  Status s = ListTables(aws);
  EXPECT_EQ(s.code(), Status::Code::kTransport) << s.ToString();
  EXPECT_TRUE(Contains(s.ToString(), "after 2 attempts")) << s.ToString();
  EXPECT_EQ(Log().count, 2);
  EXPECT_EQ(quota->available(), RetryQuota::kInitialTokens - RetryQuota::kTimeoutRetryCost);
}

TEST_F(AwsClientRetryTest, LegacyModeUsesItsAttemptCountAndNoQuota) {
  Settings settings;
  settings.retry_mode = RetryMode::kLegacy;
  RetryPolicy policy = RetryPolicy::ForService("dynamodb", settings);
  EXPECT_EQ(policy.mode, RetryMode::kLegacy);
  EXPECT_EQ(policy.max_attempts, 10);
  EXPECT_EQ(policy.base_delay, milliseconds(25));
  policy.base_delay = milliseconds(1);
  policy.max_backoff = milliseconds(2);

  // Legacy mode has no retry quota: an empty bucket changes nothing.
  auto quota = std::make_shared<RetryQuota>();
  int cost = 0;
  while (quota->Acquire(ErrorKind::kThrottling, &cost)) {
  }
  ASSERT_EQ(quota->available(), 0);
  auto aws = MakeAws(policy, quota);

  ASSERT_TRUE(proxy_->SetPlan(std::vector<std::string>(12, "throttle")));
  Status s = ListTables(aws);
  EXPECT_EQ(s.aws_code(), "ThrottlingException");
  EXPECT_TRUE(Contains(s.ToString(), "after 10 attempts")) << s.ToString();
  EXPECT_EQ(Log().count, 10);
  EXPECT_EQ(aws->counters().retries.load(), 9u);

  ASSERT_TRUE(proxy_->SetPlan(std::vector<std::string>(9, "provisioned")));
  s = ListTables(aws);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Log().count, 10);
  EXPECT_EQ(aws->counters().retries.load(), 18u);
  EXPECT_EQ(quota->available(), 0);
}

TEST_F(AwsClientRetryTest, CancelEndsACallWithoutRetrying) {
  auto aws = MakeAws(FastPolicy(5), std::make_shared<RetryQuota>());  // 60 s timeout
  ASSERT_TRUE(proxy_->SetPlan({"stall"}, "ok", /*stall_seconds=*/20));
  Status result;
  std::thread call([&] { result = ListTables(aws); });
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Log().count < 1 && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  auto start = Clock::now();
  aws->http().CancelAll();
  call.join();
  EXPECT_LT(SecondsSince(start), 2.0);
  EXPECT_TRUE(result.IsCancelled()) << result.ToString();
  EXPECT_EQ(Log().count, 1);
  EXPECT_EQ(aws->counters().retries.load(), 0u);
}

TEST_F(AwsClientRetryTest, CancelDuringBackoffEndsTheCall) {
  RetryPolicy policy;
  policy.max_attempts = 3;
  policy.base_delay = milliseconds(10000);  // a backoff of up to 10 s
  policy.max_backoff = milliseconds(10000);
  // The jitter may draw a backoff too short to cancel in; then try again.
  for (int round = 0; round < 3; ++round) {
    auto aws = MakeAws(policy, std::make_shared<RetryQuota>());
    ASSERT_TRUE(proxy_->SetPlan({"500"}));
    Status result;
    std::thread call([&] { result = ListTables(aws); });
    auto deadline = Clock::now() + std::chrono::seconds(5);
    while (Log().count < 1 && Clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    std::this_thread::sleep_for(milliseconds(50));  // the 500 has arrived: it is backing off
    if (Log().count != 1) {
      call.join();
      continue;
    }
    auto start = Clock::now();
    aws->http().CancelAll();
    call.join();
    EXPECT_LT(SecondsSince(start), 1.0);
    EXPECT_TRUE(result.IsCancelled()) << result.ToString();
    EXPECT_EQ(Log().count, 1);
    EXPECT_EQ(aws->counters().retries.load(), 0u);
    return;
  }
  FAIL() << "every backoff was too short to cancel";
}

TEST_F(AwsClientRetryTest, ConcurrentCallsShareThrottlesAndCountEveryRetry) {
  auto aws = MakeAws(FastPolicy(11), std::make_shared<RetryQuota>());  // never runs out
  ASSERT_TRUE(ListTables(aws).ok());
  uint64_t requests_before = aws->counters().requests.load();
  ASSERT_TRUE(proxy_->SetPlan(std::vector<std::string>(10, "throttle")));
  constexpr int kThreads = 5;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      if (ListTables(aws).ok()) good++;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(good.load(), kThreads);
  EXPECT_EQ(Log().count, kThreads + 10);
  EXPECT_EQ(aws->counters().retries.load(), 10u);
  EXPECT_EQ(aws->counters().requests.load() - requests_before,
            static_cast<uint64_t>(kThreads + 10));
}

// ---- Start(): calls in flight from one thread, retried on the loop ----

// Completions of Start() calls, handed from the loop thread to the test's.
struct Completions {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Status> statuses;
  std::vector<std::string> bodies;

  AwsClient::Callback Callback() {
    return [this](Status s, HttpResponse r) {
      std::lock_guard<std::mutex> lock(mu);
      statuses.push_back(std::move(s));
      bodies.push_back(std::move(r.body));
      cv.notify_all();
    };
  }
  bool WaitFor(size_t n, std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, timeout, [&] { return statuses.size() >= n; });
  }
};

ServiceRequest ListTablesRequest() {
  ServiceRequest r;
  r.headers = {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", kListTables}};
  r.body = "{}";
  return r;
}

TEST_F(AwsClientRetryTest, StartedCallsAreRetriedOnTheLoopAndAllSucceed) {
  auto aws = MakeAws(FastPolicy(11), std::make_shared<RetryQuota>());
  ASSERT_TRUE(ListTables(aws).ok());
  uint64_t requests_before = aws->counters().requests.load();
  ASSERT_TRUE(proxy_->SetPlan({"throttle", "500", "503", "throttle", "provisioned", "throttle"}));
  constexpr int kCalls = 10;
  Completions done;
  // All started from this thread at once; none waits for another.
  for (int i = 0; i < kCalls; ++i) aws->Start(ListTablesRequest(), done.Callback());
  ASSERT_TRUE(done.WaitFor(kCalls, std::chrono::seconds(20)));
  for (const Status& s : done.statuses) EXPECT_TRUE(s.ok()) << s.ToString();
  for (const std::string& body : done.bodies) EXPECT_TRUE(Contains(body, "TableNames")) << body;
  // Every fault cost one retry; the proxy saw the faults and the answers.
  EXPECT_EQ(Log().count, kCalls + 6);
  EXPECT_EQ(aws->counters().retries.load(), 6u);
  EXPECT_EQ(aws->counters().requests.load() - requests_before, static_cast<uint64_t>(kCalls + 6));
}

TEST_F(AwsClientRetryTest, AStartedCallGivesUpAsCallDoesNamingItsAttempts) {
  auto aws = MakeAws(FastPolicy(3), std::make_shared<RetryQuota>());
  ASSERT_TRUE(proxy_->SetPlan({}, "500"));
  ServiceRequest r = ListTablesRequest();
  r.context = "listing";
  Completions done;
  aws->Start(r, done.Callback());
  ASSERT_TRUE(done.WaitFor(1, std::chrono::seconds(10)));
  const Status& s = done.statuses[0];
  EXPECT_EQ(s.http_status(), 500) << s.ToString();
  EXPECT_TRUE(Contains(s.ToString(), "listing: ")) << s.ToString();
  EXPECT_TRUE(Contains(s.ToString(), "after 3 attempts")) << s.ToString();
  EXPECT_EQ(Log().count, 3);
  // The blocking form says the same.
  HttpResponse response;
  Status blocking = aws->Call(r, &response);
  EXPECT_EQ(blocking.ToString(), s.ToString());
}

TEST_F(AwsClientRetryTest, CancelAllEndsStartedCallsInFlightAndInBackoff) {
  RetryPolicy policy;
  policy.max_attempts = 3;
  policy.base_delay = milliseconds(20000);  // backoffs of up to 20 s
  policy.max_backoff = milliseconds(20000);
  auto aws = MakeAws(policy, std::make_shared<RetryQuota>());
  // Two calls' first attempts fail and back off; two more stall in flight.
  ASSERT_TRUE(proxy_->SetPlan({"500", "500", "stall", "stall"}, "ok", /*stall_seconds=*/20));
  Completions done;
  for (int i = 0; i < 4; ++i) aws->Start(ListTablesRequest(), done.Callback());
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Log().count < 4 && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(Log().count, 4);
  std::this_thread::sleep_for(milliseconds(50));
  // A backoff drawn under 50 ms may have retried already (and stalled).
  size_t finished_before = done.statuses.size();
  EXPECT_EQ(finished_before, 0u);
  auto start = Clock::now();
  aws->http().CancelAll();
  ASSERT_TRUE(done.WaitFor(4, std::chrono::seconds(3)));
  EXPECT_LT(SecondsSince(start), 1.0);
  for (const Status& s : done.statuses) EXPECT_TRUE(s.IsCancelled()) << s.ToString();
  // The client goes on working after the cancel.
  ASSERT_TRUE(proxy_->SetPlan({}));
  EXPECT_TRUE(ListTables(aws).ok());
}

TEST_F(AwsClientRetryTest, ManyStartedGetItemsCompleteEachWithItsOwnItem) {
  auto aws = MakeAws(FastPolicy(5), std::make_shared<RetryQuota>());
  DynamoDbClient client(aws);
  CreateTableWithItem(&client);
  constexpr int kItems = 100;
  std::vector<dynamodb::BatchWriteEntry> puts;
  for (int i = 0; i < kItems; ++i) {
    puts.push_back({table_,
                    dynamodb::BatchWriteEntry::Kind::kPut,
                    {{"pk", AttributeValue::S("p" + std::to_string(i))},
                     {"v", AttributeValue::S("value " + std::to_string(i))}}});
  }
  Status s = client.BatchWriteItem(puts);
  ASSERT_TRUE(s.ok()) << s.ToString();
  // A few throttles on the way: their retries run on the loop too.
  ASSERT_TRUE(proxy_->SetPlan({"throttle", "ok", "throttle", "ok", "provisioned"}));
  std::mutex mu;
  std::condition_variable cv;
  int finished = 0;
  int wrong = 0;
  for (int i = 0; i < kItems; ++i) {
    dynamodb::GetItemRequest get;
    get.table = table_;
    get.key = {{"pk", AttributeValue::S("p" + std::to_string(i))}};
    client.StartGetItem(get, [&, i](Status st, dynamodb::GetItemResult r) {
      std::lock_guard<std::mutex> lock(mu);
      auto v = r.item.find("v");
      if (!st.ok() || !r.found || v == r.item.end() ||
          v->second.scalar() != "value " + std::to_string(i)) {
        ++wrong;
      }
      ++finished;
      cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return finished == kItems; }));
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(aws->counters().retries.load(), 3u);
}

}  // namespace
}  // namespace ddb::aws
