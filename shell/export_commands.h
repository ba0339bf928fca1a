// The export dot-commands (issue 17): `.export` starts a table's export to
// S3 (ExportTableToPointInTime), follows it and binds the finished export
// as a table (vtab/dynamodb_export.h); `.exports` lists a table's exports.
#pragma once

#include <sqlite3.h>

#include <cstdio>
#include <string>
#include <vector>

#include "engine/connection.h"
#include "engine/status.h"
#include "vtab/module.h"

namespace ddb::shell {

// What the commands need of the shell.
struct ExportContext {
  sqlite3* db = nullptr;
  Connection* connection = nullptr;
  vtab::ModuleContext* module = nullptr;
  std::FILE* out = nullptr;
  bool progress = false;  // stderr is a terminal: draw the waiting line there
};

// `.export TABLE s3://BUCKET/PREFIX [--incremental-since TIME] [--format
// ion] [AS NAME]`: starts the export and waits for it, a line on stderr
// saying so; Ctrl-C leaves it running and prints the `.export attach ARN`
// that binds it later. Finished, it is bound as temp.TABLE_export (or
// NAME). Refused in a read-only session (an export writes to S3 and is
// billed). `.export attach ARN [AS NAME]` waits for (and binds) an export
// started before.
Status ExportCommand(const ExportContext& ctx, const std::vector<std::string>& words);

// `.exports TABLE`: the table's exports, one line each: ARN, status, type.
Status ExportsCommand(const ExportContext& ctx, const std::vector<std::string>& words);

}  // namespace ddb::shell
