// Rendering rows in the output modes: the columnar modes (box, column,
// markdown, table, qbox) that measure every row first, the streaming modes
// that print each row as it comes, and EXPLAIN / EXPLAIN QUERY PLAN laid out
// as sqlite3 lays them out. Values are spelled by output_text.cc; modes are
// chosen and described in output_mode.cc.
#include "shell/output.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>

#include "engine/sqlite_util.h"
#include "shell/output_text.h"

namespace ddb::shell {

using namespace text;  // NOLINT: the output files' shared helpers

namespace {

// sqlite3 treats "no wrap" as this many characters.
constexpr int kUnlimitedWidth = 1000000;

const char kBoxVertical[] = "\xe2\x94\x82";        // │
const char kBoxHorizontal[] = "\xe2\x94\x80";      // ─
const char kBoxDownRight[] = "\xe2\x94\x8c";       // ┌
const char kBoxDownLeft[] = "\xe2\x94\x90";        // ┐
const char kBoxUpRight[] = "\xe2\x94\x94";         // └
const char kBoxUpLeft[] = "\xe2\x94\x98";          // ┘
const char kBoxVerticalRight[] = "\xe2\x94\x9c";   // ├
const char kBoxVerticalLeft[] = "\xe2\x94\xa4";    // ┤
const char kBoxDownHorizontal[] = "\xe2\x94\xac";  // ┬
const char kBoxUpHorizontal[] = "\xe2\x94\xb4";    // ┴
const char kBoxCross[] = "\xe2\x94\xbc";           // ┼

// ---------------------------------------------------------------------------
// Columnar modes: cutting values into display lines

// |width|, capped so that absurd .width or --wrap values cannot overflow the
// arithmetic (sqlite3 would try to print billions of spaces).
int ClampedWidth(int width) {
  int64_t w = width < 0 ? -static_cast<int64_t>(width) : width;
  return static_cast<int>(std::min<int64_t>(w, kUnlimitedWidth));
}

// Cuts the first display line off the NUL-terminated `z`, as sqlite3 does for
// box/table/column/markdown: at most `limit` characters, tabs expanded to
// every 8th column, any other control character (or CR LF) ending the line
// and dropped; with `word_wrap` a line cut at the limit backs up to a space
// or word boundary in its second half. *rest is where the next line starts,
// or nullptr when the value is used up.
std::string CutDisplayLine(const unsigned char* z, int limit, bool word_wrap, bool terminal,
                           const unsigned char** rest) {
  limit = ClampedWidth(limit);
  if (limit == 0) limit = kUnlimitedWidth;
  size_t i = 0;
  int n = 0;
  bool full = false;
  while (n < limit) {
    unsigned char c = z[i];
    if (c >= ' ') {
      size_t len = CharLen(z + i);
      int w = terminal ? TerminalCharWidth(z + i, len) : 1;
      if (n > 0 && n + w > limit) {
        full = true;  // a wide character that would not fit
        break;
      }
      n += w;
      i += len;
      continue;
    }
    if (c == '\t') {
      do {
        ++n;
      } while ((n & 7) != 0 && n < limit);
      ++i;
      continue;
    }
    break;
  }
  if (n >= limit) full = true;
  if (full && terminal) {
    // Keep combining marks with the character they belong to.
    while (z[i] >= ' ' && TerminalCharWidth(z + i, CharLen(z + i)) == 0) i += CharLen(z + i);
  }
  size_t end = i;
  if (full && word_wrap) {
    size_t half = i / 2;
    size_t k = i;
    while (k > half && !IsSpaceAscii(z[k - 1])) --k;
    if (k <= half) {
      k = i;
      while (k > half && !(IsAlnumAscii(z[k - 1]) != IsAlnumAscii(z[k]) && !IsContinuation(z[k]))) {
        --k;
      }
    }
    if (k > half) {
      end = k;
      i = k;
      while (z[i] == ' ') ++i;
    }
  }
  if (full && z[i] >= ' ') {
    *rest = z + i;
  } else if (z[i] == '\r' && z[i + 1] == '\n') {
    *rest = z[i + 2] ? z + i + 2 : nullptr;
  } else if (z[i] == 0 || z[i + 1] == 0) {
    *rest = nullptr;
  } else {
    *rest = z + i + 1;
  }
  std::string line;
  line.reserve(end);
  n = 0;
  for (size_t p = 0; p < end;) {
    unsigned char c = z[p];
    if (c >= ' ') {
      size_t len = CharLen(z + p);
      n += terminal ? TerminalCharWidth(z + p, len) : 1;
      line.append(reinterpret_cast<const char*>(z + p), len);
      p += len;
      continue;
    }
    if (c == '\t') {
      do {
        ++n;
        line += ' ';
      } while ((n & 7) != 0 && n < limit);
      ++p;
      continue;
    }
    break;
  }
  return line;
}

class ColumnarPrinter {
 public:
  ColumnarPrinter(sqlite3_stmt* stmt, const OutputSettings& s, std::FILE* out)
      : stmt_(stmt), s_(s), w_(out), ncol_(sqlite3_column_count(stmt)) {}

