// Shell: the ddbsql session. It owns the SQLite connection with the
// "dynamodb" module, runs statements and dot-commands from the command line,
// scripts, stdin or the interactive REPL, and prints results through
// output.h.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/connection.h"
#include "engine/ledger/ledger.h"
#include "engine/status.h"
#include "shell/args.h"
#include "shell/dot_command_table.h"
#include "shell/output.h"
#include "shell/run_times.h"
#include "vtab/module.h"

namespace ddb::shell {

class Progress;

// Where input comes from, for error messages ("report.sql:12: ...").
struct InputSource {
  std::string name;  // file name, "<stdin>", or empty for -c / interactive
  bool interactive = false;
};

class Shell {
 public:
  explicit Shell(Args args);
  ~Shell();
  Shell(const Shell&) = delete;
  Shell& operator=(const Shell&) = delete;

  // Runs the whole session as the arguments say; returns the exit status
  // (0 success, 1 an SQL or AWS error, 2 a usage error).
  int Run();

  // Runs `text` (statements and dot-commands) as if read from `source`,
  // starting at `first_line`. Returns false when -bail stopped it or .quit
  // was given.
  bool RunText(const std::string& text, const InputSource& source, int first_line = 1);

  sqlite3* db() { return db_; }

  // Switches the session to another profile, region or endpoint (the
  // .profile, .region and .endpoint commands): opens a connection with
  // `overrides`, checks that it can list tables, then re-declares the
  // DynamoDB tables in schema "ddb". When the new connection cannot be
  // opened or cannot list tables, nothing changes. Local tables,
  // parameters and settings are kept.
  Status Reconnect(const aws::Overrides& overrides);

  // What `ddbsql --version` prints: its version and the SQLite, libcurl and
  // OpenSSL it runs with (shell/connect.cc).
  static std::string VersionText();

 private:
  // The dot-command table names the handlers below.
  friend std::span<const DotCommand> DotCommands();

  Status Open();

  // Lazy DynamoDB (shell/connect.cc). OpenConnection resolves settings and
  // registers the module, sending nothing; a configuration error (no region,
  // unknown profile) is kept for the first statement that needs DynamoDB.
  // ListDynamoTables declares the DynamoDB tables (one ListTables) the
  // first time a statement names a table SQLite does not know, or .tables,
  // .schema, .indexes or completion need them. A failure is returned each
  // time: until the tables are declared, every statement that needs them
  // lists again (the endpoint may come up; Ctrl-C cancels one listing).
  void OpenConnection();
  void ConfigureModule(vtab::ModuleContext* module);
  Status ListDynamoTables();
  // ListDynamoTables without saying anything: a failure is left for the
  // next statement that needs DynamoDB to report. After one fails, only
  // a statement (`for_statement`: one that reads the schema) tries again;
  // completion and .import do not.
  void TryListDynamoTables(bool for_statement = false);
  // Lists the DynamoDB tables again, past the schema cache's copy of the
  // list (a table created since it was saved): for `message`, a prepare
  // error "no such table: X", once per name in a session; true when listed.
  bool RelistForMissingTable(const std::string& message);
  // True when SQLite's prepare error `message` may go away once the
  // DynamoDB tables are declared (an unknown table, module or function).
  bool NeedsDynamoDb(const std::string& message) const;
  // True when the SQL from `sql` on names a schema pragma or table
  // (table_info, table_xinfo, table_list, index_list, sqlite_schema,
  // sqlite_master): it would silently miss undeclared DynamoDB tables.
  bool ReadsSchema(const char* sql) const;
  // For the progress line: what DynamoDB requests wait for, if anything.
  std::function<std::string()> WaitingFor();
  // "not connected (why)" or the connection's Describe().
  std::string DescribeConnection() const;
  bool RunFile(const std::string& path, bool missing_ok);
  bool RunStream(std::FILE* in, const InputSource& source);
  void RunInteractive();

