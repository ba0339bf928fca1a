// Dot-commands: Shell's handlers of the commands in the table
// (dot_command_table.h), splitting a command line into words, and the
// helpers dot_commands.h shares with the files of the larger commands
// (schema_commands.cc, dump_command.cc, import_command.cc).
//
// Where sqlite3 3.40 has a command, ddbsql's behaves and prints the same way
// (.tables lays names out in columns, .schema adds the column comment to
// views and virtual tables, .dump writes the same SQL, .import reads CSV with
// the same quoting rules and warnings), so scripts written for one run on the
// other. The differences are deliberate: DynamoDB tables show their declared
// columns and key schema, a usage error is an error (exit status 1) rather
// than a help text, and nothing runs a program (.output |cmd, .read |cmd).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "shell/codec_commands.h"
#include "shell/dot_commands.h"
#include "shell/export_commands.h"
#include "shell/shell.h"
#include "shell/text_util.h"
#include "shell/whoami.h"
#include "vtab/write_bulk.h"

namespace ddb::shell {

namespace {

constexpr int kMaxReadDepth = 64;

// ---------------------------------------------------------------------------
// Arguments

// sqlite3's backslash escapes: \t \n \r \a \b \v \f \" \' \\ and octal \NNN.
std::string ResolveBackslashes(const std::string& z) {
  std::string out;
  for (size_t i = 0; i < z.size(); ++i) {
    char c = z[i];
    if (c == '\\' && i + 1 < z.size()) {
      c = z[++i];
      switch (c) {
        case 'a':
          c = '\a';
          break;
        case 'b':
          c = '\b';
          break;
        case 't':
          c = '\t';
          break;
        case 'n':
          c = '\n';
          break;
        case 'v':
          c = '\v';
          break;
        case 'f':
          c = '\f';
          break;
        case 'r':
          c = '\r';
          break;
        default:
          if (c >= '0' && c <= '7') {
            int v = c - '0';
            for (int k = 0; k < 2 && i + 1 < z.size() && z[i + 1] >= '0' && z[i + 1] <= '7'; ++k) {
              v = v * 8 + (z[++i] - '0');
            }
            c = static_cast<char>(v);
          }
          break;  // \" \' \\ and any other character stand for themselves
      }
    }
    out += c;
  }
  return out;
}

// Splits a dot-command line into words as sqlite3 does: 'single quotes'
// keep their text as is; "double quotes" (where \" is a quote) and bare
// words have their backslash escapes resolved.
std::vector<std::string> SplitDotArgs(const std::string& line) {
  std::vector<std::string> words;
  size_t i = 0;
  auto space = [&](size_t k) { return std::isspace(static_cast<unsigned char>(line[k])) != 0; };
  while (i < line.size()) {
    while (i < line.size() && space(i)) ++i;
    if (i >= line.size()) break;
    char q = line[i];
    std::string w;
    if (q == '\'' || q == '"') {
      size_t start = ++i;
      while (i < line.size() && line[i] != q) {
        if (q == '"' && line[i] == '\\' && i + 1 < line.size()) ++i;
        ++i;
      }
      w = line.substr(start, i - start);
      if (i < line.size()) ++i;  // the closing quote
      if (q == '"') w = ResolveBackslashes(w);
    } else {
      size_t start = i;
      while (i < line.size() && !space(i)) ++i;
      w = ResolveBackslashes(line.substr(start, i - start));
    }
    words.push_back(std::move(w));
  }
  return words;
}

}  // namespace

// ---------------------------------------------------------------------------
// What the dot-command files share (dot_commands.h)

std::string ColumnText(sqlite3_stmt* stmt, int i) {
  const unsigned char* t = sqlite3_column_text(stmt, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

Status ForEachRow(sqlite3* db, const std::string& query, const std::vector<std::string>& params,
                  const std::function<void(sqlite3_stmt*)>& row) {
  sql::Statement stmt;
  Status s = stmt.Prepare(db, query);
  if (!s.ok()) return s;
  for (size_t i = 0; i < params.size(); ++i) stmt.BindText(static_cast<int>(i + 1), params[i]);
  while (stmt.Step(&s)) row(stmt.get());
  return s;
}

std::vector<std::string> DatabaseNames(sqlite3* db) {
  std::vector<std::string> names;
  ForEachRow(db, "SELECT name FROM pragma_database_list ORDER BY seq", {},
             [&](sqlite3_stmt* s) { names.push_back(ColumnText(s, 0)); });
  return names;
}

bool HasDynamoSchema(sqlite3* db) { return sqlite3_db_filename(db, kDynamoSchema) != nullptr; }

bool IsLocalTable(sqlite3* db, const std::string& name) {
  bool found = false;
  for (const auto& schema : DatabaseNames(db)) {
    if (schema == kDynamoSchema) continue;
    ForEachRow(db,
               "SELECT 1 FROM " + sql::QuoteIdentifier(schema) +
                   ".sqlite_schema WHERE type IN ('table','view') AND name = ?1 COLLATE NOCASE",
               {name}, [&](sqlite3_stmt*) { found = true; });
  }
  return found;
}

bool IsDynamoTable(sqlite3* db, const std::string& name) {
  if (!HasDynamoSchema(db)) return false;
  bool found = false;
  ForEachRow(db, "SELECT 1 FROM ddb.sqlite_schema WHERE name = ?1 COLLATE NOCASE", {name},
             [&](sqlite3_stmt*) { found = true; });
  return found;
}

Status OpenInputFile(const std::string& path, UniqueFile* out) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return Status::IOError("cannot open \"" + path + "\": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) return Status::IOError("cannot read \"" + path + "\": is a directory");
  out->reset(std::fopen(path.c_str(), "rb"));
  if (!*out) return Status::IOError("cannot open \"" + path + "\": " + std::strerror(errno));
  return Status::OK();
}

namespace {

// ---------------------------------------------------------------------------
// .parameter, kept where sqlite3 keeps it so Shell::BindParameters (and a
// script written for sqlite3) find it.

constexpr const char* kParameterUsage =
    "usage: .parameter init|list|clear|set PARAMETER VALUE|unset PARAMETER";

Status InitParameterTable(sqlite3* db) {
  // The name starts with "sqlite_": creating it needs a writable schema.
  int defensive = 0, writable = 0;
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, -1, &defensive);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_WRITABLE_SCHEMA, -1, &writable);
  sqlite3_db_config(db, SQLITE_DBCONFIG_WRITABLE_SCHEMA, 1, nullptr);
  Status s = sql::Exec(db,
                       "CREATE TABLE IF NOT EXISTS temp.sqlite_parameters(\n"
                       "  key TEXT PRIMARY KEY,\n"
                       "  value\n"
                       ") WITHOUT ROWID;");
  sqlite3_db_config(db, SQLITE_DBCONFIG_WRITABLE_SCHEMA, writable, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, defensive, nullptr);
  return s;
}

Status ParameterCommand(sqlite3* db, const std::vector<std::string>& w, std::FILE* out) {
  std::string sub = w.size() > 1 ? w[1] : "";
  if (sub == "init" && w.size() == 2) return InitParameterTable(db);
  if (sub == "clear" && w.size() == 2)
    return sql::Exec(db, "DROP TABLE IF EXISTS temp.sqlite_parameters;");
  if (sub == "list" && w.size() == 2) {
    int width = 0;
    ForEachRow(db, "SELECT max(length(key)) FROM temp.sqlite_parameters", {},
               [&](sqlite3_stmt* st) { width = std::min(40, sqlite3_column_int(st, 0)); });
    if (width == 0) return Status::OK();
    return ForEachRow(db, "SELECT key, quote(value) FROM temp.sqlite_parameters", {},
                      [&](sqlite3_stmt* st) {
                        std::fprintf(out, "%-*s %s\n", width, ColumnText(st, 0).c_str(),
                                     ColumnText(st, 1).c_str());
                      });
  }
  if (sub == "unset" && w.size() == 3) {
    sql::Statement probe;
    if (!probe.Prepare(db, "SELECT 1 FROM temp.sqlite_parameters").ok()) return Status::OK();
    return ForEachRow(db, "DELETE FROM temp.sqlite_parameters WHERE key = ?1", {w[2]},
                      [](sqlite3_stmt*) {});
  }
  if (sub == "set" && w.size() == 4) {
    const std::string& key = w[2];
    if (key.empty() || std::strchr("$:@?", key[0]) == nullptr) {
      return Status::InvalidArgument("parameter names start with one of $ : @ ? (got \"" + key +
                                     "\")");
    }
    Status s = InitParameterTable(db);
    if (!s.ok()) return s;
    // VALUE is an SQL expression when it parses as one, else text: 42 is a
    // number, 'x' and x are both the text x.
    std::string prefix =
        "REPLACE INTO temp.sqlite_parameters(key,value) VALUES(" + sql::QuoteLiteral(key) + ",";
    sql::Statement stmt;
    if (!stmt.Prepare(db, prefix + w[3] + ");").ok()) {
      s = stmt.Prepare(db, prefix + sql::QuoteLiteral(w[3]) + ");");
      if (!s.ok()) return s;
    }
    Status step;
    if (stmt.Step(&step) || !step.ok()) {
      return Status::InvalidArgument(std::string(".parameter set ") + key + ": " +
                                     sqlite3_errmsg(db));
    }
    return Status::OK();
  }
  return Status::InvalidArgument(kParameterUsage);
}

// ---------------------------------------------------------------------------
// Small settings

// sqlite3's output_c_string: a C string literal, other bytes in octal.
std::string CString(const std::string& z) {
  std::string out = "\"";
  for (unsigned char c : z) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\%03o", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// Runs RunModeCommand and turns what it wrote to stderr into the error.
Status ModeCommand(OutputSettings* output, const std::vector<std::string>& args, std::FILE* out) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* err = open_memstream(&buf, &len);
  if (!err) return Status::IOError("out of memory");
  int rc = RunModeCommand(output, args, out, err);
  std::fclose(err);
  std::string msg(buf, len);
  std::free(buf);
  if (rc == 0) {
    if (!msg.empty()) std::fputs(msg.c_str(), stderr);  // warnings
    return Status::OK();
  }
  msg = std::string(str::Trim(msg));
  if (msg.rfind("Error: ", 0) == 0) msg = msg.substr(7);
  if (msg.rfind("mode should be", 0) == 0) {
    std::string name;
    for (const auto& a : args) {
      if (!a.empty() && a[0] != '-') {
        name = a;
        break;
      }
    }
    msg = "unknown mode \"" + name + "\": " + msg;
  }
  return Status::InvalidArgument(msg);
}

// "usage: .name ARGS", from the table.
Status Usage(const DotCall& c) { return Status::InvalidArgument("usage: " + c.command.Usage()); }

// An on|off command: sets *flag from its one argument.
Status Toggle(const DotCall& c, bool* flag) {
  bool v;
  if (c.words.size() != 2 || !ParseBool(c.words[1], &v)) return Usage(c);
  *flag = v;
  return Status::OK();
}

}  // namespace

