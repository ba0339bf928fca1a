// The layout of a DynamoDB table export (ExportTableToPointInTime) in S3:
//
//   s3://BUCKET/PREFIX/AWSDynamoDB/EXPORT_ID/
//     manifest-summary.json   one JSON object: the export (ParseSummary)
//     manifest-files.json     one JSON object a line: a data file each
//                             (ParseManifestFiles)
//     manifest-*.md5          the MD5 of the manifest beside it (older
//     manifest-*.checksum     exports: .md5; AWS's documentation names
//                             .checksum): CheckManifestChecksum
//     data/*.json.gz          DYNAMODB_JSON: {"Item": {...}} a line
//     data/*.ion.gz           ION text
//
// Data files are found relative to the export's own folder (the part of
// dataFileS3Key from "data/" on), so an export copied elsewhere reads too.
// Nothing here talks to S3: reader.h does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace ddb::table_export {

enum class OutputFormat { kDynamoDbJson, kIon };
enum class ExportType { kFull, kIncremental };

// Where an export lives: its bucket and folder (a key prefix ending in '/').
struct ExportLocation {
  std::string bucket;
  std::string folder;

  // "s3://BUCKET/FOLDER" without the trailing '/'.
  std::string Uri() const;
  // "s3://BUCKET/FOLDERname".
  std::string UriOf(std::string_view name) const {
    return "s3://" + bucket + "/" + folder + std::string(name);
  }
};

// Parses "s3://BUCKET/PREFIX/AWSDynamoDB/EXPORT_ID" (a trailing '/' or
// "/manifest-summary.json" is allowed). InvalidArgument naming the URI when
// it is no s3:// URI with a bucket and a folder.
Status ParseExportUri(std::string_view uri, ExportLocation* out);

struct Summary {
  std::string version;  // "2020-06-30"
  std::string export_arn;
  std::string table_arn;
  std::string export_time;  // ISO 8601, as written
  std::string manifest_files_key;
  OutputFormat format = OutputFormat::kDynamoDbJson;
  ExportType type = ExportType::kFull;
  int64_t item_count = -1;  // -1: not given
  // Incremental exports: the window, as written.
  std::string export_from_time;
  std::string export_to_time;

  // The table's name from tableArn ("arn:aws:dynamodb:R:A:table/NAME"), or "".
  std::string TableName() const;
};

// Parses manifest-summary.json; `where` (its URI) starts every error.
// Refuses a version other than 2020-06-30, an unknown outputFormat or
// exportType, and a missing manifestFilesS3Key.
Status ParseSummary(std::string_view text, const std::string& where, Summary* out);

struct DataFile {
  std::string name;  // relative to the export's folder: "data/xxx.json.gz"
  int64_t item_count = 0;
  std::string md5;  // 16 raw bytes (the manifest's md5Checksum decoded)
  std::string etag;
};

// Parses manifest-files.json (one JSON object a line; blank lines skipped).
// Errors name `where` and the line: a line that is no object, lacks
// dataFileS3Key, itemCount or md5Checksum, or whose key has no "data/".
Status ParseManifestFiles(std::string_view text, const std::string& where,
                          std::vector<DataFile>* out);

// The names of the checksum files of `manifest` ("manifest-files.json" ->
// "manifest-files.md5", "manifest-files.checksum"), in the order to try.
std::vector<std::string> ChecksumNames(const std::string& manifest);

// Checks `body` (the manifest at `manifest_uri`) against `checksum`, the
// text of its checksum file at `checksum_uri`: base64 of the 16 MD5 bytes
// (what exports write) or 32 hex digits, whitespace around allowed.
// Corruption naming both files when the MD5 differs. A text in neither
// form is Corruption when `must_be_md5` (a .md5 file), else NotSupported
// (a .checksum of a form AWS does not document: the caller may go on).
Status CheckManifestChecksum(std::string_view body, std::string_view checksum,
                             const std::string& manifest_uri, const std::string& checksum_uri,
                             bool must_be_md5);

}  // namespace ddb::table_export
