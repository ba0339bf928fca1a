#include "vtab/write_values.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>

namespace ddb::vtab {
namespace {

using dynamodb::AttributeValue;

// A SQL value made by evaluating `expr` in an in-memory database.
class SqlValue {
 public:
  explicit SqlValue(const std::string& expr) {
    sqlite3_open(":memory:", &db_);
    sqlite3_prepare_v2(db_, ("SELECT " + expr).c_str(), -1, &stmt_, nullptr);
    sqlite3_step(stmt_);
  }
  ~SqlValue() {
    sqlite3_finalize(stmt_);
    sqlite3_close(db_);
  }
  sqlite3_value* get() { return sqlite3_column_value(stmt_, 0); }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

AttributeValue Convert(const std::string& expr, const std::string& type, Status* status = nullptr) {
  SqlValue v(expr);
  AttributeValue out;
  Status s = SqlToAttribute(v.get(), type, "c", &out);
  if (status) *status = s;
  return out;
}

TEST(WriteValuesTest, TheTypeIsKeptWhenTheValueConverts) {
  EXPECT_EQ(Convert("42", "S"), AttributeValue::S("42"));
  EXPECT_EQ(Convert("1.5", "S"), AttributeValue::S("1.5"));
  EXPECT_EQ(Convert("42", ""), AttributeValue::N("42"));
  EXPECT_EQ(Convert("'42'", ""), AttributeValue::S("42"));
  EXPECT_EQ(Convert("x'00ff'", ""), AttributeValue::B(std::string("\0\xff", 2)));
  EXPECT_EQ(Convert("'42'", "NULL"), AttributeValue::S("42"));
  EXPECT_EQ(Convert("'42'", "N"), AttributeValue::N("42"));
  EXPECT_EQ(Convert("' 12 '", "N"), AttributeValue::N("12"));  // as NUMERIC affinity reads it
  EXPECT_EQ(Convert("'1.50'", "N"), AttributeValue::N("1.5"));
  EXPECT_EQ(Convert("'12345678901234567890123'", "N"),
            AttributeValue::N("12345678901234567890123"));
  EXPECT_EQ(Convert("0.1", "N"), AttributeValue::N("0.1"));
  EXPECT_EQ(Convert("1", "BOOL"), AttributeValue::Bool(true));
  EXPECT_EQ(Convert("0.0", "BOOL"), AttributeValue::Bool(false));
  EXPECT_EQ(Convert("'1'", "BOOL"), AttributeValue::Bool(true));
  EXPECT_EQ(Convert("x'00ff'", "B"), AttributeValue::B(std::string("\0\xff", 2)));
  EXPECT_EQ(Convert("'[\"a\",\"b\"]'", "SS"), AttributeValue::SS({"a", "b"}));
  EXPECT_EQ(Convert("'[2, 1.50]'", "NS"), AttributeValue::NS({"2", "1.5"}));
  EXPECT_EQ(Convert("'[\"AP8=\"]'", "BS"), AttributeValue::BS({std::string("\0\xff", 2)}));
  EXPECT_EQ(Convert("'{\"a\":1}'", "M").type(), AttributeValue::Type::kM);
  EXPECT_EQ(Convert("'[1, \"a\"]'", "L").type(), AttributeValue::Type::kL);
  EXPECT_EQ(Convert("'{\"a\":1}'", ""), AttributeValue::S("{\"a\":1}"));
}

TEST(WriteValuesTest, AValueThatDoesNotConvertIsAnErrorNotAnotherType) {
  struct Case {
    const char* expr;
    const char* type;
    const char* shown;  // how the message shows the value
  } cases[] = {
      {"'abc'", "N", "TEXT 'abc'"},
      {"'0x10'", "N", "TEXT '0x10'"},
      {"x'00ff'", "N", "BLOB x'00ff'"},
      {"x'00ff'", "S", "BLOB x'00ff'"},
      {"7", "BOOL", "INTEGER 7"},
      {"'yes'", "BOOL", "TEXT 'yes'"},
      {"'abc'", "B", "TEXT 'abc'"},
      {"5", "B", "INTEGER 5"},
      {"'text'", "M", "TEXT 'text'"},
      {"'[1]'", "M", "TEXT '[1]'"},
      {"5", "M", "INTEGER 5"},
      {"'{\"a\":1}'", "L", "TEXT '{\"a\":1}'"},
      {"'a'", "SS", "TEXT 'a'"},
      {"'[1,\"b\"]'", "SS", "TEXT '[1,\"b\"]'"},
      {"'[1,\"b\"]'", "NS", "TEXT '[1,\"b\"]'"},
      {"'[\"a\"]'", "NS", "TEXT '[\"a\"]'"},
      {"'[\"not base64!\"]'", "BS", "TEXT '[\"not base64!\"]'"},
      {"'{\"a\":1}'", "SS", "TEXT '{\"a\":1}'"},
  };
  for (const auto& c : cases) {
    Status s;
    Convert(c.expr, c.type, &s);
    ASSERT_FALSE(s.ok()) << c.expr << " as " << c.type;
    // Names the column, the type it keeps and the value given, and says how
    // to change the type on purpose.
    for (std::string needle : {std::string("column c holds DynamoDB type ") + c.type + ":",
                               std::string(c.shown), std::string("json_set(item, '$.c'")}) {
      EXPECT_NE(s.message().find(needle), std::string::npos) << c.expr << ": " << s.message();
    }
  }
  Status s;
  SqlValue v("'a'");
  AttributeValue out;
  s = SqlToAttribute(v.get(), "N", "a b", &out);
  EXPECT_NE(s.message().find("json_set(item, '$.\"a b\"'"), std::string::npos) << s.message();
}

TEST(WriteValuesTest, WhatDynamoDbRejectsIsAnError) {
  Status s;
  Convert("'[]'", "SS", &s);
  EXPECT_NE(s.message().find("empty SS"), std::string::npos) << s.ToString();
  Convert("1e300", "N", &s);
  EXPECT_NE(s.message().find("cannot be stored as a DynamoDB number"), std::string::npos);
  Convert("'[\"a\",\"a\"]'", "SS", &s);
  EXPECT_NE(s.message().find("duplicate"), std::string::npos);
}

TEST(WriteValuesTest, KeysAreStrict) {
  struct Case {
    const char* expr;
    const char* type;
    const char* error;  // nullptr: accepted
  } cases[] = {
      {"NULL", "S", "cannot be NULL"}, {"''", "S", "empty string"}, {"x'01'", "S", "BLOB"},
      {"'abc'", "N", "not a number"},  {"'5'", "N", nullptr},       {"5", "S", nullptr},
      {"'text'", "B", "not a BLOB"},   {"x'01'", "B", nullptr},
  };
  for (const auto& c : cases) {
    SqlValue v(c.expr);
    AttributeValue out;
    Status s = SqlToKeyAttribute(v.get(), c.type, "k", &out);
    if (c.error == nullptr) {
      EXPECT_TRUE(s.ok()) << c.expr << ": " << s.ToString();
    } else {
      EXPECT_NE(s.message().find(c.error), std::string::npos) << c.expr << ": " << s.ToString();
      EXPECT_NE(s.message().find("key column k"), std::string::npos);
    }
  }
}

TEST(WriteValuesTest, PlainJsonTakesTheHintedType) {
  AttributeValue out;
  ASSERT_TRUE(PlainToAttribute(AttributeValue::S("AP8="), "B", "b", &out).ok());
  EXPECT_EQ(out, AttributeValue::B(std::string("\0\xff", 2)));
  ASSERT_TRUE(PlainToAttribute(AttributeValue::L({AttributeValue::N("1"), AttributeValue::N("2")}),
                               "NS", "n", &out)
                  .ok());
  EXPECT_EQ(out, AttributeValue::NS({"1", "2"}));
  EXPECT_FALSE(PlainToAttribute(AttributeValue::N("1e200"), "", "n", &out).ok());
}

TEST(WriteValuesTest, ItemSizeNamesTheLargestAttributes) {
  dynamodb::Item item;
  item["id"] = AttributeValue::S("a");
  item["body"] = AttributeValue::S(std::string(410 * 1024, 'x'));
  item["note"] = AttributeValue::S("small");
  Status s = CheckItemSize(item, "INSERT into t (id='a')");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("largest attributes: body (410.0 KB)"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("S3-backed column"), std::string::npos);
  // Attributes under 1 KB (the key, a note) are not listed.
  EXPECT_EQ(s.message().find("id ("), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("note ("), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find(" (0.0 KB)"), std::string::npos) << s.message();
  item["doc"] = AttributeValue::S(std::string(2048, 'y'));
  s = CheckItemSize(item, "x");
  EXPECT_NE(s.message().find("largest attributes: body (410.0 KB), doc (2.0 KB); keep"),
            std::string::npos)
      << s.message();
  item.erase("body");
  item.erase("doc");
  EXPECT_TRUE(CheckItemSize(item, "x").ok());
  // Many small attributes: none is named, their number is.
  dynamodb::Item many;
  for (int i = 0; i < 500; ++i)
    many["a" + std::to_string(i)] = AttributeValue::S(std::string(900, 'z'));
  s = CheckItemSize(many, "x");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no attribute is over 1 KB (500 attributes)"), std::string::npos)
      << s.message();
  EXPECT_EQ(DescribeKey({{"id", AttributeValue::S("a")}, {"n", AttributeValue::N("3")}}),
            "id='a', n=3");
}

}  // namespace
}  // namespace ddb::vtab
