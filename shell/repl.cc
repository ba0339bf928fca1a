// The interactive REPL: line editing with readline, persistent history
// (shell/history.h), TAB completion (shell/completion.h), the prompt, Ctrl-C
// and Ctrl-D, and the pager.
//
// Readline runs in its callback mode: the REPL waits in poll() on the
// terminal and on a self-pipe its SIGINT handler writes to, so Ctrl-C at the
// prompt clears the line (or the statement being entered) and shows a fresh
// prompt, as in bash and sqlite3. While a statement runs, SIGINT belongs to
// the shell's interrupt watcher (shell.cc), which cancels the statement.
//
// `.pager on|off|CMD` is handled here, not in dot_commands.cc: the pager only
// exists in the interactive REPL. While it is on and stdout is a terminal,
// the output of each SQL statement goes through a pipe into CMD ($PAGER, or
// `less -FRX`, which leaves results that fit on the screen as they are).
#include <fcntl.h>
#include <poll.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/sqlite_util.h"
#include "shell/completion.h"
#include "shell/history.h"
#include "shell/shell.h"
#include "shell/text_util.h"

extern char** environ;

namespace ddb::shell {

namespace {

constexpr const char* kDefaultPager = "less -FRX";
// Where SQL words end for completion: not at '-' (my-table), '.' (ddb.t) or
// '"' (readline handles the quote itself).
constexpr const char* kSqlWordBreaks = " \t\n,;()=<>!+*/%|&~'";
// On a dot-command line only blanks end words: arguments are file names.
constexpr const char* kDotWordBreaks = " \t\n";

// ---------------------------------------------------------------------------
// Readline calls plain functions without a user pointer, and a signal handler
// can only reach globals: these two are set only while a LineEditor reads.

class LineEditor;
LineEditor* g_editor = nullptr;
int g_prompt_signal_fd = -1;

void OnPromptSignal(int sig) {
  char c = sig == SIGINT ? 'i' : 'w';
  ssize_t n = write(g_prompt_signal_fd, &c, 1);
  (void)n;
}

enum class ReadResult { kLine, kInterrupted, kEof };

// Reads lines with readline; see the file comment.
class LineEditor {
 public:
  // `pending`: the earlier lines of the statement being entered, for
  // completion context. Both must outlive the editor.
  LineEditor(CompletionCatalog* catalog, const std::string* pending)
      : catalog_(catalog), pending_(pending) {
    if (pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0) pipe_[0] = pipe_[1] = -1;
    rl_readline_name = "ddbsql";
    // Signals are ours (see Read): readline must neither install handlers
    // nor re-raise them.
    rl_catch_signals = 0;
    rl_catch_sigwinch = 0;
    rl_attempted_completion_function = &LineEditor::OnComplete;
    rl_completion_word_break_hook = &LineEditor::WordBreaks;
    rl_completer_word_break_characters = kSqlWordBreaks;
    rl_completer_quote_characters = "\"";
  }
  ~LineEditor() {
    rl_attempted_completion_function = nullptr;
    rl_completion_word_break_hook = nullptr;
    if (pipe_[0] >= 0) {
      close(pipe_[0]);
      close(pipe_[1]);
    }
  }
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  // Shows `prompt` and reads one line (which may hold several lines when a
  // multi-line history entry or a paste was accepted).
  ReadResult Read(const std::string& prompt, std::string* line) {
    line->clear();
    line_.clear();
    done_ = eof_ = false;
    g_editor = this;
    g_prompt_signal_fd = pipe_[1];
    struct sigaction sa {};
    sa.sa_handler = OnPromptSignal;
    sigemptyset(&sa.sa_mask);
    struct sigaction old_int {
    }, old_winch{};
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGWINCH, &sa, &old_winch);
    // The terminal may have been resized while a statement ran.
    if (RL_ISSTATE(RL_STATE_INITIALIZED)) rl_reset_screen_size();
    rl_callback_handler_install(prompt.c_str(), &LineEditor::OnLine);