  // Runs one complete SQL text; `line` is the line its first character is on.
  Status RunSql(const std::string& sql, const InputSource& source, int line);
  // Runs one dot-command line through the table (dot_command_table.h).
  // Sets *quit on .quit/.exit.
  Status RunDotCommand(const std::string& line, const InputSource& source, bool* quit);
  // The dot-commands' handlers (dot_commands.cc unless named otherwise);
  // one handler may serve several commands (call.command says which).
  Status DotBail(const DotCall& call);
  Status DotChanges(const DotCall& call);
  Status DotCodec(const DotCall& call);  // .codec, .s3missing, .s3parallel
  Status DotConsistent(const DotCall& call);
  Status DotConnection(const DotCall& call);  // .profile, .region, .endpoint
  Status DotDatabases(const DotCall& call);
  Status DotDump(const DotCall& call);
  Status DotEcho(const DotCall& call);
  Status DotEqp(const DotCall& call);
  Status DotExplain(const DotCall& call);
  Status DotExport(const DotCall& call);   // .export (export_commands.h)
  Status DotExports(const DotCall& call);  // .exports
  Status DotHeaders(const DotCall& call);
  Status DotHelp(const DotCall& call);
  Status DotImport(const DotCall& call);
  Status DotLimit(const DotCall& call);      // .scanconfirm
  Status DotRateLimit(const DotCall& call);  // .ratelimit
  Status DotMaxValue(const DotCall& call);
  Status DotMode(const DotCall& call);
  Status DotNullValue(const DotCall& call);
  Status DotOutput(const DotCall& call);  // .output, .once
  Status DotPager(const DotCall& call);
  Status DotParallel(const DotCall& call);
  Status DotParameter(const DotCall& call);
  Status DotPrint(const DotCall& call);
  Status DotProgress(const DotCall& call);
  Status DotQuit(const DotCall& call);  // .quit, .exit
  Status DotRead(const DotCall& call);
  Status DotReadonly(const DotCall& call);
  Status DotRecover(const DotCall& call);
  Status DotLedger(const DotCall& call);
  Status DotRefresh(const DotCall& call);
  Status DotSchema(const DotCall& call);
  Status DotSeparator(const DotCall& call);
  Status DotShow(const DotCall& call);
  Status DotStats(const DotCall& call);
  Status DotSweep(const DotCall& call);
  Status DotTables(const DotCall& call);  // .tables, .indexes
  Status DotTimer(const DotCall& call);
  Status DotVerify(const DotCall& call);
  Status DotWhoami(const DotCall& call);
  Status DotWidth(const DotCall& call);
  Status DotWriteParallel(const DotCall& call);
  Status DotInsertCheck(const DotCall& call);
  // .tables, .indexes, .schema and .dump show DynamoDB tables too: declares
  // them first (the connection is lazy), runs `command`, and returns a
  // failure to declare them (once) when `command` succeeded.
  Status WithDynamoTables(const std::function<Status()>& command);
  void ReportError(const Status& s, const InputSource& source, int line);
  std::string Prompt(bool continuation) const;
  std::FILE* out() { return out_ ? out_ : stdout; }
  void CloseOutput();
  void PrintStats();
  // Hints (shell/hints.cc) appended to SQLite's prepare errors. For "no
  // such column: X" or INSERT's "table T has no column named X" in a
  // statement `sql` over a DynamoDB table: which columns stand for the
  // attributes named X but for case, else how to read and write an
  // attribute no column holds (through `item`) and when `.refresh` may help.
  std::string MissingColumnHint(const std::string& message, const char* sql);
  // For "no such table: X" when DynamoDB has tables named X but for case:
  // the names they have in SQL. Empty otherwise.
  std::string MissingTableHint(const std::string& message);
  // Prints the module's warnings (vtab::ModuleContext::Warn) on stderr, once
  // each; first, when check_hidden_ says the schema may have changed, warns
  // of local tables that hide a DynamoDB table.
  void PrintWarnings();
  // A non-zero `.exit CODE`, else 1 after any error, else 0 (as sqlite3).
  int ExitStatus() const { return exit_code_ > 0 ? exit_code_ : (errors_ > 0 ? 1 : 0); }
  // The end of Run: warns of DynamoDB writes a transaction left open will
  // never send (end of input, .quit, Ctrl-D), then returns ExitStatus().
  int Leave();
  bool ConfirmScan(const vtab::ScanEstimate& e);
  Status BindParameters(sqlite3_stmt* stmt);
  // .eqp: prints the plan (and with .eqp full the bytecode) of `stmt`
  // before it runs, as sqlite3 does. Defined in dot_commands.cc.
  void ShowQueryPlan(sqlite3_stmt* stmt);
  // .changes on: the line sqlite3 prints after each input that succeeded.
  // `.changes on`: after an input that succeeded, or failed after writing
  // DynamoDB items (`failed`).
  void PrintChanges(bool failed = false);
  // The S3 write ledger (ledger_commands.cc): set up at start but opened
  // only when needed; what a crash left is recovered by RecoverAtStart,
  // once Ctrl-C can skip it; .recover, .ledger and .sweep.
  void SetUpLedger();
  Status RecoverAtStart();
  Status Recover(bool quiet, bool other_hosts = false);
  Status RecoverCommand(const std::vector<std::string>& words);
  Status LedgerCommand(const std::vector<std::string>& words);
  Status SweepCommand(const std::vector<std::string>& words);
  // True unless read-only or without S3 columns in the catalog: whether
  // an unreadable ledger is an error (else a warning).
  bool CanWriteS3() const;
  std::string LedgerUnreadableText(const Status& s) const;
  Status LedgerUnreadable(const Status& s);

