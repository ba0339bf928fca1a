// ddb_partiql and ddb_query on a bare SQLite connection against DynamoDB
// Local: what tests/sql/functions.test cannot see from outside the shell
// (pages streamed rather than read up front, the Stats they add up to,
// Ctrl-C while a request waits). Items of ~100 KB make results span pages.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "engine/connection.h"
#include "engine/dynamodb/client.h"
#include "tests/support/emulators.h"
#include "vtab/functions.h"
#include "vtab/module.h"

namespace ddb::vtab {
namespace {

using dynamodb::AttributeValue;
using dynamodb::Item;

constexpr int kBigItems = 25;  // ~100 KB each: 2.5 MB, at least 3 pages of 1 MB

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};

class FunctionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_DYNAMODB();
    ConnectionOptions options;
    options.overrides.endpoint_url = *test::DynamoDbUrl();
    options.overrides.region = test::kTestRegion;
    aws::Credentials creds;
    std::random_device rd;
    creds.access_key_id = "fn" + std::to_string(rd()) + std::to_string(rd());  // own database
    creds.secret_access_key = "secret";
    creds.source = "test";
    options.credentials = aws::StaticCredentials(creds);
    Status s = Connection::Open(options, &conn_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ctx_ = std::make_unique<ModuleContext>(conn_, options);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
    db_.reset(db);
    s = RegisterFunctions(db_.get(), ctx_.get());
    ASSERT_TRUE(s.ok()) << s.ToString();
    CreateBigTable();
  }

  void CreateBigTable() {
    dynamodb::CreateTableRequest req;
    req.table = "big";
    req.key.hash = {"pk", "S"};
    req.key.range = dynamodb::KeyAttribute{"sk", "N"};
    Status s = conn_->dynamodb().CreateTable(req);
    ASSERT_TRUE(s.ok()) << s.ToString();
    s = conn_->dynamodb().WaitUntilActive("big", std::chrono::seconds(30));
    ASSERT_TRUE(s.ok()) << s.ToString();
    std::vector<dynamodb::BatchWriteEntry> entries;
    for (int i = 0; i < kBigItems; ++i) {
      entries.push_back({"big", dynamodb::BatchWriteEntry::Kind::kPut,
                         Item{{"pk", AttributeValue::S("a")},
                              {"sk", AttributeValue::N(std::to_string(i))},
                              {"pad", AttributeValue::S(std::string(100 * 1024, 'x'))}}});
    }
    for (size_t start = 0; start < entries.size(); start += 5) {  // 500 KB per request
      std::vector<dynamodb::BatchWriteEntry> part(
          entries.begin() + static_cast<long>(start),
          entries.begin() + static_cast<long>(std::min(entries.size(), start + 5)));
      s = conn_->dynamodb().BatchWriteItem(part);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }

  // Runs `sql` (one row, one integer column) into *out; returns the rc.
  int QueryInt(const std::string& sql, int64_t* out) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &stmt, nullptr);
    if (rc != SQLITE_OK) return rc;
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      *out = sqlite3_column_int64(stmt, 0);
      rc = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    return rc;
  }

  std::shared_ptr<Connection> conn_;
  std::unique_ptr<ModuleContext> ctx_;
  std::unique_ptr<sqlite3, DbClose> db_;
};

TEST_F(FunctionsTest, QueryFollowsEveryPageAndCountsThem) {
  ctx_->stats().Reset();
  int64_t n = 0;
  ASSERT_EQ(QueryInt("SELECT count(*) FROM ddb_query('big', 'pk = :p', '{\":p\": \"a\"}')", &n),
            SQLITE_OK)
      << sqlite3_errmsg(db_.get());
  EXPECT_EQ(n, kBigItems);
  Stats& st = ctx_->stats();
  EXPECT_GE(st.pages.load(), 3u);
  EXPECT_EQ(st.query.load(), st.pages.load());  // one Query request per page
  EXPECT_EQ(st.requests.load(), st.pages.load());
  EXPECT_EQ(st.items_scanned.load(), static_cast<uint64_t>(kBigItems));
  EXPECT_EQ(st.items_returned.load(), static_cast<uint64_t>(kBigItems));
  EXPECT_GT(st.capacity_milli.load(), 0u);

  // Descending across pages: every sort key once, in order.
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db_.get(),
                               "SELECT json_extract(item, '$.sk') FROM ddb_query('big', 'pk = "
                               ":p', '{\":p\": \"a\"}', NULL, NULL, 1)",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  std::vector<int64_t> sks;
  while (sqlite3_step(stmt) == SQLITE_ROW) sks.push_back(sqlite3_column_int64(stmt, 0));
  sqlite3_finalize(stmt);
  ASSERT_EQ(sks.size(), static_cast<size_t>(kBigItems));
  for (int i = 0; i < kBigItems; ++i) EXPECT_EQ(sks[static_cast<size_t>(i)], kBigItems - 1 - i);
}