    ReadResult result = ReadResult::kLine;
    while (true) {
      pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {pipe_[0], POLLIN, 0}};
      int n = poll(fds, pipe_[0] >= 0 ? 2 : 1, -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        result = ReadResult::kEof;
        break;
      }
      if (pipe_[0] >= 0 && (fds[1].revents & POLLIN)) {
        char buf[32];
        ssize_t k = read(pipe_[0], buf, sizeof(buf));
        bool interrupted = false;
        for (ssize_t i = 0; i < k; ++i) {
          if (buf[i] == 'i') {
            interrupted = true;
          } else {
            rl_resize_terminal();
          }
        }
        if (interrupted) {
          AbandonLine();
          result = ReadResult::kInterrupted;
          break;
        }
      }
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        rl_callback_read_char();
        if (done_) {
          result = eof_ ? ReadResult::kEof : ReadResult::kLine;
          break;
        }
      }
    }
    rl_callback_handler_remove();  // a no-op when OnLine removed it
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGWINCH, &old_winch, nullptr);
    g_prompt_signal_fd = -1;
    g_editor = nullptr;
    *line = std::move(line_);
    return result;
  }

 private:
  static void OnLine(char* text) {
    // Removing the handler here keeps readline from showing the prompt
    // again before the statement has run.
    rl_callback_handler_remove();
    LineEditor* self = g_editor;
    if (!self) {
      std::free(text);
      return;
    }
    self->done_ = true;
    if (text) {
      self->line_ = text;
      std::free(text);
    } else {
      self->eof_ = true;
    }
  }

  // Ctrl-C: leave what was typed on the screen, marked ^C, and start afresh
  // on the next line.
  static void AbandonLine() {
    rl_callback_sigcleanup();
    rl_free_line_state();
    rl_point = rl_end;
    rl_redisplay();
    std::fputs("^C", rl_outstream);
    rl_crlf();
    std::fflush(rl_outstream);
    rl_replace_line("", 0);
  }

  static char* WordBreaks() {
    size_t first = 0;
    while (first < static_cast<size_t>(rl_end) &&
           (rl_line_buffer[first] == ' ' || rl_line_buffer[first] == '\t')) {
      ++first;
    }
    bool dot = g_editor && g_editor->pending_->empty() && first < static_cast<size_t>(rl_end) &&
               rl_line_buffer[first] == '.';
    return const_cast<char*>(dot ? kDotWordBreaks : kSqlWordBreaks);
  }

  static char** OnComplete(const char* text, int start, int end) {
    rl_attempted_completion_over = 1;  // no file names unless asked for
    LineEditor* self = g_editor;
    if (!self) return nullptr;
    CompletionRequest request;
    request.pending = *self->pending_;
    request.line.assign(rl_line_buffer, static_cast<size_t>(rl_end));
    request.start = static_cast<size_t>(start);
    request.end = static_cast<size_t>(end);
    request.quote = rl_completion_quote_character == '"' ? '"' : 0;
    CompletionResult result = Complete(request, self->catalog_);
    if (result.filenames) {
      rl_attempted_completion_over = 0;
      return nullptr;
    }
    if (result.matches.empty()) return nullptr;
    // "ddb." is followed by a table name, not by a space.
    if (result.matches.size() == 1 && result.matches[0].back() == '.') {
      rl_completion_append_character = '\0';
    }
    self->matches_ = std::move(result.matches);
    self->next_match_ = 0;
    return rl_completion_matches(text, &LineEditor::NextMatch);
  }

  static char* NextMatch(const char*, int state) {
    LineEditor* self = g_editor;
    if (!self) return nullptr;
    if (state == 0) self->next_match_ = 0;
    if (self->next_match_ >= self->matches_.size()) return nullptr;
    return strdup(self->matches_[self->next_match_++].c_str());
  }

  CompletionCatalog* catalog_;
  const std::string* pending_;
  int pipe_[2] = {-1, -1};
  bool done_ = false;
  bool eof_ = false;
  std::string line_;
  std::vector<std::string> matches_;
  size_t next_match_ = 0;
};

