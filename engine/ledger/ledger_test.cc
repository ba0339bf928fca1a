#include "engine/ledger/ledger.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

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
    ++delete_calls;
    if (!delete_error.ok()) return delete_error;
    deleted.insert(deleted.end(), keys.begin(), keys.end());
    return Status::OK();
  }

  std::string endpoint = "http://ddb";
  std::map<std::string, std::set<std::string>> items;  // "key/attribute" -> referenced objects
  std::vector<std::string> deleted;
  int delete_calls = 0;
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
  // synchronous is a setting of each connection, not of the file: the
  // ledger's own connections are asked. Intents are recorded with FULL
  // (durable before any PUT); marks of resolution need only NORMAL.
  int record = -1;
  int resolve = -1;
  ASSERT_TRUE(ledger_->SynchronousModes(&record, &resolve).ok());
  EXPECT_EQ(record, 2) << "synchronous=FULL";
  EXPECT_EQ(resolve, 1) << "synchronous=NORMAL";
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
  // A writer that has ended (its lock file removed) left 50 entries; two
  // ledgers recover them at once: each entry is resolved by exactly one.
  {
    std::unique_ptr<Ledger> writer;
    ASSERT_TRUE(Ledger::Open(path_, &writer).ok());
    std::vector<Intent> intents;
    for (int i = 0; i < 50; ++i) {
      intents.push_back(Make("k" + std::to_string(i), "o" + std::to_string(i), {}));
    }
    ASSERT_TRUE(writer->Record(&intents).ok());
  }
  std::unique_ptr<Ledger> other;
  ASSERT_TRUE(Ledger::Open(path_, &other).ok());
  FakeBackend b2;
  RecoveryReport r1;
  RecoveryReport r2;
  std::thread t([&] { ASSERT_TRUE(other->Recover(&b2, &r2).ok()); });
  ASSERT_TRUE(ledger_->Recover(&backend_, &r1).ok());
  t.join();
  EXPECT_EQ(PendingCount(), 0u);
  EXPECT_EQ(r1.resolved + r2.resolved, 50u) << r1.resolved << " + " << r2.resolved;
  // Every object deleted once, by one of them.
  std::map<std::string, int> deletes;
  for (const auto* b : {&backend_, &b2}) {
    for (const std::string& k : b->deleted) ++deletes[k];
  }
  EXPECT_EQ(deletes.size(), 50u);
  for (const auto& [k, n] : deletes) EXPECT_EQ(n, 1) << k;
}

