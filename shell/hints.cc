// What the shell adds to SQLite's errors and says besides them about the
// DynamoDB tables: how to reach an attribute no column holds, which names
// stand for attributes or tables whose names differ only in case, and which
// local tables hide a DynamoDB table.
#include <sqlite3.h>

#include <cctype>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "engine/sqlite_util.h"
#include "shell/shell.h"
#include "shell/text_util.h"
#include "vtab/sql_names.h"

namespace ddb::shell {

namespace {

// "a", "a and b", "a, b and c".
std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  }
  return out;
}

// The JSON path of the member `name` ('$.n', or '$."a b"').
std::string JsonPath(const std::string& name) {
  bool plain = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char c : name) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  return sql::QuoteLiteral(plain ? "$." + name : "$.\"" + name + "\"");
}

}  // namespace

std::string Shell::MissingColumnHint(const std::string& message, const char* sql) {
  if (sqlite3_db_filename(db_, "ddb") == nullptr) return "";
  const std::string kNoSuchColumn = "no such column: ";
  const std::string kNoColumnNamed = " has no column named ";  // INSERT's
  std::string column;
  std::string table;
  if (message.compare(0, kNoSuchColumn.size(), kNoSuchColumn) == 0) {
    column = message.substr(kNoSuchColumn.size());
    if (size_t dot = column.rfind('.'); dot != std::string::npos) column = column.substr(dot + 1);
    // The first DynamoDB table the statement names (as a word).
    sql::Statement q;
    Status s = q.Prepare(db_,
                         "SELECT name FROM ddb.sqlite_schema WHERE type = 'table' AND "
                         "(' ' || lower(?1) || ' ') GLOB ('*[^a-z0-9_]' || lower(name) || "
                         "'[^a-z0-9_]*') ORDER BY length(name) DESC LIMIT 1");
    if (!s.ok()) return "";
    q.BindText(1, sql);
    if (q.Step()) table = q.ColumnText(0);
  } else if (size_t at = message.find(kNoColumnNamed);
             message.compare(0, 6, "table ") == 0 && at != std::string::npos) {
    column = message.substr(at + kNoColumnNamed.size());
    std::string named = message.substr(6, at - 6);
    if (named.compare(0, 4, "ddb.") == 0) {
      named = named.substr(4);
    } else if (named.find('.') != std::string::npos) {
      return "";  // a table of another database
    }
    // A local table of that name is the one SQLite wrote to.
    sql::Statement q;
    Status s = q.Prepare(
        db_,
        "SELECT name FROM ddb.sqlite_schema WHERE type = 'table' AND name = ?1 COLLATE NOCASE "
        "AND (?2 OR NOT EXISTS (SELECT 1 FROM main.sqlite_schema WHERE name = ?1 COLLATE "
        "NOCASE UNION ALL SELECT 1 FROM temp.sqlite_schema WHERE name = ?1 COLLATE NOCASE))");
    if (!s.ok()) return "";
    q.BindText(1, named);
    q.BindInt(2, message.compare(6, 4, "ddb.") == 0);
    if (q.Step()) table = q.ColumnText(0);
  } else {
    return "";
  }
  if (table.empty()) return "";
  vtab::TableNotes notes = module_->NotesOf("ddb." + table);
  // Attributes whose names differ only in case: none has the bare name.
  for (const auto& group : notes.renamed) {
    if (group.size() < 2 || vtab::FoldCase(group[0].first) != vtab::FoldCase(column)) continue;
    std::vector<std::string> attributes;
    std::vector<std::string> columns;
    for (const auto& [attribute, name] : group) {
      attributes.push_back(attribute);
      columns.push_back(QuoteInsertTable(name));
    }
    return " (attributes " + JoinNames(attributes) + " of " + table +
           " differ only in case, which SQL names do not tell apart: they are columns " +
           JoinNames(columns) + ")";
  }
  std::string refresh = notes.sample_may_miss ? ", or sample again with .refresh " + table : "";
  std::string sample = " (the columns of " + table + " come from a sample of its items";
  // INSERT's column list names a column to write; "no such column" in an
  // INSERT is a read (of its SELECT or VALUES).
  if (message.compare(0, kNoSuchColumn.size(), kNoSuchColumn) != 0) {
    // Writing an attribute no item has yet is no mistake: say how.
    return sample + ", and none of them is " + column +
           ": write an attribute no column holds through the column item, as in INSERT INTO " +
           QuoteInsertTable(table) + "(..., item) VALUES (..., json_object(" +
           sql::QuoteLiteral(column) + ", value))" + refresh + ")";
  }
  if (FirstKeyword(sql) == "UPDATE") {
    return sample + ", and none of them is " + column +
           ": read an attribute no column holds as item->>" + sql::QuoteLiteral(column) +
           " and write it as SET item = json_set(item, " + JsonPath(column) + ", value)" + refresh +
           ")";
  }
  // A sample that read the whole table missed nothing.
  if (refresh.empty()) return "";
  return sample + ": read an attribute the sample missed as item->>" + sql::QuoteLiteral(column) +
         refresh + ")";
}

