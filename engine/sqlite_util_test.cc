#include "engine/sqlite_util.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace ddb::sql {
namespace {

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};

std::unique_ptr<sqlite3, CloseDb> OpenMemory() {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  return std::unique_ptr<sqlite3, CloseDb>(db);
}

TEST(SqliteUtilTest, QuoteLiteralDoublesQuotes) {
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
  EXPECT_EQ(QuoteLiteral(""), "''");
  EXPECT_EQ(QuoteLiteral("''"), "''''''");
}

TEST(SqliteUtilTest, QuoteIdentifierDoublesDoubleQuotes) {
  EXPECT_EQ(QuoteIdentifier("t"), "\"t\"");
  EXPECT_EQ(QuoteIdentifier("my \"table\""), "\"my \"\"table\"\"\"");
  EXPECT_EQ(QuoteIdentifier("my-table"), "\"my-table\"");
}

// What the quoting produces reads back as the same text through SQLite.
TEST(SqliteUtilTest, QuotedTextRoundTripsThroughSqlite) {
  auto db = OpenMemory();
  const std::string name = "we\"ird 'name'";
  ASSERT_TRUE(Exec(db.get(), "CREATE TABLE " + QuoteIdentifier(name) + "(v)").ok());
  ASSERT_TRUE(Exec(db.get(), "INSERT INTO " + QuoteIdentifier(name) + " VALUES (" +
                                 QuoteLiteral("a'b\"c") + ")")
                  .ok());
  Statement stmt;
  ASSERT_TRUE(stmt.Prepare(db.get(), "SELECT v FROM " + QuoteIdentifier(name)).ok());
  ASSERT_TRUE(stmt.Step());
  EXPECT_EQ(stmt.ColumnText(0), "a'b\"c");
  Status s;
  EXPECT_FALSE(stmt.Step(&s));
  EXPECT_TRUE(s.ok());
}

TEST(SqliteUtilTest, StatementBindsStepsAndResets) {
  auto db = OpenMemory();
  ASSERT_TRUE(Exec(db.get(),
                   "CREATE TABLE t(k TEXT, n INTEGER); "
                   "INSERT INTO t VALUES ('a', 1), ('b', NULL)")
                  .ok());
  Statement stmt;
  ASSERT_TRUE(stmt.Prepare(db.get(), "SELECT n FROM t WHERE k = ?1").ok());
  stmt.BindText(1, "a");
  ASSERT_TRUE(stmt.Step());
  EXPECT_EQ(stmt.ColumnInt(0), 1);
  EXPECT_FALSE(stmt.ColumnIsNull(0));
  stmt.Reset();
  stmt.BindText(1, "b");
  ASSERT_TRUE(stmt.Step());
  EXPECT_TRUE(stmt.ColumnIsNull(0));
  EXPECT_EQ(stmt.ColumnText(0), "");
}

TEST(SqliteUtilTest, ErrorsCarrySqlitesMessage) {
  auto db = OpenMemory();
  Statement stmt;
  Status s = stmt.Prepare(db.get(), "SELECT * FROM nosuch");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("no such table: nosuch"), std::string::npos) << s.ToString();
  EXPECT_FALSE(stmt);
  s = Exec(db.get(), "CREATE TABLE t(x); CREATE TABLE t(x)");
  EXPECT_NE(s.ToString().find("table t already exists"), std::string::npos) << s.ToString();
  // A constraint failure shows at Step.
  ASSERT_TRUE(Exec(db.get(), "CREATE TABLE u(x UNIQUE); INSERT INTO u VALUES (1)").ok());
  ASSERT_TRUE(stmt.Prepare(db.get(), "INSERT INTO u VALUES (1)").ok());
  EXPECT_FALSE(stmt.Step(&s));
  EXPECT_NE(s.ToString().find("UNIQUE constraint failed"), std::string::npos) << s.ToString();
}

TEST(SqliteUtilTest, EmptySqlIsAnError) {
  auto db = OpenMemory();
  Statement stmt;
  EXPECT_FALSE(stmt.Prepare(db.get(), "  ").ok());
}

TEST(SqliteUtilTest, PrepareNextWalksAScript) {
  auto db = OpenMemory();
  const std::string script = "SELECT 1; -- one\n;";
  const char* tail = nullptr;
  Statement stmt;
  ASSERT_EQ(stmt.PrepareNext(db.get(), script.c_str(), &tail), SQLITE_OK);
  ASSERT_TRUE(stmt);
  EXPECT_STREQ(sqlite3_sql(stmt.get()), "SELECT 1;");
  // A comment and a lone ';': no statement, and the text is used up.
  ASSERT_EQ(stmt.PrepareNext(db.get(), tail, &tail), SQLITE_OK);
  EXPECT_FALSE(stmt);
  EXPECT_STREQ(tail, "");
  // An error keeps SQLite's message and offset (of the "-") on the handle.
  const char* text = "SELECT * FROM my-table; SELECT 3";
  EXPECT_EQ(stmt.PrepareNext(db.get(), text, &tail), SQLITE_ERROR);
  EXPECT_FALSE(stmt);
  EXPECT_STREQ(sqlite3_errmsg(db.get()), "near \"-\": syntax error");
  EXPECT_EQ(sqlite3_error_offset(db.get()), 16);
}

}  // namespace
}  // namespace ddb::sql
