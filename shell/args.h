// Command-line arguments, sqlite3-style: every long option may be written
// with one dash or two ("-csv" and "--csv"), and SQL may follow the options.
//
//   ddbsql [OPTIONS] [FILE | SQL]...
//
// The order things run in is sqlite3's: the init file, -cmd, then -c and -f
// in the order given, then the arguments after the options, each one an
// input of its own (SQL text, a dot-command, or a script file).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/aws/config.h"
#include "engine/status.h"

namespace ddb::shell {

// One -c SQL or -f FILE, in the order given on the command line.
struct Input {
  enum Kind { kSql, kFile } kind = kSql;
  std::string text;  // the SQL, or the file name
};

struct Args {
  // --profile --region --endpoint-url (DynamoDB's) --s3-endpoint-url
  // --cli-connect-timeout --cli-read-timeout
  aws::Overrides overrides;
  // -c SQL and -f FILE in command-line order, then each argument after the
  // options in its order (a FILE, or SQL).
  std::vector<Input> inputs;
  std::vector<std::string> cmd;     // -cmd: run before anything else, then go on
  std::optional<std::string> init;  // -init FILE (default: ~/.ddbsqlrc when present)
  std::optional<std::string> mode;  // -csv, -json, -box, ... (the mode's name)
  std::optional<bool> headers;      // -header / -noheader
  std::optional<std::string> null_value;
  std::optional<std::string> separator;
  std::optional<std::string> newline;
  std::string catalog;  // --catalog FILE (codec columns; see vtab/codec_columns.h)
  bool bail = false;
  bool echo = false;
  bool readonly = false;
  std::string ledger;        // --ledger FILE (S3 write ledger; empty: the default)
  bool batch = false;        // -batch: act as if stdin were not a terminal
  bool interactive = false;  // -interactive: act as if it were
  bool version = false;
  bool help = false;
  int parallel = 0;         // --parallel N scan segments (0: automatic)
  int s3_parallel = 0;      // --s3-parallel N: S3 GETs in flight (0: default)
  bool consistent = false;  // --consistent reads
};

// Parses argv. A usage error (unknown option, missing value, a malformed
// --endpoint-url or timeout, an argument that looks like a file name (one
// word with a '/' or an extension such as .sql) but names no file) is
// InvalidArgument naming what was wrong; the caller exits with status 2.
Status ParseArgs(int argc, const char* const* argv, Args* out);

// The text `--help` prints.
std::string HelpText();

}  // namespace ddb::shell
