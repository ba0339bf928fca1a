// s3_get, gunzip, zstd_decompress and decrypt on a plain SQLite connection
// (s3_get against moto).
#include "vtab/codec_functions.h"

#include <sqlite3.h>

#include <cstdlib>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "engine/aws/credentials.h"
#include "engine/codec/codec.h"
#include "engine/encoding.h"
#include "tests/support/emulators.h"

namespace ddb::vtab {
namespace {

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StmtFinalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

constexpr char kHexKey[] = "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";

class CodecFunctionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(":memory:", &raw), SQLITE_OK);
    db_.reset(raw);
    CodecFunctionSources sources;
    sources.resolver = [this] { return resolver_.get(); };
    sources.keys = keys_;
    sources.max_decoded_bytes = [this] { return max_decoded_bytes_; };
    Status s = RegisterCodecFunctions(db_.get(), sources);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Runs `sql` with blob parameters; the first column of the first row, or
  // the error message as "ERROR: ...".
  std::string One(const std::string& sql, const std::vector<std::string>& blobs = {}) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
      return std::string("ERROR: ") + sqlite3_errmsg(db_.get());
    }
    std::unique_ptr<sqlite3_stmt, StmtFinalize> stmt(raw);
    for (size_t i = 0; i < blobs.size(); ++i) {
      sqlite3_bind_blob(raw, static_cast<int>(i + 1), blobs[i].data(),
                        static_cast<int>(blobs[i].size()), SQLITE_TRANSIENT);
    }
    int rc = sqlite3_step(raw);
    if (rc != SQLITE_ROW) return std::string("ERROR: ") + sqlite3_errmsg(db_.get());
    if (sqlite3_column_type(raw, 0) == SQLITE_NULL) return "NULL";
    const void* p = sqlite3_column_blob(raw, 0);
    return std::string(static_cast<const char*>(p), sqlite3_column_bytes(raw, 0));
  }

  std::unique_ptr<sqlite3, DbClose> db_;
  std::shared_ptr<codec::KeyStore> keys_ = std::make_shared<codec::KeyStore>();
  std::unique_ptr<codec::S3Resolver> resolver_;
  size_t max_decoded_bytes_ = codec::kDefaultMaxDecodedBytes;  // `.maxvalue`
};

TEST_F(CodecFunctionsTest, Decompression) {
  std::string gz, zs;
  ASSERT_TRUE(codec::NewGzipCodec()->Encode({}, "hello gzip", &gz).ok());
  ASSERT_TRUE(codec::NewZstdCodec()->Encode({}, "hello zstd", &zs).ok());
  EXPECT_EQ(One("SELECT gunzip(?)", {gz}), "hello gzip");
  EXPECT_EQ(One("SELECT CAST(zstd_decompress(?) AS TEXT)", {zs}), "hello zstd");
  EXPECT_EQ(One("SELECT typeof(gunzip(?))", {gz}), "blob");
  EXPECT_EQ(One("SELECT gunzip(NULL)"), "NULL");
  EXPECT_EQ(One("SELECT gunzip(?)", {zs}), "ERROR: gunzip(): gzip: not gzip data (no gzip header)");
  EXPECT_EQ(One("SELECT zstd_decompress('nope')"),
            "ERROR: zstd_decompress(): zstd: not zstd data (no zstd frame header)");
}

TEST_F(CodecFunctionsTest, DecompressionStopsAtTheSessionsLimit) {
  std::string gz, zs;
  const std::string plain(4096, 'z');
  ASSERT_TRUE(codec::NewGzipCodec()->Encode({}, plain, &gz).ok());
  ASSERT_TRUE(codec::NewZstdCodec()->Encode({}, plain, &zs).ok());
  max_decoded_bytes_ = 1024;  // asked at each call: `.maxvalue 1K`
  EXPECT_EQ(One("SELECT gunzip(?)", {gz}),
            "ERROR: gunzip(): gzip: decompressed value larger than the limit of 1024 bytes");
  EXPECT_EQ(One("SELECT zstd_decompress(?)", {zs}),
            "ERROR: zstd_decompress(): zstd: decompressed value larger than the limit of 1024 "
            "bytes");
  max_decoded_bytes_ = 4096;
  EXPECT_EQ(One("SELECT gunzip(?)", {gz}), plain);
  EXPECT_EQ(One("SELECT zstd_decompress(?)", {zs}), plain);
}

