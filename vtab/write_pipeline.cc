// The per-statement write path outside BEGIN (write_pipeline.h): the
// requests that send a row's change, the pipeline that keeps them in
// flight, and the statement's result.
#include "vtab/write_pipeline.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>

#include "engine/strings.h"
#include "vtab/module.h"
#include "vtab/write_values.h"

namespace ddb::vtab {

using dynamodb::Item;

namespace {

constexpr size_t kConflictKeysShown = 5;
// The longest a write waiting for the rate limit sleeps before it looks for
// Ctrl-C again.
constexpr std::chrono::milliseconds kCapacityWaitSlice(50);

}  // namespace

bool IsConditionFailure(const Status& s) {
  return s.aws_code() == "ConditionalCheckFailedException";
}

std::vector<size_t> RefusedEntries(const Status& s, const dynamodb::TransactWriteResult& result) {
  std::vector<size_t> out;
  if (s.aws_code() != "TransactionCanceledException") return out;
  for (size_t i = 0; i < result.cancellation_reasons.size(); ++i) {
    if (result.cancellation_reasons[i].condition_failed()) out.push_back(i);
  }
  return out;
}

std::string ClientToken() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 32; ++i) out += kHex[rd() % 16];
  return out;
}

uint64_t MilliUnits(double units) { return static_cast<uint64_t>(std::llround(units * 1000)); }

double WriteUnits(const dynamodb::Item& item) {
  size_t kb = (ItemSize(item) + 1023) / 1024;
  return static_cast<double>(std::max<size_t>(kb, 1));
}

double WriteUnits(const WriteChange& change) {
  double units = WriteUnits(change.item.empty() ? change.key : change.item);
  // A key change: the old item's delete and the new one's put, each at a
  // transaction's price.
  if (change.kind == WriteChange::Kind::kMove) return 2 * (WriteUnits(change.key) + units);
  return units;
}

void WriteOutcome::Add(WriteOutcome other) {
  if (status.ok() && !other.status.ok()) {
    status = std::move(other.status);
    sqlite_code = other.sqlite_code;
  }
  written += other.written;
  conflicts += other.conflicts;
  capacity += other.capacity;
  reserved += other.reserved;
  for (auto& k : other.conflict_keys) {
    if (conflict_keys.size() < kConflictKeysShown) conflict_keys.push_back(std::move(k));
  }
}

// ---------------------------------------------------------------------------
// WritePipeline

WritePipeline::WritePipeline(int limit) : limit_(std::max(1, limit)) {}

WritePipeline::~WritePipeline() {
  Wait();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (ledger_thread_.joinable()) ledger_thread_.join();
}

void WritePipeline::PostToLedger(std::function<void()> step) {
  std::lock_guard<std::mutex> lock(mu_);
  ledger_steps_.push_back(std::move(step));
  if (!ledger_thread_.joinable()) ledger_thread_ = std::thread([this] { LedgerLoop(); });
  cv_.notify_all();
}

void WritePipeline::LedgerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !ledger_steps_.empty(); });
    if (ledger_steps_.empty()) return;  // stopping
    std::function<void()> step = std::move(ledger_steps_.front());
    ledger_steps_.pop_front();
    lock.unlock();
    step();
    lock.lock();
  }
}

void WritePipeline::set_limit(int limit) { limit_ = std::max(1, limit); }

void WritePipeline::set_rate_limit(RateLimiter* limiter, aws::HttpClient* http) {
  limiter_ = limiter;
  http_ = http;
}

WritePipeline::Done WritePipeline::MakeDone(double units, size_t bytes) {
  // The limiter as the write started: set_rate_limit may run meanwhile.
  return [this, units, bytes, limiter = limiter_](WriteOutcome outcome) {
    // What DynamoDB reports beyond the reservation (a larger item than
    // known here, a chunk sent again) counts against the limit too.
    double beyond = outcome.capacity - units - outcome.reserved;
    if (limiter && beyond > 0) limiter->Consume(beyond);
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_;
    bytes_in_flight_ -= bytes;
    total_.Add(std::move(outcome));
    cv_.notify_all();
  };
}

void WritePipeline::RunUntil(std::unique_lock<std::mutex>& lock, const std::function<bool()>& ready,
                             std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    while (!posted_.empty()) {
      std::function<void()> step = std::move(posted_.front());
      posted_.pop_front();
      lock.unlock();
      step();
      lock.lock();
    }
    if (ready()) return;
    if (!cv_.wait_until(lock, deadline, [&] { return !posted_.empty() || ready(); }) &&
        posted_.empty()) {
      return;  // the deadline passed
    }
  }
}

