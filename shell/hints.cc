// What the shell adds to SQLite's errors and says besides them about the
// DynamoDB tables: where a syntax error is, how to name a table with "-",
// how to reach an attribute no column holds, which names stand for
// attributes or tables whose names differ only in case, and which local
// tables hide a DynamoDB table.
#include "shell/hints.h"

#include <sqlite3.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/sqlite_util.h"
#include "engine/strings.h"
#include "shell/shell.h"
#include "shell/text_util.h"
#include "vtab/sql_names.h"

namespace ddb::shell {

namespace {

// "a", "a and b", "a, b and c".
std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  }
  return out;
}

// The JSON path of the member `name` ('$.n', or '$."a b"').
std::string JsonPath(const std::string& name) {
  bool plain = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char c : name) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  return sql::QuoteLiteral(plain ? "$." + name : "$.\"" + name + "\"");
}

// ASCII classes, whatever the locale (sqlite3's IsSpace is isspace in "C").
bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsPlainNameByte(char c) { return IsAsciiAlpha(c) || (c >= '0' && c <= '9') || c == '_'; }

// A byte of an unquoted SQL name (non-ASCII bytes are, as in SQLite).
bool IsNameByte(char c) {
  return IsPlainNameByte(c) || c == '$' || (static_cast<unsigned char>(c) & 0x80) != 0;
}

// One token of SQL text: a word (name, keyword or number), a quoted name,
// a string literal, or one byte of punctuation.
struct Token {
  enum Kind { kWord, kQuotedName, kString, kPunct } kind;
  std::string_view text;
};

// The tokens of the first statement of `sql` (up to a ';' outside quotes),
// without white space and comments. An unterminated quote ends the text.
std::vector<Token> Tokenize(std::string_view sql) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (IsSpace(c)) {
      ++i;
    } else if (sql.compare(i, 2, "--") == 0) {
      size_t end = sql.find('\n', i);
      i = end == std::string_view::npos ? sql.size() : end + 1;
    } else if (sql.compare(i, 2, "/*") == 0) {
      size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
      char close = c == '[' ? ']' : c;
      size_t j = i + 1;
      for (;;) {
        j = sql.find(close, j);
        if (j == std::string_view::npos) return out;
        // A doubled quote stands for itself ([...] has no escape).
        if (close != ']' && j + 1 < sql.size() && sql[j + 1] == close) {
          j += 2;
          continue;
        }
        break;
      }
      out.push_back({c == '\'' ? Token::kString : Token::kQuotedName, sql.substr(i, j + 1 - i)});
      i = j + 1;
    } else if (IsNameByte(c)) {
      size_t j = i;
      while (j < sql.size() && IsNameByte(sql[j])) ++j;
      out.push_back({Token::kWord, sql.substr(i, j - i)});
      i = j;
    } else if (c == ';') {
      break;
    } else {
      out.push_back({Token::kPunct, sql.substr(i, 1)});
      ++i;
    }
  }
  return out;
}

// The name a word or quoted-name token stands for ("" for other tokens).
std::string NameOf(const Token& t) {
  if (t.kind == Token::kWord) return std::string(t.text);
  if (t.kind != Token::kQuotedName) return "";
  char close = t.text[0] == '[' ? ']' : t.text[0];
  std::string name;
  std::string_view inner = t.text.substr(1, t.text.size() - 2);
  for (size_t i = 0; i < inner.size(); ++i) {
    name += inner[i];
    if (close != ']' && inner[i] == close) ++i;  // doubled
  }
  return name;
}

bool IsPunct(const Token& t, char c) { return t.kind == Token::kPunct && t.text[0] == c; }

bool IsKeyword(const Token& t, std::string_view word) {
  return t.kind == Token::kWord && str::EqualsIgnoreCase(t.text, word);
}

}  // namespace