void Shell::ShowQueryPlan(sqlite3_stmt* stmt) {
  std::string sql(str::Trim(sqlite3_sql(stmt)));
  OutputSettings explain = output_;
  explain.auto_explain = true;
  std::vector<std::string> prefixes = {"EXPLAIN QUERY PLAN "};
  if (eqp_ >= 2) prefixes.push_back("EXPLAIN ");  // .eqp full: the bytecode too
  for (const auto& prefix : prefixes) {
    sql::Statement plan;
    if (plan.Prepare(db_, prefix + sql).ok()) RenderResults(plan.get(), explain, out());
  }
}

void Shell::PrintChanges(bool failed) {
  // Declaring the DynamoDB tables wrote rows the user never asked for:
  // count from after that, as sqlite3 counts from an empty session.
  auto written = static_cast<int64_t>(input_written_);
  auto refused = static_cast<int64_t>(input_refused_);
  int64_t changes = 0;
  if (failed) {
    // SQLite counts nothing for a failed statement; the items DynamoDB
    // wrote before it stopped stay written.
    if (written == 0 && refused == 0) return;
    changes = written;
    changes_adjust_ += written;
  } else {
    // Rows SQLite handed xUpdate that DynamoDB then refused were not changed.
    changes_adjust_ -= refused;
    changes = std::max<int64_t>(0, sqlite3_changes64(db_) - refused);
  }
  int64_t total = sqlite3_total_changes64(db_) - changes_baseline_ + changes_adjust_;
  if (total <= 0) changes = 0;
  std::fprintf(out(), "changes: %lld   total_changes: %lld", static_cast<long long>(changes),
               static_cast<long long>(std::max<int64_t>(0, total)));
  if (refused > 0) {
    std::fprintf(out(), "   conditional failures: %lld", static_cast<long long>(refused));
  }
  std::fprintf(out(), "\n");
}

