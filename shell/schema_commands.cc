// .tables, .indexes and .schema: local tables and views listed as sqlite3
// lists them, and the DynamoDB tables with their declared columns, key
// schema and secondary indexes.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "shell/dot_commands.h"

namespace ddb::shell {

namespace {

// .schema describes a DynamoDB table's columns (a DescribeTable and a sample
// Scan each) only when it shows at most this many of them.
constexpr int kMaxDescribedTables = 25;

// sqlite3's layout for .tables and .indexes: names in columns down the page,
// each padded to the longest, two spaces apart, as many as fit 80 columns.
void PrintInColumns(std::FILE* out, std::vector<std::string> names) {
  if (names.empty()) return;
  std::sort(names.begin(), names.end());
  int width = 0;
  for (const auto& n : names) width = std::max(width, static_cast<int>(n.size()));
  int columns = std::max(1, 80 / (width + 2));
  int n = static_cast<int>(names.size());
  int rows = (n + columns - 1) / columns;
  for (int i = 0; i < rows; ++i) {
    for (int j = i; j < n; j += rows) {
      std::fprintf(out, "%s%-*s", j < rows ? "" : "  ", width, names[j].c_str());
    }
    std::fputc('\n', out);
  }
}

// "aux." for objects of schema aux; temp is never quoted, as in sqlite3.
std::string SchemaPrefix(const std::string& schema) {
  return (schema == "temp" ? schema : QuoteInsertTable(schema)) + ".";
}

}  // namespace

// Lists tables and views (or, with `indexes`, the indexes of tables) whose
// name matches the LIKE `pattern`, qualified by their schema except in main
// and, unless a local table hides them, DynamoDB's.
Status ListObjects(sqlite3* db, const std::string& pattern, bool indexes, std::FILE* out) {
  std::vector<std::string> shown;
  for (const auto& schema : DatabaseNames(db)) {
    bool dynamo = schema == kDynamoSchema;
    if (dynamo && indexes) continue;
    std::string sql = "SELECT name FROM " + sql::QuoteIdentifier(schema) + ".sqlite_schema WHERE " +
                      (indexes ? "type='index' AND tbl_name LIKE ?1"
                               : "type IN ('table','view') AND name LIKE ?1") +
                      " AND name NOT LIKE 'sqlite_%'";
    Status s = ForEachRow(db, sql, {pattern}, [&](sqlite3_stmt* st) {
      std::string name = ColumnText(st, 0);
      bool bare = schema == "main" || (dynamo && !IsLocalTable(db, name));
      shown.push_back(bare ? name : SchemaPrefix(schema) + name);
    });
    if (!s.ok()) return s;
  }
  PrintInColumns(out, shown);
  return Status::OK();
}

// sqlite3's printSchemaLine: a statement ending in a comment gets what closes
// it before `tail`, and a table whose name is quoted prints as CREATE TABLE
// IF NOT EXISTS.
void PrintSchemaLine(std::FILE* out, std::string sql, const char* tail) {
  if (tail[0] == ';' &&
      (sql.find("/*") != std::string::npos || sql.find("--") != std::string::npos)) {
    for (const char* end : {"", "*/", "\n"}) {
      std::string t = sql + end + ";";
      if (sqlite3_complete(t.c_str())) {
        sql += end;
        break;
      }
    }
  }
  if (sqlite3_strglob("CREATE TABLE ['\"]*", sql.c_str()) == 0) {
    std::fprintf(out, "CREATE TABLE IF NOT EXISTS %s%s", sql.c_str() + 13, tail);
  } else {
    std::fprintf(out, "%s%s", sql.c_str(), tail);
  }
}

namespace {

// "name(col1,col2)" as sqlite3 comments views and virtual tables in .schema;
// with `types` (DynamoDB tables) each column also shows its declared type,
// and hidden columns are marked HIDDEN. Empty if the columns are unknown,
// with the reason in *error.
std::string ColumnSummary(sqlite3* db, const std::string& schema, bool qualify,
                          const std::string& name, bool types, std::string* error) {
  std::string out = (qualify ? SchemaPrefix(schema) : "") + QuoteInsertTable(name);
  const char* sep = "(";
  int n = 0;
  Status s = ForEachRow(db, "SELECT name, type, hidden FROM pragma_table_xinfo(?1, ?2)",
                        {name, schema}, [&](sqlite3_stmt* st) {
                          bool hidden = sqlite3_column_int(st, 2) != 0;
                          if (hidden && !types) return;
                          out += sep;
                          sep = ",";
                          out += QuoteInsertTable(ColumnText(st, 0));
                          std::string type = ColumnText(st, 1);
                          if (types && !type.empty()) out += " " + type;
                          if (types && hidden) out += " HIDDEN";
                          ++n;
                        });
  if (!s.ok()) {
    *error = s.message();
    return "";
  }
  if (n == 0) return "";
  return out + ")";
}

// shell_add_schema: "CREATE TABLE t" of schema aux reads "CREATE TABLE aux.t".
std::string AddSchemaPrefix(const std::string& sql, const std::string& schema) {
  static const char* const kKinds[] = {"TABLE",   "INDEX", "UNIQUE INDEX",
                                       "TRIGGER", "VIEW",  "VIRTUAL TABLE"};
  if (sql.rfind("CREATE ", 0) != 0) return sql;
  for (const char* kind : kKinds) {
    size_t n = std::strlen(kind);
    if (sql.compare(7, n, kind) == 0 && sql.size() > 7 + n && sql[7 + n] == ' ') {
      bool quote = schema != "temp" && QuoteInsertTable(schema) != schema;
      return sql.substr(0, 7 + n) + " " + (quote ? sql::QuoteIdentifier(schema) : schema) + "." +
             sql.substr(8 + n);
    }
  }
  return sql;
}

struct SchemaRow {
  std::string schema, sql, type, name;
};

}  // namespace

Status SchemaCommand(sqlite3* db, const std::vector<std::string>& w, std::FILE* out) {
  bool nosys = false;
  std::string pattern;
  bool have_pattern = false;
  for (size_t i = 1; i < w.size(); ++i) {
    if (w[i] == "--nosys" || w[i] == "-nosys") {
      nosys = true;
    } else if (!w[i].empty() && w[i][0] == '-') {
      return Status::InvalidArgument("unknown option: " + w[i] +
                                     " (usage: .schema ?--nosys? ?PATTERN?)");
    } else if (have_pattern) {
      return Status::InvalidArgument("usage: .schema ?--nosys? ?PATTERN?");
    } else {
      pattern = w[i];
      have_pattern = true;
    }
  }
  // As sqlite3: PATTERN matches the table an object belongs to; with a '.'
  // it matches "schema.table"; with a GLOB character it is a GLOB.
  bool glob = pattern.find_first_of("*?[") != std::string::npos;
  std::string subject =
      pattern.find('.') != std::string::npos ? "lower(?2 || '.' || tbl_name)" : "lower(tbl_name)";
  std::vector<SchemaRow> rows;
  for (const auto& schema : DatabaseNames(db)) {
    std::string sql = "SELECT sql, type, name FROM " + sql::QuoteIdentifier(schema) +
                      ".sqlite_schema WHERE sql IS NOT NULL";
    if (have_pattern) {
      sql += " AND " + subject + (glob ? " GLOB ?1" : " LIKE ?1 ESCAPE '\\'");
    }
    if (nosys) sql += " AND name NOT LIKE 'sqlite_%'";
    sql += " ORDER BY rowid";
    std::vector<std::string> params;
    if (have_pattern) params = {pattern, schema};
    Status s = ForEachRow(db, sql, params, [&](sqlite3_stmt* st) {
      rows.push_back({schema, ColumnText(st, 0), ColumnText(st, 1), ColumnText(st, 2)});
    });
    if (!s.ok()) return s;
  }
  int dynamo_tables = 0;
  for (const auto& r : rows) dynamo_tables += r.schema == kDynamoSchema;
  bool describe_dynamo = dynamo_tables <= kMaxDescribedTables;
  for (const auto& r : rows) {
    bool dynamo = r.schema == kDynamoSchema;
    std::string sql = dynamo || r.schema == "main" ? r.sql : AddSchemaPrefix(r.sql, r.schema);
    bool is_dynamo_vtab = r.sql.find(" USING dynamodb(") != std::string::npos;
    bool comment = r.type == "view" || r.sql.rfind("CREATE VIRTUAL TABLE", 0) == 0;
    if (comment && (!dynamo || describe_dynamo)) {
      std::string error;
      std::string summary = ColumnSummary(db, r.schema, !dynamo && r.schema != "main", r.name,
                                          is_dynamo_vtab, &error);
      if (dynamo && summary.empty() && !error.empty()) {
        // Still list the table; say why its columns are missing.
        std::fflush(out);
        std::fprintf(stderr, "warning: %s: %s\n", r.name.c_str(), error.c_str());
      }
      if (!summary.empty()) sql += "\n/* " + summary + " */";
    }
    PrintSchemaLine(out, sql, ";\n");
  }
  if (!describe_dynamo) {
    std::fprintf(out,
                 "/* %d DynamoDB tables: their columns show when at most %d match "
                 "(.schema PATTERN) */\n",
                 dynamo_tables, kMaxDescribedTables);
  }
  return Status::OK();
}

namespace {

// ---------------------------------------------------------------------------
// .indexes of DynamoDB tables: the key schema and every secondary index.

std::string DescribeKey(const dynamodb::KeySchema& key) {
  std::string out = "(" + QuoteInsertTable(key.hash.name) + " HASH " + key.hash.type;
  if (key.range) out += ", " + QuoteInsertTable(key.range->name) + " RANGE " + key.range->type;
  return out + ")";
}

std::string DescribeProjection(const dynamodb::Projection& p) {
  std::string out = "PROJECTION " + p.type;
  if (p.type == "INCLUDE") {
    out += " (";
    for (size_t i = 0; i < p.non_key_attributes.size(); ++i) {
      out += (i ? ", " : "") + QuoteInsertTable(p.non_key_attributes[i]);
    }
    out += ")";
  }
  return out;
}

}  // namespace

Status DescribeDynamoIndexes(sqlite3* db, const vtab::ModuleContext& module,
                             dynamodb::DynamoDbClient* client, const std::string& pattern,
                             std::FILE* out) {
  if (!HasDynamoSchema(db)) return Status::OK();
  std::vector<std::string> names;
  Status s = ForEachRow(
      db, "SELECT name FROM ddb.sqlite_schema WHERE type='table' AND name LIKE ?1 ORDER BY name",
      {pattern}, [&](sqlite3_stmt* st) { names.push_back(ColumnText(st, 0)); });
  if (!s.ok()) return s;
  Status first_error;
  for (const auto& name : names) {
    dynamodb::TableDescription d;
    s = client->DescribeTable(module.DynamoNameOf(name), &d);
    if (!s.ok()) {
      if (first_error.ok()) first_error = s;
      continue;
    }
    std::string table = QuoteInsertTable(name);
    std::fprintf(out, "%s: PRIMARY KEY %s\n", table.c_str(), DescribeKey(d.key).c_str());
    for (const auto& i : d.global_indexes) {
      std::string status = i.status.empty() || i.status == "ACTIVE" ? "" : " " + i.status;
      std::fprintf(out, "%s: GSI %s %s %s%s\n", table.c_str(), QuoteInsertTable(i.name).c_str(),
                   DescribeKey(i.key).c_str(), DescribeProjection(i.projection).c_str(),
                   status.c_str());
    }
    for (const auto& i : d.local_indexes) {
      std::fprintf(out, "%s: LSI %s %s %s\n", table.c_str(), QuoteInsertTable(i.name).c_str(),
                   DescribeKey(i.key).c_str(), DescribeProjection(i.projection).c_str());
    }
  }
  return first_error;
}

}  // namespace ddb::shell
