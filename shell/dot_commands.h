// What the files of dot-commands share: the SQL and file helpers of
// dot_commands.cc, and the commands kept in files of their own
// (schema_commands.cc: .schema, .tables, .indexes; dump_command.cc: .dump;
// import_command.cc: .import). Shell's handlers (dot_command_table.h) call
// these.
#pragma once

#include <sqlite3.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/dynamodb/client.h"
#include "engine/sqlite_util.h"
#include "engine/status.h"
#include "shell/output.h"
#include "vtab/module.h"

namespace ddb::shell {

// The schema AttachTables declares the DynamoDB tables in.
constexpr const char* kDynamoSchema = "ddb";

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};
using UniqueFile = std::unique_ptr<std::FILE, FileCloser>;

// Column `i` of the current row as text ("" for NULL).
std::string ColumnText(sqlite3_stmt* stmt, int i);
// Runs `sql` with `params` bound as ?1, ?2, ... and calls `row` for each row
// (quoting, statements and sql::Exec are engine/sqlite_util.h's).
Status ForEachRow(sqlite3* db, const std::string& sql, const std::vector<std::string>& params,
                  const std::function<void(sqlite3_stmt*)>& row);
// The attached databases in sqlite3's order: main, temp (once used), then
// the others as attached.
std::vector<std::string> DatabaseNames(sqlite3* db);
bool HasDynamoSchema(sqlite3* db);
// True when `name` is a table or view of a local database, which then wins
// over a DynamoDB table of the same name for an unqualified reference.
bool IsLocalTable(sqlite3* db, const std::string& name);
bool IsDynamoTable(sqlite3* db, const std::string& name);
// Opens `path` for reading; a directory or a missing file is an error that
// names it.
Status OpenInputFile(const std::string& path, UniqueFile* out);

// sqlite3's printSchemaLine: a statement ending in a comment gets what closes
// it before `tail`, and a table whose name is quoted prints as CREATE TABLE
// IF NOT EXISTS (schema_commands.cc).
void PrintSchemaLine(std::FILE* out, std::string sql, const char* tail);

// .tables (or, with `indexes`, .indexes) of local tables and views whose
// name matches the LIKE `pattern`, qualified by their schema except in main
// and, unless a local table hides them, DynamoDB's (schema_commands.cc).
Status ListObjects(sqlite3* db, const std::string& pattern, bool indexes, std::FILE* out);
// .indexes of DynamoDB tables matching `pattern`: each table's key schema
// and secondary indexes, one DescribeTable each (schema_commands.cc).
Status DescribeDynamoIndexes(sqlite3* db, const vtab::ModuleContext& module,
                             dynamodb::DynamoDbClient* client, const std::string& pattern,
                             std::FILE* out);
// .schema ?--nosys? ?PATTERN? (`w` as typed; schema_commands.cc).
Status SchemaCommand(sqlite3* db, const std::vector<std::string>& w, std::FILE* out);

// .dump ?--data-only? ?--nosys? ?OBJECTS? (dump_command.cc). `listed` is
// how listing the DynamoDB tables went: when it failed, OBJECTS that match
// no local table may name a DynamoDB one, and its error is all there is.
// On an error found before dumping (a DynamoDB table named), nothing is
// written to `out`.
Status DumpCommand(sqlite3* db, const std::vector<std::string>& w, std::FILE* out,
                   const Status& listed = Status::OK());

// .import (import_command.cc). Without --csv or --ascii the separators of
// `output` decide (and csv mode's "\r\n" row separator becomes "\n", as in
// sqlite3).
Status ImportCommand(sqlite3* db, OutputSettings* output, const std::vector<std::string>& w,
                     std::FILE* out);

}  // namespace ddb::shell
