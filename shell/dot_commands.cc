// Dot-commands: every `.name` the shell understands, and `.help`.
//
// Where sqlite3 3.40 has a command, ddbsql's behaves and prints the same way
// (.tables lays names out in columns, .schema adds the column comment to
// views and virtual tables, .dump writes the same SQL, .import reads CSV with
// the same quoting rules and warnings), so scripts written for one run on the
// other. The differences are deliberate: DynamoDB tables show their declared
// columns and key schema, a usage error is an error (exit status 1) rather
// than a help text, and nothing runs a program (.output |cmd, .read |cmd).
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "shell/codec_commands.h"
#include "shell/shell.h"
#include "shell/text_util.h"
#include "shell/whoami.h"

namespace ddb::shell {

namespace {

// The schema AttachTables declares the DynamoDB tables in.
constexpr const char* kDynamoSchema = "ddb";
// .schema describes a DynamoDB table's columns (a DescribeTable and a sample
// Scan each) only when it shows at most this many of them.
constexpr int kMaxDescribedTables = 25;
constexpr int kMaxReadDepth = 64;

struct HelpEntry {
  const char* usage;
  const char* summary;
  const char* details;  // further lines, each indented; may be empty
};

// Alphabetical, as .help prints them. Commands sqlite3 lacks are marked
// "(ddbsql)" in their summary.
constexpr HelpEntry kHelp[] = {
    {".bail on|off", "Stop a script at its first error (default off)", ""},
    {".changes on|off", "After each input, print how many rows it changed", ""},
    {".codec ?TABLE COLUMN JSON?", "List codec columns, or declare one for the session (ddbsql)",
     "   JSON as a column of a catalog file, e.g.\n"
     "   .codec pages title {\"codec\": \"CompressedUnicodeAttribute\"}\n"},
    {".consistent on|off", "Strongly consistent reads of DynamoDB tables (ddbsql)",
     "   They cost twice the read capacity of the default, eventually consistent,\n"
     "   reads.\n"},
    {".databases", "List the attached databases and their files", ""},
    {".dump ?OBJECTS?", "Write the local database as SQL that rebuilds it",
     "   --data-only   only the INSERT statements\n"
     "   --nosys       leave out the sqlite_* tables\n"
     "   OBJECTS are LIKE patterns naming tables, views, indexes or triggers.\n"
     "   Only the local database \"main\" is written; to dump a DynamoDB table,\n"
     "   copy it first: CREATE TABLE t AS SELECT * FROM orders;\n"},
    {".echo on|off", "Repeat each input line of a script before running it", ""},
    {".endpoint ?URL?", "Show the DynamoDB endpoint, or switch to URL (ddbsql)",
     "   \".endpoint default\" drops the override. The DynamoDB tables are listed\n"
     "   again; local tables, parameters and settings stay.\n"},
    {".eqp on|off|full", "Print each statement's query plan before its rows",
     "   For DynamoDB tables the plan names the request: GetItem, BatchGetItem,\n"
     "   Query (of the table or an index) or Scan. \"full\" adds the bytecode.\n"},
    {".exit ?CODE?", "Leave the shell with exit status CODE (default 0)", ""},
    {".explain ?on|off|auto?", "How EXPLAIN output is laid out (default auto)", ""},
    {".headers on|off", "Print column names above the rows", ""},
    {".help ?-all? ?PATTERN?", "This text; -all adds details, PATTERN picks commands", ""},
    {".import FILE TABLE", "Load a CSV (or separated) file into a local table",
     "   --csv         fields separated by \",\", rows by newlines, \"quoting\"\n"
     "   --ascii       fields separated by 0x1F, rows by 0x1E\n"
     "   --skip N      ignore the first N rows\n"
     "   --schema S    the table is S.TABLE\n"
     "   -v            report the rows added\n"
     "   Without --csv or --ascii the current .mode and .separator decide.\n"
     "   A missing TABLE is created with one TEXT column per field of the first\n"
     "   row, which names them; an existing one takes the first row as data.\n"
     "   DynamoDB tables cannot be the target.\n"},
    {".indexes ?TABLE?", "List indexes of tables matching LIKE pattern TABLE",
     "   Local indexes by name; for each DynamoDB table its key schema and each\n"
     "   global (GSI) and local (LSI) secondary index with its keys and\n"
     "   projection (one DescribeTable request per table).\n"},
    {".ledger ?forget ID|all?", "Pending S3 writes in the ledger, or abandon them (ddbsql)",
     "   Lists id, age, host, endpoints, bucket, table, key and state of each\n"
     "   pending entry. forget marks entries abandoned (asking first on a\n"
     "   terminal): nobody resolves them, their objects stay in S3.\n"},
    {".mode MODE ?OPTIONS?", "Choose how rows are printed",
     "   Modes: ascii box column csv html insert json line list markdown qbox\n"
     "   quote table tabs tcl, each printing exactly as in the sqlite3 shell.\n"
     "   Options of box, column, markdown and table:\n"
     "     --wrap N       wrap cells wider than N characters (0: never)\n"
     "     --wordwrap B   wrap at word boundaries (on/off); --ww is \"--wordwrap on\"\n"
     "     --quote        print values as SQL literals; --noquote does not\n"
     "   .mode insert TABLE names the table of the INSERT statements.\n"},
    {".nullvalue STRING", "Print STRING for NULL values", ""},
    {".once ?--bom? ?FILE?", "Send only the next command's output to FILE",
     "   --bom   start the file with a UTF-8 byte order mark\n"},
    {".output ?--bom? ?FILE?", "Send output to FILE, or back to stdout without FILE", ""},
    {".pager on|off|CMD", "Page the results of statements (ddbsql, interactive; default off)",
     "   CMD is the pager to run; on uses $PAGER, else \"less -FRX\" (results that\n"
     "   fit the screen stay as they are). Scripts ignore .pager.\n"},
    {".parallel N", "Parallel Scan segments; 0 picks by size (ddbsql)", ""},
    {".parameter CMD ...", "Values for the :name, @name, $name and ?N parameters",
     "   set NAME VALUE   VALUE is evaluated as an SQL expression when it is\n"
     "                    one (42, abs(-3), 'text'), else taken as text\n"
     "   unset NAME       forget one\n"
     "   list             show them all\n"
     "   clear            forget them all\n"
     "   init             create the table that keeps them\n"
     "   They live in temp.sqlite_parameters, as in sqlite3; a parameter never\n"
     "   set is NULL.\n"},
    {".print STRING...", "Print the words, separated by spaces", ""},
    {".profile ?NAME?", "Show the AWS profile, or switch to NAME (ddbsql)",
     "   The DynamoDB tables are listed again; local tables stay.\n"},
    {".progress on|off", "Progress line for slow statements (ddbsql)", ""},
    {".ratelimit RCU|off", "Cap read capacity consumed per second, all scans together (ddbsql)",
     ""},
    {".s3missing ?error|null?", "A missing S3 object of a codec column: error, or NULL (ddbsql)",
     "   With null, each statement warns once with the count.\n"},
    {".s3parallel ?N?", "S3 objects of codec columns fetched at once (ddbsql)", ""},
    {".scanconfirm N|off", "Ask before a full scan of a table above N items (ddbsql, interactive)",
     ""},
    {".quit", "Leave the shell", ""},
    {".read FILE", "Run the statements and commands in FILE", ""},
    {".readonly ?on|off?", "Refuse writes to DynamoDB and S3; local tables stay writable (ddbsql)",
     "   The prompt shows \"ro\" while it is on. --readonly starts that way for the\n"
     "   whole session: .readonly off is then refused.\n"},
    {".recover ?--other-hosts?",
     "Resolve the S3 writes a crash left pending in the ledger (ddbsql)",
     "   Each pending entry is settled by reading its item: objects it references\n"
     "   are kept, the others deleted. ddbsql also does this when it starts.\n"
     "   --other-hosts: also other hosts' entries younger than a day.\n"},
    {".region ?NAME?", "Show the AWS region, or switch to NAME (ddbsql)",
     "   The DynamoDB tables are listed again; local tables stay.\n"},
    {".schema ?PATTERN?", "Print the CREATE statements of matching tables",
     "   --nosys   leave out the sqlite_* tables\n"
     "   A DynamoDB table is followed by a comment with its columns and their\n"
     "   types (finding them costs a DescribeTable and a sample Scan, so only\n"
     "   when at most 25 DynamoDB tables match).\n"},
    {".refresh ?TABLE?", "Describe and sample TABLE (or every table) again (ddbsql)",
     "   Lists the tables again. The table list (for an hour) and sampled columns\n"
     "   (while the table is the same) are cached in $XDG_CACHE_HOME/ddbsql (else\n"
     "   ~/.cache/ddbsql). TABLE is its DynamoDB name or its name in SQL.\n"},
    {".separator COL ?ROW?", "Column and row separators of list and csv output", ""},
    {".show", "Print the current settings", ""},
    {".stats ?on|off?", "DynamoDB requests of the last statement (ddbsql)",
     "   With on, after every statement. The line goes to stderr.\n"},
    {".sweep TABLE COLUMN ?GRACE? ?delete?", "S3 objects of a column no item references (ddbsql)",
     "   Lists the objects under the column's bucket and prefix that no item\n"
     "   references and that are older than GRACE (default 1d; s, m, h, d),\n"
     "   scanning the table. With \"delete\" it deletes them.\n"},
    {".tables ?TABLE?", "List tables and views matching the LIKE pattern TABLE",
     "   DynamoDB tables appear under the name that queries them.\n"},
    {".timer on|off", "Print how long each statement took", ""},
    {".whoami", "Account and ARN of the AWS identity in use (ddbsql)",
     "   Asks STS GetCallerIdentity with the session's credentials.\n"},
    {".width NUM1 NUM2 ...", "Minimum widths of columns in column mode",
     "   A negative width aligns that column to the right.\n"},
};

// The words of a help entry's usage up to the first blank: ".bail".
std::string HelpName(const HelpEntry& e) {
  std::string u = e.usage;
  return u.substr(1, u.find(' ') == std::string::npos ? std::string::npos : u.find(' ') - 1);
}

void PrintHelpEntry(std::FILE* out, const HelpEntry& e, bool details) {
  std::fprintf(out, "%-24s %s\n", e.usage, e.summary);
  if (details) std::fputs(e.details, out);
}

Status Help(const std::vector<std::string>& w, std::FILE* out) {
  bool all = w.size() > 1 && (w[1] == "-all" || w[1] == "--all");
  std::string pattern = w.size() > (all ? 2u : 1u) ? w.back() : "";
  if (pattern.empty()) {
    for (const auto& e : kHelp) PrintHelpEntry(out, e, all);
    return Status::OK();
  }
  // As sqlite3: commands whose name starts with PATTERN, else entries whose
  // text mentions it.
  int shown = 0;
  for (const auto& e : kHelp) {
    std::string name = pattern[0] == '.' ? pattern.substr(1) : pattern;  // ".help .exit"
    if (!name.empty() && HelpName(e).rfind(name, 0) == 0) {
      PrintHelpEntry(out, e, true);
      ++shown;
    }
  }
  if (shown == 0) {
    for (const auto& e : kHelp) {
      std::string text = std::string(e.usage) + " " + e.summary + "\n" + e.details;
      if (text.find(pattern) != std::string::npos) {
        PrintHelpEntry(out, e, true);
        ++shown;
      }
    }
  }
  if (shown == 0) return Status::InvalidArgument("no help for \"" + pattern + "\"");
  return Status::OK();
}

// ---------------------------------------------------------------------------
// Arguments

// sqlite3's backslash escapes: \t \n \r \a \b \v \f \" \' \\ and octal \NNN.
std::string ResolveBackslashes(const std::string& z) {
  std::string out;
  for (size_t i = 0; i < z.size(); ++i) {
    char c = z[i];
    if (c == '\\' && i + 1 < z.size()) {
      c = z[++i];
      switch (c) {
        case 'a':
          c = '\a';
          break;
        case 'b':
          c = '\b';
          break;
        case 't':
          c = '\t';
          break;
        case 'n':
          c = '\n';
          break;
        case 'v':
          c = '\v';
          break;
        case 'f':
          c = '\f';
          break;
        case 'r':
          c = '\r';
          break;
        default:
          if (c >= '0' && c <= '7') {
            int v = c - '0';
            for (int k = 0; k < 2 && i + 1 < z.size() && z[i + 1] >= '0' && z[i + 1] <= '7'; ++k) {
              v = v * 8 + (z[++i] - '0');
            }
            c = static_cast<char>(v);
          }
          break;  // \" \' \\ and any other character stand for themselves
      }
    }
    out += c;
  }
  return out;
}

// Splits a dot-command line into words as sqlite3 does: 'single quotes'
// keep their text as is; "double quotes" (where \" is a quote) and bare
// words have their backslash escapes resolved.
std::vector<std::string> SplitDotArgs(const std::string& line) {
  std::vector<std::string> words;
  size_t i = 0;
  auto space = [&](size_t k) { return std::isspace(static_cast<unsigned char>(line[k])) != 0; };
  while (i < line.size()) {
    while (i < line.size() && space(i)) ++i;
    if (i >= line.size()) break;
    char q = line[i];
    std::string w;
    if (q == '\'' || q == '"') {
      size_t start = ++i;
      while (i < line.size() && line[i] != q) {
        if (q == '"' && line[i] == '\\' && i + 1 < line.size()) ++i;
        ++i;
      }
      w = line.substr(start, i - start);
      if (i < line.size()) ++i;  // the closing quote
      if (q == '"') w = ResolveBackslashes(w);
    } else {
      size_t start = i;
      while (i < line.size() && !space(i)) ++i;
      w = ResolveBackslashes(line.substr(start, i - start));
    }
    words.push_back(std::move(w));
  }
  return words;
}

// ---------------------------------------------------------------------------
// SQL helpers

std::string ColumnText(sqlite3_stmt* stmt, int i) {
  const unsigned char* t = sqlite3_column_text(stmt, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

// An identifier in double quotes, always (for SQL we build).
std::string QuoteId(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

// Runs `sql` with `params` bound as ?1, ?2, ... and calls `row` for each row.
Status ForEachRow(sqlite3* db, const std::string& sql, const std::vector<std::string>& params,
                  const std::function<void(sqlite3_stmt*)>& row) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    Status s = Status::InvalidArgument(sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return s;
  }
  for (size_t i = 0; i < params.size(); ++i) {
    sqlite3_bind_text(stmt, static_cast<int>(i + 1), params[i].c_str(), -1, SQLITE_TRANSIENT);
  }
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) row(stmt);
  Status s = rc == SQLITE_DONE ? Status::OK() : Status::InvalidArgument(sqlite3_errmsg(db));
  sqlite3_finalize(stmt);
  return s;
}

Status Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    Status s = Status::InvalidArgument(err ? err : sqlite3_errmsg(db));
    sqlite3_free(err);
    return s;
  }
  return Status::OK();
}

// The attached databases in sqlite3's order: main, temp (once used), then
// the others as attached.
std::vector<std::string> DatabaseNames(sqlite3* db) {
  std::vector<std::string> names;
  ForEachRow(db, "SELECT name FROM pragma_database_list ORDER BY seq", {},
             [&](sqlite3_stmt* s) { names.push_back(ColumnText(s, 0)); });
  return names;
}

bool HasDynamoSchema(sqlite3* db) { return sqlite3_db_filename(db, kDynamoSchema) != nullptr; }

// True when `name` is a table or view of a local database, which then wins
// over a DynamoDB table of the same name for an unqualified reference.
bool IsLocalTable(sqlite3* db, const std::string& name) {
  bool found = false;
  for (const auto& schema : DatabaseNames(db)) {
    if (schema == kDynamoSchema) continue;
    ForEachRow(db,
               "SELECT 1 FROM " + QuoteId(schema) +
                   ".sqlite_schema WHERE type IN ('table','view') AND name = ?1 COLLATE NOCASE",
               {name}, [&](sqlite3_stmt*) { found = true; });
  }
  return found;
}

bool IsDynamoTable(sqlite3* db, const std::string& name) {
  if (!HasDynamoSchema(db)) return false;
  bool found = false;
  ForEachRow(db, "SELECT 1 FROM ddb.sqlite_schema WHERE name = ?1 COLLATE NOCASE", {name},
             [&](sqlite3_stmt*) { found = true; });
  return found;
}

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

// Lists tables and views (or, with `indexes`, the indexes of tables) whose
// name matches the LIKE `pattern`, qualified by their schema except in main
// and, unless a local table hides them, DynamoDB's.
Status ListObjects(sqlite3* db, const std::string& pattern, bool indexes, std::FILE* out) {
  std::vector<std::string> shown;
  for (const auto& schema : DatabaseNames(db)) {
    bool dynamo = schema == kDynamoSchema;
    if (dynamo && indexes) continue;
    std::string sql = "SELECT name FROM " + QuoteId(schema) + ".sqlite_schema WHERE " +
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
      return sql.substr(0, 7 + n) + " " + (quote ? QuoteId(schema) : schema) + "." +
             sql.substr(8 + n);
    }
  }
  return sql;
}

