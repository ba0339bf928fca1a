#include "engine/s3/client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <set>

#include "engine/aws/config.h"
#include "engine/encoding.h"
#include "tests/support/emulators.h"

namespace ddb::s3 {
namespace {

// ---- Addressing, without a network ----

aws::Endpoint AwsEndpoint() {
  aws::Endpoint e;
  e.scheme = "https";
  e.host = "s3.us-west-2.amazonaws.com";
  return e;
}

aws::Endpoint CustomEndpoint() {
  aws::Endpoint e;
  e.scheme = "http";
  e.host = "127.0.0.1";
  e.port = 9000;
  e.custom = true;
  return e;
}

TEST(S3AddressingTest, VirtualHostableNames) {
  EXPECT_TRUE(IsVirtualHostable("my-bucket-01"));
  EXPECT_TRUE(IsVirtualHostable("abc"));
  EXPECT_FALSE(IsVirtualHostable("ab"));
  EXPECT_FALSE(IsVirtualHostable(std::string(64, 'a')));
  EXPECT_FALSE(IsVirtualHostable("my.bucket"));  // breaks the *.s3 TLS wildcard
  EXPECT_FALSE(IsVirtualHostable("MyBucket"));
  EXPECT_FALSE(IsVirtualHostable("my_bucket"));
  EXPECT_FALSE(IsVirtualHostable("-bucket"));
  EXPECT_FALSE(IsVirtualHostable("bucket-"));
}

TEST(S3AddressingTest, VirtualHostedOnAws) {
  aws::ServiceRequest req;
  SetAddress(AwsEndpoint(), AddressingStyle::kAuto, "my-bucket", "dir/a b.txt", &req);
  EXPECT_EQ(req.host_override, "my-bucket.s3.us-west-2.amazonaws.com");
  EXPECT_EQ(req.path, "/dir/a%20b.txt");

  SetAddress(AwsEndpoint(), AddressingStyle::kAuto, "my-bucket", "", &req);
  EXPECT_EQ(req.host_override, "my-bucket.s3.us-west-2.amazonaws.com");
  EXPECT_EQ(req.path, "/");
}

TEST(S3AddressingTest, PathStyleFallbacks) {
  aws::ServiceRequest req;
  SetAddress(AwsEndpoint(), AddressingStyle::kAuto, "my.dotted.bucket", "k", &req);
  EXPECT_EQ(req.host_override, "");
  EXPECT_EQ(req.path, "/my.dotted.bucket/k");

  SetAddress(AwsEndpoint(), AddressingStyle::kAuto, "Legacy_Bucket", "k", &req);
  EXPECT_EQ(req.host_override, "");
  EXPECT_EQ(req.path, "/Legacy_Bucket/k");

  SetAddress(CustomEndpoint(), AddressingStyle::kAuto, "my-bucket", "k/v", &req);
  EXPECT_EQ(req.host_override, "");
  EXPECT_EQ(req.path, "/my-bucket/k/v");

  SetAddress(CustomEndpoint(), AddressingStyle::kAuto, "my-bucket", "", &req);
  EXPECT_EQ(req.path, "/my-bucket");

  SetAddress(AwsEndpoint(), AddressingStyle::kPath, "my-bucket", "k", &req);
  EXPECT_EQ(req.host_override, "");
  EXPECT_EQ(req.path, "/my-bucket/k");

  // Forced virtual-hosted style on a custom endpoint (e.g. a MinIO domain).
  SetAddress(CustomEndpoint(), AddressingStyle::kVirtualHosted, "my-bucket", "k", &req);
  EXPECT_EQ(req.host_override, "my-bucket.127.0.0.1");
  EXPECT_EQ(req.path, "/k");
}

TEST(S3AddressingTest, KeysAreEncodedOncePerByte) {
  EXPECT_EQ(EncodeKey("a b"), "a%20b");
  EXPECT_EQ(EncodeKey("a+b=c"), "a%2Bb%3Dc");
  EXPECT_EQ(EncodeKey("tilde~-_.ok"), "tilde~-_.ok");
  EXPECT_EQ(EncodeKey("a//b/"), "a//b/");
  EXPECT_EQ(EncodeKey("/lead"), "/lead");
  EXPECT_EQ(EncodeKey("100%"), "100%25");
  EXPECT_EQ(EncodeKey("%20"), "%2520");  // a literal "%20" is not a space
  EXPECT_EQ(EncodeKey("q?x#y&z"), "q%3Fx%23y%26z");
  EXPECT_EQ(EncodeKey("\xE2\x82\xAC"), "%E2%82%AC");  // euro sign, UTF-8
  EXPECT_EQ(EncodeKey(std::string("\x01\x7F\xFF", 3)), "%01%7F%FF");

  aws::ServiceRequest req;
  SetAddress(CustomEndpoint(), AddressingStyle::kAuto, "b-1", "x/\xE6\x97\xA5 +", &req);
  EXPECT_EQ(req.path, "/b-1/x/%E6%97%A5%20%2B");
}

TEST(S3AddressingTest, ByteRangeHeader) {
  EXPECT_EQ((ByteRange{0, 99}).ToHeader(), "bytes=0-99");
  EXPECT_EQ((ByteRange{100, std::nullopt}).ToHeader(), "bytes=100-");
}

// ---- Error documents and checksums, without a network ----

aws::HttpResponse Response(long status, std::string body, aws::Headers headers = {}) {
  aws::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

TEST(S3ErrorTest, FromErrorDocument) {
  Status s = ParseS3Error(
      Response(404,
               "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist"
               "</Message><BucketName>nope</BucketName></Error>"));
  EXPECT_EQ(s.code(), Status::Code::kAwsError);
  EXPECT_EQ(s.aws_code(), "NoSuchBucket");
  EXPECT_EQ(s.message(), "The specified bucket does not exist");
  EXPECT_EQ(s.http_status(), 404);
}

TEST(S3ErrorTest, BodilessAnswersTakeTheirCodeFromTheStatus) {
  Status s = ParseS3Error(Response(404, ""));
  EXPECT_EQ(s.aws_code(), "NotFound");
  EXPECT_EQ(s.http_status(), 404);
  EXPECT_EQ(ParseS3Error(Response(403, "")).aws_code(), "Forbidden");
  EXPECT_EQ(ParseS3Error(Response(503, "")).http_status(), 503);
  EXPECT_FALSE(ParseS3Error(Response(418, "")).ok());
}

TEST(S3ErrorTest, WrongRegionNamesTheRegion) {
  Status s = ParseS3Error(Response(301, "", {{"x-amz-bucket-region", "eu-central-1"}}));
  EXPECT_EQ(s.aws_code(), "PermanentRedirect");
  EXPECT_NE(s.message().find("eu-central-1"), std::string::npos) << s.message();

  s = ParseS3Error(Response(400,
                            "<Error><Code>AuthorizationHeaderMalformed</Code><Message>The "
                            "authorization header is malformed</Message><Region>ap-south-1"
                            "</Region></Error>"));
  EXPECT_EQ(s.aws_code(), "AuthorizationHeaderMalformed");
  EXPECT_NE(s.message().find("ap-south-1"), std::string::npos) << s.message();

  // Other errors do not blame the region even though S3 sends the header.
  s = ParseS3Error(Response(403, "", {{"x-amz-bucket-region", "eu-central-1"}}));
  EXPECT_EQ(s.message().find("eu-central-1"), std::string::npos) << s.message();
}

TEST(S3ErrorTest, NonXmlBodyIsQuoted) {
  Status s = ParseS3Error(Response(502, "<html>\r\nBad Gateway\x01</html>"));
  EXPECT_EQ(s.aws_code(), "HTTP502");
  EXPECT_NE(s.message().find("Bad Gateway"), std::string::npos);
  EXPECT_EQ(s.message().find('\r'), std::string::npos);
  EXPECT_EQ(s.message().find('\x01'), std::string::npos);
}

TEST(S3ChecksumTest, VerifiesFullObjectChecksums) {
  const std::string body = "hello world";
  const std::string sha = Base64Encode(Sha256(body));
  EXPECT_TRUE(
      VerifyObjectChecksum(Response(200, body, {{"x-amz-checksum-sha256", sha}}), "s3://b/k").ok());
  Status s =
      VerifyObjectChecksum(Response(200, body + "!", {{"x-amz-checksum-sha256", sha}}), "s3://b/k");
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.ToString().find("s3://b/k"), std::string::npos);

  // CRC32 of "hello world" is 0x0d4a1185.
  EXPECT_TRUE(
      VerifyObjectChecksum(Response(200, body, {{"x-amz-checksum-crc32", "DUoRhQ=="}}), "c").ok());
  EXPECT_FALSE(
      VerifyObjectChecksum(Response(200, "x", {{"x-amz-checksum-crc32", "DUoRhQ=="}}), "c").ok());

  // Composite checksums of multipart uploads are not over the object's bytes.
  EXPECT_TRUE(
      VerifyObjectChecksum(Response(200, "x", {{"x-amz-checksum-sha256", sha + "-3"}}), "c").ok());
  EXPECT_TRUE(VerifyObjectChecksum(
                  Response(200, "x",
                           {{"x-amz-checksum-sha256", sha}, {"x-amz-checksum-type", "COMPOSITE"}}),
                  "c")
                  .ok());
  EXPECT_TRUE(VerifyObjectChecksum(Response(200, "x", {}), "c").ok());
}

// ---- Against an S3 emulator (moto_server) ----

GetObjectRequest Get(std::string bucket, std::string key,
                     std::optional<ByteRange> range = std::nullopt) {
  GetObjectRequest req;
  req.bucket = std::move(bucket);
  req.key = std::move(key);
  req.range = range;
  return req;
}

ListRequest List(std::string bucket, std::string prefix = "", std::string delimiter = "",
                 int max_keys = 0) {
  ListRequest req;
  req.bucket = std::move(bucket);
  req.prefix = std::move(prefix);
  req.delimiter = std::move(delimiter);
  req.max_keys = max_keys;
  return req;
}

std::string EnvOr(const char* name, std::string fallback = "") {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : fallback;
}

class S3IntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = EnvOr("DDBSQL_TEST_S3_URL");
    if (url_.empty()) {
      if (EnvOr("DDBSQL_REQUIRE_EMULATORS") == "1") {
        FAIL() << "DDBSQL_TEST_S3_URL is not set";
      }
      GTEST_SKIP() << "DDBSQL_TEST_S3_URL is not set";
    }
    client_ = NewClient("us-east-1");
    ASSERT_NE(client_, nullptr);
    bucket_ = UniqueName("ddbsql-s3-test");
    Status s = client_->CreateBucket(bucket_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void TearDown() override {
    if (client_ == nullptr || bucket_.empty()) return;
    std::vector<ObjectSummary> objects;
    if (client_->ListAllObjects(List(bucket_), &objects).ok()) {
      std::vector<std::string> keys;
      for (const auto& o : objects) keys.push_back(o.key);
      EXPECT_TRUE(client_->DeleteObjects(bucket_, keys).ok());
    }
    EXPECT_TRUE(client_->DeleteBucket(bucket_).ok());
  }

  std::unique_ptr<S3Client> NewClient(const std::string& region,
                                      AddressingStyle style = AddressingStyle::kAuto,
                                      const std::string& host = "") {
    aws::Endpoint endpoint;
    Status s = aws::ParseEndpointUrl(url_, &endpoint);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return nullptr;
    if (!host.empty()) endpoint.host = host;
    aws::Credentials creds;
    creds.access_key_id = "testing";
    creds.secret_access_key = "testing";
    aws::RetryPolicy policy;
    policy.max_attempts = 2;
    policy.base_delay = std::chrono::milliseconds(10);
    return std::make_unique<S3Client>(
        endpoint, region, std::shared_ptr<aws::CredentialsProvider>(aws::StaticCredentials(creds)),
        http_, policy, std::make_shared<aws::RetryQuota>(), style);
  }

  static std::string UniqueName(const std::string& prefix) {
    std::random_device rd;
    return prefix + "-" + std::to_string(rd() % 1000000000);
  }

  Status Put(const std::string& key, const std::string& body) {
    PutObjectRequest req;
    req.bucket = bucket_;
    req.key = key;
    req.body = body;
    return client_->PutObject(req);
  }

  std::vector<std::string> ListKeys(const std::string& prefix = "") {
    std::vector<ObjectSummary> objects;
    Status s = client_->ListAllObjects(List(bucket_, prefix), &objects);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::vector<std::string> keys;
    for (const auto& o : objects) keys.push_back(o.key);
    return keys;
  }

  std::string url_;
  std::shared_ptr<aws::HttpClient> http_ = std::make_shared<aws::HttpClient>();
  std::unique_ptr<S3Client> client_;
  std::string bucket_;
};

std::string BinaryBody(size_t size) {
  std::mt19937 rng(42);
  std::string body(size, '\0');
  for (size_t i = 0; i < size; ++i) body[i] = static_cast<char>(rng() & 0xFF);
  for (size_t i = 0; i < 256 && i < size; ++i) body[i] = static_cast<char>(i);  // NULs included
  return body;
}

TEST_F(S3IntegrationTest, PutGetRoundTripOfBinaryData) {
  const std::string body = BinaryBody(1 << 20);
  PutObjectRequest put;
  put.bucket = bucket_;
  put.key = "blobs/one";
  put.body = body;
  PutObjectResult put_result;
  Status s = client_->PutObject(put, &put_result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(put_result.etag, HexEncode(Md5(body)));

  std::string got;
  ObjectInfo info;
  s = client_->GetObject(Get(bucket_, "blobs/one"), &got, &info);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(got.size(), body.size());
  EXPECT_TRUE(got == body);
  EXPECT_EQ(info.content_length, body.size());
  EXPECT_EQ(info.object_size, body.size());
  EXPECT_EQ(info.etag, HexEncode(Md5(body)));
  EXPECT_EQ(info.content_type, "application/octet-stream");
}

// The codec's MD5 of a body (S3Upload::body_md5) is sent instead of hashing
// it again. A digest of other bytes never passes for a good upload: S3
// refuses it (Content-MD5: BadDigest); moto stores it, and the ETag check
// (the server's MD5 of what it got) fails the write.
TEST_F(S3IntegrationTest, AGivenBodyMd5IsSentAndChecked) {
  const std::string body = BinaryBody(64 << 10);
  PutObjectRequest put;
  put.bucket = bucket_;
  put.key = "blobs/given-md5";
  put.body = body;
  put.body_md5 = Md5(body);
  PutObjectResult result;
  Status s = client_->PutObject(put, &result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(result.etag, HexEncode(Md5(body)));
  std::string got;
  ASSERT_TRUE(client_->GetObject(Get(bucket_, "blobs/given-md5"), &got, nullptr).ok());
  EXPECT_TRUE(got == body);

  put.key = "blobs/wrong-md5";
  put.body_md5 = Md5("other bytes");
  s = client_->PutObject(put);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.aws_code() == "BadDigest" || s.code() == Status::Code::kCorruption) << s.ToString();
  EXPECT_NE(s.ToString().find("blobs/wrong-md5"), std::string::npos) << s.ToString();
}

TEST_F(S3IntegrationTest, EmptyObject) {
  ASSERT_TRUE(Put("empty", "").ok());
  std::string got = "stale";
  ObjectInfo info;
  Status s = client_->GetObject(Get(bucket_, "empty"), &got, &info);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(got, "");
  EXPECT_EQ(info.object_size, 0u);
}

TEST_F(S3IntegrationTest, RangeGet) {
  const std::string body = BinaryBody(1000);
  ASSERT_TRUE(Put("ranged", body).ok());
  std::string got;
  ObjectInfo info;
  Status s = client_->GetObject(Get(bucket_, "ranged", ByteRange{10, 19}), &got, &info);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(got, body.substr(10, 10));
  EXPECT_EQ(info.content_length, 10u);
  EXPECT_EQ(info.object_size, 1000u);

  s = client_->GetObject(Get(bucket_, "ranged", ByteRange{990, {}}), &got);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(got, body.substr(990));

  s = client_->GetObject(Get(bucket_, "ranged", ByteRange{5000, {}}), &got);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.http_status(), 416) << s.ToString();
}

TEST_F(S3IntegrationTest, MetadataAndContentTypeRoundTrip) {
  PutObjectRequest put;
  put.bucket = bucket_;
  put.key = "meta";
  put.body = "{\"a\":1}";
  put.content_type = "application/json";
  put.metadata = {{"Codec", "gzip+aes"}, {"sha", "abc def"}};
  Status s = client_->PutObject(put);
  ASSERT_TRUE(s.ok()) << s.ToString();

  ObjectInfo info;
  s = client_->HeadObject(bucket_, "meta", &info);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(info.content_length, put.body.size());
  EXPECT_EQ(info.content_type, "application/json");
  EXPECT_EQ(info.etag, HexEncode(Md5(put.body)));
  Metadata expected = {{"codec", "gzip+aes"}, {"sha", "abc def"}};
  EXPECT_EQ(info.metadata, expected);

  std::string got;
  ObjectInfo get_info;
  ASSERT_TRUE(client_->GetObject(Get(bucket_, "meta"), &got, &get_info).ok());
  EXPECT_EQ(get_info.metadata, expected);
}

TEST_F(S3IntegrationTest, InvalidMetadataIsRejectedBeforeSending) {
  PutObjectRequest put;
  put.bucket = bucket_;
  put.key = "bad-meta";
  put.metadata = {{"k", "line\r\nx-injected: 1"}};
  EXPECT_EQ(client_->PutObject(put).code(), Status::Code::kInvalidArgument);
  put.metadata = {{"caf\xC3\xA9", "v"}};
  EXPECT_EQ(client_->PutObject(put).code(), Status::Code::kInvalidArgument);
  put.metadata = {{"A", "1"}, {"a", "2"}};
  EXPECT_EQ(client_->PutObject(put).code(), Status::Code::kInvalidArgument);
  ObjectInfo info;
  EXPECT_TRUE(client_->HeadObject(bucket_, "bad-meta", &info).IsNotFound());
}

TEST_F(S3IntegrationTest, MissingObjectIsNotFoundNamingBucketAndKey) {
  std::string got;
  Status s = client_->GetObject(Get(bucket_, "no/such key"), &got);
  ASSERT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_EQ(s.ToString(), "s3://" + bucket_ + "/no/such key: The specified key does not exist.");

  ObjectInfo info;
  s = client_->HeadObject(bucket_, "no/such key", &info);
  ASSERT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(s.ToString().find("s3://" + bucket_ + "/no/such key"), std::string::npos);

  // Deleting what does not exist succeeds, as in S3.
  EXPECT_TRUE(client_->DeleteObject(bucket_, "no/such key").ok());
}

TEST_F(S3IntegrationTest, MissingBucket) {
  const std::string missing = UniqueName("ddbsql-missing");
  std::string got;
  Status s = client_->GetObject(Get(missing, "k"), &got);
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(s.IsNotFound());  // a missing bucket is a configuration error, not a missing object
  EXPECT_EQ(s.aws_code(), "NoSuchBucket") << s.ToString();
  EXPECT_NE(s.ToString().find("s3://" + missing + "/k: NoSuchBucket: "), std::string::npos)
      << s.ToString();

  s = Put("k", "v");
  ASSERT_TRUE(s.ok()) << s.ToString();
  PutObjectRequest put;
  put.bucket = missing;
  put.key = "k";
  EXPECT_EQ(client_->PutObject(put).aws_code(), "NoSuchBucket");

  EXPECT_TRUE(client_->HeadBucket(missing).IsNotFound());
  EXPECT_TRUE(client_->HeadBucket(bucket_).ok());
  ListPage page;
  EXPECT_EQ(client_->ListObjectsV2(List(missing), &page).aws_code(), "NoSuchBucket");
}

TEST_F(S3IntegrationTest, InvalidArgumentsFailBeforeSending) {
  std::string got;
  EXPECT_EQ(client_->GetObject(Get(bucket_, ""), &got).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(client_->GetObject(Get("a/b", "k"), &got).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(client_->GetObject(Get(bucket_, "k", ByteRange{5, 4}), &got).code(),
            Status::Code::kInvalidArgument);
}

TEST_F(S3IntegrationTest, ListPagesWithContinuationTokens) {
  std::vector<std::string> keys;
  for (int i = 0; i < 7; ++i) keys.push_back("page/k" + std::to_string(i));
  for (const auto& k : keys) ASSERT_TRUE(Put(k, k).ok());
  ASSERT_TRUE(Put("other", "x").ok());

  ListPage page;
  Status s = client_->ListObjectsV2(List(bucket_, "page/", "", 2), &page);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(page.objects.size(), 2u);
  EXPECT_TRUE(page.is_truncated);
  EXPECT_FALSE(page.next_continuation_token.empty());
  EXPECT_EQ(page.objects[0].key, "page/k0");
  EXPECT_EQ(page.objects[0].size, 7u);
  EXPECT_EQ(page.objects[0].etag, HexEncode(Md5("page/k0")));

  int pages = 0;
  std::vector<std::string> seen;
  s = client_->ListAllPages(List(bucket_, "page/", "", 2), [&](const ListPage& p, bool*) {
    ++pages;
    for (const auto& o : p.objects) seen.push_back(o.key);
    return Status::OK();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(pages, 4);
  EXPECT_EQ(seen, keys);

  // Stopping early.
  pages = 0;
  s = client_->ListAllPages(List(bucket_, "", "", 2), [&](const ListPage&, bool* more) {
    *more = ++pages < 2;
    return Status::OK();
  });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(pages, 2);

  // A callback's error ends the listing and is returned.
  s = client_->ListAllPages(List(bucket_, "", "", 2),
                            [&](const ListPage&, bool*) { return Status::Cancelled(); });
  EXPECT_TRUE(s.IsCancelled());
}

TEST_F(S3IntegrationTest, ListWithDelimiter) {
  for (const char* k : {"d/a", "d/b", "d/e/f", "top"}) ASSERT_TRUE(Put(k, "x").ok());
  std::vector<ObjectSummary> objects;
  std::vector<std::string> prefixes;
  Status s = client_->ListAllObjects(List(bucket_, "", "/"), &objects, &prefixes);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].key, "top");
  EXPECT_EQ(prefixes, std::vector<std::string>{"d/"});

  s = client_->ListAllObjects(List(bucket_, "d/", "/"), &objects, &prefixes);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(objects.size(), 2u);
  EXPECT_EQ(prefixes, std::vector<std::string>{"d/e/"});
}

// Keys that trip up encoders: each must be stored under exactly these bytes.
const std::vector<std::string>& AwkwardKeys() {
  static const std::vector<std::string> keys = {
      "with space",
      "plus+sign",
      "equals=sign&amp",
      "tilde~star*",
      "euro-\xE2\x82\xAC-\xE6\x97\xA5\xE6\x9C\xAC",
      "a//double//slash",
      "q?mark#hash",
      "pct%20literal",
      "trailing/",
      "/leading",
      "semi;colon,comma'quote\"",
      "<tag>",
      "dot/./seg",
      "up/../seg",
      "  spaces  ",
  };
  return keys;
}

TEST_F(S3IntegrationTest, AwkwardKeysRoundTrip) {
  for (const auto& key : AwkwardKeys()) {
    Status s = Put(key, "body of " + key);
    ASSERT_TRUE(s.ok()) << key << ": " << s.ToString();
  }
  for (const auto& key : AwkwardKeys()) {
    std::string got;
    Status s = client_->GetObject(Get(bucket_, key), &got);
    ASSERT_TRUE(s.ok()) << key << ": " << s.ToString();
    EXPECT_EQ(got, "body of " + key);
  }
  std::vector<std::string> expected = AwkwardKeys();
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(ListKeys(), expected);
}

// Reads the bucket's keys with boto3, a client nobody here wrote, and returns
// them (hex-encoded on the wire so any byte survives). Empty optional when
// boto3 is unavailable.
std::optional<std::vector<std::string>> ListWithBoto3(const std::string& url,
                                                      const std::string& bucket) {
  std::string cmd =
      "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 "
      "python3 -c '\n"
      "import sys\n"
      "try:\n"
      "    import boto3\n"
      "except ImportError:\n"
      "    print(\"NO-BOTO3\"); sys.exit(0)\n"
      "s3 = boto3.client(\"s3\", endpoint_url=sys.argv[1])\n"
      "for page in s3.get_paginator(\"list_objects_v2\").paginate(Bucket=sys.argv[2]):\n"
      "    for o in page.get(\"Contents\", []):\n"
      "        print(o[\"Key\"].encode(\"utf-8\").hex())\n"
      "' '" +
      url + "' '" + bucket + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe.get())) > 0) out.append(buf, n);
  if (out.rfind("NO-BOTO3", 0) == 0) return std::nullopt;
  std::vector<std::string> keys;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t nl = out.find('\n', pos);
    std::string hex = out.substr(pos, nl - pos);
    pos = nl == std::string::npos ? out.size() : nl + 1;
    std::string key;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
      key.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    keys.push_back(key);
  }
  return keys;
}

