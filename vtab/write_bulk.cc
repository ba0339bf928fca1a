// Bulk INSERT outside BEGIN (write_bulk.h): a statement's INSERT rows in
// TransactWriteItems of conditional puts, cancellations read per entry.
#include "vtab/write_bulk.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <set>
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

// `rows` as one TransactWriteItems of conditional puts.
dynamodb::TransactWriteRequest ChunkRequest(const std::string& table, const std::string& hash,
                                            const std::vector<const WriteChange*>& rows) {
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
  return req;
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

// Where a StartInserts stands: the rows still to send, in SQLite's order,
// what was done, the first key clash met (rows after it are not written)
// and the attempts that decided nothing. Used by one callback at a time.
struct InsertState {
  dynamodb::DynamoDbClient* client = nullptr;
  Stats* stats = nullptr;
  RateLimiter* limiter = nullptr;
  bool reserved = false;  // the capacity of the rows about to be sent is reserved
  std::string table;
  std::string hash;
  std::shared_ptr<const std::vector<WriteChange>> changes;  // owns what `rows` points at
  std::vector<const WriteChange*> rows;
  WriteOutcome out;
  std::optional<WriteOutcome> clash;
  int stalled = 0;
  std::mt19937_64 rng{std::random_device{}()};
  WritePipeline::Done done;
  // The HTTP client's cancel generation when the rows were handed over.
  // Ctrl-C moves it; an answer taken after it (already on its way when the
  // cancel came) must not set a timer of the new generation, which the
  // cancel no longer reaches.
  uint64_t generation = 0;

  bool Interrupted() const { return client->aws().http().cancel_generation() != generation; }
};

void Finish(const std::shared_ptr<InsertState>& st) {
  if (st->clash) st->out.Add(std::move(*st->clash));
  st->done(std::move(st->out));
}

void InsertRound(std::shared_ptr<InsertState> st);
// InsertRound after `delay` on the loop's timer; Ctrl-C meanwhile finishes
// the rows unsent.
void RoundAfter(std::shared_ptr<InsertState> st, std::chrono::milliseconds delay);

// A cancelled transaction's reasons, one per row: decides the rows and
// either finishes or sends the undecided ones again (after a backoff when
// nothing was decided).
void OnCancelled(std::shared_ptr<InsertState> st, const Status& s,
                 const std::vector<dynamodb::CancellationReason>& reasons) {
  Stats* stats = st->stats;
  std::vector<const WriteChange*>& rows = st->rows;
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
        st->clash = Clash(*rows[i]);
        stop = true;
        break;
      case Verdict::kError:
        st->out.status = Status::AwsError(reasons[i].code, reasons[i].message, 400)
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
  if (!st->out.status.ok()) return Finish(st);
  if (!progress && retry_code.empty()) {
    // Cancelled, yet no entry says why: nothing to act on.
    st->out.status = s.WithContext(ChunkWhat(st->table, rows) + ", none written");
    return Finish(st);
  }
  if (progress) {
    st->stalled = 0;
    rows = std::move(again);
    st->reserved = false;
    return InsertRound(std::move(st));
  }
  // Nothing decided: wait on the loop's timer before sending the same rows
  // again.
  ++st->stalled;
  ++stats->retries;
  if (st->stalled >= kBulkInsertAttempts) {
    st->out.status = Status::AwsError("TransactionCanceledException", retry_code, 400)
                         .WithContext(ChunkWhat(st->table, rows) + ": not written after " +
                                      str::Plural(st->stalled, "attempt"));
    return Finish(st);
  }
  rows = std::move(again);
  st->reserved = false;
  auto delay = aws::BackoffDelay(ChunkBackoff(), st->stalled, st->rng);
  RoundAfter(std::move(st), delay);
}

// Ctrl-C before or during a wait, or while the answer that decided the
// round was on its way: none of these rows was sent again.
void FinishUnsent(const std::shared_ptr<InsertState>& st) {
  st->out.status =
      Status::Cancelled().WithContext(ChunkWhat(st->table, st->rows) + ", none written");
  Finish(st);
}

void RoundAfter(std::shared_ptr<InsertState> st, std::chrono::milliseconds delay) {
  if (st->Interrupted()) return FinishUnsent(st);
  dynamodb::DynamoDbClient* client = st->client;
  client->RunAfter(delay, [st = std::move(st)](bool cancelled) mutable {
    if (cancelled || st->Interrupted()) return FinishUnsent(st);
    InsertRound(std::move(st));
  });
}

// Sends the state's rows: one row as a conditional PutItem (half the
// capacity), more as one TransactWriteItems.
void InsertRound(std::shared_ptr<InsertState> st) {
  if (st->rows.empty()) return Finish(st);
  if (st->Interrupted()) return FinishUnsent(st);
  if (!st->reserved && st->limiter) {
    // Rows sent again count against the write limit as the first were: a
    // transaction's write twice a PutItem's.
    double units = 0;
    for (const WriteChange* c : st->rows) units += WriteUnits(c->item);
    if (st->rows.size() > 1) units *= 2;
    std::chrono::milliseconds wait = st->limiter->Reserve(units);
    if (wait.count() > 0) return RoundAfter(std::move(st), wait);
    st->out.reserved += units;
  }
  st->reserved = true;
  if (st->rows.size() == 1) {
    // Shares the ownership of the rows (aliasing constructor).
    std::shared_ptr<const WriteChange> row(st->changes, st->rows.front());
    dynamodb::DynamoDbClient* client = st->client;
    Stats* stats = st->stats;
    std::string table = st->table;
    std::string hash = st->hash;
    StartChange(client, stats, table, hash, std::move(row), [st](WriteOutcome o) {
      st->out.Add(std::move(o));
      Finish(st);
    });
    return;
  }
  ++st->stats->transact_write_items;
  dynamodb::TransactWriteRequest req = ChunkRequest(st->table, st->hash, st->rows);
  dynamodb::DynamoDbClient* client = st->client;
  client->StartTransactWriteItems(
      req, [st = std::move(st)](Status s, dynamodb::TransactWriteResult result) {
        Stats* stats = st->stats;
        stats->write_capacity_milli += MilliUnits(result.consumed_capacity);
        st->out.capacity += result.consumed_capacity;
        if (s.ok()) {
          st->out.written += st->rows.size();
          stats->items_written += st->rows.size();
          return Finish(st);
        }
        if (s.aws_code() != "TransactionCanceledException" ||
            result.cancellation_reasons.size() != st->rows.size()) {
          if (s.IsCancelled()) {
            ++stats->writes_cancelled;
            stats->items_cancelled += st->rows.size();
          }
          st->out.status =
              s.WithContext(ChunkWhat(st->table, st->rows) + ", all of them or none written");
          return Finish(st);
        }
        OnCancelled(st, s, result.cancellation_reasons);
      });
}

// `.insertcheck batch`: the keys read consistently, then the absent rows
// put unconditionally (write_bulk.h: racy).
void StartCheckThenBatch(std::shared_ptr<InsertState> st) {
  const std::vector<WriteChange>& rows = *st->changes;
  dynamodb::BatchGetRequest req;
  req.table = st->table;
  req.consistent_read = true;
  for (const auto& [name, v] : rows.front().key) {
    std::string n = "#k" + std::to_string(req.names.size());
    req.names[n] = name;
    req.projection += (req.projection.empty() ? "" : ", ") + n;
  }
  for (const WriteChange& c : rows) req.keys.push_back(c.key);
  uint64_t requests = (rows.size() + kBulkInsertRows - 1) / kBulkInsertRows;
  st->stats->batch_get_item += requests;
  st->stats->requests += requests;
  dynamodb::DynamoDbClient* client = st->client;
  client->StartBatchGetItem(req, [st = std::move(st)](Status s, dynamodb::BatchGetResult found) {
    Stats* stats = st->stats;
    stats->capacity_milli += MilliUnits(found.consumed_capacity);
    if (!s.ok()) {
      st->out.status = s.WithContext(ChunkWhat(st->table, st->rows) + ", none written");
      return Finish(st);
    }
    std::set<std::string> exists;
    for (const dynamodb::Item& item : found.items) exists.insert(KeyId(item));
    std::vector<dynamodb::BatchWriteEntry> entries;
    for (const WriteChange* c : st->rows) {
      if (exists.count(KeyId(c->key))) {
        ++stats->items_refused;
        if (c->ignore) continue;
        st->clash = Clash(*c);  // the statement stops at this row
        break;
      }
      entries.push_back({st->table, dynamodb::BatchWriteEntry::Kind::kPut, c->item});
    }
    if (entries.empty()) return Finish(st);
    dynamodb::DynamoDbClient* writer = st->client;
    StartBatch(writer, stats, std::move(entries), [st](WriteOutcome o) {
      st->out.Add(std::move(o));
      Finish(st);
    });
  });
}

}  // namespace