struct SchemaRow {
  std::string schema, sql, type, name;
};

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
    std::string sql =
        "SELECT sql, type, name FROM " + QuoteId(schema) + ".sqlite_schema WHERE sql IS NOT NULL";
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

// ---------------------------------------------------------------------------
// .dump, as sqlite3 writes it for the database "main".

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
    std::string l = QuoteLiteral(name);
    std::fprintf(d->out,
                 "INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)"
                 "VALUES('table',%s,%s,0,%s);\n",
                 l.c_str(), l.c_str(), QuoteLiteral(sql).c_str());
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
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(d->db, select.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt);
    ++d->errors;
    return;
  }
  OutputSettings insert;
  SetMode(&insert, Mode::kInsert);
  insert.insert_table = QuoteInsertTable(name);
  insert.headers = false;
  int rc = RenderResults(stmt, insert, d->out);
  if (rc == SQLITE_INTERRUPT) d->interrupted = true;
  if (rc != SQLITE_DONE && rc != SQLITE_OK) ++d->errors;
  sqlite3_finalize(stmt);
}

Status DumpCommand(sqlite3* db, const std::vector<std::string>& w, std::FILE* out) {
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
  // DynamoDB tables live outside "main": a pattern naming only such a table
  // would silently dump nothing, so say why.
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
  std::string like;
  for (const auto& p : patterns) {
    std::string q = QuoteLiteral(p);
    if (!like.empty()) like += " OR ";
    like += "name LIKE " + q +
            " ESCAPE '\\' OR EXISTS (SELECT 1 FROM main.sqlite_schema WHERE name LIKE " + q +
            " ESCAPE '\\' AND sql LIKE 'CREATE VIRTUAL TABLE%' AND "
            "substr(o.name, 1, length(name)+1) == (name||'_'))";
  }
  if (like.empty()) like = "true";
  if (!d.data_only) std::fputs("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n", out);
  // writable_schema makes SQLite load what it can of a damaged schema.
  Exec(db, "SAVEPOINT dump; PRAGMA writable_schema=ON");
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
  Exec(db, "PRAGMA writable_schema=OFF; RELEASE dump;");
  if (!d.data_only) std::fputs(d.errors ? "ROLLBACK; -- due to errors\n" : "COMMIT;\n", out);
  if (!dynamo.empty()) {
    return Status::InvalidArgument(
        QuoteInsertTable(dynamo[0]) +
        " is a DynamoDB table: .dump writes local tables only (copy it first: CREATE TABLE "
        "copy AS SELECT * FROM " +
        QuoteInsertTable(dynamo[0]) + ")");
  }
  if (d.interrupted) return Status::Cancelled();
  if (d.errors) return Status::IOError(".dump: " + std::to_string(d.errors) + " table(s) failed");
  return Status::OK();
}

