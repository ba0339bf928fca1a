#include "shell/args.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

namespace ddb::shell {

namespace {
const std::set<std::string>& ModeFlags() {
  static const std::set<std::string> kModes = {"ascii",  "box",   "column", "csv",  "html",
                                               "insert", "json",  "line",   "list", "markdown",
                                               "quote",  "table", "tabs"};
  return kModes;
}
// A lone argument that is meant as a script: no blank (SQL text has
// blanks) and a '/' or a file extension ("query.txt"; no single word with a
// dot is a statement, and ".tables" has no name before its dot).
bool LooksLikeFileName(const std::string& arg) {
  if (arg.find_first_of(" \t\n;") != std::string::npos) return false;
  if (arg.find('/') != std::string::npos) return true;
  size_t dot = arg.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == arg.size() || arg.size() - dot > 9) {
    return false;
  }
  for (size_t i = dot + 1; i < arg.size(); ++i) {
    if (!std::isalnum(static_cast<unsigned char>(arg[i]))) return false;
  }
  return true;
}

Status MissingFile(const std::string& path) {
  return Status::InvalidArgument("cannot open \"" + path + "\": " + std::strerror(ENOENT));
}
}  // namespace

Status ParseArgs(int argc, const char* const* argv, Args* out) {
  *out = Args();
  std::vector<std::string> positional;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    std::string name = arg.substr(arg[1] == '-' ? 2 : 1);
    std::string inline_value;
    bool has_inline = false;
    if (size_t eq = name.find('='); eq != std::string::npos && arg[1] == '-') {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_inline = true;
    }
    auto value = [&](std::string* v) -> Status {
      if (has_inline) {
        *v = inline_value;
        return Status::OK();
      }
      if (i + 1 >= argc) return Status::InvalidArgument("option " + arg + " needs a value");
      *v = argv[++i];
      return Status::OK();
    };
    std::string v;
    Status s;
    if (name == "c" || name == "command") {
      s = value(&v);
      out->inputs.push_back({Input::kSql, v});
    } else if (name == "f" || name == "file") {
      s = value(&v);
      out->inputs.push_back({Input::kFile, v});
    } else if (name == "cmd") {
      s = value(&v);
      out->cmd.push_back(v);
    } else if (name == "init") {
      s = value(&v);
      out->init = v;
    } else if (ModeFlags().count(name)) {
      out->mode = name;
    } else if (name == "header" || name == "headers") {
      out->headers = true;
    } else if (name == "noheader" || name == "noheaders") {
      out->headers = false;
    } else if (name == "nullvalue") {
      s = value(&v);
      out->null_value = v;
    } else if (name == "separator") {
      s = value(&v);
      out->separator = v;
    } else if (name == "newline") {
      s = value(&v);
      out->newline = v;
    } else if (name == "bail") {
      out->bail = true;
    } else if (name == "echo") {
      out->echo = true;
    } else if (name == "readonly") {
      out->readonly = true;
    } else if (name == "batch") {
      out->batch = true;
    } else if (name == "interactive" || name == "i") {
      out->interactive = true;
    } else if (name == "version") {
      out->version = true;
    } else if (name == "help" || name == "h") {
      out->help = true;
    } else if (name == "profile") {
      s = value(&out->overrides.profile);
    } else if (name == "region") {
      s = value(&out->overrides.region);
    } else if (name == "endpoint-url" || name == "endpoint" || name == "s3-endpoint-url") {
      std::string* url = name == "s3-endpoint-url" ? &out->overrides.s3_endpoint_url
                                                   : &out->overrides.endpoint_url;
      s = value(url);
      aws::Endpoint parsed;
      if (s.ok()) s = aws::ParseEndpointUrl(*url, &parsed);
      if (!s.ok()) s = Status::InvalidArgument("option " + arg + ": " + s.message());
    } else if (name == "cli-connect-timeout" || name == "cli-read-timeout") {
      std::string* seconds = name == "cli-connect-timeout" ? &out->overrides.connect_timeout
                                                           : &out->overrides.read_timeout;
      s = value(seconds);
      double ignored = 0;
      if (s.ok() && !aws::ParseTimeoutSeconds(*seconds, &ignored)) {
        s = Status::InvalidArgument("option " + arg + ": '" + *seconds +
                                    "' is not a number of seconds (0: wait indefinitely)");
      }
    } else if (name == "catalog") {
      s = value(&out->catalog);
    } else if (name == "ledger") {
      s = value(&out->ledger);
    } else if (name == "parallel") {
      s = value(&v);
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (s.ok() && (v.empty() || *end != '\0' || n < 0 || n > 64)) {
        s = Status::InvalidArgument("option " + arg + ": '" + v +
                                    "' is not a segment count (0 to 64; 0: by table size)");
      }
      out->parallel = static_cast<int>(n);
    } else if (name == "s3-parallel") {
      s = value(&v);
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (s.ok() && (v.empty() || *end != '\0' || n < 1 || n > 256)) {
        s = Status::InvalidArgument("option " + arg + ": '" + v +
                                    "' is not a number of S3 requests in flight (1 to 256)");
      }
      out->s3_parallel = static_cast<int>(n);
    } else if (name == "consistent") {
      out->consistent = true;
    } else {
      return Status::InvalidArgument("unknown option: " + arg + " (see --help)");
    }
    if (!s.ok()) return s;
  }
  // -f FILE that is not there is a usage error.
  for (const auto& in : out->inputs) {
    std::error_code ec;
    if (in.kind == Input::kFile && !std::filesystem::exists(in.text, ec))
      return MissingFile(in.text);
  }
  // Arguments after the options, as sqlite3 takes its SQL arguments: each
  // one is an input of its own (a statement, several, or a dot-command),
  // run in order after every option (-cmd, -c, -f). ddbsql has no database
  // file, so an argument naming a file is a script; one that looks like a
  // file name but names none is a usage error, not SQL that fails to parse.
  for (const auto& p : positional) {
    std::error_code ec;
    auto status = std::filesystem::status(p, ec);
    if (std::filesystem::exists(status) && !std::filesystem::is_directory(status)) {
      out->inputs.push_back({Input::kFile, p});  // a script, /dev/stdin or a pipe
    } else if (LooksLikeFileName(p)) {
      return MissingFile(p);
    } else {
      out->inputs.push_back({Input::kSql, p});
    }
  }
  return Status::OK();
}

