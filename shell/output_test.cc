// Output modes are checked byte for byte against the sqlite3 3.40 shell: each
// case is a small script (dot-commands and SQL) that runs through
// /usr/bin/sqlite3 and through a minimal script runner built on output.h.
// The sqlite3 output is also kept under tests/golden/output/, so the
// comparison still runs where that sqlite3 is not installed; regenerate the
// files with DDBSQL_UPDATE_GOLDEN=1 on a machine that has sqlite3 3.40.
#include "shell/output.h"

#include <sqlite3.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/emulators.h"

#ifndef DDBSQL_SOURCE_DIR
#define DDBSQL_SOURCE_DIR "."
#endif

namespace ddb::shell {
namespace {

#ifndef DDBSQL_TEST_SQLITE3
#define DDBSQL_TEST_SQLITE3 "/usr/bin/sqlite3"
#endif
constexpr char kSqlite3[] = DDBSQL_TEST_SQLITE3;

// Values that trip up quoting, escaping, number formatting and width
// computation.
constexpr char kTrickyTable[] = R"sql(CREATE TABLE t(a, b);
INSERT INTO t VALUES(NULL, '');
INSERT INTO t VALUES('a,b', 'q"u''o');
INSERT INTO t VALUES('line1' || char(10) || 'line2', 'cr' || char(13) || 'x');
INSERT INTO t VALUES('crlf' || char(13, 10) || 'next', 'trail' || char(10));
INSERT INTO t VALUES('tab' || char(9) || 'x', ' lead trail ');
INSERT INTO t VALUES('日本語', '😀');
INSERT INTO t VALUES('e' || char(769), 9223372036854775807);
INSERT INTO t VALUES(-9223372036854775808, 0.1);
INSERT INTO t VALUES(1e300, -0.0);
INSERT INTO t VALUES(1.0, 3.0e-5);
INSERT INTO t VALUES(123456789012345678.0, '12345678901234567890123456789012345678');
INSERT INTO t VALUES(x'00410042', x'ff80fe');
INSERT INTO t VALUES('{"a":[1,2],"b":"x\"y"}', x'');
INSERT INTO t VALUES(1e999, -1e999);
INSERT INTO t VALUES(0.30000000000000004, 1/3.0);
INSERT INTO t VALUES(char(1, 27, 127, 8, 12), 'x\y');
INSERT INTO t VALUES('<b>&amp;</b>', '!#$%&()*+-./:;<=>?@[]^_`{|}~');
INSERT INTO t VALUES(CAST(x'610062' AS TEXT), x'80');
INSERT INTO t VALUES('it''s' || char(10) || '\n and \012', 'a' || char(13, 10) || 'b\r');
INSERT INTO t VALUES(4611686018427388928.0, 9223372036854775808.0);
INSERT INTO t VALUES(-1.5e-300, 2e-310);
INSERT INTO t VALUES(42, 'NULL');
INSERT INTO t VALUES(x'0a0d09', 'ünïcödé ✓');
)sql";

// Long values for wrapping in the columnar modes.
constexpr char kLongTable[] = R"sql(CREATE TABLE w(id INTEGER, txt TEXT);
INSERT INTO w VALUES(1, 'The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs. How vexingly quick daft zebras jump!');
INSERT INTO w VALUES(2, 'Supercalifragilisticexpialidocious_Supercalifragilisticexpialidocious_Supercalifragilisticexpialidocious');
INSERT INTO w VALUES(3, 'a-b_c.d/e:f;g,h a-b_c.d/e:f;g,h a-b_c.d/e:f;g,h a-b_c.d/e:f;g,h a-b_c.d/e:f;g,h a-b_c.d/e:f;g,h');
INSERT INTO w VALUES(4, '日本語のテキストはとても長いです。日本語のテキストはとても長いです。日本語のテキストはとても長いです。日本語のテキストはとても長いです。');
INSERT INTO w VALUES(5, 'col1' || char(9) || 'col2' || char(9) || char(9) || 'col3 and a long tail that goes past sixty characters' || char(9) || 'x');
INSERT INTO w VALUES(6, 'short');
INSERT INTO w VALUES(7, 'two' || char(10) || 'lines, the second one being considerably longer than sixty characters in total');
INSERT INTO w VALUES(8, NULL);
)sql";

// A statement that fails after two rows.
constexpr char kFailing[] =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<5) "
    "SELECT CASE WHEN x<3 THEN x ELSE abs(-9223372036854775807-1) END AS v FROM c;\n";

// Statements with awkward column names.
constexpr char kNames[] =
    "SELECT 1 AS \"x\"\"y\", 2 AS \"a b\", 3 AS \"日本\", 4 AS \"\", "
    "5 AS \"a_rather_long_column_name\", 6 AS \"nl\nname\", 7 AS \"select\", 8 AS \"_ok9\", "
    "9 AS \"<&>\", 10 AS \"q'uote\";\n";