// ---------------------------------------------------------------------------
// .import

// Splits delimited text into fields the way sqlite3's .import does: a field
// starting with '"' is quoted ("" is one quote, and separators inside are
// text); unquoted fields end at the column or row separator, and a '\r'
// before the row separator is dropped. With ASCII separators (0x1F, 0x1E)
// there is no quoting at all. A UTF-8 byte order mark at the start is
// skipped.
class ImportReader {
 public:
  static constexpr int kEnd = EOF;

  ImportReader(std::FILE* in, std::string name, char column, char row, bool quoting)
      : in_(in), name_(std::move(name)), column_(column), row_(row), quoting_(quoting) {}

  // Reads the next field; false at the end of input (no field then).
  bool Next() {
    field_.clear();
    if (first_) {
      first_ = false;
      SkipByteOrderMark();
    }
    int c = Get();
    if (c == EOF) {
      term_ = kEnd;
      return false;
    }
    if (quoting_ && c == '"') return ReadQuoted();
    while (c != EOF && c != column_ && c != row_) {
      field_ += static_cast<char>(c);
      c = Get();
    }
    if (c == row_) {
      ++line_;
      if (quoting_ && !field_.empty() && field_.back() == '\r') field_.pop_back();
    }
    term_ = c;
    return true;
  }

