// The dot-command table (see dot_command_table.h) and `.help`, which prints
// it. Commands sqlite3 lacks say "(ddbsql)" in their summary.
#include "shell/dot_command_table.h"

#include <algorithm>

#include "shell/shell.h"

namespace ddb::shell {

// Shell's friend, as the handlers are its private members. Sorted by name
// (dot_command_table_test.cc checks it).
std::span<const DotCommand> DotCommands() {
  static constexpr DotCommand kDotCommands[] = {
      {"bail", "", "on|off", "Stop a script at its first error (default off)", "", &Shell::DotBail},
      {"changes", "", "on|off", "After each input, print how many rows it changed", "",
       &Shell::DotChanges},
      {"codec", "", "?TABLE COLUMN JSON|off?",
       "List codec columns, or declare one for the session (ddbsql)",
       "   JSON as a column of a catalog file, e.g.\n"
       "   .codec pages title {\"codec\": \"CompressedUnicodeAttribute\"}\n"
       "   The table must exist, and a key attribute takes only a deterministic\n"
       "   cipher (its type B). off removes a declaration for the session; the\n"
       "   catalog file is never written.\n",
       &Shell::DotCodec},
      {"consistent", "", "on|off", "Strongly consistent reads of DynamoDB tables (ddbsql)",
       "   They cost twice the read capacity of the default, eventually consistent,\n"
       "   reads.\n",
       &Shell::DotConsistent},
      {"databases", "", "", "List the attached databases and their files", "",
       &Shell::DotDatabases},
      {"dump", "", "?OBJECTS?", "Write the local database as SQL that rebuilds it",
       "   --data-only   only the INSERT statements\n"
       "   --nosys       leave out the sqlite_* tables\n"
       "   OBJECTS are LIKE patterns naming tables, views, indexes or triggers.\n"
       "   Only the local database \"main\" is written; to dump a DynamoDB table,\n"
       "   copy it first: CREATE TABLE t AS SELECT * FROM orders;\n",
       &Shell::DotDump},
      {"echo", "", "on|off", "Repeat each input line of a script before running it", "",
       &Shell::DotEcho},
      {"endpoint", "", "?URL?", "Show the DynamoDB endpoint, or switch to URL (ddbsql)",
       "   \".endpoint default\" drops the override. The DynamoDB tables are listed\n"
       "   again; local tables, parameters and settings stay.\n",
       &Shell::DotConnection},
      {"eqp", "", "on|off|full", "Print each statement's query plan before its rows",
       "   For DynamoDB tables the plan names the request: GetItem, BatchGetItem,\n"
       "   Query (of the table or an index) or Scan. \"full\" adds the bytecode.\n",
       &Shell::DotEqp},
      {"exit", "", "?CODE?", "Leave the shell with exit status CODE (default 0)", "",
       &Shell::DotQuit},
      {"explain", "", "?on|off|auto?", "How EXPLAIN output is laid out (default auto)", "",
       &Shell::DotExplain},
      {"export", "", "TABLE s3://B/P ?OPTIONS?",
       "Export a table to S3 and bind the export as TABLE_export (ddbsql)",
       "   .export TABLE s3://BUCKET/PREFIX ?--format ion? ?--incremental-since TIME?\n"
       "     ?AS NAME?\n"
       "   starts ExportTableToPointInTime (the table needs point-in-time recovery;\n"
       "   an export reads no capacity and is billed by size), waits for it and\n"
       "   binds it: CREATE VIRTUAL TABLE temp.TABLE_export USING dynamodb_export(...).\n"
       "   --format ion writes ION; --incremental-since TIME (seconds or\n"
       "   2026-12-07T08:00:00Z) makes an incremental export. Ctrl-C stops the\n"
       "   waiting, not the export: .export attach ARN ?AS NAME? waits for it and\n"
       "   binds it later. Refused in a read-only session.\n"
       "   .export ddl athena NAME prints the Athena (Hive) DDL of the export bound\n"
       "   as NAME: an external table over its data/ folder and a view with the\n"
       "   columns ddbsql shows (codec columns in their stored form).\n",
       &Shell::DotExport},
      {"exports", "", "TABLE", "List a table's exports to S3: ARN, status, type (ddbsql)", "",
       &Shell::DotExports},
      {"headers", "header", "on|off", "Print column names above the rows", "", &Shell::DotHeaders},
      {"help", "", "?-all? ?PATTERN?", "This text; -all adds details, PATTERN picks commands", "",
       &Shell::DotHelp},
      {"import", "", "FILE TABLE", "Load a CSV (or separated) file into a local table",
       "   --csv         fields separated by \",\", rows by newlines, \"quoting\"\n"
       "   --ascii       fields separated by 0x1F, rows by 0x1E\n"
       "   --skip N      ignore the first N rows\n"
       "   --schema S    the table is S.TABLE\n"
       "   -v            report the rows added\n"
       "   Without --csv or --ascii the current .mode and .separator decide.\n"
       "   A missing TABLE is created with one TEXT column per field of the first\n"
       "   row, which names them; an existing one takes the first row as data.\n"
       "   DynamoDB tables cannot be the target.\n",
       &Shell::DotImport},
      {"indexes", "indices", "?TABLE?", "List indexes of tables matching LIKE pattern TABLE",
       "   Local indexes by name; for each DynamoDB table its key schema and each\n"
       "   global (GSI) and local (LSI) secondary index with its keys and\n"
       "   projection (one DescribeTable request per table).\n",
       &Shell::DotTables},
      {"insertcheck", "", "?transact|batch?",
       "How a bulk INSERT finds keys that exist: exact, or racy and cheaper (ddbsql)",
       "   transact (the default): puts conditioned on the key not existing, 100 to a\n"
       "   TransactWriteItems; exact, at twice the write capacity of a PutItem.\n"
       "   batch: a consistent BatchGetItem of the keys, then BatchWriteItem of those\n"
       "   not found; an item another writer creates in between is overwritten.\n",
       &Shell::DotInsertCheck},
      {"insertrows", "", "?N?", "INSERT rows a bulk INSERT request carries, 1 to 100 (ddbsql)",
       "   With .insertcheck transact, N rows to a TransactWriteItems (1: a conditional\n"
       "   PutItem each, half the write capacity, N times the requests); with batch,\n"
       "   N keys to a BatchGetItem. Without N it prints the setting (default 100).\n",
       &Shell::DotWriteParallel},
      {"ledger", "", "?forget ID|all?", "Pending S3 writes in the ledger, or abandon them (ddbsql)",
       "   Lists id, age, host, endpoints, bucket, table, key and state of each\n"
       "   pending entry. forget marks entries abandoned (asking first on a\n"
       "   terminal): nobody resolves them, their objects stay in S3.\n",
       &Shell::DotLedger},
      {"maxvalue", "", "?SIZE?",
       "Most a compressed codec value may decode to (ddbsql, default 64M)",
       "   SIZE in bytes, or with K, M or G (1024-based), from 1K to 1G. A value\n"
       "   that would expand past it (a decompression bomb, or just a large one)\n"
       "   is an error naming table, key and column. gunzip() and\n"
       "   zstd_decompress() stop there too.\n",
       &Shell::DotMaxValue},
      {"mode", "", "MODE ?OPTIONS?", "Choose how rows are printed",
       "   Modes: ascii box column csv html insert json line list markdown qbox\n"
       "   quote table tabs tcl, each printing exactly as in the sqlite3 shell.\n"
       "   Options of box, column, markdown and table:\n"
       "     --wrap N       wrap cells wider than N characters (0: never)\n"
       "     --wordwrap B   wrap at word boundaries (on/off); --ww is \"--wordwrap on\"\n"
       "     --quote        print values as SQL literals; --noquote does not\n"
       "   .mode insert TABLE names the table of the INSERT statements.\n",
       &Shell::DotMode},
      {"nullvalue", "", "STRING", "Print STRING for NULL values", "", &Shell::DotNullValue},
      {"once", "", "?--bom? ?FILE?", "Send only the next command's output to FILE",
       "   --bom   start the file with a UTF-8 byte order mark\n", &Shell::DotOutput},
      {"output", "", "?--bom? ?FILE?", "Send output to FILE, or back to stdout without FILE", "",
       &Shell::DotOutput},
      {"pager", "", "on|off|CMD",
       "Page the results of statements (ddbsql, interactive; default off)",
       "   CMD is the pager to run; on uses $PAGER, else \"less -FRX\" (results that\n"
       "   fit the screen stay as they are). Scripts ignore .pager.\n",
       &Shell::DotPager},
      {"parallel", "", "N", "Parallel Scan segments; 0 picks by size (ddbsql)", "",
       &Shell::DotParallel},
      {"parameter", "param", "CMD ...", "Values for the :name, @name, $name and ?N parameters",
       "   set NAME VALUE   VALUE is evaluated as an SQL expression when it is\n"
       "                    one (42, abs(-3), 'text'), else taken as text\n"
       "   unset NAME       forget one\n"
       "   list             show them all\n"
       "   clear            forget them all\n"
       "   init             create the table that keeps them\n"
       "   They live in temp.sqlite_parameters, as in sqlite3; a parameter never\n"
       "   set is NULL.\n",
       &Shell::DotParameter},
      {"print", "", "STRING...", "Print the words, separated by spaces", "", &Shell::DotPrint},
      {"profile", "", "?NAME?", "Show the AWS profile, or switch to NAME (ddbsql)",
       "   The DynamoDB tables are listed again; local tables stay.\n", &Shell::DotConnection},
      {"progress", "", "on|off", "Progress line for slow statements (ddbsql)", "",
       &Shell::DotProgress},
      {"quit", "q", "", "Leave the shell", "", &Shell::DotQuit},
      {"ratelimit", "", "?read|write|RCU? ?N|off? ...",
       "Cap capacity consumed per second: reads, and writes (ddbsql)",
       "   .ratelimit RCU          reads: all scans and queries together\n"
       "   .ratelimit RCU WCU      and writes: every write request of a statement\n"
       "                           outside BEGIN (INSERT, REPLACE, UPDATE, DELETE)\n"
       "   .ratelimit write WCU    one of them (also: read RCU); off lifts a limit\n"
       "   A write waits before it is sent until the limit allows what it will\n"
       "   consume (1 WCU per KB of its item, twice that in a transaction), so the\n"
       "   writes in flight (.writeparallel) share the limit; Ctrl-C stops the wait.\n"
       "   Without arguments it prints both limits.\n",
       &Shell::DotRateLimit},
      {"read", "", "FILE", "Run the statements and commands in FILE", "", &Shell::DotRead},
      {"readonly", "", "?on|off?",
       "Refuse writes to DynamoDB and S3; local tables stay writable (ddbsql)",
       "   The prompt shows \"ro\" while it is on. --readonly starts that way for the\n"
       "   whole session: .readonly off is then refused.\n",
       &Shell::DotReadonly},
      {"recover", "", "?--other-hosts?",
       "Resolve the S3 writes a crash left pending in the ledger (ddbsql)",
       "   Each pending entry is settled by reading its item: objects it references\n"
       "   are kept, the others deleted. ddbsql also does this when it starts.\n"
       "   --other-hosts: also other hosts' entries younger than a day.\n",
       &Shell::DotRecover},
      {"refresh", "", "?TABLE?", "Describe and sample TABLE (or every table) again (ddbsql)",
       "   Lists the tables again. The table list (for an hour) and sampled columns\n"
       "   (while the table is the same) are cached in $XDG_CACHE_HOME/ddbsql (else\n"
       "   ~/.cache/ddbsql). TABLE is its DynamoDB name or its name in SQL.\n",
       &Shell::DotRefresh},
      {"region", "", "?NAME?", "Show the AWS region, or switch to NAME (ddbsql)",
       "   The DynamoDB tables are listed again; local tables stay.\n", &Shell::DotConnection},
      {"s3missing", "", "?error|null?",
       "A missing S3 object of a codec column: error, or NULL (ddbsql)",
       "   With null, each statement warns once with the count.\n", &Shell::DotCodec},
      {"s3parallel", "", "?N?", "S3 objects of codec columns fetched at once (ddbsql)", "",
       &Shell::DotCodec},
      {"scanconfirm", "", "N|off",
       "Ask before a full scan of a table above N items (ddbsql, interactive)", "",
       &Shell::DotLimit},
      {"schema", "", "?PATTERN?", "Print the CREATE statements of matching tables",
       "   --nosys   leave out the sqlite_* tables\n"
       "   A DynamoDB table is followed by a comment with its columns and their\n"
       "   types (finding them costs a DescribeTable and a sample Scan, so only\n"
       "   when at most 25 DynamoDB tables match).\n",
       &Shell::DotSchema},
      {"separator", "", "COL ?ROW?", "Column and row separators of list and csv output", "",
       &Shell::DotSeparator},
      {"show", "", "", "Print the current settings", "", &Shell::DotShow},
      {"stats", "", "?on|off?", "DynamoDB requests of the last statement (ddbsql)",
       "   With on, after every statement. The line goes to stderr.\n", &Shell::DotStats},
      {"sweep", "", "TABLE COLUMN ?GRACE? ?delete?",
       "S3 objects of a column no item references (ddbsql)",
       "   Lists the objects under the column's bucket and prefix that no item\n"
       "   references and that are older than GRACE (default 1d; s, m, h, d),\n"
       "   scanning the table. With \"delete\" it deletes them.\n",
       &Shell::DotSweep},
      {"tables", "", "?TABLE?", "List tables and views matching the LIKE pattern TABLE",
       "   DynamoDB tables appear under the name that queries them.\n", &Shell::DotTables},
      {"timer", "", "on|off", "Print how long each statement took", "", &Shell::DotTimer},
      {"verify", "", "?warn|error?",
       "An item_encryption item that fails to verify: error, or warn and skip (ddbsql)",
       "   error (the default): the statement fails naming the table and the item's\n"
       "   key. warn: the item is reported and left out; .stats counts them.\n",
       &Shell::DotVerify},
      {"whoami", "", "", "Account and ARN of the AWS identity in use (ddbsql)",
       "   Asks STS GetCallerIdentity with the session's credentials.\n", &Shell::DotWhoami},
      {"width", "", "NUM1 NUM2 ...", "Minimum widths of columns in column mode",
       "   A negative width aligns that column to the right.\n", &Shell::DotWidth},
      {"writeparallel", "", "?N?",
       "Write requests a statement has in flight at once, 1 to 256 (ddbsql)",
       "   Outside BEGIN: INSERT rows go 100 to a TransactWriteItems, REPLACE 25 to\n"
       "   a BatchWriteItem, UPDATE and DELETE one request per item; at most N of\n"
       "   these requests are in flight. Without N it prints the setting (default 32).\n",
       &Shell::DotWriteParallel},
  };
  return kDotCommands;
}

namespace {

// The column .help's summaries start in: past the longest usage.
size_t UsageWidth() {
  size_t width = 0;
  for (const DotCommand& c : DotCommands()) width = std::max(width, c.Usage().size());
  return width;
}

void PrintEntry(std::FILE* out, const DotCommand& c, size_t width, bool details) {
  std::string usage = c.Usage();
  std::fprintf(out, "%-*s  %.*s\n", static_cast<int>(width), usage.c_str(),
               static_cast<int>(c.summary.size()), c.summary.data());
  if (details) std::fwrite(c.details.data(), 1, c.details.size(), out);
}

}  // namespace

std::string DotCommand::Usage() const {
  std::string usage = ".";
  usage.append(name);
  if (!args.empty()) usage.append(" ").append(args);
  return usage;
}

std::vector<std::string> DotCommand::ArgWords() const {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < args.size()) {
    size_t blank = args.find(' ', i);
    if (blank == std::string_view::npos) blank = args.size();
    if (blank > i) words.emplace_back(args.substr(i, blank - i));
    i = blank + 1;
  }
  return words;
}

