#include "engine/ledger/ledger.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

namespace ddb::ledger {

namespace {

constexpr int kBusyTimeoutMs = 10000;
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS intents ("
    " id INTEGER PRIMARY KEY,"
    " statement TEXT NOT NULL,"
    " created TEXT NOT NULL,"
    " owner_host TEXT NOT NULL,"
    " owner_pid INTEGER NOT NULL,"
    " owner_start INTEGER NOT NULL,"
    " endpoint TEXT NOT NULL,"
    " region TEXT NOT NULL,"
    " access_key_id TEXT NOT NULL,"
    " table_name TEXT NOT NULL,"
    " item_key TEXT NOT NULL,"
    " attribute TEXT NOT NULL,"
    " s3_endpoint TEXT NOT NULL,"
    " bucket TEXT NOT NULL,"
    " object_key TEXT NOT NULL,"
    " old_object_keys TEXT NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN ('pending', 'committed', 'failed', 'recovered')),"
    " resolved TEXT);"
    "CREATE INDEX IF NOT EXISTS intents_pending ON intents(id) WHERE state = 'pending';"
    "PRAGMA user_version = 1;";

std::string NowUtc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string HostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "";
  return buf;
}

std::string RandomId() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 16; ++i) out += kHex[rd() % 16];
  return out;
}

// A prepared statement, finalized when it goes out of scope.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return stmt_; }
  void Text(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  void Int(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  std::string ColumnText(int i) {
    const unsigned char* t = sqlite3_column_text(stmt_, i);
    return t ? std::string(reinterpret_cast<const char*>(t),
                           static_cast<size_t>(sqlite3_column_bytes(stmt_, i)))
             : std::string();
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

Status SqlError(sqlite3* db, const std::string& what) {
  return Status::IOError("ledger: " + what + ": " + sqlite3_errmsg(db));
}

// The objects an entry resolves: its new one and the old ones.
std::set<std::string> Candidates(const Intent& i) {
  std::set<std::string> out(i.old_object_keys.begin(), i.old_object_keys.end());
  if (!i.object_key.empty()) out.insert(i.object_key);
  return out;
}

// True when the process that wrote `i` may still be writing.
bool OwnerAlive(const Intent& i, const std::string& host) {
  if (i.owner_pid == getpid() && i.owner_start == ProcessStartTime(getpid())) return false;  // us
  if (i.owner_host != host) return true;  // cannot tell: left alone
  int64_t start = ProcessStartTime(i.owner_pid);
  return start >= 0 && start == i.owner_start;
}

}  // namespace

void TestCrashPoint(const std::string& step) {
  const char* at = std::getenv("DDBSQL_TEST_CRASH_AT");
  if (at && step == at) raise(SIGKILL);
}

int64_t ProcessStartTime(int64_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (stat.empty()) return -1;
  // "pid (comm) state ppid ...": comm may hold spaces; fields resume after ')'.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  for (int n = 3; n <= 22 && rest >> field; ++n) {
    if (n == 22) return std::strtoll(field.c_str(), nullptr, 10);
  }
  return -1;
}

std::string Ledger::DefaultPath() {
  const char* state = std::getenv("XDG_STATE_HOME");
  std::string base;
  if (state && *state) {
    base = state;
  } else {
    const char* home = std::getenv("HOME");
    base = std::string(home ? home : ".") + "/.local/state";
  }
  return base + "/ddbsql/ledger.db";
}

Status Ledger::Open(const std::string& path, std::unique_ptr<Ledger>* out) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    bool created = std::filesystem::create_directories(dir, ec);
    if (ec)
      return Status::IOError("ledger " + path + ": cannot create its folder: " + ec.message());
    if (created) chmod(dir.c_str(), 0700);
  }
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  std::unique_ptr<Ledger> ledger(new Ledger(path, db));
  if (rc != SQLITE_OK) return SqlError(db, "cannot open " + path);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  Status s = ledger->Exec("PRAGMA journal_mode=WAL");
  if (s.ok()) s = ledger->Exec("PRAGMA synchronous=FULL");
  if (s.ok()) s = ledger->Exec(kSchema);
  if (s.ok()) {
    s = ledger->Exec(
        "DELETE FROM intents WHERE state != 'pending' AND resolved < "
        "strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-7 days')");
  }
  if (!s.ok()) return s.WithContext("ledger " + path);
  rc = sqlite3_open_v2(path.c_str(), &ledger->resolve_db_,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) return SqlError(ledger->resolve_db_, "cannot open " + path);
  sqlite3_busy_timeout(ledger->resolve_db_, kBusyTimeoutMs);
  s = ledger->Exec("PRAGMA synchronous=NORMAL", ledger->resolve_db_);
  if (!s.ok()) return s.WithContext("ledger " + path);
  chmod(path.c_str(), 0600);
  *out = std::move(ledger);
  return Status::OK();
}