  // Called with the first row already stepped; returns the final step rc.
  int Run(const std::function<bool()>& on_row) {
    if (ncol_ <= 0) return Drain();
    shorten_ = s_.terminal && s_.max_cell_width > 0;
    for (int i = 0; i < ncol_; ++i) {
      const char* name = sqlite3_column_name(stmt_, i);
      const unsigned char* unused = nullptr;
      cells_.push_back(CutDisplayLine(reinterpret_cast<const unsigned char*>(name ? name : ""),
                                      Limit(i), s_.word_wrap, s_.terminal, &unused));
    }
    std::vector<const unsigned char*> next(ncol_, nullptr);
    std::vector<std::string> owned(ncol_);
    bool more_lines = false;
    int rc = SQLITE_ROW;
    do {
      bool continuing = more_lines;
      more_lines = false;
      if (!continuing && on_row && !on_row()) return SQLITE_INTERRUPT;  // drop, like Ctrl-C
      row_ends_.push_back(true);
      for (int i = 0; i < ncol_; ++i) {
        const unsigned char* z;
        if (continuing) {
          z = next[i] ? next[i] : reinterpret_cast<const unsigned char*>("");
        } else {
          z = Source(i, &owned[i]);
        }
        cells_.push_back(CutDisplayLine(z, Limit(i), s_.word_wrap, s_.terminal, &next[i]));
        if (next[i]) {
          more_lines = true;
          row_ends_.back() = false;
          multi_line_ = true;
        }
      }
    } while (more_lines || (rc = sqlite3_step(stmt_)) == SQLITE_ROW);
    Print();
    return rc;
  }

 private:
  int Drain() {
    int rc;
    while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) {
    }
    return rc;
  }

  int Width(int i) const {
    return i < static_cast<int>(s_.widths.size()) ? s_.widths[static_cast<size_t>(i)] : 0;
  }
  int Limit(int i) const {
    int w = Width(i);
    return w != 0 ? w : s_.wrap;
  }

  // The text a cell starts from; `owned` keeps it alive while its lines are
  // cut (until the next row).
  const unsigned char* Source(int i, std::string* owned) {
    int type = sqlite3_column_type(stmt_, i);
    if (s_.quote) {
      *owned = QuotedColumn(i, type);
    } else if (shorten_ && type == SQLITE_BLOB) {
      *owned = AbbreviatedBlob(sqlite3_column_blob(stmt_, i), sqlite3_column_bytes(stmt_, i),
                               s_.max_cell_width);
      return reinterpret_cast<const unsigned char*>(owned->c_str());
    } else {
      const unsigned char* text = sqlite3_column_text(stmt_, i);
      if (!shorten_) {
        return text ? text : reinterpret_cast<const unsigned char*>(s_.null_value.c_str());
      }
      *owned = text ? reinterpret_cast<const char*>(text) : s_.null_value;
    }
    if (shorten_) *owned = Shorten(*owned, s_.max_cell_width);
    return reinterpret_cast<const unsigned char*>(owned->c_str());
  }

