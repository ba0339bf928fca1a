#include "engine/sqlite_util.h"

#include <memory>

namespace ddb::sql {

namespace {

// The error of the last call on `db`, or SQLite's text for `rc`.
Status SqliteError(sqlite3* db, int rc) {
  return Status::InvalidArgument(db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

struct FreeSqlite {
  void operator()(char* p) const { sqlite3_free(p); }
};

// Formats one string argument with sqlite3_mprintf (`format` holds one %Q
// or %w); SQLite's own quoting, not a loop of ours.
std::string Printf(const char* format, std::string_view text) {
  std::unique_ptr<char, FreeSqlite> out(
      sqlite3_mprintf(format, static_cast<int>(text.size()), text.data()));
  return out ? std::string(out.get()) : std::string();
}

}  // namespace

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = other.stmt_;
    db_ = other.db_;
    other.stmt_ = nullptr;
  }
  return *this;
}

Status Statement::Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_finalize(stmt_);
  stmt_ = nullptr;
  db_ = db;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    Status s = SqliteError(db, rc);
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    return s;
  }
  if (stmt_ == nullptr)
    return Status::InvalidArgument("no SQL statement in '" + std::string(sql) + "'");
  return Status::OK();
}

int Statement::PrepareNext(sqlite3* db, const char* sql, const char** tail) {
  sqlite3_finalize(stmt_);
  stmt_ = nullptr;
  db_ = db;
  return sqlite3_prepare_v2(db, sql, -1, &stmt_, tail);  // no statement on an error
}

void Statement::BindText(int i, std::string_view text) {
  sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

bool Statement::Step(Status* status) {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (status) *status = rc == SQLITE_DONE ? Status::OK() : SqliteError(db_, rc);
  return false;
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::ColumnText(int i) const {
  const unsigned char* t = sqlite3_column_text(stmt_, i);
  if (t == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(t),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, i)));
}

Status Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::unique_ptr<char, FreeSqlite> owned(err);
  if (rc != SQLITE_OK) return Status::InvalidArgument(err ? err : sqlite3_errstr(rc));
  return Status::OK();
}

// %.*Q and %.*w take the length first: `text` need not end in a NUL.
std::string QuoteLiteral(std::string_view text) { return Printf("%.*Q", text); }

std::string QuoteIdentifier(std::string_view name) {
  // Appending in steps (not "\"" + ... + "\"") keeps GCC 12's -Wrestrict
  // false positive on std::string's operator+ away from -Werror builds.
  std::string quoted;
  quoted.reserve(name.size() + 2);
  quoted.push_back('"');
  quoted.append(Printf("%.*w", name));
  quoted.push_back('"');
  return quoted;
}

}  // namespace ddb::sql