  const std::string& field() const { return field_; }
  int term() const { return term_; }  // what ended the field: column, row or kEnd
  int line() const { return line_; }

 private:
  int Get() {
    if (pushback_.empty()) return std::fgetc(in_);
    int c = pushback_.back();
    pushback_.pop_back();
    return c;
  }
  void Unget(int c) {
    if (c != EOF) pushback_.push_back(c);
  }

  void SkipByteOrderMark() {
    int a = Get();
    if (a == 0xEF) {
      int b = Get();
      if (b == 0xBB) {
        int c = Get();
        if (c == 0xBF) return;
        Unget(c);
      }
      Unget(b);
    }
    Unget(a);
  }

  // After an opening quote: up to the quote that a separator or the end
  // follows.
  bool ReadQuoted() {
    int start = line_;
    while (true) {
      int c = Get();
      if (c == row_) ++line_;
      if (c == EOF) {
        std::fprintf(stderr, "%s:%d: unterminated \"-quoted field\n", name_.c_str(), start);
        term_ = kEnd;
        return true;
      }
      if (c != '"') {
        field_ += static_cast<char>(c);
        continue;
      }
      int next = Get();
      if (next == '"') {  // "" is one quote
        field_ += '"';
        continue;
      }
      if (next == '\r') {
        int after = Get();
        if (after == row_) {
          next = after;
        } else {
          Unget(after);
        }
      }
      if (next == column_ || next == row_ || next == EOF) {
        if (next == row_) ++line_;
        term_ = next;
        return true;
      }
      // A lone quote inside the field stays, as in sqlite3.
      std::fprintf(stderr, "%s:%d: unescaped \" character\n", name_.c_str(), line_);
      field_ += '"';
      Unget(next);
    }
  }

  std::FILE* in_;
  std::string name_;
  char column_, row_;
  bool quoting_;
  bool first_ = true;
  std::vector<int> pushback_;
  std::string field_;
  int term_ = 0;
  int line_ = 1;
};

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};
using UniqueFile = std::unique_ptr<std::FILE, FileCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using UniqueStmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// Opens `path` for reading; a directory or a missing file is an error that
// names it.
Status OpenInputFile(const std::string& path, UniqueFile* out) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return Status::IOError("cannot open \"" + path + "\": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) return Status::IOError("cannot read \"" + path + "\": is a directory");
  out->reset(std::fopen(path.c_str(), "rb"));
  if (!*out) return Status::IOError("cannot open \"" + path + "\": " + std::strerror(errno));
  return Status::OK();
}

constexpr const char* kImportUsage =
    "usage: .import ?--csv|--ascii? ?--skip N? ?--schema S? ?-v? FILE TABLE";

