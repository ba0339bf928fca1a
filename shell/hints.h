// The text of the hints shell/hints.cc adds to SQLite's prepare errors that
// need no database: where a syntax error is (the lines sqlite3 prints under
// it), a table name with "-" that must be quoted, and the value an UPDATE
// assigns to a column. Shell's own hints (MissingColumnHint, ...) use them.
#pragma once

#include <string>

namespace ddb::shell {

// The two lines sqlite3 (3.40) prints under a prepare error at byte `offset`
// of `sql` (sqlite3_error_offset): up to 78 bytes of the statement, white
// space shown as spaces, and a caret under the error, each line after a
// newline and two spaces:
//   "\n  SELECT * FROM my-table;\n                  ^--- error here"
// Past 25 bytes the marker is "error here ---^"; past 50 the text starts
// later. Empty when `offset` is not inside `sql`.
std::string ErrorContext(const char* sql, int offset);

// True for the errors SQLite reports of the statement text itself
// (`near "X": syntax error`, `unrecognized token: ...`): those the shell
// shows ErrorContext under.
bool IsSyntaxError(const std::string& message);

// For `near "-": syntax error` at `offset` of `sql` where a table is named
// (after FROM, JOIN, INTO, UPDATE or TABLE) by a name with "-": the hint
// ` (table names with "-" must be quoted: "my-table")`. Empty otherwise.
std::string HyphenatedTableHint(const std::string& message, const char* sql, int offset);

// When `sql` is an UPDATE whose SET clause assigns `column` (named bare or
// quoted, any case) a value, the expression's text ("1", "'a' || x");
// empty otherwise, and when the value reads `column` itself.
std::string AssignedValue(const char* sql, const std::string& column);

}  // namespace ddb::shell