// ---------------------------------------------------------------------------
// The names completion offers, from the SQLite connection.

class SqliteCatalog : public CompletionCatalog {
 public:
  // `list_tables` declares the DynamoDB tables before the first completion
  // of a table name (the connection is lazy).
  SqliteCatalog(sqlite3* db, std::function<void()> list_tables)
      : db_(db), list_tables_(std::move(list_tables)) {}

  std::vector<std::string> Tables(const std::string& schema) override {
    if (list_tables_) list_tables_();
    std::vector<std::string> out;
    for (const auto& s : schema.empty() ? Schemas() : std::vector<std::string>{schema}) {
      std::string query = "SELECT name FROM " + sql::QuoteIdentifier(s) +
                          ".sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE "
                          "'sqlite\\_%' ESCAPE '\\'";
      for (auto& n : Query(query, {})) out.push_back(std::move(n));
    }
    return out;
  }
  std::vector<std::string> Columns(const std::string& schema, const std::string& table) override {
    if (list_tables_) list_tables_();
    // Connecting a DynamoDB table here costs one DescribeTable, once.
    if (schema.empty()) return Query("SELECT name FROM pragma_table_xinfo(?1)", {table});
    return Query("SELECT name FROM pragma_table_xinfo(?1, ?2)", {table, schema});
  }
  std::vector<std::string> Schemas() override {
    std::vector<std::string> out;
    for (auto& s : Query("SELECT name FROM pragma_database_list", {})) {
      if (s.find('"') == std::string::npos) out.push_back(std::move(s));
    }
    return out;
  }
  std::vector<std::string> Keywords() override {
    std::vector<std::string> out;
    for (int i = 0; i < sqlite3_keyword_count(); ++i) {
      const char* name = nullptr;
      int n = 0;
      if (sqlite3_keyword_name(i, &name, &n) == SQLITE_OK) out.emplace_back(name, n);
    }
    return out;
  }
  std::vector<std::string> Functions() override {
    return Query(
        "SELECT DISTINCT name FROM pragma_function_list WHERE name NOT LIKE 'sqlite\\_%' "
        "ESCAPE '\\'",
        {});
  }
  std::vector<std::string> Modes() override {
    std::vector<std::string> out;
    // The modes .help lists; the undocumented tcl, count and off are left out.
    for (int m = static_cast<int>(Mode::kList); m <= static_cast<int>(Mode::kAscii); ++m) {
      out.emplace_back(ModeName(static_cast<Mode>(m)));
    }
    return out;
  }

 private:
  std::vector<std::string> Query(const std::string& sql, const std::vector<std::string>& args) {
    std::vector<std::string> out;
    sql::Statement stmt;
    if (!stmt.Prepare(db_, sql).ok()) return out;
    for (size_t i = 0; i < args.size(); ++i) stmt.BindText(static_cast<int>(i + 1), args[i]);
    while (stmt.Step()) {
      if (!stmt.ColumnIsNull(0)) out.push_back(stmt.ColumnText(0));
    }
    return out;
  }

  sqlite3* db_;
  std::function<void()> list_tables_;
};

// ---------------------------------------------------------------------------
// The pager: a child process reading the results from a pipe.

class Pager {
 public:
  Pager() = default;
  ~Pager() { Finish(); }
  Pager(const Pager&) = delete;
  Pager& operator=(const Pager&) = delete;