// Several statements in one run, two on one line, with and without results.
constexpr char kMulti[] =
    "SELECT 1 AS x; SELECT 2 AS y, 'two' AS z;\n"
    "CREATE TABLE z(q);\n"
    "SELECT * FROM t WHERE 0;\n"
    "SELECT a FROM t LIMIT 3;\n"
    "SELECT 3;\n";

// EXPLAIN listings (with loops, coroutines, triggers) and query plans, which
// sqlite3 prints in their own format whatever the mode.
constexpr char kExplain[] = R"sql(CREATE TABLE p(a INTEGER PRIMARY KEY, b, c UNIQUE);
CREATE TABLE q(x REFERENCES p(a) ON DELETE CASCADE, y);
CREATE INDEX qy ON q(y);
CREATE TABLE log(m);
CREATE TRIGGER tr AFTER INSERT ON p BEGIN INSERT INTO log SELECT new.b FROM q WHERE y=new.a; END;
EXPLAIN INSERT INTO p VALUES(1,2,3) ON CONFLICT(c) DO UPDATE SET b=excluded.b;
EXPLAIN SELECT a, sum(b) OVER (PARTITION BY c ORDER BY a) FROM p;
EXPLAIN WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r WHERE n<10) SELECT * FROM r;
EXPLAIN SELECT DISTINCT b, 'a rather long string constant' FROM p WHERE EXISTS (SELECT 1 FROM q WHERE x=a) ORDER BY 1 LIMIT 5;
EXPLAIN INSERT INTO log SELECT b FROM (SELECT b FROM p ORDER BY c LIMIT 3) UNION SELECT y FROM q;
EXPLAIN QUERY PLAN SELECT * FROM p LEFT JOIN q ON x=a WHERE y IN (1,2,3) OR b IS NULL;
EXPLAIN QUERY PLAN WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r WHERE n<10) SELECT * FROM r, p WHERE a=n;
EXPLAIN QUERY PLAN SELECT b FROM p UNION SELECT y FROM q EXCEPT SELECT m FROM log ORDER BY 1;
EXPLAIN QUERY PLAN SELECT * FROM json_each('[1]') j, p WHERE j.key=p.a;
/* not recognised as EXPLAIN by sqlite3 */ EXPLAIN SELECT 1;
  EXPLAIN QUERY PLAN SELECT 1;
)sql";

// A fixed pseudo-random table of awkward text for the wrapping code: spaces,
// punctuation, tabs, line breaks, control and multi-byte characters.
std::string RandomTableScript() {
  static const char* const kPieces[] = {"a",     "b",
                                        "c",     "xyz",
                                        "Word",  "0",
                                        "42",    " ",
                                        " ",     "  ",
                                        "_",     "-",
                                        ".",     ",",
                                        "'",     "\"",
                                        "\\",    "/",
                                        "\t",    "\n",
                                        "\r",    "\r\n",
                                        "\x01",  "\x7f",
                                        "é",     "e\xcc\x81",
                                        "日",    "本",
                                        "😀",     "\xe2\x80\x8b",
                                        "ß",     "longerwordwithoutbreaks",
                                        "word ", "         "};
  uint32_t state = 12345;
  auto next = [&state](uint32_t n) {
    state = state * 1103515245u + 12345u;
    return (state >> 8) % n;
  };
  std::string script = "CREATE TABLE r(a, b, c);\n";
  for (int row = 0; row < 14; ++row) {
    script += "INSERT INTO r VALUES(";
    for (int col = 0; col < 3; ++col) {
      if (col > 0) script += ", ";
      if (next(10) == 0) {
        script += "NULL";
        continue;
      }
      static const uint32_t kLengths[] = {0, 1, 3, 8, 15, 25};
      uint32_t len = kLengths[next(6)];
      std::string text;
      for (uint32_t i = 0; i < len; ++i)
        text += kPieces[next(sizeof(kPieces) / sizeof(kPieces[0]))];
      // Spelled as a blob cast to text so control bytes survive the script.
      static const char kHex[] = "0123456789abcdef";
      script += "CAST(x'";
      for (unsigned char ch : text) {
        script += kHex[ch >> 4];
        script += kHex[ch & 15];
      }
      script += "' AS TEXT)";
    }
    script += ");\n";
  }
  return script;
}