Status Shell::RunDotCommand(const std::string& line, const InputSource& source, bool* quit) {
  (void)source;
  std::vector<std::string> w = SplitDotArgs(line.substr(1));
  if (w.empty()) return Status::InvalidArgument("empty dot-command (see .help)");
  const DotCommand* command = FindDotCommand(w[0]);
  if (!command) return Status::InvalidArgument("unknown command: ." + w[0] + " (see .help)");
  return (this->*(command->handler))(DotCall{*command, line, w, quit});
}

// ---------------------------------------------------------------------------
// Settings

Status Shell::DotQuit(const DotCall& c) {
  *c.quit = true;
  if (c.command.name == "exit" && c.words.size() > 1) {
    exit_code_ = std::atoi(c.words[1].c_str()) & 0xff;
  }
  return Status::OK();
}

Status Shell::DotHelp(const DotCall& c) { return PrintDotHelp(c.words, out()); }

// The interactive REPL handles .pager itself (shell/repl.cc); elsewhere
// (scripts, -c, an init file read by a script) there is nothing to page.
Status Shell::DotPager(const DotCall&) { return Status::OK(); }

Status Shell::DotHeaders(const DotCall& c) {
  Status s = Toggle(c, &output_.headers);
  if (s.ok()) output_.headers_set = true;
  return s;
}