  // A value as an SQL literal (qbox / --quote).
  std::string QuotedColumn(int i, int type) {
    switch (type) {
      case SQLITE_NULL:
        return "NULL";
      case SQLITE_INTEGER:
      case SQLITE_FLOAT:
        return reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
      case SQLITE_TEXT:
        return SqlQuoted(reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i)));
      default:
        if (shorten_) {
          return AbbreviatedBlob(sqlite3_column_blob(stmt_, i), sqlite3_column_bytes(stmt_, i),
                                 s_.max_cell_width);
        }
        return HexBlob(sqlite3_column_blob(stmt_, i), sqlite3_column_bytes(stmt_, i), 'x');
    }
  }

  void Print() {
    std::vector<int> width(static_cast<size_t>(ncol_));
    for (int i = 0; i < ncol_; ++i) width[i] = ClampedWidth(Width(i));
    for (size_t i = 0; i < cells_.size(); ++i) {
      int n = DisplayWidth(cells_[i], s_.terminal);
      size_t j = i % static_cast<size_t>(ncol_);
      if (n > width[j]) width[j] = n;
    }
    width_ = std::move(width);
    FitTerminal();
    std::string col_sep;
    std::string row_sep;
    switch (s_.mode) {
      case Mode::kColumn:
        col_sep = "  ";
        row_sep = "\n";
        if (s_.headers) {
          for (int i = 0; i < ncol_; ++i) {
            PutPadded(cells_[i], width_[i], Width(i) < 0);
            w_.Put(i == ncol_ - 1 ? "\n" : "  ");
          }
          for (int i = 0; i < ncol_; ++i) {
            w_.Repeat("-", width_[i]);
            w_.Put(i == ncol_ - 1 ? "\n" : "  ");
          }
        }
        break;
      case Mode::kTable:
        col_sep = " | ";
        row_sep = " |\n";
        RuleLine("+", "+", "+", "-");
        PutCenteredHeader("| ", " | ", " |\n");
        RuleLine("+", "+", "+", "-");
        break;
      case Mode::kMarkdown:
        col_sep = " | ";
        row_sep = " |\n";
        PutCenteredHeader("| ", " | ", " |\n");
        RuleLine("|", "|", "|", "-");
        break;
      default:  // kBox
        col_sep = std::string(" ") + kBoxVertical + " ";
        row_sep = std::string(" ") + kBoxVertical + "\n";
        RuleLine(kBoxDownRight, kBoxDownHorizontal, kBoxDownLeft, kBoxHorizontal);
        PutCenteredHeader(std::string(kBoxVertical) + " ", col_sep, row_sep);
        RuleLine(kBoxVerticalRight, kBoxCross, kBoxVerticalLeft, kBoxHorizontal);
        break;
    }
    size_t total = cells_.size();
    size_t line = 0;
    for (size_t i = static_cast<size_t>(ncol_); i < total;
         i += static_cast<size_t>(ncol_), ++line) {
      if (s_.mode == Mode::kBox) {
        w_.Put(kBoxVertical);
        w_.Put(' ');
      } else if (s_.mode != Mode::kColumn) {
        w_.Put("| ");
      }
      for (int j = 0; j < ncol_; ++j) {
        PutPadded(cells_[i + static_cast<size_t>(j)], width_[j], Width(j) < 0);
        w_.Put(j == ncol_ - 1 ? row_sep : col_sep);
      }
      bool last_line = i + static_cast<size_t>(ncol_) >= total;
      if (multi_line_ && row_ends_[line] && !last_line) {
        if (s_.mode == Mode::kTable) {
          RuleLine("+", "+", "+", "-");
        } else if (s_.mode == Mode::kBox) {
          RuleLine(kBoxVerticalRight, kBoxCross, kBoxVerticalLeft, kBoxHorizontal);
        } else if (s_.mode == Mode::kColumn) {
          w_.Put('\n');
        }
      }
    }
    if (s_.mode == Mode::kTable) {
      RuleLine("+", "+", "+", "-");
    } else if (s_.mode == Mode::kBox) {
      RuleLine(kBoxUpRight, kBoxUpHorizontal, kBoxUpLeft, kBoxHorizontal);
    }
  }

  // On a terminal, a table wider than the screen would wrap line by line
  // and become unreadable: the widest columns give up a column each until
  // the lines fit (none below kMinFitWidth), and cells longer than their
  // column are cut, ending in "…".
  void FitTerminal() {
    constexpr int kMinFitWidth = 6;
    if (!s_.terminal || s_.terminal_width <= 0 || ncol_ <= 0) return;
    // Box, table and markdown: "│ " + cells joined by " │ " + " │".
    int total = s_.mode == Mode::kColumn ? 2 * (ncol_ - 1) : 3 * ncol_ + 1;
    for (int w : width_) total += w;
    bool cut = false;
    while (total > s_.terminal_width) {
      int widest = -1;
      for (int i = 0; i < ncol_; ++i) {
        if (width_[i] > kMinFitWidth && (widest < 0 || width_[i] > width_[widest])) widest = i;
      }
      if (widest < 0) break;  // as narrow as it gets: let the terminal wrap
      --width_[widest];
      --total;
      cut = true;
    }
    if (!cut) return;
    for (size_t i = 0; i < cells_.size(); ++i) {
      int limit = width_[i % static_cast<size_t>(ncol_)];
      if (DisplayWidth(cells_[i], true) > limit) cells_[i] = Shorten(cells_[i], limit);
    }
  }

  void PutPadded(const std::string& text, int width, bool right) {
    int pad = width - DisplayWidth(text, s_.terminal);
    if (right) w_.Spaces(pad);
    w_.Put(text);
    if (!right) w_.Spaces(pad);
  }

  void PutCenteredHeader(const std::string& first, const std::string& between,
                         const std::string& last) {
    w_.Put(first);
    for (int i = 0; i < ncol_; ++i) {
      int pad = width_[i] - DisplayWidth(cells_[i], s_.terminal);
      w_.Spaces(pad / 2);
      w_.Put(cells_[i]);
      w_.Spaces((pad + 1) / 2);
      w_.Put(i == ncol_ - 1 ? last : between);
    }
  }

  // left ─── mid ─── right, each column's run two wider than the column.
  void RuleLine(const char* left, const char* mid, const char* right, const char* dash) {
    w_.Put(left);
    for (int i = 0; i < ncol_; ++i) {
      if (i > 0) w_.Put(mid);
      w_.Repeat(dash, width_[i] + 2);
    }
    w_.Put(right);
    w_.Put('\n');
  }

  sqlite3_stmt* stmt_;
  const OutputSettings& s_;
  Writer w_;
  int ncol_;
  bool shorten_ = false;
  bool multi_line_ = false;
  std::vector<std::string> cells_;  // row-major display lines; the first ncol_ are headers
  std::vector<bool> row_ends_;      // per display line: last line of its row
  std::vector<int> width_;
};

