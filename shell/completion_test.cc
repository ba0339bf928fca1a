#include "shell/completion.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "shell/output.h"

namespace ddb::shell {
namespace {

using Names = std::vector<std::string>;

class FakeCatalog : public CompletionCatalog {
 public:
  std::vector<std::string> Tables(const std::string& schema) override {
    if (schema == "ddb") return {"demo", "my-table", "orders"};
    if (schema == "main") return {"notes"};
    if (schema == "temp") return {};
    return {"demo", "my-table", "orders", "notes"};
  }
  std::vector<std::string> Columns(const std::string& schema, const std::string& table) override {
    column_lookups.push_back(schema.empty() ? table : schema + "." + table);
    auto it = columns.find(table);
    return it == columns.end() ? std::vector<std::string>{} : it->second;
  }
  std::vector<std::string> Schemas() override { return {"main", "temp", "ddb"}; }
  std::vector<std::string> Keywords() override { return {"SELECT", "SET", "FROM", "WHERE", "NOT"}; }
  std::vector<std::string> Functions() override { return {"sum", "substr"}; }
  std::vector<std::string> Modes() override { return {"box", "csv", "json", "list"}; }

  std::map<std::string, std::vector<std::string>> columns = {
      {"demo", {"id", "name", "nickname", "score"}},
      {"my-table", {"pk", "my col"}},
      {"orders", {"order_id", "total", "id"}},
  };
  std::vector<std::string> column_lookups;
};

// Completes the word that ends at the end of `line`, finding its start as
// repl.cc has readline do: SQL words break at blanks, parentheses, commas and
// operators, not at '-', '.' or '"'.
CompletionResult CompleteAtEnd(FakeCatalog* catalog, const std::string& line,
                               const std::string& pending = "") {
  CompletionRequest r;
  r.pending = pending;
  r.line = line;
  r.end = line.size();
  // On a dot-command line only blanks break words (file names have '/').
  bool dot = pending.empty() && line.find_first_not_of(" \t") != std::string::npos &&
             line[line.find_first_not_of(" \t")] == '.';
  size_t start = line.find_last_of(dot ? " \t\n" : " \t\n(),;=<>!+*/%|&~'");
  r.start = start == std::string::npos ? 0 : start + 1;
  // An unclosed double quote: readline hands over the text after it.
  size_t quotes = 0;
  for (char c : line) quotes += c == '"';
  if (quotes % 2 == 1) {
    r.start = line.rfind('"') + 1;
    r.quote = '"';
  }
  return Complete(r, catalog);
}

TEST(CompletionTest, TableNameNeedingQuotesIsCompletedQuoted) {
  FakeCatalog c;
  EXPECT_EQ(CompleteAtEnd(&c, "SELECT * FROM my-t").matches, Names({"\"my-table\""}));
  EXPECT_EQ(CompleteAtEnd(&c, "select * from MY").matches, Names({"\"my-table\""}));
  // After FROM only tables (and schemas), no keywords or columns.
  EXPECT_EQ(CompleteAtEnd(&c, "SELECT * FROM ").matches,
            Names({"\"my-table\"", "demo", "notes", "orders"}));
  EXPECT_EQ(CompleteAtEnd(&c, "SELECT * FROM d").matches, Names({"ddb.", "demo"}));
}

TEST(CompletionTest, InsideAnOpenQuoteOffersBareNames) {
  FakeCatalog c;
  EXPECT_EQ(CompleteAtEnd(&c, "SELECT * FROM \"my").matches, Names({"my-table"}));
  EXPECT_EQ(CompleteAtEnd(&c, "SELECT * FROM ddb.\"my").matches, Names({"my-table"}));
  EXPECT_EQ(CompleteAtEnd(&c, "SELECT \"my", "").matches, Names({"my-table"}));
}

TEST(CompletionTest, TablesAfterJoinUpdateIntoAndFromListCommas) {
  FakeCatalog c;
  EXPECT_EQ(CompleteAtEnd(&c, "SELECT 1 FROM demo JOIN or").matches, Names({"orders"}));
  EXPECT_EQ(CompleteAtEnd(&c, "UPDATE no").matches, Names({"notes"}));
  EXPECT_EQ(CompleteAtEnd(&c, "INSERT INTO no").matches, Names({"notes"}));
  EXPECT_EQ(CompleteAtEnd(&c, "SELECT 1 FROM demo, or").matches, Names({"orders"}));
  // A comma in the select list is an expression position.
  EXPECT_EQ(CompleteAtEnd(&c, "SELECT id, na", "").matches, Names({}));
}

TEST(CompletionTest, ColumnsOfTheTablesInTheStatement) {
  FakeCatalog c;
  // The FROM clause may come after the cursor.
  CompletionRequest r;
  r.line = "SELECT nam FROM demo";
  r.start = 7;
  r.end = 10;
  EXPECT_EQ(Complete(r, &c).matches, Names({"name"}));
  EXPECT_EQ(CompleteAtEnd(&c, "SELECT * FROM demo WHERE sc").matches, Names({"score"}));
  // Columns of every table named, JOINs included; keywords too, in the case typed.
  EXPECT_EQ(CompleteAtEnd(&c, "SELECT * FROM demo JOIN orders ON to").matches, Names({"total"}));
  EXPECT_EQ(CompleteAtEnd(&c, "SELECT * FROM orders WHERE S").matches,
            Names({"SELECT", "SET", "substr", "sum"}));
  EXPECT_EQ(CompleteAtEnd(&c, "select * from demo where s").matches,
            Names({"score", "select", "set", "substr", "sum"}));
  // A column that needs quotes.
  CompletionRequest q;
  q.line = "SELECT my FROM \"my-table\"";
  q.start = 7;
  q.end = 9;
  EXPECT_EQ(Complete(q, &c).matches, Names({"\"my col\"", "\"my-table\""}));
}

TEST(CompletionTest, EmptyWordOffersColumnsOnly) {
  FakeCatalog c;
  CompletionRequest r;
  r.line = "SELECT  FROM orders";
  r.start = r.end = 7;
  EXPECT_EQ(Complete(r, &c).matches, Names({"id", "order_id", "total"}));
}

TEST(CompletionTest, ContextSpansThePendingLinesAndStopsAtSemicolons) {
  FakeCatalog c;
  EXPECT_EQ(CompleteAtEnd(&c, "WHERE nick", "SELECT *\nFROM demo\n").matches, Names({"nickname"}));
  // The previous statement's tables are not in context.
  c.column_lookups.clear();
  EXPECT_EQ(CompleteAtEnd(&c, "SELECT * FROM demo; SELECT nick").matches, Names({}));
  EXPECT_TRUE(c.column_lookups.empty());
}

TEST(CompletionTest, QualifiedNames) {
  FakeCatalog c;
  CompletionRequest r;
  r.line = "SELECT d.na FROM demo AS d";
  r.start = 7;
  r.end = 11;
  EXPECT_EQ(Complete(r, &c).matches, Names({"d.name"}));
  EXPECT_EQ(CompleteAtEnd(&c, "SELECT * FROM ddb.my").matches, Names({"ddb.\"my-table\""}));
  EXPECT_EQ(
      CompleteAtEnd(&c, "SELECT \"my-table\".p FROM \"my-table\" WHERE \"my-table\".p").matches,
      Names({"\"my-table\".pk"}));
  EXPECT_EQ(CompleteAtEnd(&c, "SELECT * FROM orders o WHERE o.").matches,
            Names({"o.id", "o.order_id", "o.total"}));
}

TEST(CompletionTest, MinusIsAnOperatorWhenNoNameMatches) {
  FakeCatalog c;
  EXPECT_EQ(CompleteAtEnd(&c, "SELECT * FROM demo WHERE my-t").matches, Names({"\"my-table\""}));
  EXPECT_EQ(CompleteAtEnd(&c, "SELECT * FROM orders WHERE 3-to").matches, Names({"3-total"}));
}

TEST(CompletionTest, DotCommands) {
  FakeCatalog c;
  EXPECT_EQ(CompleteAtEnd(&c, ".he").matches, Names({".headers", ".help"}));
  EXPECT_EQ(CompleteAtEnd(&c, "  .pa").matches, Names({".pager", ".parallel", ".parameter"}));
  EXPECT_EQ(CompleteAtEnd(&c, ".headers o").matches, Names({"off", "on"}));
  EXPECT_EQ(CompleteAtEnd(&c, ".header of").matches, Names({"off"}));  // an alias
  EXPECT_EQ(CompleteAtEnd(&c, ".hea of").matches, Names({"off"}));     // an abbreviation
  EXPECT_EQ(CompleteAtEnd(&c, ".eqp ").matches, Names({"full", "off", "on"}));
  EXPECT_EQ(CompleteAtEnd(&c, ".s3missing n").matches, Names({"null"}));
  EXPECT_EQ(CompleteAtEnd(&c, ".pager ").matches, Names({"off", "on"}));
  EXPECT_EQ(CompleteAtEnd(&c, ".mode j").matches, Names({"json"}));
  EXPECT_EQ(CompleteAtEnd(&c, ".schema my").matches, Names({"my-table"}));
  EXPECT_TRUE(CompleteAtEnd(&c, ".read /tm").filenames);
  EXPECT_EQ(CompleteAtEnd(&c, ".help x").matches, Names({}));
  // Not a dot-command when a statement is pending.
  EXPECT_EQ(CompleteAtEnd(&c, ".he", "SELECT 1\n").matches, Names({}));
}

TEST(CompletionTest, TablesInStatement) {
  auto refs = TablesInStatement(
      "SELECT * FROM ddb.\"my-table\" AS m, orders o LEFT JOIN [x y] ON 1 "
      "WHERE id IN (SELECT id FROM notes) AND v = 'FROM fake' -- FROM gone\n");
  ASSERT_EQ(refs.size(), 4u);
  EXPECT_EQ(refs[0].schema, "ddb");
  EXPECT_EQ(refs[0].name, "my-table");
  EXPECT_EQ(refs[0].alias, "m");
  EXPECT_EQ(refs[1].name, "orders");
  EXPECT_EQ(refs[1].alias, "o");
  EXPECT_EQ(refs[2].name, "x y");
  EXPECT_EQ(refs[2].alias, "");
  EXPECT_EQ(refs[3].name, "notes");

  refs = TablesInStatement("INSERT INTO t(a, b) SELECT a, b FROM json_each('[]')");
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(refs[0].name, "t");
  refs = TablesInStatement("UPDATE OR REPLACE demo SET x = 1");
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(refs[0].name, "demo");
  EXPECT_EQ(refs[0].alias, "");
}

// Names are offered quoted as insert mode quotes table names.
TEST(CompletionTest, QuoteInsertTable) {
  EXPECT_EQ(QuoteInsertTable("demo"), "demo");
  EXPECT_EQ(QuoteInsertTable("_x9"), "_x9");
  EXPECT_EQ(QuoteInsertTable("my-table"), "\"my-table\"");
  EXPECT_EQ(QuoteInsertTable("9lives"), "\"9lives\"");
  EXPECT_EQ(QuoteInsertTable("select"), "\"select\"");
  EXPECT_EQ(QuoteInsertTable("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteInsertTable(""), "\"\"");
}

}  // namespace
}  // namespace ddb::shell
