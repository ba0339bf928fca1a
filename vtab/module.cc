// The dynamodb module's registration (module.h): the sqlite3_module of
// callbacks, begins_with, the write callbacks (each hands its work to the
// table's TableWriter, vtab/write.h), and listing the account's tables into
// the schema "ddb". ModuleContext::writes() is in write.cc.
#include <sqlite3.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/sqlite_util.h"
#include "vtab/dynamodb_export.h"
#include "vtab/dynamodb_table.h"
#include "vtab/encrypted_items.h"
#include "vtab/functions.h"
#include "vtab/sql_names.h"
#include "vtab/write.h"

namespace ddb::vtab {

void SetError(sqlite3_vtab* vtab, const std::string& msg) {
  sqlite3_free(vtab->zErrMsg);
  vtab->zErrMsg = sqlite3_mprintf("%s", msg.c_str());
}

int ErrorCode(const Status& s) {
  if (s.IsCancelled()) return SQLITE_INTERRUPT;
  return SQLITE_ERROR;
}

namespace {

// sql::Exec, with its error as the shell has always shown it.
Status ExecSql(sqlite3* db, const std::string& sql) {
  Status s = sql::Exec(db, sql);
  if (!s.ok()) return Status::IOError("sqlite: " + s.message());
  return s;
}

// begins_with(s, prefix): 1 when the text (or bytes) `s` starts with
// `prefix`, as DynamoDB's begins_with compares: byte for byte, case
// sensitive. NULL when either is NULL.
void BeginsWithFunc(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  bool blobs = sqlite3_value_type(argv[0]) == SQLITE_BLOB;
  const void* a = blobs ? sqlite3_value_blob(argv[0]) : sqlite3_value_text(argv[0]);
  int na = sqlite3_value_bytes(argv[0]);
  const void* b = blobs ? sqlite3_value_blob(argv[1]) : sqlite3_value_text(argv[1]);
  int nb = sqlite3_value_bytes(argv[1]);
  sqlite3_result_int(ctx, nb <= na && (nb == 0 || std::memcmp(a, b, static_cast<size_t>(nb)) == 0));
}

// Contract: overloads begins_with(column, prefix) so that xBestIndex sees it
// as a constraint (kBeginsWithConstraint) and can push it into a Query.
int DdbFindFunction(sqlite3_vtab*, int nargs, const char* name,
                    void (**func)(sqlite3_context*, int, sqlite3_value**), void** arg) {
  if (nargs != 2 || sqlite3_stricmp(name, "begins_with") != 0) return 0;
  *func = BeginsWithFunc;
  *arg = nullptr;
  return kBeginsWithConstraint;
}

// Contract: INSERT (argv[0] NULL), UPDATE (argv[0] the old rowid) or DELETE
// (argc 1) of one item, as vtab/write.h describes; errors name the table.
// The statement's copies of this table's scans (scan_cache.h) are stale
// from here on and are dropped; a reader already going keeps its own.
int DdbUpdate(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64* rowid) {
  auto* t = reinterpret_cast<DdbTable*>(vtab);
  if (t->encryptor) {
    Status refused = t->encryptor->WriteRefusal();
    if (!refused.ok()) {
      sqlite3_free(vtab->zErrMsg);
      vtab->zErrMsg = sqlite3_mprintf("%s", refused.ToString().c_str());
      return SQLITE_ERROR;
    }
  }
  t->ctx->scan_cache().Forget(t);
  // Inside BEGIN a failed row leaves none of its writes (a key change is
  // two); SQLite's statement savepoint undoes the statement's earlier rows.
  size_t before = t->ctx->writes().mark();
  int rc = t->writer->Update(vtab, argc, argv, rowid);
  if (rc != SQLITE_OK) t->ctx->writes().UndoTo(before);
  return rc;
}

// Contract: a statement that writes the table starts (or BEGIN's first one);
// refused in a read-only session.
int DdbBegin(sqlite3_vtab* vtab) { return reinterpret_cast<DdbTable*>(vtab)->writer->Begin(vtab); }

// Contract: the durable step of a commit: outside BEGIN waits for every write
// of the statement; at COMMIT sends the TransactWriteItems. An error here
// makes SQLite roll back.
int DdbSync(sqlite3_vtab* vtab) { return reinterpret_cast<DdbTable*>(vtab)->writer->Sync(vtab); }

// Contract: forgets the transaction; idempotent, never fails.
int DdbCommit(sqlite3_vtab* vtab) { return reinterpret_cast<DdbTable*>(vtab)->writer->Commit(); }

// Contract: drops what was not sent; idempotent, never fails.
int DdbRollback(sqlite3_vtab* vtab) {
  return reinterpret_cast<DdbTable*>(vtab)->writer->Rollback();
}

// Contract: savepoint `n` begins (SQLite opens one around each statement
// inside BEGIN, and for SAVEPOINT): marks the transaction's writes so far.
int DdbSavepoint(sqlite3_vtab* vtab, int n) {
  reinterpret_cast<DdbTable*>(vtab)->ctx->writes().Savepoint(n);
  return SQLITE_OK;
}

// Contract: savepoint `n` and those after it end; the writes stay.
int DdbRelease(sqlite3_vtab* vtab, int n) {
  reinterpret_cast<DdbTable*>(vtab)->ctx->writes().Release(n);
  return SQLITE_OK;
}

// Contract: back to savepoint `n` (a failed statement, ROLLBACK TO): the
// writes added since are dropped, never sent.
int DdbRollbackTo(sqlite3_vtab* vtab, int n) {
  reinterpret_cast<DdbTable*>(vtab)->ctx->writes().RollbackTo(n);
  return SQLITE_OK;
}

// Contract: ALTER TABLE ... RENAME is refused: DynamoDB is never touched.
int DdbRename(sqlite3_vtab* vtab, const char*) {
  SetError(vtab, SchemaChangeRefused("ALTER TABLE", reinterpret_cast<DdbTable*>(vtab)->table));
  return SQLITE_ERROR;
}

sqlite3_module kModule = {
    /* iVersion    */ 3,
    /* xCreate     */ DdbConnect,
    /* xConnect    */ DdbConnect,
    /* xBestIndex  */ DdbBestIndex,
    /* xDisconnect */ DdbDisconnect,
    /* xDestroy    */ DdbDestroy,
    /* xOpen       */ DdbOpen,
    /* xClose      */ DdbClose,
    /* xFilter     */ DdbFilter,
    /* xNext       */ DdbNext,
    /* xEof        */ DdbEof,
    /* xColumn     */ DdbColumn,
    /* xRowid      */ DdbRowid,
    /* xUpdate     */ DdbUpdate,
    /* xBegin      */ DdbBegin,
    /* xSync       */ DdbSync,
    /* xCommit     */ DdbCommit,
    /* xRollback   */ DdbRollback,
    /* xFindFunction */ DdbFindFunction,
    /* xRename     */ DdbRename,
    /* xSavepoint  */ DdbSavepoint,
    /* xRelease    */ DdbRelease,
    /* xRollbackTo */ DdbRollbackTo,
    /* xShadowName */ nullptr,
};

}  // namespace

void Stats::Reset() {
  for (auto* a : {&requests,
                  &pages,
                  &items_scanned,
                  &items_returned,
                  &rows,
                  &reused,
                  &reused_rows,
                  &bytes,
                  &retries,
                  &get_item,
                  &batch_get_item,
                  &query,
                  &scan,
                  &execute_statement,
                  &capacity_milli,
                  &s3_gets,
                  &s3_bytes,
                  &s3_cache_hits,
                  &s3_in_flight_max,
                  &s3_puts,
                  &s3_put_bytes,
                  &s3_deletes,
                  &s3_put_in_flight_max,
                  &put_item,
                  &update_item,
                  &delete_item,
                  &batch_write_item,
                  &transact_write_items,
                  &write_capacity_milli,
                  &items_written,
                  &items_refused,
                  &writes_cancelled,
                  &items_cancelled,
                  &items_decrypted,
                  &items_unverified,
                  &export_files,
                  &export_bytes,
                  &export_items}) {
    a->store(0);
  }
}

Status ModuleContext::OpenConnection(const aws::Overrides& overrides,
                                     std::shared_ptr<Connection>* out) {
  ConnectionOptions o = connection_options_;
  if (!overrides.profile.empty()) o.overrides.profile = overrides.profile;
  if (!overrides.region.empty()) o.overrides.region = overrides.region;
  if (!overrides.endpoint_url.empty()) o.overrides.endpoint_url = overrides.endpoint_url;
  // One HTTP client for every connection: Ctrl-C cancels all their requests.
  o.shared_http = connection_->shared_http();
  return Connection::Open(std::move(o), out);
}

Status RegisterModule(sqlite3* db, ModuleContext* context) {
  int rc = sqlite3_create_module_v2(db, "dynamodb", &kModule, context, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function(db, "begins_with", 2,
                                 SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                 BeginsWithFunc, nullptr, nullptr);
  }
  if (rc != SQLITE_OK) return Status::IOError(std::string("sqlite: ") + sqlite3_errmsg(db));
  InstallWriteGuard(db, context);  // DROP/ALTER of DynamoDB tables refused (vtab/write.h)
  if (Status s = RegisterExportModule(db, context); !s.ok()) return s;  // dynamodb_export.h
  return RegisterFunctions(db, context);  // ddb_partiql, ddb_query (functions_vtab.cc)
}

std::string ModuleContext::SchemaScope(Connection& connection) {
  return SchemaCache::Scope(connection.dynamodb_endpoint().BaseUrl(), connection.settings().region,
                            connection.StableIdentity());
}

Status RefreshTables(sqlite3* db, ModuleContext* context, const std::string& table) {
  SchemaCache cache = context->schema_cache();
  std::string scope = cache.enabled() ? ModuleContext::SchemaScope(context->connection()) : "";
  if (table.empty()) {
    if (!scope.empty()) cache.Forget(scope, "");
    context->ForgetDescribed("");
  }
  // The list too: a table created since shows up.
  Status s = AttachTables(db, context, "ddb", nullptr, /*relist=*/true);
  if (!s.ok() || table.empty()) return s;
  // TABLE is the DynamoDB name, or the SQL name it was declared under.
  std::string dynamo;
  for (const auto& [name, sql_name] : context->ListedTables()) {
    if (name == table) dynamo = name;
  }
  for (const auto& [name, sql_name] : context->ListedTables()) {
    if (dynamo.empty() && sqlite3_stricmp(sql_name.c_str(), table.c_str()) == 0) dynamo = name;
  }
  if (dynamo.empty()) return Status::InvalidArgument(".refresh: no DynamoDB table named " + table);
  if (!scope.empty()) cache.Forget(scope, dynamo);
  context->ForgetDescribed(dynamo);
  return Status::OK();
}

Status AttachTables(sqlite3* db, ModuleContext* context, const std::string& schema, size_t* count,
                    bool relist) {
  std::vector<std::string> names;
  SchemaCache cache = context->schema_cache();
  std::string scope = cache.enabled() ? ModuleContext::SchemaScope(context->connection()) : "";
  if (relist || scope.empty() || !cache.LoadTables(scope, &names)) {
    Status s = context->connection().dynamodb().ListTables(&names);
    if (!s.ok()) return s;
    context->stats().requests++;
    if (!scope.empty()) cache.SaveTables(scope, names);
  }
  Status s;
  if (sqlite3_db_filename(db, schema.c_str()) == nullptr) {
    s = ExecSql(db, "ATTACH ':memory:' AS " + sql::QuoteIdentifier(schema));
    if (!s.ok()) return s;
  }
  // Declaring a virtual table through the schema table, rather than with
  // CREATE VIRTUAL TABLE, lets SQLite connect it (DescribeTable) only when
  // a statement uses it: hundreds of tables cost one ListTables.
  std::string q = sql::QuoteIdentifier(schema);
  std::string sql = "PRAGMA " + q + ".writable_schema=ON; DELETE FROM " + q +
                    ".sqlite_schema WHERE sql LIKE 'CREATE VIRTUAL TABLE % USING dynamodb(%';";
  // DynamoDB names are case-sensitive, SQLite's are not: tables whose names
  // differ only in case get names of their own (sql_names.h), and none of
  // them the name they share.
  std::vector<std::string> sql_names = DistinctSqlNames(names);
  std::vector<std::pair<std::string, std::string>> listed;
  for (size_t i = 0; i < names.size(); ++i) {
    listed.emplace_back(names[i], sql_names[i]);
    std::string create = "CREATE VIRTUAL TABLE " + sql::QuoteIdentifier(sql_names[i]) +
                         " USING dynamodb(table=" + sql::QuoteLiteral(names[i]) + ")";
    sql += "INSERT INTO " + q + ".sqlite_schema(type,name,tbl_name,rootpage,sql) VALUES('table'," +
           sql::QuoteLiteral(sql_names[i]) + "," + sql::QuoteLiteral(sql_names[i]) + ",0," +
           sql::QuoteLiteral(create) + ");";
  }
  sql += "PRAGMA " + q + ".writable_schema=RESET;";
  s = ExecSql(db, sql);
  if (!s.ok()) return s;
  context->NoteListedTables(std::move(listed));
  if (count) *count = names.size();
  return Status::OK();
}

}  // namespace ddb::vtab
