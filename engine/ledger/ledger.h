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
// process is still alive is left to it.
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
//     state           TEXT NOT NULL,     -- 'pending', 'committed', 'failed', 'recovered'
//     resolved        TEXT               -- UTC, when it stopped being pending
//   );
//
// Resolved entries are kept for 7 days, then removed when a ledger opens.
#pragma once

#include <sqlite3.h>

#include <cstdint>
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
  std::string created;
};

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

struct RecoveryReport {
  size_t resolved = 0;         // entries resolved now
  size_t objects_deleted = 0;  // orphans removed
  size_t objects_kept = 0;     // referenced by their item
  size_t left_pending = 0;     // other endpoints or credentials, or a live owner
  std::vector<std::string> errors;
};

// Thread-safe: the writes of a statement record and resolve from several
// threads.
class Ledger {
 public:
  // Opens (creating it and its folder, mode 0700) the ledger at `path`.
  static Status Open(const std::string& path, std::unique_ptr<Ledger>* out);
  // $XDG_STATE_HOME/ddbsql/ledger.db, else ~/.local/state/ddbsql/ledger.db.
  static std::string DefaultPath();

  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  const std::string& path() const { return path_; }

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
  Status Recover(Backend* backend, RecoveryReport* report);

  // Pending entries, oldest first.
  Status Pending(std::vector<Intent>* out);

 private:
  Ledger(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  Status Exec(const char* sql, sqlite3* db = nullptr);
  Status MarkResolved(const std::vector<int64_t>& ids, const char* state);
  Status MarkResolvedLocked(const std::vector<int64_t>& ids, const char* state);

  std::string path_;
  sqlite3* db_;  // synchronous=FULL: intents are durable before any PUT
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
void TestCrashPoint(const std::string& step);

// The start time of process `pid` (/proc/PID/stat field 22), or -1 when no
// such process runs.
int64_t ProcessStartTime(int64_t pid);

}  // namespace ddb::ledger
