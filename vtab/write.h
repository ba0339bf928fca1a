// Writes through a DynamoDB virtual table: xUpdate, xBegin, xSync, xCommit
// and xRollback of the "dynamodb" module land here (dynamodb_vtab.cc only
// forwards to a TableWriter).
//
//   INSERT          PutItem conditioned on the key not existing; a clash is
//                   SQLITE_CONSTRAINT naming the table and key. INSERT OR
//                   IGNORE skips it; INSERT OR REPLACE / REPLACE is an
//                   unconditional put.
//   UPDATE          UpdateItem that SETs the attributes whose value changed
//                   and REMOVEs those set to NULL, conditioned on those
//                   attributes still holding what was read (and the item
//                   still existing). Columns the statement does not set are
//                   never read (sqlite3_vtab_nochange). A new key is a delete
//                   plus a put in one TransactWriteItems.
//   DELETE          DeleteItem conditioned on the item still existing.
//
// Outside BEGIN a statement writes as it goes: unconditional puts in
// BatchWriteItem requests of 25, conditional writes one request each, up to
// kInFlight requests at once; xSync waits for them. The first failure stops
// the statement; its message says how many items were written. Writes whose
// condition failed (the item changed since it was read) are left alone and
// reported when the statement ends, as an error naming their keys.
//
// Inside BEGIN ... COMMIT nothing is sent until COMMIT, which sends every
// write of every table in one TransactWriteItems (at most 100 items and
// 4 MB: more is an error at the write that crosses the limit, and the
// statement is undone). ROLLBACK sends nothing. The writes of one item are
// combined into the one action DynamoDB allows, and the transaction's reads
// see its own writes (vtab/transaction.h). An INSERT first reads whether the
// key exists (the transaction's own writes, else a consistent GetItem), so
// that a clash is the statement's UNIQUE constraint error, as in SQLite.
//
// Codec columns are encoded (engine/codec); those whose bytes live in S3
// go through write_s3.h: intents in the ledger, objects put, then DynamoDB,
// then superseded objects deleted by the ledger. REPLACE and DELETE of a
// table with S3 columns first read which objects the item references and
// are conditioned on it still doing so.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/connection.h"
#include "engine/dynamodb/client.h"
#include "engine/ledger/backend.h"
#include "engine/ledger/ledger.h"
#include "engine/status.h"
#include "vtab/transaction.h"
#include "vtab/write_s3.h"

namespace ddb::vtab {

class ModuleContext;
struct Stats;  // vtab/module.h

// Requests one statement has in flight at most.
inline constexpr int kInFlight = 32;
// Puts a BatchWriteItem request carries (DynamoDB's limit).
inline constexpr size_t kBatchWriteSize = 25;

// A column as the writer sees it.
struct WriteColumn {
  std::string name;                      // SQL name
  std::string attribute;                 // DynamoDB attribute; empty for `item`
  std::string type;                      // DynamoDB type ("S", "N", ...); "" mixed or unknown
  const codec::Column* codec = nullptr;  // a declared codec column (owned by the table)
};

// The rowid of an item: a 64-bit FNV-1a hash of its primary key, the same in
// every scan (SQLite drops duplicates of an OR by rowid) and for an INSERT.
sqlite3_int64 KeyRowid(const dynamodb::KeySchema& key, const dynamodb::Item& item);

// The message refusing `statement` ("DROP TABLE") on DynamoDB table `table`.
std::string SchemaChangeRefused(const std::string& statement, const std::string& table);

// What a group of writes did.
struct WriteOutcome {
  Status status;                           // the first failure
  int sqlite_code = SQLITE_OK;             // its SQLite code (SQLITE_CONSTRAINT for a key clash)
  uint64_t written = 0;                    // items written
  uint64_t conflicts = 0;                  // conditional writes refused: the item had changed
  std::vector<std::string> conflict_keys;  // the first few, for the message

  void Add(WriteOutcome other);
};

// Runs write requests on a few threads, at most `limit` queued or running.
class WritePipeline {
 public:
  using Task = std::function<WriteOutcome()>;
  explicit WritePipeline(int limit);
  ~WritePipeline();
  WritePipeline(const WritePipeline&) = delete;
  WritePipeline& operator=(const WritePipeline&) = delete;