std::string ErrorContext(const char* sql, int offset) {
  if (sql == nullptr || offset < 0 || static_cast<size_t>(offset) >= std::strlen(sql)) return "";
  // As sqlite3: at most 50 bytes before the error, never starting inside a
  // UTF-8 character, and at most 78 bytes in all.
  const char* start = sql;
  while (offset > 50) {
    --offset;
    ++start;
    while ((static_cast<unsigned char>(*start) & 0xc0) == 0x80) {
      ++start;
      --offset;
    }
  }
  // The end of the input's last line is no part of it (sqlite3 reads lines
  // without their newline).
  size_t len = std::strlen(start);
  while (len > 0 && (start[len - 1] == '\n' || start[len - 1] == '\r')) --len;
  if (len > 78) {
    len = 78;
    while (len > 0 && (static_cast<unsigned char>(start[len]) & 0xc0) == 0x80) --len;
  }
  std::string code(start, len);
  for (char& c : code) {
    if (IsSpace(c)) c = ' ';
  }
  if (offset < 25) return "\n  " + code + "\n  " + std::string(offset, ' ') + "^--- error here";
  return "\n  " + code + "\n  " + std::string(offset - 14, ' ') + "error here ---^";
}

bool IsSyntaxError(const std::string& message) {
  const std::string kSyntax = ": syntax error";
  return (message.compare(0, 6, "near \"") == 0 && message.size() > kSyntax.size() &&
          message.compare(message.size() - kSyntax.size(), kSyntax.size(), kSyntax) == 0) ||
         message.compare(0, 20, "unrecognized token: ") == 0;
}

std::string HyphenatedTableHint(const std::string& message, const char* sql, int offset) {
  if (message != "near \"-\": syntax error" || sql == nullptr || offset <= 0 ||
      static_cast<size_t>(offset) >= std::strlen(sql) || sql[offset] != '-') {
    return "";
  }
  auto plain = IsPlainNameByte;
  std::string_view text(sql);
  // The name: the word before the "-", then words and "-" after it.
  size_t begin = static_cast<size_t>(offset);
  while (begin > 0 && plain(text[begin - 1])) --begin;
  size_t end = static_cast<size_t>(offset);
  while (end < text.size() && (plain(text[end]) || text[end] == '-')) ++end;
  if (begin == static_cast<size_t>(offset) || text[end - 1] == '-') return "";
  // A schema before it (ddb.my-table) stays as written.
  size_t k = begin;
  std::string schema;
  if (k > 0 && text[k - 1] == '.') {
    size_t q = k - 1;
    while (q > 0 && plain(text[q - 1])) --q;
    if (q == k - 1) return "";
    schema = std::string(text.substr(q, k - q));
    k = q;
  }
  // The keyword before it names a table.
  while (k > 0 && IsSpace(text[k - 1])) --k;
  size_t w = k;
  while (w > 0 && IsAsciiAlpha(text[w - 1])) --w;
  if (w == k || (w > 0 && plain(text[w - 1]))) return "";
  std::string_view keyword = text.substr(w, k - w);
  bool names_table = false;
  for (std::string_view kw : {"FROM", "JOIN", "INTO", "UPDATE", "TABLE"}) {
    names_table = names_table || str::EqualsIgnoreCase(keyword, kw);
  }
  if (!names_table) return "";
  return " (table names with \"-\" must be quoted: " + schema +
         sql::QuoteIdentifier(text.substr(begin, end - begin)) + ")";
}

std::string AssignedValue(const char* sql, const std::string& column) {
  if (sql == nullptr) return "";
  std::vector<Token> t = Tokenize(sql);
  if (t.empty() || !IsKeyword(t[0], "UPDATE")) return "";
  // The SET clause: the first SET outside parentheses.
  size_t i = 1;
  int depth = 0;
  for (; i < t.size(); ++i) {
    if (IsPunct(t[i], '(')) ++depth;
    if (IsPunct(t[i], ')')) --depth;
    if (depth == 0 && IsKeyword(t[i], "SET")) break;
  }
  // Assignments "name = expr", separated by commas, up to the clause after.
  for (++i; i < t.size();) {
    std::string target;
    if (IsPunct(t[i], '(')) {
      // A column list, (a, b) = (...): its values are not told apart.
      while (i < t.size() && !IsPunct(t[i], ')')) ++i;
      ++i;
    } else {
      target = NameOf(t[i++]);
    }
    if (i >= t.size() || !IsPunct(t[i], '=')) return "";
    size_t first = ++i;
    bool reads_column = false;
    for (depth = 0; i < t.size(); ++i) {
      if (IsPunct(t[i], '(')) ++depth;
      if (IsPunct(t[i], ')')) --depth;
      if (depth == 0 &&
          (IsPunct(t[i], ',') || IsKeyword(t[i], "FROM") || IsKeyword(t[i], "WHERE") ||
           IsKeyword(t[i], "RETURNING") || IsKeyword(t[i], "ORDER") || IsKeyword(t[i], "LIMIT"))) {
        break;
      }
      reads_column = reads_column || str::EqualsIgnoreCase(NameOf(t[i]), column);
    }
    if (i == first) return "";
    if (!target.empty() && str::EqualsIgnoreCase(target, column)) {
      if (reads_column) return "";
      const Token& last = t[i - 1];
      return std::string(t[first].text.data(),
                         last.text.data() + last.text.size() - t[first].text.data());
    }
    if (i >= t.size() || !IsPunct(t[i], ',')) return "";
    ++i;
  }
  return "";
}

