#include "vtab/write_s3.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "vtab/module.h"

namespace ddb::vtab {
namespace {

ledger::Intent MakeIntent(const std::string& item, const std::string& object) {
  ledger::Intent i;
  i.endpoint = "http://ddb";
  i.region = "us-east-1";
  i.access_key_id = "AKID";
  i.s3_endpoint = "http://s3";
  i.table = "t";
  i.item_key = "{\"id\":{\"S\":\"" + item + "\"}}";
  i.attribute = "body";
  i.bucket = "b";
  i.object_key = object;
  return i;
}

// The statement ids of the ledger's entries, read from the file as another
// tool would.
std::vector<std::string> StatementIds(const std::string& path) {
  std::vector<std::string> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return out;
  }
  sqlite3_stmt* q = nullptr;
  sqlite3_prepare_v2(db, "SELECT statement FROM intents ORDER BY id", -1, &q, nullptr);
  while (q && sqlite3_step(q) == SQLITE_ROW) {
    out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)));
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return out;
}

class S3WriteGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ddbsql-write-s3-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    path_ = (dir_ / "ledger.db").string();
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(ledger::Ledger::Open(path_, &ledger_).ok());
  }
  void TearDown() override {
    ledger_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<ledger::Ledger> ledger_;
};

TEST_F(S3WriteGroupTest, OneFlushRecordsEveryQueuedWriteInOneTransaction) {
  S3WriteGroup group;
  std::vector<std::vector<ledger::Intent>> writes = {
      {MakeIntent("a", "p/a/1")},
      {MakeIntent("b", "p/b/1"), MakeIntent("b", "p/b/2")},
      {MakeIntent("c", "p/c/1")}};
  std::vector<std::string> order;
  for (size_t w = 0; w < writes.size(); ++w) {
    group.Add(&writes[w], [&order, &writes, w](Status s) {
      ASSERT_TRUE(s.ok()) << s.ToString();
      // Durable before the callback: the entries are in the file with ids.
      for (const auto& i : writes[w]) EXPECT_GT(i.id, 0);
      order.push_back(writes[w][0].item_key);
    });
  }
  group.Flush(ledger_.get());
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0], writes[0][0].item_key);
  EXPECT_EQ(order[2], writes[2][0].item_key);
  // Each write got back its own entries, in order, with distinct ids.
  EXPECT_EQ(writes[1][0].object_key, "p/b/1");
  EXPECT_EQ(writes[1][1].object_key, "p/b/2");
  std::set<int64_t> ids;
  for (const auto& w : writes) {
    for (const auto& i : w) ids.insert(i.id);
  }
  EXPECT_EQ(ids.size(), 4u);
  std::vector<ledger::Intent> pending;
  ASSERT_TRUE(ledger_->Pending(&pending).ok());
  ASSERT_EQ(pending.size(), 4u);
  EXPECT_EQ(pending[1].object_key, "p/b/1");
  // One transaction: the four entries share one statement id.
  std::vector<std::string> statements = StatementIds(path_);
  ASSERT_EQ(statements.size(), 4u);
  EXPECT_EQ(std::set<std::string>(statements.begin(), statements.end()).size(), 1u);

  // A second flush with nothing queued records nothing.
  group.Flush(ledger_.get());
  pending.clear();
  ASSERT_TRUE(ledger_->Pending(&pending).ok());
  EXPECT_EQ(pending.size(), 4u);
  // Writes queued after a flush go to the next one, a transaction of their own.
  std::vector<ledger::Intent> later = {MakeIntent("d", "p/d/1")};
  bool recorded = false;
  group.Add(&later, [&recorded](Status s) { recorded = s.ok(); });
  group.Flush(ledger_.get());
  EXPECT_TRUE(recorded);
  statements = StatementIds(path_);
  ASSERT_EQ(statements.size(), 5u);
  EXPECT_NE(statements[4], statements[0]);
}

TEST_F(S3WriteGroupTest, AFailedCommitFailsEveryQueuedWrite) {
  // A ledger with no place to live (no HOME): Record refuses.
  std::unique_ptr<ledger::Ledger> nowhere = ledger::Ledger::Deferred("", "");
  S3WriteGroup group;
  std::vector<ledger::Intent> a = {MakeIntent("a", "p/a/1")};
  std::vector<ledger::Intent> b = {MakeIntent("b", "p/b/1")};
  int failed = 0;
  group.Add(&a, [&failed](Status s) { failed += s.ok() ? 0 : 1; });
  group.Add(&b, [&failed](Status s) { failed += s.ok() ? 0 : 1; });
  group.Flush(nowhere.get());
  EXPECT_EQ(failed, 2);
  EXPECT_EQ(a[0].id, 0);
  EXPECT_EQ(b[0].id, 0);
}

TEST_F(S3WriteGroupTest, CountsTheMostUploadsInFlight) {
  S3WriteGroup group;
  Stats stats;
  group.PutStarted(&stats);
  group.PutStarted(&stats);
  group.PutEnded();
  group.PutStarted(&stats);
  EXPECT_EQ(stats.s3_put_in_flight_max.load(), 2u);
  group.PutStarted(&stats);
  EXPECT_EQ(stats.s3_put_in_flight_max.load(), 3u);
  group.PutEnded();
  group.PutEnded();
  group.PutEnded();
  group.PutStarted(nullptr);  // no stats: counted, not reported
  EXPECT_EQ(stats.s3_put_in_flight_max.load(), 3u);
}

S3Write WriteOf(size_t bytes) {
  S3Write w;
  w.attribute = "body";
  w.bucket = "b";
  w.upload.emplace();
  w.upload->body.assign(bytes, 'x');
  return w;
}

TEST(S3BytesHeldTest, EachBodyCountsTwiceNothingToUploadIsNothing) {
  // The request keeps the body, and each attempt's HTTP request a copy.
  EXPECT_EQ(S3BytesHeld({WriteOf(64 << 10)}), size_t{128} << 10);
  EXPECT_EQ(S3BytesHeld({WriteOf(256 << 10), WriteOf(1 << 10)}), size_t{514} << 10);
  // Nothing to upload (a DELETE's S3 half).
  S3Write gone;
  gone.attribute = "body";
  EXPECT_EQ(S3BytesHeld({gone}), 0u);
}

}  // namespace
}  // namespace ddb::vtab
