#include "engine/ledger/ledger.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <optional>
#include <thread>

namespace ddb::ledger {
namespace {

// Pure logic: what a backend would answer and what it was asked to delete.
class FakeBackend : public Backend {
 public:
  bool Handles(const Intent& i) override { return i.endpoint == endpoint; }
  Status Referenced(const Intent& i, std::set<std::string>* keys) override {
    if (!read_error.ok()) return read_error;
    auto it = items.find(i.item_key + "/" + i.attribute);
    if (it != items.end()) keys->insert(it->second.begin(), it->second.end());
    return Status::OK();
  }
  Status Delete(const Intent&, const std::vector<std::string>& keys) override {
    if (!delete_error.ok()) return delete_error;
    deleted.insert(deleted.end(), keys.begin(), keys.end());
    return Status::OK();
  }

  std::string endpoint = "http://ddb";
  std::map<std::string, std::set<std::string>> items;  // "key/attribute" -> referenced objects
  std::vector<std::string> deleted;
  Status read_error;
  Status delete_error;
};

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ddbsql-ledger-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    path_ = (dir_ / "state" / "ledger.db").string();
    ASSERT_TRUE(Ledger::Open(path_, &ledger_).ok());
  }
  void TearDown() override {
    ledger_.reset();
    std::filesystem::remove_all(dir_);
  }
  Intent Make(const std::string& key, const std::string& object, std::vector<std::string> old) {
    Intent i;
    i.endpoint = "http://ddb";
    i.region = "us-east-1";
    i.access_key_id = "AKID";
    i.table = "t";
    i.item_key = key;
    i.attribute = "body";
    i.s3_endpoint = "http://s3";
    i.bucket = "b";
    i.object_key = object;
    i.old_object_keys = std::move(old);
    return i;
  }
  size_t PendingCount() {
    std::vector<Intent> p;
    EXPECT_TRUE(ledger_->Pending(&p).ok());
    return p.size();
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<Ledger> ledger_;
  FakeBackend backend_;
};

TEST_F(LedgerTest, FileIsWalWithFullSyncAndTheDocumentedTable) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)), "wal");
  sqlite3_finalize(q);
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT id, statement, created, owner_host, owner_pid, owner_start,"
                               " endpoint, region, access_key_id, table_name, item_key, attribute,"
                               " s3_endpoint, bucket, object_key, old_object_keys, state, resolved"
                               " FROM intents",
                               -1, &q, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_finalize(q);
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(q, 0), 1);
  sqlite3_finalize(q);
  sqlite3_close(db);
  EXPECT_EQ(std::filesystem::status(dir_ / "state").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
}

TEST_F(LedgerTest, DefaultPathFollowsXdgStateHome) {
  // The environment is the process's: put it back afterwards.
  struct Restore {
    std::string name;
    std::optional<std::string> value;
    ~Restore() { value ? setenv(name.c_str(), value->c_str(), 1) : unsetenv(name.c_str()); }
  };
  auto saved = [](const char* name) {
    const char* v = std::getenv(name);
    return Restore{name, v ? std::optional<std::string>(v) : std::nullopt};
  };
  Restore xdg = saved("XDG_STATE_HOME");
  Restore home = saved("HOME");
  setenv("XDG_STATE_HOME", "/x/state", 1);
  EXPECT_EQ(Ledger::DefaultPath(), "/x/state/ddbsql/ledger.db");
  unsetenv("XDG_STATE_HOME");
  setenv("HOME", "/home/u", 1);
  EXPECT_EQ(Ledger::DefaultPath(), "/home/u/.local/state/ddbsql/ledger.db");
}

TEST_F(LedgerTest, WrittenDeletesSupersededObjectsOnly) {
  std::vector<Intent> intents = {Make("k1", "new", {"old", "new"}), Make("k2", "n2", {})};
  ASSERT_TRUE(ledger_->Record(&intents).ok());
  EXPECT_GT(intents[0].id, 0);
  EXPECT_EQ(PendingCount(), 2u);
  size_t deleted = 0;
  ASSERT_TRUE(ledger_->Resolve(intents, Ledger::Outcome::kWritten, &backend_, &deleted).ok());
  EXPECT_EQ(backend_.deleted, std::vector<std::string>({"old"}));
  EXPECT_EQ(deleted, 1u);
  EXPECT_EQ(PendingCount(), 0u);
}

TEST_F(LedgerTest, FailedKeepsWhatTheItemStillReferences) {
  std::vector<Intent> intents = {Make("k1", "new", {"old"}), Make("k2", "same", {"same"})};
  ASSERT_TRUE(ledger_->Record(&intents).ok());
  backend_.items["k1/body"] = {"old"};
  backend_.items["k2/body"] = {"same"};
  ASSERT_TRUE(ledger_->Resolve(intents, Ledger::Outcome::kUnknown, &backend_).ok());
  EXPECT_EQ(backend_.deleted, std::vector<std::string>({"new"}));
  EXPECT_EQ(PendingCount(), 0u);
}

TEST_F(LedgerTest, RefusedDeletesTheNewObjectsWithoutReading) {
  std::vector<Intent> intents = {Make("k1", "new", {"old"}), Make("k2", "same", {"same"})};
  ASSERT_TRUE(ledger_->Record(&intents).ok());
  backend_.read_error = Status::AwsError("ThrottlingException", "slow down", 400);
  ASSERT_TRUE(ledger_->Resolve(intents, Ledger::Outcome::kRefused, &backend_).ok());
  EXPECT_EQ(backend_.deleted, std::vector<std::string>({"new"}));
  EXPECT_EQ(PendingCount(), 0u);
}