Status ImportCommand(sqlite3* db, OutputSettings* output, const std::vector<std::string>& w,
                     std::FILE* out) {
  std::string file, table, schema;
  int skip = 0;
  int verbose = 0;
  char column = 0, row = 0;
  bool explicit_format = false;
  for (size_t i = 1; i < w.size(); ++i) {
    std::string o = w[i];
    if (o.rfind("--", 0) == 0) o = o.substr(1);
    if (o == "-csv") {
      column = ',', row = '\n', explicit_format = true;
    } else if (o == "-ascii") {
      column = '\x1f', row = '\x1e', explicit_format = true;
    } else if (o == "-skip" && i + 1 < w.size()) {
      skip = std::atoi(w[++i].c_str());
    } else if (o == "-schema" && i + 1 < w.size()) {
      schema = w[++i];
    } else if (o == "-v") {
      ++verbose;
    } else if (!o.empty() && o[0] == '-' && o.size() > 1) {
      return Status::InvalidArgument("unknown option: " + w[i] + " (" + kImportUsage + ")");
    } else if (file.empty()) {
      file = w[i];
    } else if (table.empty()) {
      table = w[i];
    } else {
      return Status::InvalidArgument(std::string("extra argument: \"") + w[i] + "\" (" +
                                     kImportUsage + ")");
    }
  }
  if (file.empty() || table.empty()) return Status::InvalidArgument(kImportUsage);
  if (!explicit_format) {
    // Like sqlite3: the separators of the output mode, one character each.
    // In csv mode a "\r\n" row separator reads as "\n", and (a quirk of
    // sqlite3 that scripts diffing the two shells see) stays "\n" for output.
    std::string col = output->column_separator;
    if (output->mode == Mode::kCsv && output->row_separator == "\r\n") {
      output->row_separator = "\n";
    }
    std::string rowsep = output->row_separator;
    if (col.size() != 1 || rowsep.size() != 1) {
      return Status::InvalidArgument(
          ".import needs one-character column and row separators (use --csv, or .separator)");
    }
    column = col[0];
    row = rowsep[0];
  }
  if (file[0] == '|') return Status::NotSupported(".import from a command is not supported");
  if (schema == kDynamoSchema ||
      (schema.empty() && IsDynamoTable(db, table) && !IsLocalTable(db, table))) {
    return Status::InvalidArgument(QuoteInsertTable(table) +
                                   " is a DynamoDB table: .import loads local tables only");
  }
  UniqueFile in;
  Status s = OpenInputFile(file, &in);
  if (!s.ok()) return s;
  bool quoting = !(column == '\x1f' && row == '\x1e');
  ImportReader reader(in.get(), file, column, row, quoting);
  for (int i = 0; i < skip; ++i) {
    while (reader.Next() && reader.term() == column) {
    }
  }
  std::string target = (schema.empty() ? "" : QuoteId(schema) + ".") + QuoteId(table);
  sqlite3_stmt* raw = nullptr;
  bool exists =
      sqlite3_prepare_v2(db, ("SELECT * FROM " + target).c_str(), -1, &raw, nullptr) == SQLITE_OK;
  sqlite3_finalize(raw);
  raw = nullptr;
  if (!exists) {
    // The first row names the columns, all TEXT, as sqlite3 3.40 makes them.
    std::string create = "CREATE TABLE " + target + "(\n";
    const char* sep = "";
    while (reader.Next()) {
      create += sep + QuoteId(reader.field()) + " TEXT";
      sep = ", ";
      if (reader.term() != column) break;
    }
    if (!*sep) return Status::InvalidArgument(file + ": empty file");
    create += ")";
    if (verbose) std::fprintf(out, "%s\n\n", create.c_str());
    s = Exec(db, create);
    if (!s.ok()) return Status::InvalidArgument(create + " failed: " + s.message());
  }
  if (sqlite3_prepare_v2(db, ("SELECT * FROM " + target).c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    Status e = Status::InvalidArgument(sqlite3_errmsg(db));
    sqlite3_finalize(raw);
    return e;
  }
  int ncol = sqlite3_column_count(raw);
  sqlite3_finalize(raw);
  raw = nullptr;
  std::string insert = "INSERT INTO " + target + " VALUES(";
  for (int i = 0; i < ncol; ++i) insert += i ? ",?" : "?";
  insert += ")";
  if (sqlite3_prepare_v2(db, insert.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    Status e = Status::InvalidArgument(sqlite3_errmsg(db));
    sqlite3_finalize(raw);
    return e;
  }
  UniqueStmt stmt(raw);
  bool commit = sqlite3_get_autocommit(db) != 0;
  if (commit) Exec(db, "BEGIN");
  int rows = 0, failed = 0;
  bool interrupted = false;
  do {
    int start = reader.line();
    int i = 0;
    bool stop = false;
    for (; i < ncol; ++i) {
      bool got = reader.Next();
      if (!got && i == 0) {
        stop = true;
        break;
      }
      if (!quoting && i == 0 && (!got || reader.field().empty())) {
        stop = true;
        break;
      }
      if (got) {
        sqlite3_bind_text(stmt.get(), i + 1, reader.field().data(),
                          static_cast<int>(reader.field().size()), SQLITE_TRANSIENT);
      } else {
        sqlite3_bind_null(stmt.get(), i + 1);
      }
      if (i < ncol - 1 && reader.term() != column) {
        std::fprintf(stderr,
                     "%s:%d: expected %d columns but found %d - filling the rest with NULL\n",
                     file.c_str(), start, ncol, i + 1);
        for (int j = i + 2; j <= ncol; ++j) sqlite3_bind_null(stmt.get(), j);
        i = ncol;
        break;
      }
    }
    if (stop) break;
    if (reader.term() == column) {
      do {
        reader.Next();
        ++i;
      } while (reader.term() == column);
      std::fprintf(stderr, "%s:%d: expected %d columns but found %d - extras ignored\n",
                   file.c_str(), start, ncol, i);
    }
    sqlite3_step(stmt.get());
    int rc = sqlite3_reset(stmt.get());
    if (rc == SQLITE_INTERRUPT) {  // Ctrl-C: keep what is in, stop reading
      interrupted = true;
      break;
    }
    if (rc != SQLITE_OK) {
      std::fprintf(stderr, "%s:%d: INSERT failed: %s\n", file.c_str(), start, sqlite3_errmsg(db));
      ++failed;
    } else {
      ++rows;
    }
  } while (reader.term() != ImportReader::kEnd);
  if (commit) Exec(db, "COMMIT");
  if (verbose) {
    std::fprintf(out, "Added %d rows with %d errors using %d lines of input\n", rows, failed,
                 reader.line() - 1);
  }
  if (interrupted) {
    return Status::Cancelled(".import " + file + " interrupted after " + std::to_string(rows) +
                             " rows");
  }
  if (failed) {
    return Status::InvalidArgument(".import " + file + ": " + std::to_string(failed) + " of " +
                                   std::to_string(rows + failed) + " rows failed");
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------
// .parameter, kept where sqlite3 keeps it so Shell::BindParameters (and a
// script written for sqlite3) find it.

constexpr const char* kParameterUsage =
    "usage: .parameter init|list|clear|set PARAMETER VALUE|unset PARAMETER";

Status InitParameterTable(sqlite3* db) {
  // The name starts with "sqlite_": creating it needs a writable schema.
  int defensive = 0, writable = 0;
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, -1, &defensive);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_WRITABLE_SCHEMA, -1, &writable);
  sqlite3_db_config(db, SQLITE_DBCONFIG_WRITABLE_SCHEMA, 1, nullptr);
  Status s = Exec(db,
                  "CREATE TABLE IF NOT EXISTS temp.sqlite_parameters(\n"
                  "  key TEXT PRIMARY KEY,\n"
                  "  value\n"
                  ") WITHOUT ROWID;");
  sqlite3_db_config(db, SQLITE_DBCONFIG_WRITABLE_SCHEMA, writable, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, defensive, nullptr);
  return s;
}

Status ParameterCommand(sqlite3* db, const std::vector<std::string>& w, std::FILE* out) {
  std::string sub = w.size() > 1 ? w[1] : "";
  if (sub == "init" && w.size() == 2) return InitParameterTable(db);
  if (sub == "clear" && w.size() == 2)
    return Exec(db, "DROP TABLE IF EXISTS temp.sqlite_parameters;");
  if (sub == "list" && w.size() == 2) {
    int width = 0;
    ForEachRow(db, "SELECT max(length(key)) FROM temp.sqlite_parameters", {},
               [&](sqlite3_stmt* st) { width = std::min(40, sqlite3_column_int(st, 0)); });
    if (width == 0) return Status::OK();
    return ForEachRow(db, "SELECT key, quote(value) FROM temp.sqlite_parameters", {},
                      [&](sqlite3_stmt* st) {
                        std::fprintf(out, "%-*s %s\n", width, ColumnText(st, 0).c_str(),
                                     ColumnText(st, 1).c_str());
                      });
  }
  if (sub == "unset" && w.size() == 3) {
    sqlite3_stmt* probe = nullptr;
    bool table = sqlite3_prepare_v2(db, "SELECT 1 FROM temp.sqlite_parameters", -1, &probe,
                                    nullptr) == SQLITE_OK;
    sqlite3_finalize(probe);
    if (!table) return Status::OK();
    return ForEachRow(db, "DELETE FROM temp.sqlite_parameters WHERE key = ?1", {w[2]},
                      [](sqlite3_stmt*) {});
  }
  if (sub == "set" && w.size() == 4) {
    const std::string& key = w[2];
    if (key.empty() || std::strchr("$:@?", key[0]) == nullptr) {
      return Status::InvalidArgument("parameter names start with one of $ : @ ? (got \"" + key +
                                     "\")");
    }
    Status s = InitParameterTable(db);
    if (!s.ok()) return s;
    // VALUE is an SQL expression when it parses as one, else text: 42 is a
    // number, 'x' and x are both the text x.
    std::string prefix =
        "REPLACE INTO temp.sqlite_parameters(key,value) VALUES(" + QuoteLiteral(key) + ",";
    sqlite3_stmt* stmt = nullptr;
    std::string sql = prefix + w[3] + ");";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      sqlite3_finalize(stmt);
      stmt = nullptr;
      sql = prefix + QuoteLiteral(w[3]) + ");";
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
        s = Status::InvalidArgument(sqlite3_errmsg(db));
        sqlite3_finalize(stmt);
        return s;
      }
    }
    UniqueStmt owned(stmt);
    if (sqlite3_step(stmt) != SQLITE_DONE) {
      return Status::InvalidArgument(std::string(".parameter set ") + key + ": " +
                                     sqlite3_errmsg(db));
    }
    return Status::OK();
  }
  return Status::InvalidArgument(kParameterUsage);
}

