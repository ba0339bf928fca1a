// Bulk INSERT outside BEGIN (write_bulk.h): a statement's INSERT rows in
// TransactWriteItems of conditional puts, cancellations read per entry.
#include "vtab/write_bulk.h"

#include <chrono>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "engine/aws/retry.h"
#include "engine/strings.h"
#include "vtab/module.h"
#include "vtab/write_values.h"

namespace ddb::vtab {

namespace {

// What DynamoDB said about one entry of a cancelled transaction.
enum class Verdict { kNone, kExists, kRetry, kError };

Verdict VerdictOf(const dynamodb::CancellationReason& r) {
  using R = dynamodb::CancellationReason;
  if (r.code.empty() || r.code == R::kNone) return Verdict::kNone;
  if (r.condition_failed()) return Verdict::kExists;
  if (r.code == R::kTransactionConflict || r.code == "ThrottlingError" ||
      r.code == "ProvisionedThroughputExceeded" || r.code == "RequestLimitExceeded" ||
      r.code == "TransactionInProgress") {
    return Verdict::kRetry;
  }
  return Verdict::kError;
}

// "3 INSERT rows into t (id='a' ... id='c')": a chunk in messages.
std::string ChunkWhat(const std::string& table, const std::vector<const WriteChange*>& rows) {
  std::string out = std::to_string(rows.size()) + " INSERT rows into " + table + " (" +
                    DescribeKey(rows.front()->key);
  if (rows.size() > 1) out += " ... " + DescribeKey(rows.back()->key);
  return out + ")";
}

// The backoff between attempts of a chunk nothing was decided in: the base
// the SDKs use for DynamoDB's throttling, capped to stay interactive.
aws::RetryPolicy ChunkBackoff() {
  aws::RetryPolicy policy;
  policy.base_delay = std::chrono::milliseconds(50);
  policy.max_backoff = std::chrono::milliseconds(5000);
  return policy;
}

// Sends `rows` as one TransactWriteItems of conditional puts. *reasons: the
// cancellation reasons, one per row, when it was cancelled.
Status SendChunk(dynamodb::DynamoDbClient* client, Stats* stats, const std::string& table,
                 const std::string& hash, const std::vector<const WriteChange*>& rows,
                 std::vector<dynamodb::CancellationReason>* reasons) {
  dynamodb::TransactWriteRequest req;
  req.client_request_token = ClientToken();
  req.entries.reserve(rows.size());
  for (const WriteChange* c : rows) {
    dynamodb::TransactWriteEntry e;
    e.kind = dynamodb::TransactWriteEntry::Kind::kPut;
    e.table = table;
    e.item = c->item;
    e.condition = "attribute_not_exists(#k0)";
    e.names["#k0"] = hash;
    req.entries.push_back(std::move(e));
  }
  ++stats->transact_write_items;
  dynamodb::TransactWriteResult result;
  Status s = client->TransactWriteItems(req, &result);
  stats->write_capacity_milli += MilliUnits(result.consumed_capacity);
  *reasons = std::move(result.cancellation_reasons);
  return s;
}

}  // namespace

bool InsertChunk::Fits(size_t bytes) const {
  return changes_.empty() ||
         (changes_.size() < kBulkInsertRows && bytes_ + bytes <= kBulkInsertBytes);
}

bool InsertChunk::Add(WriteChange change, size_t bytes) {
  changes_.push_back(std::move(change));
  bytes_ += bytes;
  return changes_.size() >= kBulkInsertRows || bytes_ >= kBulkInsertBytes;
}

std::vector<WriteChange> InsertChunk::Take() {
  std::vector<WriteChange> out = std::move(changes_);
  changes_.clear();
  bytes_ = 0;
  return out;
}

WriteOutcome ExecuteInserts(dynamodb::DynamoDbClient* client, Stats* stats,
                            const std::string& table, const std::string& hash,
                            const std::vector<WriteChange>& changes) {
  WriteOutcome out;
  // The rows still to send, in SQLite's order, and the first key clash met
  // (rows after it are not written).
  std::vector<const WriteChange*> rows;
  rows.reserve(changes.size());
  for (const WriteChange& c : changes) rows.push_back(&c);
  std::optional<WriteOutcome> clash;
  std::mt19937_64 rng(std::random_device{}());
  int stalled = 0;
  while (!rows.empty()) {
    if (rows.size() == 1) {
      // One row: a conditional PutItem decides it at half the capacity.
      out.Add(ExecuteChange(client, stats, table, hash, *rows.front()));
      break;
    }
    std::vector<dynamodb::CancellationReason> reasons;
    Status s = SendChunk(client, stats, table, hash, rows, &reasons);
    if (s.ok()) {
      out.written += rows.size();
      stats->items_written += rows.size();
      break;
    }
    if (s.aws_code() != "TransactionCanceledException" || reasons.size() != rows.size()) {
      if (s.IsCancelled()) {
        ++stats->writes_cancelled;
        stats->items_cancelled += rows.size();
      }
      out.status = s.WithContext(ChunkWhat(table, rows) + ", all of them or none written");
      break;
    }
    // Decided per entry: keys that exist, entries to send again, errors.
    std::vector<const WriteChange*> again;
    bool progress = false;
    std::string retry_code;  // why an entry is to be sent again
    bool stop = false;       // a clash or an error: the rows after it stay unsent
    for (size_t i = 0; i < rows.size() && !stop; ++i) {
      switch (VerdictOf(reasons[i])) {
        case Verdict::kExists:
          ++stats->items_refused;
          progress = true;
          if (rows[i]->ignore) break;  // INSERT OR IGNORE: skipped
          // The statement stops at this row: those after it are not sent.
          clash = WriteOutcome();
          clash->status = Status::InvalidArgument("UNIQUE constraint failed: " + rows[i]->what +
                                                  ": an item with this key exists");
          clash->sqlite_code = SQLITE_CONSTRAINT;
          stop = true;
          break;
        case Verdict::kError:
          out.status = Status::AwsError(reasons[i].code, reasons[i].message, 400)
                           .WithContext(rows[i]->what + ": DynamoDB cancelled the write");
          stop = true;
          break;
        case Verdict::kRetry:
          if (retry_code.empty()) retry_code = reasons[i].code;
          again.push_back(rows[i]);
          break;
        case Verdict::kNone:
          again.push_back(rows[i]);
          break;
      }
    }
    if (!out.status.ok()) break;
    if (!progress && retry_code.empty()) {
      // Cancelled, yet no entry says why: nothing to act on.
      out.status = s.WithContext(ChunkWhat(table, rows) + ", none written");
      break;
    }
    if (!progress) {
      // Nothing decided: wait before sending the same rows again.
      ++stalled;
      ++stats->retries;
      if (stalled >= kBulkInsertAttempts) {
        out.status = Status::AwsError("TransactionCanceledException", retry_code, 400)
                         .WithContext(ChunkWhat(table, rows) + ": not written after " +
                                      str::Plural(stalled, "attempt"));
        break;
      }
      std::this_thread::sleep_for(aws::BackoffDelay(ChunkBackoff(), stalled, rng));
    } else {
      stalled = 0;
    }
    rows = std::move(again);
  }
  if (clash) out.Add(std::move(*clash));
  return out;
}

}  // namespace ddb::vtab
