#include "engine/ledger/ledger.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine/sqlite_util.h"

namespace ddb::ledger {

namespace {

constexpr int kBusyTimeoutMs = 10000;
constexpr int kFormat = 1;  // user_version: additions keep it
// The table; `name` lets a migration build it beside an older one.
std::string TableSql(const char* name) {
  return std::string("CREATE TABLE IF NOT EXISTS ") + name +
         " ("
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
         " state TEXT NOT NULL CHECK (state IN ('pending', 'committed', 'failed', 'recovered',"
         " 'abandoned')),"
         " resolved TEXT,"
         " owner_lock TEXT NOT NULL DEFAULT '',"
         " owner_boot TEXT NOT NULL DEFAULT '');";
}
constexpr const char* kIndex =
    "CREATE INDEX IF NOT EXISTS intents_pending ON intents(id) WHERE state = 'pending';";
// The columns before owner_lock and owner_boot, copied by the migration.
constexpr const char* kFormat1Columns =
    "id, statement, created, owner_host, owner_pid, owner_start, endpoint, region,"
    " access_key_id, table_name, item_key, attribute, s3_endpoint, bucket, object_key,"
    " old_object_keys, state, resolved";

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

// Fills `bytes` from /dev/urandom; false when it cannot be read.
bool ReadUrandom(unsigned char* bytes, size_t size) {
  std::ifstream in("/dev/urandom", std::ios::binary);
  return in.read(reinterpret_cast<char*>(bytes), static_cast<std::streamsize>(size)).good();
}

// 16 hex digits from the kernel's generator. getrandom(2), not a
// std::random_device per call: opening one cost more than the rest of a
// Record (README "Speed"). GRND_NONBLOCK: before the pool is first seeded
// (early boot, a fresh VM) getrandom would block the write; /dev/urandom
// answers then (these ids need to be unique, not secret).
std::string RandomId() {
  static constexpr char kHex[] = "0123456789abcdef";
  unsigned char bytes[8] = {0};
  size_t got = 0;
  while (got < sizeof(bytes)) {
    ssize_t n = getrandom(bytes + got, sizeof(bytes) - got, GRND_NONBLOCK);
    if (n > 0) {
      got += static_cast<size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      if (ReadUrandom(bytes, sizeof(bytes))) break;
      // Neither (no getrandom before Linux 3.17, no /dev in a sandbox): the
      // time and address still tell one statement from another.
      uint64_t fallback =
          static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
          reinterpret_cast<uintptr_t>(&got);
      std::memcpy(bytes, &fallback, sizeof(bytes));
      break;
    }
  }
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

Status SqlError(sqlite3* db, const std::string& what) {
  return Status::IOError("ledger: " + what + ": " + sqlite3_errmsg(db));
}

// The objects an entry resolves: its new one and the old ones.
std::set<std::string> Candidates(const Intent& i) {
  std::set<std::string> out(i.old_object_keys.begin(), i.old_object_keys.end());
  if (!i.object_key.empty()) out.insert(i.object_key);
  return out;
}

// Seconds since the epoch of "2026-12-02T21:50:00Z"; 0 when malformed.
int64_t ParseUtc(const std::string& t) {
  std::tm tm{};
  if (!strptime(t.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

// True when /proc shows process `pid`, started at `start`, as a zombie
// (or dying): it has been killed or has exited.
bool Dying(int64_t pid, int64_t start) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(stat.substr(close + 2));
  std::string state;
  std::string field;
  rest >> state;
  for (int n = 4; n <= 22 && rest >> field; ++n) {
    if (n == 22)
      return (state == "Z" || state == "X") && std::strtoll(field.c_str(), nullptr, 10) == start;
  }
  return false;
}

enum class LockProbe { kHeld, kFree, kMissing, kError };

// Whether someone holds the flock on `path`. A shared lock is enough to
// tell: owners hold theirs exclusively, and two probes do not exclude each
// other.
LockProbe Probe(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return errno == ENOENT ? LockProbe::kMissing : LockProbe::kError;
  LockProbe out = LockProbe::kFree;
  if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
    out = errno == EWOULDBLOCK ? LockProbe::kHeld : LockProbe::kError;
  }
  close(fd);  // releases the probe's lock
  return out;
}

// Creates `dir` and the folders leading to it below `base` (which must
// exist), mode 0700; never `base` itself nor anything above it.
Status MakeFolders(const std::filesystem::path& dir, const std::filesystem::path& base) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return Status::OK();
  if (!std::filesystem::is_directory(base, ec)) {
    return Status::IOError(base.string() + " does not exist (ddbsql creates only its own folders)");
  }
  std::filesystem::path rel = dir.lexically_relative(base);
  if (rel.empty() || *rel.begin() == "..") {
    return Status::IOError(dir.string() + " is not below " + base.string());
  }
  std::filesystem::path at = base;
  for (const auto& part : rel) {
    at /= part;
    if (mkdir(at.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::IOError("cannot create " + at.string() + ": " + std::strerror(errno));
    }
  }
  return Status::OK();
}

}  // namespace

void TestCrashPoint(const std::string& step) {
  const char* at = std::getenv("DDBSQL_TEST_CRASH_AT");
  if (at && step == at) raise(SIGKILL);
  const char* pause = std::getenv("DDBSQL_TEST_PAUSE_AT");
  if (pause && step == pause) raise(SIGSTOP);  // alive, holding its lock, until SIGCONT
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
    // Field 3, the state: a zombie (Z) or a dying process (X) has ended.
    if (n == 3 && (field == "Z" || field == "X")) return -1;
    if (n == 22) return std::strtoll(field.c_str(), nullptr, 10);
  }
  return -1;
}

std::string BootId() {
  std::ifstream f("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(f, id);
  return id;
}

const char* OwnerName(Owner owner) {
  switch (owner) {
    case Owner::kThisProcess:
      return "this process";
    case Owner::kRunning:
      return "owner running";
    case Owner::kGone:
      return "owner gone";
    case Owner::kOtherHost:
      return "other host";
  }
  return "";
}

std::string Ledger::DefaultBase() {
  const char* state = std::getenv("XDG_STATE_HOME");
  if (state && *state == '/') return state;
  const char* home = std::getenv("HOME");
  return home && *home ? home : "";
}

std::string Ledger::DefaultPath() {
  const char* state = std::getenv("XDG_STATE_HOME");
  if (state && *state == '/') return std::string(state) + "/ddbsql/ledger.db";
  const char* home = std::getenv("HOME");
  if (!home || !*home) return "";
  return std::string(home) + "/.local/state/ddbsql/ledger.db";
}

std::unique_ptr<Ledger> Ledger::Deferred(std::string path, std::string base) {
  return std::unique_ptr<Ledger>(new Ledger(std::move(path), std::move(base)));
}

Status Ledger::Open(const std::string& path, std::unique_ptr<Ledger>* out) {
  // Every folder up to the file (the caller chose the path).
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    bool created = std::filesystem::create_directories(dir, ec);
    if (ec)
      return Status::IOError("ledger " + path + ": cannot create its folder: " + ec.message());
    if (created) chmod(dir.c_str(), 0700);
  }
  std::unique_ptr<Ledger> ledger = Deferred(path, "");
  Status s = ledger->EnsureOpen(true);
  if (!s.ok()) return s;
  *out = std::move(ledger);
  return Status::OK();
}

bool Ledger::Exists() const {
  std::error_code ec;
  return !path_.empty() && std::filesystem::exists(path_, ec);
}

Status Ledger::OpenExisting() { return EnsureOpen(false); }

Status Ledger::EnsureOpen(bool create) {
  std::lock_guard<std::mutex> lock(open_mu_);
  if (opened_) return Status::OK();
  if (!create && !Exists()) return Status::NotFound("ledger " + path_ + " does not exist");
  if (!open_error_.ok()) return open_error_;  // said once: the same answer
  Status s = OpenLocked(create);
  if (!s.ok()) {
    sqlite3_close_v2(resolve_db_);
    sqlite3_close_v2(db_);
    resolve_db_ = db_ = nullptr;
    open_error_ = s;
    return s;
  }
  opened_ = true;
  // The ledger is open anyway: owner lock files nobody holds any more go
  // now, even when nothing is pending (Recover would not look then).
  RemoveStaleLocks();
  return Status::OK();
}

Status Ledger::OpenLocked(bool create) {
  if (path_.empty()) {
    return Status::IOError(
        "no place for the S3 write ledger: neither HOME nor XDG_STATE_HOME is set (--ledger "
        "FILE)");
  }
  std::filesystem::path dir = std::filesystem::path(path_).parent_path();
  if (create && !dir.empty()) {
    Status s = MakeFolders(dir, base_.empty() ? dir.parent_path() : std::filesystem::path(base_));
    if (!s.ok()) return s.WithContext("ledger " + path_);
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) return SqlError(db_, "cannot open " + path_);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  Status s = Exec("PRAGMA journal_mode=WAL");
  if (s.ok()) s = Exec("PRAGMA synchronous=FULL");
  if (s.ok()) s = Migrate();
  if (s.ok()) {
    s = Exec(
        "DELETE FROM intents WHERE state != 'pending' AND resolved < "
        "strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-7 days')");
  }
  if (!s.ok()) return s.WithContext("ledger " + path_);
  rc = sqlite3_open_v2(path_.c_str(), &resolve_db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                       nullptr);
  if (rc != SQLITE_OK) return SqlError(resolve_db_, "cannot open " + path_);
  sqlite3_busy_timeout(resolve_db_, kBusyTimeoutMs);
  s = Exec("PRAGMA synchronous=NORMAL", resolve_db_);
  if (!s.ok()) return s.WithContext("ledger " + path_);
  chmod(path_.c_str(), 0600);
  return Status::OK();
}

// Creates the table, or brings an older ddbsql's (no owner_lock, no
// 'abandoned') to it in one transaction (SQLite cannot change a CHECK in
// place: the table is copied). Decided by the columns: additions keep
// user_version.
Status Ledger::Migrate() {
  Status s = Exec("BEGIN IMMEDIATE");
  if (!s.ok()) return s;
  auto fail = [this](Status e) {
    Exec("ROLLBACK");
    return e;
  };
  int64_t version = 0;
  {
    sql::Statement q;
    if (!q.Prepare(db_, "PRAGMA user_version").ok() || !q.Step()) {
      return fail(SqlError(db_, "read format"));
    }
    version = q.ColumnInt(0);
  }
  if (version > kFormat) {
    return fail(Status::NotSupported("format " + std::to_string(version) +
                                     " is of a newer ddbsql (this one reads up to " +
                                     std::to_string(kFormat) + ")"));
  }
  bool has_table = false;
  bool has_lock = false;
  {
    sql::Statement q;
    if (!q.Prepare(db_, "SELECT name FROM pragma_table_info('intents')").ok()) {
      return fail(SqlError(db_, "read format"));
    }
    while (q.Step()) {
      has_table = true;
      if (q.ColumnText(0) == "owner_lock") has_lock = true;
    }
  }
  if (!has_table) {
    s = Exec(TableSql("intents").c_str());
  } else if (!has_lock) {
    std::string copy = TableSql("intents_new") + "INSERT INTO intents_new(" + kFormat1Columns +
                       ") SELECT " + kFormat1Columns +
                       " FROM intents;"
                       "DROP TABLE intents;"
                       "ALTER TABLE intents_new RENAME TO intents;";
    s = Exec(copy.c_str());
  }
  if (s.ok()) s = Exec(kIndex);
  if (s.ok() && version != kFormat) s = Exec("PRAGMA user_version = 1");
  if (!s.ok()) return fail(s);
  return Commit();
}

std::string Ledger::LockPath(const std::string& name) const {
  if (!name.empty() && name[0] == '/') return name;
  return (std::filesystem::path(path_).parent_path() / name).string();
}

Status Ledger::TakeOwnerLock() {
  if (lock_fd_ >= 0) return Status::OK();
  std::string name =
      "owners/" + HostName() + "-" + std::to_string(getpid()) + "-" + RandomId() + ".lock";
  std::string path = LockPath(name);
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::IOError("ledger: cannot create " + dir.string() + ": " + std::strerror(errno));
  }
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return Status::IOError("ledger: cannot create " + path + ": " + std::strerror(errno));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    Status e = Status::IOError("ledger: cannot lock " + path + ": " + std::strerror(errno));
    close(fd);
    unlink(path.c_str());
    return e;
  }
  std::string who = "ddbsql pid " + std::to_string(getpid()) + " on " + HostName() + "\n";
  ssize_t n = write(fd, who.data(), who.size());
  (void)n;
  lock_fd_ = fd;
  lock_name_ = name;
  return Status::OK();
}