struct Case {
  std::string name;   // also the golden file's name
  std::string flags;  // sqlite3 command-line flags
  std::string script;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// ---------------------------------------------------------------------------
// Running sqlite3

std::string ReadAll(std::FILE* f) {
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  return out;
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char name[] = "/tmp/ddbsql_output_test_XXXXXX";
    int fd = mkstemp(name);
    if (fd < 0) return;
    path_ = name;
    size_t off = 0;
    while (off < content.size()) {
      ssize_t n = write(fd, content.data() + off, content.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    close(fd);
  }
  ~TempFile() {
    if (!path_.empty()) unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The sqlite3 shell's stdout for `script`, or nullopt if it cannot run.
std::optional<std::string> RunSqlite3(const std::string& flags, const std::string& script) {
  TempFile input(script);
  if (input.path().empty()) return std::nullopt;
  std::string command =
      std::string(kSqlite3) + " -batch " + flags + " :memory: < " + input.path() + " 2>/dev/null";
  std::FILE* p = popen(command.c_str(), "r");
  if (!p) return std::nullopt;
  std::string out = ReadAll(p);
  pclose(p);
  return out;
}

// True when /usr/bin/sqlite3 is the version the goldens describe.
bool LiveSqlite3Usable() {
  static const bool usable = [] {
    if (access(kSqlite3, X_OK) != 0) return false;
    std::FILE* p = popen((std::string(kSqlite3) + " -version 2>/dev/null").c_str(), "r");
    if (!p) return false;
    std::string v = ReadAll(p);
    pclose(p);
    return v.rfind("3.40.", 0) == 0;
  }();
  return usable;
}

// ---------------------------------------------------------------------------
// A minimal sqlite3-like script runner over output.h

// Splits a dot-command line into words: whitespace separated, "double
// quoted" words get backslash escapes resolved, 'single quoted' are literal.
std::vector<std::string> SplitDotCommand(const std::string& line) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= line.size()) break;
    std::string word;
    char q = line[i];
    if (q == '"' || q == '\'') {
      ++i;
      while (i < line.size() && line[i] != q) {
        if (q == '"' && line[i] == '\\' && i + 1 < line.size()) {
          char c = line[++i];
          switch (c) {
            case 't':
              word += '\t';
              break;
            case 'n':
              word += '\n';
              break;
            case 'r':
              word += '\r';
              break;
            default:
              word += c;
          }
          ++i;
          continue;
        }
        word += line[i++];
      }
      ++i;
    } else {
      while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) {
        word += line[i++];
      }
    }
    words.push_back(word);
  }
  return words;
}

class MiniShell {
 public:
  MiniShell() {
    sqlite3_open(":memory:", &db_);
    out_ = open_memstream(&buf_, &len_);
    err_ = open_memstream(&err_buf_, &err_len_);
  }
  ~MiniShell() {
    if (out_) std::fclose(out_);
    if (err_) std::fclose(err_);
    std::free(buf_);
    std::free(err_buf_);
    sqlite3_close(db_);
  }
  MiniShell(const MiniShell&) = delete;
  MiniShell& operator=(const MiniShell&) = delete;

  // Command-line flags as sqlite3 takes them (the few the cases use).
  void ApplyFlags(const std::string& flags) {
    std::vector<std::string> words = SplitDotCommand(flags);
    for (size_t i = 0; i < words.size(); ++i) {
      std::string w = words[i].substr(1);
      Mode m;
      if (w == "header") {
        s_.headers = true;
        s_.headers_set = true;
      } else if (w == "noheader") {
        s_.headers = false;
        s_.headers_set = true;
      } else if (w == "nullvalue" && i + 1 < words.size()) {
        s_.null_value = words[++i];
      } else if (w == "separator" && i + 1 < words.size()) {
        s_.column_separator = words[++i];
      } else if (w == "newline" && i + 1 < words.size()) {
        s_.row_separator = words[++i];
      } else if (ParseMode(w, &m)) {
        SetModeFromFlag(&s_, m);
      } else {
        ADD_FAILURE() << "test runner does not know flag " << words[i];
      }
    }
  }

  // Runs `script` the way sqlite3 reads it: a line starting with "." (with
  // no SQL pending) is a dot-command, other lines accumulate until they form
  // complete SQL, which then runs statement by statement, stopping at the
  // first error.
  void RunScript(const std::string& script) {
    std::string pending;
    std::istringstream in(script);
    std::string line;
    while (std::getline(in, line)) {
      if (pending.empty() && !line.empty() && line[0] == '.') {
        DotCommand(line);
        continue;
      }
      pending += line;
      pending += '\n';
      if (sqlite3_complete(pending.c_str())) {
        RunSql(pending);
        pending.clear();
      }
    }
  }

  std::string Output() {
    std::fflush(out_);
    return std::string(buf_, len_);
  }
  std::string Errors() {
    std::fflush(err_);
    return std::string(err_buf_, err_len_);
  }
  OutputSettings& settings() { return s_; }
  sqlite3* db() { return db_; }
  std::FILE* out() { return out_; }

  void RunSql(const std::string& sql) {
    const char* tail = sql.c_str();
    while (*tail) {
      sqlite3_stmt* stmt = nullptr;
      const char* next = nullptr;
      if (sqlite3_prepare_v2(db_, tail, -1, &stmt, &next) != SQLITE_OK) return;
      tail = next;
      if (!stmt) continue;  // whitespace or a comment
      int rc = RenderResults(stmt, s_, out_);
      sqlite3_finalize(stmt);
      if (rc != SQLITE_DONE) return;
    }
  }