Status Shell::DotExplain(const DotCall& c) {
  const auto& w = c.words;
  bool on = true;
  if (w.size() > 2 || (w.size() == 2 && w[1] != "auto" && !ParseBool(w[1], &on))) {
    return Usage(c);
  }
  output_.auto_explain = on;
  return Status::OK();
}

Status Shell::DotBail(const DotCall& c) { return Toggle(c, &bail_); }
Status Shell::DotEcho(const DotCall& c) { return Toggle(c, &echo_); }
Status Shell::DotTimer(const DotCall& c) { return Toggle(c, &timer_); }
Status Shell::DotChanges(const DotCall& c) { return Toggle(c, &changes_); }
Status Shell::DotProgress(const DotCall& c) { return Toggle(c, &progress_); }
Status Shell::DotConsistent(const DotCall& c) {
  return Toggle(c, &module_->options().consistent_read);
}

namespace {

// A setting of two words (`.NAME ?OFF|ON?`): without an argument prints the
// word *on stands for, else sets *on to whether the argument is `on_word`.
Status WordSetting(const DotCall& c, const char* on_word, const char* off_word, bool* on,
                   std::FILE* out) {
  const auto& w = c.words;
  if (w.size() == 1) {
    std::fprintf(out, "%s\n", *on ? on_word : off_word);
    return Status::OK();
  }
  if (w.size() != 2 || (w[1] != on_word && w[1] != off_word)) {
    return Status::InvalidArgument("usage: ." + std::string(c.command.name) + " " + on_word + "|" +
                                   off_word);
  }
  *on = w[1] == on_word;
  return Status::OK();
}

}  // namespace

// .verify ?warn|error?: what an item_encryption item that fails to verify
// or decrypt does to a statement (vtab/encrypted_items.h).
Status Shell::DotVerify(const DotCall& c) {
  return WordSetting(c, "warn", "error", &module_->options().verify_warn, out());
}

// .insertcheck ?transact|batch?: how a bulk INSERT finds the keys that exist
// (vtab/write_bulk.h); without an argument, prints it.
Status Shell::DotInsertCheck(const DotCall& c) {
  bool transact = !module_->options().insert_check_batch;
  Status s = WordSetting(c, "transact", "batch", &transact, out());
  module_->options().insert_check_batch = !transact;
  return s;
}

namespace {

// "N" (a positive number) or "off" (0) as a limit; false for anything else.
bool ParseLimit(const std::string& word, double* n) {
  if (word == "off") {
    *n = 0;
    return true;
  }
  char* end = nullptr;
  *n = std::strtod(word.c_str(), &end);
  return !word.empty() && *end == '\0' && *n > 0 && std::isfinite(*n);
}

std::string FormatLimit(double n) {
  return n > 0 ? std::to_string(static_cast<long long>(n)) : "off";
}

}  // namespace

