#include "shell/completion.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <span>

#include "engine/sqlite_util.h"
#include "engine/strings.h"
#include "shell/dot_command_table.h"
#include "shell/output.h"

namespace ddb::shell {

namespace {

// ---------------------------------------------------------------------------
// A small SQL tokenizer: enough to find table names and the clause the
// cursor is in, tolerant of the unfinished text a user is typing.

enum class TokenKind { kWord, kQuotedName, kString, kNumber, kPunct };

struct Token {
  TokenKind kind;
  std::string text;  // a quoted name without its quotes; a word as written
  size_t begin;      // offsets in the scanned text
  size_t end;
};

bool IsNameStart(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool IsNameChar(unsigned char c) { return IsNameStart(c) || std::isdigit(c) || c == '$'; }

// The quoted text starting at `i` (a quote character), its doubled closing
// quotes collapsed; `*next` is past the closing quote or at the end.
std::string ScanQuoted(std::string_view s, size_t i, char close, size_t* next) {
  std::string out;
  size_t j = i + 1;
  while (j < s.size()) {
    if (s[j] == close) {
      if (close != ']' && j + 1 < s.size() && s[j + 1] == close) {
        out += close;
        j += 2;
        continue;
      }
      ++j;
      break;
    }
    out += s[j++];
  }
  *next = j;
  return out;
}

std::vector<Token> Tokenize(std::string_view s) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (std::isspace(c)) {
      ++i;
    } else if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      size_t close = s.find("*/", i + 2);
      i = close == std::string_view::npos ? s.size() : close + 2;
    } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
      size_t next;
      char close = c == '[' ? ']' : static_cast<char>(c);
      std::string text = ScanQuoted(s, i, close, &next);
      tokens.push_back(
          {c == '\'' ? TokenKind::kString : TokenKind::kQuotedName, std::move(text), i, next});
      i = next;
    } else if (IsNameStart(c)) {
      size_t j = i;
      while (j < s.size() && IsNameChar(static_cast<unsigned char>(s[j]))) ++j;
      tokens.push_back({TokenKind::kWord, std::string(s.substr(i, j - i)), i, j});
      i = j;
    } else if (std::isdigit(c)) {
      size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
      tokens.push_back({TokenKind::kNumber, std::string(s.substr(i, j - i)), i, j});
      i = j;
    } else {
      tokens.push_back({TokenKind::kPunct, std::string(1, static_cast<char>(c)), i, i + 1});
      ++i;
    }
  }
  return tokens;
}

bool IsKeyword(std::string_view word) {
  return sqlite3_keyword_check(word.data(), static_cast<int>(word.size())) != 0;
}

bool IsWord(const Token& t, std::string_view upper) {
  return t.kind == TokenKind::kWord && str::Upper(t.text) == upper;
}

bool IsPunct(const std::vector<Token>& tokens, size_t i, char c) {
  return i < tokens.size() && tokens[i].kind == TokenKind::kPunct && tokens[i].text[0] == c;
}

// A name token: a quoted name, or a word that is no keyword.
bool IsName(const std::vector<Token>& tokens, size_t i) {
  if (i >= tokens.size()) return false;
  const Token& t = tokens[i];
  return t.kind == TokenKind::kQuotedName || (t.kind == TokenKind::kWord && !IsKeyword(t.text));
}

// A table name may be a keyword-looking word (sqlite3 accepts many as names);
// only a few words are certainly not table names.
bool IsTableName(const std::vector<Token>& tokens, size_t i) {
  if (i >= tokens.size()) return false;
  const Token& t = tokens[i];
  if (t.kind == TokenKind::kQuotedName) return true;
  if (t.kind != TokenKind::kWord) return false;
  static const std::set<std::string> kNever = {"SELECT", "VALUES", "WITH", "WHERE",  "OR",
                                               "ON",     "USING",  "SET",  "LATERAL"};
  return kNever.count(str::Upper(t.text)) == 0;
}

// Keywords are offered in the case the user writes them in.
bool PrefersLowerCase(std::string_view word) {
  bool lower = false;
  for (char c : word) {
    if (std::isupper(static_cast<unsigned char>(c))) return false;
    lower |= std::islower(static_cast<unsigned char>(c)) != 0;
  }
  return lower;
}

// The text of an identifier as written ("my-t", "\"my-t\"", "\"my-t")
// without its quotes.
std::string Unquote(std::string_view word) {
  if (word.empty() || (word[0] != '"' && word[0] != '`' && word[0] != '['))
    return std::string(word);
  size_t next;
  return ScanQuoted(word, 0, word[0] == '[' ? ']' : word[0], &next);
}