void InsertChunk::set_max_rows(size_t rows) {
  max_rows_ = std::clamp<size_t>(rows, 1, kBulkInsertRows);
}

bool InsertChunk::Fits(size_t bytes) const {
  return changes_.empty() || (changes_.size() < max_rows_ && bytes_ + bytes <= kBulkInsertBytes);
}

bool InsertChunk::Add(WriteChange change, size_t bytes) {
  changes_.push_back(std::move(change));
  bytes_ += bytes;
  return changes_.size() >= max_rows_ || bytes_ >= kBulkInsertBytes;
}

std::vector<WriteChange> InsertChunk::Take() {
  std::vector<WriteChange> out = std::move(changes_);
  changes_.clear();
  bytes_ = 0;
  return out;
}

void StartInserts(dynamodb::DynamoDbClient* client, Stats* stats, RateLimiter* limiter,
                  const std::string& table, const std::string& hash,
                  std::shared_ptr<const std::vector<WriteChange>> changes, InsertCheck check,
                  WritePipeline::Done done) {
  auto st = std::make_shared<InsertState>();
  st->client = client;
  st->stats = stats;
  st->limiter = limiter;
  st->reserved = true;  // by the caller
  st->table = table;
  st->hash = hash;
  st->changes = std::move(changes);
  st->rows.reserve(st->changes->size());
  for (const WriteChange& c : *st->changes) st->rows.push_back(&c);
  st->done = std::move(done);
  st->generation = client->aws().http().cancel_generation();
  if (check == InsertCheck::kBatch && st->rows.size() > 1)
    return StartCheckThenBatch(std::move(st));
  InsertRound(std::move(st));
}

}  // namespace ddb::vtab