// ---------------------------------------------------------------------------
// Streaming modes

class StreamPrinter {
 public:
  StreamPrinter(sqlite3_stmt* stmt, const OutputSettings& s, std::FILE* out)
      : stmt_(stmt), s_(s), w_(out), ncol_(sqlite3_column_count(stmt)) {
    for (int i = 0; i < ncol_; ++i) {
      const char* name = sqlite3_column_name(stmt, i);
      names_.emplace_back(name ? name : "");
    }
    types_.resize(static_cast<size_t>(ncol_));
    texts_.resize(static_cast<size_t>(ncol_));
  }

  // Called with the first row already stepped; returns the final step rc.
  int Run(const std::function<bool()>& on_row) {
    int rc = SQLITE_ROW;
    int64_t rows = 0;
    do {
      if (on_row && !on_row()) {
        rc = SQLITE_INTERRUPT;
        break;
      }
      ++rows;
      Fetch();
      PrintRow(rows == 1);
    } while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW);
    if (s_.mode == Mode::kJson && rows > 0) {
      w_.Put("]\n");
    } else if (s_.mode == Mode::kCount && rows > 0) {
      w_.Put(std::to_string(rows) + (rows != 1 ? " rows\n" : " row\n"));
    }
    return rc;
  }

 private:
  // Type first, then text: the text conversion must not change what type
  // the value is reported as.
  void Fetch() {
    for (int i = 0; i < ncol_; ++i) {
      types_[i] = sqlite3_column_type(stmt_, i);
      texts_[i] = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    }
  }

  // The value as list-like modes print it: its text (up to any NUL, as a C
  // string) or the null value.
  std::string_view Text(int i) const {
    return texts_[i] ? std::string_view(texts_[i]) : std::string_view(s_.null_value);
  }
  bool IsNull(int i) const { return texts_[i] == nullptr || types_[i] == SQLITE_NULL; }

  void PrintRow(bool first) {
    switch (s_.mode) {
      case Mode::kLine:
        PrintLine(first);
        break;
      case Mode::kCsv:
        if (first && s_.headers) {
          for (int i = 0; i < ncol_; ++i) {
            PutCsv(&w_, names_[i], s_.column_separator);
            if (i < ncol_ - 1) w_.Put(s_.column_separator);
          }
          w_.Put(s_.row_separator);
        }
        for (int i = 0; i < ncol_; ++i) {
          if (texts_[i] == nullptr) {
            w_.Put(s_.null_value);
          } else {
            PutCsv(&w_, texts_[i], s_.column_separator);
          }
          if (i < ncol_ - 1) w_.Put(s_.column_separator);
        }
        w_.Put(s_.row_separator);
        break;
      case Mode::kJson:
        w_.Put(first ? "[{" : ",\n{");
        for (int i = 0; i < ncol_; ++i) {
          PutJsonString(&w_, names_[i]);
          w_.Put(':');
          if (IsNull(i)) {
            w_.Put("null");
          } else if (types_[i] == SQLITE_FLOAT) {
            w_.Put(RealForJson(sqlite3_column_double(stmt_, i)));
          } else if (types_[i] == SQLITE_BLOB) {
            const void* blob = sqlite3_column_blob(stmt_, i);
            int n = sqlite3_column_bytes(stmt_, i);
            PutJsonString(&w_, std::string_view(static_cast<const char*>(blob),
                                                blob ? static_cast<size_t>(n) : 0));
          } else if (types_[i] == SQLITE_TEXT) {
            PutJsonString(&w_, texts_[i]);
          } else {
            w_.Put(texts_[i]);
          }
          if (i < ncol_ - 1) w_.Put(',');
        }
        w_.Put('}');
        break;
      case Mode::kQuote:
        if (first && s_.headers) {
          for (int i = 0; i < ncol_; ++i) {
            if (i > 0) w_.Put(s_.column_separator);
            w_.Put(SqlQuoted(names_[i]));
          }
          w_.Put(s_.row_separator);
        }
        for (int i = 0; i < ncol_; ++i) {
          if (i > 0) w_.Put(s_.column_separator);
          w_.Put(Literal(i, false));
        }
        w_.Put(s_.row_separator);
        break;
      case Mode::kInsert:
        w_.Put("INSERT INTO ");
        w_.Put(s_.insert_table);
        if (s_.headers) {
          w_.Put('(');
          for (int i = 0; i < ncol_; ++i) {
            if (i > 0) w_.Put(',');
            w_.Put(NeedsIdentifierQuote(names_[i]) ? sql::QuoteIdentifier(names_[i]) : names_[i]);
          }
          w_.Put(')');
        }
        for (int i = 0; i < ncol_; ++i) {
          w_.Put(i > 0 ? "," : " VALUES(");
          w_.Put(Literal(i, true));
        }
        w_.Put(");\n");
        break;
      case Mode::kHtml:
        if (first && s_.headers) {
          w_.Put("<TR>");
          for (int i = 0; i < ncol_; ++i) {
            w_.Put("<TH>");
            PutHtml(&w_, names_[i]);
            w_.Put("</TH>\n");
          }
          w_.Put("</TR>\n");
        }
        w_.Put("<TR>");
        for (int i = 0; i < ncol_; ++i) {
          w_.Put("<TD>");
          PutHtml(&w_, Text(i));
          w_.Put("</TD>\n");
        }
        w_.Put("</TR>\n");
        break;
      case Mode::kTcl:
        if (first && s_.headers) {
          for (int i = 0; i < ncol_; ++i) {
            PutCString(&w_, names_[i]);
            if (i < ncol_ - 1) w_.Put(s_.column_separator);
          }
          w_.Put(s_.row_separator);
        }
        for (int i = 0; i < ncol_; ++i) {
          PutCString(&w_, Text(i));
          if (i < ncol_ - 1) w_.Put(s_.column_separator);
        }
        w_.Put(s_.row_separator);
        break;
      case Mode::kCount:
      case Mode::kOff:
        break;
      default:  // kList, kTabs, kAscii
        if (first && s_.headers) {
          for (int i = 0; i < ncol_; ++i) {
            w_.Put(names_[i]);
            w_.Put(i == ncol_ - 1 ? s_.row_separator : s_.column_separator);
          }
        }
        for (int i = 0; i < ncol_; ++i) {
          w_.Put(Text(i));
          w_.Put(i == ncol_ - 1 ? s_.row_separator : s_.column_separator);
        }
        break;
    }
  }

  // Line mode: "name = value" per column, names right-aligned to the longest
  // (at least 5 bytes), records separated by an extra row separator.
  void PrintLine(bool first) {
    // sqlite3 pads names by bytes; a terminal by columns.
    auto name_width = [this](const std::string& name) {
      return s_.terminal ? DisplayWidth(name, true) : static_cast<int>(name.size());
    };
    int width = 5;
    for (const std::string& name : names_) width = std::max(width, name_width(name));
    if (!first) w_.Put(s_.row_separator);
    bool shorten = s_.terminal && s_.max_cell_width > 0;
    for (int i = 0; i < ncol_; ++i) {
      w_.Spaces(width - name_width(names_[i]));
      w_.Put(names_[i]);
      w_.Put(" = ");
      if (!shorten) {
        w_.Put(Text(i));
      } else if (types_[i] == SQLITE_BLOB) {
        w_.Put(AbbreviatedBlob(sqlite3_column_blob(stmt_, i), sqlite3_column_bytes(stmt_, i),
                               s_.max_cell_width));
      } else {
        w_.Put(Shorten(Text(i), s_.max_cell_width));
      }
      w_.Put(s_.row_separator);
    }
  }

  // A value as an SQL literal for quote mode, or insert mode (`insert`),
  // which also keeps text on one line and prints integral reals exactly.
  std::string Literal(int i, bool insert) {
    if (IsNull(i)) return "NULL";
    switch (types_[i]) {
      case SQLITE_TEXT:
        return insert ? SqlQuotedEscaped(texts_[i]) : SqlQuoted(texts_[i]);
      case SQLITE_INTEGER:
        return texts_[i];
      case SQLITE_FLOAT: {
        double r = sqlite3_column_double(stmt_, i);
        return insert ? RealForInsert(r) : RealForQuote(r);
      }
      default:
        return HexBlob(sqlite3_column_blob(stmt_, i), sqlite3_column_bytes(stmt_, i), 'X');
    }
  }

  sqlite3_stmt* stmt_;
  const OutputSettings& s_;
  Writer w_;
  int ncol_;
  std::vector<std::string> names_;
  std::vector<int> types_;
  std::vector<const char*> texts_;
};