TEST_F(S3IntegrationTest, AwkwardKeysAsAnotherClientSeesThem) {
  for (const auto& key : AwkwardKeys()) ASSERT_TRUE(Put(key, "x").ok()) << key;
  std::optional<std::vector<std::string>> keys = ListWithBoto3(url_, bucket_);
  REQUIRE_INSTALLED(keys.has_value(), "boto3");
  std::vector<std::string> expected = AwkwardKeys();
  std::sort(expected.begin(), expected.end());
  std::sort(keys->begin(), keys->end());
  EXPECT_EQ(*keys, expected);
}

TEST_F(S3IntegrationTest, DeleteObjectAndDeleteObjects) {
  ASSERT_TRUE(Put("single", "x").ok());
  ASSERT_TRUE(client_->DeleteObject(bucket_, "single").ok());
  ObjectInfo info;
  EXPECT_TRUE(client_->HeadObject(bucket_, "single", &info).IsNotFound());

  // XML-special characters travel escaped; a control character XML cannot
  // carry goes through DeleteObject instead; a missing key is no error.
  std::vector<std::string> keys = {"del/a&b", "del/<c>", "del/q\"'", "del/plain", "del/bell\x07"};
  for (const auto& k : keys) ASSERT_TRUE(Put(k, "x").ok()) << k;
  ASSERT_TRUE(Put("keep", "x").ok());
  keys.push_back("del/never-existed");
  DeleteObjectsResult result;
  Status s = client_->DeleteObjects(bucket_, keys, &result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(result.deleted, keys.size());
  EXPECT_TRUE(result.errors.empty());
  EXPECT_EQ(ListKeys(), std::vector<std::string>{"keep"});

  EXPECT_TRUE(client_->DeleteObjects(bucket_, {}).ok());
  EXPECT_EQ(client_->DeleteObjects(bucket_, {"x", ""}).code(), Status::Code::kInvalidArgument);
}

TEST_F(S3IntegrationTest, DeleteObjectsBatchesAThousandKeysPerRequest) {
  // Keys need not exist to be deleted, so a large batch costs no uploads.
  std::vector<std::string> keys;
  for (int i = 0; i < 2500; ++i) keys.push_back("batch/" + std::to_string(10000 + i));
  // Real objects on both sides of the first batch boundary.
  ASSERT_TRUE(Put(keys[999], "x").ok());
  ASSERT_TRUE(Put(keys[1000], "x").ok());
  ASSERT_TRUE(Put("keep", "x").ok());
  const uint64_t before = client_->aws().counters().requests.load();
  DeleteObjectsResult result;
  Status s = client_->DeleteObjects(bucket_, keys, &result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(client_->aws().counters().requests.load() - before, 3u);
  EXPECT_EQ(result.deleted, keys.size());
  EXPECT_EQ(ListKeys(), std::vector<std::string>{"keep"});
}

TEST_F(S3IntegrationTest, DeleteObjectsReportsFailures) {
  // Deleting from a bucket that does not exist fails as a whole.
  DeleteObjectsResult result;
  Status s = client_->DeleteObjects(UniqueName("ddbsql-missing"), {"a", "b"}, &result);
  EXPECT_EQ(s.aws_code(), "NoSuchBucket") << s.ToString();
  EXPECT_EQ(result.deleted, 0u);

  // Keys deleted one by one (XML cannot carry them) fail one by one: each
  // failure is reported and the whole call fails, naming the first key.
  const std::string missing = UniqueName("ddbsql-missing");
  s = client_->DeleteObjects(missing,
                             {"bell\x07"
                              "a",
                              "bell\x07"
                              "b"},
                             &result);
  EXPECT_EQ(s.aws_code(), "NoSuchBucket");
  EXPECT_NE(s.ToString().find("s3://" + missing +
                              ": NoSuchBucket: 2 of 2 objects not deleted; "
                              "first: s3://" +
                              missing +
                              "/bell\x07"
                              "a: "),
            std::string::npos)
      << s.ToString();
  ASSERT_EQ(result.errors.size(), 2u);
  EXPECT_EQ(result.errors[1].key,
            "bell\x07"
            "b");
  EXPECT_EQ(result.errors[1].code, "NoSuchBucket");
  EXPECT_EQ(result.deleted, 0u);
}

TEST_F(S3IntegrationTest, ChecksumIsStoredAndVerified) {
  PutObjectRequest put;
  put.bucket = bucket_;
  put.key = "summed";
  put.body = BinaryBody(5000);
  ASSERT_TRUE(client_->PutObject(put).ok());
  // Ask S3 directly whether it kept the SHA-256 we sent.
  aws::ServiceRequest req;
  req.method = "HEAD";
  SetAddress(client_->aws().endpoint(), AddressingStyle::kAuto, bucket_, "summed", &req);
  req.headers.emplace_back("x-amz-checksum-mode", "ENABLED");
  aws::HttpResponse resp;
  ASSERT_TRUE(client_->aws().Call(req, &resp).ok());
  EXPECT_EQ(aws::FindHeader(resp.headers, "x-amz-checksum-sha256"), Base64Encode(Sha256(put.body)));

  std::string got;
  ASSERT_TRUE(client_->GetObject(Get(bucket_, "summed"), &got).ok());
  EXPECT_TRUE(got == put.body);
}

TEST_F(S3IntegrationTest, VirtualHostedAddressing) {
  // moto_server serves BUCKET.localhost, and curl resolves *.localhost to the
  // loopback address, so virtual-hosted requests can reach a local emulator.
  aws::Endpoint endpoint;
  ASSERT_TRUE(aws::ParseEndpointUrl(url_, &endpoint).ok());
  if (endpoint.host != "127.0.0.1" && endpoint.host != "localhost") {
    GTEST_SKIP() << "the emulator is not on the loopback address";
  }
  std::unique_ptr<S3Client> vhost =
      NewClient("us-east-1", AddressingStyle::kVirtualHosted, "localhost");
  ASSERT_NE(vhost, nullptr);
  const std::string key = "v h/\xE2\x82\xAC+=";
  PutObjectRequest put;
  put.bucket = bucket_;
  put.key = key;
  put.body = "virtual";
  Status s = vhost->PutObject(put);
  ASSERT_TRUE(s.ok()) << s.ToString();

  // The path-style client sees the same object under the same key.
  std::string got;
  s = client_->GetObject(Get(bucket_, key), &got);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(got, "virtual");
  s = vhost->GetObject(Get(bucket_, key), &got);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(got, "virtual");
  std::vector<ObjectSummary> objects;
  ASSERT_TRUE(vhost->ListAllObjects(List(bucket_), &objects).ok());
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].key, key);
  EXPECT_TRUE(vhost->DeleteObjects(bucket_, {key}).ok());
  EXPECT_TRUE(ListKeys().empty());
}

TEST_F(S3IntegrationTest, CreateBucketIsIdempotentAndHonoursTheRegion) {
  EXPECT_TRUE(client_->CreateBucket(bucket_).ok());

  std::unique_ptr<S3Client> eu = NewClient("eu-west-1");
  ASSERT_NE(eu, nullptr);
  const std::string eu_bucket = UniqueName("ddbsql-s3-eu");
  Status s = eu->CreateBucket(eu_bucket);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(eu->CreateBucket(eu_bucket).ok());  // BucketAlreadyOwnedByYou

  // The bucket's location, as S3 reports it.
  aws::ServiceRequest req;
  req.method = "GET";
  SetAddress(eu->aws().endpoint(), AddressingStyle::kAuto, eu_bucket, "", &req);
  req.query = "location=";
  aws::HttpResponse resp;
  ASSERT_TRUE(eu->aws().Call(req, &resp).ok());
  EXPECT_NE(resp.body.find("eu-west-1"), std::string::npos) << resp.body;
  EXPECT_TRUE(eu->DeleteBucket(eu_bucket).ok());
}

}  // namespace
}  // namespace ddb::s3