bool WritePipeline::WaitForCapacity(double units, uint64_t generation) {
  if (!limiter_ || units <= 0) return true;
  for (;;) {
    std::chrono::milliseconds wait = limiter_->Reserve(units);
    if (wait.count() == 0) return true;
    if (http_ && http_->cancel_generation() != generation) return false;
    // Sleeps in slices short enough for Ctrl-C to stop the statement at
    // once, running the steps writes in flight post meanwhile.
    auto until = std::chrono::steady_clock::now() + std::min(wait, kCapacityWaitSlice);
    std::unique_lock<std::mutex> lock(mu_);
    RunUntil(
        lock, [] { return false; }, until);
  }
}

void WritePipeline::Submit(Task task, double units, size_t bytes) {
  // Ctrl-C is CancelAll() on the HTTP client: its generation moves. Taken
  // before waiting for a free slot, so that a Ctrl-C that cancelled the
  // writes in flight also ends the wait for capacity.
  uint64_t generation = http_ ? http_->cancel_generation() : 0;
  {
    std::unique_lock<std::mutex> lock(mu_);
    // Bytes are counted as a whole: a write too big to fit beside the
    // others waits until they are done (not merely until one is).
    RunUntil(lock, [this, bytes] {
      return in_flight_ < limit_ && (in_flight_ == 0 || bytes_in_flight_ + bytes <= max_bytes_);
    });
  }
  if (!WaitForCapacity(units, generation)) {
    std::lock_guard<std::mutex> lock(mu_);
    WriteOutcome out;
    out.status = Status::Cancelled().WithContext("waiting for the write rate limit");
    total_.Add(std::move(out));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++in_flight_;
    bytes_in_flight_ += bytes;
    max_in_flight_ = std::max(max_in_flight_, in_flight_);
  }
  task(MakeDone(units, bytes));
}

void WritePipeline::Post(std::function<void()> step) {
  std::lock_guard<std::mutex> lock(mu_);
  posted_.push_back(std::move(step));
  cv_.notify_all();
}

WriteOutcome WritePipeline::Take() {
  std::unique_lock<std::mutex> lock(mu_);
  RunUntil(lock, [this] { return in_flight_ == 0; });
  WriteOutcome out = std::move(total_);
  total_ = WriteOutcome();
  return out;
}

void WritePipeline::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  RunUntil(lock, [this] { return in_flight_ == 0; });
}

bool WritePipeline::failed() {
  std::unique_lock<std::mutex> lock(mu_);
  // Steps that are ready run now: a write's failure shows as soon as it can.
  RunUntil(lock, [] { return true; });
  return !total_.status.ok();
}

// ---------------------------------------------------------------------------
// The requests

namespace {

// A key change: the old item's delete and the new one's put in one
// TransactWriteItems. Cancelled, not ConditionalCheckFailedException: the
// reasons say which condition failed, the put's (entry 1: the new key
// exists) or the delete's (entry 0: the item changed).
dynamodb::TransactWriteRequest MoveRequest(const std::string& table, const std::string& hash,
                                           const WriteChange& change) {
  dynamodb::TransactWriteRequest req;
  req.client_request_token = ClientToken();
  dynamodb::TransactWriteEntry del;
  del.kind = dynamodb::TransactWriteEntry::Kind::kDelete;
  del.table = table;
  del.item = change.key;
  del.condition = change.condition;
  del.names = change.names;
  del.values = change.values;
  dynamodb::TransactWriteEntry put;
  put.kind = dynamodb::TransactWriteEntry::Kind::kPut;
  put.table = table;
  put.item = change.item;
  put.condition = "attribute_not_exists(#k0)";
  put.names["#k0"] = hash;
  req.entries = {std::move(del), std::move(put)};
  return req;
}

// What a move's answer means, when its reasons decide it (*decided).
WriteOutcome MoveOutcome(Stats* stats, const WriteChange& change, const Status& s,
                         const dynamodb::TransactWriteResult& sent, bool* decided) {
  WriteOutcome out;
  std::vector<size_t> refused = RefusedEntries(s, sent);
  if (!refused.empty()) ++stats->items_refused;
  auto refused_entry = [&refused](size_t i) {
    return std::find(refused.begin(), refused.end(), i) != refused.end();
  };
  *decided = true;
  if (refused_entry(1)) {
    out.status = Status::InvalidArgument("UNIQUE constraint failed: " + change.what +
                                         ": an item with the new key exists");
    out.sqlite_code = SQLITE_CONSTRAINT;
    return out;
  }
  if (refused_entry(0)) {
    out.conflicts = 1;
    out.conflict_keys.push_back(DescribeKey(change.key));
    return out;
  }
  *decided = false;
  return out;
}

// The outcome of a single-item write's answer `s` (the move's, when not
// decided by its reasons).
WriteOutcome ChangeOutcome(Stats* stats, const WriteChange& change, const Status& s,
                           double consumed_capacity) {
  WriteOutcome out;
  if (change.kind == WriteChange::Kind::kPut && change.insert && IsConditionFailure(s)) {
    ++stats->items_refused;
    if (change.ignore) return out;  // written stays 0
    out.status = Status::InvalidArgument("UNIQUE constraint failed: " + change.what +
                                         ": an item with this key exists");
    out.sqlite_code = SQLITE_CONSTRAINT;
    return out;
  }
  stats->write_capacity_milli += MilliUnits(consumed_capacity);
  out.capacity = consumed_capacity;
  if (IsConditionFailure(s)) {
    ++stats->items_refused;
    out.conflicts = 1;
    out.conflict_keys.push_back(DescribeKey(change.key));
  } else if (!s.ok()) {
    if (s.IsCancelled()) {
      ++stats->writes_cancelled;
      ++stats->items_cancelled;
    }
    out.status = s.WithContext(change.what);
  } else {
    out.written = 1;
    ++stats->items_written;
  }
  return out;
}

}  // namespace