// ---------------------------------------------------------------------------
// EXPLAIN and EXPLAIN QUERY PLAN (with `.explain auto`)

bool IsOneOf(const char* op, std::initializer_list<const char*> names) {
  if (op == nullptr) return false;
  for (const char* n : names) {
    if (std::strcmp(op, n) == 0) return true;
  }
  return false;
}

// Indentation (in spaces) of each opcode of an EXPLAIN listing, so loop
// bodies stand out: everything a backward Next-like jump or a Goto into a
// coroutine loops over moves right by two. Steps the statement through once
// and resets it. Returns false when the statement does not look like an
// EXPLAIN listing (sqlite3 then uses the normal mode).
bool ExplainIndents(sqlite3_stmt* stmt, std::vector<int>* indents) {
  if (sqlite3_column_count(stmt) != 8) return false;
  const char* sql = sqlite3_sql(stmt);
  if (sql == nullptr) return false;
  while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\f' || *sql == '\r') ++sql;
  if (sqlite3_strnicmp(sql, "explain", 7) != 0) return false;
  static const char* const kColumns[] = {"addr", "opcode", "p1", "p2", "p3", "p4", "p5", "comment"};
  std::vector<bool> yields;
  indents->clear();
  for (int op = 0; sqlite3_step(stmt) == SQLITE_ROW; ++op) {
    if (op == 0) {
      for (int i = 0; i < 8; ++i) {
        const char* name = sqlite3_column_name(stmt, i);
        if (name == nullptr || std::strcmp(name, kColumns[i]) != 0) {
          sqlite3_reset(stmt);
          return false;
        }
      }
    }
    int addr = sqlite3_column_int(stmt, 0);
    const char* opcode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
    int p2 = sqlite3_column_int(stmt, 3);
    // Trigger and foreign-key sub-programs restart their addresses at 0.
    int target = p2 + (op - addr);
    yields.push_back(IsOneOf(opcode, {"Yield", "SeekLT", "SeekGT", "RowSetRead", "Rewind"}));
    indents->push_back(0);
    int count = static_cast<int>(indents->size());
    bool loop =
        IsOneOf(opcode, {"Next", "Prev", "VPrev", "VNext", "SorterNext", "Return"}) && target > 0;
    if (!loop && IsOneOf(opcode, {"Goto"}) && target >= 0 && target < count &&
        (yields[static_cast<size_t>(target)] || sqlite3_column_int(stmt, 2) != 0)) {
      loop = true;
    }
    if (loop) {
      for (int i = std::max(target, 0); i < op; ++i) (*indents)[static_cast<size_t>(i)] += 2;
    }
  }
  sqlite3_reset(stmt);
  return true;
}