 private:
  void DotCommand(const std::string& line) {
    std::vector<std::string> w = SplitDotCommand(line.substr(1));
    if (w.empty()) return;
    std::vector<std::string> args(w.begin() + 1, w.end());
    if (w[0] == "mode") {
      RunModeCommand(&s_, args, out_, err_);
    } else if (w[0] == "headers") {
      s_.headers = !args.empty() && args[0] == "on";
      s_.headers_set = true;
    } else if (w[0] == "nullvalue") {
      s_.null_value = args.empty() ? "" : args[0];
    } else if (w[0] == "separator") {
      if (!args.empty()) s_.column_separator = args[0];
      if (args.size() > 1) s_.row_separator = args[1];
    } else if (w[0] == "width") {
      s_.widths.clear();
      for (const std::string& a : args) s_.widths.push_back(std::atoi(a.c_str()));
    } else {
      ADD_FAILURE() << "test runner does not know ." << w[0];
    }
  }

  sqlite3* db_ = nullptr;
  OutputSettings s_;
  std::FILE* out_ = nullptr;
  std::FILE* err_ = nullptr;
  char* buf_ = nullptr;
  size_t len_ = 0;
  char* err_buf_ = nullptr;
  size_t err_len_ = 0;
};

// Shows where two outputs part, with bytes escaped so they can be read.
std::string Escaped(std::string_view s) {
  std::string out;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      out += "\\n\n";
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out;
}

std::string Difference(const std::string& ours, const std::string& theirs) {
  size_t i = 0;
  while (i < ours.size() && i < theirs.size() && ours[i] == theirs[i]) ++i;
  size_t from = i > 200 ? i - 200 : 0;
  return "outputs differ at byte " + std::to_string(i) + "\n--- ours from byte " +
         std::to_string(from) + ":\n" + Escaped(ours.substr(from, 400)) +
         "\n--- sqlite3 from byte " + std::to_string(from) + ":\n" +
         Escaped(theirs.substr(from, 400));
}

