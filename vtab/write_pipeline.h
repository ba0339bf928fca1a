// The per-statement write path outside BEGIN: one row's change as it is
// sent (WriteChange), the DynamoDB request that sends it (ExecuteChange,
// ExecuteBatch), the threads that run those requests (WritePipeline), and
// what a statement's writes did, summed up (WriteOutcome, StatementResult).
//
// Unconditional puts go in BatchWriteItem requests of 25, conditional writes
// one request each, up to kInFlight requests at once. A write whose
// condition failed (the item changed since it was read) is a conflict,
// reported when the statement ends; an INSERT that meets an existing key is
// SQLite's UNIQUE constraint error.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/dynamodb/client.h"
#include "engine/status.h"
#include "vtab/transaction.h"
#include "vtab/write_s3.h"

namespace ddb::vtab {

struct Stats;  // vtab/module.h

// Requests one statement has in flight at most.
inline constexpr int kInFlight = 32;
// Puts a BatchWriteItem request carries (DynamoDB's limit).
inline constexpr size_t kBatchWriteSize = 25;

// One change to send: what an INSERT, UPDATE or DELETE of a row decided.
struct WriteChange {
  enum class Kind { kPut, kUpdate, kDelete, kMove };
  Kind kind = Kind::kPut;
  dynamodb::Item key;   // the item's key (kMove: the old key)
  dynamodb::Item item;  // kPut, kMove: the whole new item
  std::string update;
  std::string condition;  // kMove: the delete's
  dynamodb::NameMap names;
  dynamodb::AttributeMap values;
  bool insert = false;       // kPut: only if the key does not exist
  bool ignore = false;       // INSERT OR IGNORE: a clash is no error
  std::string what;          // "INSERT into t (id='a')"
  std::vector<S3Write> s3;   // S3 columns it changes
  bool read_old_s3 = false;  // their old objects are not known yet (ReadOldObjects)
  // For a transaction, which combines writes (transaction.h): the condition
  // as a structure, and for kUpdate what it changes and, when
  // `item_known`, the whole item after it (`item`).
  Expect expect;
  AttributeChanges changes;
  bool item_known = false;
};

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

// Whether `s` is DynamoDB refusing a single-item write's condition.
bool IsConditionFailure(const Status& s);

// The entries of a cancelled transaction whose condition failed, in order
// (none when `s` is not a TransactionCanceledException): decided on the
// reasons' codes, not on the message.
std::vector<size_t> RefusedEntries(const Status& s, const dynamodb::TransactWriteResult& result);

// A fresh idempotency token for a TransactWriteItems request.
std::string ClientToken();

// Capacity units in the thousandths Stats counts.
uint64_t MilliUnits(double units);

// Sends one change's DynamoDB request (outside BEGIN) and says what it did.
// `hash` is the table's partition key attribute. Counts into `stats`.
WriteOutcome ExecuteChange(dynamodb::DynamoDbClient* client, Stats* stats, const std::string& table,
                           const std::string& hash, const WriteChange& change);

// Sends unconditional puts in BatchWriteItem requests and says what they did.
WriteOutcome ExecuteBatch(dynamodb::DynamoDbClient* client, Stats* stats,
                          const std::vector<dynamodb::BatchWriteEntry>& entries);

// The statement's result from what its writes on `table` did: the first
// failure (saying how many items were written), else the conflicts as one
// error naming their keys, else OK. *code is the SQLite code to return.
Status StatementResult(const std::string& table, const WriteOutcome& out, int* code);

}  // namespace ddb::vtab
