#include "shell/shell.h"

#include <fcntl.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

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
  InterruptWatcher(sqlite3* db, Connection* conn) : db_(db), conn_(conn) {
    if (pipe(g_interrupt_pipe) != 0) return;
    fcntl(g_interrupt_pipe[1], F_SETFL, O_NONBLOCK);
    struct sigaction sa {};
    sa.sa_handler = OnSigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_);
    thread_ = std::thread([this] {
      char c;
      while (read(g_interrupt_pipe[0], &c, 1) == 1 && c == 1) {
        sqlite3_interrupt(db_);
        conn_->http().CancelAll();
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
  Connection* conn_;
  struct sigaction old_ {};
  std::thread thread_;
};

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// Splits a dot-command line into words; quotes group, as in sqlite3.
std::vector<std::string> SplitWords(const std::string& line) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= line.size()) break;
    std::string w;
    if (line[i] == '"' || line[i] == '\'') {
      char q = line[i++];
      while (i < line.size() && line[i] != q) {
        if (q == '"' && line[i] == '\\' && i + 1 < line.size()) {
          ++i;
          char e = line[i];
          w.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e);
        } else {
          w.push_back(line[i]);
        }
        ++i;
      }
      if (i < line.size()) ++i;
    } else {
      while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) w.push_back(line[i++]);
    }
    words.push_back(std::move(w));
  }
  return words;
}

bool ParseBool(const std::string& s, bool* out) {
  if (s == "on" || s == "1" || s == "yes" || s == "true") {
    *out = true;
  } else if (s == "off" || s == "0" || s == "no" || s == "false") {
    *out = false;
  } else {
    return false;
  }
  return true;
}

std::string StateDir() {
  const char* xdg = std::getenv("XDG_STATE_HOME");
  std::string base = xdg && *xdg ? xdg : std::string(std::getenv("HOME") ? std::getenv("HOME") : ".") + "/.local/state";
  return base + "/ddbsql";
}

int LineOfOffset(const std::string& text, size_t offset, int first_line) {
  int line = first_line;
  for (size_t i = 0; i < offset && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

constexpr const char* kHelp = R"(.bail on|off            Stop after hitting an error
.changes on|off         Show number of rows changed by SQL
.consistent on|off      Strongly consistent reads for DynamoDB tables
.echo on|off            Print each statement before running it
.exit ?CODE?            Exit with return code CODE
.headers on|off         Show column names
.help                   Show this message
.mode MODE ?TABLE?      Set output mode: ascii box column csv html insert json line
                        list markdown quote table tabs
.nullvalue STRING       Use STRING in place of NULL values
.once FILE              Send the output of the next statement to FILE
.output ?FILE?          Send output to FILE, or back to stdout without FILE
.parallel N             Scan segments for full scans (0: by table size)
.print STRING...        Print the words
.quit                   Exit this program
.read FILE              Run the statements in FILE
.schema ?PATTERN?       Show the CREATE statements of tables matching PATTERN
.separator COL ?ROW?    Change the column and row separators
.show                   Show the current settings
.stats ?on|off?         Show the DynamoDB requests of the last statement
.tables ?PATTERN?       List the tables (DynamoDB and local) matching PATTERN
.timer on|off           Show the time each statement takes
)";

}  // namespace

Shell::Shell(Args args) : args_(std::move(args)) {}

Shell::~Shell() {
  CloseOutput();
  if (db_) sqlite3_close_v2(db_);
}

