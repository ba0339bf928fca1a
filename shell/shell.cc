#include "shell/shell.h"

#include "shell/progress.h"
#include "shell/text_util.h"

#include <fcntl.h>
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

int LineOfOffset(const std::string& text, size_t offset, int first_line) {
  int line = first_line;
  for (size_t i = 0; i < offset && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

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
  if (rc != SQLITE_OK)
    return Status::IOError("cannot open SQLite: " + std::string(sqlite3_errstr(rc)));
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
    ReportError(
        Status::InvalidArgument(
            "incomplete SQL at end of input (missing ';' or an unterminated string or comment)"),
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
    if (echo_)
      std::fprintf(out(), "%s\n",
                   Trim(std::string(tail, static_cast<size_t>(next - tail))).c_str());
    if (args_.readonly && !sqlite3_stmt_readonly(stmt)) {
      sqlite3_finalize(stmt);
      Status s = Status::InvalidArgument("read-only mode (--readonly): statement refused");
      ReportError(s, source, stmt_line);
      return s;
    }
    module_->stats().Reset();
    auto t0 = std::chrono::steady_clock::now();
    Progress progress(progress_ && isatty(STDERR_FILENO), &module_->stats());
    Status bound = BindParameters(stmt);
    if (!bound.ok()) {
      sqlite3_finalize(stmt);
      ReportError(bound, source, stmt_line);
      return bound;
    }
    // The progress handler runs every few thousand VM steps, also while an
    // aggregate consumes a scan that returns no row until the end.
    sqlite3_progress_handler(
        db_, 1000,
        [](void* p) {
          static_cast<Progress*>(p)->Tick();
          return 0;
        },
        &progress);
    rc = RenderResults(stmt, output_, out());
    sqlite3_progress_handler(db_, 0, nullptr, nullptr);
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

// Binds every parameter of `stmt` from temp.sqlite_parameters, as the sqlite3
// shell does (`.parameter set :name VALUE`); unset parameters stay NULL.
Status Shell::BindParameters(sqlite3_stmt* stmt) {
  int n = sqlite3_bind_parameter_count(stmt);
  if (n == 0) return Status::OK();
  sqlite3_stmt* lookup = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT value FROM temp.sqlite_parameters WHERE key = ?1", -1,
                         &lookup, nullptr) != SQLITE_OK) {
    return Status::OK();  // no parameters were ever set
  }
  for (int i = 1; i <= n; ++i) {
    const char* name = sqlite3_bind_parameter_name(stmt, i);
    if (!name) continue;
    sqlite3_bind_text(lookup, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(lookup) == SQLITE_ROW) sqlite3_bind_value(stmt, i, sqlite3_column_value(lookup, 0));
    sqlite3_reset(lookup);
  }
  sqlite3_finalize(lookup);
  return Status::OK();
}

void Shell::PrintStats() {
  vtab::Stats& st = module_->stats();
  aws::CallCounters& calls = connection_->dynamodb().aws().counters();
  std::fprintf(
      stderr,
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

}  // namespace ddb::shell