  // Starts `command` with /bin/sh, its stdin a pipe. `on_early_exit` runs
  // (on another thread) when the pager exits before Finish(): the user quit
  // it, so the statement feeding it should stop.
  Status Start(const std::string& command, std::function<void()> on_early_exit) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      return Status::IOError(std::string("cannot start the pager: ") + std::strerror(errno));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
    const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
    pid_t pid = -1;
    int rc =
        posix_spawn(&pid, "/bin/sh", &actions, nullptr, const_cast<char* const*>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[0]);
    if (rc != 0) {
      close(fds[1]);
      return Status::IOError(std::string("cannot start the pager: ") + std::strerror(rc));
    }
    stream_ = fdopen(fds[1], "w");
    if (!stream_) {
      int err = errno;
      close(fds[1]);  // the pager reads end of input and exits
      WaitFor(pid);
      return Status::IOError(std::string("cannot start the pager: ") + std::strerror(err));
    }
    on_early_exit_ = std::move(on_early_exit);
    waiter_ = std::thread([this, pid] {
      WaitFor(pid);
      if (!finishing_) on_early_exit_();
    });
    return Status::OK();
  }

  std::FILE* stream() const { return stream_; }

  // Ends the input and waits until the user has quit the pager.
  void Finish() {
    finishing_ = true;
    if (stream_) {
      std::fclose(stream_);
      stream_ = nullptr;
    }
    if (waiter_.joinable()) waiter_.join();
  }

 private:
  static void WaitFor(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }

  std::FILE* stream_ = nullptr;
  std::function<void()> on_early_exit_;
  std::atomic<bool> finishing_{false};
  std::thread waiter_;
};

// True when `text` holds nothing but blanks and complete comments: a
// dot-command may follow such lines (it drops them), as in scripts.
bool OnlyComments(const std::string& text) {
  size_t i = 0;
  while (i < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
    } else if (text.compare(i, 2, "--") == 0) {
      i = text.find('\n', i);
      if (i == std::string::npos) return true;
    } else if (text.compare(i, 2, "/*") == 0) {
      size_t end = text.find("*/", i + 2);
      if (end == std::string::npos) return false;
      i = end + 2;
    } else {
      return false;
    }
  }
  return true;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (true) {
    size_t eol = text.find('\n', pos);
    lines.push_back(text.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos));
    if (eol == std::string::npos) break;
    pos = eol + 1;
  }
  return lines;
}

}  // namespace

std::string Shell::Prompt(bool continuation) const {
  if (!connection_) return continuation ? "  ...> " : "ddbsql> ";
  const aws::Settings& settings = connection_->settings();
  const aws::Endpoint& endpoint = connection_->dynamodb_endpoint();
  std::string profile = settings.profile.empty() ? "default" : settings.profile;
  // The account, once the credentials (or .whoami) told it.
  if (std::string account = connection_->KnownAccount(); !account.empty()) {
    profile += "(" + account + ")";
  }
  // A custom endpoint (DynamoDB Local, a proxy) is shown instead of the
  // profile, so nobody mistakes it for the real thing; an explicit profile
  // stays visible in front of it.
  std::string where = endpoint.custom
                          ? (settings.explicit_profile ? profile + "@" : "") + endpoint.HostHeader()
                          : profile;
  std::string prompt =
      "ddbsql [" + where + " " + settings.region + "]" + (args_.readonly ? " ro" : "") + "> ";
  if (!continuation) return prompt;
  return std::string(prompt.size() - 5, ' ') + "...> ";
}

