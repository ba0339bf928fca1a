#include "vtab/codec_columns.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>

#include "engine/encoding.h"

namespace ddb::vtab {
namespace {

// A column declared as a catalog would, its password given to the key store.
std::shared_ptr<const codec::Column> Declare(const std::string& json) {
  auto keys = std::make_shared<codec::KeyStore>();
  codec::KeyRef ref;
  EXPECT_TRUE(codec::KeyRef::Parse("env:CODEC_COLUMNS_TEST_PASSWORD", &ref).ok());
  keys->Set(ref, "my-password");
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
  TableCodecs codecs("t", {nullptr, Declare(kEcb), Declare(kCtr),
                           Declare(R"({"codec": "CompressedUnicodeAttribute"})"),
                           Declare(R"({"codec": "S3BackedBigTextAttribute", "bucket": "b"})"),
                           Declare(R"({"codec": "EncryptedNumberAttribute",
                        "key": "env:CODEC_COLUMNS_TEST_PASSWORD"})")});
  EXPECT_TRUE(codecs.Pushable(0, SQLITE_INDEX_CONSTRAINT_GT));  // a plain column
  EXPECT_TRUE(codecs.Pushable(1, SQLITE_INDEX_CONSTRAINT_EQ));
  EXPECT_FALSE(codecs.Pushable(1, SQLITE_INDEX_CONSTRAINT_GT));
  EXPECT_FALSE(codecs.Pushable(1, SQLITE_INDEX_CONSTRAINT_ISNULL));
  EXPECT_FALSE(codecs.Pushable(1, SQLITE_INDEX_CONSTRAINT_GLOB));
  EXPECT_FALSE(codecs.Pushable(2, SQLITE_INDEX_CONSTRAINT_EQ));  // random nonce
  EXPECT_FALSE(codecs.Pushable(3, SQLITE_INDEX_CONSTRAINT_EQ));  // gzip differs by writer
  EXPECT_FALSE(codecs.Pushable(4, SQLITE_INDEX_CONSTRAINT_EQ));  // S3
  EXPECT_FALSE(codecs.Pushable(5, SQLITE_INDEX_CONSTRAINT_EQ));  // 5 and 5.0 differ
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