TEST_F(CodecFunctionsTest, DecryptEverySchemeWithoutShowingKeys) {
  setenv("DDBSQL_TEST_FN_KEY", kHexKey, 1);
  setenv("DDBSQL_TEST_FN_PW", "my-password", 1);
  codec::KeyRef hex, pw;
  ASSERT_TRUE(codec::KeyRef::Parse("env:DDBSQL_TEST_FN_KEY", &hex).ok());
  ASSERT_TRUE(codec::KeyRef::Parse("env:DDBSQL_TEST_FN_PW", &pw).ok());
  auto store = std::make_shared<codec::KeyStore>();
  // A pynamodb_mate vector: EncryptedUnicodeAttribute, determinative, "my-password".
  std::string ecb;
  ASSERT_TRUE(Base64Decode("iRcXXa1Aq9rZE9nptcIsAkYrZ3hPi+tJiFtKPJDu3P8=", &ecb).ok());
  EXPECT_EQ(
      One("SELECT CAST(decrypt(?, 'pynamodb-mate-ecb', 'env:DDBSQL_TEST_FN_PW') AS TEXT)", {ecb}),
      "attack at 2PM tomorrow!");
  // ddbsql AEAD values carry their table, column and item key.
  codec::Context ctx{
      "orders",
      "card",
      {{"id", dynamodb::AttributeValue::S("o-1")}, {"n", dynamodb::AttributeValue::N("2")}}};
  for (codec::Scheme scheme : {codec::Scheme::kAes256Gcm, codec::Scheme::kAes256Siv}) {
    std::string sealed;
    ASSERT_TRUE(codec::NewCipherCodec(scheme, hex, store)->Encode(ctx, "4111", &sealed).ok());
    std::string name(codec::SchemeName(scheme));
    EXPECT_EQ(
        One("SELECT CAST(decrypt(?, '" + name +
                "', 'env:DDBSQL_TEST_FN_KEY', 'orders', 'card', '{\"id\": \"o-1\", \"n\": 2}') "
                "AS TEXT)",
            {sealed}),
        "4111");
    // GCM binds the item, SIV the table and column only.
    std::string wrong_item =
        One("SELECT decrypt(?, '" + name +
                "', 'env:DDBSQL_TEST_FN_KEY', 'orders', 'card', '{\"id\": \"o-2\", \"n\": 2}')",
            {sealed});
    std::string wrong_column =
        One("SELECT decrypt(?, '" + name +
                "', 'env:DDBSQL_TEST_FN_KEY', 'orders', 'note', '{\"id\": \"o-1\", \"n\": 2}')",
            {sealed});
    const std::string failed = "ERROR: decrypt(): " + name + ": authentication failed";
    EXPECT_EQ(wrong_item.find(failed) != std::string::npos, scheme == codec::Scheme::kAes256Gcm)
        << wrong_item;
    EXPECT_NE(wrong_column.find(failed), std::string::npos) << wrong_column;
    EXPECT_EQ(wrong_column.find(kHexKey), std::string::npos);
  }
  std::string literal = One("SELECT decrypt(x'00', 'aes-256-gcm', '" + std::string(kHexKey) + "')");
  EXPECT_NE(literal.find("a key must be a reference"), std::string::npos) << literal;
  EXPECT_EQ(literal.find(kHexKey), std::string::npos);
  EXPECT_NE(One("SELECT decrypt(x'00', 'rot13', 'env:X')").find("unknown scheme \"rot13\""),
            std::string::npos);
  EXPECT_EQ(One("SELECT decrypt(NULL, 'aes-256-gcm', 'env:X')"), "NULL");
}

TEST_F(CodecFunctionsTest, NotAllowedInViews) {
  ASSERT_EQ(sqlite3_exec(db_.get(), "CREATE VIEW v AS SELECT gunzip(x'00') AS g", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  std::string r = One("SELECT * FROM v");
  EXPECT_NE(r.find("unsafe use of gunzip()"), std::string::npos) << r;
}

TEST_F(CodecFunctionsTest, S3GetReadsObjectsFromS3) {
  EXPECT_EQ(One("SELECT s3_get('s3://b/k')"), "ERROR: s3_get(): S3 is not available");
  REQUIRE_S3();
  aws::Endpoint endpoint;
  ASSERT_TRUE(aws::ParseEndpointUrl(*test::S3Url(), &endpoint).ok());
  aws::Credentials creds;
  creds.access_key_id = "testing";
  creds.secret_access_key = "testing";
  auto client = std::make_shared<s3::S3Client>(
      endpoint, "us-east-1",
      std::shared_ptr<aws::CredentialsProvider>(aws::StaticCredentials(creds)),
      std::make_shared<aws::HttpClient>(), aws::RetryPolicy(), std::make_shared<aws::RetryQuota>());
  std::string bucket = test::UniqueBucketName("ddbsql-fn");
  ASSERT_TRUE(client->CreateBucket(bucket).ok());
  s3::PutObjectRequest put;
  put.bucket = bucket;
  put.key = "dir/obj.gz";
  ASSERT_TRUE(codec::NewGzipCodec()->Encode({}, "<html>from s3</html>", &put.body).ok());
  ASSERT_TRUE(client->PutObject(put).ok());
  resolver_ = std::make_unique<codec::S3Resolver>(client, codec::S3Resolver::Options{});

  EXPECT_EQ(One("SELECT CAST(gunzip(s3_get('s3://" + bucket + "/dir/obj.gz')) AS TEXT)"),
            "<html>from s3</html>");
  std::string missing = One("SELECT s3_get('s3://" + bucket + "/nope')");
  EXPECT_NE(missing.find("ERROR: s3_get(): s3://" + bucket + "/nope"), std::string::npos)
      << missing;
  EXPECT_NE(One("SELECT s3_get('http://x/y')").find("not an S3 URI: 'http://x/y'"),
            std::string::npos);
  EXPECT_EQ(resolver_->stats().gets, 2u);

  EXPECT_TRUE(client->DeleteObject(bucket, "dir/obj.gz").ok());
  EXPECT_TRUE(client->DeleteBucket(bucket).ok());
}

}  // namespace
}  // namespace ddb::vtab