// .ratelimit [RCU|off [WCU|off]] or [read N|off] [write N|off]: the read
// and write capacity the session may consume per second (vtab/rate_limiter.h);
// one number alone is the read limit, as before writes had one.
Status Shell::DotRateLimit(const DotCall& c) {
  const auto& w = c.words;
  vtab::RateLimiter& reads = module_->rate_limiter();
  vtab::RateLimiter& writes = module_->write_rate_limiter();
  if (w.size() == 1) {
    std::fprintf(out(), "read %s write %s\n", FormatLimit(reads.rate()).c_str(),
                 FormatLimit(writes.rate()).c_str());
    return Status::OK();
  }
  const Status usage = Status::InvalidArgument(
      "usage: .ratelimit RCU|off ?WCU|off? or .ratelimit ?read N|off? ?write N|off? (capacity "
      "units per second)");
  double read = reads.rate();
  double write = writes.rate();
  if (w[1] == "read" || w[1] == "write") {
    // Named: each one once, in any order.
    if (w.size() != 3 && w.size() != 5) return usage;
    bool seen_read = false;
    bool seen_write = false;
    for (size_t i = 1; i + 1 < w.size(); i += 2) {
      bool is_read = w[i] == "read";
      if ((!is_read && w[i] != "write") || (is_read ? seen_read : seen_write)) return usage;
      (is_read ? seen_read : seen_write) = true;
      if (!ParseLimit(w[i + 1], is_read ? &read : &write)) return usage;
    }
  } else {
    if (w.size() > 3 || !ParseLimit(w[1], &read)) return usage;
    if (w.size() == 3 && !ParseLimit(w[2], &write)) return usage;
  }
  // A limit left as it was keeps its bucket (SetRate refills it).
  if (read != reads.rate()) reads.SetRate(read);
  if (write != writes.rate()) writes.SetRate(write);
  return Status::OK();
}

Status Shell::DotLimit(const DotCall& c) {
  const auto& w = c.words;
  if (w.size() == 1) {
    auto v = module_->options().confirm_scan_items;
    std::fprintf(out(), "%s\n", v > 0 ? std::to_string(v).c_str() : "off");
    return Status::OK();
  }
  char* end = nullptr;
  double n = w[1] == "off" ? 0 : std::strtod(w[1].c_str(), &end);
  if (w.size() != 2 || (w[1] != "off" && (w[1].empty() || *end != '\0' || n <= 0))) {
    return Status::InvalidArgument("usage: .scanconfirm N|off (items)");
  }
  module_->options().confirm_scan_items = static_cast<int64_t>(n);
  return Status::OK();
}

namespace {

// "64M", "512K", "1G", "65536" (also "64MiB", "64MB"): bytes, 1024-based
// units. False when `text` is not such a size or overflows.
bool ParseSize(const std::string& text, size_t* out) {
  size_t i = 0;
  uint64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    n = n * 10 + static_cast<uint64_t>(text[i++] - '0');
    if (n > (uint64_t{1} << 31)) return false;  // past 1G in any unit; no overflow below
  }
  if (i == 0) return false;
  std::string unit = text.substr(i);
  for (char& ch : unit) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  int shift = 0;
  if (!unit.empty()) {
    shift = unit[0] == 'K' ? 10 : unit[0] == 'M' ? 20 : unit[0] == 'G' ? 30 : -1;
    std::string rest = unit.substr(1);
    if (shift < 0 || (!rest.empty() && rest != "B" && rest != "IB")) return false;
  }
  *out = static_cast<size_t>(n << shift);
  return true;
}

// A size as .maxvalue takes it: "64M", "1G", "1536K", or bytes.
std::string FormatSize(size_t n) {
  for (auto [shift, unit] : {std::pair{30, "G"}, std::pair{20, "M"}, std::pair{10, "K"}}) {
    if (n % (size_t{1} << shift) == 0) return std::to_string(n >> shift) + unit;
  }
  return std::to_string(n);
}

}  // namespace

Status Shell::DotMaxValue(const DotCall& c) {
  vtab::CodecSession& codecs = module_->codecs();
  if (c.words.size() == 1) {
    std::fprintf(out(), "%s\n", FormatSize(codecs.max_decoded_bytes()).c_str());
    return Status::OK();
  }
  size_t n = 0;
  if (c.words.size() != 2 || !ParseSize(c.words[1], &n) ||
      n < vtab::CodecSession::kMinMaxDecodedBytes || n > vtab::CodecSession::kMaxMaxDecodedBytes) {
    return Status::InvalidArgument(
        "usage: .maxvalue ?SIZE? (bytes, or with K, M or G; from 1K to 1G)");
  }
  codecs.set_max_decoded_bytes(n);
  return Status::OK();
}

Status Shell::DotRecover(const DotCall& c) { return RecoverCommand(c.words); }

Status Shell::DotLedger(const DotCall& c) { return LedgerCommand(c.words); }

Status Shell::DotSweep(const DotCall& c) { return SweepCommand(c.words); }

