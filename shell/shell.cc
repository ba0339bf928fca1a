#include "shell/shell.h"

#include "engine/sqlite_util.h"
#include "engine/strings.h"
#include "shell/hints.h"
#include "shell/progress.h"
#include "shell/text_util.h"
#include "shell/write_confirm.h"
#include "vtab/write.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace ddb::shell {

namespace {

// ---------------------------------------------------------------------------
// Ctrl-C. The handler may only write to a pipe; a watcher thread reads it
// and interrupts SQLite and every HTTP request in flight.

int g_interrupt_pipe[2] = {-1, -1};  // the only global: signal handlers force it

void OnSigint(int) {
  char c = 1;
  ssize_t n = write(g_interrupt_pipe[1], &c, 1);
  (void)n;
}

class InterruptWatcher {
 public:
  InterruptWatcher(sqlite3* db, std::atomic<Connection*>* conn) : db_(db), conn_(conn) {
    if (pipe(g_interrupt_pipe) != 0) return;
    fcntl(g_interrupt_pipe[1], F_SETFL, O_NONBLOCK);
    struct sigaction sa {};
    sa.sa_handler = OnSigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;  // reads elsewhere go on after a Ctrl-C
    sigaction(SIGINT, &sa, &old_);
    thread_ = std::thread([this] {
      for (;;) {
        char c = 0;
        ssize_t n = read(g_interrupt_pipe[0], &c, 1);
        if (n < 0 && errno == EINTR) continue;  // the signal landed on this thread
        if (n != 1 || c != 1) break;            // 0: the destructor asks to stop
        sqlite3_interrupt(db_);
        if (Connection* live = conn_->load()) live->http().CancelAll();
      }
    });
  }
  ~InterruptWatcher() {
    if (!thread_.joinable()) return;
    sigaction(SIGINT, &old_, nullptr);
    char stop = 0;
    ssize_t n = write(g_interrupt_pipe[1], &stop, 1);
    (void)n;
    thread_.join();
    close(g_interrupt_pipe[0]);
    close(g_interrupt_pipe[1]);
    g_interrupt_pipe[0] = g_interrupt_pipe[1] = -1;
  }

 private:
  sqlite3* db_;
  std::atomic<Connection*>* conn_;
  struct sigaction old_ {};
  std::thread thread_;
};

// Skips white space and SQL comments, counting the newlines passed in *line,
// so an error is reported on the line where its statement starts.
const char* SkipSpaceAndComments(const char* p, int* line) {
  while (*p) {
    if (*p == '\n') {
      ++*line;
      ++p;
    } else if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v') {
      ++p;
    } else if (p[0] == '-' && p[1] == '-') {
      while (*p && *p != '\n') ++p;
    } else if (p[0] == '/' && p[1] == '*') {
      const char* end = std::strstr(p + 2, "*/");
      if (!end) return p;  // unterminated: let SQLite say so
      for (; p < end + 2; ++p) *line += *p == '\n';
    } else {
      break;
    }
  }
  return p;
}

// What an input that ends in the middle of a token left open: "string",
// "quoted identifier" or "comment" and the line it starts on, or "" when the
// input ends between tokens (a missing ';' or an unfinished CREATE TRIGGER).
std::string UnterminatedToken(const std::string& text, int first_line, int* token_line) {
  int line = first_line;
  size_t i = 0;
  auto closes = [&](const char* close, const char* what) -> std::string {
    int start = line;
    size_t end = text.find(close, i);
    if (end == std::string::npos) {
      *token_line = start;
      return what;
    }
    for (; i < end + std::strlen(close); ++i) line += text[i] == '\n';
    return "";
  };
  while (i < text.size()) {
    char c = text[i];
    std::string open;
    if (c == '\'') {
      ++i;
      open = closes("'", "string");  // '' inside a string reads as two strings
    } else if (c == '"' || c == '`') {
      ++i;
      open = closes(c == '"' ? "\"" : "`", "quoted identifier");
    } else if (c == '[') {
      ++i;
      open = closes("]", "quoted identifier");
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      i += 2;
      open = closes("*/", "comment");
    } else if (c == '-' && i + 1 < text.size() && text[i + 1] == '-') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else {
      line += c == '\n';
      ++i;
    }
    if (!open.empty()) return open;
  }
  return "";
}

