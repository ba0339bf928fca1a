// The few SQLite helpers every layer needs: a prepared statement that
// finalizes itself, running SQL text, and quoting through SQLite's own
// printf (%Q for literals, %w for identifiers), so that no file writes a
// quoting loop of its own.
//
//   sql::Statement stmt;
//   Status s = stmt.Prepare(db, "SELECT name FROM sqlite_schema WHERE type = ?1");
//   if (!s.ok()) return s;
//   stmt.BindText(1, "table");
//   while (stmt.Step(&s)) names.push_back(stmt.ColumnText(0));
//   if (!s.ok()) return s;
//
//   Status s = sql::Exec(db, "ATTACH ':memory:' AS " + sql::QuoteIdentifier(schema));
//
// The engine has no SQLite types but the ledger's own database; this header
// is here so that the ledger, vtab/ and shell/ share it.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace ddb::sql {

// A prepared statement, finalized when it goes out of scope.
class Statement {
 public:
  Statement() = default;
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept : stmt_(other.stmt_), db_(other.db_) {
    other.stmt_ = nullptr;
  }
  Statement& operator=(Statement&& other) noexcept;

  // Prepares `sql` (its first statement) on `db`, finalizing any statement
  // held before. An error carries SQLite's message.
  Status Prepare(sqlite3* db, std::string_view sql);

  // Prepares the first statement of the NUL-terminated `sql` as
  // sqlite3_prepare_v2 does, finalizing any statement held before, and
  // returns SQLite's result code; `*tail` is set past that statement. Text
  // without a statement (a comment, a lone ';') leaves none held. After an
  // error SQLite's message and error offset stay on `db`.
  int PrepareNext(sqlite3* db, const char* sql, const char** tail);

  sqlite3_stmt* get() const { return stmt_; }
  explicit operator bool() const { return stmt_ != nullptr; }

  // Binds parameter `i` (1-based); the value is copied.
  void BindText(int i, std::string_view text);
  void BindInt(int i, int64_t value) { sqlite3_bind_int64(stmt_, i, value); }
  void BindNull(int i) { sqlite3_bind_null(stmt_, i); }

  // Steps once: true with a row to read; false when done or failed, with
  // `*status` set to the error (OK when done). `status` may be null.
  bool Step(Status* status = nullptr);
  // Resets the statement (and clears its bindings) for another run.
  void Reset();

  // Column `i` of the current row as text ("" for NULL), with embedded NULs.
  std::string ColumnText(int i) const;
  int64_t ColumnInt(int i) const { return sqlite3_column_int64(stmt_, i); }
  bool ColumnIsNull(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
};

// Runs `sql` (one or more statements, no results wanted). An error carries
// SQLite's message.
Status Exec(sqlite3* db, const std::string& sql);

// `text` as an SQL string literal: 'it''s' (sqlite3_mprintf's %Q).
std::string QuoteLiteral(std::string_view text);

// `name` as an SQL identifier in double quotes, always: "my ""table""".
std::string QuoteIdentifier(std::string_view name);

}  // namespace ddb::sql