std::string Shell::MissingTableHint(const std::string& message) {
  const std::string kPrefix = "no such table: ";
  if (message.compare(0, kPrefix.size(), kPrefix) != 0 || !module_) return "";
  std::string name = message.substr(kPrefix.size());
  if (name.compare(0, 4, "ddb.") == 0) name = name.substr(4);
  std::vector<std::string> tables;
  std::vector<std::string> names;
  for (const auto& [dynamo, sql_name] : module_->ListedTables()) {
    if (dynamo == sql_name || vtab::FoldCase(dynamo) != vtab::FoldCase(name)) continue;
    tables.push_back(dynamo);
    names.push_back(QuoteInsertTable(sql_name));
  }
  if (tables.empty()) return "";
  return " (DynamoDB tables " + JoinNames(tables) +
         " differ only in case, which SQL names do not tell apart: they are tables " +
         JoinNames(names) + ")";
}

void Shell::PrintWarnings() {
  if (!module_) return;
  if (tables_listed_ && check_hidden_) {
    check_hidden_ = false;
    // SQLite finds an unqualified name in main, temp and the databases
    // attached before ddb first: a table or view there hides the DynamoDB
    // table of that name.
    std::vector<std::string> before;
    sql::Statement list;
    Status s = list.Prepare(db_, "SELECT name FROM pragma_database_list ORDER BY seq");
    while (s.ok() && list.Step()) {
      std::string schema = list.ColumnText(0);
      if (schema == "ddb") break;
      before.push_back(schema);
    }
    for (const auto& schema : before) {
      sql::Statement q;
      Status listed =
          q.Prepare(db_, "SELECT l.type, l.name, d.name FROM " + QuoteInsertTable(schema) +
                             ".sqlite_schema l JOIN ddb.sqlite_schema d ON d.name = "
                             "l.name COLLATE NOCASE WHERE l.type IN ('table', 'view')");
      while (listed.ok() && q.Step()) {
        std::string local = QuoteInsertTable(q.ColumnText(1));
        std::string dynamo = QuoteInsertTable(q.ColumnText(2));
        module_->Warn("the local " + q.ColumnText(0) + " " +
                      (schema == "main"   ? ""
                       : schema == "temp" ? "temp."
                                          : QuoteInsertTable(schema) + ".") +
                      local + " hides the DynamoDB table " + dynamo + ": statements that name " +
                      dynamo + " use the local one; name the DynamoDB table as ddb." + dynamo);
      }
    }
  }
  for (const auto& w : module_->TakeWarnings()) std::fprintf(stderr, "warning: %s\n", w.c_str());
  std::fflush(stderr);
}

}  // namespace ddb::shell