// --- Owner liveness, deferred opening, migration, forgetting (issue 20) ---
TEST_F(LedgerTest, StaleOwnerLocksGoWhenALedgerOpensWithNothingPending) {
  // Owners that ended without removing their lock file (kill -9) and left
  // nothing pending: the next ledger to open removes the files nobody
  // holds, and keeps a held one and a young one (an owner between creating
  // its file and locking it).
  std::filesystem::path owners = dir_ / "state" / "owners";
  std::filesystem::create_directories(owners);
  auto make = [&](const std::string& name, bool old) {
    std::filesystem::path p = owners / name;
    std::ofstream(p) << "ddbsql pid 1\n";
    if (old) {
      std::filesystem::last_write_time(
          p, std::filesystem::file_time_type::clock::now() - std::chrono::minutes(5));
    }
    return p;
  };
  std::filesystem::path dead = make("host-1-dead.lock", true);
  std::filesystem::path held = make("host-2-held.lock", true);
  std::filesystem::path young = make("host-3-young.lock", false);
  int fd = open(held.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
  ASSERT_EQ(PendingCount(), 0u);
  std::unique_ptr<Ledger> next;
  ASSERT_TRUE(Ledger::Open(path_, &next).ok());
  EXPECT_FALSE(std::filesystem::exists(dead));
  EXPECT_TRUE(std::filesystem::exists(held));
  EXPECT_TRUE(std::filesystem::exists(young));
  close(fd);
}

// Waits until `pid` (our child, not reaped) is a zombie.
bool WaitForZombie(pid_t pid) {
  for (int n = 0; n < 500; ++n) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    size_t close = stat.rfind(')');
    if (close != std::string::npos && stat.compare(close + 2, 1, "Z") == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// In a child: records one intent through a ledger of its own, tells the
// parent on `ready`, then waits for `go` (or, with go < 0, exits at once).
[[noreturn]] void ChildRecords(const std::string& path, int ready, int go) {
  std::unique_ptr<Ledger> ledger;
  Intent i;
  i.endpoint = "http://ddb";
  i.table = "t";
  i.item_key = "child";
  i.attribute = "body";
  i.s3_endpoint = "http://s3";
  i.bucket = "b";
  i.object_key = "from-child";
  std::vector<Intent> intents = {i};
  bool ok = Ledger::Open(path, &ledger).ok() && ledger->Record(&intents).ok();
  char c = ok ? 'y' : 'n';
  if (write(ready, &c, 1) != 1) _exit(2);
  if (go >= 0 && read(go, &c, 1) < 0) _exit(3);
  _exit(0);  // as kill -9 would: no destructor, the lock file stays
}

TEST_F(LedgerTest, AZombieOwnerIsDeadAndALiveOneIsLeftAlone) {
  int ready[2];
  int go[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(go), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) ChildRecords(path_, ready[1], go[0]);
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  // Alive, holding its lock: left alone.
  RecoveryReport alive;
  ASSERT_TRUE(ledger_->Recover(&backend_, &alive).ok());
  EXPECT_EQ(alive.running, 1u);
  EXPECT_EQ(alive.resolved, 0u);
  std::vector<Intent> pending;
  ASSERT_TRUE(ledger_->Pending(&pending).ok());
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(ledger_->OwnerOf(pending[0]), Owner::kRunning);
  EXPECT_EQ(pending[0].owner_lock.rfind("owners/", 0), 0u) << pending[0].owner_lock;
  EXPECT_EQ(pending[0].owner_boot, BootId());
  // Killed, not reaped: a zombie with the same start time. Dead.
  kill(pid, SIGKILL);
  ASSERT_TRUE(WaitForZombie(pid));
  EXPECT_EQ(ProcessStartTime(pid), -1);
  EXPECT_EQ(ledger_->OwnerOf(pending[0]), Owner::kGone);
  RecoveryReport dead;
  ASSERT_TRUE(ledger_->Recover(&backend_, &dead).ok());
  EXPECT_EQ(dead.resolved, 1u);
  EXPECT_EQ(backend_.deleted, std::vector<std::string>({"from-child"}));
  EXPECT_EQ(PendingCount(), 0u);
  // No pending entry names the dead owner's lock: it may go (after a minute).
  EXPECT_TRUE(std::filesystem::exists(dir_ / "state" / pending[0].owner_lock));
  int status = 0;
  waitpid(pid, &status, 0);
  for (int fd : {ready[0], ready[1], go[0], go[1]}) close(fd);
}

TEST_F(LedgerTest, AnExitedOwnerWhosePidRunsAgainIsDead) {
  // The /proc check of older entries would call this owner alive (same
  // pid, same start time as recorded); the lock says it has ended.
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) ChildRecords(path_, ready[1], -1);
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  ASSERT_TRUE(WaitForZombie(pid));
  // Pretend the pid was reused by a live process: this one.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  std::string sql = "UPDATE intents SET owner_pid = " + std::to_string(getpid()) +
                    ", owner_start = " + std::to_string(ProcessStartTime(getpid()));
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  RecoveryReport report;
  ASSERT_TRUE(ledger_->Recover(&backend_, &report).ok());
  EXPECT_EQ(report.resolved, 1u);
  int status = 0;
  waitpid(pid, &status, 0);
  close(ready[0]);
  close(ready[1]);
}

TEST_F(LedgerTest, OtherHostsEntriesWaitADayOrForOtherHosts) {
  std::vector<Intent> intents = {Make("k1", "x", {}), Make("k2", "y", {})};
  ASSERT_TRUE(ledger_->Record(&intents).ok());
  // Another machine's owner: its lock file is free, its kernel another.
  std::ofstream(dir_ / "state" / "owners" / "far.lock") << "";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE intents SET owner_host = 'far', owner_boot = 'other-kernel',"
                         " owner_lock = 'owners/far.lock'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  // k2 is two days old.
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE intents SET created = strftime('%Y-%m-%dT%H:%M:%SZ', 'now',"
                         " '-2 days') WHERE item_key = 'k2'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  RecoveryReport report;
  ASSERT_TRUE(ledger_->Recover(&backend_, &report).ok());
  EXPECT_EQ(report.other_hosts, 1u);
  EXPECT_EQ(report.resolved, 1u);
  EXPECT_EQ(backend_.deleted, std::vector<std::string>({"y"}));
  RecoverOptions options;
  options.other_hosts = true;
  RecoveryReport forced;
  ASSERT_TRUE(ledger_->Recover(&backend_, &forced, options).ok());
  EXPECT_EQ(forced.resolved, 1u);
  EXPECT_EQ(PendingCount(), 0u);
}

TEST_F(LedgerTest, AnUnreachableEndpointIsTriedOnceAndCtrlCSkips) {
  std::vector<Intent> intents;
  for (int i = 0; i < 20; ++i) intents.push_back(Make("k" + std::to_string(i), "o", {}));
  intents.push_back(Make("elsewhere", "p", {}));
  intents.back().s3_endpoint = "http://other-s3";
  ledger_.reset();  // as after a crash: another process recovers
  ASSERT_TRUE(Ledger::Open(path_, &ledger_).ok());
  {
    std::unique_ptr<Ledger> writer;
    ASSERT_TRUE(Ledger::Open(path_, &writer).ok());
    ASSERT_TRUE(writer->Record(&intents).ok());
  }
  backend_.delete_error = Status::Transport("connection refused");
  RecoveryReport report;
  ASSERT_TRUE(ledger_->Recover(&backend_, &report).ok());
  EXPECT_EQ(backend_.delete_calls, 2);  // once for http://s3, once for http://other-s3
  EXPECT_EQ(report.unreachable["http://s3"], 20u);
  EXPECT_EQ(report.unreachable["http://other-s3"], 1u);
  EXPECT_EQ(report.left_pending, 21u);
  EXPECT_TRUE(report.errors.empty());
  // Ctrl-C after the third entry: the rest are not tried.
  backend_.delete_error = Status::OK();
  int polled = 0;
  RecoverOptions options;
  options.cancelled = [&polled] { return ++polled > 3; };
  RecoveryReport cut;
  ASSERT_TRUE(ledger_->Recover(&backend_, &cut, options).ok());
  EXPECT_TRUE(cut.cancelled);
  EXPECT_EQ(cut.resolved, 3u);
  EXPECT_EQ(cut.skipped, 18u);
  EXPECT_EQ(PendingCount(), 18u);
}

TEST_F(LedgerTest, ForgetMarksEntriesAbandoned) {
  std::vector<Intent> intents = {Make("k1", "x", {"old"}), Make("k2", "y", {})};
  ASSERT_TRUE(ledger_->Record(&intents).ok());
  std::vector<Intent> forgotten;
  ASSERT_TRUE(ledger_->Forget({intents[0].id}, &forgotten).ok());
  ASSERT_EQ(forgotten.size(), 1u);
  EXPECT_EQ(forgotten[0].object_key, "x");
  EXPECT_EQ(PendingCount(), 1u);
  forgotten.clear();
  ASSERT_TRUE(ledger_->Forget({}, &forgotten).ok());
  EXPECT_EQ(forgotten.size(), 1u);
  EXPECT_EQ(PendingCount(), 0u);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM intents WHERE state = 'abandoned'", -1, &q,
                               nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(q, 0), 2);
  sqlite3_finalize(q);
  sqlite3_close(db);
}

TEST_F(LedgerTest, DeferredCreatesNothingUntilAWriteNeedsIt) {
  std::filesystem::path base = dir_ / "home";
  std::string path = (base / ".local" / "state" / "ddbsql" / "ledger.db").string();
  std::unique_ptr<Ledger> ledger = Ledger::Deferred(path, base.string());
  std::vector<Intent> pending;
  ASSERT_TRUE(ledger->Pending(&pending).ok());
  EXPECT_TRUE(pending.empty());
  RecoveryReport report;
  ASSERT_TRUE(ledger->Recover(&backend_, &report).ok());
  EXPECT_FALSE(ledger->Exists());
  // A missing base (HOME) is never created.
  std::vector<Intent> intents = {Make("k1", "x", {})};
  Status s = ledger->Record(&intents);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("does not exist"), std::string::npos) << s.ToString();
  EXPECT_FALSE(std::filesystem::exists(base));
  // Below an existing one, ddbsql's own folders are made (0700).
  std::filesystem::create_directories(base);
  ledger = Ledger::Deferred(path, base.string());
  ASSERT_TRUE(ledger->Record(&intents).ok());
  EXPECT_TRUE(ledger->Exists());
  EXPECT_EQ(std::filesystem::status(base / ".local").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  // No path at all (no HOME): a write says why.
  ledger = Ledger::Deferred("", "");
  s = ledger->Record(&intents);
  EXPECT_NE(s.ToString().find("HOME"), std::string::npos) << s.ToString();
}

TEST_F(LedgerTest, AnOlderLedgerIsMigratedWithItsEntries) {
  std::string old_path = (dir_ / "old.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(old_path.c_str(), &db), SQLITE_OK);
  // The table as the first ddbsql with a ledger wrote it.
  ASSERT_EQ(sqlite3_exec(
                db,
                "PRAGMA journal_mode=WAL;"
                "CREATE TABLE intents (id INTEGER PRIMARY KEY, statement TEXT NOT NULL,"
                " created TEXT NOT NULL, owner_host TEXT NOT NULL, owner_pid INTEGER NOT NULL,"
                " owner_start INTEGER NOT NULL, endpoint TEXT NOT NULL, region TEXT NOT NULL,"
                " access_key_id TEXT NOT NULL, table_name TEXT NOT NULL, item_key TEXT NOT NULL,"
                " attribute TEXT NOT NULL, s3_endpoint TEXT NOT NULL, bucket TEXT NOT NULL,"
                " object_key TEXT NOT NULL, old_object_keys TEXT NOT NULL, state TEXT NOT NULL"
                " CHECK (state IN ('pending', 'committed', 'failed', 'recovered')),"
                " resolved TEXT);"
                "CREATE INDEX intents_pending ON intents(id) WHERE state = 'pending';"
                "PRAGMA user_version = 1;"
                "INSERT INTO intents VALUES (7, 's', '2026-01-01T00:00:00Z', 'h', 999999999, 1,"
                " 'http://ddb', 'r', 'AKID', 't', 'k7', 'body', 'http://s3', 'b', 'o7', '[\"p7\"]',"
                " 'pending', NULL);"
                "INSERT INTO intents VALUES (8, 's', '2026-01-01T00:00:00Z', 'h', 1, 1,"
                " 'http://ddb', 'r', 'AKID', 't', 'k8', 'body', 'http://s3', 'b', 'o8', '[]',"
                " 'committed', '2099-01-01T00:00:00Z');",
                nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  std::unique_ptr<Ledger> ledger;
  ASSERT_TRUE(Ledger::Open(old_path, &ledger).ok());
  std::vector<Intent> pending;
  ASSERT_TRUE(ledger->Pending(&pending).ok());
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, 7);
  EXPECT_EQ(pending[0].object_key, "o7");
  EXPECT_EQ(pending[0].old_object_keys, std::vector<std::string>({"p7"}));
  EXPECT_EQ(pending[0].owner_lock, "");
  std::vector<Intent> intents = {Make("k9", "o9", {})};
  ASSERT_TRUE(ledger->Record(&intents).ok());
  EXPECT_GT(intents[0].id, 8);
  std::vector<Intent> forgotten;
  ASSERT_TRUE(ledger->Forget({7}, &forgotten).ok());
  ledger.reset();
  // Opening again changes nothing; an older ddbsql's INSERT still works.
  ASSERT_TRUE(Ledger::Open(old_path, &ledger).ok());
  ledger.reset();
  ASSERT_EQ(sqlite3_open(old_path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "INSERT INTO intents(statement, created, owner_host, owner_pid,"
                         " owner_start, endpoint, region, access_key_id, table_name, item_key,"
                         " attribute, s3_endpoint, bucket, object_key, old_object_keys, state)"
                         " VALUES ('s', 'c', 'h', 1, 1, 'e', 'r', 'a', 't', 'k', 'a', 's', 'b',"
                         " 'o', '[]', 'pending')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT (SELECT user_version FROM pragma_user_version),"
                               " (SELECT count(*) FROM intents),"
                               " (SELECT state FROM intents WHERE id = 7)",
                               -1, &q, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(q, 0), 1);
  EXPECT_EQ(sqlite3_column_int(q, 1), 4);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 2)), "abandoned");
  sqlite3_finalize(q);
  sqlite3_close(db);
}

TEST_F(LedgerTest, ACorruptFileIsAnErrorNamingIt) {
  std::string bad = (dir_ / "bad.db").string();
  std::ofstream(bad) << std::string(4096, 'x');
  std::unique_ptr<Ledger> ledger = Ledger::Deferred(bad, "");
  ASSERT_TRUE(ledger->Exists());
  std::vector<Intent> pending;
  Status s = ledger->Pending(&pending);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find(bad), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace ddb::ledger
