// .dump: the local database "main" written as the SQL that rebuilds it,
// as sqlite3 3.40 writes it. A virtual table (a DynamoDB table copied into
// main's schema) is recreated through sqlite_schema, its rows not read.
#include <string>
#include <vector>

#include "engine/strings.h"
#include "shell/dot_commands.h"
#include "shell/text_util.h"

namespace ddb::shell {

namespace {

struct DumpState {
  sqlite3* db;
  std::FILE* out;
  bool data_only = false;
  bool nosys = false;
  bool writable_schema = false;  // "PRAGMA writable_schema=ON" was written
  int errors = 0;
  bool interrupted = false;  // Ctrl-C: no further table
};

void DumpTable(DumpState* d, const std::string& name, const std::string& type,
               const std::string& sql) {
  if (name == "sqlite_sequence" && !d->nosys) {
    if (!d->data_only) std::fputs("DELETE FROM sqlite_sequence;\n", d->out);
  } else if (sqlite3_strglob("sqlite_stat?", name.c_str()) == 0 && !d->nosys) {
    if (!d->data_only) std::fputs("ANALYZE sqlite_schema;\n", d->out);
  } else if (name.rfind("sqlite_", 0) == 0) {
    return;
  } else if (d->data_only) {
    // rows only
  } else if (sql.rfind("CREATE VIRTUAL TABLE", 0) == 0) {
    // A virtual table is recreated through the schema table, its rows are
    // not read (for a DynamoDB table that would be a full Scan).
    if (!d->writable_schema) {
      std::fputs("PRAGMA writable_schema=ON;\n", d->out);
      d->writable_schema = true;
    }
    std::string l = sql::QuoteLiteral(name);
    std::fprintf(d->out,
                 "INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)"
                 "VALUES('table',%s,%s,0,%s);\n",
                 l.c_str(), l.c_str(), sql::QuoteLiteral(sql).c_str());
    return;
  } else {
    PrintSchemaLine(d->out, sql, ";\n");
  }
  if (type != "table") return;
  std::vector<std::string> columns;
  Status s = ForEachRow(d->db, "SELECT name FROM pragma_table_info(?1, 'main')", {name},
                        [&](sqlite3_stmt* st) { columns.push_back(ColumnText(st, 0)); });
  if (!s.ok() || columns.empty()) {
    ++d->errors;
    return;
  }
  std::string select = "SELECT ";
  for (size_t i = 0; i < columns.size(); ++i) {
    select += (i ? "," : "") + QuoteInsertTable(columns[i]);
  }
  select += " FROM main." + QuoteInsertTable(name);
  sql::Statement stmt;
  if (!stmt.Prepare(d->db, select).ok()) {
    ++d->errors;
    return;
  }
  OutputSettings insert;
  SetMode(&insert, Mode::kInsert);
  insert.insert_table = QuoteInsertTable(name);
  insert.headers = false;
  int rc = RenderResults(stmt.get(), insert, d->out);
  if (rc == SQLITE_INTERRUPT) d->interrupted = true;
  if (rc != SQLITE_DONE && rc != SQLITE_OK) ++d->errors;
}

}  // namespace

Status DumpCommand(sqlite3* db, const std::vector<std::string>& w, std::FILE* out,
                   const Status& listed) {
  DumpState d{db, out};
  std::vector<std::string> patterns;
  for (size_t i = 1; i < w.size(); ++i) {
    std::string o = w[i];
    if (o.rfind("--", 0) == 0) o = o.substr(1);
    if (o == "-data-only") {
      d.data_only = true;
    } else if (o == "-nosys") {
      d.nosys = true;
    } else if (!o.empty() && o[0] == '-') {
      return Status::InvalidArgument("unknown option: " + w[i] +
                                     " (usage: .dump ?--data-only? ?--nosys? ?OBJECTS?)");
    } else {
      patterns.push_back(w[i]);
    }
  }
  // DynamoDB tables live outside "main": a pattern naming such a table
  // would silently dump nothing, so say why, and only that (no empty
  // BEGIN TRANSACTION; COMMIT; on stdout beside the error).
  std::vector<std::string> dynamo;
  if (HasDynamoSchema(db)) {
    for (const auto& p : patterns) {
      ForEachRow(db, "SELECT name FROM ddb.sqlite_schema WHERE name LIKE ?1 ESCAPE '\\'", {p},
                 [&](sqlite3_stmt* st) {
                   std::string name = ColumnText(st, 0);
                   if (!IsLocalTable(db, name)) dynamo.push_back(name);
                 });
    }
  }
  if (!listed.ok()) {
    // The DynamoDB tables are unknown: a pattern that matches no local
    // table may well name one.
    for (const auto& p : patterns) {
      bool local = false;
      ForEachRow(db, "SELECT 1 FROM main.sqlite_schema WHERE name LIKE ?1 ESCAPE '\\'", {p},
                 [&](sqlite3_stmt*) { local = true; });
      if (!local) return listed;
    }
  }
  if (!dynamo.empty()) {
    return Status::InvalidArgument(
        QuoteInsertTable(dynamo[0]) +
        " is a DynamoDB table: .dump writes local tables only (copy it first: CREATE TABLE "
        "copy AS SELECT * FROM " +
        QuoteInsertTable(dynamo[0]) + ")");
  }
  std::string like;
  for (const auto& p : patterns) {
    std::string q = sql::QuoteLiteral(p);
    if (!like.empty()) like += " OR ";
    like += "name LIKE " + q +
            " ESCAPE '\\' OR EXISTS (SELECT 1 FROM main.sqlite_schema WHERE name LIKE " + q +
            " ESCAPE '\\' AND sql LIKE 'CREATE VIRTUAL TABLE%' AND "
            "substr(o.name, 1, length(name)+1) == (name||'_'))";
  }
  if (like.empty()) like = "true";
  if (!d.data_only) std::fputs("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n", out);
  // writable_schema makes SQLite load what it can of a damaged schema.
  sql::Exec(db, "SAVEPOINT dump; PRAGMA writable_schema=ON");
  struct Table {
    std::string name, type, sql;
  };
  std::vector<Table> tables;
  Status s =
      ForEachRow(db,
                 "SELECT name, type, sql FROM main.sqlite_schema AS o WHERE (" + like +
                     ") AND type=='table' AND sql NOT NULL"
                     " ORDER BY tbl_name='sqlite_sequence', rowid",
                 {}, [&](sqlite3_stmt* st) {
                   tables.push_back({ColumnText(st, 0), ColumnText(st, 1), ColumnText(st, 2)});
                 });
  if (!s.ok()) ++d.errors;
  for (const auto& t : tables) {
    if (!d.interrupted) DumpTable(&d, t.name, t.type, t.sql);
  }
  if (!d.data_only) {
    s = ForEachRow(db,
                   "SELECT sql FROM main.sqlite_schema AS o WHERE (" + like +
                       ") AND sql NOT NULL AND type IN ('index','trigger','view')",
                   {}, [&](sqlite3_stmt* st) {
                     std::string sql = ColumnText(st, 0);
                     // A statement ending in a -- comment needs its ';' on a line of its own.
                     size_t dash = sql.find("--");
                     std::fprintf(out, "%s%s", sql.c_str(),
                                  dash != std::string::npos ? "\n;\n" : ";\n");
                   });
    if (!s.ok()) ++d.errors;
  }
  if (d.writable_schema) std::fputs("PRAGMA writable_schema=OFF;\n", out);
  sql::Exec(db, "PRAGMA writable_schema=OFF; RELEASE dump;");
  if (!d.data_only) std::fputs(d.errors ? "ROLLBACK; -- due to errors\n" : "COMMIT;\n", out);
  if (d.interrupted) return Status::Cancelled();
  if (!listed.ok()) return listed;
  if (d.errors) return Status::IOError(".dump: " + str::Plural(d.errors, "table") + " failed");
  return Status::OK();
}

}  // namespace ddb::shell
