#include "vtab/codec_columns.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>

#include "engine/encoding.h"

namespace ddb::vtab {
namespace {

// Column `json` declared as a catalog would, with `password` under
// env:CODEC_COLUMNS_TEST_PASSWORD.
std::shared_ptr<const codec::Column> Declare(const std::string& json,
                                             const std::string& password = "my-password") {
  auto keys = std::make_shared<codec::KeyStore>();
  codec::KeyRef ref;
  EXPECT_TRUE(codec::KeyRef::Parse("env:CODEC_COLUMNS_TEST_PASSWORD", &ref).ok());
  keys->Set(ref, password);
  codec::Catalog catalog(keys);
  std::shared_ptr<const codec::Column> column;
  Status s = catalog.ParseColumn("t", "c", json, "test", &column);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return column;
}

constexpr const char* kEcb =
    R"({"codec": "EncryptedUnicodeAttribute", "key": "env:CODEC_COLUMNS_TEST_PASSWORD"})";
constexpr const char* kCtr =
    R"({"codec": "EncryptedUnicodeAttribute", "key": "env:CODEC_COLUMNS_TEST_PASSWORD",
        "determinative": false})";
constexpr const char* kEcbBinary =
    R"({"codec": "EncryptedBinaryAttribute", "key": "env:CODEC_COLUMNS_TEST_PASSWORD"})";

// A SQL value, owned, from a literal evaluated by SQLite.
class SqlValue {
 public:
  explicit SqlValue(const std::string& literal) {
    sqlite3_open(":memory:", &db_);
    sqlite3_prepare_v2(db_, ("SELECT " + literal).c_str(), -1, &stmt_, nullptr);
    sqlite3_step(stmt_);
    value_ = sqlite3_value_dup(sqlite3_column_value(stmt_, 0));
  }
  ~SqlValue() {
    sqlite3_value_free(value_);
    sqlite3_finalize(stmt_);
    sqlite3_close(db_);
  }
  sqlite3_value* get() const { return value_; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3_value* value_ = nullptr;
};

TEST(TableCodecs, OnlyEqualityOnCanonicalCiphersIsPushable) {
  TableCodecs codecs(
      "t",
      {nullptr, Declare(kEcb), Declare(kCtr), Declare(R"({"codec": "CompressedUnicodeAttribute"})"),
       Declare(R"({"codec": "S3BackedBigTextAttribute", "bucket": "b"})"),
       Declare(R"({"codec": "EncryptedNumberAttribute",
                        "key": "env:CODEC_COLUMNS_TEST_PASSWORD"})"),
       Declare(R"({"chain": [{"aead": "aes-256-siv", "key": "env:CODEC_COLUMNS_TEST_PASSWORD"}],
                        "as": "text"})"),
       Declare(R"({"chain": [{"aead": "aes-256-gcm", "key": "env:CODEC_COLUMNS_TEST_PASSWORD"}],
                        "as": "text"})")});
  EXPECT_TRUE(codecs.Pushable(0, SQLITE_INDEX_CONSTRAINT_GT));  // a plain column
  EXPECT_TRUE(codecs.Pushable(1, SQLITE_INDEX_CONSTRAINT_EQ));
  EXPECT_FALSE(codecs.Pushable(1, SQLITE_INDEX_CONSTRAINT_GT));
  EXPECT_FALSE(codecs.Pushable(1, SQLITE_INDEX_CONSTRAINT_ISNULL));
  EXPECT_FALSE(codecs.Pushable(1, SQLITE_INDEX_CONSTRAINT_GLOB));
  EXPECT_FALSE(codecs.Pushable(2, SQLITE_INDEX_CONSTRAINT_EQ));  // random nonce
  EXPECT_FALSE(codecs.Pushable(3, SQLITE_INDEX_CONSTRAINT_EQ));  // gzip differs by writer
  EXPECT_FALSE(codecs.Pushable(4, SQLITE_INDEX_CONSTRAINT_EQ));  // S3
  EXPECT_FALSE(codecs.Pushable(5, SQLITE_INDEX_CONSTRAINT_EQ));  // 5 and 5.0 differ
  EXPECT_TRUE(codecs.Pushable(6, SQLITE_INDEX_CONSTRAINT_EQ));   // SIV: searchable
  EXPECT_FALSE(codecs.Pushable(7, SQLITE_INDEX_CONSTRAINT_EQ));  // GCM: random nonce
  EXPECT_FALSE(codecs.empty());
  EXPECT_TRUE(TableCodecs("t", {nullptr}).empty());
}

TEST(TableCodecs, EncodesLiteralsAsPynamodbMateStoresThem) {
  TableCodecs codecs("t", {Declare(kEcb), Declare(kEcbBinary)});
  dynamodb::AttributeValue stored;
  bool matches = false;
  SqlValue text("'attack at 2PM tomorrow!'");
  ASSERT_TRUE(codecs.EncodeLiteral(0, text.get(), &stored, &matches).ok());
  ASSERT_TRUE(matches);
  // tests/data/pynamodb_mate/vectors.json, the first vector.
  EXPECT_EQ(Base64Encode(stored.scalar()), "iRcXXa1Aq9rZE9nptcIsAkYrZ3hPi+tJiFtKPJDu3P8=");

  // TEXT affinity: the number 7 compares as the text '7'.
  dynamodb::AttributeValue seven, seven_text;
  SqlValue number("7"), number_text("'7'");
  ASSERT_TRUE(codecs.EncodeLiteral(0, number.get(), &seven, &matches).ok());
  ASSERT_TRUE(matches);
  ASSERT_TRUE(codecs.EncodeLiteral(0, number_text.get(), &seven_text, &matches).ok());
  EXPECT_EQ(seven.scalar(), seven_text.scalar());

  // No stored value equals NULL, nor a BLOB in a TEXT column, nor TEXT in a BLOB one.
  SqlValue null("NULL"), blob("x'00ff'");
  ASSERT_TRUE(codecs.EncodeLiteral(0, null.get(), &stored, &matches).ok());
  EXPECT_FALSE(matches);
  ASSERT_TRUE(codecs.EncodeLiteral(0, blob.get(), &stored, &matches).ok());
  EXPECT_FALSE(matches);
  ASSERT_TRUE(codecs.EncodeLiteral(1, text.get(), &stored, &matches).ok());
  EXPECT_FALSE(matches);
  ASSERT_TRUE(codecs.EncodeLiteral(1, blob.get(), &stored, &matches).ok());
  EXPECT_TRUE(matches);
  EXPECT_EQ(stored.type(), dynamodb::AttributeValue::Type::kB);
}