  // Queues `task`, waiting while `limit` tasks are queued or running.
  void Submit(Task task);
  // Waits for every task; returns what they did since the last Take().
  WriteOutcome Take();
  // Waits for every task, keeping what they did for Take().
  void Wait();
  // True once a task has failed (not counting conflicts).
  bool failed();

 private:
  void Work();

  const int limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  int running_ = 0;
  bool stop_ = false;
  WriteOutcome total_;
  std::vector<std::thread> threads_;
};

// The writes of one SQLite connection that span tables: the transaction
// being built between BEGIN and COMMIT. Owned by ModuleContext.
class WriteSession {
 public:
  // Adds a row's write to the open transaction, combined with the
  // transaction's earlier writes of its item (transaction.h). Over
  // DynamoDB's limits, or for a table of another connection, it is an error
  // that changes nothing (and SQLite undoes the statement).
  Status Add(ItemWrite write, dynamodb::DynamoDbClient* client);
  // The item of `table` (read through `client`) as the transaction sees it.
  PendingWrites::Seen Find(const dynamodb::DynamoDbClient* client, const std::string& table,
                           const dynamodb::Item& key, const dynamodb::Item** item) const;
  // What reads of `table` through `client` see of the transaction's writes
  // (null: nothing).
  std::shared_ptr<const TableView> View(const dynamodb::DynamoDbClient* client,
                                        const std::string& table);
  // The body of an S3 object COMMIT will put (a pending item's S3 column), or null.
  std::shared_ptr<const std::string> PendingObject(const std::string& uri);
  // A mark of the transaction as it is, and undoing every write since (a
  // failed xUpdate's partial writes).
  size_t mark() const { return pending_.mark(); }
  void UndoTo(size_t mark) { pending_.UndoTo(mark); }
  // Sends the transaction (once; later calls return the first result).
  Status Commit(int* sqlite_code);
  // Forgets the transaction (after COMMIT or ROLLBACK).
  void Reset();
  // SQLite's savepoints, among them the one around each statement inside
  // BEGIN: Savepoint(n) marks the transaction as it is (the first table to
  // mark level n sets it), RollbackTo(n) restores it as it was at the mark
  // (combined writes included), so a failed statement leaves nothing in
  // the transaction, as in SQLite; Release(n) forgets the marks from n up.
  void Savepoint(int n);
  void RollbackTo(int n);
  void Release(int n);
  bool empty() const { return pending_.empty(); }

  // The ledger of S3 writes: the one the shell set, else the default file
  // (opened on first use).
  void set_ledger(std::shared_ptr<ledger::Ledger> ledger) { ledger_ = std::move(ledger); }
  Status GetLedger(ledger::Ledger** out);
  // A statement refused at prepare time (DROP TABLE of a DynamoDB table):
  // its message, kept until taken.
  void Refuse(std::string message) { refusal_ = std::move(message); }
  std::string TakeRefusal();
  // Where COMMIT counts its request, capacity and items (`.stats`).
  void set_stats(Stats* stats) { stats_ = stats; }

 private:
  Stats* stats_ = nullptr;
  std::map<int, size_t> marks_;  // savepoint level -> journal mark
  PendingWrites pending_;
  dynamodb::DynamoDbClient* client_ = nullptr;  // of the first write
  bool sent_ = false;
  Status result_;
  int result_code_ = SQLITE_OK;
  std::string refusal_;
  std::shared_ptr<ledger::Ledger> ledger_;
};

// Refuses DROP TABLE and ALTER TABLE of the listed DynamoDB tables (an
// authorizer on `db`). The message of the last refusal, for the shell to
// show instead of SQLite's "not authorized", is TakeRefusal's.
void InstallWriteGuard(sqlite3* db, ModuleContext* ctx);
std::string TakeRefusal(ModuleContext* ctx);

// The write side of one virtual table.
class TableWriter {
 public:
  TableWriter(sqlite3* db, ModuleContext* ctx, std::shared_ptr<Connection> conn, std::string table,
              dynamodb::KeySchema key, std::vector<WriteColumn> columns, int item_column);
  ~TableWriter();

