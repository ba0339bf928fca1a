// The interactive REPL: readline, history, prompt.
#include <readline/history.h>
#include <readline/readline.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "shell/shell.h"
#include "shell/text_util.h"

namespace ddb::shell {

namespace {

std::string StateDir() {
  const char* xdg = std::getenv("XDG_STATE_HOME");
  std::string base =
      xdg && *xdg ? xdg
                  : std::string(std::getenv("HOME") ? std::getenv("HOME") : ".") + "/.local/state";
  return base + "/ddbsql";
}

}  // namespace

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
