// Dot-commands of codec columns (vtab/codec_columns.h):
//
//   .codec                      list the declared codec columns
//   .codec TABLE COLUMN JSON    declare one for this session (JSON as in a
//                               catalog file's column entry), checked at
//                               once: the JSON, the table (DescribeTable)
//                               and, for a key attribute, the codec
//                               (codec::CheckKeyCodec)
//   .codec TABLE COLUMN off     remove one for this session (the catalog
//                               file is never written)
//   .s3missing ?error|null?     a missing S3 object is an error (default)
//                               or reads as NULL with one warning per
//                               statement
//   .s3parallel ?N?             S3 objects fetched at once (1 to 256)
//
// and the declarations `.schema` prints after the CREATE statements.
#pragma once

#include <sqlite3.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "engine/dynamodb/client.h"
#include "engine/status.h"
#include "vtab/codec_columns.h"

namespace ddb::shell {

// DescribeTable of a DynamoDB table, for `.codec` to check a declaration
// against (an AwsError ResourceNotFoundException when there is no such table).
using DescribeTableFn =
    std::function<Status(const std::string& table, dynamodb::TableDescription* out)>;

// Runs `.codec`, `.s3missing` or `.s3parallel`; `line` is the whole command
// line (the JSON of `.codec` is taken from it as written), `w` its words.
// Sets *handled to false for any other command.
Status CodecCommand(sqlite3* db, vtab::CodecSession* codecs, const DescribeTableFn& describe,
                    const std::string& line, const std::vector<std::string>& w, std::FILE* out,
                    bool* handled);

// The declarations of tables whose DynamoDB name matches the LIKE `pattern`
// (all when empty), as SQL comments holding the `.codec` command that
// declares each. Key references are shown as written, never key material.
void PrintCodecSchema(vtab::CodecSession* codecs, const std::string& pattern, std::FILE* out);

}  // namespace ddb::shell
