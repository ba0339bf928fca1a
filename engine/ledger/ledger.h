// Ledger: the durable record of S3 objects a write is about to create or
// supersede, so that no crash, kill -9, network cut or refused request ever
// leaves an orphaned object or an item pointing at a missing one.
//
// A write with S3 columns goes:
//
//   ledger.Record(&intents)      one SQLite transaction, synchronous=FULL:
//                                durable before the first S3 PUT
//   PUT the new objects          (content-addressed keys)
//   write DynamoDB
//   ledger.Resolve(intents, ok)  ok: superseded objects deleted;
//                                failed: the new objects deleted
//
// Whatever is still pending after a crash is resolved by Recover: a
// consistent read of the item says which objects it references; those are
// kept and the others of the entry deleted. Resolving is idempotent and
// safe with several processes sharing one ledger file: an entry whose owner
// process is still alive is left to it, and a recovering process first
// claims an entry (makes it its own, under its lock), so that of two
// processes recovering at once exactly one resolves each entry.
//
// Owner liveness is the kernel's word, not /proc's: a process that records
// intents first takes an exclusive flock on a file of its own beside the
// ledger (owners/HOST-PID-RANDOM.lock, named in its entries) and holds it
// until it ends. An entry whose lock can be taken (or whose lock file is
// gone) has a dead owner, whatever /proc says: a zombie, a reused PID, a
// container restarted or in another PID namespace of the same kernel. The
// kernel is recognised by /proc/sys/kernel/random/boot_id, which containers
// share. An entry of another kernel and host name whose lock is free may
// belong to a machine whose file system does not share locks: it is
// resolved only once it is kOtherHostAge old (or with
// RecoverOptions::other_hosts, `.recover --other-hosts`).
//
// The file is opened, and created, only when first needed: Deferred()
// touches nothing; Record() creates it (and only ddbsql's own folders, never
// a missing HOME or XDG base); Pending() and Recover() of a file that does
// not exist find nothing and create nothing.
//
// This module is the only place that deletes S3 objects (through
// Backend::Delete).
//
// The file is a contract (tools outside ddbsql read it): a SQLite database
// in WAL mode, synchronous=FULL, user_version 1, with one table:
//
//   CREATE TABLE intents (
//     id              INTEGER PRIMARY KEY,
//     statement       TEXT NOT NULL,     -- shared by the intents of one statement
//     created         TEXT NOT NULL,     -- UTC, "2026-12-02T21:50:00Z"
//     owner_host      TEXT NOT NULL,     -- the writing process: host name,
//     owner_pid       INTEGER NOT NULL,  --   pid,
//     owner_start     INTEGER NOT NULL,  --   start time (/proc/PID/stat field 22)
//     endpoint        TEXT NOT NULL,     -- DynamoDB endpoint URL
//     region          TEXT NOT NULL,
//     access_key_id   TEXT NOT NULL,     -- whose credentials (never a secret): the
//                                        -- access key id, or for temporary ones
//                                        -- against AWS (role, SSO, web identity),
//                                        -- whose key id changes every session,
//                                        -- "ACCOUNT/profile:NAME"
//     table_name      TEXT NOT NULL,
//     item_key        TEXT NOT NULL,     -- the item's primary key, DynamoDB wire JSON
//     attribute       TEXT NOT NULL,
//     s3_endpoint     TEXT NOT NULL,
//     bucket          TEXT NOT NULL,
//     object_key      TEXT NOT NULL,     -- the object the statement PUTs ('' for none)
//     old_object_keys TEXT NOT NULL,     -- JSON array: what the item referenced before
//     state           TEXT NOT NULL,     -- 'pending', 'committed', 'failed', 'recovered',
//                                        -- 'abandoned' (.ledger forget: nobody resolves it)
//     resolved        TEXT,              -- UTC, when it stopped being pending
//     owner_lock      TEXT NOT NULL DEFAULT '',  -- (added) the owner's lock file,
//                                        -- relative to the ledger's folder ('' before)
//     owner_boot      TEXT NOT NULL DEFAULT ''   -- (added) the owner's kernel boot id
//   );
//
// Changes are additive, so user_version stays 1 (a change readers could
// not ignore would raise it): the two columns at the end and the state
// 'abandoned'. A file without them (an older ddbsql's) is migrated when a
// ledger opens (SQLite cannot widen a CHECK in place: the table is copied,
// ids kept); its entries keep the /proc check, where a zombie counts as
// dead. An older ddbsql may still write the file: its rows get the
// defaults. Resolved entries are kept for 7 days, then removed when a
// ledger opens.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "engine/status.h"