void Shell::RunInteractive() {
  InputSource source{"", true};
  std::printf("ddbsql %s on %s. Enter \".help\" for usage hints.\n", DDBSQL_VERSION,
              DescribeConnection().c_str());
  std::fflush(stdout);

  HistoryFile history(HistoryPath(std::getenv("XDG_STATE_HOME"), std::getenv("HOME")));
  using_history();
  stifle_history(static_cast<int>(HistoryFile::kDefaultMaxEntries));
  {
    std::vector<std::string> entries;
    Status s = history.Load(&entries);
    if (!s.ok()) std::fprintf(stderr, "Warning: %s\n", s.ToString().c_str());
    for (const auto& e : entries) add_history(e.c_str());
  }
  bool history_warned = false;
  auto remember = [&](const std::string& entry) {
    if (entry.empty() || CarriesSecret(entry)) return;
    HIST_ENTRY* last =
        history_length > 0 ? history_get(history_base + history_length - 1) : nullptr;
    if (last && entry == last->line) return;
    add_history(entry.c_str());
    Status s = history.Append(entry);
    if (!s.ok() && !history_warned) {
      history_warned = true;
      std::fprintf(stderr, "Warning: %s\n", s.ToString().c_str());
    }
  };

  bool pager_on = false;
  std::string pager_command;
  auto pager_dot_command = [&](const std::string& t) {
    std::string rest(str::Trim(std::string_view(t).substr(6)));  // after ".pager"
    bool on = false;
    if (rest.empty()) {
      if (pager_on) {
        std::printf("pager: on (%s)\n", pager_command.c_str());
      } else {
        std::printf("pager: off\n");
      }
    } else if (ParseBool(rest, &on)) {
      pager_on = on;
      const char* env = std::getenv("PAGER");
      pager_command = env && *env ? env : kDefaultPager;
    } else {
      pager_on = true;
      pager_command = rest;
    }
  };

  // Runs complete SQL text, through the pager when it is on.
  auto run_sql = [&](const std::string& text, int line_no) {
    std::unique_ptr<Pager> pager;
    struct sigaction old_pipe {};
    bool saved_progress = progress_;
    if (pager_on && out_ == nullptr && isatty(STDOUT_FILENO)) {
      pager = std::make_unique<Pager>();
      Status s = pager->Start(pager_command, [this] {
        sqlite3_interrupt(db_);
        if (Connection* c = live_connection_.load()) c->http().CancelAll();
      });
      if (!s.ok()) {
        std::fprintf(stderr, "Error: %s\n", s.ToString().c_str());
        pager.reset();
      } else {
        // A pager the user quits early closes the pipe: writing on must
        // fail with EPIPE, not kill the shell.
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigemptyset(&ignore.sa_mask);
        sigaction(SIGPIPE, &ignore, &old_pipe);
        out_ = pager->stream();
        // The progress line would scribble over the pager's screen.
        progress_ = false;
      }
    }
    RunText(text, source, line_no);
    if (pager) {
      out_ = nullptr;
      progress_ = saved_progress;
      pager->Finish();
      sigaction(SIGPIPE, &old_pipe, nullptr);
    }
  };

  // Completing a table name lists the DynamoDB tables first. A failure is
  // not printed over the line being edited: the next statement says it.
  SqliteCatalog catalog(db_, [this] { TryListDynamoTables(); });
  std::string pending;
  int pending_line = 0;
  int line_no = 0;
  LineEditor editor(&catalog, &pending);

  while (!quit_) {
    std::string input;
    ReadResult r = editor.Read(Prompt(!pending.empty()), &input);
    if (r == ReadResult::kEof) {
      std::printf("\n");
      break;
    }
    if (r == ReadResult::kInterrupted) {
      pending.clear();
      continue;
    }
    // A recalled multi-line entry or a paste arrives as one line holding
    // several: take them one by one, as if typed.
    for (const std::string& line : SplitLines(input)) {
      ++line_no;
      std::string t(str::Trim(line));
      // As psql and most shells: exit, quit or \q alone on an empty prompt
      // leave, help shows .help (scripts keep SQLite's meaning).
      if (pending.empty() && (t == "exit" || t == "quit" || t == "\\q")) {
        quit_ = true;
        break;
      }
      if (pending.empty() && t == "help") t = ".help";
      if (!t.empty() && t[0] == '.' && OnlyComments(pending)) {
        pending.clear();
        remember(t);
        if (t == ".pager" || t.compare(0, 7, ".pager ") == 0) {
          pager_dot_command(t);
          continue;
        }
        bool go_on = RunText(t, source, line_no);
        if (!go_on && quit_) break;
        continue;
      }
      if (pending.empty()) {
        if (t.empty()) continue;
        pending_line = line_no;
      }
      pending += line + "\n";
      if (sqlite3_complete(pending.c_str())) {
        remember(std::string(str::Trim(pending)));
        std::string text;
        text.swap(pending);
        run_sql(text, pending_line);
        if (quit_) break;
      }
    }
  }
  std::fflush(stdout);
}

}  // namespace ddb::shell