TEST(TableCodecs, CheckKeyReadsStoredValuesWithTheColumnsKey) {
  constexpr const char* kSiv =
      R"({"chain": [{"aead": "aes-256-siv", "key": "env:CODEC_COLUMNS_TEST_PASSWORD"}],
          "as": "text"})";
  for (const char* json : {kEcb, kEcbBinary, kSiv}) {
    TableCodecs right("t", {nullptr, Declare(json, "right")});
    TableCodecs wrong("t", {nullptr, Declare(json, "wrong")});
    std::vector<dynamodb::Item> items;
    for (int i = 0; i < 4; ++i) {
      dynamodb::AttributeValue stored;
      bool matches = false;
      SqlValue v(std::string(json == kEcbBinary ? "x'" : "'") + "0" + std::to_string(i) + "'");
      ASSERT_TRUE(right.EncodeLiteral(1, v.get(), &stored, &matches).ok());
      ASSERT_TRUE(matches);
      items.push_back(
          {{"id", dynamodb::AttributeValue::S("k" + std::to_string(i))}, {"c", stored}});
    }
    items.push_back({{"id", dynamodb::AttributeValue::S("no-value")}});
    size_t checked = 0;
    Status s = right.CheckKey(1, items, {"id"}, codec::kDefaultMaxDecodedBytes, &checked);
    EXPECT_TRUE(s.ok()) << json << ": " << s.ToString();
    EXPECT_EQ(checked, 4u) << json;
    s = wrong.CheckKey(1, items, {"id"}, codec::kDefaultMaxDecodedBytes, &checked);
    ASSERT_FALSE(s.ok()) << json;
    // Table, column, key reference and the item; never the key.
    for (const char* needle :
         {"table t, column c", "env:CODEC_COLUMNS_TEST_PASSWORD", "item (id='k", "wrong key"}) {
      EXPECT_NE(s.ToString().find(needle), std::string::npos) << json << ": " << s.ToString();
    }
    EXPECT_EQ(s.ToString().find("right"), std::string::npos) << s.ToString();
    // Nothing to check is not an error: the caller decides.
    ASSERT_TRUE(
        wrong.CheckKey(1, {items.back()}, {"id"}, codec::kDefaultMaxDecodedBytes, &checked).ok());
    EXPECT_EQ(checked, 0u);
  }
}

TEST(TableCodecs, KeyCheckIdsDifferByScopeTableColumnAndKey) {
  TableCodecs a("t", {nullptr, Declare(kEcb), Declare(kEcbBinary)});
  TableCodecs b("u", {nullptr, Declare(kEcb)});
  EXPECT_EQ(a.KeyCheckId("http://h r", 1), a.KeyCheckId("http://h r", 1));
  EXPECT_NE(a.KeyCheckId("http://h r", 1), a.KeyCheckId("http://h s", 1));
  EXPECT_NE(a.KeyCheckId("http://h r", 1), b.KeyCheckId("http://h r", 1));
  EXPECT_EQ(a.KeyCheckId("http://h r", 0), "");
  auto other_key = std::make_shared<codec::KeyStore>();
  codec::Catalog catalog(other_key);
  std::shared_ptr<const codec::Column> column;
  ASSERT_TRUE(catalog
                  .ParseColumn("t", "c",
                               R"({"codec": "EncryptedUnicodeAttribute", "key": "env:OTHER"})",
                               "test", &column)
                  .ok());
  TableCodecs c("t", {nullptr, column});
  EXPECT_NE(a.KeyCheckId("http://h r", 1), c.KeyCheckId("http://h r", 1));
}

TEST(TableCodecs, KeyErrorsNameTheColumnNotTheKey) {
  auto keys = std::make_shared<codec::KeyStore>();
  codec::Catalog catalog(keys);
  std::shared_ptr<const codec::Column> column;
  ASSERT_TRUE(catalog
                  .ParseColumn("t", "ssn",
                               R"({"codec": "EncryptedUnicodeAttribute",
                                   "key": "env:CODEC_COLUMNS_TEST_UNSET_VARIABLE"})",
                               "test", &column)
                  .ok());
  TableCodecs codecs("t", {column});
  dynamodb::AttributeValue stored;
  bool matches = true;
  SqlValue text("'x'");
  Status s = codecs.EncodeLiteral(0, text.get(), &stored, &matches);
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(matches);
  EXPECT_NE(s.ToString().find("ssn"), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find("CODEC_COLUMNS_TEST_UNSET_VARIABLE"), std::string::npos)
      << s.ToString();
}

}  // namespace
}  // namespace ddb::vtab