// ---------------------------------------------------------------------------
// Small settings

// sqlite3's output_c_string: a C string literal, other bytes in octal.
std::string CString(const std::string& z) {
  std::string out = "\"";
  for (unsigned char c : z) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\%03o", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// Runs RunModeCommand and turns what it wrote to stderr into the error.
Status ModeCommand(OutputSettings* output, const std::vector<std::string>& args, std::FILE* out) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* err = open_memstream(&buf, &len);
  if (!err) return Status::IOError("out of memory");
  int rc = RunModeCommand(output, args, out, err);
  std::fclose(err);
  std::string msg(buf, len);
  std::free(buf);
  if (rc == 0) {
    if (!msg.empty()) std::fputs(msg.c_str(), stderr);  // warnings
    return Status::OK();
  }
  msg = Trim(msg);
  if (msg.rfind("Error: ", 0) == 0) msg = msg.substr(7);
  if (msg.rfind("mode should be", 0) == 0) {
    std::string name;
    for (const auto& a : args) {
      if (!a.empty() && a[0] != '-') {
        name = a;
        break;
      }
    }
    msg = "unknown mode \"" + name + "\": " + msg;
  }
  return Status::InvalidArgument(msg);
}

}  // namespace

void Shell::ShowQueryPlan(sqlite3_stmt* stmt) {
  std::string sql = Trim(sqlite3_sql(stmt));
  OutputSettings explain = output_;
  explain.auto_explain = true;
  std::vector<std::string> prefixes = {"EXPLAIN QUERY PLAN "};
  if (eqp_ >= 2) prefixes.push_back("EXPLAIN ");  // .eqp full: the bytecode too
  for (const auto& prefix : prefixes) {
    sqlite3_stmt* plan = nullptr;
    if (sqlite3_prepare_v2(db_, (prefix + sql).c_str(), -1, &plan, nullptr) == SQLITE_OK) {
      RenderResults(plan, explain, out());
    }
    sqlite3_finalize(plan);
  }
}

void Shell::PrintChanges(bool failed) {
  // Declaring the DynamoDB tables wrote rows the user never asked for:
  // count from after that, as sqlite3 counts from an empty session.
  auto written = static_cast<int64_t>(input_written_);
  auto refused = static_cast<int64_t>(input_refused_);
  int64_t changes = 0;
  if (failed) {
    // SQLite counts nothing for a failed statement; the items DynamoDB
    // wrote before it stopped stay written.
    if (written == 0 && refused == 0) return;
    changes = written;
    changes_adjust_ += written;
  } else {
    // Rows SQLite handed xUpdate that DynamoDB then refused were not changed.
    changes_adjust_ -= refused;
    changes = std::max<int64_t>(0, sqlite3_changes64(db_) - refused);
  }
  int64_t total = sqlite3_total_changes64(db_) - changes_baseline_ + changes_adjust_;
  if (total <= 0) changes = 0;
  std::fprintf(out(), "changes: %lld   total_changes: %lld", static_cast<long long>(changes),
               static_cast<long long>(std::max<int64_t>(0, total)));
  if (refused > 0) {
    std::fprintf(out(), "   conditional failures: %lld", static_cast<long long>(refused));
  }
  std::fprintf(out(), "\n");
}

