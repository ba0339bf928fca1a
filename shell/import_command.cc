// .import: a CSV (or otherwise separated) file loaded into a local table,
// with sqlite3 3.40's quoting rules, warnings and table creation.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/strings.h"
#include "shell/dot_commands.h"

namespace ddb::shell {

namespace {

// Splits delimited text into fields the way sqlite3's .import does: a field
// starting with '"' is quoted ("" is one quote, and separators inside are
// text); unquoted fields end at the column or row separator, and a '\r'
// before the row separator is dropped. With ASCII separators (0x1F, 0x1E)
// there is no quoting at all. A UTF-8 byte order mark at the start is
// skipped.
class ImportReader {
 public:
  static constexpr int kEnd = EOF;

  ImportReader(std::FILE* in, std::string name, char column, char row, bool quoting)
      : in_(in), name_(std::move(name)), column_(column), row_(row), quoting_(quoting) {}

  // Reads the next field; false at the end of input (no field then).
  bool Next() {
    field_.clear();
    if (first_) {
      first_ = false;
      SkipByteOrderMark();
    }
    int c = Get();
    if (c == EOF) {
      term_ = kEnd;
      return false;
    }
    if (quoting_ && c == '"') return ReadQuoted();
    while (c != EOF && c != column_ && c != row_) {
      field_ += static_cast<char>(c);
      c = Get();
    }
    if (c == row_) {
      ++line_;
      if (quoting_ && !field_.empty() && field_.back() == '\r') field_.pop_back();
    }
    term_ = c;
    return true;
  }

  const std::string& field() const { return field_; }
  int term() const { return term_; }  // what ended the field: column, row or kEnd
  int line() const { return line_; }

 private:
  int Get() {
    if (pushback_.empty()) return std::fgetc(in_);
    int c = pushback_.back();
    pushback_.pop_back();
    return c;
  }
  void Unget(int c) {
    if (c != EOF) pushback_.push_back(c);
  }

  void SkipByteOrderMark() {
    int a = Get();
    if (a == 0xEF) {
      int b = Get();
      if (b == 0xBB) {
        int c = Get();
        if (c == 0xBF) return;
        Unget(c);
      }
      Unget(b);
    }
    Unget(a);
  }

  // After an opening quote: up to the quote that a separator or the end
  // follows.
  bool ReadQuoted() {
    int start = line_;
    while (true) {
      int c = Get();
      if (c == row_) ++line_;
      if (c == EOF) {
        std::fprintf(stderr, "%s:%d: unterminated \"-quoted field\n", name_.c_str(), start);
        term_ = kEnd;
        return true;
      }
      if (c != '"') {
        field_ += static_cast<char>(c);
        continue;
      }
      int next = Get();
      if (next == '"') {  // "" is one quote
        field_ += '"';
        continue;
      }
      if (next == '\r') {
        int after = Get();
        if (after == row_) {
          next = after;
        } else {
          Unget(after);
        }
      }
      if (next == column_ || next == row_ || next == EOF) {
        if (next == row_) ++line_;
        term_ = next;
        return true;
      }
      // A lone quote inside the field stays, as in sqlite3.
      std::fprintf(stderr, "%s:%d: unescaped \" character\n", name_.c_str(), line_);
      field_ += '"';
      Unget(next);
    }
  }