// `name` as it reads inside double quotes: its quotes doubled.
std::string DoubleQuotes(std::string_view name) {
  std::string quoted = sql::QuoteIdentifier(name);
  return quoted.substr(1, quoted.size() - 2);
}

// Offsets of the '.' separating a qualifier in `word` ("d.na", "\"a.b\".x"),
// ignoring dots inside quotes; npos if none.
size_t QualifierDot(std::string_view word) {
  size_t dot = std::string_view::npos;
  char quote = 0;
  for (size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '`') {
      quote = c;
    } else if (c == '[') {
      quote = ']';
    } else if (c == '.') {
      dot = i;
    }
  }
  return dot;
}

class Matcher {
 public:
  // `typed`: the part of the name the user typed, unquoted. `quoted_context`:
  // inside an open quote (emit bare names). `force_quotes`: the user started
  // the name with a quote.
  Matcher(std::string typed, bool quoted_context, bool force_quotes, std::string prefix)
      : typed_(std::move(typed)),
        quoted_context_(quoted_context),
        force_quotes_(force_quotes),
        prefix_(std::move(prefix)) {}

  void Name(const std::string& name) {
    if (!str::StartsWithIgnoreCase(name, typed_)) return;
    if (quoted_context_) {
      Add(DoubleQuotes(name));
    } else if (force_quotes_) {
      Add(sql::QuoteIdentifier(name));
    } else {
      Add(QuoteInsertTable(name));
    }
  }
  void Names(const std::vector<std::string>& names) {
    for (const auto& n : names) Name(n);
  }
  // Words offered as they are spelled (schema prefixes, function names).
  void Literal(const std::string& word) {
    if (!quoted_context_ && !force_quotes_ && str::StartsWithIgnoreCase(word, typed_)) Add(word);
  }
  void Keywords(const std::vector<std::string>& keywords) {
    if (quoted_context_ || force_quotes_ || typed_.empty()) return;
    bool lower = PrefersLowerCase(typed_);
    for (const auto& k : keywords) {
      if (str::StartsWithIgnoreCase(k, typed_)) Add(lower ? str::Lower(k) : k);
    }
  }
  bool empty() const { return matches_.empty(); }
  std::vector<std::string> Take() { return {matches_.begin(), matches_.end()}; }

 private:
  void Add(const std::string& m) { matches_.insert(prefix_ + m); }

  std::string typed_;
  bool quoted_context_;
  bool force_quotes_;
  std::string prefix_;
  std::set<std::string> matches_;
};

// ---------------------------------------------------------------------------
// Dot-commands.