bool DotCommand::Named(std::string_view typed) const {
  if (typed == name) return true;
  size_t i = 0;
  while (i < aliases.size()) {
    size_t blank = aliases.find(' ', i);
    if (blank == std::string_view::npos) blank = aliases.size();
    if (aliases.substr(i, blank - i) == typed) return true;
    i = blank + 1;
  }
  return false;
}

const DotCommand* FindDotCommand(std::string_view typed) {
  for (const DotCommand& c : DotCommands()) {
    if (c.Named(typed)) return &c;
  }
  return nullptr;
}

Status PrintDotHelp(const std::vector<std::string>& w, std::FILE* out) {
  size_t width = UsageWidth();
  bool all = w.size() > 1 && (w[1] == "-all" || w[1] == "--all");
  std::string pattern = w.size() > (all ? 2u : 1u) ? w.back() : "";
  if (pattern.empty()) {
    for (const DotCommand& c : DotCommands()) PrintEntry(out, c, width, all);
    return Status::OK();
  }
  // As sqlite3: commands whose name starts with PATTERN, else entries whose
  // text mentions it.
  std::string_view prefix = pattern;
  if (prefix[0] == '.') prefix.remove_prefix(1);  // ".help .exit"
  int shown = 0;
  for (const DotCommand& c : DotCommands()) {
    if (!prefix.empty() && c.name.substr(0, prefix.size()) == prefix) {
      PrintEntry(out, c, width, true);
      ++shown;
    }
  }
  if (shown == 0) {
    for (const DotCommand& c : DotCommands()) {
      std::string text = c.Usage();
      text.append(" ").append(c.summary).append("\n").append(c.details);
      if (text.find(pattern) != std::string::npos) {
        PrintEntry(out, c, width, true);
        ++shown;
      }
    }
  }
  if (shown == 0) return Status::InvalidArgument("no help for \"" + pattern + "\"");
  return Status::OK();
}

}  // namespace ddb::shell
