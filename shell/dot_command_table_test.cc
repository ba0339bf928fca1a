// The dot-command table: sorted, unambiguous, each command with a handler,
// and .help laid out from it.
#include "shell/dot_command_table.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

namespace ddb::shell {
namespace {

// What PrintDotHelp writes for `words`.
std::string Help(const std::vector<std::string>& words, Status* status = nullptr) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* out = open_memstream(&buf, &len);
  Status s = PrintDotHelp(words, out);
  std::fclose(out);
  std::string text(buf, len);
  std::free(buf);
  if (status) *status = s;
  return text;
}

TEST(DotCommandTableTest, SortedUniqueAndHandled) {
  std::set<std::string, std::less<>> names;
  std::string_view previous;
  for (const DotCommand& c : DotCommands()) {
    EXPECT_LT(previous, c.name) << "not sorted by name at ." << c.name;
    previous = c.name;
    EXPECT_TRUE(names.insert(std::string(c.name)).second) << c.name;
    // (ArgWords splits at blanks, as the aliases are written.)
    DotCommand aliases{"", "", c.aliases, "", "", nullptr};
    for (const std::string& a : aliases.ArgWords()) {
      EXPECT_TRUE(c.Named(a)) << a;
      EXPECT_TRUE(names.insert(a).second) << "alias " << a << " of ." << c.name;
    }
    EXPECT_NE(c.handler, nullptr) << c.name;
    EXPECT_FALSE(c.summary.empty()) << c.name;
    EXPECT_EQ(c.summary.find('\n'), std::string_view::npos) << c.name;
    EXPECT_TRUE(c.details.empty() || c.details.back() == '\n') << c.name;
  }
  EXPECT_GT(names.size(), 40u);
}

TEST(DotCommandTableTest, FindsNamesAndAliasesExactly) {
  ASSERT_NE(FindDotCommand("headers"), nullptr);
  EXPECT_EQ(FindDotCommand("header"), FindDotCommand("headers"));
  EXPECT_EQ(FindDotCommand("indices"), FindDotCommand("indexes"));
  EXPECT_EQ(FindDotCommand("param"), FindDotCommand("parameter"));
  EXPECT_EQ(FindDotCommand("q"), FindDotCommand("quit"));
  EXPECT_NE(FindDotCommand("exit"), FindDotCommand("quit"));
  EXPECT_EQ(FindDotCommand("head"), nullptr);  // no abbreviations, as before
  EXPECT_EQ(FindDotCommand(""), nullptr);
  EXPECT_EQ(FindDotCommand("bogus"), nullptr);
  const DotCommand* output = FindDotCommand("output");
  EXPECT_EQ(output->Usage(), ".output ?--bom? ?FILE?");
  EXPECT_EQ(output->ArgWords(), std::vector<std::string>({"?--bom?", "?FILE?"}));
  EXPECT_EQ(FindDotCommand("show")->Usage(), ".show");
}

TEST(DotCommandTableTest, HelpIsSortedWithSummariesInOneColumn) {
  std::string help = Help({"help"});
  size_t column = std::string::npos;
  std::string previous;
  size_t lines = 0;
  for (size_t pos = 0; pos < help.size();) {
    size_t eol = help.find('\n', pos);
    std::string line = help.substr(pos, eol - pos);
    pos = eol + 1;
    ++lines;
    ASSERT_EQ(line[0], '.') << line;
    std::string name = line.substr(1, line.find(' ') - 1);
    EXPECT_LT(previous, name);
    previous = name;
    size_t summary = line.find_first_not_of(' ', line.find("  "));
    if (column == std::string::npos) column = summary;
    EXPECT_EQ(summary, column) << line;
    EXPECT_EQ(line[summary - 1], ' ');
    EXPECT_EQ(line[summary - 2], ' ');
  }
  EXPECT_EQ(lines, DotCommands().size());
}

TEST(DotCommandTableTest, HelpOnOneCommandShowsItsDetails) {
  std::string help = Help({"help", ".exit"});
  EXPECT_EQ(help.rfind(".exit ?CODE?  ", 0), 0u) << help;
  EXPECT_EQ(help.find('\n'), help.size() - 1) << help;  // no details
  help = Help({"help", "import"});
  EXPECT_EQ(help.rfind(".import FILE TABLE", 0), 0u) << help;
  EXPECT_NE(help.find("--skip N"), std::string::npos);
  // Text anywhere, when no name starts with it.
  help = Help({"help", "less -FRX"});
  EXPECT_EQ(help.rfind(".pager", 0), 0u) << help;
  // -all: every command with its details.
  EXPECT_NE(Help({"help", "-all"}).find("--skip N"), std::string::npos);
  Status s;
  EXPECT_EQ(Help({"help", "nosuchtopic"}, &s), "");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("nosuchtopic"), std::string::npos);
}

}  // namespace
}  // namespace ddb::shell