TEST_F(LedgerTest, FailedButAppliedAfterAllKeepsTheNewObject) {
  // The request timed out, yet DynamoDB applied it: nothing may dangle.
  std::vector<Intent> intents = {Make("k1", "new", {"old"})};
  ASSERT_TRUE(ledger_->Record(&intents).ok());
  backend_.items["k1/body"] = {"new"};
  ASSERT_TRUE(ledger_->Resolve(intents, Ledger::Outcome::kUnknown, &backend_).ok());
  EXPECT_EQ(backend_.deleted, std::vector<std::string>({"old"}));
}

TEST_F(LedgerTest, DeleteFailureLeavesTheEntryToRecovery) {
  std::vector<Intent> intents = {Make("k1", "new", {"old"})};
  ASSERT_TRUE(ledger_->Record(&intents).ok());
  backend_.delete_error = Status::Transport("connection reset");
  EXPECT_FALSE(ledger_->Resolve(intents, Ledger::Outcome::kWritten, &backend_).ok());
  EXPECT_EQ(PendingCount(), 1u);
  backend_.delete_error = Status::OK();
  backend_.items["k1/body"] = {"new"};
  RecoveryReport report;
  ASSERT_TRUE(ledger_->Recover(&backend_, &report).ok());
  EXPECT_EQ(report.resolved, 1u);
  EXPECT_EQ(report.objects_kept, 1u);
  EXPECT_EQ(report.objects_deleted, 1u);
  EXPECT_EQ(backend_.deleted, std::vector<std::string>({"old"}));
}

TEST_F(LedgerTest, RecoveryKeepsWhatTheItemReferencesAndIsIdempotent) {
  // A crash after the PUTs: one write reached DynamoDB, one did not.
  std::vector<Intent> intents = {Make("k1", "a2", {"a1"}), Make("k2", "b2", {"b1"})};
  ASSERT_TRUE(ledger_->Record(&intents).ok());
  backend_.items["k1/body"] = {"a2"};  // written
  backend_.items["k2/body"] = {"b1"};  // not written
  RecoveryReport report;
  ASSERT_TRUE(ledger_->Recover(&backend_, &report).ok());
  EXPECT_EQ(report.resolved, 2u);
  std::sort(backend_.deleted.begin(), backend_.deleted.end());
  EXPECT_EQ(backend_.deleted, std::vector<std::string>({"a1", "b2"}));
  RecoveryReport again;
  ASSERT_TRUE(ledger_->Recover(&backend_, &again).ok());
  EXPECT_EQ(again.resolved, 0u);
  EXPECT_EQ(backend_.deleted.size(), 2u);
}

TEST_F(LedgerTest, OtherEndpointsAndLiveOwnersAreLeftPending) {
  std::vector<Intent> intents = {Make("k1", "x", {})};
  intents[0].endpoint = "http://elsewhere";
  ASSERT_TRUE(ledger_->Record(&intents).ok());
  // An entry owned by a live process (init) on this host.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    std::string sql =
        "INSERT INTO intents(statement, created, owner_host, owner_pid, owner_start, endpoint,"
        " region, access_key_id, table_name, item_key, attribute, s3_endpoint, bucket,"
        " object_key, old_object_keys, state) SELECT 's', created, owner_host, 1, " +
        std::to_string(ProcessStartTime(1)) +
        ", 'http://ddb', region, access_key_id, table_name, 'k9', attribute, s3_endpoint,"
        " bucket, 'y', '[]', 'pending' FROM intents";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    // And one by a process that is gone: recovered.
    std::string dead = std::string(sql).replace(sql.find(", 1, "), 5, ", 999999999, ");
    dead.replace(dead.find("'k9'"), 4, "'k8'");
    dead += " WHERE id = 1";
    ASSERT_EQ(sqlite3_exec(db, dead.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  ASSERT_EQ(PendingCount(), 3u);
  RecoveryReport report;
  ASSERT_TRUE(ledger_->Recover(&backend_, &report).ok());
  EXPECT_EQ(report.left_pending, 2u);
  EXPECT_EQ(report.resolved, 1u);
  EXPECT_EQ(backend_.deleted, std::vector<std::string>({"y"}));
}

TEST_F(LedgerTest, AnUnreadableItemStaysPending) {
  std::vector<Intent> intents = {Make("k1", "x", {})};
  ASSERT_TRUE(ledger_->Record(&intents).ok());
  backend_.read_error = Status::AwsError("AccessDeniedException", "no", 400);
  RecoveryReport report;
  ASSERT_TRUE(ledger_->Recover(&backend_, &report).ok());
  EXPECT_EQ(report.left_pending, 1u);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].find("AccessDeniedException"), std::string::npos);
  EXPECT_TRUE(backend_.deleted.empty());
}

TEST_F(LedgerTest, TwoLedgersOnOneFileRecoverTogetherSafely) {
  std::vector<Intent> intents;
  for (int i = 0; i < 50; ++i) intents.push_back(Make("k" + std::to_string(i), "o", {}));
  ASSERT_TRUE(ledger_->Record(&intents).ok());
  std::unique_ptr<Ledger> other;
  ASSERT_TRUE(Ledger::Open(path_, &other).ok());
  FakeBackend b2;
  RecoveryReport r1;
  RecoveryReport r2;
  std::thread t([&] { ASSERT_TRUE(other->Recover(&b2, &r2).ok()); });
  ASSERT_TRUE(ledger_->Recover(&backend_, &r1).ok());
  t.join();
  EXPECT_EQ(PendingCount(), 0u);
  EXPECT_GE(r1.resolved + r2.resolved, 50u);
}

}  // namespace
}  // namespace ddb::ledger
