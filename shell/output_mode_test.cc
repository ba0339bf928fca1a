// Tests of shell/output_mode.cc: one box mode on a terminal.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "shell/output.h"

namespace ddb::shell {
namespace {

int RunMode(OutputSettings* s, const std::vector<std::string>& args) {
  std::FILE* sink = std::fopen("/dev/null", "w");
  int rc = RunModeCommand(s, args, sink, sink);
  std::fclose(sink);
  return rc;
}

// Piped, ddbsql's modes are sqlite3's byte for byte: `-box` does not wrap,
// `.mode box` wraps at 60.
TEST(BoxModeTest, PipedBoxIsSqlite3s) {
  OutputSettings flag;
  SetModeFromFlag(&flag, Mode::kBox);
  EXPECT_EQ(DescribeMode(flag), "box --wrap 0 --wordwrap off --noquote");
  OutputSettings dot;
  ASSERT_EQ(RunMode(&dot, {"box"}), 0);
  EXPECT_EQ(DescribeMode(dot), "box --wrap 60 --wordwrap off --noquote");
}

// On a terminal ddbsql starts in box mode fitted to the screen; `.mode box`
// there (or `.mode table`, or `.mode` alone) is that same mode, not cells
// wrapped at 60. An explicit --wrap N still wraps.
TEST(BoxModeTest, OnATerminalBoxIsOneModeHoweverReached) {
  OutputSettings start;
  start.terminal = true;
  SetModeFromFlag(&start, Mode::kBox);
  OutputSettings dot;
  dot.terminal = true;
  SetModeFromFlag(&dot, Mode::kList);
  ASSERT_EQ(RunMode(&dot, {"box"}), 0);
  EXPECT_EQ(DescribeMode(dot), DescribeMode(start));
  EXPECT_EQ(dot.wrap, start.wrap);
  ASSERT_EQ(RunMode(&dot, {}), 0);  // `.mode` re-applies the mode
  EXPECT_EQ(DescribeMode(dot), "box --wrap 0 --wordwrap off --noquote");
  ASSERT_EQ(RunMode(&dot, {"table"}), 0);
  EXPECT_EQ(dot.wrap, 0);
  ASSERT_EQ(RunMode(&dot, {"box", "--wrap", "60"}), 0);
  EXPECT_EQ(DescribeMode(dot), "box --wrap 60 --wordwrap off --noquote");
  SetMode(&dot, Mode::kBox);
  EXPECT_EQ(dot.wrap, 0);
}

}  // namespace
}  // namespace ddb::shell