// The width of the terminal stdout is, or 0.
int TerminalColumns() {
  struct winsize ws {};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 0;
}

int LineOfOffset(const std::string& text, size_t offset, int first_line) {
  int line = first_line;
  for (size_t i = 0; i < offset && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

}  // namespace

Shell::Shell(Args args) : args_(std::move(args)), readonly_fixed_(args_.readonly) {}

Shell::~Shell() {
  CloseOutput();
  if (db_) sqlite3_close_v2(db_);
}

Status Shell::Open() {
  int rc = sqlite3_open_v2(":memory:", &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK)
    return Status::IOError("cannot open SQLite: " + std::string(sqlite3_errstr(rc)));
  // Schemas are ours alone: nothing from a file may reach the network.
  sqlite3_db_config(db_, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  // A double-quoted name that is no column is an error, not a string (the
  // misfeature SQLite's documentation advises turning off): a column renamed
  // because its name differs from another only in case (vtab/sql_names.h),
  // or a misspelt one, must never compare as the text of its name.
  sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
  // DynamoDB is connected lazily (shell/connect.cc): local work needs no AWS.
  OpenConnection();
  // Codec columns: a bad catalog stops here, before any request.
  Status s = module_->codecs().LoadCatalog(args_.catalog);
  if (!s.ok()) return s;
  if (args_.s3_parallel > 0) module_->codecs().set_concurrency(args_.s3_parallel);
  // The ledger of S3 writes (ledger_commands.cc): opened when needed.
  SetUpLedger();
  return Status::OK();
}

int Shell::Run() {
  if (args_.help) {
    std::fputs(HelpText().c_str(), stdout);
    return 0;
  }
  if (args_.version) {
    std::fputs(VersionText().c_str(), stdout);
    return 0;
  }
  bool stdin_tty = isatty(STDIN_FILENO);
  bool has_input = !args_.inputs.empty();
  interactive_ = args_.interactive || (!args_.batch && !has_input && stdin_tty);
  bool stdout_tty = isatty(STDOUT_FILENO);
  if (stdout_tty) SetModeFromFlag(&output_, Mode::kBox);
  if (args_.mode) {
    Mode m;
    if (!ParseMode(*args_.mode, &m)) {
      std::fprintf(stderr, "ddbsql: unknown mode: %s\n", args_.mode->c_str());
      return 2;
    }
    SetModeFromFlag(&output_, m);
  }
  if (args_.headers) {
    output_.headers = *args_.headers;
    output_.headers_set = true;
  }
  if (stdout_tty && !args_.headers &&
      (output_.mode == Mode::kBox || output_.mode == Mode::kTable ||
       output_.mode == Mode::kMarkdown || output_.mode == Mode::kColumn)) {
    output_.headers = true;
  }
  if (args_.null_value) output_.null_value = *args_.null_value;
  if (args_.separator) output_.column_separator = *args_.separator;
  if (args_.newline) output_.row_separator = *args_.newline;
  output_.terminal = stdout_tty;
  bail_ = args_.bail;
  echo_ = args_.echo;

  Status s = Open();
  if (!s.ok()) {
    std::fprintf(stderr, "ddbsql: %s\n", s.ToString().c_str());
    return 1;
  }
  InterruptWatcher watcher(db_, &live_connection_);
  // What a crash left in the ledger, where Ctrl-C skips it.
  s = RecoverAtStart();
  if (!s.ok()) {
    std::fprintf(stderr, "ddbsql: %s\n", s.ToString().c_str());
    return 1;
  }

  // Init file, then -cmd, then the input.
  if (args_.init) {
    if (!RunFile(*args_.init, false) && (bail_ || quit_)) return Leave();
  } else if (const char* home = std::getenv("HOME")) {
    // As sqlite3 with a bad ~/.sqliterc: its errors are printed (FILE:LINE)
    // but leave the exit status alone; only -bail stops there, with 1.
    int errors_before = errors_;
    if (!RunFile(std::string(home) + "/.ddbsqlrc", true) && bail_) return Leave();
    errors_ = errors_before;
  }
  for (const auto& c : args_.cmd) {
    if (!RunText(c, InputSource{"", false}) && (bail_ || quit_)) return Leave();
  }
  // -c and -f in the order given, then the arguments after the options.
  for (const auto& in : args_.inputs) {
    bool go_on = in.kind == Input::kFile ? RunFile(in.text, false)
                                         : RunText(in.text, InputSource{"", false});
    if (!go_on && (bail_ || quit_)) break;
  }
  if (!has_input) {
    if (interactive_) {
      RunInteractive();
    } else {
      RunStream(stdin, InputSource{"<stdin>", false});
    }
  }
  return Leave();
}

int Shell::Leave() {
  // As sqlite3, a transaction still open at the end is rolled back (when
  // the connection closes) and the exit status stays what it was; but the
  // DynamoDB writes it staged are never sent, which must not pass in silence.
  if (db_ && module_ && !sqlite3_get_autocommit(db_)) {
    if (size_t n = module_->writes().size(); n > 0) {
      std::fprintf(stderr, "warning: open transaction rolled back: %s not sent to DynamoDB\n",
                   str::Plural(n, "write").c_str());
    }
  }
  return ExitStatus();
}

bool Shell::RunFile(const std::string& path, bool missing_ok) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    if (missing_ok && errno == ENOENT) return true;
    ++errors_;
    std::fprintf(stderr, "Error: cannot open \"%s\": %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  struct stat st {};
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    std::fclose(f);
    ++errors_;
    std::fprintf(stderr, "Error: cannot read \"%s\": is a directory\n", path.c_str());
    return false;
  }
  bool ok = RunStream(f, InputSource{path, false});
  std::fclose(f);
  return ok;
}

// Reads `in` line by line: a dot-command is a line starting with '.' while
// no statement is pending; SQL accumulates until sqlite3_complete().
bool Shell::RunStream(std::FILE* in, const InputSource& source) {
  std::string pending;
  int pending_line = 0;
  int line_no = 0;
  char* buf = nullptr;
  size_t cap = 0;
  ssize_t n;
  bool go_on = true;
  while (go_on && (n = getline(&buf, &cap, in)) >= 0) {
    ++line_no;
    std::string line(buf, static_cast<size_t>(n));
    // A dot-command may follow lines holding only comments (which it drops),
    // as in sqlite3.
    int ignored = 0;
    if (pending.empty() || !*SkipSpaceAndComments(pending.c_str(), &ignored)) {
      std::string t(str::Trim(line));
      if (!t.empty() && t[0] == '.') {
        pending.clear();
        go_on = RunText(t, source, line_no);
        continue;
      }
      if (pending.empty()) {
        if (t.empty()) continue;
        pending_line = line_no;
      }
    }
    pending += line;
    if (sqlite3_complete(pending.c_str())) {
      go_on = RunText(pending, source, pending_line);
      pending.clear();
    }
  }
  std::free(buf);
  if (go_on && !str::Trim(pending).empty()) {
    // As sqlite3, the end of input ends a last statement that lacks its ';'.
    // An unterminated string or comment is an error at the line it opens.
    int token_line = pending_line;
    std::string open = UnterminatedToken(pending, pending_line, &token_line);
    if (!open.empty()) {
      ++errors_;
      ReportError(Status::InvalidArgument("unterminated " + open + " at end of input"), source,
                  token_line);
      return !bail_;
    }
    go_on = RunText(pending, source, pending_line);
  }
  return go_on;
}

bool Shell::RunText(const std::string& text, const InputSource& source, int first_line) {
  std::string t(str::Trim(text));
  if (t.empty()) return true;
  // As sqlite3: -echo repeats each input (dot-commands too) of a script,
  // stdin or the terminal as read; -c and -cmd text is not echoed.
  if (echo_ && (!source.name.empty() || source.interactive)) std::fprintf(out(), "%s\n", t.c_str());
  bool go_on = true;
  if (t[0] == '.') {
    bool quit = false;
    Status s = RunDotCommand(t, source, &quit);
    std::fflush(out());
    check_hidden_ = true;  // .import, .open and others may create tables
    PrintWarnings();
    if (!s.ok()) {
      ++errors_;
      ReportError(s, source, first_line);
      if (bail_) go_on = false;
    }
    if (quit) {
      quit_ = true;
      go_on = false;
    }
  } else {
    input_written_ = input_refused_ = 0;
    Status s = RunSql(text, source, first_line);
    if (!s.ok()) {
      ++errors_;
      go_on = !bail_;
      if (changes_) PrintChanges(/*failed=*/true);
    } else if (changes_) {
      PrintChanges();
    }
  }
  // .once covers exactly the one input after it, SQL or dot-command.
  if (once_left_ > 0 && --once_left_ == 0) CloseOutput();
  return go_on;
}

void Shell::ReportError(const Status& s, const InputSource& source, int line) {
  if (s.message().empty() && s.context().empty()) return;  // already reported
  std::string msg = s.ToString();
  if (!source.name.empty() && !source.interactive) {
    std::fprintf(stderr, "%s:%d: %s\n", source.name.c_str(), line, msg.c_str());
  } else {
    std::fprintf(stderr, "Error: %s\n", msg.c_str());
  }
  std::fflush(stderr);
}

Status Shell::RunSql(const std::string& sql, const InputSource& source, int line) {
  const char* start = sql.c_str();
  const char* tail = start;
  while (*tail) {
    sql::Statement stmt;
    const char* next = nullptr;
    int stmt_line = LineOfOffset(sql, static_cast<size_t>(tail - start), line);
    // Leading blank lines and comments belong to no statement.
    tail = SkipSpaceAndComments(tail, &stmt_line);
    if (!*tail) break;
    // A statement that reads the schema (pragma_table_info('orders'),
    // sqlite_schema) sees the DynamoDB tables too, once they are declared.
    if (ReadsSchema(tail)) TryListDynamoTables(/*for_statement=*/true);
    int rc = stmt.PrepareNext(db_, tail, &next);
    if (rc != SQLITE_OK && NeedsDynamoDb(sqlite3_errmsg(db_))) {
      // The first statement that names a table SQLite does not know lists
      // the DynamoDB tables, then tries again.
      std::string first_error = sqlite3_errmsg(db_);
      Status listed = ListDynamoTables();
      if (listed.ok()) {
        rc = stmt.PrepareNext(db_, tail, &next);
      } else if (!listed.message().empty()) {
        Status s = Status::InvalidArgument(first_error + " (" + listed.ToString() + ")");
        ReportError(s, source, stmt_line);
        return s;
      }
    }
    if (rc != SQLITE_OK && MissingTableHint(sqlite3_errmsg(db_)).empty() &&
        RelistForMissingTable(sqlite3_errmsg(db_))) {
      // The table list came from the schema cache; the table may be newer.
      rc = stmt.PrepareNext(db_, tail, &next);
    }
    if (rc != SQLITE_OK) {
      // Read before the hints run statements of their own.
      std::string message = sqlite3_errmsg(db_);
      int offset = sqlite3_error_offset(db_);
      std::string refused = vtab::TakeRefusal(module_.get());  // DROP of a DynamoDB table
      // A syntax error shows where it is, as sqlite3 shows it.
      Status s = Status::InvalidArgument(
          refused.empty() ? message + MissingColumnHint(message, tail) + MissingTableHint(message) +
                                HyphenatedTableHint(message, tail, offset) +
                                (IsSyntaxError(message) ? ErrorContext(tail, offset) : "")
                          : refused);
      PrintWarnings();
      ReportError(s, source, stmt_line);
      return s;
    }
    if (!stmt) {  // a comment or a lone ';'
      tail = next;
      continue;
    }
    PrintWarnings();  // of the tables preparing it connected
    if (interactive_ && !ConfirmWrite(db_, stmt.get(), module_.get(), stdin)) {
      Status s = Status::InvalidArgument("statement declined: nothing was written");
      ReportError(s, source, stmt_line);
      return s;
    }
    if (eqp_ && sqlite3_stmt_isexplain(stmt.get()) == 0) ShowQueryPlan(stmt.get());
    module_->stats().Reset();
    module_->codecs().TakeMissingAsNull();
    if (connection_) {
      aws::CallCounters& calls = connection_->dynamodb().aws().counters();
      retries_baseline_ = calls.retries.load();
      bytes_baseline_ = calls.bytes_received.load();
    }
    RunTimes t0 = RunTimes::Now();
    Progress progress(progress_ && isatty(STDERR_FILENO), &module_->stats(), WaitingFor());
    Status bound = BindParameters(stmt.get());
    if (!bound.ok()) {
      ReportError(bound, source, stmt_line);
      return bound;
    }
    // The progress line has a thread of its own (it keeps counting while a
    // page is slow); rows reach a terminal through Wrap() so they never land
    // on the line, and Finish() erases it before errors, timings or stats.
    // Tables fit the terminal they are printed on (not a file or a pager).
    output_.terminal_width = out_ == nullptr && output_.terminal ? TerminalColumns() : 0;
    active_progress_ = &progress;
    rc = RenderResults(stmt.get(), output_, progress.Wrap(out()));
    progress.Finish();
    active_progress_ = nullptr;
    RunTimes elapsed = RunTimes::Now() - t0;
    std::string err = rc == SQLITE_DONE || rc == SQLITE_OK ? "" : sqlite3_errmsg(db_);
    if (rc == SQLITE_INTERRUPT) {
      err = "interrupted";
      const vtab::Stats& st = module_->stats();
      if (st.write_requests() > 0) {
        // Outside BEGIN the writes sent so far stay; those in flight may
        // or may not have reached DynamoDB.
        err += " (" + str::Plural(st.items_written.load(), "item") + " written";
        if (uint64_t c = st.writes_cancelled.load(); c > 0) {
          // A request may carry many items (BatchWriteItem, a bulk INSERT).
          uint64_t items = st.items_cancelled.load();
          err += "; " + str::Plural(c, "write request") +
                 (items > c ? " of " + str::Plural(items, "item") : std::string()) +
                 (c == 1 ? " was" : " were") + " cancelled in flight: DynamoDB may have applied " +
                 (c == 1 ? "it" : "them");
        }
        err += ")";
      }
    }
    std::string keyword = FirstKeyword(sqlite3_sql(stmt.get()));
    if (keyword == "CREATE" || keyword == "ALTER" || keyword == "ATTACH") check_hidden_ = true;
    stmt = sql::Statement();  // finalized before the warnings and statistics
    std::fflush(out());
    PrintWarnings();
    input_written_ += module_->stats().items_written.load();
    input_refused_ += module_->stats().items_refused.load();
    if (timer_) {
      // As sqlite3: wall clock, then CPU time in user and system mode.
      std::fprintf(stdout, "Run Time: real %.3f user %.6f sys %.6f\n", elapsed.real, elapsed.user,
                   elapsed.sys);
    }
    if (uint64_t missing = module_->codecs().TakeMissingAsNull()) {
      std::fprintf(stderr, "warning: %llu S3 object%s missing, read as NULL (.s3missing null)\n",
                   static_cast<unsigned long long>(missing), missing == 1 ? "" : "s");
    }
    if (stats_on_) PrintStats();
    if (!err.empty()) {
      Status s = Status::IOError(err);
      ReportError(s, source, stmt_line);
      return s;
    }
    tail = next;
  }
  return Status::OK();
}

// Binds every parameter of `stmt` from temp.sqlite_parameters, as the sqlite3
// shell does (`.parameter set :name VALUE`); unset parameters stay NULL.
Status Shell::BindParameters(sqlite3_stmt* stmt) {
  int n = sqlite3_bind_parameter_count(stmt);
  if (n == 0) return Status::OK();
  sql::Statement lookup;
  if (!lookup.Prepare(db_, "SELECT value FROM temp.sqlite_parameters WHERE key = ?1").ok()) {
    return Status::OK();  // no parameters were ever set
  }
  for (int i = 1; i <= n; ++i) {
    // A nameless "?" is looked up as "?N", as sqlite3 does.
    const char* name = sqlite3_bind_parameter_name(stmt, i);
    std::string key = name ? name : std::string("?").append(std::to_string(i));
    lookup.BindText(1, key);
    if (lookup.Step()) sqlite3_bind_value(stmt, i, sqlite3_column_value(lookup.get(), 0));
    lookup.Reset();
  }
  return Status::OK();
}

void Shell::PrintStats() {
  vtab::Stats& st = module_->stats();
  aws::CallCounters* calls = connection_ ? &connection_->dynamodb().aws().counters() : nullptr;
  using ull = unsigned long long;
  auto n = [](const std::atomic<uint64_t>& counter) { return static_cast<ull>(counter.load()); };
  ull requests =
      n(st.get_item) + n(st.batch_get_item) + n(st.query) + n(st.scan) + n(st.execute_statement);
  ull writes = st.write_requests();
  bool s3 = n(st.s3_gets) + n(st.s3_cache_hits) > 0;
  if (requests > 0 || (writes == 0 && s3)) {
    // "returned": items DynamoDB sent back (after its filter); "rows": rows
    // SQLite got, some from copies the statement had read already ("reused").
    std::string reused;
    if (st.reused > 0) {
      reused = "  reused: " + std::to_string(n(st.reused)) + " scans (" +
               std::to_string(n(st.reused_rows)) + " rows) from this statement's copies";
    }
    std::fprintf(
        stderr,
        "requests: %llu (GetItem %llu, BatchGetItem %llu, Query %llu, Scan %llu, ExecuteStatement "
        "%llu)  pages: %llu  items scanned: %llu  returned: %llu  rows: %llu  bytes: %llu  "
        "capacity: %.1f RCU  retries: %llu%s\n",
        requests, n(st.get_item), n(st.batch_get_item), n(st.query), n(st.scan),
        n(st.execute_statement), n(st.pages), n(st.items_scanned), n(st.items_returned), n(st.rows),
        calls ? static_cast<ull>(calls->bytes_received.load() - bytes_baseline_) : 0,
        static_cast<double>(st.capacity_milli.load()) / 1000.0,
        calls ? static_cast<ull>(calls->retries.load() - retries_baseline_) : 0, reused.c_str());
  }
  if (writes > 0) {
    // "conditional failures": writes DynamoDB declined (the item changed
    // since it was read, or INSERT OR IGNORE met an existing key).
    std::fprintf(stderr,
                 "writes: %llu (PutItem %llu, UpdateItem %llu, DeleteItem %llu, BatchWriteItem "
                 "%llu, TransactWriteItems %llu)  items written: %llu  conditional failures: %llu  "
                 "capacity: %.1f WCU\n",
                 writes, n(st.put_item), n(st.update_item), n(st.delete_item),
                 n(st.batch_write_item), n(st.transact_write_items), n(st.items_written),
                 n(st.items_refused), static_cast<double>(st.write_capacity_milli.load()) / 1000.0);
  }
  if (std::string line = S3StatsText(st); !line.empty()) {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  if (n(st.export_bytes) + n(st.export_files) > 0) {
    std::fprintf(stderr, "export: %llu files, %llu bytes, %llu items\n", n(st.export_files),
                 n(st.export_bytes), n(st.export_items));
  }
  if (n(st.items_decrypted) + n(st.items_unverified) > 0) {
    std::fprintf(stderr, "item_encryption: %llu items verified and decrypted, %llu skipped\n",
                 n(st.items_decrypted), n(st.items_unverified));
  }
}

// Asks on the terminal whether to run a large full Scan (interactive only).
// The progress line stays away while the question is on screen; the answer
// is echoed as typed and the line starts again below it.
bool Shell::ConfirmScan(const vtab::ScanEstimate& e) {
  if (active_progress_) active_progress_->Suspend();
  std::fprintf(stderr,
               "Full scan of %s: about %s, %.1f MB, %.0f read capacity units. "
               "Run it? [y/N] ",
               e.table.c_str(),
               str::Plural(static_cast<uint64_t>(std::max<int64_t>(e.items, 0)), "item").c_str(),
               static_cast<double>(e.bytes) / 1e6, e.read_units);
  std::fflush(stderr);
  // Echoed as typed; Ctrl-C answers no (write_confirm.cc).
  bool yes = ReadYesNo(stdin);
  if (active_progress_) active_progress_->Resume();
  return yes;
}

void Shell::CloseOutput() {
  if (out_) std::fclose(out_);
  out_ = nullptr;
  out_name_.clear();
  once_left_ = 0;
}

Status Shell::Reconnect(const aws::Overrides& overrides) {
  ConnectionOptions options = connection_options_;
  options.overrides = overrides;
  std::shared_ptr<Connection> connection;
  Status s = Connection::Open(options, &connection);
  if (!s.ok()) return s;
  // Fail before touching the schema when the new place cannot be reached.
  std::vector<std::string> names;
  s = connection->dynamodb().ListTables(&names);
  if (!s.ok()) return s;
  auto module = std::make_unique<vtab::ModuleContext>(connection, options);
  ConfigureModule(module.get());
  module->ShareCodecs(*module_);  // the catalog and .codec declarations stay
  module->options() = module_->options();
  module->confirm_scan = module_->confirm_scan;
  module->rate_limiter().SetRate(module_->rate_limiter().rate());
  module->write_rate_limiter().SetRate(module_->write_rate_limiter().rate());
  if (ledger_) module->writes().set_ledger(ledger_);
  if (sqlite3_db_filename(db_, "ddb") != nullptr &&
      sqlite3_exec(db_, "DETACH ddb", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Status::InvalidArgument(std::string("cannot switch connections: ") +
                                   sqlite3_errmsg(db_));
  }
  int64_t before = sqlite3_total_changes64(db_);
  s = vtab::RegisterModule(db_, module.get());
  if (s.ok()) s = vtab::AttachTables(db_, module.get());
  changes_baseline_ += sqlite3_total_changes64(db_) - before;
  // From here on the new connection is the session's, even if declaring the
  // tables failed half-way (the error says so; .tables shows what is there).
  retired_modules_.push_back(std::move(module_));
  module_ = std::move(module);
  connection_ = std::move(connection);
  connection_options_ = std::move(options);
  live_connection_ = connection_.get();
  connect_error_ = Status::OK();
  tables_listed_ = s.ok();
  check_hidden_ = true;
  quiet_try_failed_ = false;
  if (s.ok()) Recover(true);  // S3 writes a crash left for this place
  return s;
}

}  // namespace ddb::shell
