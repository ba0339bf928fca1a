// S3Resolver against moto's S3 server: both pynamodb_mate layouts written
// through Column::Encode and read back through DecodeBatch, the cache and
// counters, missing objects, access denied (through the fault proxy).
#include "engine/codec/s3_resolver.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>

#include <gtest/gtest.h>

#include "engine/aws/credentials.h"
#include "engine/codec/catalog.h"
#include "tests/support/emulators.h"
#include "tests/support/fault_proxy.h"

namespace ddb::codec {
namespace {

using dynamodb::AttributeValue;

class S3ResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_S3();
    client_ = NewClient(*test::S3Url());
    bucket_ = test::UniqueBucketName("ddbsql-codec");
    Status s = client_->CreateBucket(bucket_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void TearDown() override {
    if (!client_ || bucket_.empty()) return;
    std::vector<s3::ObjectSummary> objects;
    s3::ListRequest list;
    list.bucket = bucket_;
    if (client_->ListAllObjects(list, &objects).ok()) {
      std::vector<std::string> keys;
      for (const auto& o : objects) keys.push_back(o.key);
      EXPECT_TRUE(client_->DeleteObjects(bucket_, keys).ok());
    }
    EXPECT_TRUE(client_->DeleteBucket(bucket_).ok());
  }

  std::shared_ptr<s3::S3Client> NewClient(const std::string& url) {
    aws::Endpoint endpoint;
    Status s = aws::ParseEndpointUrl(url, &endpoint);
    EXPECT_TRUE(s.ok()) << s.ToString();
    aws::Credentials creds;
    creds.access_key_id = "testing";
    creds.secret_access_key = "testing";
    aws::RetryPolicy policy;
    policy.max_attempts = 1;
    return std::make_shared<s3::S3Client>(
        endpoint, "us-east-1",
        std::shared_ptr<aws::CredentialsProvider>(aws::StaticCredentials(creds)),
        std::make_shared<aws::HttpClient>(), policy, std::make_shared<aws::RetryQuota>());
  }

  std::shared_ptr<const Column> Declare(const std::string& decl) {
    std::shared_ptr<const Column> col;
    Status s = catalog_.ParseColumn("pages", "html", decl, "test", &col);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return col;
  }

  // Encodes `text` for item `pk` and uploads the object; returns the stored value.
  AttributeValue Write(const Column& col, const Context& ctx, const std::string& text) {
    EncodedValue enc;
    Status s = col.Encode(ctx, PlainValue::Text(text), {}, &enc);
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(enc.upload);
    s3::PutObjectRequest put;
    put.bucket = enc.upload->bucket;
    put.key = enc.upload->key;
    put.body = enc.upload->body;
    put.metadata = enc.upload->metadata;
    s = client_->PutObject(put);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return enc.stored;
  }

  static Context Ctx(int i) {
    return Context{"pages", "html", {{"pk", AttributeValue::S("page-" + std::to_string(i))}}};
  }

  Catalog catalog_;
  std::shared_ptr<s3::S3Client> client_;
  std::string bucket_;
};

std::string Html(int i) {
  std::string s = "<html><body>page " + std::to_string(i) + "</body>";
  while (s.size() < 3000) s += "<p>lorem ipsum " + std::to_string(i) + "</p>";
  return s + "</html>";
}

TEST_F(S3ResolverTest, BothLayoutsDecodeThroughOneBatchConcurrently) {
  auto s3backed =
      Declare(R"({"codec": "S3BackedBigTextAttribute", "bucket": ")" + bucket_ + R"("})");
  auto large = Declare(R"({"codec": "LargeAttribute", "bucket": ")" + bucket_ +
                       R"(", "prefix": "large/pages", "as": "text"})");
  constexpr int kItems = 24;
  std::vector<Context> ctxs;
  std::vector<AttributeValue> a, b;
  for (int i = 0; i < kItems; ++i) ctxs.push_back(Ctx(i));
  for (int i = 0; i < kItems; ++i) a.push_back(Write(*s3backed, ctxs[i], Html(i)));
  for (int i = 0; i < kItems; ++i) b.push_back(Write(*large, ctxs[i], Html(i + 1000)));
  EXPECT_NE(a[0].scalar().find("/pynamodb-mate/s3backed/"), std::string::npos);
  EXPECT_NE(b[0].scalar().find("/large/pages/pk=page-0/attr=html/md5="), std::string::npos);

