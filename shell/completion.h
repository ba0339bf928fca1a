// Completion: what TAB offers in the REPL. Pure logic over the text being
// entered and a catalog of names, so it is testable without a terminal or a
// database; repl.cc connects it to readline and to the SQLite connection.
//
// What is offered where:
//  - a dot-command name at the start of a line (".mo" -> ".mode"), then its
//    arguments as the dot-command table (dot_command_table.h) spells them: the alternatives of
//    "on|off", output modes for MODE, table names for TABLE and PATTERN, file names for FILE;
//  - table names after FROM, JOIN, UPDATE, INTO, TABLE and after a comma in
//    a FROM clause, schema names ("ddb.") too;
//  - "schema.": the tables of that schema; "table." or "alias.": its columns;
//  - elsewhere: the columns of the tables the statement names (FROM, JOIN,
//    UPDATE, INTO, anywhere in the statement, also after the cursor), table
//    names and aliases, SQL keywords (in the case the user types them in)
//    and function names.
// Identifiers that need quotes are offered quoted: "my-table" (as insert
// mode quotes table names, output.h's QuoteInsertTable).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ddb::shell {

// The names completion may look up.
class CompletionCatalog {
 public:
  virtual ~CompletionCatalog() = default;
  // Table and view names of `schema`, or of every schema when it is empty.
  virtual std::vector<std::string> Tables(const std::string& schema) = 0;
  // Column names of `table` in `schema` (empty: wherever SQLite finds it);
  // empty when the table is unknown.
  virtual std::vector<std::string> Columns(const std::string& schema, const std::string& table) = 0;
  // Schema names ("main", "temp", "ddb").
  virtual std::vector<std::string> Schemas() = 0;
  // SQL keywords, upper case.
  virtual std::vector<std::string> Keywords() = 0;
  // SQL function names.
  virtual std::vector<std::string> Functions() = 0;
  // Output mode names, for `.mode`.
  virtual std::vector<std::string> Modes() = 0;
};

struct CompletionRequest {
  std::string pending;  // the earlier lines of the statement ("" if none), each ending in '\n'
  std::string line;     // the whole current line
  size_t start = 0;     // the word being completed is line[start, end)
  size_t end = 0;       // (the cursor)
  // '"' when the word follows an unclosed double quote at line[start - 1]:
  // matches are then the bare names, and the caller closes the quote.
  char quote = 0;
};

struct CompletionResult {
  std::vector<std::string> matches;  // replacements for line[start, end), sorted, unique
  bool filenames = false;            // the caller should offer file names instead
};

CompletionResult Complete(const CompletionRequest& request, CompletionCatalog* catalog);

// A table a statement names, with its alias ("" if none).
struct TableRef {
  std::string schema;  // "" when not qualified
  std::string name;
  std::string alias;
};

// The tables `sql` names after FROM (and the commas of its list), JOIN,
// UPDATE and INTO, in order, found by a simple scan of its tokens (quotes,
// strings and comments understood; subqueries in parentheses are skipped as
// names but scanned for their own tables).
std::vector<TableRef> TablesInStatement(std::string_view sql);

}  // namespace ddb::shell