Ledger::~Ledger() {
  sqlite3_close_v2(resolve_db_);
  sqlite3_close_v2(db_);
}

Status Ledger::Exec(const char* sql, sqlite3* db) {
  char* err = nullptr;
  int rc = sqlite3_exec(db ? db : db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return Status::IOError("ledger: " + msg);
  }
  return Status::OK();
}

Status Ledger::Record(std::vector<Intent>* intents) {
  if (intents->empty()) return Status::OK();
  std::lock_guard<std::mutex> lock(mu_);
  Status s = Exec("BEGIN IMMEDIATE");
  if (!s.ok()) return s;
  Stmt ins(db_,
           "INSERT INTO intents(statement, created, owner_host, owner_pid, owner_start, endpoint,"
           " region, access_key_id, table_name, item_key, attribute, s3_endpoint, bucket,"
           " object_key, old_object_keys, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
           " ?11, ?12, ?13, ?14, ?15, 'pending')");
  if (!ins.ok()) {
    Exec("ROLLBACK");
    return SqlError(db_, "record");
  }
  std::string statement = RandomId();
  std::string now = NowUtc();
  std::string host = HostName();
  int64_t pid = getpid();
  int64_t start = ProcessStartTime(pid);
  for (Intent& i : *intents) {
    ins.Text(1, statement);
    ins.Text(2, now);
    ins.Text(3, host);
    ins.Int(4, pid);
    ins.Int(5, start);
    ins.Text(6, i.endpoint);
    ins.Text(7, i.region);
    ins.Text(8, i.access_key_id);
    ins.Text(9, i.table);
    ins.Text(10, i.item_key);
    ins.Text(11, i.attribute);
    ins.Text(12, i.s3_endpoint);
    ins.Text(13, i.bucket);
    ins.Text(14, i.object_key);
    ins.Text(15, nlohmann::json(i.old_object_keys).dump());
    if (sqlite3_step(ins.get()) != SQLITE_DONE) {
      Status e = SqlError(db_, "record");
      Exec("ROLLBACK");
      return e;
    }
    sqlite3_reset(ins.get());
    i.id = sqlite3_last_insert_rowid(db_);
    i.owner_host = host;
    i.owner_pid = pid;
    i.owner_start = start;
    i.created = now;
  }
  return Exec("COMMIT");
}

Status Ledger::MarkResolved(const std::vector<int64_t>& ids, const char* state) {
  if (ids.empty()) return Status::OK();
  std::lock_guard<std::mutex> lock(resolve_mu_);
  Status s = Exec("BEGIN IMMEDIATE", resolve_db_);
  if (!s.ok()) return s;
  s = MarkResolvedLocked(ids, state);
  if (!s.ok()) {
    Exec("ROLLBACK", resolve_db_);
    return s;
  }
  return Exec("COMMIT", resolve_db_);
}

Status Ledger::MarkResolvedLocked(const std::vector<int64_t>& ids, const char* state) {
  Stmt up(resolve_db_,
          "UPDATE intents SET state = ?1, resolved = ?2 WHERE id = ?3 AND state = 'pending'");
  if (!up.ok()) return SqlError(resolve_db_, "resolve");
  std::string now = NowUtc();
  for (int64_t id : ids) {
    up.Text(1, state);
    up.Text(2, now);
    up.Int(3, id);
    if (sqlite3_step(up.get()) != SQLITE_DONE) return SqlError(resolve_db_, "resolve");
    sqlite3_reset(up.get());
  }
  return Status::OK();
}