// Prints `text` padded with spaces to `width` characters (never cut).
void PutPadded(Writer* w, std::string_view text, int width) {
  w->Put(text);
  w->Spaces(width - DisplayWidth(text, false));
}

// The EXPLAIN listing: fixed column widths that grow for longer values, the
// opcode indented by loop depth.
int RenderExplain(sqlite3_stmt* stmt, const OutputSettings& s, std::FILE* out,
                  const std::vector<int>& indents, const std::function<bool()>& on_row) {
  static const int kWidths[] = {4, 13, 4, 4, 4, 13, 2, 13};
  Writer w(out);
  int ncol = std::min(sqlite3_column_count(stmt), 8);
  int rc = sqlite3_step(stmt);
  for (size_t row = 0; rc == SQLITE_ROW; ++row, rc = sqlite3_step(stmt)) {
    if (on_row && !on_row()) return SQLITE_INTERRUPT;
    if (row == 0) {
      for (int i = 0; i < ncol; ++i) {
        const char* name = sqlite3_column_name(stmt, i);
        PutPadded(&w, name ? name : "", kWidths[i]);
        w.Put(i == ncol - 1 ? "\n" : "  ");
      }
      for (int i = 0; i < ncol; ++i) {
        w.Repeat("-", kWidths[i]);
        w.Put(i == ncol - 1 ? "\n" : "  ");
      }
    }
    for (int i = 0; i < ncol; ++i) {
      const char* value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      std::string_view text = value ? std::string_view(value) : std::string_view(s.null_value);
      int width = i == ncol - 1 ? 0 : kWidths[i];
      if (i == 1 && row < indents.size()) w.Spaces(indents[row]);
      PutPadded(&w, text, width);
      w.Put(i == ncol - 1 ? "\n" : "  ");
    }
  }
  return rc;
}

