// Shell: the ddbsql session. It owns the SQLite connection with the
// "dynamodb" module, runs statements and dot-commands from the command line,
// scripts, stdin or the interactive REPL, and prints results through
// output.h.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "engine/connection.h"
#include "engine/status.h"
#include "shell/args.h"
#include "shell/output.h"
#include "vtab/module.h"

namespace ddb::shell {

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

 private:
  Status Open();
  bool RunFile(const std::string& path, bool missing_ok);
  bool RunStream(std::FILE* in, const InputSource& source);
  void RunInteractive();

  // Runs one complete SQL text; `line` is the line its first character is on.
  Status RunSql(const std::string& sql, const InputSource& source, int line);
  // Runs one dot-command line. Sets *quit on .quit/.exit.
  Status RunDotCommand(const std::string& line, const InputSource& source, bool* quit);
  void ReportError(const Status& s, const InputSource& source, int line);
  std::string Prompt(bool continuation) const;
  std::FILE* out() { return out_ ? out_ : stdout; }
  void CloseOutput();
  void PrintStats();
  Status BindParameters(sqlite3_stmt* stmt);

  Args args_;
  ConnectionOptions connection_options_;
  std::shared_ptr<Connection> connection_;
  std::unique_ptr<vtab::ModuleContext> module_;
  sqlite3* db_ = nullptr;

  OutputSettings output_;
  std::FILE* out_ = nullptr;  // .output / .once file; nullptr: stdout
  bool once_ = false;         // close out_ after the next statement
  bool bail_ = false;
  bool echo_ = false;
  bool timer_ = false;
  bool stats_on_ = false;  // .stats on: print after every statement
  bool progress_ = true;   // .progress on|off: the progress line on a terminal
  bool interactive_ = false;
  int errors_ = 0;
  bool quit_ = false;
};

}  // namespace ddb::shell