CompletionResult CompleteDotCommand(const CompletionRequest& req, size_t dot,
                                    CompletionCatalog* catalog) {
  CompletionResult result;
  std::string_view line = req.line;
  std::string word = req.line.substr(req.start, req.end - req.start);
  std::span<const DotCommand> commands = DotCommands();
  if (req.start <= dot) {
    for (const DotCommand& c : commands) {
      std::string name = "." + std::string(c.name);
      if (name.compare(0, word.size(), word) == 0) result.matches.push_back(name);
    }
  } else {
    // The words before the one being completed: the command, then arguments.
    std::vector<std::string> words;
    size_t i = dot + 1;
    size_t stop = req.quote ? req.start - 1 : req.start;
    while (i < stop) {
      while (i < stop && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      if (i >= stop) break;
      size_t j = i;
      while (j < stop && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
      words.emplace_back(line.substr(i, j - i));
      i = j;
    }
    if (words.empty()) return result;
    const DotCommand* command = FindDotCommand(words[0]);
    if (!command) {  // an abbreviation: ".hea" for ".headers"
      for (const DotCommand& c : commands) {
        if (c.name.substr(0, words[0].size()) == words[0]) {
          if (command) return result;  // ambiguous
          command = &c;
        }
      }
    }
    if (!command) return result;
    std::vector<std::string> args = command->ArgWords();
    if (args.empty()) return result;
    size_t index = words.size() - 1;
    std::string spec;
    if (index < args.size()) {
      spec = args[index];
    } else if (args.back().find("...") != std::string::npos) {
      spec = args.back();
    } else {
      return result;
    }
    spec.erase(std::remove(spec.begin(), spec.end(), '?'), spec.end());
    if (size_t e = spec.find("..."); e != std::string::npos) spec.erase(e);
    std::vector<std::string> candidates;
    if (spec.find('|') != std::string::npos) {
      size_t p = 0;
      while (p <= spec.size()) {
        size_t bar = spec.find('|', p);
        std::string alt = spec.substr(p, bar == std::string::npos ? std::string::npos : bar - p);
        // Lower-case alternatives are literal words; upper-case ones are placeholders.
        if (!alt.empty() && PrefersLowerCase(alt)) candidates.push_back(alt);
        if (bar == std::string::npos) break;
        p = bar + 1;
      }
    } else if (spec == "MODE") {
      candidates = catalog->Modes();
    } else if (spec == "TABLE" || spec == "PATTERN") {
      candidates = catalog->Tables("");
    } else if (spec == "FILE") {
      result.filenames = true;
      return result;
    }
    for (const auto& c : candidates) {
      if (!str::StartsWithIgnoreCase(c, word)) continue;
      bool plain = std::none_of(
          c.begin(), c.end(), [](char ch) { return std::isspace(static_cast<unsigned char>(ch)); });
      result.matches.push_back(plain || req.quote ? c : "\"" + c + "\"");
    }
  }
  std::sort(result.matches.begin(), result.matches.end());
  result.matches.erase(std::unique(result.matches.begin(), result.matches.end()),
                       result.matches.end());
  return result;
}

// ---------------------------------------------------------------------------
// SQL.

enum class Context { kTable, kExpression };

// The clause the cursor is in, from the tokens before it (one statement).
Context ContextBefore(const std::vector<Token>& tokens) {
  if (tokens.empty()) return Context::kExpression;
  const Token& last = tokens.back();
  for (const char* k : {"FROM", "JOIN", "UPDATE", "INTO", "TABLE"}) {
    if (IsWord(last, k)) return Context::kTable;
  }
  if (last.kind == TokenKind::kPunct && last.text == ",") {
    // A comma continues a FROM list when FROM is the nearest clause keyword
    // at the same parenthesis depth.
    int depth = 0;
    for (size_t i = tokens.size(); i-- > 0;) {
      const Token& t = tokens[i];
      if (t.kind == TokenKind::kPunct && t.text == ")") ++depth;
      if (t.kind == TokenKind::kPunct && t.text == "(") {
        if (depth == 0) return Context::kExpression;
        --depth;
      }
      if (depth != 0 || t.kind != TokenKind::kWord) continue;
      std::string u = str::Upper(t.text);
      if (u == "FROM") return Context::kTable;
      if (u == "SELECT" || u == "WHERE" || u == "ON" || u == "GROUP" || u == "ORDER" ||
          u == "SET" || u == "VALUES" || u == "HAVING" || u == "BY") {
        return Context::kExpression;
      }
    }
  }
  return Context::kExpression;
}

const TableRef* FindRef(const std::vector<TableRef>& refs, const std::string& qualifier) {
  for (const auto& r : refs) {
    if (!r.alias.empty() && str::EqualsIgnoreCase(r.alias, qualifier)) return &r;
  }
  for (const auto& r : refs) {
    if (str::EqualsIgnoreCase(r.name, qualifier)) return &r;
  }
  return nullptr;
}

bool IsSchema(CompletionCatalog* catalog, const std::string& name, std::string* canonical) {
  for (const auto& s : catalog->Schemas()) {
    if (str::EqualsIgnoreCase(s, name)) {
      *canonical = s;
      return true;
    }
  }
  return false;
}

// Completes `typed` after `qualifier.`; `prefix` is what precedes the
// completed part in the word.
std::vector<std::string> CompleteQualified(const std::string& qualifier, const std::string& typed,
                                           bool quoted_context, bool force_quotes,
                                           const std::string& prefix,
                                           const std::vector<TableRef>& refs,
                                           CompletionCatalog* catalog) {
  Matcher m(typed, quoted_context, force_quotes, prefix);
  std::string schema;
  if (IsSchema(catalog, qualifier, &schema)) {
    m.Names(catalog->Tables(schema));
  } else if (const TableRef* ref = FindRef(refs, qualifier)) {
    m.Names(catalog->Columns(ref->schema, ref->name));
  } else {
    m.Names(catalog->Columns("", qualifier));
  }
  return m.Take();
}

}  // namespace

std::vector<TableRef> TablesInStatement(std::string_view sql) {
  std::vector<Token> t = Tokenize(sql);
  std::vector<TableRef> refs;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i].kind != TokenKind::kWord) continue;
    std::string u = str::Upper(t[i].text);
    bool from = u == "FROM";
    if (!from && u != "JOIN" && u != "UPDATE" && u != "INTO") continue;
    size_t j = i + 1;
    if (u == "UPDATE" && j < t.size() && IsWord(t[j], "OR")) j += 2;  // UPDATE OR REPLACE
    while (IsTableName(t, j)) {
      TableRef ref;
      ref.name = t[j].text;
      ++j;
      if (IsPunct(t, j, '.') && IsTableName(t, j + 1)) {
        ref.schema = ref.name;
        ref.name = t[j + 1].text;
        j += 2;
      }
      if (IsPunct(t, j, '(') && u != "INTO") {
        // A table-valued function such as json_each(...): not a table.
        break;
      }
      if (j < t.size() && IsWord(t[j], "AS")) ++j;
      if (IsName(t, j)) ref.alias = t[j++].text;
      refs.push_back(std::move(ref));
      if (!from || !IsPunct(t, j, ',')) break;
      ++j;
    }
  }
  return refs;
}

