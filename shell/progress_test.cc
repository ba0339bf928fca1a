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

// An export read (dynamodb_export) shows its files, items and bytes; after
// a table's scan, behind it.
TEST(ProgressTest, FormatShowsAnExportRead) {
  vtab::Stats stats;
  stats.export_files = 3;
  stats.export_items = 1000;
  stats.export_bytes = 1300000;
  EXPECT_EQ(Progress::Format(stats, 2.0, 200),
            "export: 3 files, 1000 items, 1.3 MB read, 2.0s (Ctrl-C cancels)");
  stats.items_scanned = 5;
  stats.pages = 1;
  EXPECT_EQ(Progress::Format(stats, 2.0, 200),
            "5 items scanned, 0 returned, 1 pages, 0.0 RCU, 2.0s, export: 3 files, 1000 items, "
            "1.3 MB read (Ctrl-C cancels)");
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

// Issue 21: a pure write read "0 items scanned, 0 returned, 0 pages, 0.0
// RCU, 2.5s, 495 written"; it shows what it writes instead.
TEST(ProgressTest, FormatShowsWhatAWriteDoes) {
  vtab::Stats stats;
  stats.put_item = 495;
  stats.items_written = 495;
  stats.write_capacity_milli = 12300;
  stats.s3_puts = 495;
  EXPECT_EQ(Progress::Format(stats, 2.5, 200),
            "495 written, 12.3 WCU, 495 S3 PUTs, 2.5s (Ctrl-C cancels)");
  stats.s3_deletes = 3;
  EXPECT_EQ(Progress::Format(stats, 2.5, 200),
            "495 written, 12.3 WCU, 495 S3 PUTs, 3 S3 deletes, 2.5s (Ctrl-C cancels)");
  // Both: the reads first, as a read shows them, then the writes.
  stats.scan = 1;
  stats.pages = 1;
  stats.items_scanned = 500;
  stats.items_returned = 495;
  stats.capacity_milli = 4000;
  EXPECT_EQ(Progress::Format(stats, 2.5, 200),
            "500 items scanned, 495 returned, 1 pages, 4.0 RCU, 2.5s, 495 written, 12.3 WCU, "
            "495 S3 PUTs, 3 S3 deletes (Ctrl-C cancels)");
  // The first requests not answered yet: no WCU reported.
  vtab::Stats first;
  first.batch_write_item = 1;
  EXPECT_EQ(Progress::Format(first, 0.6, 200), "0 written, 0.6s (Ctrl-C cancels)");
  first.s3_puts = 1;
  first.s3_deletes = 1;
  EXPECT_EQ(Progress::Format(first, 0.6, 200),
            "0 written, 1 S3 PUT, 1 S3 delete, 0.6s (Ctrl-C cancels)");
}

TEST(ProgressTest, FormatOfAReadIsUnchangedByTheWriteCounters) {
  vtab::Stats stats;
  stats.scan = 1;
  stats.s3_gets = 4;
  stats.s3_cache_hits = 1;
  EXPECT_EQ(Progress::Format(stats, 1.0, 200),
            "0 items scanned, 0 returned, 0 pages, 0.0 RCU, 1.0s, S3 4 GETs 1 cached "
            "(Ctrl-C cancels)");
}

TEST(ProgressTest, S3StatsTextCountsReadsAndWrites) {
  vtab::Stats stats;
  EXPECT_EQ(S3StatsText(stats), "");
  stats.s3_gets = 3;
  stats.s3_bytes = 1200;
  stats.s3_cache_hits = 1;
  stats.s3_in_flight_max = 2;
  EXPECT_EQ(S3StatsText(stats), "S3: 3 GETs, 1200 bytes, 1 cache hits, in flight max 2");
  stats.s3_puts = 5;
  stats.s3_put_bytes = 5000;
  EXPECT_EQ(S3StatsText(stats),
            "S3: 3 GETs, 1200 bytes, 1 cache hits, in flight max 2; 5 PUTs, 5000 bytes sent");
  stats.s3_deletes = 2;
  EXPECT_EQ(S3StatsText(stats),
            "S3: 3 GETs, 1200 bytes, 1 cache hits, in flight max 2; 5 PUTs, 5000 bytes sent, 2 "
            "objects deleted");
  vtab::Stats writes;
  writes.s3_deletes = 1;
  EXPECT_EQ(S3StatsText(writes), "S3: 1 object deleted");
  writes.s3_puts = 1;
  writes.s3_put_bytes = 10;
  EXPECT_EQ(S3StatsText(writes), "S3: 1 PUT, 10 bytes sent, 1 object deleted");
  writes.s3_put_in_flight_max = 1;
  EXPECT_EQ(S3StatsText(writes), "S3: 1 PUT, 10 bytes sent, in flight max 1, 1 object deleted");
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