std::string Shell::MissingColumnHint(const std::string& message, const char* sql) {
  if (sqlite3_db_filename(db_, "ddb") == nullptr) return "";
  const std::string kNoSuchColumn = "no such column: ";
  const std::string kNoColumnNamed = " has no column named ";  // INSERT's
  std::string column;
  std::string table;
  if (message.compare(0, kNoSuchColumn.size(), kNoSuchColumn) == 0) {
    column = message.substr(kNoSuchColumn.size());
    if (size_t dot = column.rfind('.'); dot != std::string::npos) column = column.substr(dot + 1);
    // The first DynamoDB table the statement names (as a word).
    sql::Statement q;
    Status s = q.Prepare(db_,
                         "SELECT name FROM ddb.sqlite_schema WHERE type = 'table' AND "
                         "(' ' || lower(?1) || ' ') GLOB ('*[^a-z0-9_]' || lower(name) || "
                         "'[^a-z0-9_]*') ORDER BY length(name) DESC LIMIT 1");
    if (!s.ok()) return "";
    q.BindText(1, sql);
    if (q.Step()) table = q.ColumnText(0);
  } else if (size_t at = message.find(kNoColumnNamed);
             message.compare(0, 6, "table ") == 0 && at != std::string::npos) {
    column = message.substr(at + kNoColumnNamed.size());
    std::string named = message.substr(6, at - 6);
    if (named.compare(0, 4, "ddb.") == 0) {
      named = named.substr(4);
    } else if (named.find('.') != std::string::npos) {
      return "";  // a table of another database
    }
    // A local table of that name is the one SQLite wrote to.
    sql::Statement q;
    Status s = q.Prepare(
        db_,
        "SELECT name FROM ddb.sqlite_schema WHERE type = 'table' AND name = ?1 COLLATE NOCASE "
        "AND (?2 OR NOT EXISTS (SELECT 1 FROM main.sqlite_schema WHERE name = ?1 COLLATE "
        "NOCASE UNION ALL SELECT 1 FROM temp.sqlite_schema WHERE name = ?1 COLLATE NOCASE))");
    if (!s.ok()) return "";
    q.BindText(1, named);
    q.BindInt(2, message.compare(6, 4, "ddb.") == 0);
    if (q.Step()) table = q.ColumnText(0);
  } else {
    return "";
  }
  if (table.empty()) return "";
  vtab::TableNotes notes = module_->NotesOf("ddb." + table);
  // Attributes whose names differ only in case: none has the bare name.
  for (const auto& group : notes.renamed) {
    if (group.size() < 2 || vtab::FoldCase(group[0].first) != vtab::FoldCase(column)) continue;
    std::vector<std::string> attributes;
    std::vector<std::string> columns;
    for (const auto& [attribute, name] : group) {
      attributes.push_back(attribute);
      columns.push_back(QuoteInsertTable(name));
    }
    return " (attributes " + JoinNames(attributes) + " of " + table +
           " differ only in case, which SQL names do not tell apart: they are columns " +
           JoinNames(columns) + ")";
  }
  std::string refresh = notes.sample_may_miss ? ", or sample again with .refresh " + table : "";
  std::string sample = " (the columns of " + table + " come from a sample of its items";
  // INSERT's column list names a column to write; "no such column" in an
  // INSERT is a read (of its SELECT or VALUES).
  if (message.compare(0, kNoSuchColumn.size(), kNoSuchColumn) != 0) {
    // Writing an attribute no item has yet is no mistake: say how.
    return sample + ", and none of them is " + column +
           ": write an attribute no column holds through the column item, as in INSERT INTO " +
           QuoteInsertTable(table) + "(..., item) VALUES (..., json_object(" +
           sql::QuoteLiteral(column) + ", value))" + refresh + ")";
  }
  if (FirstKeyword(sql) == "UPDATE") {
    if (std::string value = AssignedValue(sql, column); !value.empty()) {
      // The column is a SET target: the write, with its value.
      return sample + ", and none of them is " + column +
             ": write an attribute no column holds through the column item, as in SET item = "
             "json_set(item, " +
             JsonPath(column) + ", " + value + ")" + refresh + ")";
    }
    return sample + ", and none of them is " + column +
           ": read an attribute no column holds as item->>" + sql::QuoteLiteral(column) +
           " and write it as SET item = json_set(item, " + JsonPath(column) + ", value)" + refresh +
           ")";
  }
  // A sample that read the whole table missed nothing.
  if (refresh.empty()) return "";
  return sample + ": read an attribute the sample missed as item->>" + sql::QuoteLiteral(column) +
         refresh + ")";
}

