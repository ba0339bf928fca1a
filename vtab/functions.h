// Table-valued functions for DynamoDB reads that a declared table cannot
// express, as eponymous-only virtual tables (DIRECTONLY, like the module):
//
//   ddb_partiql(statement [, params [, consistent]])
//       a PartiQL SELECT through ExecuteStatement, every page
//   ddb_query(table_name, key_condition [, values_json [, index_name
//             [, filter [, descending]]]])
//       a raw Query with DynamoDB expressions, every page
//
// Each returns one row per item: `item`, the whole item as JSON text, plus
// its arguments as hidden columns. See functions_vtab.cc for the details.
#pragma once

#include <sqlite3.h>

#include "engine/status.h"
#include "vtab/module.h"

namespace ddb::vtab {

// Registers ddb_partiql and ddb_query on `db`, and the codec functions
// (codec_functions.h). `context` must outlive `db`;
// the functions use its connection, options, rate limit and Stats.
Status RegisterFunctions(sqlite3* db, ModuleContext* context);

}  // namespace ddb::vtab