  // Called by xRowid: the row SQLite may next ask to update or delete.
  // `whole`: the item was read whole (no projection).
  void RememberRow(sqlite3_int64 rowid, const dynamodb::Item& item, bool whole);

  // The xMethods; errors go to vtab->zErrMsg.
  int Update(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64* rowid);
  int Begin(sqlite3_vtab* vtab);
  int Sync(sqlite3_vtab* vtab);
  int Commit();
  int Rollback();

 private:
  struct Row {
    dynamodb::Item item;
    bool whole = false;
  };
  // One change to send: what Insert/UpdateRow/Delete decided.
  struct Change;

 public:
  // A read-only view of a Change, for the requests that send it.
  struct ChangeView {
    enum class Kind { kPut, kUpdate, kDelete, kMove };
    Kind kind = Kind::kPut;
    const dynamodb::Item* key = nullptr;
    const dynamodb::Item* item = nullptr;
    const std::string* update = nullptr;
    const std::string* condition = nullptr;
    const dynamodb::NameMap* names = nullptr;
    const dynamodb::AttributeMap* values = nullptr;
    bool insert = false;
    bool ignore = false;
    const std::string* what = nullptr;
  };

 private:
  static ChangeView View(const Change& c);

  int Fail(sqlite3_vtab* vtab, const Status& s, int code = SQLITE_ERROR);
  bool InTransaction() const;
  // Notes a write of the item with key `key`; when the statement already
  // has one pending, sends the batch and waits for every write first.
  Status OrderWrite(const dynamodb::Item& key);
  // Whether `attribute` is the table's partition or sort key.
  bool IsKey(const std::string& attribute) const;
  Status BuildInsert(sqlite3_value** values, Change* change);
  // Encodes codec column `c` (its value `v`) for the item with key `key`:
  // the stored value, and the S3 object to put, if any.
  Status EncodeCodec(const WriteColumn& c, sqlite3_value* v, const dynamodb::Item& key,
                     dynamodb::AttributeValue* stored, Change* change);
  // The S3 writes a DELETE of the item implies (each S3 column's objects go).
  std::vector<S3Write> S3Deletes() const;
  // For REPLACE and DELETE: reads which objects the item references now and
  // conditions the write on it still doing so.
  Status ReadOldObjects(Change* change);
  Status LedgerSession(ledger::Ledger** ledger, ledger::Session* session);
  // The error for a key change of an item whose S3 column `c` holds a
  // value named after the key.
  Status MoveWithS3Refused(const WriteColumn& c) const;
  Status BuildUpdate(sqlite3_value** values, Row old, Change* change);
  // The item with `key` as this statement must see it: inside BEGIN the
  // transaction's own write of it, else a consistent GetItem.
  Status ReadCurrent(const dynamodb::Item& key, dynamodb::Item* item, bool* found);
  // Inside BEGIN, before an INSERT (or a key change) of `key`: whether an
  // item with that key exists as the transaction sees it. A clash is a
  // UNIQUE constraint error, or *ignored under OR IGNORE.
  Status CheckKeyFree(const dynamodb::Item& key, const std::string& what, bool new_key,
                      bool* ignored, int* code);
  // Inside BEGIN: adds the change to the transaction (WriteSession::Add).
  Status Stage(Change change, int* code, bool* ignored);
  Status Send(Change change, int* code);
  Status FlushBatch();
  Status Finish(int* code);  // outside BEGIN: waits for everything sent
  std::string What(const char* verb, const dynamodb::Item& key) const;
  dynamodb::Item KeyOf(const dynamodb::Item& item) const;

  sqlite3* db_;
  ModuleContext* ctx_;
  std::shared_ptr<Connection> conn_;
  std::string table_;
  dynamodb::KeySchema key_;
  std::vector<WriteColumn> columns_;
  int item_column_;

  bool active_ = false;  // between xBegin and xCommit/xRollback
  std::map<sqlite3_int64, Row> rows_;
  // Keys this statement has batched or sent and not yet seen finish: a key
  // written again first waits for them (OrderWrite), else the two race.
  std::set<std::string> pending_keys_;
  WritePipeline pipeline_{kInFlight};
  std::vector<dynamodb::BatchWriteEntry> batch_;
  std::optional<ledger::Session> session_;  // who writes, for the ledger
};

}  // namespace ddb::vtab