  S3Resolver resolver(client_, S3Resolver::Options{4, 1 << 20});
  for (auto [col, stored, offset] :
       {std::tuple{s3backed.get(), &a, 0}, std::tuple{large.get(), &b, 1000}}) {
    std::vector<DecodeRequest> reqs;
    for (int i = 0; i < kItems; ++i) reqs.push_back({&ctxs[i], &(*stored)[i]});
    std::vector<DecodeResult> results;
    DecodeBatch(*col, reqs, &resolver, &results);
    for (int i = 0; i < kItems; ++i) {
      ASSERT_TRUE(results[i].status.ok()) << results[i].status.ToString();
      EXPECT_EQ(results[i].value.data, Html(i + offset));
    }
  }
  S3Stats st = resolver.stats();
  EXPECT_EQ(st.gets, 2u * kItems);
  EXPECT_EQ(st.cache_hits, 0u);
  EXPECT_GT(st.bytes, 0u);

  // Again: everything from the cache, no GET.
  std::vector<DecodeRequest> reqs;
  for (int i = 0; i < kItems; ++i) reqs.push_back({&ctxs[i], &a[i]});
  std::vector<DecodeResult> results;
  DecodeBatch(*s3backed, reqs, &resolver, &results);
  EXPECT_EQ(results[5].value.data, Html(5));
  EXPECT_EQ(resolver.stats().gets, 2u * kItems);
  EXPECT_EQ(resolver.stats().cache_hits, static_cast<uint64_t>(kItems));
}

TEST_F(S3ResolverTest, CacheIsBoundedBySize) {
  auto col =
      Declare(R"({"codec": "LargeAttribute", "bucket": ")" + bucket_ + R"(", "as": "text"})");
  std::vector<AttributeValue> stored;
  for (int i = 0; i < 4; ++i) stored.push_back(Write(*col, Ctx(i), std::string(1000, 'a' + i)));
  S3Resolver resolver(client_, S3Resolver::Options{2, 2500});  // room for two objects
  std::vector<std::string> uris;
  for (const auto& v : stored) uris.push_back(v.scalar());
  std::vector<FetchResult> results;
  for (const std::string& uri : uris) resolver.Fetch({uri}, &results);  // in order: LRU is known
  EXPECT_EQ(resolver.stats().gets, 4u);
  resolver.Fetch({uris[3], uris[2]}, &results);  // the two most recent are cached
  EXPECT_EQ(resolver.stats().gets, 4u);
  EXPECT_EQ(resolver.stats().cache_hits, 2u);
  resolver.Fetch({uris[0]}, &results);  // evicted long ago
  EXPECT_EQ(resolver.stats().gets, 5u);
  EXPECT_EQ(*results[0].body, std::string(1000, 'a'));
  // Duplicates within a batch are fetched once.
  resolver.ClearCache();
  resolver.ResetStats();
  resolver.Fetch({uris[1], uris[1], uris[1]}, &results);
  EXPECT_EQ(resolver.stats().gets, 1u);
  EXPECT_EQ(*results[2].body, std::string(1000, 'b'));
}

