#include "shell/progress.h"

#include <gtest/gtest.h>

namespace ddb::shell {
namespace {

TEST(ProgressTest, FormatShowsTheCountsAndFitsTheWidth) {
  vtab::Stats stats;
  stats.items_scanned = 12345;
  stats.items_returned = 67;
  stats.pages = 3;
  stats.capacity_milli = 2500;
  EXPECT_EQ(Progress::Format(stats, 4.25, 200),
            "12345 items scanned, 67 returned, 3 pages, 2.5 RCU, 4.2s (Ctrl-C cancels)");
  // A line as wide as the terminal would wrap, and a wrapped line cannot be
  // erased with \r: the caller passes one column less, Format never exceeds it.
  EXPECT_EQ(Progress::Format(stats, 4.25, 20), "12345 items scanned,");
}

TEST(ProgressTest, FormatCountsItemsWritten) {
  vtab::Stats stats;
  stats.items_returned = 10;
  stats.update_item = 12;
  stats.items_written = 9;
  EXPECT_EQ(Progress::Format(stats, 1.0, 200),
            "0 items scanned, 10 returned, 0 pages, 0.0 RCU, 1.0s, 9 written (Ctrl-C cancels)");
  EXPECT_EQ(Progress::Format(stats, 1.0, 200, "waiting for h, attempt 2 of 3"),
            "waiting for h, attempt 2 of 3, 1.0s, 9 written (Ctrl-C cancels)");
}

TEST(ProgressTest, FormatSaysWhatAStalledStatementWaitsFor) {
  vtab::Stats stats;
  EXPECT_EQ(Progress::Format(stats, 7.5, 200, "waiting for 127.0.0.1:8000, attempt 2 of 3"),
            "waiting for 127.0.0.1:8000, attempt 2 of 3, 7.5s (Ctrl-C cancels)");
}

TEST(ProgressTest, DisabledProgressLeavesTheStreamAlone) {
  vtab::Stats stats;
  Progress progress(false, &stats);
  EXPECT_EQ(progress.Wrap(stdout), stdout);
  progress.Finish();
  progress.Finish();  // idempotent
}

}  // namespace
}  // namespace ddb::shell
