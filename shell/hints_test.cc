// The hints of shell/hints.h: sqlite3's error context lines, quoting a table
// name with "-", and the value an UPDATE assigns.
#include "shell/hints.h"

#include <gtest/gtest.h>

#include <string>

namespace ddb::shell {
namespace {

TEST(HintsTest, ErrorContextIsSqlite3s) {
  // What sqlite3 3.40 prints under `near "-": syntax error` (offset 16).
  EXPECT_EQ(ErrorContext("SELECT * FROM my-table;", 16),
            "\n  SELECT * FROM my-table;\n                  ^--- error here");
  // White space (a newline) shows as a space; the input's last newline not.
  EXPECT_EQ(ErrorContext("SELECT * FROM\n  my-table WHERE x = 1;\n", 18),
            "\n  SELECT * FROM   my-table WHERE x = 1;\n                    ^--- error here");
  // Past 25 bytes the marker ends at the caret; past 50 the text starts
  // later, and at most 78 bytes show.
  std::string sql =
      "select 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, "
      "24, 25, 26, 27, 28, 29, 30, nosuchcol, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, "
      "44 ;";
  int offset = static_cast<int>(sql.find("nosuchcol"));
  EXPECT_EQ(ErrorContext(sql.c_str(), offset),
            "\n  , 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, nosuchcol, 31, 32, 33, 34, 3"
            "\n                                      error here ---^");
  EXPECT_EQ(ErrorContext("SELECT 1 +", 10), "");  // at the end: nothing to point at
  EXPECT_EQ(ErrorContext("SELECT", -1), "");
}

TEST(HintsTest, ErrorContextNeverCutsAUtf8Character) {
  std::string sql =
      "SELECT '" + std::string(30, 'a') + "\xC3\xA9\xC3\xA9" + std::string(20, 'b') + "' nosuch";
  int offset = static_cast<int>(sql.find("nosuch"));
  std::string context = ErrorContext(sql.c_str(), offset);
  // The text starts on a character boundary, and the caret is under "n".
  std::string code = context.substr(3, context.find('\n', 1) - 3);
  EXPECT_NE(static_cast<unsigned char>(code[0]) & 0xc0, 0x80) << context;
  EXPECT_EQ(context.substr(context.rfind('\n') + 1),
            std::string(2 + 50 - 14, ' ') + "error here ---^");
}

TEST(HintsTest, SyntaxErrorsAreTold) {
  EXPECT_TRUE(IsSyntaxError("near \"-\": syntax error"));
  EXPECT_TRUE(IsSyntaxError("near \"FORM\": syntax error"));
  EXPECT_TRUE(IsSyntaxError("unrecognized token: \"'abc\""));
  EXPECT_FALSE(IsSyntaxError("no such column: x"));
  EXPECT_FALSE(IsSyntaxError("incomplete input"));
}

TEST(HintsTest, HyphenatedTableNamesMustBeQuoted) {
  const std::string kNear = "near \"-\": syntax error";
  EXPECT_EQ(HyphenatedTableHint(kNear, "SELECT * FROM my-table;", 16),
            " (table names with \"-\" must be quoted: \"my-table\")");
  EXPECT_EQ(HyphenatedTableHint(kNear, "select * from my-big-table where x = 1", 16),
            " (table names with \"-\" must be quoted: \"my-big-table\")");
  EXPECT_EQ(HyphenatedTableHint(kNear, "SELECT * FROM t JOIN\n  web-pages USING (id)", 26),
            " (table names with \"-\" must be quoted: \"web-pages\")");
  EXPECT_EQ(HyphenatedTableHint(kNear, "INSERT INTO my-table VALUES (1)", 14),
            " (table names with \"-\" must be quoted: \"my-table\")");
  EXPECT_EQ(HyphenatedTableHint(kNear, "UPDATE ddb.my-table SET a = 1", 13),
            " (table names with \"-\" must be quoted: ddb.\"my-table\")");
  // Not a table name: a column, an expression, another error.
  EXPECT_EQ(HyphenatedTableHint(kNear, "SELECT my-col FROM t", 9), "");
  EXPECT_EQ(HyphenatedTableHint(kNear, "SELECT * FROM t WHERE a-", 23), "");
  EXPECT_EQ(HyphenatedTableHint("near \"FORM\": syntax error", "SELECT * FORM my-t", 9), "");
  EXPECT_EQ(HyphenatedTableHint(kNear, "SELECT * FROM my-table", 3), "");
}

TEST(HintsTest, AssignedValueIsTheSetExpression) {
  EXPECT_EQ(AssignedValue("UPDATE t SET nosuch=1", "nosuch"), "1");
  EXPECT_EQ(AssignedValue("UPDATE t SET a = 2, nosuch = 'x' || a WHERE id = 'k';", "NoSuch"),
            "'x' || a");
  EXPECT_EQ(AssignedValue("update t set \"no such\" = json_array(1, 2), b = 3", "no such"),
            "json_array(1, 2)");
  EXPECT_EQ(AssignedValue("UPDATE OR IGNORE t SET [n] = (SELECT max(x) FROM u) RETURNING *", "n"),
            "(SELECT max(x) FROM u)");
  EXPECT_EQ(AssignedValue("UPDATE t SET n = 1 FROM u WHERE u.id = t.id", "n"), "1");
  // Not a SET target, a value that reads the column itself, no UPDATE.
  EXPECT_EQ(AssignedValue("UPDATE t SET a = 1 WHERE nosuch = 2", "nosuch"), "");
  EXPECT_EQ(AssignedValue("UPDATE t SET n = n + 1", "n"), "");
  EXPECT_EQ(AssignedValue("UPDATE t SET (a, n) = (1, 2)", "n"), "");
  EXPECT_EQ(AssignedValue("SELECT n = 1 FROM t", "n"), "");
  EXPECT_EQ(AssignedValue("UPDATE t SET a = 'it''s; -- not', n = 4; SELECT 1", "n"), "4");
}

}  // namespace
}  // namespace ddb::shell
