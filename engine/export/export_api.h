// The DynamoDB operations of table exports: ExportTableToPointInTime,
// DescribeExport and ListExports, sent through the DynamoDB client's
// AwsClient (signing, retries, errors as every DynamoDB call).
//
// Errors name the table or export. An export of a table without
// point-in-time recovery (PointInTimeRecoveryUnavailableException) says so
// and how to turn it on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/dynamodb/client.h"
#include "engine/status.h"

namespace ddb::table_export {

struct StartExportRequest {
  std::string table;      // its name, for messages
  std::string table_arn;  // from DescribeTable
  std::string bucket;
  std::string prefix;                    // may be empty
  std::string format = "DYNAMODB_JSON";  // or "ION"
  // Incremental: the window's start (and end; empty: now), ISO 8601 or
  // seconds since the epoch, as DynamoDB takes them.
  std::string incremental_since;
  std::string incremental_until;
};

struct ExportInfo {
  std::string arn;
  std::string status;  // IN_PROGRESS, COMPLETED, FAILED
  std::string type;    // FULL_EXPORT, INCREMENTAL_EXPORT
  std::string table_arn;
  std::string bucket;
  std::string prefix;
  std::string manifest;  // key of manifest-summary.json (once COMPLETED)
  std::string failure;   // FailureCode: FailureMessage
  int64_t item_count = -1;

  // s3://BUCKET/FOLDER of the finished export (from manifest), or "".
  std::string Uri() const;
};

// ExportTableToPointInTime: starts the export `request` describes; *out is
// the new export (status IN_PROGRESS). A table without point-in-time
// recovery is InvalidArgument saying how to turn it on.
Status StartExport(dynamodb::DynamoDbClient& client, const StartExportRequest& request,
                   ExportInfo* out);
// DescribeExport: the export's status, and once COMPLETED its manifest.
Status DescribeExport(dynamodb::DynamoDbClient& client, const std::string& arn, ExportInfo* out);
// Every export of the table (all pages of ListExports), newest last as
// DynamoDB lists them.
Status ListExports(dynamodb::DynamoDbClient& client, const std::string& table_arn,
                   std::vector<ExportInfo>* out);

}  // namespace ddb::table_export
