// Column: stored forms, S3 object layouts, legacy encoding and page decoding
// (with an in-process fetcher; s3_resolver_test.cc runs against moto).
#include "engine/codec/column.h"

#include <map>

#include <gtest/gtest.h>

#include "engine/codec/catalog.h"
#include "engine/encoding.h"

namespace ddb::codec {
namespace {

using dynamodb::AttributeValue;

std::shared_ptr<const Column> Declare(const std::string& decl,
                                      std::shared_ptr<KeyStore> keys = nullptr) {
  Catalog c(keys ? keys : std::make_shared<KeyStore>());
  std::shared_ptr<const Column> col;
  Status s = c.ParseColumn("pages", "html", decl, "test", &col);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return col;
}

// Serves objects from a map, counting calls.
class MapFetcher : public BatchFetcher {
 public:
  void Fetch(const std::vector<std::string>& uris, std::vector<FetchResult>* results) override {
    ++calls;
    fetched += uris.size();
    results->clear();
    for (const std::string& uri : uris) {
      auto it = objects.find(uri);
      if (it == objects.end()) {
        results->push_back(
            {Status::NotFound(uri + ": The specified key does not exist."), nullptr});
      } else {
        results->push_back({Status::OK(), std::make_shared<const std::string>(it->second)});
      }
    }
  }
  std::map<std::string, std::string> objects;
  int calls = 0;
  size_t fetched = 0;
};

Context Ctx(const std::string& pk, const std::string& sk = "") {
  Context ctx{"pages", "html", {{"pk", AttributeValue::S(pk)}}};
  if (!sk.empty()) ctx.key.push_back({"sk", AttributeValue::N(sk)});
  return ctx;
}

TEST(ColumnTest, S3BackedLayoutMatchesPynamoDbMate5) {
  auto col = Declare(R"({"codec": "S3BackedBigTextAttribute", "bucket": "bkt"})");
  EncodedValue enc;
  ASSERT_TRUE(col->Encode(Ctx("p1"), PlainValue::Text("<html>hi</html>"), {}, &enc).ok());
  ASSERT_TRUE(enc.upload);
  // fingerprint = sha256 hex of the text's UTF-8 bytes, before gzip.
  std::string fp = HexEncode(Sha256("<html>hi</html>"));
  EXPECT_EQ(enc.upload->key, "pynamodb-mate/s3backed/" + fp);
  EXPECT_EQ(enc.upload->uri, "s3://bkt/pynamodb-mate/s3backed/" + fp);
  EXPECT_EQ(enc.stored, AttributeValue::S(enc.upload->uri));
  EXPECT_EQ(enc.upload->body.substr(0, 2), "\x1f\x8b");  // compressed=true by default
  EXPECT_TRUE(enc.upload->metadata.empty());
  PlainValue back;
  ASSERT_TRUE(col->Decode(Ctx("p1"), enc.stored, enc.upload->body, &back).ok());
  EXPECT_EQ(back.data, "<html>hi</html>");

  auto custom = Declare(
      R"({"codec": "S3BackedBinaryAttribute", "bucket": "b", "key_template": "x/{{raw}}/{fingerprint}.bin", "compressed": false})");
  ASSERT_TRUE(custom->Encode(Ctx("p1"), PlainValue::Blob("\x01\x02"), {}, &enc).ok());
  EXPECT_EQ(enc.upload->key, "x/{raw}/" + HexEncode(Sha256("\x01\x02")) + ".bin");
  EXPECT_EQ(enc.upload->body, "\x01\x02");
  // Named from the plain value: that digest is not the body's, none is passed on.
  EXPECT_TRUE(enc.upload->body_sha256.empty());
}

TEST(ColumnTest, AKeyTemplateOfTheStoredBytesPassesItsDigestToTheUpload) {
  auto col = Declare(
      R"({"chain": ["s3", "zstd"], "bucket": "b", "key_template": "t/{fingerprint}", "as": "text"})");
  EncodedValue enc;
  ASSERT_TRUE(col->Encode(Ctx("p1"), PlainValue::Text("hello hello hello"), {}, &enc).ok());
  ASSERT_TRUE(enc.upload);
  // The fingerprint is the SHA-256 of the stored (compressed) bytes, and the
  // upload reuses it (x-amz-checksum-sha256, the signed payload hash).
  EXPECT_EQ(enc.upload->body_sha256, Sha256(enc.upload->body));
  EXPECT_EQ(enc.upload->key, "t/" + HexEncode(enc.upload->body_sha256));
}

TEST(ColumnTest, LargeAttributeLayoutMatchesPynamoDbMate6) {
  auto col = Declare(
      R"({"codec": "LargeAttribute", "bucket": "bkt", "prefix": "large/pages/", "as": "text"})");
  EncodedValue enc;
  WriteOptions opts;
  opts.update_at = "2024-01-02T03:04:05.000006+00:00";
  ASSERT_TRUE(col->Encode(Ctx("p/1", "10.0"), PlainValue::Text("body"), opts, &enc).ok());
  ASSERT_TRUE(enc.upload);
  EXPECT_EQ(enc.upload->key, "large/pages/pk=p/1/sk=10/attr=html/md5=" + HexEncode(Md5("body")));
  EXPECT_EQ(enc.upload->body, "body");
  EXPECT_EQ(enc.upload->metadata,
            (s3::Metadata{{"pk", "p/1"},
                          {"sk", "10"},
                          {"attr", "html"},
                          {"update_at", "2024-01-02T03:04:05.000006+00:00"}}));
  // No prefix, no sort key.
  auto bare = Declare(R"({"codec": "LargeAttribute", "bucket": "bkt"})");
  ASSERT_TRUE(bare->Encode(Ctx("a"), PlainValue::Blob("x"), {}, &enc).ok());
  EXPECT_EQ(enc.upload->key, "pk=a/attr=html/md5=" + HexEncode(Md5("x")));
  EXPECT_EQ(enc.upload->metadata.count("sk"), 0u);
  EXPECT_EQ(enc.upload->metadata.at("update_at").size(), 32u);  // isoformat with micros and tz
  // The layout needs the item's key.
  Status s = bare->Encode(Context{"pages", "html", {}}, PlainValue::Blob("x"), {}, &enc);
  EXPECT_FALSE(s.ok());
}

TEST(ColumnTest, ChainWithS3UsesTheLargeAttributeLayoutOfTheStoredBytes) {
  auto keys = std::make_shared<KeyStore>();
  KeyRef ref;
  ASSERT_TRUE(KeyRef::Parse("env:K", &ref).ok());
  keys->Set(ref, "0000000000000000000000000000000000000000000000000000000000000000");
  auto col = Declare(
      R"({"chain": ["s3", "zstd", {"aead": "aes-256-gcm", "key": "env:K"}], "bucket": "b", "prefix": "p", "as": "json"})",
      keys);
  EncodedValue enc;
  ASSERT_TRUE(col->Encode(Ctx("o1"), PlainValue::Text(R"({"a":1})"), {}, &enc).ok());
  EXPECT_EQ(enc.upload->key, "p/pk=o1/attr=html/md5=" + HexEncode(Md5(enc.upload->body)));
  PlainValue back;
  ASSERT_TRUE(col->Decode(Ctx("o1"), enc.stored, enc.upload->body, &back).ok());
  EXPECT_EQ(back.data, R"({"a": 1})");  // json.dumps form
  // Bound to the item: the same object read for another item fails.
  Status s = col->Decode(Ctx("o2"), enc.stored, enc.upload->body, &back);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("table pages, key (pk='o2'), column html"), std::string::npos)
      << s.ToString();
}

TEST(ColumnTest, LegacyEncodingIsBase64InsideB) {
  auto col = Declare(R"({"codec": "CompressedUnicodeAttribute", "legacy_encoding": true})");
  EncodedValue enc;
  ASSERT_TRUE(col->Encode(Ctx("a"), PlainValue::Text("old"), {}, &enc).ok());
  std::string gz;
  ASSERT_TRUE(Base64Decode(enc.stored.scalar(), &gz).ok());
  EXPECT_EQ(gz.substr(0, 2), "\x1f\x8b");
  PlainValue back;
  ASSERT_TRUE(col->Decode(Ctx("a"), enc.stored, {}, &back).ok());
  EXPECT_EQ(back.data, "old");
  // Without legacy_encoding the same stored value is not gzip.
  auto modern = Declare(R"({"codec": "CompressedUnicodeAttribute"})");
  Status s = modern->Decode(Ctx("a"), enc.stored, {}, &back);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not gzip data"), std::string::npos) << s.ToString();
}

TEST(ColumnTest, WrongStoredTypesAreErrorsNamingTheValue) {
  auto col = Declare(R"({"codec": "CompressedUnicodeAttribute"})");
  PlainValue v;
  Status s = col->Decode(Ctx("k1"), AttributeValue::S("plain"), {}, &v);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(),
            "table pages, key (pk='k1'), column html: expected a binary (B) value, found S");
  EXPECT_TRUE(col->Decode(Ctx("k1"), AttributeValue::Null(), {}, &v).ok());
  EXPECT_EQ(v.type, PlainValue::Type::kNull);
  auto s3col = Declare(R"({"codec": "LargeAttribute", "bucket": "b"})");
  std::string uri;
  s = s3col->ObjectUri(Ctx("k1"), AttributeValue::S("https://example.com/x"), &uri);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.ToString().find("column html: not an S3 URI: 'https://example.com/x'"),
            std::string::npos)
      << s.ToString();
}