void StartChange(dynamodb::DynamoDbClient* client, Stats* stats, const std::string& table,
                 const std::string& hash, std::shared_ptr<const WriteChange> change,
                 WritePipeline::Done done) {
  using Kind = WriteChange::Kind;
  if (change->kind == Kind::kMove) {
    ++stats->transact_write_items;
    client->StartTransactWriteItems(
        MoveRequest(table, hash, *change),
        [stats, change, done = std::move(done)](Status s, dynamodb::TransactWriteResult sent) {
          bool decided = false;
          WriteOutcome out = MoveOutcome(stats, *change, s, sent, &decided);
          // A refusal its reasons explain is counted without its capacity.
          done(decided ? std::move(out) : ChangeOutcome(stats, *change, s, sent.consumed_capacity));
        });
    return;
  }
  auto answered = [stats, change, done = std::move(done)](Status s, dynamodb::WriteResult result) {
    done(ChangeOutcome(stats, *change, s, result.consumed_capacity));
  };
  switch (change->kind) {
    case Kind::kPut: {
      dynamodb::PutItemRequest req;
      req.table = table;
      req.item = change->item;
      req.names = change->names;
      req.values = change->values;
      if (change->insert) {
        req.condition = "attribute_not_exists(#k0)";
        req.names["#k0"] = hash;
      } else {
        req.condition = change->condition;
      }
      ++stats->put_item;
      client->StartPutItem(req, std::move(answered));
      return;
    }
    case Kind::kUpdate: {
      dynamodb::UpdateItemRequest req;
      req.table = table;
      req.key = change->key;
      req.update = change->update;
      req.condition = change->condition;
      req.names = change->names;
      req.values = change->values;
      ++stats->update_item;
      client->StartUpdateItem(req, std::move(answered));
      return;
    }
    case Kind::kDelete: {
      dynamodb::DeleteItemRequest req;
      req.table = table;
      req.key = change->key;
      req.condition = change->condition;
      req.names = change->names;
      req.values = change->values;
      ++stats->delete_item;
      client->StartDeleteItem(req, std::move(answered));
      return;
    }
    case Kind::kMove:
      break;  // above
  }
}

void StartBatch(dynamodb::DynamoDbClient* client, Stats* stats,
                std::vector<dynamodb::BatchWriteEntry> entries, WritePipeline::Done done) {
  stats->batch_write_item += (entries.size() + kBatchWriteSize - 1) / kBatchWriteSize;
  size_t count = entries.size();
  client->StartBatchWriteItem(
      entries, [stats, count, done = std::move(done)](Status s, double capacity) {
        WriteOutcome out;
        stats->write_capacity_milli += MilliUnits(capacity);
        out.capacity = capacity;
        if (s.IsCancelled()) {
          ++stats->writes_cancelled;
          stats->items_cancelled += count;
        }
        if (s.ok()) {
          out.written = count;
          stats->items_written += count;
        } else {
          out.status = s.WithContext("BatchWriteItem of " + str::Plural(count, "item") +
                                     " (none of them or some written)");
        }
        done(std::move(out));
      });
}

Status StatementResult(const std::string& table, const WriteOutcome& out, int* code) {
  *code = SQLITE_OK;
  if (!out.status.ok()) {
    *code = out.sqlite_code == SQLITE_OK ? SQLITE_ERROR : out.sqlite_code;
    return out.status.WithNote("the statement stopped; " +
                               str::Plural(out.written, "item was", "items were") + " written");
  }
  if (out.conflicts > 0) {
    std::string keys;
    for (const auto& k : out.conflict_keys) keys += (keys.empty() ? "" : "; ") + k;
    if (out.conflicts > out.conflict_keys.size()) keys += "; ...";
    *code = SQLITE_ERROR;
    return Status::InvalidArgument(
        "table " + table + ": " + str::Plural(out.conflicts, "item was", "items were") +
        " not written because it changed or was deleted since the statement read it (" + keys +
        "); nothing was overwritten; " + str::Plural(out.written, "item was", "items were") +
        " written");
  }
  return Status::OK();
}

}  // namespace ddb::vtab
