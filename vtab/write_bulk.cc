// Bulk INSERT outside BEGIN (write_bulk.h): a statement's INSERT rows in
// TransactWriteItems of conditional puts, cancellations read per entry.
#include "vtab/write_bulk.h"

#include <chrono>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include "engine/aws/retry.h"
#include "engine/dynamodb/number.h"
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

// A key as one string, numbers in canonical form: the key an INSERT built
// and the one DynamoDB returns compare equal.
std::string KeyId(const dynamodb::Item& key) {
  std::string id;
  for (const auto& [name, v] : key) {
    std::string canonical;
    bool number = v.type() == dynamodb::AttributeValue::Type::kN &&
                  dynamodb::CanonicalNumber(v.scalar(), &canonical).ok();
    id += name + '\0' + dynamodb::AttributeValue::TypeName(v.type()) + '\0' +
          (number ? canonical : v.scalar()) + '\0';
  }
  return id;
}

WriteOutcome Clash(const WriteChange& row) {
  WriteOutcome out;
  out.status = Status::InvalidArgument("UNIQUE constraint failed: " + row.what +
                                       ": an item with this key exists");
  out.sqlite_code = SQLITE_CONSTRAINT;
  return out;
}

// `.insertcheck batch`: the keys read consistently, then the absent rows
// put unconditionally (write_bulk.h: racy).
WriteOutcome CheckThenBatch(dynamodb::DynamoDbClient* client, Stats* stats,
                            const std::string& table, const std::vector<WriteChange>& rows) {
  WriteOutcome out;
  dynamodb::BatchGetRequest req;
  req.table = table;
  req.consistent_read = true;
  for (const auto& [name, v] : rows.front().key) {
    std::string n = "#k" + std::to_string(req.names.size());
    req.names[n] = name;
    req.projection += (req.projection.empty() ? "" : ", ") + n;
  }
  for (const WriteChange& c : rows) req.keys.push_back(c.key);
  uint64_t requests = (rows.size() + kBulkInsertRows - 1) / kBulkInsertRows;
  stats->batch_get_item += requests;
  stats->requests += requests;
  dynamodb::BatchGetResult found;
  Status s = client->BatchGetItem(req, &found);
  stats->capacity_milli += MilliUnits(found.consumed_capacity);
  if (!s.ok()) {
    std::vector<const WriteChange*> all;
    for (const WriteChange& c : rows) all.push_back(&c);
    out.status = s.WithContext(ChunkWhat(table, all) + ", none written");
    return out;
  }
  std::set<std::string> exists;
  for (const dynamodb::Item& item : found.items) exists.insert(KeyId(item));
  std::vector<dynamodb::BatchWriteEntry> entries;
  std::optional<WriteOutcome> clash;
  for (const WriteChange& c : rows) {
    if (exists.count(KeyId(c.key))) {
      ++stats->items_refused;
      if (c.ignore) continue;
      clash = Clash(c);  // the statement stops at this row
      break;
    }
    entries.push_back({table, dynamodb::BatchWriteEntry::Kind::kPut, c.item});
  }
  if (!entries.empty()) out.Add(ExecuteBatch(client, stats, entries));
  if (clash) out.Add(std::move(*clash));
  return out;
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
                            const std::vector<WriteChange>& changes, InsertCheck check) {
  if (check == InsertCheck::kBatch && changes.size() > 1) {
    return CheckThenBatch(client, stats, table, changes);
  }
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
          clash = Clash(*rows[i]);
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