std::string HelpText() {
  return R"(Usage: ddbsql [OPTIONS] [FILE | SQL]...

An SQL shell over Amazon DynamoDB: every table is queryable by its name.

With SQL or FILE arguments (each one on its own, in order, after -cmd, -c
and -f, as sqlite3 runs its SQL arguments), runs them and exits; with stdin
not a terminal, runs stdin as a script; otherwise starts the interactive
shell. Options take one dash or two.

Connection:
  --profile NAME        AWS profile (default: $AWS_PROFILE, else "default")
  --region REGION       AWS region (default: $AWS_REGION, else
                        $AWS_DEFAULT_REGION, else the profile's)
  --endpoint-url URL    DynamoDB's endpoint (DynamoDB Local, proxies); as in
                        the AWS CLI it is for DynamoDB alone (default:
                        $AWS_ENDPOINT_URL_DYNAMODB, $AWS_ENDPOINT_URL, the
                        profile's services section and endpoint_url)
  --s3-endpoint-url URL S3's endpoint, for codec columns (default:
                        $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, the
                        profile's services section and endpoint_url)
  --cli-connect-timeout SECONDS
                        give up connecting after SECONDS (default 3; 0: never;
                        profile key cli_connect_timeout)
  --cli-read-timeout SECONDS
                        give up on an answer that sends nothing for SECONDS
                        (default 30; 0: never; profile key cli_read_timeout)
  --consistent          strongly consistent reads
  --parallel N          parallel scan segments (default: by table size)
  --readonly            refuse writes to DynamoDB and S3 for the whole session
  --ledger FILE         the S3 write ledger (default:
                        $XDG_STATE_HOME/ddbsql/ledger.db)
  --catalog FILE        codec column declarations (default: $DDBSQL_CATALOG,
                        else $XDG_CONFIG_HOME/ddbsql/catalog.json)
  --s3-parallel N       S3 objects of codec columns fetched at once (default 64)

Input:
  -c, --command SQL     run SQL (may repeat), then exit
  -f, --file FILE       run the statements in FILE, then exit (-c and -f run
                        in the order given)
  -cmd COMMAND          run COMMAND before the rest (may repeat)
  -init FILE            run FILE first (default ~/.ddbsqlrc when present;
                        as sqlite3's ~/.sqliterc, its errors are printed but
                        leave the exit status alone)
  -bail                 stop at the first error
  -echo                 print each statement before running it
  -batch, -interactive  force batch or interactive input

Output:
  -box -table -column -markdown -csv -tabs -json -line -list -quote
  -insert -html -ascii  output mode (default: box on a terminal, else list)
  -header, -noheader    column names on or off
  -nullvalue TEXT       text for NULL
  -separator SEP        column separator (list and csv modes)
  -newline SEP          row separator

  --version             print the versions of ddbsql, SQLite, libcurl, OpenSSL
  --help                print this help and exit

Exit status: 0 success, 1 an SQL or AWS error, 2 a usage error.
)";
}

}  // namespace ddb::shell