Status Shell::DotReadonly(const DotCall& c) {
  const auto& w = c.words;
  // Writes already made inside BEGIN would still go out at COMMIT.
  if (w.size() > 1 && !sqlite3_get_autocommit(db_)) {
    return Status::InvalidArgument(
        ".readonly: not inside a transaction (COMMIT or ROLLBACK first)");
  }
  bool on = args_.readonly;
  Status s = w.size() == 1 ? Status::OK() : Toggle(c, &on);
  if (s.ok() && !on && readonly_fixed_) {
    // The script a --readonly session runs must not be able to undo it.
    return Status::InvalidArgument(
        ".readonly off: this session was started with --readonly, which holds until it ends");
  }
  args_.readonly = on;
  module_->options().read_only = args_.readonly;
  if (w.size() == 1) {
    std::fprintf(out(), "readonly: %s\n",
                 readonly_fixed_  ? "on (--readonly)"
                 : args_.readonly ? "on"
                                  : "off");
  }
  return s;
}

Status Shell::DotEqp(const DotCall& c) {
  const auto& w = c.words;
  bool on;
  if (w.size() == 2 && w[1] == "full") {
    eqp_ = 2;
  } else if (w.size() == 2 && ParseBool(w[1], &on)) {
    eqp_ = on ? 1 : 0;
  } else {
    return Usage(c);
  }
  return Status::OK();
}

Status Shell::DotRefresh(const DotCall& c) {
  const auto& w = c.words;
  if (w.size() > 2) return Usage(c);
  // The connection is lazy: a refresh needs the tables declared first.
  Status listed = ListDynamoTables();
  if (!listed.ok()) return listed;
  return vtab::RefreshTables(db_, module_.get(), w.size() == 2 ? w[1] : "");
}

Status Shell::DotStats(const DotCall& c) {
  if (c.words.size() == 1) {
    PrintStats();
    return Status::OK();
  }
  return Toggle(c, &stats_on_);
}

Status Shell::DotMode(const DotCall& c) {
  return ModeCommand(&output_, {c.words.begin() + 1, c.words.end()}, out());
}

Status Shell::DotNullValue(const DotCall& c) {
  if (c.words.size() != 2) return Usage(c);
  output_.null_value = c.words[1];
  return Status::OK();
}

Status Shell::DotSeparator(const DotCall& c) {
  const auto& w = c.words;
  if (w.size() < 2 || w.size() > 3) return Usage(c);
  output_.column_separator = w[1];
  if (w.size() > 2) output_.row_separator = w[2];
  return Status::OK();
}

Status Shell::DotWidth(const DotCall& c) {
  output_.widths.clear();
  for (size_t i = 1; i < c.words.size(); ++i) {
    output_.widths.push_back(static_cast<int>(std::strtol(c.words[i].c_str(), nullptr, 10)));
  }
  return Status::OK();
}

Status Shell::DotPrint(const DotCall& c) {
  std::string text;
  for (size_t i = 1; i < c.words.size(); ++i) text += (i > 1 ? " " : "") + c.words[i];
  std::fprintf(out(), "%s\n", text.c_str());
  return Status::OK();
}

Status Shell::DotParallel(const DotCall& c) {
  const auto& w = c.words;
  char* end = nullptr;
  long n = w.size() == 2 ? std::strtol(w[1].c_str(), &end, 10) : -1;
  if (w.size() != 2 || w[1].empty() || *end != '\0' || n < 0 || n > 64) {
    return Status::InvalidArgument("usage: .parallel N (0 to 64 scan segments; 0: by table size)");
  }
  module_->options().scan_segments = static_cast<int>(n);
  return Status::OK();
}

// .writeparallel ?N?: the write requests a statement outside BEGIN has in
// flight at most (vtab::ModuleOptions::write_parallel); .insertrows ?N?: the
// INSERT rows a bulk INSERT request carries (insert_rows). Without N, prints
// the setting.
Status Shell::DotWriteParallel(const DotCall& c) {
  const auto& w = c.words;
  bool rows = c.command.name == "insertrows";
  int& value = rows ? module_->options().insert_rows : module_->options().write_parallel;
  const long most = rows ? static_cast<long>(vtab::kBulkInsertRows) : vtab::kMaxWriteParallel;
  if (w.size() == 1) {
    std::fprintf(out(), "%d\n", value);
    return Status::OK();
  }
  char* end = nullptr;
  long n = w.size() == 2 ? std::strtol(w[1].c_str(), &end, 10) : 0;
  if (w.size() != 2 || w[1].empty() || *end != '\0' || n < 1 || n > most) {
    return Status::InvalidArgument(
        "usage: ." + std::string(c.command.name) + " N (" +
        (rows ? "INSERT rows a request carries" : "write requests in flight") + ", 1 to " +
        std::to_string(most) + ")");
  }
  value = static_cast<int>(n);
  return Status::OK();
}

