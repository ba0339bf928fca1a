// Output modes as settings: their names, `.mode` and its options, the
// command-line flags' variants, and how `.show` describes a mode. The rows
// are rendered in output.cc.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/sqlite_util.h"
#include "shell/output.h"
#include "shell/output_text.h"

namespace ddb::shell {

using namespace text;  // NOLINT: the output files' shared helpers

namespace {

// `.mode box` (and the other columnar modes) wrap at 60 characters unless
// --wrap says otherwise; the command-line flags do not wrap. On a terminal
// neither wraps (see ApplyDotMode).
constexpr int kDefaultWrap = 60;

// sqlite3's integer parsing for `.mode --wrap N`: optional sign, decimal or
// 0x hex digits, an optional size suffix (KiB, MB, K, ...); garbage is 0.
int64_t IntegerValue(std::string_view arg) {
  bool negative = false;
  size_t i = 0;
  if (i < arg.size() && arg[i] == '-') {
    negative = true;
    ++i;
  } else if (i < arg.size() && arg[i] == '+') {
    ++i;
  }
  uint64_t v = 0;  // unsigned: overflow wraps instead of being undefined
  if (arg.substr(i, 2) == "0x") {
    i += 2;
    while (i < arg.size() && HexValue(arg[i]) >= 0) v = (v << 4) + HexValue(arg[i++]);
  } else {
    while (i < arg.size() && IsDigitAscii(static_cast<unsigned char>(arg[i]))) {
      v = v * 10 + static_cast<uint64_t>(arg[i++] - '0');
    }
  }
  static const struct {
    const char* suffix;
    uint64_t mult;
  } kMult[] = {{"KiB", 1024}, {"MiB", 1024 * 1024}, {"GiB", 1024 * 1024 * 1024},
               {"KB", 1000},  {"MB", 1000000},      {"GB", 1000000000},
               {"K", 1000},   {"M", 1000000},       {"G", 1000000000}};
  std::string rest(arg.substr(i));
  for (const auto& m : kMult) {
    if (sqlite3_stricmp(m.suffix, rest.c_str()) == 0) {
      v *= m.mult;
      break;
    }
  }
  return static_cast<int64_t>(negative ? (0 - v) : v);
}

// sqlite3's boolean parsing: numbers, on/off, yes/no; anything else is
// reported and taken as "no".
int BooleanValue(const std::string& arg, std::FILE* err) {
  size_t i = 0;
  if (arg.size() >= 2 && arg[0] == '0' && arg[1] == 'x') {
    i = 2;
    while (i < arg.size() && HexValue(arg[i]) >= 0) ++i;
  } else {
    while (i < arg.size() && IsDigitAscii(static_cast<unsigned char>(arg[i]))) ++i;
  }
  if (i > 0 && i == arg.size()) return static_cast<int>(IntegerValue(arg) & 0xffffffff);
  if (sqlite3_stricmp(arg.c_str(), "on") == 0 || sqlite3_stricmp(arg.c_str(), "yes") == 0) {
    return 1;
  }
  if (sqlite3_stricmp(arg.c_str(), "off") == 0 || sqlite3_stricmp(arg.c_str(), "no") == 0) {
    return 0;
  }
  std::fprintf(err, "ERROR: Not a boolean value: \"%s\". Assuming \"no\".\n", arg.c_str());
  return 0;
}

// `-wrap` and `--wrap` both match "wrap".
bool OptionMatch(std::string_view arg, std::string_view option) {
  if (arg.empty() || arg[0] != '-') return false;
  arg.remove_prefix(1);
  if (!arg.empty() && arg[0] == '-') arg.remove_prefix(1);
  return arg == option;
}

struct ColumnarOptions {
  int wrap = kDefaultWrap;
  bool wrap_given = false;  // --wrap N was given
  bool word_wrap = false;
  bool quote = false;
};

// Applies a mode as `.mode` does, with the columnar options it parsed.
// `table` is the insert table as given, nullptr when none was ("table").
void ApplyDotMode(OutputSettings* s, Mode m, const std::string* table, const ColumnarOptions& o) {
  s->mode = m;
  switch (m) {
    case Mode::kLine:
      s->row_separator = "\n";
      break;
    case Mode::kColumn:
      if (!s->headers_set) s->headers = true;
      s->row_separator = "\n";
      break;
    case Mode::kList:
      s->column_separator = "|";
      s->row_separator = "\n";
      break;
    case Mode::kTcl:
      s->column_separator = " ";
      s->row_separator = "\n";
      break;
    case Mode::kCsv:
      s->column_separator = ",";
      s->row_separator = "\r\n";
      break;
    case Mode::kTabs:
      s->column_separator = "\t";
      break;
    case Mode::kInsert:
      s->insert_table = QuoteInsertTable(table ? *table : "table");
      break;
    case Mode::kQuote:
      s->column_separator = ",";
      s->row_separator = "\n";
      break;
    case Mode::kAscii:
      s->column_separator = "\x1f";
      s->row_separator = "\x1e";
      break;
    default:
      break;
  }
  if (IsColumnar(m)) {
    // sqlite3 has two box modes: `-box` does not wrap, `.mode box` wraps at
    // 60. Piped output keeps both, byte for byte. On a terminal ddbsql
    // starts in box mode, fitted to the screen (cells cut with "…"), and
    // `.mode box` there is that same mode rather than multi-line cells of
    // 60: one box mode on a terminal, however it is reached (--wrap N still
    // wraps).
    s->wrap = s->terminal && !o.wrap_given ? 0 : o.wrap;
    s->word_wrap = o.word_wrap;
    s->quote = o.quote;
  }
}

}  // namespace

bool ParseMode(std::string_view name, Mode* out) {
  if (name.empty()) return false;
  if (name == "qbox") {
    *out = Mode::kBox;
    return true;
  }
  // Checked in sqlite3's order, which decides what a short prefix means.
  static const struct {
    const char* full;
    Mode mode;
  } kNames[] = {{"lines", Mode::kLine},  {"columns", Mode::kColumn},    {"list", Mode::kList},
                {"html", Mode::kHtml},   {"tcl", Mode::kTcl},           {"csv", Mode::kCsv},
                {"tabs", Mode::kTabs},   {"insert", Mode::kInsert},     {"quote", Mode::kQuote},
                {"ascii", Mode::kAscii}, {"markdown", Mode::kMarkdown}, {"table", Mode::kTable},
                {"box", Mode::kBox},     {"count", Mode::kCount},       {"off", Mode::kOff},
                {"json", Mode::kJson}};
  for (const auto& n : kNames) {
    if (std::string_view(n.full).substr(0, name.size()) == name) {
      *out = n.mode;
      return true;
    }
  }
  return false;
}

const char* ModeName(Mode m) {
  switch (m) {
    case Mode::kList:
      return "list";
    case Mode::kCsv:
      return "csv";
    case Mode::kTabs:
      return "tabs";
    case Mode::kJson:
      return "json";
    case Mode::kLine:
      return "line";
    case Mode::kQuote:
      return "quote";
    case Mode::kInsert:
      return "insert";
    case Mode::kHtml:
      return "html";
    case Mode::kMarkdown:
      return "markdown";
    case Mode::kTable:
      return "table";
    case Mode::kBox:
      return "box";
    case Mode::kColumn:
      return "column";
    case Mode::kAscii:
      return "ascii";
    case Mode::kTcl:
      return "tcl";
    case Mode::kCount:
      return "count";
    case Mode::kOff:
      return "off";
  }
  return "list";
}

bool IsColumnar(Mode m) {
  return m == Mode::kBox || m == Mode::kTable || m == Mode::kColumn || m == Mode::kMarkdown;
}

void SetMode(OutputSettings* s, Mode m, std::string_view insert_table) {
  std::string table(insert_table);
  ApplyDotMode(s, m, table.empty() ? nullptr : &table, ColumnarOptions());
}

void SetModeFromFlag(OutputSettings* s, Mode m) {
  s->mode = m;
  // One-character separators are assigned as characters: GCC 12 -O3 warns
  // (-Wrestrict, falsely) about assigning these short literals.
  auto set = [](std::string* separator, char c) { separator->assign(1, c); };
  switch (m) {
    case Mode::kCsv:
      set(&s->column_separator, ',');
      break;
    case Mode::kQuote:
      set(&s->column_separator, ',');
      set(&s->row_separator, '\n');
      break;
    case Mode::kTabs:
      set(&s->column_separator, '\t');
      set(&s->row_separator, '\n');
      break;
    case Mode::kAscii:
      set(&s->column_separator, '\x1f');
      set(&s->row_separator, '\x1e');
      break;
    default:
      break;
  }
  if (IsColumnar(m)) {
    s->wrap = 0;
    s->word_wrap = false;
    s->quote = false;
  }
}

std::string QuoteInsertTable(std::string_view name) {
  return NeedsIdentifierQuote(name) ? sql::QuoteIdentifier(name) : std::string(name);
}

std::string DescribeMode(const OutputSettings& s) {
  std::string name = s.mode == Mode::kTabs ? "list" : ModeName(s.mode);
  if (!IsColumnar(s.mode)) return name;
  return name + " --wrap " + std::to_string(s.wrap) + " --wordwrap " +
         (s.word_wrap ? "on" : "off") + (s.quote ? " --quote" : " --noquote");
}

int RunModeCommand(OutputSettings* s, const std::vector<std::string>& args, std::FILE* out,
                   std::FILE* err) {
  const std::string* mode_name = nullptr;
  const std::string* table = nullptr;
  bool qbox = false;
  ColumnarOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& z = args[i];
    if (OptionMatch(z, "wrap") && i + 1 < args.size()) {
      o.wrap = static_cast<int>(IntegerValue(args[++i]));
      o.wrap_given = true;
    } else if (OptionMatch(z, "ww")) {
      o.word_wrap = true;
    } else if (OptionMatch(z, "wordwrap") && i + 1 < args.size()) {
      o.word_wrap = static_cast<uint8_t>(BooleanValue(args[++i], err)) != 0;
    } else if (OptionMatch(z, "quote")) {
      o.quote = true;
    } else if (OptionMatch(z, "noquote")) {
      o.quote = false;
    } else if (mode_name == nullptr) {
      mode_name = &z;
      if (z == "qbox") {
        // qbox resets the options given before it, as in sqlite3.
        qbox = true;
        o = ColumnarOptions();
        o.quote = true;
      }
    } else if (table == nullptr) {
      table = &z;
    } else if (!z.empty() && z[0] == '-') {
      std::fprintf(err,
                   "unknown option: %s\noptions:\n  --noquote\n  --quote\n"
                   "  --wordwrap on/off\n  --wrap N\n  --ww\n",
                   z.c_str());
      return 1;
    } else {
      std::fprintf(err, "extra argument: \"%s\"\n", z.c_str());
      return 1;
    }
  }
  Mode m = s->mode;
  if (mode_name == nullptr) {
    std::fprintf(out, "current output mode: %s\n", DescribeMode(*s).c_str());
    if (m == Mode::kTabs) m = Mode::kList;  // sqlite3 re-applies the mode by its name
  } else if (!qbox && !ParseMode(*mode_name, &m)) {
    std::fprintf(err,
                 "Error: mode should be one of: ascii box column csv html insert json line "
                 "list markdown qbox quote table tabs tcl\n");
    return 1;
  } else if (qbox) {
    m = Mode::kBox;
  }
  ApplyDotMode(s, m, table, o);
  return 0;
}

}  // namespace ddb::shell