// ---------------------------------------------------------------------------
// The cases

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  const std::string tricky = kTrickyTable;
  const std::string all = tricky + kLongTable;
  const char* flag_modes[] = {"list",  "csv",  "tabs",     "ascii", "json", "line",
                              "quote", "html", "markdown", "table", "box",  "column"};
  for (const char* m : flag_modes) {
    cases.push_back(
        {std::string("flag_") + m, std::string("-") + m, tricky + "SELECT * FROM t;\n"});
    cases.push_back({std::string("flag_") + m + "_header", std::string("-") + m + " -header",
                     tricky + "SELECT * FROM t;\n"});
  }
  const char* dot_modes[] = {"list",     "csv",   "tabs", "ascii",  "json",  "line",
                             "quote",    "html",  "tcl",  "insert", "count", "off",
                             "markdown", "table", "box",  "column", "qbox"};
  for (const char* m : dot_modes) {
    cases.push_back({std::string("dot_") + m, "",
                     tricky + ".mode " + m +
                         "\nSELECT * FROM t;\n.headers on\n.nullvalue N/A\n"
                         "SELECT * FROM t;\n"});
    cases.push_back({std::string("separator_") + m, "",
                     tricky + ".mode " + m +
                         "\n.separator \";\" \"~\\n\"\n.headers on\nSELECT * FROM t LIMIT 3;\n"
                         ".separator \"\" \"\"\nSELECT * FROM t LIMIT 3;\n" +
                         ".separator \"a,b\" \"\\r\\n\"\nSELECT * FROM t;\n"});
    cases.push_back(
        {std::string("names_") + m, "-header", std::string(".mode ") + m + "\n" + kNames});
    cases.push_back({std::string("multi_") + m, "-header", tricky + ".mode " + m + "\n" + kMulti});
    cases.push_back({std::string("error_") + m, "-header",
                     std::string(".mode ") + m + "\n" + kFailing + "SELECT 'after';\n"});
    cases.push_back({std::string("long_") + m, "-header",
                     std::string(kLongTable) + ".mode " + m + "\nSELECT * FROM w;\n"});
  }
  // Insert mode: table names and column lists.
  cases.push_back({"insert_tables", "",
                   tricky + ".mode insert \"my tab\"\nSELECT * FROM t LIMIT 2;\n"
                            ".headers on\n.mode insert select\nSELECT a AS \"x\"\"y\", b FROM t "
                            "LIMIT 2;\n.mode insert _Ok_1\nSELECT 1 AS a;\n.mode insert 1ab\n"
                            "SELECT 1 AS a;\n.mode insert \"\"\nSELECT 1 AS a;\n"
                            ".mode insert \"a'b\"\nSELECT 1 AS a;\n.mode insert x$y\n"
                            "SELECT 1 AS a;\n.mode\nSELECT 1 AS a;\n"});
  // .width: fixed, right-aligned (negative), narrower than the data (wraps).
  for (const char* m : {"column", "table", "box", "markdown"}) {
    cases.push_back({std::string("width_") + m, "",
                     all + ".mode " + m +
                         "\n.width 5 -8\nSELECT * FROM t;\n.width 0 -30\n"
                         "SELECT * FROM w;\n.width 3 4 -2\nSELECT a, b, "
                         "length(b) FROM t;\n.width -12\nSELECT 1 AS a, 'xx' "
                         "AS b;\n"});
  }
  // Wrapping options.
  cases.push_back({"wrap_options", "",
                   all + ".mode box --wrap 20 --ww\nSELECT * FROM w;\n"
                         ".mode table --wrap 10\nSELECT * FROM w;\n"
                         ".mode column --wordwrap on --wrap 15\nSELECT * FROM w;\n"
                         ".mode markdown --wrap 7\nSELECT * FROM t;\n"
                         ".mode qbox --wrap 12\nSELECT * FROM t;\n"
                         ".mode box -wrap 0x10 --quote\nSELECT * FROM w;\n"
                         ".mode box --wrap -9 --wordwrap 1\nSELECT * FROM w;\n"
                         ".mode column --wrap 1\nSELECT * FROM t;\n"
                         ".mode box --wrap 3 --ww\nSELECT * FROM w;\n"});
  // `.mode` itself: prefixes, printing the current mode, options, errors.
  cases.push_back({"mode_command", "",
                   ".mode\n.mode box\n.mode\n.mode l\nSELECT 1 AS a, 2 AS b;\n.mode c\n"
                   "SELECT 1 AS a;\n.mode t\nSELECT 1 AS a;\n.mode tab\nSELECT 1 AS a, 2 AS b;\n"
                   ".mode\nSELECT 1 AS a, 2 AS b;\n.mode tabl\nSELECT 1 AS a;\n.mode cs\n.mode\n"
                   ".mode qbox --ww\n.mode\n.mode --wrap 5\n.mode\n.mode qb\n.mode LIST\n.mode\n"
                   ".mode insert a b\n.mode\n.mode box --bogus\n.mode\n"
                   ".mode box --wordwrap maybe\n.mode\n.mode box --wrap 2KiB\n.mode\n"
                   ".mode list --wrap\n.mode\n.mode cou\nSELECT 1 UNION ALL SELECT 2;\n"
                   ".mode o\nSELECT 1;\n.mode j\nSELECT 1 AS a;\n"});
  // .mode column turns headers on unless they were set explicitly.
  cases.push_back({"column_headers_default", "",
                   ".mode column\nSELECT 1 AS a;\n.mode list\n"
                   "SELECT 2 AS b;\n"});
  cases.push_back({"column_headers_explicit", "", ".headers off\n.mode column\nSELECT 1 AS a;\n"});
  cases.push_back({"column_headers_noheader_flag", "-noheader", ".mode column\nSELECT 1 AS a;\n"});
  cases.push_back({"explain_list", "", std::string(".nullvalue NIL\n") + kExplain});
  cases.push_back({"explain_box", "-box -header", kExplain});
  const std::string random = RandomTableScript();
  cases.push_back({"random_columnar", "-header",
                   random + ".mode box\nSELECT * FROM r;\n.mode table --wrap 9 --ww\n"
                            "SELECT * FROM r;\n.mode column --wrap 13\nSELECT * FROM r;\n"
                            ".mode markdown --wrap 4 --wordwrap on\nSELECT * FROM r;\n"
                            ".mode qbox --wrap 11 --ww\nSELECT * FROM r;\n.width 7 -5 0\n"
                            ".mode box\nSELECT * FROM r;\n"});
  cases.push_back({"random_streaming", "-header",
                   random + ".mode csv\nSELECT * FROM r;\n.mode json\nSELECT * FROM r;\n"
                            ".mode line\nSELECT * FROM r;\n.mode insert r2\nSELECT * FROM r;\n"
                            ".mode tcl\nSELECT * FROM r;\n.mode html\nSELECT * FROM r;\n"
                            ".mode quote\nSELECT * FROM r;\n"});
  // Flags combined with other flags and dot-commands.
  cases.push_back({"flag_csv_then_list", "-csv -list", tricky + "SELECT * FROM t;\n"});
  cases.push_back({"flag_ascii_then_box", "-ascii -box", tricky + "SELECT * FROM t;\n"});
  cases.push_back({"flag_nullvalue_separator", "-separator ';' -nullvalue '(null)' -header",
                   tricky + "SELECT * FROM t;\n.mode csv\nSELECT * FROM t;\n"});
  cases.push_back({"flag_csv_mode_reset", "-csv",
                   tricky + "SELECT a FROM t LIMIT 2;\n.mode\n"
                            "SELECT a FROM t LIMIT 2;\n"});
  return cases;
}