TEST_F(FunctionsTest, PartiqlFollowsNextTokens) {
  ctx_->stats().Reset();
  int64_t n = 0;
  ASSERT_EQ(QueryInt("SELECT count(DISTINCT json_extract(item, '$.sk')) FROM "
                     "ddb_partiql('SELECT * FROM \"big\" WHERE pk = ?', '[\"a\"]')",
                     &n),
            SQLITE_OK)
      << sqlite3_errmsg(db_.get());
  EXPECT_EQ(n, kBigItems);
  EXPECT_GE(ctx_->stats().pages.load(), 3u);
  EXPECT_EQ(ctx_->stats().query.load(), 0u);  // ExecuteStatement is no Query
  EXPECT_EQ(ctx_->stats().items_returned.load(), static_cast<uint64_t>(kBigItems));
}

TEST_F(FunctionsTest, RowsStreamWithoutReadingEveryPage) {
  for (const char* sql :
       {"SELECT count(*) FROM (SELECT item FROM ddb_query('big', 'pk = :p', '{\":p\": \"a\"}') "
        "LIMIT 1)",
        "SELECT count(*) FROM (SELECT item FROM ddb_partiql('SELECT * FROM \"big\"') LIMIT 1)"}) {
    ctx_->stats().Reset();
    int64_t n = 0;
    ASSERT_EQ(QueryInt(sql, &n), SQLITE_OK) << sqlite3_errmsg(db_.get());
    EXPECT_EQ(n, 1);
    // The first page was read; the second at most requested, never consumed.
    EXPECT_EQ(ctx_->stats().pages.load(), 1u) << sql;
  }
}

TEST_F(FunctionsTest, CancelWhileWaitingForTheRateLimitIsInterrupt) {
  // A tiny limit that the first page exhausts for a long while: the second
  // request waits in the limiter until the cancel arrives.
  ctx_->rate_limiter().SetRate(0.001);
  std::thread canceller([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    conn_->http().CancelAll();
  });
  int64_t n = 0;
  auto started = std::chrono::steady_clock::now();
  int rc = QueryInt("SELECT count(*) FROM ddb_query('big', 'pk = :p', '{\":p\": \"a\"}')", &n);
  canceller.join();
  EXPECT_EQ(rc, SQLITE_INTERRUPT) << sqlite3_errmsg(db_.get());
  EXPECT_NE(std::string(sqlite3_errmsg(db_.get())).find("ddb_query"), std::string::npos)
      << sqlite3_errmsg(db_.get());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST_F(FunctionsTest, ArgumentsFromAnotherTableNeedTheJoinTheOtherWay) {
  // The argument comes from t: SQLite must run t first (the plan with the
  // argument unusable is refused with SQLITE_CONSTRAINT), whichever way the
  // FROM clause lists them.
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(db_.get(), "CREATE TABLE t(p); INSERT INTO t VALUES ('a'), ('b')", nullptr,
                         nullptr, &err),
            SQLITE_OK);
  int64_t n = 0;
  ASSERT_EQ(QueryInt("SELECT count(*) FROM ddb_query('big', 'pk = :p', json_object(':p', t.p)) "
                     "q, t",
                     &n),
            SQLITE_OK)
      << sqlite3_errmsg(db_.get());
  EXPECT_EQ(n, kBigItems);
}

}  // namespace
}  // namespace ddb::vtab
