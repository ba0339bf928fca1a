// Result output modes of the ddbsql shell. Every mode renders rows byte for
// byte like the sqlite3 3.40 command-line shell does, so `ddbsql -csv` output
// can be diffed against `sqlite3 -csv` output of the same rows. The only
// deliberate difference is opt-in: OutputSettings::terminal with
// max_cell_width shortens wide cells in the human-facing modes.
//
// Statements are independent: sqlite3 keeps no output state from one
// statement to the next (no blank line between result sets, a JSON array and
// a box per statement, line mode's blank line only between records of one
// statement), so the caller simply calls RenderResults once per statement.
#pragma once

#include <sqlite3.h>

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ddb::shell {

// kTabs renders exactly like kList (sqlite3 has no separate tabs mode: `.mode
// tabs` is list mode with a tab separator). kTcl, kCount and kOff are the
// undocumented sqlite3 modes, kept so scripts that use them behave the same.
enum class Mode {
  kList,
  kCsv,
  kTabs,
  kJson,
  kLine,
  kQuote,
  kInsert,
  kHtml,
  kMarkdown,
  kTable,
  kBox,
  kColumn,
  kAscii,
  kTcl,
  kCount,
  kOff,
};

// Parses a mode name as `.mode` accepts it: any prefix of the full name,
// resolved in sqlite3's order ("l" is line, "c" column, "t" tcl, "tab" tabs,
// "tabl" table), case-sensitive; "qbox" (exact) is kBox, whose quoting the
// caller sets (RunModeCommand does). Returns false if unknown or empty.
bool ParseMode(std::string_view name, Mode* out);

// The mode's canonical name as ParseMode accepts it ("tabs" for kTabs).
const char* ModeName(Mode m);

// True for the modes that buffer the whole result to size their columns.
bool IsColumnar(Mode m);

struct OutputSettings {
  Mode mode = Mode::kList;
  bool headers = false;
  // True once headers were set explicitly (.headers, -header, -noheader):
  // `.mode column` turns headers on only when they were not.
  bool headers_set = false;
  std::string null_value;                                    // .nullvalue
  std::string column_separator = "|", row_separator = "\n";  // .separator
  std::vector<int> widths;                 // .width; negative: right-aligned; columnar modes only
  std::string insert_table = "\"table\"";  // already quoted as sqlite3 quotes it
  // Options of the columnar modes (box/table/column/markdown), as `.mode box
  // --wrap N --wordwrap B --quote` sets them. wrap 0 = never wrap.
  int wrap = 0;
  bool word_wrap = false;
  bool quote = false;  // show values as SQL literals (qbox)
  // Terminal niceties, never in sqlite3: only when `terminal` is true, and
  // only in box/table/column/markdown/line. Widths then count East Asian wide
  // characters as two columns and combining marks as none; with
  // max_cell_width > 0 a longer value is cut to max_cell_width columns ending
  // in "…", and a blob is shown as an abbreviated hex literal (x'0102…').
  // csv/json/list/insert/... output is never shortened.
  bool terminal = false;
  int max_cell_width = 0;
  // With `terminal`, the terminal's width in columns (0: unknown): box,
  // table, column and markdown output wider than this shortens its widest
  // columns (cells cut with "…") until every line fits.
  int terminal_width = 0;
  // `.explain auto`, sqlite3's default: an EXPLAIN statement prints as an
  // indented opcode listing and EXPLAIN QUERY PLAN as a tree, whatever the
  // mode. false (`.explain off`) renders them in the current mode.
  bool auto_explain = true;
};

// Sets the mode as `.mode NAME [TABLE]` does without options: separators
// reset the way sqlite3 resets them (list "|" "\n"; csv "," "\r\n"; tabs "\t";
// quote "," "\n"; ascii 0x1F 0x1E; tcl " " "\n"; line and column "\n" rows),
// columnar modes get --wrap 60 --wordwrap off --noquote (--wrap 0 when
// `terminal`: the box mode ddbsql starts in on a terminal), and insert takes
// `insert_table` (raw name, quoted here; empty means "table").
void SetMode(OutputSettings* s, Mode m, std::string_view insert_table = "");

// Sets the mode as the command-line flag `-NAME` does, which differs from
// `.mode`: -csv sets only the "," separator, -quote "," and "\n", -tabs "\t"
// and "\n", -ascii both ASCII separators, the others keep the separators, and
// columnar flags get --wrap 0.
void SetModeFromFlag(OutputSettings* s, Mode m);

// Quotes a table name for insert mode as sqlite3 does: unchanged if it is a
// plain identifier that is not a keyword, else in double quotes.
std::string QuoteInsertTable(std::string_view name);

// The mode as `.mode` and `.show` print it: "list", "insert",
// "box --wrap 60 --wordwrap off --noquote" (kTabs prints as "list").
std::string DescribeMode(const OutputSettings& s);

// Runs the `.mode` dot-command with `args` (the words after ".mode") exactly
// like sqlite3: options --wrap N, --wordwrap B, --ww, --quote, --noquote,
// "qbox", the insert table, and no mode name meaning "print the current mode
// to `out`, then re-apply it with the given options". Messages and errors go
// to `out` and `err` in sqlite3's words. Returns 0, or 1 on error (settings
// then unchanged except for what sqlite3 also changes).
int RunModeCommand(OutputSettings* s, const std::vector<std::string>& args, std::FILE* out,
                   std::FILE* err);

// Renders every row of `stmt` (prepared, not yet stepped) to `out`, stepping
// it to completion (EXPLAIN statements are stepped twice, as in sqlite3, to
// indent loops). Returns the last sqlite3_step rc: SQLITE_DONE on success,
// else the error (message in sqlite3_errmsg) or SQLITE_INTERRUPT when
// `on_row` returned false. A statement that returns no rows prints nothing.
// Streaming modes print each row as it is stepped; box/table/column/markdown
// buffer the rows and print them when the statement ends, also when it ends
// with an error, like sqlite3. `on_row` (optional) runs before each row is
// rendered; returning false stops like Ctrl-C in sqlite3: what streamed stays
// printed and a JSON array is closed, a buffered table is dropped.
int RenderResults(sqlite3_stmt* stmt, const OutputSettings& s, std::FILE* out,
                  const std::function<bool()>& on_row = {});

}  // namespace ddb::shell