  Args args_;
  // --readonly: the session stays read-only whatever a script says (as
  // sqlite3's -readonly); args_.readonly is the current state.
  const bool readonly_fixed_;
  ConnectionOptions connection_options_;
  std::shared_ptr<Connection> connection_;
  std::unique_ptr<vtab::ModuleContext> module_;
  sqlite3* db_ = nullptr;

  OutputSettings output_;
  std::FILE* out_ = nullptr;  // .output / .once file; nullptr: stdout
  std::string out_name_;      // its name, for .show
  // .once: commands (the .once itself included) left before out_ closes.
  int once_left_ = 0;
  bool bail_ = false;
  bool echo_ = false;
  bool timer_ = false;
  bool stats_on_ = false;          // .stats on: print after every statement
  uint64_t retries_baseline_ = 0;  // AWS call counters when the statement began
  uint64_t bytes_baseline_ = 0;
  bool progress_ = true;  // .progress on|off: the progress line on a terminal
  bool interactive_ = false;
  int errors_ = 0;
  int exit_code_ = -1;  // set by `.exit CODE`
  bool quit_ = false;
  int eqp_ = 0;           // .eqp: 0 off, 1 on, 2 full
  bool changes_ = false;  // .changes on
  int read_depth_ = 0;    // .read files being run, to stop endless nesting
  // sqlite3_total_changes64 counts the rows AttachTables wrote; .changes
  // subtracts them.
  int64_t changes_baseline_ = 0;
  // DynamoDB's view of those counts: SQLite counts a row when xUpdate takes
  // it, DynamoDB may refuse it later (a conditional failure), and a failed
  // statement may have written items before it stopped. Added to SQLite's
  // total_changes.
  int64_t changes_adjust_ = 0;
  // Items DynamoDB wrote and refused in the statements of the current input
  // (summed by RunSql as each statement ends), for .changes.
  uint64_t input_written_ = 0;
  uint64_t input_refused_ = 0;
  // The connection Ctrl-C cancels, read by the interrupt thread. Connections
  // replaced by Reconnect stay alive (in retired_modules_) until the end, as
  // tables the user declared may still use them.
  std::atomic<Connection*> live_connection_{nullptr};
  // Lazy connection: why connection_ is null (configuration error), whether
  // the DynamoDB tables are declared.
  Status connect_error_;
  bool tables_listed_ = false;
  bool quiet_try_failed_ = false;       // TryListDynamoTables failed (said nothing)
  std::set<std::string> relisted_for_;  // RelistForMissingTable's names
  // A table may hide a DynamoDB table since PrintWarnings last looked: the
  // tables were listed, or a statement or dot-command may have created one.
  bool check_hidden_ = false;
  // The running statement's progress line, paused while ConfirmScan asks.
  Progress* active_progress_ = nullptr;
  std::vector<std::unique_ptr<vtab::ModuleContext>> retired_modules_;
  std::shared_ptr<ledger::Ledger> ledger_;
};

}  // namespace ddb::shell
