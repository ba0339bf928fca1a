// Tests of FilterBuilder (filter_expression.h): each filter= predicate as
// the DynamoDB condition sent, with its placeholders.
#include "vtab/filter_expression.h"

#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/sqlite_util.h"

namespace ddb::vtab {
namespace {

using dynamodb::AttributeValue;
using Op = FilterCondition::Op;

class FilterBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK); }
  void TearDown() override {
    for (sqlite3_value* v : values_) sqlite3_value_free(v);
    sqlite3_close(db_);
  }

  // The value of SQL expression `expr` ("5", "'abc'", "x'00'", "NULL").
  sqlite3_value* Sql(const std::string& expr) {
    sql::Statement stmt;
    EXPECT_TRUE(stmt.Prepare(db_, "SELECT " + expr).ok());
    EXPECT_TRUE(stmt.Step());
    values_.push_back(sqlite3_value_dup(sqlite3_column_value(stmt.get(), 0)));
    return values_.back();
  }

  static FilterCondition Cond(const std::string& attribute, Op op) {
    FilterCondition f;
    f.attribute = attribute;
    f.op = op;
    f.argv = op == Op::kIsNull || op == Op::kIsNotNull ? 0 : 1;
    return f;
  }

  sqlite3* db_ = nullptr;
  std::vector<sqlite3_value*> values_;
};

TEST_F(FilterBuilderTest, NullTestsAreExact) {
  FilterBuilder filter;
  ASSERT_TRUE(filter.Add(Cond("size", Op::kIsNull), nullptr, "N"));
  ASSERT_TRUE(filter.Add(Cond("name", Op::kIsNotNull), nullptr, "S"));
  EXPECT_EQ(filter.expression(),
            "(attribute_not_exists(#f0) OR attribute_type(#f0, :tNULL)) AND "
            "(attribute_exists(#f1) AND NOT attribute_type(#f1, :tNULL))");
  EXPECT_EQ(filter.names().at("#f0"), "size");
  EXPECT_EQ(filter.names().at("#f1"), "name");
  EXPECT_EQ(filter.values().at(":tNULL"), AttributeValue::S("NULL"));
}

TEST_F(FilterBuilderTest, TextKeepsItemsOfOtherTypes) {
  FilterBuilder filter;
  ASSERT_TRUE(filter.Add(Cond("name", Op::kGt), Sql("'bob'"), "S"));
  EXPECT_EQ(filter.expression(), "(#f0 > :f0 OR NOT attribute_type(#f0, :tS))");
  EXPECT_EQ(filter.values().at(":f0"), AttributeValue::S("bob"));
}

TEST_F(FilterBuilderTest, TextAffinityTurnsANumberIntoText) {
  FilterBuilder filter;
  ASSERT_TRUE(filter.Add(Cond("code", Op::kEq), Sql("42"), "S"));
  EXPECT_EQ(filter.values().at(":f0"), AttributeValue::S("42"));
}

TEST_F(FilterBuilderTest, ComparisonWithNullMatchesNothing) {
  FilterBuilder filter;
  EXPECT_FALSE(filter.Add(Cond("total", Op::kEq), Sql("NULL"), "N"));
  EXPECT_EQ(filter.expression(), "");
  EXPECT_TRUE(filter.names().empty());  // no placeholder DynamoDB would refuse as unused
}

TEST_F(FilterBuilderTest, NumberEqualityIsBetweenTheNeighbouringDoubles) {
  FilterBuilder filter;
  ASSERT_TRUE(filter.Add(Cond("total", Op::kEq), Sql("5"), "N"));
  EXPECT_EQ(filter.expression(),
            "(#f0 BETWEEN :f0 AND :f1 OR attribute_type(#f0, :tBOOL) OR "
            "attribute_type(#f0, :tS))");
  EXPECT_EQ(filter.values().at(":f0"), AttributeValue::N("4.999999999999999"));
  EXPECT_EQ(filter.values().at(":f1"), AttributeValue::N("5.000000000000001"));
}

TEST_F(FilterBuilderTest, AboveANumberIsNotSentWithoutNumericAffinity) {
  FilterBuilder filter;
  ASSERT_TRUE(filter.Add(Cond("total", Op::kGt), Sql("5"), ""));
  EXPECT_EQ(filter.expression(), "");
}

TEST_F(FilterBuilderTest, GlobSendsItsLiteralPrefix) {
  FilterBuilder filter;
  ASSERT_TRUE(filter.Add(Cond("name", Op::kGlob), Sql("'ab*c'"), "S"));
  EXPECT_EQ(filter.expression(), "(begins_with(#f0, :f0) OR NOT attribute_type(#f0, :tS))");
  EXPECT_EQ(filter.values().at(":f0"), AttributeValue::S("ab"));
  FilterBuilder none;
  ASSERT_TRUE(none.Add(Cond("name", Op::kGlob), Sql("'*c'"), "S"));
  EXPECT_EQ(none.expression(), "");
  EXPECT_TRUE(none.names().empty());
}

TEST_F(FilterBuilderTest, BelowABlobKeepsEveryOtherType) {
  FilterBuilder filter;
  ASSERT_TRUE(filter.Add(Cond("data", Op::kLt), Sql("x'0102'"), "B"));
  EXPECT_EQ(filter.expression(), "(#f0 < :f0 OR NOT attribute_type(#f0, :tB))");
  EXPECT_EQ(filter.values().at(":f0"), AttributeValue::B(std::string("\x01\x02", 2)));
}

TEST_F(FilterBuilderTest, OneNamePerAttribute) {
  FilterBuilder filter;
  ASSERT_TRUE(filter.Add(Cond("n", Op::kGe), Sql("'a'"), "S"));
  ASSERT_TRUE(filter.Add(Cond("n", Op::kLe), Sql("'m'"), "S"));
  EXPECT_EQ(filter.names().size(), 1u);
  EXPECT_EQ(filter.expression(),
            "(#f0 >= :f0 OR NOT attribute_type(#f0, :tS)) AND "
            "(#f0 <= :f1 OR NOT attribute_type(#f0, :tS))");
}

TEST_F(FilterBuilderTest, EqualsOneOfAndApplyTo) {
  FilterBuilder filter;
  filter.AddEqualsOneOf("secret", {AttributeValue::B("x"), AttributeValue::B("y")});
  EXPECT_EQ(filter.expression(), "#f0 IN (:f0, :f1)");
  dynamodb::ScanRequest req;
  req.names["#p0"] = "pk";
  filter.ApplyTo(&req);
  EXPECT_EQ(req.filter, "#f0 IN (:f0, :f1)");
  EXPECT_EQ(req.names.size(), 2u);
  EXPECT_EQ(req.values.size(), 2u);
}

}  // namespace
}  // namespace ddb::vtab