struct PlanRow {
  int id;
  int parent;
  std::string text;
};

void PutPlanLevel(Writer* w, const std::vector<PlanRow>& rows, size_t first, int parent,
                  std::string* prefix) {
  std::vector<size_t> children;
  for (size_t i = first; i < rows.size(); ++i) {
    if (rows[i].parent == parent) children.push_back(i);
  }
  for (size_t k = 0; k < children.size(); ++k) {
    bool more = k + 1 < children.size();
    const PlanRow& row = rows[children[k]];
    w->Put(*prefix);
    w->Put(more ? "|--" : "`--");
    w->Put(row.text);
    w->Put('\n');
    // sqlite3 keeps the prefix in a 100-byte buffer: deeper levels are cut.
    if (prefix->size() < 93) {
      size_t n = prefix->size();
      prefix->append(more ? "|  " : "   ");
      PutPlanLevel(w, rows, first, row.id, prefix);
      prefix->resize(n);
    }
  }
}

// EXPLAIN QUERY PLAN as sqlite3 draws it: "QUERY PLAN" and a tree of the
// plan rows, linked by their parent ids.
int RenderQueryPlan(sqlite3_stmt* stmt, std::FILE* out, const std::function<bool()>& on_row) {
  std::vector<PlanRow> rows;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (on_row && !on_row()) {
      rc = SQLITE_INTERRUPT;
      break;
    }
    const char* detail = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
    if (detail == nullptr) continue;
    const char* id = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    const char* parent = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
    rows.push_back({id ? std::atoi(id) : 0, parent ? std::atoi(parent) : 0, detail});
  }
  if (rows.empty()) return rc;
  Writer w(out);
  size_t first = 0;
  if (rows[0].text[0] == '-') {
    // A leading "-- ..." row replaces the "QUERY PLAN" title.
    if (rows.size() == 1) return rc;
    w.Put(std::string_view(rows[0].text).substr(std::min<size_t>(3, rows[0].text.size())));
    w.Put('\n');
    first = 1;
  } else {
    w.Put("QUERY PLAN\n");
  }
  std::string prefix;
  PutPlanLevel(&w, rows, first, 0, &prefix);
  return rc;
}

}  // namespace

int RenderResults(sqlite3_stmt* stmt, const OutputSettings& s, std::FILE* out,
                  const std::function<bool()>& on_row) {
  if (s.auto_explain) {
    int explain = sqlite3_stmt_isexplain(stmt);
    if (explain == 2) return RenderQueryPlan(stmt, out, on_row);
    std::vector<int> indents;
    if (explain == 1 && ExplainIndents(stmt, &indents)) {
      return RenderExplain(stmt, s, out, indents, on_row);
    }
  }
  int rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW) return rc;
  if (IsColumnar(s.mode)) {
    ColumnarPrinter printer(stmt, s, out);
    return printer.Run(on_row);
  }
  StreamPrinter printer(stmt, s, out);
  return printer.Run(on_row);
}

}  // namespace ddb::shell
