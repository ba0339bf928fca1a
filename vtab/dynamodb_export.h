// The "dynamodb_export" module: a DynamoDB table's S3 export
// (ExportTableToPointInTime) as a read-only SQLite table.
//
//   CREATE VIRTUAL TABLE temp.snap
//       USING dynamodb_export('s3://BUCKET/PREFIX/AWSDynamoDB/EXPORT_ID');
//   SELECT count(*), sum(n) FROM snap;
//
//   -- a full export and incremental ones: the table at the last one's end
//   CREATE VIRTUAL TABLE temp.now USING dynamodb_export('s3://b/full/AWSDynamoDB/ID1',
//       's3://b/incr/AWSDynamoDB/ID2', 's3://b/incr/AWSDynamoDB/ID3');
//
// Arguments (the first argument without a name is the export, the others
// incremental exports):
//   export   s3://BUCKET/PREFIX/AWSDynamoDB/EXPORT_ID (the folder that holds
//            manifest-summary.json) of a full export, DYNAMODB_JSON or ION
//   incremental  an incremental export of the same table (any number, any
//            order): per key the change with the newest WriteTimestampMicros
//            wins; one without NewImage deletes (engine/export/merge.h)
//   table    the source table's name, for the catalog's codec columns and
//            DescribeTable; default: the name in the summary's tableArn
//   keys     the key attributes "pk" or "pk,sk" when the source table
//            cannot be described (default: from DescribeTable; when that
//            fails, the incremental exports' Keys in name order, else none)
//   sample   items read to find the attributes (default 100)
//   catalog  codec columns of this table, as for the dynamodb module
//
// The same export as a table function (the module is eponymous): one
// column, `item`, and the arguments as hidden columns `export`,
// `incremental1`..`incremental8`, read when a statement starts:
//
//   SELECT count(*) FROM dynamodb_export('s3://b/full/AWSDynamoDB/ID1',
//       's3://b/incr/AWSDynamoDB/ID2');
//
// Columns (CREATE VIRTUAL TABLE) are those the dynamodb module gives the live table: the key
// attributes first, the sampled attributes (each typed by the DynamoDB type
// most seen), the catalog's codec columns (decoded as for the live table),
// and the hidden column `item`, the whole item as JSON. engine/export/
// reads the files (reader.h: parallel, bounded memory, each file checked
// against its manifest MD5 and item count).
#pragma once

#include <sqlite3.h>

#include "engine/status.h"
#include "vtab/module.h"

namespace ddb::vtab {

// Registers the module "dynamodb_export" on `db`; `context` must outlive it.
Status RegisterExportModule(sqlite3* db, ModuleContext* context);

}  // namespace ddb::vtab