Status Ledger::Resolve(const std::vector<Intent>& intents, Outcome outcome, Backend* backend,
                       size_t* deleted) {
  const bool written = outcome == Outcome::kWritten;
  std::vector<int64_t> done;
  Status first;
  size_t attempted = 0;  // numbers the crash points of the deletes
  for (const Intent& i : intents) {
    std::vector<std::string> doomed;
    Status s;
    if (written) {
      for (const auto& k : i.old_object_keys) {
        if (k != i.object_key) doomed.push_back(k);
      }
    } else if (outcome == Outcome::kRefused && !i.old_object_keys.empty()) {
      // What the item held was read before the write (UPDATE): the new
      // object is ours unless the item referenced it already.
      if (!i.object_key.empty() && std::find(i.old_object_keys.begin(), i.old_object_keys.end(),
                                             i.object_key) == i.old_object_keys.end()) {
        doomed.push_back(i.object_key);
      }
    } else {
      // A write without an answer may still have reached DynamoDB (a
      // timeout after sending); a refused INSERT's new key may be the one
      // the existing item references (keys are content-addressed: INSERT
      // OR IGNORE of the same value): what the item references now decides.
      std::set<std::string> referenced;
      s = backend->Referenced(i, &referenced);
      for (const auto& k : Candidates(i)) {
        if (s.ok() && !referenced.count(k)) doomed.push_back(k);
      }
    }
    for (size_t k = 0; k < doomed.size() && s.ok(); ++k) {
      TestCrashPoint("before-delete-" + std::to_string(attempted + k + 1));
      s = backend->Delete(i, {doomed[k]});
      TestCrashPoint("after-delete-" + std::to_string(attempted + k + 1));
    }
    attempted += doomed.size();
    if (s.ok()) {
      done.push_back(i.id);
      if (deleted) *deleted += doomed.size();
    } else if (first.ok()) {
      first = s;  // stays pending: Recover finishes it
    }
  }
  Status s = MarkResolved(done, written ? "committed" : "failed");
  return first.ok() ? s : first;
}

Status Ledger::Pending(std::vector<Intent>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt q(db_,
         "SELECT id, created, owner_host, owner_pid, owner_start, endpoint, region, access_key_id,"
         " table_name, item_key, attribute, s3_endpoint, bucket, object_key, old_object_keys"
         " FROM intents WHERE state = 'pending' ORDER BY id");
  if (!q.ok()) return SqlError(db_, "read");
  int rc;
  while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
    Intent i;
    i.id = sqlite3_column_int64(q.get(), 0);
    i.created = q.ColumnText(1);
    i.owner_host = q.ColumnText(2);
    i.owner_pid = sqlite3_column_int64(q.get(), 3);
    i.owner_start = sqlite3_column_int64(q.get(), 4);
    i.endpoint = q.ColumnText(5);
    i.region = q.ColumnText(6);
    i.access_key_id = q.ColumnText(7);
    i.table = q.ColumnText(8);
    i.item_key = q.ColumnText(9);
    i.attribute = q.ColumnText(10);
    i.s3_endpoint = q.ColumnText(11);
    i.bucket = q.ColumnText(12);
    i.object_key = q.ColumnText(13);
    nlohmann::json old = nlohmann::json::parse(q.ColumnText(14), nullptr, false);
    if (old.is_array()) {
      for (const auto& k : old) {
        if (k.is_string()) i.old_object_keys.push_back(k.get<std::string>());
      }
    }
    out->push_back(std::move(i));
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "read");
  return Status::OK();
}

Status Ledger::Recover(Backend* backend, RecoveryReport* report) {
  std::vector<Intent> pending;
  Status s = Pending(&pending);
  if (!s.ok()) return s;
  std::string host = HostName();
  std::vector<int64_t> done;
  for (const Intent& i : pending) {
    if (!backend->Handles(i) || OwnerAlive(i, host)) {
      ++report->left_pending;
      continue;
    }
    std::set<std::string> referenced;
    s = backend->Referenced(i, &referenced);
    std::vector<std::string> doomed;
    if (s.ok()) {
      for (const auto& k : Candidates(i)) {
        if (referenced.count(k)) {
          ++report->objects_kept;
        } else {
          doomed.push_back(k);
        }
      }
      if (!doomed.empty()) s = backend->Delete(i, doomed);
    }
    if (!s.ok()) {
      report->errors.push_back("table " + i.table + " key " + i.item_key + " attribute " +
                               i.attribute + ": " + s.ToString());
      ++report->left_pending;
      continue;
    }
    report->objects_deleted += doomed.size();
    ++report->resolved;
    done.push_back(i.id);
  }
  return MarkResolved(done, "recovered");
}

}  // namespace ddb::ledger