class OutputModeTest : public ::testing::TestWithParam<Case> {};

TEST_P(OutputModeTest, MatchesSqlite3) {
  const Case& c = GetParam();
  MiniShell shell;
  shell.ApplyFlags(c.flags);
  shell.RunScript(c.script);
  std::string ours = shell.Output();

  std::string golden_path =
      std::string(DDBSQL_SOURCE_DIR) + "/tests/golden/output/" + c.name + ".out";
  std::optional<std::string> live;
  if (LiveSqlite3Usable()) live = RunSqlite3(c.flags, c.script);
  const char* update = std::getenv("DDBSQL_UPDATE_GOLDEN");
  if (live && update && std::strcmp(update, "1") == 0) {
    std::ofstream(golden_path, std::ios::binary) << *live;
  }
  std::optional<std::string> golden = ReadFile(golden_path);
  bool compared = false;
  if (live) {
    EXPECT_TRUE(ours == *live) << "against " << kSqlite3 << "\n" << Difference(ours, *live);
    compared = true;
  }
  if (golden) {
    // The goldens pin what libsqlite3 3.40 turns numbers into.
    if (sqlite3_libversion_number() / 1000 == 3040) {
      EXPECT_TRUE(ours == *golden) << "against " << golden_path << "\n"
                                   << Difference(ours, *golden);
      compared = true;
    }
  } else {
    ADD_FAILURE() << golden_path << " is missing; run with DDBSQL_UPDATE_GOLDEN=1";
  }
  // Neither a sqlite3 3.40 shell nor libsqlite3 3.40: nothing was compared,
  // which must not pass as a success (setup installs both).
  REQUIRE_INSTALLED(compared, "sqlite3 3.40 (the shell at " + std::string(kSqlite3) +
                                  " or the library, to compare " + c.name + " with)");
}

INSTANTIATE_TEST_SUITE_P(Modes, OutputModeTest, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                           return param_info.param.name;
                         });

// ---------------------------------------------------------------------------
// API details that the scripts do not reach

TEST(ParseModeTest, NamesAndPrefixes) {
  Mode m;
  struct {
    const char* name;
    Mode mode;
  } ok[] = {{"l", Mode::kLine},     {"lines", Mode::kLine},     {"lis", Mode::kList},
            {"c", Mode::kColumn},   {"columns", Mode::kColumn}, {"cs", Mode::kCsv},
            {"t", Mode::kTcl},      {"tab", Mode::kTabs},       {"tabl", Mode::kTable},
            {"q", Mode::kQuote},    {"qbox", Mode::kBox},       {"j", Mode::kJson},
            {"m", Mode::kMarkdown}, {"b", Mode::kBox},          {"a", Mode::kAscii},
            {"i", Mode::kInsert},   {"h", Mode::kHtml},         {"cou", Mode::kCount},
            {"o", Mode::kOff}};
  for (const auto& c : ok) {
    ASSERT_TRUE(ParseMode(c.name, &m)) << c.name;
    EXPECT_EQ(m, c.mode) << c.name;
  }
  for (const char* bad : {"", "LIST", "Csv", "x", "list1", "qb", "boxes"}) {
    EXPECT_FALSE(ParseMode(bad, &m)) << bad;
  }
  for (Mode each : {Mode::kList, Mode::kCsv, Mode::kTabs, Mode::kJson, Mode::kLine, Mode::kQuote,
                    Mode::kInsert, Mode::kHtml, Mode::kMarkdown, Mode::kTable, Mode::kBox,
                    Mode::kColumn, Mode::kAscii, Mode::kTcl, Mode::kCount, Mode::kOff}) {
    ASSERT_TRUE(ParseMode(ModeName(each), &m)) << ModeName(each);
    EXPECT_EQ(m, each);
  }
}

TEST(SetModeTest, SeparatorsAndOptions) {
  OutputSettings s;
  SetMode(&s, Mode::kCsv);
  EXPECT_EQ(s.column_separator, ",");
  EXPECT_EQ(s.row_separator, "\r\n");
  SetMode(&s, Mode::kBox);
  EXPECT_EQ(s.wrap, 60);
  EXPECT_EQ(DescribeMode(s), "box --wrap 60 --wordwrap off --noquote");
  EXPECT_EQ(s.column_separator, ",");  // box keeps the separators
  SetMode(&s, Mode::kInsert, "my table");
  EXPECT_EQ(s.insert_table, "\"my table\"");
  SetMode(&s, Mode::kInsert);
  EXPECT_EQ(s.insert_table, "\"table\"");
  SetMode(&s, Mode::kInsert, "items");
  EXPECT_EQ(s.insert_table, "items");
  SetMode(&s, Mode::kTabs);
  EXPECT_EQ(s.column_separator, "\t");
  EXPECT_EQ(DescribeMode(s), "list");

  OutputSettings f;
  SetModeFromFlag(&f, Mode::kCsv);
  EXPECT_EQ(f.column_separator, ",");
  EXPECT_EQ(f.row_separator, "\n");
  SetModeFromFlag(&f, Mode::kBox);
  EXPECT_EQ(f.wrap, 0);
  EXPECT_EQ(QuoteInsertTable("order"), "\"order\"");
  EXPECT_EQ(QuoteInsertTable("a\"b"), "\"a\"\"b\"");
}