TEST(ColumnTest, NumbersAndJsonSerializeAsPythonDoes) {
  auto keys = std::make_shared<KeyStore>();
  KeyRef ref;
  ASSERT_TRUE(KeyRef::Parse("env:P", &ref).ok());
  keys->Set(ref, "pw");
  auto num = Declare(R"({"codec": "EncryptedNumberAttribute", "key": "env:P"})", keys);
  auto check = [&](const PlainValue& in, const std::string& python_text) {
    EncodedValue a, b;
    ASSERT_TRUE(num->Encode(Ctx("a"), in, {}, &a).ok()) << in.data;
    ASSERT_TRUE(num->Encode(Ctx("a"), PlainValue::Text(python_text), {}, &b).ok());
    EXPECT_EQ(a.stored, b.stored) << in.data;
    PlainValue out;
    ASSERT_TRUE(num->Decode(Ctx("a"), a.stored, {}, &out).ok());
    EXPECT_EQ(out.data, python_text);
  };
  check(PlainValue::Integer("42"), "42");
  check(PlainValue::Real("0.1"), "0.1");
  check(PlainValue::Real("1e-9"), "1e-09");
  check(PlainValue::Real("2.0"), "2.0");
  EncodedValue enc;
  Status s = num->Encode(Ctx("a"), PlainValue::Text("forty"), {}, &enc);
  EXPECT_NE(s.ToString().find("not a number: 'forty'"), std::string::npos) << s.ToString();
  EXPECT_TRUE(num->deterministic());
  AttributeValue lookup;
  ASSERT_TRUE(num->EncodeForQuery(Ctx("a"), PlainValue::Integer("42"), &lookup).ok());
  auto s3col = Declare(R"({"codec": "LargeAttribute", "bucket": "b"})");
  EXPECT_EQ(s3col->EncodeForQuery(Ctx("a"), PlainValue::Blob("x"), &lookup).code(),
            Status::Code::kNotSupported);
}