namespace ddb::ledger {

struct Intent {
  int64_t id = 0;  // set by Record
  std::string endpoint;
  std::string region;
  std::string access_key_id;
  std::string table;
  std::string item_key;  // wire JSON of the key
  std::string attribute;
  std::string s3_endpoint;
  std::string bucket;
  std::string object_key;                    // new object; empty when the write removes it
  std::vector<std::string> old_object_keys;  // what the item referenced before
  // Filled when read back (Pending):
  std::string owner_host;
  int64_t owner_pid = 0;
  int64_t owner_start = 0;
  std::string owner_lock;  // relative to the ledger's folder; '' in format 1
  std::string owner_boot;
  std::string created;
};

// Entries of another host whose lock is free are resolved once this old.
// An entry is dangerous to resolve only while its owner is between Record
// and DynamoDB's answer; with retries and a read timeout that the user may
// set to 0 (wait for ever), no bound is certain, so a day, which also covers
// skewed clocks between hosts. Waiting costs only an object left for a day.
constexpr int64_t kOtherHostAgeSeconds = 24 * 3600;

// What resolving needs from the outside world (DynamoDB and S3); see
// backend.h for the real one.
class Backend {
 public:
  virtual ~Backend() = default;
  // True when this session holds the endpoint and credentials of `intent`.
  virtual bool Handles(const Intent& intent) = 0;
  // The object keys (in intent.bucket) that the item's attribute references
  // now, by a consistent read; none when the item or attribute is gone.
  virtual Status Referenced(const Intent& intent, std::set<std::string>* keys) = 0;
  // Deletes objects; deleting a missing one succeeds.
  virtual Status Delete(const Intent& intent, const std::vector<std::string>& keys) = 0;
};

struct RecoverOptions {
  bool other_hosts = false;  // resolve other hosts' entries whatever their age
  // Polled between entries: true stops recovery (Ctrl-C); the rest stay pending.
  std::function<bool()> cancelled;
  // Called before each entry with (entries done, entries in all).
  std::function<void(size_t, size_t)> progress;
};

struct RecoveryReport {
  size_t resolved = 0;         // entries resolved now
  size_t objects_deleted = 0;  // orphans removed
  size_t objects_kept = 0;     // referenced by their item
  size_t left_pending = 0;     // every entry not resolved, whatever the reason:
  size_t other_sessions = 0;   //   other endpoints or credentials
  size_t running = 0;          //   an owner that still runs (holds its lock)
  size_t other_hosts = 0;      //   another host's, younger than kOtherHostAgeSeconds
  size_t skipped = 0;          //   not tried: Ctrl-C
  bool cancelled = false;
  // An endpoint (DynamoDB or S3 URL) is tried until its first connection
  // failure; then its entries stay pending: how many, and that failure.
  std::map<std::string, size_t> unreachable;
  std::map<std::string, std::string> unreachable_error;
  std::vector<std::string> errors;  // other failures, one per entry
};

// What is known of an entry's owner (see the top of this file).
enum class Owner {
  kThisProcess,
  kRunning,    // holds its lock (or, format 1, /proc shows it running)
  kGone,       // its lock is free or gone: dead
  kOtherHost,  // another host's, lock free: dead only after kOtherHostAgeSeconds
};
const char* OwnerName(Owner owner);

// Thread-safe: the writes of a statement record and resolve from several
// threads.
class Ledger {
 public:
  // Opens (creating it and its folders, mode 0700) the ledger at `path`.
  static Status Open(const std::string& path, std::unique_ptr<Ledger>* out);
  // A ledger at `path` that opens when first needed. Folders between `base`
  // (which must exist) and the file are created, mode 0700; with `base`
  // empty, the file's own folder only (its parent must exist). `path` empty:
  // no place for a ledger (no HOME); Record says so.
  static std::unique_ptr<Ledger> Deferred(std::string path, std::string base);
  // $XDG_STATE_HOME/ddbsql/ledger.db, else ~/.local/state/ddbsql/ledger.db.
  static std::string DefaultPath();
  // The folder DefaultPath's folders are created under: $XDG_STATE_HOME,
  // else HOME; "" when neither is set.
  static std::string DefaultBase();

  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  const std::string& path() const { return path_; }
  // True when the file exists (nothing is opened or created).
  bool Exists() const;
  // Opens the file if it exists (migrating format 1), creating nothing.
  Status OpenExisting();

  // Records the intents of one statement in one transaction; durable when
  // it returns OK. Sets each intent's id.
  Status Record(std::vector<Intent>* intents);