std::string Shell::MissingTableHint(const std::string& message) {
  const std::string kPrefix = "no such table: ";
  if (message.compare(0, kPrefix.size(), kPrefix) != 0 || !module_) return "";
  std::string name = message.substr(kPrefix.size());
  if (name.compare(0, 4, "ddb.") == 0) name = name.substr(4);
  std::vector<std::string> tables;
  std::vector<std::string> names;
  for (const auto& [dynamo, sql_name] : module_->ListedTables()) {
    if (dynamo == sql_name || vtab::FoldCase(dynamo) != vtab::FoldCase(name)) continue;
    tables.push_back(dynamo);
    names.push_back(QuoteInsertTable(sql_name));
  }
  if (tables.empty()) return "";
  return " (DynamoDB tables " + JoinNames(tables) +
         " differ only in case, which SQL names do not tell apart: they are tables " +
         JoinNames(names) + ")";
}

void Shell::PrintWarnings() {
  if (!module_) return;
  if (tables_listed_ && check_hidden_) {
    check_hidden_ = false;
    // SQLite finds an unqualified name in main, temp and the databases
    // attached before ddb first: a table or view there hides the DynamoDB
    // table of that name.
    std::vector<std::string> before;
    sql::Statement list;
    Status s = list.Prepare(db_, "SELECT name FROM pragma_database_list ORDER BY seq");
    while (s.ok() && list.Step()) {
      std::string schema = list.ColumnText(0);
      if (schema == "ddb") break;
      before.push_back(schema);
    }
    for (const auto& schema : before) {
      sql::Statement q;
      Status listed =
          q.Prepare(db_, "SELECT l.type, l.name, d.name FROM " + QuoteInsertTable(schema) +
                             ".sqlite_schema l JOIN ddb.sqlite_schema d ON d.name = "
                             "l.name COLLATE NOCASE WHERE l.type IN ('table', 'view')");
      while (listed.ok() && q.Step()) {
        std::string local = QuoteInsertTable(q.ColumnText(1));
        std::string dynamo = QuoteInsertTable(q.ColumnText(2));
        module_->Warn("the local " + q.ColumnText(0) + " " +
                      (schema == "main"   ? ""
                       : schema == "temp" ? "temp."
                                          : QuoteInsertTable(schema) + ".") +
                      local + " hides the DynamoDB table " + dynamo + ": statements that name " +
                      dynamo + " use the local one; name the DynamoDB table as ddb." + dynamo);
      }
    }
  }
  for (const auto& w : module_->TakeWarnings()) std::fprintf(stderr, "warning: %s\n", w.c_str());
  std::fflush(stderr);
}

}  // namespace ddb::shell