Status Shell::RunDotCommand(const std::string& line, const InputSource& source, bool* quit) {
  (void)source;
  std::vector<std::string> w = SplitDotArgs(line.substr(1));
  if (w.empty()) return Status::InvalidArgument("empty dot-command (see .help)");
  const std::string& cmd = w[0];
  auto usage = [](const char* text) {
    return Status::InvalidArgument(std::string("usage: ") + text);
  };
  auto toggle = [&](bool* flag, const char* text) -> Status {
    bool v;
    if (w.size() != 2 || !ParseBool(w[1], &v)) return usage(text);
    *flag = v;
    return Status::OK();
  };
  if (cmd == "quit" || cmd == "q" || cmd == "exit") {
    *quit = true;
    if (cmd == "exit" && w.size() > 1) exit_code_ = std::atoi(w[1].c_str()) & 0xff;
    return Status::OK();
  }
  if (cmd == "help") return Help(w, out());
  // The interactive REPL handles .pager itself (shell/repl.cc); elsewhere
  // (scripts, -c, an init file read by a script) there is nothing to page.
  if (cmd == "pager") return Status::OK();
  if (cmd == "headers" || cmd == "header") {
    Status s = toggle(&output_.headers, ".headers on|off");
    if (s.ok()) output_.headers_set = true;
    return s;
  }
  if (cmd == "explain") {
    bool on = true;
    if (w.size() > 2 || (w.size() == 2 && w[1] != "auto" && !ParseBool(w[1], &on))) {
      return usage(".explain ?on|off|auto?");
    }
    output_.auto_explain = on;
    return Status::OK();
  }
  if (cmd == "bail") return toggle(&bail_, ".bail on|off");
  if (cmd == "echo") return toggle(&echo_, ".echo on|off");
  if (cmd == "timer") return toggle(&timer_, ".timer on|off");
  if (cmd == "changes") return toggle(&changes_, ".changes on|off");
  if (cmd == "progress") return toggle(&progress_, ".progress on|off");
  if (cmd == "ratelimit" || cmd == "scanconfirm") {
    bool rate = cmd == "ratelimit";
    if (w.size() == 1) {
      double v = rate ? module_->rate_limiter().rate()
                      : static_cast<double>(module_->options().confirm_scan_items);
      std::fprintf(out(), "%s\n",
                   v > 0 ? std::to_string(static_cast<long long>(v)).c_str() : "off");
      return Status::OK();
    }
    char* end = nullptr;
    double n = w[1] == "off" ? 0 : std::strtod(w[1].c_str(), &end);
    if (w.size() != 2 || (w[1] != "off" && (w[1].empty() || *end != '\0' || n <= 0))) {
      return usage(rate ? ".ratelimit RCU|off (read capacity units per second)"
                        : ".scanconfirm N|off (items)");
    }
    if (rate) {
      module_->rate_limiter().SetRate(n);
    } else {
      module_->options().confirm_scan_items = static_cast<int64_t>(n);
    }
    return Status::OK();
  }
  if (cmd == "recover") return RecoverCommand(w);
  if (cmd == "ledger") return LedgerCommand(w);
  if (cmd == "sweep") return SweepCommand(w);
  if (cmd == "readonly") {
    // Writes already made inside BEGIN would still go out at COMMIT.
    if (w.size() > 1 && !sqlite3_get_autocommit(db_)) {
      return Status::InvalidArgument(
          ".readonly: not inside a transaction (COMMIT or ROLLBACK first)");
    }
    bool on = args_.readonly;
    Status s = w.size() == 1 ? Status::OK() : toggle(&on, ".readonly ?on|off?");
    if (s.ok() && !on && readonly_fixed_) {
      // The script a --readonly session runs must not be able to undo it.
      return Status::InvalidArgument(
          ".readonly off: this session was started with --readonly, which holds until it ends");
    }
    args_.readonly = on;
    module_->options().read_only = args_.readonly;
    if (w.size() == 1) {
      std::fprintf(out(), "readonly: %s\n",
                   readonly_fixed_  ? "on (--readonly)"
                   : args_.readonly ? "on"
                                    : "off");
    }
    return s;
  }
  if (cmd == "consistent") return toggle(&module_->options().consistent_read, ".consistent on|off");
  if (cmd == "eqp") {
    bool on;
    if (w.size() == 2 && w[1] == "full") {
      eqp_ = 2;
    } else if (w.size() == 2 && ParseBool(w[1], &on)) {
      eqp_ = on ? 1 : 0;
    } else {
      return usage(".eqp on|off|full");
    }
    return Status::OK();
  }
  if (cmd == "refresh") {
    if (w.size() > 2) return usage(".refresh ?TABLE?");
    // The connection is lazy: a refresh needs the tables declared first.
    Status listed = ListDynamoTables();
    if (!listed.ok()) return listed;
    return vtab::RefreshTables(db_, module_.get(), w.size() == 2 ? w[1] : "");
  }
  if (cmd == "stats") {
    if (w.size() == 1) {
      PrintStats();
      return Status::OK();
    }
    return toggle(&stats_on_, ".stats ?on|off?");
  }
  if (cmd == "mode") return ModeCommand(&output_, {w.begin() + 1, w.end()}, out());
  if (cmd == "nullvalue") {
    if (w.size() != 2) return usage(".nullvalue STRING");
    output_.null_value = w[1];
    return Status::OK();
  }
  if (cmd == "separator") {
    if (w.size() < 2 || w.size() > 3) return usage(".separator COL ?ROW?");
    output_.column_separator = w[1];
    if (w.size() > 2) output_.row_separator = w[2];
    return Status::OK();
  }
  if (cmd == "width") {
    output_.widths.clear();
    for (size_t i = 1; i < w.size(); ++i) {
      output_.widths.push_back(static_cast<int>(std::strtol(w[i].c_str(), nullptr, 10)));
    }
    return Status::OK();
  }
  if (cmd == "print") {
    std::string text;
    for (size_t i = 1; i < w.size(); ++i) text += (i > 1 ? " " : "") + w[i];
    std::fprintf(out(), "%s\n", text.c_str());
    return Status::OK();
  }
  if (cmd == "parallel") {
    char* end = nullptr;
    long n = w.size() == 2 ? std::strtol(w[1].c_str(), &end, 10) : -1;
    if (w.size() != 2 || w[1].empty() || *end != '\0' || n < 0 || n > 64) {
      return usage(".parallel N (0 to 64 scan segments; 0: by table size)");
    }
    module_->options().scan_segments = static_cast<int>(n);
    return Status::OK();
  }
  if (cmd == "output" || cmd == "once") {
    bool bom = false;
    std::string file;
    for (size_t i = 1; i < w.size(); ++i) {
      if (w[i] == "--bom" || w[i] == "-bom") {
        bom = true;
      } else if (w[i].size() > 1 && w[i][0] == '-') {
        return Status::NotSupported("." + cmd + " " + w[i] + " is not supported (usage: ." + cmd +
                                    " ?--bom? ?FILE?)");
      } else if (file.empty()) {
        file = w[i];
      } else {
        return usage(cmd == "once" ? ".once ?--bom? ?FILE?" : ".output ?--bom? ?FILE?");
      }
    }
    CloseOutput();
    if (!file.empty() && file[0] == '|') {
      return Status::NotSupported("." + cmd + " to a command is not supported");
    }
    if (!file.empty() && file != "stdout") {
      out_ = std::fopen(file.c_str(), "wb");
      if (!out_) {
        return Status::IOError("cannot write to \"" + file + "\": " + std::strerror(errno));
      }
      out_name_ = file;
    }
    if (bom) std::fputs("\xEF\xBB\xBF", out());
    if (cmd == "once") once_left_ = 2;  // this command, then the next one
    return Status::OK();
  }
  if (cmd == "read") {
    if (w.size() != 2) return usage(".read FILE");
    if (!w[1].empty() && w[1][0] == '|') {
      return Status::NotSupported(".read from a command is not supported");
    }
    UniqueFile probe;
    Status s = OpenInputFile(w[1], &probe);
    if (!s.ok()) return s;
    probe.reset();
    if (read_depth_ >= kMaxReadDepth) {
      return Status::InvalidArgument(".read nested more than " + std::to_string(kMaxReadDepth) +
                                     " deep (does a file read itself?)");
    }
    int before = errors_;
    ++read_depth_;
    bool go_on = RunFile(w[1], false);
    --read_depth_;
    if (!go_on && quit_) *quit = true;
    if (errors_ > before) {
      // Each error was reported where it happened; this one only carries
      // the failure (and -bail) to the caller without another message.
      errors_ = before;
      return Status::IOError("");
    }
    return Status::OK();
  }
  if (cmd == "tables" || cmd == "indexes" || cmd == "indices" || cmd == "schema" ||
      (cmd == "dump" && w.size() > 1)) {
    // These show DynamoDB tables too: declare them first (the connection is
    // lazy). When that fails the local ones are still shown, then the
    // reason is the command's error (once).
    Status listed = ListDynamoTables();
    Status s;
    if (cmd == "tables" || cmd == "indexes" || cmd == "indices") {
      if (w.size() > 2) return usage(cmd == "tables" ? ".tables ?TABLE?" : ".indexes ?TABLE?");
      std::string pattern = w.size() > 1 ? w[1] : "%";
      s = ListObjects(db_, pattern, cmd != "tables", out());
      if (s.ok() && cmd != "tables" && tables_listed_) {
        s = DescribeDynamoIndexes(db_, *module_, &connection_->dynamodb(), pattern, out());
      }
    } else {
      s = cmd == "schema" ? SchemaCommand(db_, w, out()) : DumpCommand(db_, w, out());
      if (s.ok() && cmd == "schema") {
        // Codec declarations follow the tables they belong to.
        bool pattern = w.size() > 1 && !w.back().empty() && w.back()[0] != '-';
        PrintCodecSchema(&module_->codecs(), pattern ? w.back() : "", out());
      }
    }
    if (s.ok() && !listed.ok() && !listed.message().empty()) return listed;
    return s;
  }
  bool codec_command = false;
  Status codec_status = CodecCommand(db_, &module_->codecs(), line, w, out(), &codec_command);
  if (codec_command) return codec_status;
  if (cmd == "dump") return DumpCommand(db_, w, out());
  if (cmd == "import") {
    // Refusing a DynamoDB table as the target needs their names; a failure
    // to list them is left for a statement that needs DynamoDB to say.
    if (w.size() > 1) TryListDynamoTables();
    return ImportCommand(db_, &output_, w, out());
  }
  if (cmd == "parameter" || cmd == "param") return ParameterCommand(db_, w, out());
  if (cmd == "databases") {
    if (w.size() != 1) return usage(".databases");
    return ForEachRow(
        db_, "SELECT name, file FROM pragma_database_list ORDER BY seq", {}, [&](sqlite3_stmt* st) {
          std::string name = ColumnText(st, 0);
          if (name == kDynamoSchema) {
            std::fprintf(out(), "%s: DynamoDB %s\n", name.c_str(), DescribeConnection().c_str());
            return;
          }
          std::string file = ColumnText(st, 1);
          bool ro = sqlite3_db_readonly(db_, name.c_str()) == 1;
          std::fprintf(out(), "%s: %s %s\n", name.c_str(), file.empty() ? "\"\"" : file.c_str(),
                       ro ? "r/o" : "r/w");
        });
  }
  if (cmd == "profile" || cmd == "region" || cmd == "endpoint") {
    if (w.size() == 1) {
      if (!connection_) return connect_error_.WithContext("." + cmd);
      const aws::Settings& st = connection_->settings();
      std::string value = cmd == "profile"  ? st.profile
                          : cmd == "region" ? st.region
                                            : connection_->dynamodb_endpoint().BaseUrl();
      std::fprintf(out(), "%s\n", value.c_str());
      return Status::OK();
    }
    if (w.size() != 2 || w[1].empty()) return usage(("." + cmd + " ?VALUE?").c_str());
    aws::Overrides o = connection_options_.overrides;
    if (cmd == "profile") o.profile = w[1];
    if (cmd == "region") o.region = w[1];
    if (cmd == "endpoint") o.endpoint_url = w[1] == "default" ? "" : w[1];
    Status s = Reconnect(o);
    if (!s.ok()) return s.WithContext("." + cmd + " " + w[1]);
    if (interactive_) std::fprintf(stderr, "connected: %s\n", connection_->Describe().c_str());
    return Status::OK();
  }
  if (cmd == "whoami") {
    if (!connection_) return connect_error_.WithContext(".whoami");
    return WhoamiCommand(*connection_, w, out());
  }
  if (cmd == "show") {
    if (w.size() != 1) return usage(".show");
    static const char* const kEqp[] = {"off", "on", "full"};
    auto show = [&](const char* name, const std::string& value) {
      std::fprintf(out(), "%12.12s: %s\n", name, value.c_str());
    };
    std::string widths;
    for (int wd : output_.widths) widths += std::to_string(wd) + " ";
    show("echo", echo_ ? "on" : "off");
    show("eqp", kEqp[eqp_]);
    show("explain", output_.auto_explain ? "auto" : "off");
    show("headers", output_.headers ? "on" : "off");
    show("mode", DescribeMode(output_));
    show("nullvalue", CString(output_.null_value));
    show("output", out_ ? out_name_ : "stdout");
    show("colseparator", CString(output_.column_separator));
    show("rowseparator", CString(output_.row_separator));
    show("stats", stats_on_ ? "on" : "off");
    show("width", widths);
    show("filename", ":memory:");
    show("bail", bail_ ? "on" : "off");
    show("changes", changes_ ? "on" : "off");
    show("timer", timer_ ? "on" : "off");
    show("connection", DescribeConnection());
    show("consistent", module_->options().consistent_read ? "on" : "off");
    show("parallel", std::to_string(module_->options().scan_segments));
    double rate = module_->rate_limiter().rate();
    show("ratelimit", rate > 0 ? std::to_string(static_cast<long long>(rate)) : "off");
    return Status::OK();
  }
  return Status::InvalidArgument("unknown command: ." + cmd + " (see .help)");
}

}  // namespace ddb::shell