Status Shell::Open() {
  connection_options_.overrides = args_.overrides;
  Status s = Connection::Open(connection_options_, &connection_);
  if (!s.ok()) return s;
  int rc = sqlite3_open_v2(":memory:", &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) return Status::IOError("cannot open SQLite: " + std::string(sqlite3_errstr(rc)));
  // Schemas are ours alone: nothing from a file may reach the network.
  sqlite3_db_config(db_, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  module_ = std::make_unique<vtab::ModuleContext>(connection_, connection_options_);
  module_->options().scan_segments = args_.parallel;
  module_->options().consistent_read = args_.consistent;
  s = vtab::RegisterModule(db_, module_.get());
  if (!s.ok()) return s;
  return vtab::AttachTables(db_, module_.get());
}

int Shell::Run() {
  if (args_.help) {
    std::fputs(HelpText().c_str(), stdout);
    return 0;
  }
  if (args_.version) {
    std::printf("ddbsql 0.1.0 (SQLite %s)\n", sqlite3_libversion());
    return 0;
  }
  bool stdin_tty = isatty(STDIN_FILENO);
  bool has_input = !args_.commands.empty() || !args_.file.empty();
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
  if (stdout_tty && !args_.headers && (output_.mode == Mode::kBox || output_.mode == Mode::kTable ||
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
  InterruptWatcher watcher(db_, connection_.get());

  // Init file, then -cmd, then the input.
  if (args_.init) {
    if (!RunFile(*args_.init, false) && (bail_ || quit_)) return errors_ ? 1 : 0;
  } else if (const char* home = std::getenv("HOME")) {
    RunFile(std::string(home) + "/.ddbsqlrc", true);
  }
  for (const auto& c : args_.cmd) {
    if (!RunText(c, InputSource{"", false}) && (bail_ || quit_)) return errors_ ? 1 : 0;
  }
  if (!args_.file.empty()) {
    if (!RunFile(args_.file, false) && quit_) return errors_ ? 1 : 0;
  }
  for (const auto& c : args_.commands) {
    if (!RunText(c, InputSource{"", false})) break;
  }
  if (!has_input) {
    if (interactive_) {
      RunInteractive();
    } else {
      RunStream(stdin, InputSource{"<stdin>", false});
    }
  }
  return errors_ > 0 ? 1 : 0;
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
    if (pending.empty()) {
      std::string t = Trim(line);
      if (t.empty()) continue;
      if (t[0] == '.') {
        go_on = RunText(t, source, line_no);
        continue;
      }
      pending_line = line_no;
    }
    pending += line;
    if (sqlite3_complete(pending.c_str())) {
      go_on = RunText(pending, source, pending_line);
      pending.clear();
    }
  }
  std::free(buf);
  if (go_on && !Trim(pending).empty()) {
    ++errors_;
    ReportError(Status::InvalidArgument("incomplete SQL at end of input (missing ';' or an unterminated string or comment)"),
                source, pending_line);
    return false;
  }
  return go_on;
}

bool Shell::RunText(const std::string& text, const InputSource& source, int first_line) {
  std::string t = Trim(text);
  if (t.empty()) return true;
  if (t[0] == '.') {
    bool quit = false;
    Status s = RunDotCommand(t, source, &quit);
    std::fflush(out());
    if (!s.ok()) {
      ++errors_;
      ReportError(s, source, first_line);
      if (bail_) return false;
    }
    if (quit) {
      quit_ = true;
      return false;
    }
    return true;
  }
  Status s = RunSql(text, source, first_line);
  if (!s.ok()) {
    ++errors_;
    return !bail_;
  }
  return true;
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
    sqlite3_stmt* stmt = nullptr;
    const char* next = nullptr;
    int stmt_line = LineOfOffset(sql, static_cast<size_t>(tail - start), line);
    // Leading blank lines belong to no statement.
    while (*tail == '\n' || *tail == ' ' || *tail == '\t' || *tail == '\r') {
      if (*tail == '\n') ++stmt_line;
      ++tail;
    }
    if (!*tail) break;
    int rc = sqlite3_prepare_v2(db_, tail, -1, &stmt, &next);
    if (rc != SQLITE_OK) {
      Status s = Status::InvalidArgument(sqlite3_errmsg(db_));
      ReportError(s, source, stmt_line);
      sqlite3_finalize(stmt);
      return s;
    }
    if (!stmt) {  // a comment or a lone ';'
      tail = next;
      continue;
    }
    if (echo_) std::fprintf(out(), "%s\n", Trim(std::string(tail, static_cast<size_t>(next - tail))).c_str());
    if (args_.readonly && !sqlite3_stmt_readonly(stmt)) {
      sqlite3_finalize(stmt);
      Status s = Status::InvalidArgument("read-only mode (--readonly): statement refused");
      ReportError(s, source, stmt_line);
      return s;
    }
    module_->stats().Reset();
    auto t0 = std::chrono::steady_clock::now();
    rc = RenderResults(stmt, output_, out());
    auto elapsed = std::chrono::steady_clock::now() - t0;
    std::string err = rc == SQLITE_DONE || rc == SQLITE_OK ? "" : sqlite3_errmsg(db_);
    if (rc == SQLITE_INTERRUPT) err = "interrupted";
    sqlite3_finalize(stmt);
    std::fflush(out());
    if (once_) CloseOutput();
    if (timer_) {
      double secs = std::chrono::duration<double>(elapsed).count();
      std::fprintf(stdout, "Run Time: real %.3f\n", secs);
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

void Shell::PrintStats() {
  vtab::Stats& st = module_->stats();
  aws::CallCounters& calls = connection_->dynamodb().aws().counters();
  std::fprintf(stderr,
               "requests: %llu (GetItem %llu, BatchGetItem %llu, Query %llu, Scan %llu)  pages: %llu  "
               "items scanned: %llu  capacity: %.1f RCU  retries: %llu (session)\n",
               static_cast<unsigned long long>(st.get_item + st.batch_get_item + st.query + st.scan),
               static_cast<unsigned long long>(st.get_item.load()),
               static_cast<unsigned long long>(st.batch_get_item.load()),
               static_cast<unsigned long long>(st.query.load()),
               static_cast<unsigned long long>(st.scan.load()),
               static_cast<unsigned long long>(st.pages.load()),
               static_cast<unsigned long long>(st.items_scanned.load()),
               static_cast<double>(st.capacity_milli.load()) / 1000.0,
               static_cast<unsigned long long>(calls.retries.load()));
}

void Shell::CloseOutput() {
  if (out_) std::fclose(out_);
  out_ = nullptr;
  once_ = false;
}

Status Shell::RunDotCommand(const std::string& line, const InputSource& source, bool* quit) {
  std::vector<std::string> w = SplitWords(line.substr(1));
  if (w.empty()) return Status::InvalidArgument("empty dot-command");
  const std::string& cmd = w[0];
  auto need = [&](size_t n, const char* usage) -> Status {
    if (w.size() < n) return Status::InvalidArgument(std::string("usage: ") + usage);
    return Status::OK();
  };
  auto toggle = [&](bool* flag, const char* usage) -> Status {
    if (w.size() != 2 || !ParseBool(w[1], flag)) {
      return Status::InvalidArgument(std::string("usage: ") + usage);
    }
    return Status::OK();
  };
  if (cmd == "quit" || cmd == "q" || cmd == "exit") {
    *quit = true;
    if (cmd == "exit" && w.size() > 1 && std::atoi(w[1].c_str()) != 0) ++errors_;
    return Status::OK();
  }
  if (cmd == "help") {
    std::fputs(kHelp, stdout);
    return Status::OK();
  }
  if (cmd == "headers" || cmd == "header") {
    output_.headers_set = true;
    return toggle(&output_.headers, ".headers on|off");
  }
  if (cmd == "explain") {
    bool on = true;
    if (w.size() > 1 && w[1] != "auto" && !ParseBool(w[1], &on)) {
      return Status::InvalidArgument("usage: .explain ?on|off|auto?");
    }
    output_.auto_explain = on;
    return Status::OK();
  }
  if (cmd == "bail") return toggle(&bail_, ".bail on|off");
  if (cmd == "echo") return toggle(&echo_, ".echo on|off");
  if (cmd == "timer") return toggle(&timer_, ".timer on|off");
  if (cmd == "consistent") return toggle(&module_->options().consistent_read, ".consistent on|off");
  if (cmd == "stats") {
    if (w.size() == 1) {
      PrintStats();
      return Status::OK();
    }
    return toggle(&stats_on_, ".stats ?on|off?");
  }
  if (cmd == "mode") {
    std::vector<std::string> rest(w.begin() + 1, w.end());
    if (RunModeCommand(&output_, rest, out(), stderr) != 0) {
      return Status::InvalidArgument("");  // RunModeCommand said what was wrong
    }
    return Status::OK();
  }
  if (cmd == "nullvalue") {
    Status s = need(2, ".nullvalue STRING");
    if (s.ok()) output_.null_value = w[1];
    return s;
  }
  if (cmd == "separator") {
    Status s = need(2, ".separator COL ?ROW?");
    if (!s.ok()) return s;
    output_.column_separator = w[1];
    if (w.size() > 2) output_.row_separator = w[2];
    return Status::OK();
  }
  if (cmd == "print") {
    std::string text;
    for (size_t i = 1; i < w.size(); ++i) text += (i > 1 ? " " : "") + w[i];
    std::fprintf(out(), "%s\n", text.c_str());
    return Status::OK();
  }
  if (cmd == "parallel") {
    Status s = need(2, ".parallel N");
    if (s.ok()) module_->options().scan_segments = std::max(0, std::atoi(w[1].c_str()));
    return s;
  }
  if (cmd == "output" || cmd == "once") {
    CloseOutput();
    if (w.size() < 2 || w[1] == "stdout") {
      if (cmd == "once") return Status::InvalidArgument("usage: .once FILE");
      return Status::OK();
    }
    out_ = std::fopen(w[1].c_str(), "wb");
    if (!out_) return Status::IOError("cannot write \"" + w[1] + "\": " + std::strerror(errno));
    once_ = cmd == "once";
    return Status::OK();
  }
  if (cmd == "read") {
    Status s = need(2, ".read FILE");
    if (!s.ok()) return s;
    int before = errors_;
    bool go_on = RunFile(w[1], false);
    if (!go_on && quit_) *quit = true;
    if (errors_ > before) {
      --errors_;  // counted once, by our caller
      return Status::IOError(".read " + w[1] + " failed");
    }
    return Status::OK();
  }
  if (cmd == "tables" || cmd == "schema") {
    std::string pattern = w.size() > 1 ? w[1] : "%";
    std::string sql =
        cmd == "tables"
            ? "SELECT name FROM (SELECT name FROM main.sqlite_schema WHERE type IN ('table','view') "
              "UNION ALL SELECT name FROM ddb.sqlite_schema UNION ALL SELECT name FROM "
              "temp.sqlite_schema WHERE type IN ('table','view')) WHERE name LIKE ?1 AND name NOT "
              "LIKE 'sqlite_%' ORDER BY 1"
            : "SELECT sql || ';' FROM (SELECT sql, name FROM main.sqlite_schema UNION ALL SELECT "
              "sql, name FROM ddb.sqlite_schema UNION ALL SELECT sql, name FROM temp.sqlite_schema) "
              "WHERE name LIKE ?1 AND sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY name";
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      return Status::IOError(sqlite3_errmsg(db_));
    }
    sqlite3_bind_text(stmt, 1, pattern.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::fprintf(out(), "%s\n", reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    }
    sqlite3_finalize(stmt);
    return Status::OK();
  }
  if (cmd == "show") {
    std::fprintf(out(), "        echo: %s\n", echo_ ? "on" : "off");
    std::fprintf(out(), "     headers: %s\n", output_.headers ? "on" : "off");
    std::fprintf(out(), "        mode: %s\n", DescribeMode(output_).c_str());
    std::fprintf(out(), "   nullvalue: \"%s\"\n", output_.null_value.c_str());
    std::fprintf(out(), "  connection: %s\n", connection_->Describe().c_str());
    std::fprintf(out(), "  consistent: %s\n", module_->options().consistent_read ? "on" : "off");
    std::fprintf(out(), "    parallel: %d\n", module_->options().scan_segments);
    std::fprintf(out(), "       timer: %s\n", timer_ ? "on" : "off");
    return Status::OK();
  }
  (void)source;
  return Status::InvalidArgument("unknown command: ." + cmd + " (see .help)");
}

std::string Shell::Prompt(bool continuation) const {
  if (continuation) return "   ...> ";
  return "ddbsql> ";
}

void Shell::RunInteractive() {
  std::string dir = StateDir();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string history = dir + "/history";
  using_history();
  read_history(history.c_str());
  std::printf("ddbsql 0.1.0 on %s. Enter \".help\" for usage hints.\n",
              connection_->Describe().c_str());
  std::string pending;
  int line_no = 0;
  InputSource source{"", true};
  while (true) {
    char* raw = readline(Prompt(!pending.empty()).c_str());
    if (!raw) {  // Ctrl-D
      std::printf("\n");
      break;
    }
    std::string line = raw;
    std::free(raw);
    ++line_no;
    if (pending.empty()) {
      std::string t = Trim(line);
      if (t.empty()) continue;
      if (t[0] == '.') {
        add_history(t.c_str());
        if (!RunText(t, source, line_no) && quit_) break;
        continue;
      }
    }
    pending += line + "\n";
    if (sqlite3_complete(pending.c_str())) {
      std::string stmt = Trim(pending);
      add_history(stmt.c_str());
      RunText(pending, source, line_no);
      pending.clear();
      if (quit_) break;
    }
  }
  write_history(history.c_str());
  chmod(history.c_str(), 0600);
}

}  // namespace ddb::shell