Status Shell::DotShow(const DotCall& c) {
  if (c.words.size() != 1) return Usage(c);
  static const char* const kEqp[] = {"off", "on", "full"};
  auto show = [&](const char* name, const std::string& value) {
    std::fprintf(out(), "%12.12s: %s\n", name, value.c_str());
  };
  std::string widths;
  for (int wd : output_.widths) widths += std::to_string(wd) + " ";
  show("echo", echo_ ? "on" : "off");
  show("eqp", kEqp[eqp_]);
  show("explain", output_.auto_explain ? "auto" : "off");
  show("headers", output_.headers ? "on" : "off");
  show("mode", DescribeMode(output_));
  show("nullvalue", CString(output_.null_value));
  show("output", out_ ? out_name_ : "stdout");
  show("colseparator", CString(output_.column_separator));
  show("rowseparator", CString(output_.row_separator));
  show("stats", stats_on_ ? "on" : "off");
  show("width", widths);
  show("filename", ":memory:");
  show("bail", bail_ ? "on" : "off");
  show("changes", changes_ ? "on" : "off");
  show("timer", timer_ ? "on" : "off");
  show("connection", DescribeConnection());
  show("consistent", module_->options().consistent_read ? "on" : "off");
  show("parallel", std::to_string(module_->options().scan_segments));
  show("ratelimit", "read " + FormatLimit(module_->rate_limiter().rate()) + " write " +
                        FormatLimit(module_->write_rate_limiter().rate()));
  return Status::OK();
}

// ---------------------------------------------------------------------------
// Files

Status Shell::DotOutput(const DotCall& c) {
  const auto& w = c.words;
  const std::string cmd(c.command.name);
  bool bom = false;
  std::string file;
  for (size_t i = 1; i < w.size(); ++i) {
    if (w[i] == "--bom" || w[i] == "-bom") {
      bom = true;
    } else if (w[i].size() > 1 && w[i][0] == '-') {
      return Status::NotSupported("." + cmd + " " + w[i] + " is not supported (usage: ." + cmd +
                                  " ?--bom? ?FILE?)");
    } else if (file.empty()) {
      file = w[i];
    } else {
      return Usage(c);
    }
  }
  CloseOutput();
  if (!file.empty() && file[0] == '|') {
    return Status::NotSupported("." + cmd + " to a command is not supported");
  }
  if (!file.empty() && file != "stdout") {
    out_ = std::fopen(file.c_str(), "wb");
    if (!out_) {
      return Status::IOError("cannot write to \"" + file + "\": " + std::strerror(errno));
    }
    out_name_ = file;
  }
  if (bom) std::fputs("\xEF\xBB\xBF", out());
  if (cmd == "once") once_left_ = 2;  // this command, then the next one
  return Status::OK();
}