  // What became of the DynamoDB write.
  enum class Outcome {
    kWritten,  // applied
    kRefused,  // answered with an error: certainly not applied
    kUnknown,  // no answer (timeout, reset, 5xx): maybe applied
  };
  // After the DynamoDB write: kWritten deletes the superseded objects (old
  // keys other than the new ones), kRefused the new ones (not among the old
  // ones), kUnknown reads the item and deletes what it does not reference;
  // then the entries are resolved. On an error reading or deleting, the
  // entries stay pending for Recover.
  Status Resolve(const std::vector<Intent>& intents, Outcome outcome, Backend* backend,
                 size_t* deleted = nullptr);

  // Resolves every pending entry that `backend` handles and whose owner is
  // not alive (or is this process): objects its item references are kept,
  // the rest deleted.
  Status Recover(Backend* backend, RecoveryReport* report, const RecoverOptions& options = {});

  // Pending entries, oldest first. None, and no file, when it does not exist.
  Status Pending(std::vector<Intent>* out);

  // What is known of the owner of `intent` (a pending entry).
  Owner OwnerOf(const Intent& intent);

  // Marks pending entries abandoned (`ids`; empty: all of them): nobody
  // will resolve them. `forgotten` receives them (their objects stay).
  Status Forget(const std::vector<int64_t>& ids, std::vector<Intent>* forgotten);

  // PRAGMA synchronous of the connection that records intents (2, FULL) and
  // of the one that marks them resolved (1, NORMAL); opens the file if it
  // exists. For tests: the setting is per connection, not in the file.
  Status SynchronousModes(int* record, int* resolve);

 private:
  Ledger(std::string path, std::string base) : path_(std::move(path)), base_(std::move(base)) {}
  Status EnsureOpen(bool create);
  Status OpenLocked(bool create);
  Status Migrate();
  Status TakeOwnerLock();
  // The lock file `name` (an entry's owner_lock) as a path.
  std::string LockPath(const std::string& name) const;
  // Removes free lock files no pending entry names (dead owners').
  void RemoveStaleLocks();
  Status Exec(const char* sql, sqlite3* db = nullptr);
  // COMMIT on `db` (db_ when null); when it fails with the transaction
  // still open (SQLITE_BUSY, an I/O error), rolls it back, so that the next
  // BEGIN (the next group of intents) does not fail on it as well.
  Status Commit(sqlite3* db = nullptr);
  Status MarkResolved(const std::vector<int64_t>& ids, const char* state);
  Status MarkResolvedLocked(const std::vector<int64_t>& ids, const char* state);
  // Makes this process the owner of pending entry `i` (its lock, host, pid
  // and boot) if nobody changed the entry since it was read: with several
  // ledgers recovering one file, exactly one resolves each entry. `*claimed`
  // false: another process claimed or resolved it first.
  Status Claim(const Intent& i, bool* claimed);
  // Gives a claimed entry that stays pending back to its earlier owner (as
  // `i` was read), so that it reads as before; best effort (an entry left
  // ours is recovered once this process has ended).
  void Unclaim(const Intent& i);

  std::string path_;
  std::string base_;  // see Deferred
  std::mutex open_mu_;
  bool opened_ = false;    // guarded by open_mu_
  Status open_error_;      // guarded by open_mu_: why it could not open
  int lock_fd_ = -1;       // our owner lock, held (flock LOCK_EX) until destruction
  std::string lock_name_;  // its name as entries record it
  sqlite3* db_ = nullptr;  // synchronous=FULL: intents are durable before any PUT
  // Marking entries resolved needs no fsync of its own (a mark lost in a
  // crash only makes recovery check the entry again): a second connection
  // with synchronous=NORMAL, so a statement's items do not queue for one.
  sqlite3* resolve_db_ = nullptr;
  std::mutex resolve_mu_;
  // One connection serves every thread of the process: its transactions
  // must not interleave.
  std::mutex mu_;
};

// Test-only: when DDBSQL_TEST_CRASH_AT names `step` ("after-ledger",
// "after-put-1", "before-dynamodb", "after-dynamodb", "before-delete-1",
// "after-delete-1", ...), the process kills itself there with SIGKILL, as a
// crash would. The crash matrix test (tests/crash_test.py) sets it.
// DDBSQL_TEST_PAUSE_AT stops the process there (SIGSTOP) instead: a live
// owner in the middle of a write, until SIGCONT.
void TestCrashPoint(const std::string& step);

// The start time of process `pid` (/proc/PID/stat field 22), or -1 when no
// such process runs or it is a zombie (it has exited; only its parent has
// not reaped it).
int64_t ProcessStartTime(int64_t pid);

// This kernel's boot id (/proc/sys/kernel/random/boot_id), "" if unknown.
std::string BootId();

}  // namespace ddb::ledger