Owner Ledger::OwnerOf(const Intent& i) {
  const std::string host = HostName();
  if (!i.owner_lock.empty() && i.owner_lock == lock_name_) return Owner::kThisProcess;
  if (i.owner_lock.empty() && i.owner_host == host && i.owner_pid == getpid() &&
      i.owner_start == ProcessStartTime(getpid())) {
    return Owner::kThisProcess;
  }
  const std::string boot = BootId();
  const bool same_kernel = !boot.empty() && i.owner_boot == boot;
  if (!i.owner_lock.empty()) {
    LockProbe p = Probe(LockPath(i.owner_lock));
    // A process killed while several threads run shows its first thread as
    // a zombie while the others are still closing its files (and its lock):
    // a dying owner of ours is given a moment to let go.
    for (int n = 0; n < 40 && p == LockProbe::kHeld && same_kernel && i.owner_host == host &&
                    Dying(i.owner_pid, i.owner_start);
         ++n) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      p = Probe(LockPath(i.owner_lock));
    }
    if (p == LockProbe::kHeld || p == LockProbe::kError) return Owner::kRunning;
    if (p == LockProbe::kMissing) return Owner::kGone;  // its owner ended and removed it
    // Free: the kernel vouches when it is ours; on the same host name a
    // new boot id means a reboot.
    if (same_kernel || i.owner_host == host) return Owner::kGone;
    return Owner::kOtherHost;
  }
  // Format 1: no lock to ask; /proc, where a zombie counts as dead.
  if (i.owner_host != host) return Owner::kOtherHost;
  int64_t start = ProcessStartTime(i.owner_pid);
  return start >= 0 && start == i.owner_start ? Owner::kRunning : Owner::kGone;
}