  std::FILE* in_;
  std::string name_;
  char column_, row_;
  bool quoting_;
  bool first_ = true;
  std::vector<int> pushback_;
  std::string field_;
  int term_ = 0;
  int line_ = 1;
};

constexpr const char* kImportUsage =
    "usage: .import ?--csv|--ascii? ?--skip N? ?--schema S? ?-v? FILE TABLE";

}  // namespace

Status ImportCommand(sqlite3* db, OutputSettings* output, const std::vector<std::string>& w,
                     std::FILE* out) {
  std::string file, table, schema;
  int skip = 0;
  int verbose = 0;
  char column = 0, row = 0;
  bool explicit_format = false;
  for (size_t i = 1; i < w.size(); ++i) {
    std::string o = w[i];
    if (o.rfind("--", 0) == 0) o = o.substr(1);
    if (o == "-csv") {
      column = ',', row = '\n', explicit_format = true;
    } else if (o == "-ascii") {
      column = '\x1f', row = '\x1e', explicit_format = true;
    } else if (o == "-skip" && i + 1 < w.size()) {
      skip = std::atoi(w[++i].c_str());
    } else if (o == "-schema" && i + 1 < w.size()) {
      schema = w[++i];
    } else if (o == "-v") {
      ++verbose;
    } else if (!o.empty() && o[0] == '-' && o.size() > 1) {
      return Status::InvalidArgument("unknown option: " + w[i] + " (" + kImportUsage + ")");
    } else if (file.empty()) {
      file = w[i];
    } else if (table.empty()) {
      table = w[i];
    } else {
      return Status::InvalidArgument(std::string("extra argument: \"") + w[i] + "\" (" +
                                     kImportUsage + ")");
    }
  }
  if (file.empty() || table.empty()) return Status::InvalidArgument(kImportUsage);
  if (!explicit_format) {
    // Like sqlite3: the separators of the output mode, one character each.
    // In csv mode a "\r\n" row separator reads as "\n", and (a quirk of
    // sqlite3 that scripts diffing the two shells see) stays "\n" for output.
    std::string col = output->column_separator;
    if (output->mode == Mode::kCsv && output->row_separator == "\r\n") {
      output->row_separator = "\n";
    }
    std::string rowsep = output->row_separator;
    if (col.size() != 1 || rowsep.size() != 1) {
      return Status::InvalidArgument(
          ".import needs one-character column and row separators (use --csv, or .separator)");
    }
    column = col[0];
    row = rowsep[0];
  }
  if (file[0] == '|') return Status::NotSupported(".import from a command is not supported");
  if (schema == kDynamoSchema ||
      (schema.empty() && IsDynamoTable(db, table) && !IsLocalTable(db, table))) {
    return Status::InvalidArgument(QuoteInsertTable(table) +
                                   " is a DynamoDB table: .import loads local tables only");
  }
  UniqueFile in;
  Status s = OpenInputFile(file, &in);
  if (!s.ok()) return s;
  bool quoting = !(column == '\x1f' && row == '\x1e');
  ImportReader reader(in.get(), file, column, row, quoting);
  for (int i = 0; i < skip; ++i) {
    while (reader.Next() && reader.term() == column) {
    }
  }
  std::string target =
      (schema.empty() ? "" : sql::QuoteIdentifier(schema) + ".") + sql::QuoteIdentifier(table);
  sql::Statement probe;
  if (!probe.Prepare(db, "SELECT * FROM " + target).ok()) {
    // The first row names the columns, all TEXT, as sqlite3 3.40 makes them.
    std::string create = "CREATE TABLE " + target + "(\n";
    const char* sep = "";
    while (reader.Next()) {
      create += sep + sql::QuoteIdentifier(reader.field()) + " TEXT";
      sep = ", ";
      if (reader.term() != column) break;
    }
    if (!*sep) return Status::InvalidArgument(file + ": empty file");
    create += ")";
    if (verbose) std::fprintf(out, "%s\n\n", create.c_str());
    s = sql::Exec(db, create);
    if (!s.ok()) return Status::InvalidArgument(create + " failed: " + s.message());
  }
  s = probe.Prepare(db, "SELECT * FROM " + target);
  if (!s.ok()) return s;
  int ncol = sqlite3_column_count(probe.get());
  std::string insert = "INSERT INTO " + target + " VALUES(";
  for (int i = 0; i < ncol; ++i) insert += i ? ",?" : "?";
  insert += ")";
  sql::Statement stmt;
  s = stmt.Prepare(db, insert);
  if (!s.ok()) return s;
  bool commit = sqlite3_get_autocommit(db) != 0;
  if (commit) sql::Exec(db, "BEGIN");
  int rows = 0, failed = 0;
  bool interrupted = false;
  do {
    int start = reader.line();
    int i = 0;
    bool stop = false;
    for (; i < ncol; ++i) {
      bool got = reader.Next();
      if (!got && i == 0) {
        stop = true;
        break;
      }
      if (!quoting && i == 0 && (!got || reader.field().empty())) {
        stop = true;
        break;
      }
      if (got) {
        stmt.BindText(i + 1, reader.field());
      } else {
        stmt.BindNull(i + 1);
      }
      if (i < ncol - 1 && reader.term() != column) {
        std::fprintf(stderr,
                     "%s:%d: expected %d columns but found %d - filling the rest with NULL\n",
                     file.c_str(), start, ncol, i + 1);
        for (int j = i + 2; j <= ncol; ++j) stmt.BindNull(j);
        i = ncol;
        break;
      }
    }
    if (stop) break;
    if (reader.term() == column) {
      do {
        reader.Next();
        ++i;
      } while (reader.term() == column);
      std::fprintf(stderr, "%s:%d: expected %d columns but found %d - extras ignored\n",
                   file.c_str(), start, ncol, i);
    }
    sqlite3_step(stmt.get());
    int rc = sqlite3_reset(stmt.get());
    if (rc == SQLITE_INTERRUPT) {  // Ctrl-C: keep what is in, stop reading
      interrupted = true;
      break;
    }
    if (rc != SQLITE_OK) {
      std::fprintf(stderr, "%s:%d: INSERT failed: %s\n", file.c_str(), start, sqlite3_errmsg(db));
      ++failed;
    } else {
      ++rows;
    }
  } while (reader.term() != ImportReader::kEnd);
  if (commit) sql::Exec(db, "COMMIT");
  if (verbose) {
    std::fprintf(out, "Added %d rows with %d errors using %d lines of input\n", rows, failed,
                 reader.line() - 1);
  }
  if (interrupted) {
    return Status::Cancelled(".import " + file + " interrupted after " + str::Plural(rows, "row"));
  }
  if (failed) {
    return Status::InvalidArgument(".import " + file + ": " + std::to_string(failed) + " of " +
                                   str::Plural(rows + failed, "row") + " failed");
  }
  return Status::OK();
}

}  // namespace ddb::shell
