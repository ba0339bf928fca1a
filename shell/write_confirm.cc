#include "shell/write_confirm.h"

#include "engine/sqlite_util.h"
#include "engine/strings.h"
#include "shell/text_util.h"

#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>
#include <vector>

namespace ddb::shell {

namespace {

// The DynamoDB tables EXPLAIN QUERY PLAN shows `stmt` reaching by a Scan:
// rows such as "SCAN orders VIRTUAL TABLE INDEX 0:Scan ...".
std::vector<std::string> ScannedTables(sqlite3* db, sqlite3_stmt* stmt) {
  std::vector<std::string> out;
  std::string sql = std::string("EXPLAIN QUERY PLAN ") + sqlite3_sql(stmt);
  sql::Statement eqp;
  if (!eqp.Prepare(db, sql).ok()) return out;
  for (int i = 1; i <= sqlite3_bind_parameter_count(stmt); ++i) {
    // Parameters only change key values, not whether there is a key.
    eqp.BindNull(i);
  }
  while (eqp.Step()) {
    std::string detail = eqp.ColumnText(3);
    size_t v = detail.find(" VIRTUAL TABLE INDEX ");
    if (detail.rfind("SCAN ", 0) != 0 || v == std::string::npos) continue;
    if (detail.find(":Scan", v) == std::string::npos) continue;
    out.push_back(detail.substr(5, v - 5));
  }
  return out;
}

}  // namespace

std::string WriteQuestion(const std::string& verb, const std::string& table, int64_t items) {
  std::string size = "it must scan the whole table to find the rows";
  if (items >= 0) {
    size += " (about " + str::Plural(static_cast<uint64_t>(items), "item") +
            ", DynamoDB's estimate); every matching item is " +
            (verb == "DELETE" ? "deleted" : "written");
  }
  return verb + " of " + table + " has no key condition: " + size + ". Run it? [y/N] ";
}

bool ConfirmWrite(sqlite3* db, sqlite3_stmt* stmt, vtab::ModuleContext* ctx, std::FILE* answers) {
  if (sqlite3_stmt_readonly(stmt)) return true;
  std::string verb = FirstKeyword(sqlite3_sql(stmt));
  if (verb != "UPDATE" && verb != "DELETE") return true;
  for (const std::string& table : ScannedTables(db, stmt)) {
    dynamodb::TableDescription desc;
    bool described =
        ctx->connection().dynamodb().DescribeTable(ctx->DynamoNameOf(table), &desc).ok();
    std::fprintf(
        stderr, "%s",
        WriteQuestion(verb, table, described ? std::max<int64_t>(desc.item_count, 0) : -1).c_str());
    std::fflush(stderr);
    if (!ReadYesNo(answers)) return false;
  }
  return true;
}

namespace {
volatile std::sig_atomic_t g_answer_interrupted = 0;  // set by the prompt's SIGINT handler
void OnAnswerSigint(int) { g_answer_interrupted = 1; }
}  // namespace

bool ReadYesNo(std::FILE* answers) {
  if (answers != stdin || !isatty(STDIN_FILENO)) {
    char answer[16] = {0};
    if (!std::fgets(answer, sizeof(answer), answers)) return false;
    return answer[0] == 'y' || answer[0] == 'Y';
  }
  // Line mode with echo, whatever the line editor left behind; Ctrl-C
  // answers no.
  struct termios saved {};
  bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    struct termios line = saved;
    line.c_lflag |= ICANON | ECHO | ISIG;
    tcsetattr(STDIN_FILENO, TCSANOW, &line);
  }
  struct sigaction sa {};
  struct sigaction old {};
  sa.sa_handler = OnAnswerSigint;
  sigemptyset(&sa.sa_mask);
  g_answer_interrupted = 0;
  sigaction(SIGINT, &sa, &old);
  std::string answer;
  bool got = false;
  for (;;) {
    // The signal may land on any thread: look at the flag every 100 ms.
    struct pollfd p {
      STDIN_FILENO, POLLIN, 0
    };
    int ready = poll(&p, 1, 100);
    if (g_answer_interrupted || (ready < 0 && errno != EINTR)) break;
    if (ready <= 0) continue;
    char c = 0;
    ssize_t n = read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of input or an error: no
    if (c == '\n') {
      got = true;
      break;
    }
    if (answer.size() < 16) answer.push_back(c);
  }
  sigaction(SIGINT, &old, nullptr);
  if (tty) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  if (!got) std::fputs("\n", stderr);
  return got && !answer.empty() && (answer[0] == 'y' || answer[0] == 'Y');
}

}  // namespace ddb::shell