Status Shell::DotRead(const DotCall& c) {
  const auto& w = c.words;
  if (w.size() != 2) return Usage(c);
  if (!w[1].empty() && w[1][0] == '|') {
    return Status::NotSupported(".read from a command is not supported");
  }
  UniqueFile probe;
  Status s = OpenInputFile(w[1], &probe);
  if (!s.ok()) return s;
  probe.reset();
  if (read_depth_ >= kMaxReadDepth) {
    return Status::InvalidArgument(".read nested more than " + std::to_string(kMaxReadDepth) +
                                   " deep (does a file read itself?)");
  }
  int before = errors_;
  ++read_depth_;
  bool go_on = RunFile(w[1], false);
  --read_depth_;
  if (!go_on && quit_) *c.quit = true;
  if (errors_ > before) {
    // Each error was reported where it happened; this one only carries
    // the failure (and -bail) to the caller without another message.
    errors_ = before;
    return Status::IOError("");
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------
// Tables

Status Shell::WithDynamoTables(const std::function<Status()>& command) {
  // When declaring them fails the local ones are still shown, then the
  // reason is the command's error (once).
  Status listed = ListDynamoTables();
  Status s = command();
  if (s.ok() && !listed.ok() && !listed.message().empty()) return listed;
  return s;
}

Status Shell::DotTables(const DotCall& c) {
  return WithDynamoTables([&]() -> Status {
    const auto& w = c.words;
    bool tables = c.command.name == "tables";
    if (w.size() > 2) return Usage(c);
    std::string pattern = w.size() > 1 ? w[1] : "%";
    Status s = ListObjects(db_, pattern, !tables, out());
    if (s.ok() && !tables && tables_listed_) {
      s = DescribeDynamoIndexes(db_, *module_, &connection_->dynamodb(), pattern, out());
    }
    return s;
  });
}

Status Shell::DotSchema(const DotCall& c) {
  return WithDynamoTables([&] {
    const auto& w = c.words;
    Status s = SchemaCommand(db_, w, out());
    if (s.ok()) {
      // Codec declarations follow the tables they belong to.
      bool pattern = w.size() > 1 && !w.back().empty() && w.back()[0] != '-';
      PrintCodecSchema(&module_->codecs(), pattern ? w.back() : "", out());
    }
    return s;
  });
}

Status Shell::DotDump(const DotCall& c) {
  // A bare .dump writes "main" alone: no need for the DynamoDB tables.
  if (c.words.size() == 1) return DumpCommand(db_, c.words, out());
  return DumpCommand(db_, c.words, out(), ListDynamoTables());
}

Status Shell::DotImport(const DotCall& c) {
  // Refusing a DynamoDB table as the target needs their names; a failure
  // to list them is left for a statement that needs DynamoDB to say.
  if (c.words.size() > 1) TryListDynamoTables();
  return ImportCommand(db_, &output_, c.words, out());
}

Status Shell::DotParameter(const DotCall& c) { return ParameterCommand(db_, c.words, out()); }

Status Shell::DotCodec(const DotCall& c) {
  bool handled = false;
  auto describe = [this](const std::string& table, dynamodb::TableDescription* d) {
    return connection_ ? connection_->dynamodb().DescribeTable(table, d) : connect_error_;
  };
  return CodecCommand(db_, &module_->codecs(), describe, c.line, c.words, out(), &handled);
}

Status Shell::DotDatabases(const DotCall& c) {
  if (c.words.size() != 1) return Usage(c);
  return ForEachRow(
      db_, "SELECT name, file FROM pragma_database_list ORDER BY seq", {}, [&](sqlite3_stmt* st) {
        std::string name = ColumnText(st, 0);
        if (name == kDynamoSchema) {
          std::fprintf(out(), "%s: DynamoDB %s\n", name.c_str(), DescribeConnection().c_str());
          return;
        }
        std::string file = ColumnText(st, 1);
        bool ro = sqlite3_db_readonly(db_, name.c_str()) == 1;
        std::fprintf(out(), "%s: %s %s\n", name.c_str(), file.empty() ? "\"\"" : file.c_str(),
                     ro ? "r/o" : "r/w");
      });
}

// ---------------------------------------------------------------------------
// The connection

Status Shell::DotConnection(const DotCall& c) {
  const auto& w = c.words;
  const std::string cmd(c.command.name);
  if (w.size() == 1) {
    if (!connection_) return connect_error_.WithContext("." + cmd);
    const aws::Settings& st = connection_->settings();
    std::string value = cmd == "profile"  ? st.profile
                        : cmd == "region" ? st.region
                                          : connection_->dynamodb_endpoint().BaseUrl();
    std::fprintf(out(), "%s\n", value.c_str());
    return Status::OK();
  }
  if (w.size() != 2 || w[1].empty()) {
    return Status::InvalidArgument("usage: ." + cmd + " ?VALUE?");
  }
  aws::Overrides o = connection_options_.overrides;
  if (cmd == "profile") o.profile = w[1];
  if (cmd == "region") o.region = w[1];
  if (cmd == "endpoint") o.endpoint_url = w[1] == "default" ? "" : w[1];
  Status s = Reconnect(o);
  if (!s.ok()) return s.WithContext("." + cmd + " " + w[1]);
  if (interactive_) std::fprintf(stderr, "connected: %s\n", connection_->Describe().c_str());
  return Status::OK();
}

Status Shell::DotExport(const DotCall& c) {
  if (!connection_) return connect_error_.WithContext(".export");
  return ExportCommand({db_, connection_.get(), module_.get(), out(),
                        progress_ && interactive_ && isatty(STDERR_FILENO) != 0},
                       c.words);
}

Status Shell::DotExports(const DotCall& c) {
  if (!connection_) return connect_error_.WithContext(".exports");
  return ExportsCommand({db_, connection_.get(), module_.get(), out(), false}, c.words);
}

Status Shell::DotWhoami(const DotCall& c) {
  if (!connection_) return connect_error_.WithContext(".whoami");
  return WhoamiCommand(*connection_, c.words, out());
}

}  // namespace ddb::shell