TEST(ColumnTest, DecodeBatchFetchesEachUriOnceAndReportsPerValue) {
  auto col =
      Declare(R"({"codec": "S3BackedBigTextAttribute", "bucket": "b", "compressed": false})");
  MapFetcher fetcher;
  fetcher.objects["s3://b/one"] = "first";
  fetcher.objects["s3://b/two"] = "second";
  std::vector<Context> ctxs = {Ctx("1"), Ctx("2"), Ctx("3"), Ctx("4"), Ctx("5"), Ctx("6")};
  std::vector<AttributeValue> stored = {
      AttributeValue::S("s3://b/one"), AttributeValue::S("s3://b/two"),
      AttributeValue::S("s3://b/one"), AttributeValue::S("s3://b/missing"),
      AttributeValue::S("not a uri"),  AttributeValue::Null()};
  std::vector<DecodeRequest> reqs;
  for (size_t i = 0; i < stored.size(); ++i) reqs.push_back({&ctxs[i], &stored[i]});
  std::vector<DecodeResult> results;
  DecodeBatch(*col, reqs, &fetcher, &results);
  ASSERT_EQ(results.size(), 6u);
  EXPECT_EQ(fetcher.calls, 1);
  EXPECT_EQ(fetcher.fetched, 3u);  // one, two, missing
  EXPECT_EQ(results[0].value.data, "first");
  EXPECT_EQ(results[1].value.data, "second");
  EXPECT_EQ(results[2].value.data, "first");
  EXPECT_TRUE(results[3].status.IsNotFound());
  EXPECT_NE(results[3].status.ToString().find("key (pk='4')"), std::string::npos);
  EXPECT_EQ(results[4].status.code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(results[5].status.ok());
  EXPECT_EQ(results[5].value.type, PlainValue::Type::kNull);
}

}  // namespace
}  // namespace ddb::codec
