// Bulk INSERT outside BEGIN: a statement's INSERT rows grouped into chunks,
// each sent as one TransactWriteItems of conditional puts (the key must not
// exist), so that a plain INSERT keeps SQLite's meaning at a hundredth of
// the requests of one conditional PutItem per row (README "Writes": the
// measurements, and the price: a transactional write costs twice the write
// capacity of a PutItem).
//
// A cancelled transaction names, per entry, why (CancellationReasons):
//   ConditionalCheckFailed   the key exists. INSERT: the statement's UNIQUE
//                            constraint error naming that key; the chunk's
//                            rows before it are sent again, the rows after
//                            it are not written. INSERT OR IGNORE: those
//                            rows are skipped and the rest sent again.
//   TransactionConflict,     another transaction or the service's capacity
//   throttling               was in the way: the chunk is sent again after a
//                            backoff.
//   anything else            the statement's error, naming the item.
// A chunk of one row goes as a conditional PutItem (half the capacity).
// Rows with S3 columns never come here: they keep the ledger's order (ledger
// entry, S3 PUT, DynamoDB write, entry resolved) one request each.
//
// `.insertcheck batch` (InsertCheck::kBatch) trades exactness for capacity:
// a consistent BatchGetItem of the chunk's keys, then BatchWriteItem of the
// rows whose key it did not find (the same clash and OR IGNORE decisions).
// Racy: an item another writer creates between the two is overwritten.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "engine/dynamodb/client.h"
#include "vtab/rate_limiter.h"
#include "vtab/write_pipeline.h"

namespace ddb::vtab {

struct Stats;  // vtab/module.h

// Rows a bulk INSERT request carries at most (DynamoDB's limit for
// TransactWriteItems).
inline constexpr size_t kBulkInsertRows = 100;
// The items' size a bulk INSERT request carries at most (DynamoDB's 4 MB
// for a transaction, counted as DynamoDB counts item sizes).
inline constexpr size_t kBulkInsertBytes = 4 * 1024 * 1024;
// Times a chunk is sent again while nothing in it is decided (conflicts,
// throttling) before the statement gives up.
inline constexpr int kBulkInsertAttempts = 10;

// How a bulk INSERT finds the keys that exist (`.insertcheck`).
enum class InsertCheck {
  kTransact,  // conditional puts in TransactWriteItems: exact, 2x write capacity
  kBatch,     // BatchGetItem, then BatchWriteItem: racy, a read per key instead
};

// The INSERT rows of one statement not sent yet, in the order SQLite gave
// them. Only INSERT changes (kPut with `insert`) without S3 writes.
class InsertChunk {
 public:
  // At most `rows` (1 to kBulkInsertRows) from the next row on.
  void set_max_rows(size_t rows);
  // Whether `change`, of `bytes` (ItemSize of its item), still fits beside
  // the rows held; false means Take() them first.
  bool Fits(size_t bytes) const;
  // Adds the row. Returns true when the chunk is full (send it now).
  bool Add(WriteChange change, size_t bytes);
  bool empty() const { return changes_.empty(); }
  // The rows held, leaving the chunk empty.
  std::vector<WriteChange> Take();

 private:
  std::vector<WriteChange> changes_;
  size_t bytes_ = 0;
  size_t max_rows_ = kBulkInsertRows;
};

// Sends `changes` (INSERT rows of `table`, whose partition key attribute is
// `hash`) as described at the top of this file without waiting, and calls
// `done` once with what they did: the items written, and the first failure
// (SQLITE_CONSTRAINT for a key that exists, unless the row is INSERT OR
// IGNORE). Its requests start on the caller's thread and go on, with their
// backoffs on the loop's timers, from the HTTP client's loop thread, where
// `done` is called (as StartChange). Counts requests, capacity, items
// written and refused into `stats`; `client` and `stats` must outlive it.
// The first request's capacity is the caller's to reserve (WritePipeline);
// the rows sent again (after a clash, a conflict, throttling) wait on the
// loop's timer until `limiter` (when given; `.ratelimit write`) allows
// theirs.
void StartInserts(dynamodb::DynamoDbClient* client, Stats* stats, RateLimiter* limiter,
                  const std::string& table, const std::string& hash,
                  std::shared_ptr<const std::vector<WriteChange>> changes, InsertCheck check,
                  WritePipeline::Done done);

}  // namespace ddb::vtab
