// Dot-commands: every `.name` the shell understands, and `.help`.
#include <cerrno>
#include <cstring>

#include "shell/shell.h"
#include "shell/text_util.h"

namespace ddb::shell {

namespace {

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
            ? "SELECT name FROM (SELECT name FROM main.sqlite_schema WHERE type IN "
              "('table','view') "
              "UNION ALL SELECT name FROM ddb.sqlite_schema UNION ALL SELECT name FROM "
              "temp.sqlite_schema WHERE type IN ('table','view')) WHERE name LIKE ?1 AND name NOT "
              "LIKE 'sqlite_%' ORDER BY 1"
            : "SELECT sql || ';' FROM (SELECT sql, name FROM main.sqlite_schema UNION ALL SELECT "
              "sql, name FROM ddb.sqlite_schema UNION ALL SELECT sql, name FROM "
              "temp.sqlite_schema) "
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

}  // namespace ddb::shell