TEST(RunModeCommandTest, ErrorsGoToErrAndReturnOne) {
  MiniShell shell;
  std::FILE* err = std::tmpfile();
  ASSERT_NE(err, nullptr);
  OutputSettings& s = shell.settings();
  EXPECT_EQ(RunModeCommand(&s, {"nonsense"}, shell.out(), err), 1);
  EXPECT_EQ(RunModeCommand(&s, {"insert", "a", "b"}, shell.out(), err), 1);
  EXPECT_EQ(RunModeCommand(&s, {"insert", "a", "--zap"}, shell.out(), err), 1);
  EXPECT_EQ(s.mode, Mode::kList);
  EXPECT_EQ(RunModeCommand(&s, {"box", "--wordwrap", "perhaps"}, shell.out(), err), 0);
  EXPECT_EQ(s.mode, Mode::kBox);
  EXPECT_FALSE(s.word_wrap);
  std::rewind(err);
  std::string text = ReadAll(err);
  std::fclose(err);
  EXPECT_EQ(text,
            "Error: mode should be one of: ascii box column csv html insert json line list "
            "markdown qbox quote table tabs tcl\n"
            "extra argument: \"b\"\n"
            "unknown option: --zap\noptions:\n  --noquote\n  --quote\n  --wordwrap on/off\n"
            "  --wrap N\n  --ww\n"
            "ERROR: Not a boolean value: \"perhaps\". Assuming \"no\".\n");
}

// Renders `sql` (one statement) with `s` into a string.
std::string Render(MiniShell* shell, const std::string& sql, const OutputSettings& s,
                   int* rc = nullptr, const std::function<bool()>& on_row = {}) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* out = open_memstream(&buf, &len);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(shell->db(), sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(shell->db());
  int result = RenderResults(stmt, s, out, on_row);
  sqlite3_finalize(stmt);
  std::fclose(out);
  std::string text(buf, len);
  std::free(buf);
  if (rc) *rc = result;
  return text;
}

TEST(RenderResultsTest, NoColumnsPrintsNothing) {
  MiniShell shell;
  OutputSettings s;
  for (Mode m : {Mode::kList, Mode::kJson, Mode::kBox, Mode::kCount, Mode::kLine}) {
    SetMode(&s, m);
    s.headers = true;
    int rc = 0;
    EXPECT_EQ(Render(&shell, "CREATE TABLE IF NOT EXISTS x(a)", s, &rc), "");
    EXPECT_EQ(rc, SQLITE_DONE);
    EXPECT_EQ(Render(&shell, "SELECT * FROM x", s, &rc), "");
    EXPECT_EQ(rc, SQLITE_DONE);
  }
}

TEST(RenderResultsTest, ErrorKeepsPrintedRowsAndReturnsRc) {
  MiniShell shell;
  OutputSettings s;
  SetMode(&s, Mode::kJson);
  int rc = 0;
  std::string text = Render(&shell, kFailing, s, &rc);
  EXPECT_EQ(rc, SQLITE_ERROR);
  EXPECT_EQ(text, "[{\"v\":1},\n{\"v\":2}]\n");
  EXPECT_STREQ(sqlite3_errmsg(shell.db()), "integer overflow");
}

TEST(RenderResultsTest, OnRowStopsWithInterrupt) {
  MiniShell shell;
  const std::string series =
      "WITH RECURSIVE c(v) AS (SELECT 1 UNION ALL SELECT v+1 FROM c WHERE v<100) SELECT v FROM c";
  OutputSettings s;
  int calls = 0;
  auto stop_after_two = [&calls] { return ++calls <= 2; };
  int rc = 0;
  std::string text = Render(&shell, series, s, &rc, stop_after_two);
  EXPECT_EQ(rc, SQLITE_INTERRUPT);
  EXPECT_EQ(text, "1\n2\n");
  EXPECT_EQ(calls, 3);

  SetMode(&s, Mode::kJson);
  calls = 0;
  EXPECT_EQ(Render(&shell, series, s, &rc, stop_after_two), "[{\"v\":1},\n{\"v\":2}]\n");
  EXPECT_EQ(rc, SQLITE_INTERRUPT);

  // Buffered modes drop the table, as sqlite3 does after Ctrl-C.
  SetMode(&s, Mode::kBox);
  calls = 0;
  EXPECT_EQ(Render(&shell, series, s, &rc, stop_after_two), "");
  EXPECT_EQ(rc, SQLITE_INTERRUPT);

  // Called once per row, not per display line of a multi-line row.
  calls = 0;
  Render(&shell, "SELECT 'a' || char(10) || 'b' UNION ALL SELECT 'c'", s, &rc,
         [&calls] { return ++calls > 0; });
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(rc, SQLITE_DONE);
}

