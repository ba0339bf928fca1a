// The writes of one SQLite connection that span tables and statements: the
// transaction being built between BEGIN and COMMIT (combined per item in
// vtab/transaction.h), SQLite's savepoints over it, COMMIT's one
// TransactWriteItems, the ledger of S3 writes, and the refusal of DROP and
// ALTER TABLE of DynamoDB tables. One per connection, owned by ModuleContext;
// it outlives the statements (write_pipeline.h) that add to it.
#pragma once

#include <sqlite3.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/dynamodb/client.h"
#include "engine/ledger/ledger.h"
#include "engine/status.h"
#include "vtab/transaction.h"

namespace ddb::vtab {

class ModuleContext;
struct Stats;  // vtab/module.h

// The message refusing `statement` ("DROP TABLE") on DynamoDB table `table`.
std::string SchemaChangeRefused(const std::string& statement, const std::string& table);

// COMMIT's error for a transaction DynamoDB cancelled because the
// conditions of `refused` (indexes into `writes`) failed: each write named,
// an INSERT's as a UNIQUE constraint error (*sqlite_code SQLITE_CONSTRAINT),
// another's as a change since it was read. Empty `refused`: `s` with context.
Status CommitRefused(const Status& s, const std::vector<const PendingWrite*>& writes,
                     const std::vector<size_t>& refused, int* sqlite_code);

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
  // The writes COMMIT would send (one per item written).
  size_t size() const { return pending_.size(); }

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
  // Sends `writes` in one TransactWriteItems, through the ledger when some
  // have S3 columns. *result: the request's capacity and cancellation reasons.
  Status Send(const std::vector<const PendingWrite*>& writes,
              dynamodb::TransactWriteResult* result);

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

}  // namespace ddb::vtab