CompletionResult Complete(const CompletionRequest& req, CompletionCatalog* catalog) {
  CompletionResult result;
  if (req.start > req.end || req.end > req.line.size()) return result;
  if (req.quote && req.start == 0) return result;
  if (req.pending.empty()) {
    size_t first = req.line.find_first_not_of(" \t");
    if (first != std::string::npos && req.line[first] == '.') {
      return CompleteDotCommand(req, first, catalog);
    }
  }

  const std::string word = req.line.substr(req.start, req.end - req.start);
  const size_t word_begin = req.pending.size() + (req.quote ? req.start - 1 : req.start);
  const std::string full = req.pending + req.line;

  // The statement the cursor is in: between the semicolons around it.
  std::vector<Token> tokens = Tokenize(full);
  size_t lo = 0, hi = full.size();
  for (const Token& t : tokens) {
    if (t.kind != TokenKind::kPunct || t.text != ";") continue;
    if (t.end <= word_begin) {
      lo = t.end;
    } else if (t.begin >= word_begin) {
      hi = t.begin;
      break;
    }
  }
  std::vector<Token> before;
  for (const Token& t : tokens) {
    if (t.begin >= lo && t.end <= word_begin) before.push_back(t);
  }
  std::vector<TableRef> refs = TablesInStatement(std::string_view(full).substr(lo, hi - lo));
  Context context = ContextBefore(before);

  // "qualifier.name": inside a quote the qualifier precedes the quote.
  if (req.quote) {
    if (req.start >= 2 && req.line[req.start - 2] == '.') {
      std::string_view head = std::string_view(req.line).substr(0, req.start - 2);
      std::string qualifier;
      if (!head.empty() && head.back() == '"') {
        size_t open = head.rfind('"', head.size() - 2);
        if (open == std::string_view::npos) return result;
        qualifier = Unquote(head.substr(open));
      } else {
        size_t b = head.size();
        while (b > 0 && IsNameChar(static_cast<unsigned char>(head[b - 1]))) --b;
        qualifier = std::string(head.substr(b));
      }
      result.matches = CompleteQualified(qualifier, word, true, false, "", refs, catalog);
      return result;
    }
  } else if (size_t dot = QualifierDot(word); dot != std::string::npos) {
    std::string qualifier = Unquote(std::string_view(word).substr(0, dot));
    std::string rest = word.substr(dot + 1);
    bool force = !rest.empty() && rest[0] == '"';
    result.matches = CompleteQualified(qualifier, Unquote(rest), false, force,
                                       word.substr(0, dot + 1), refs, catalog);
    return result;
  }

  auto complete = [&](const std::string& typed_word, const std::string& prefix) {
    bool force = !req.quote && !typed_word.empty() && typed_word[0] == '"';
    std::string typed = req.quote ? typed_word : Unquote(typed_word);
    Matcher m(typed, req.quote != 0, force, prefix);
    if (context == Context::kTable) {
      m.Names(catalog->Tables(""));
      if (!typed.empty()) {
        for (const auto& s : catalog->Schemas()) m.Literal(s + ".");
      }
      return m.Take();
    }
    for (const auto& r : refs) m.Names(catalog->Columns(r.schema, r.name));
    if (typed.empty() && !m.empty()) return m.Take();
    for (const auto& r : refs) {
      if (!r.alias.empty()) m.Name(r.alias);
    }
    m.Names(catalog->Tables(""));
    m.Keywords(catalog->Keywords());
    if (!typed.empty()) {
      for (const auto& f : catalog->Functions()) m.Literal(f);
    }
    return m.Take();
  };
  result.matches = complete(word, "");
  // "a-b": nothing names that, so complete "b" as an operand of a minus.
  if (result.matches.empty() && !req.quote) {
    size_t minus = word.rfind('-');
    if (minus != std::string::npos && minus + 1 < word.size() && word[0] != '"') {
      result.matches = complete(word.substr(minus + 1), word.substr(0, minus + 1));
    }
  }
  return result;
}

}  // namespace ddb::shell