TEST_F(S3ResolverTest, MissingObjectIsNotFoundOtherFailuresAreNot) {
  S3Resolver resolver(client_, S3Resolver::Options{});
  std::vector<FetchResult> results;
  resolver.Fetch({"s3://" + bucket_ + "/no/such/key", "s3://" + bucket_, "hello",
                  "s3://" + test::UniqueBucketName("ddbsql-nobucket") + "/k"},
                 &results);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(results[0].status.IsNotFound()) << results[0].status.ToString();
  EXPECT_NE(results[0].status.ToString().find("no/such/key"), std::string::npos);
  EXPECT_EQ(results[1].status.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(results[2].status.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(results[2].status.ToString().find("not an S3 URI: 'hello'"), std::string::npos);
  EXPECT_FALSE(results[3].status.IsNotFound());
  EXPECT_EQ(results[3].status.aws_code(), "NoSuchBucket");
  EXPECT_EQ(resolver.stats().gets, 2u);
  EXPECT_EQ(resolver.stats().errors, 4u);

  // Through DecodeBatch the errors name the item.
  auto col = Declare(R"({"codec": "LargeAttribute", "bucket": ")" + bucket_ + R"("})");
  Context ctx = Ctx(7);
  AttributeValue stored = AttributeValue::S("s3://" + bucket_ + "/gone");
  std::vector<DecodeResult> decoded;
  DecodeBatch(*col, {{&ctx, &stored}}, &resolver, &decoded);
  EXPECT_TRUE(decoded[0].status.IsNotFound());
  EXPECT_NE(decoded[0].status.ToString().find("table pages, key (pk='page-7'), column html"),
            std::string::npos)
      << decoded[0].status.ToString();
}

TEST_F(S3ResolverTest, AccessDeniedIsAnAwsError) {
  test::FaultProxy proxy(*test::S3Url());
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
  ASSERT_TRUE(proxy.SetPlan({}, "denied"));
  S3Resolver resolver(NewClient(proxy.url()), S3Resolver::Options{});
  std::shared_ptr<const std::string> body;
  Status s = resolver.Get("s3://" + bucket_ + "/k", &body);
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(s.IsNotFound());
  EXPECT_EQ(s.aws_code(), "AccessDenied") << s.ToString();
  EXPECT_EQ(s.http_status(), 403);
}

TEST_F(S3ResolverTest, StartFetchCallsBackOnceAndADroppedGetEndsWithTheResolver) {
  auto col =
      Declare(R"({"codec": "LargeAttribute", "bucket": ")" + bucket_ + R"(", "as": "text"})");
  std::string uri = Write(*col, Ctx(1), "one").scalar();
  S3Resolver resolver(client_, S3Resolver::Options{});
  std::mutex mu;
  std::condition_variable cv;
  std::vector<FetchResult> got;
  auto done = [&](FetchResult r, bool) {
    std::lock_guard<std::mutex> lock(mu);
    got.push_back(std::move(r));
    cv.notify_all();
  };
  EXPECT_TRUE(resolver.StartFetch(uri, done));  // sent: answered on the loop's thread
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return got.size() == 1; });
  }
  ASSERT_TRUE(got[0].status.ok()) << got[0].status.ToString();
  EXPECT_EQ(*got[0].body, "one");
  EXPECT_FALSE(resolver.StartFetch(uri, done));  // the cache: answered before it returns
  EXPECT_FALSE(resolver.StartFetch("hello", done));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(*got[1].body, "one");
  EXPECT_EQ(got[2].status.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(resolver.stats().gets, 1u);
  EXPECT_EQ(resolver.stats().cache_hits, 1u);

  // A GET nobody waits for, against a server that never answers: the
  // resolver's end cancels it instead of waiting for the server.
  test::FaultProxy proxy(*test::S3Url());
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
  ASSERT_TRUE(proxy.SetPlan({}, "stall", 60));
  auto stalled = std::make_unique<S3Resolver>(NewClient(proxy.url()), S3Resolver::Options{});
  auto answered = std::make_shared<std::atomic<int>>(0);
  EXPECT_TRUE(stalled->StartFetch(uri, [answered](FetchResult r, bool) {
    EXPECT_EQ(r.status.code(), Status::Code::kCancelled) << r.status.ToString();
    ++*answered;
  }));
  auto start = std::chrono::steady_clock::now();
  stalled.reset();
  EXPECT_EQ(answered->load(), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

}  // namespace
}  // namespace ddb::codec