void Ledger::RemoveStaleLocks() {
  std::filesystem::path dir = std::filesystem::path(LockPath("owners"));
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return;
  std::set<std::string> named;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sql::Statement q;
    if (!q.Prepare(db_, "SELECT DISTINCT owner_lock FROM intents WHERE state = 'pending'").ok()) {
      return;
    }
    Status s;
    while (q.Step(&s)) named.insert(q.ColumnText(0));
    if (!s.ok()) return;
  }
  const auto now = std::filesystem::file_time_type::clock::now();
  for (const auto& entry : it) {
    std::string name = "owners/" + entry.path().filename().string();
    if (name == lock_name_ || named.count(name)) continue;
    // A new owner creates its file, then locks it: a young file is left.
    auto mtime = std::filesystem::last_write_time(entry.path(), ec);
    if (ec || now - mtime < std::chrono::minutes(1)) continue;
    if (Probe(entry.path().string()) == LockProbe::kFree) unlink(entry.path().c_str());
  }
}

Ledger::~Ledger() {
  sqlite3_close_v2(resolve_db_);
  sqlite3_close_v2(db_);
  if (lock_fd_ >= 0) {
    // Writes are over: entries still pending are anyone's to recover.
    unlink(LockPath(lock_name_).c_str());
    close(lock_fd_);
  }
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

Status Ledger::Commit(sqlite3* db) {
  if (db == nullptr) db = db_;
  Status s = Exec("COMMIT", db);
  if (!s.ok() && !sqlite3_get_autocommit(db)) Exec("ROLLBACK", db);
  return s;
}

Status Ledger::Record(std::vector<Intent>* intents) {
  if (intents->empty()) return Status::OK();
  Status s = EnsureOpen(true);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  // The lock vouches for us from before the first entry to our end.
  s = TakeOwnerLock();
  if (!s.ok()) return s;
  s = Exec("BEGIN IMMEDIATE");
  if (!s.ok()) return s;
  sql::Statement ins;
  if (!ins.Prepare(db_,
                   "INSERT INTO intents(statement, created, owner_host, owner_pid, owner_start,"
                   " endpoint, region, access_key_id, table_name, item_key, attribute,"
                   " s3_endpoint, bucket, object_key, old_object_keys, state, owner_lock,"
                   " owner_boot) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
                   " ?13, ?14, ?15, 'pending', ?16, ?17)")
           .ok()) {
    Exec("ROLLBACK");
    return SqlError(db_, "record");
  }
  std::string statement = RandomId();
  std::string now = NowUtc();
  std::string host = HostName();
  int64_t pid = getpid();
  int64_t start = ProcessStartTime(pid);
  std::string boot = BootId();
  for (Intent& i : *intents) {
    ins.BindText(1, statement);
    ins.BindText(2, now);
    ins.BindText(3, host);
    ins.BindInt(4, pid);
    ins.BindInt(5, start);
    ins.BindText(6, i.endpoint);
    ins.BindText(7, i.region);
    ins.BindText(8, i.access_key_id);
    ins.BindText(9, i.table);
    ins.BindText(10, i.item_key);
    ins.BindText(11, i.attribute);
    ins.BindText(12, i.s3_endpoint);
    ins.BindText(13, i.bucket);
    ins.BindText(14, i.object_key);
    ins.BindText(15, nlohmann::json(i.old_object_keys).dump());
    ins.BindText(16, lock_name_);
    ins.BindText(17, boot);
    Status stepped;
    if (ins.Step(&stepped) || !stepped.ok()) {
      Status e = SqlError(db_, "record");
      Exec("ROLLBACK");
      return e;
    }
    ins.Reset();
    i.id = sqlite3_last_insert_rowid(db_);
    i.owner_host = host;
    i.owner_pid = pid;
    i.owner_start = start;
    i.owner_lock = lock_name_;
    i.owner_boot = boot;
    i.created = now;
  }
  return Commit();
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
  return Commit(resolve_db_);
}

Status Ledger::MarkResolvedLocked(const std::vector<int64_t>& ids, const char* state) {
  sql::Statement up;
  if (!up.Prepare(
             resolve_db_,
             "UPDATE intents SET state = ?1, resolved = ?2 WHERE id = ?3 AND state = 'pending'")
           .ok()) {
    return SqlError(resolve_db_, "resolve");
  }
  std::string now = NowUtc();
  for (int64_t id : ids) {
    up.BindText(1, state);
    up.BindText(2, now);
    up.BindInt(3, id);
    Status stepped;
    if (up.Step(&stepped) || !stepped.ok()) return SqlError(resolve_db_, "resolve");
    up.Reset();
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
  Status s = EnsureOpen(false);
  if (s.IsNotFound()) return Status::OK();  // no file: nothing pending, nothing created
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  sql::Statement q;
  if (!q.Prepare(db_,
                 "SELECT id, created, owner_host, owner_pid, owner_start, endpoint, region,"
                 " access_key_id, table_name, item_key, attribute, s3_endpoint, bucket, object_key,"
                 " old_object_keys, owner_lock, owner_boot FROM intents WHERE state = 'pending'"
                 " ORDER BY id")
           .ok()) {
    return SqlError(db_, "read");
  }
  Status stepped;
  while (q.Step(&stepped)) {
    Intent i;
    i.id = q.ColumnInt(0);
    i.created = q.ColumnText(1);
    i.owner_host = q.ColumnText(2);
    i.owner_pid = q.ColumnInt(3);
    i.owner_start = q.ColumnInt(4);
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
    i.owner_lock = q.ColumnText(15);
    i.owner_boot = q.ColumnText(16);
    out->push_back(std::move(i));
  }
  if (!stepped.ok()) return SqlError(db_, "read");
  return Status::OK();
}

Status Ledger::Recover(Backend* backend, RecoveryReport* report, const RecoverOptions& options) {
  std::vector<Intent> pending;
  Status s = Pending(&pending);
  if (!s.ok()) return s;
  if (pending.empty()) return Status::OK();
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::vector<int64_t> done;
  for (size_t n = 0; n < pending.size(); ++n) {
    const Intent& i = pending[n];
    if (report->cancelled || (options.cancelled && options.cancelled())) {
      report->cancelled = true;
      ++report->skipped;
      ++report->left_pending;
      continue;
    }
    if (options.progress) options.progress(n, pending.size());
    if (!backend->Handles(i)) {
      ++report->other_sessions;
      ++report->left_pending;
      continue;
    }
    Owner owner = OwnerOf(i);
    if (owner == Owner::kOtherHost && !options.other_hosts &&
        now - ParseUtc(i.created) < kOtherHostAgeSeconds) {
      ++report->other_hosts;
      ++report->left_pending;
      continue;
    }
    if (owner == Owner::kRunning) {
      ++report->running;
      ++report->left_pending;
      continue;
    }
    // An endpoint that could not be reached once is not tried again.
    const std::string* down = nullptr;
    if (report->unreachable.count(i.endpoint)) down = &i.endpoint;
    if (report->unreachable.count(i.s3_endpoint)) down = &i.s3_endpoint;
    if (down) {
      ++report->unreachable[*down];
      ++report->left_pending;
      continue;
    }
    // Another process recovering the file at the same time may have taken
    // it since it was read: exactly one of them resolves it.
    bool claimed = false;
    s = Claim(i, &claimed);
    if (!s.ok()) {
      ++report->left_pending;
      report->errors.push_back("table " + i.table + " key " + i.item_key + " attribute " +
                               i.attribute + ": " + s.ToString());
      continue;
    }
    if (!claimed) continue;  // another process resolves it (or has)
    std::set<std::string> referenced;
    s = backend->Referenced(i, &referenced);
    const std::string* where = &i.endpoint;
    std::vector<std::string> doomed;
    if (s.ok()) {
      for (const auto& k : Candidates(i)) {
        if (referenced.count(k)) {
          ++report->objects_kept;
        } else {
          doomed.push_back(k);
        }
      }
      where = &i.s3_endpoint;
      if (!doomed.empty()) s = backend->Delete(i, doomed);
    }
    if (!s.ok()) {
      // Left pending as it was: its owner is the one it had, not us.
      Unclaim(i);
      ++report->left_pending;
      if (s.IsCancelled()) {
        report->cancelled = true;
        ++report->skipped;
      } else if (s.code() == Status::Code::kTransport) {
        ++report->unreachable[*where];
        report->unreachable_error[*where] = s.ToString();
      } else {
        report->errors.push_back("table " + i.table + " key " + i.item_key + " attribute " +
                                 i.attribute + ": " + s.ToString());
      }
      continue;
    }
    report->objects_deleted += doomed.size();
    ++report->resolved;
    done.push_back(i.id);
  }
  s = MarkResolved(done, "recovered");
  RemoveStaleLocks();
  return s;
}

Status Ledger::Claim(const Intent& i, bool* claimed) {
  *claimed = false;
  Status s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s = TakeOwnerLock();
  }
  if (!s.ok()) return s;
  if (i.owner_lock == lock_name_ && !lock_name_.empty()) {
    *claimed = true;  // ours already
    return Status::OK();
  }
  std::lock_guard<std::mutex> lock(resolve_mu_);
  sql::Statement up;
  if (!up.Prepare(resolve_db_,
                  "UPDATE intents SET owner_lock = ?1, owner_host = ?2, owner_pid = ?3,"
                  " owner_start = ?4, owner_boot = ?5 WHERE id = ?6 AND state = 'pending' AND"
                  " owner_lock = ?7 AND owner_pid = ?8")
           .ok()) {
    return SqlError(resolve_db_, "claim");
  }
  const int64_t pid = getpid();
  up.BindText(1, lock_name_);
  up.BindText(2, HostName());
  up.BindInt(3, pid);
  up.BindInt(4, ProcessStartTime(pid));
  up.BindText(5, BootId());
  up.BindInt(6, i.id);
  up.BindText(7, i.owner_lock);
  up.BindInt(8, i.owner_pid);
  Status stepped;
  if (up.Step(&stepped) || !stepped.ok()) return SqlError(resolve_db_, "claim");
  *claimed = sqlite3_changes(resolve_db_) == 1;
  return Status::OK();
}

void Ledger::Unclaim(const Intent& i) {
  if (i.owner_lock == lock_name_) return;  // it was ours before
  std::lock_guard<std::mutex> lock(resolve_mu_);
  sql::Statement up;
  if (!up.Prepare(resolve_db_,
                  "UPDATE intents SET owner_lock = ?1, owner_host = ?2, owner_pid = ?3,"
                  " owner_start = ?4, owner_boot = ?5 WHERE id = ?6 AND state = 'pending' AND"
                  " owner_lock = ?7")
           .ok()) {
    return;  // it stays ours: recovered once we have ended
  }
  up.BindText(1, i.owner_lock);
  up.BindText(2, i.owner_host);
  up.BindInt(3, i.owner_pid);
  up.BindInt(4, i.owner_start);
  up.BindText(5, i.owner_boot);
  up.BindInt(6, i.id);
  up.BindText(7, lock_name_);
  up.Step();
}

Status Ledger::SynchronousModes(int* record, int* resolve) {
  Status s = EnsureOpen(false);
  if (!s.ok()) return s;
  sqlite3* dbs[] = {db_, resolve_db_};
  int* out[] = {record, resolve};
  for (int k = 0; k < 2; ++k) {
    sql::Statement q;
    if (!q.Prepare(dbs[k], "PRAGMA synchronous").ok() || !q.Step()) {
      return SqlError(dbs[k], "read synchronous");
    }
    *out[k] = static_cast<int>(q.ColumnInt(0));
  }
  return Status::OK();
}

Status Ledger::Forget(const std::vector<int64_t>& ids, std::vector<Intent>* forgotten) {
  std::vector<Intent> pending;
  Status s = Pending(&pending);
  if (!s.ok()) return s;
  std::set<int64_t> wanted(ids.begin(), ids.end());
  std::vector<int64_t> marked;
  for (Intent& i : pending) {
    if (!wanted.empty() && !wanted.count(i.id)) continue;
    marked.push_back(i.id);
    forgotten->push_back(std::move(i));
  }
  return MarkResolved(marked, "abandoned");
}

}  // namespace ddb::ledger
