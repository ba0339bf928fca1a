// Tests of FilterBuilder (filter_expression.h): each filter= predicate as
// the DynamoDB condition sent, with its placeholders.
#include "vtab/filter_expression.h"

#include <sqlite3.h>

#include <memory>
#include <regex>
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

  // The expression with each value placeholder (:f0, :f1, ..., numbered in
  // the order they were made) replaced by <TYPE value>.
  static std::string Rendered(FilterBuilder& filter) {
    std::string expr = filter.expression();
    std::string out;
    std::regex placeholder(":f[0-9]+");
    auto end = std::sregex_iterator();
    size_t at = 0;
    for (auto it = std::sregex_iterator(expr.begin(), expr.end(), placeholder); it != end; ++it) {
      const AttributeValue& v = filter.values().at(it->str());
      out += expr.substr(at, static_cast<size_t>(it->position()) - at);
      out += "<" + std::string(AttributeValue::TypeName(v.type())) + " " + v.scalar() + ">";
      at = static_cast<size_t>(it->position() + it->length());
    }
    return out + expr.substr(at);
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
  EXPECT_EQ(Rendered(filter), "(#f0 > <S bob> OR NOT attribute_type(#f0, :tS))");
}

TEST_F(FilterBuilderTest, TextAffinityTurnsANumberIntoText) {
  FilterBuilder filter;
  ASSERT_TRUE(filter.Add(Cond("code", Op::kEq), Sql("42"), "S"));
  EXPECT_EQ(Rendered(filter), "(#f0 = <S 42> OR NOT attribute_type(#f0, :tS))");
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
  EXPECT_EQ(Rendered(filter),
            "(#f0 BETWEEN <N 4.999999999999999> AND <N 5.000000000000001> OR "
            "attribute_type(#f0, :tBOOL) OR attribute_type(#f0, :tS))");
}

TEST_F(FilterBuilderTest, AboveANumberIsNotSentWithoutNumericAffinity) {
  FilterBuilder filter;
  ASSERT_TRUE(filter.Add(Cond("total", Op::kGt), Sql("5"), ""));
  EXPECT_EQ(filter.expression(), "");
}

TEST_F(FilterBuilderTest, GlobSendsItsLiteralPrefix) {
  FilterBuilder filter;
  ASSERT_TRUE(filter.Add(Cond("name", Op::kGlob), Sql("'ab*c'"), "S"));
  EXPECT_EQ(Rendered(filter), "(begins_with(#f0, <S ab>) OR NOT attribute_type(#f0, :tS))");
  FilterBuilder none;
  ASSERT_TRUE(none.Add(Cond("name", Op::kGlob), Sql("'*c'"), "S"));
  EXPECT_EQ(none.expression(), "");
  EXPECT_TRUE(none.names().empty());
}

TEST_F(FilterBuilderTest, BelowABlobKeepsEveryOtherType) {
  FilterBuilder filter;
  ASSERT_TRUE(filter.Add(Cond("data", Op::kLt), Sql("x'0102'"), "B"));
  EXPECT_EQ(Rendered(filter), "(#f0 < <B \x01\x02> OR NOT attribute_type(#f0, :tB))");
}

TEST_F(FilterBuilderTest, OneNamePerAttribute) {
  FilterBuilder filter;
  ASSERT_TRUE(filter.Add(Cond("n", Op::kGe), Sql("'a'"), "S"));
  ASSERT_TRUE(filter.Add(Cond("n", Op::kLe), Sql("'m'"), "S"));
  EXPECT_EQ(filter.names().size(), 1u);
  EXPECT_EQ(Rendered(filter),
            "(#f0 >= <S a> OR NOT attribute_type(#f0, :tS)) AND "
            "(#f0 <= <S m> OR NOT attribute_type(#f0, :tS))");
}

TEST_F(FilterBuilderTest, EqualsOneOfAndApplyTo) {
  FilterBuilder filter;
  filter.AddEqualsOneOf("secret", {AttributeValue::B("x"), AttributeValue::B("y")});
  EXPECT_EQ(Rendered(filter), "#f0 IN (<B x>, <B y>)");
  dynamodb::ScanRequest req;
  req.names["#p0"] = "pk";
  filter.ApplyTo(&req);
  EXPECT_EQ(req.filter, "#f0 IN (:f0, :f1)");
  EXPECT_EQ(req.names.size(), 2u);
  EXPECT_EQ(req.values.size(), 2u);
}

}  // namespace
}  // namespace ddb::vtab