// ---------------------------------------------------------------------------
// Terminal niceties (ddbsql's own; never reached by the comparisons above)

constexpr char kWideRow[] =
    "SELECT 'abcdefghijklmnopqrstuvwxyz' AS t, x'000102030405060708090a0b0c0d0e0f' AS b, "
    "'short' AS s, '日本語日本語' AS j";

TEST(TerminalTest, BoxShortensWideCellsAndAbbreviatesBlobs) {
  MiniShell shell;
  OutputSettings s;
  SetMode(&s, Mode::kBox);
  s.headers = true;
  s.terminal = true;
  s.max_cell_width = 10;
  std::string text = Render(&shell, kWideRow, s);
  EXPECT_EQ(text,
            "┌────────────┬────────────┬───────┬───────────┐\n"
            "│     t      │     b      │   s   │     j     │\n"
            "├────────────┼────────────┼───────┼───────────┤\n"
            "│ abcdefghi… │ x'000102…' │ short │ 日本語日… │\n"
            "└────────────┴────────────┴───────┴───────────┘\n");
}

TEST(TerminalTest, WideCharactersCountTwoColumns) {
  MiniShell shell;
  OutputSettings s;
  SetMode(&s, Mode::kTable);
  s.terminal = true;
  std::string text = Render(&shell,
                            "SELECT '日本' AS a UNION ALL SELECT 'abc' UNION ALL "
                            "SELECT 'e' || char(769)",
                            s);
  EXPECT_EQ(text,
            "+------+\n"
            "|  a   |\n"
            "+------+\n"
            "| 日本 |\n"
            "| abc  |\n"
            "| e\xcc\x81    |\n"
            "+------+\n");
}

TEST(TerminalTest, LineModeShortens) {
  MiniShell shell;
  OutputSettings s;
  SetMode(&s, Mode::kLine);
  s.terminal = true;
  s.max_cell_width = 8;
  EXPECT_EQ(Render(&shell, "SELECT 'abcdefghijkl' AS t, x'0102030405' AS b, NULL AS n", s),
            "    t = abcdefg…\n    b = x'0102…'\n    n = \n");
}

TEST(TerminalTest, OtherModesNeverShorten) {
  MiniShell shell;
  OutputSettings plain;
  for (Mode m : {Mode::kCsv, Mode::kJson, Mode::kList, Mode::kInsert, Mode::kQuote, Mode::kHtml,
                 Mode::kTabs, Mode::kAscii, Mode::kTcl}) {
    SetMode(&plain, m);
    plain.headers = true;
    OutputSettings term = plain;
    term.terminal = true;
    term.max_cell_width = 4;
    std::string expected = Render(&shell, kWideRow, plain);
    EXPECT_EQ(Render(&shell, kWideRow, term), expected) << ModeName(m);
    EXPECT_NE(expected.find("abcdefghijklmnopqrstuvwxyz"), std::string::npos) << ModeName(m);
  }
}

TEST(TerminalTest, BoxWiderThanTheTerminalShortensItsWidestColumns) {
  MiniShell shell;
  OutputSettings s;
  SetMode(&s, Mode::kBox);
  s.headers = true;
  s.terminal = true;
  s.terminal_width = 30;
  const char* sql = "SELECT 'k1' AS id, 'a rather long description' AS d, 'abcdefghijklm' AS e";
  std::string text = Render(&shell, sql, s);
  EXPECT_EQ(text,
            "┌────┬───────────┬───────────┐\n"
            "│ id │     d     │     e     │\n"
            "├────┼───────────┼───────────┤\n"
            "│ k1 │ a rather… │ abcdefgh… │\n"
            "└────┴───────────┴───────────┘\n");
  // Every line fits; a wide enough terminal changes nothing.
  OutputSettings wide = s;
  wide.terminal_width = 200;
  OutputSettings unknown = s;
  unknown.terminal_width = 0;
  EXPECT_EQ(Render(&shell, sql, wide), Render(&shell, sql, unknown));
  EXPECT_NE(Render(&shell, sql, wide).find("a rather long description"), std::string::npos);
}

TEST(TerminalTest, WithoutTerminalMaxCellWidthIsIgnored) {
  MiniShell shell;
  OutputSettings s;
  SetMode(&s, Mode::kBox);
  OutputSettings limited = s;
  limited.max_cell_width = 3;
  EXPECT_EQ(Render(&shell, kWideRow, limited), Render(&shell, kWideRow, s));
}

}  // namespace
}  // namespace ddb::shell
