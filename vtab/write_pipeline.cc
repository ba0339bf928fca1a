// The per-statement write path outside BEGIN (write_pipeline.h): the
// requests that send a row's change, the threads that run them, and the
// statement's result.
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

void WriteOutcome::Add(WriteOutcome other) {
  if (status.ok() && !other.status.ok()) {
    status = std::move(other.status);
    sqlite_code = other.sqlite_code;
  }
  written += other.written;
  conflicts += other.conflicts;
  for (auto& k : other.conflict_keys) {
    if (conflict_keys.size() < kConflictKeysShown) conflict_keys.push_back(std::move(k));
  }
}

// ---------------------------------------------------------------------------
// WritePipeline

WritePipeline::WritePipeline(int limit) : limit_(limit) {}

WritePipeline::~WritePipeline() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void WritePipeline::Submit(Task task) {
  std::unique_lock<std::mutex> lock(mu_);
  if (threads_.empty()) {
    for (int i = 0; i < limit_; ++i) threads_.emplace_back([this] { Work(); });
  }
  cv_.wait(lock, [this] { return static_cast<int>(queue_.size()) + running_ < limit_; });
  queue_.push_back(std::move(task));
  cv_.notify_all();
}

void WritePipeline::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping
    Task task = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    WriteOutcome outcome = task();
    lock.lock();
    --running_;
    total_.Add(std::move(outcome));
    cv_.notify_all();
  }
}

WriteOutcome WritePipeline::Take() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return queue_.empty() && running_ == 0; });
  WriteOutcome out = std::move(total_);
  total_ = WriteOutcome();
  return out;
}

void WritePipeline::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return queue_.empty() && running_ == 0; });
}

bool WritePipeline::failed() {
  std::lock_guard<std::mutex> lock(mu_);
  return !total_.status.ok();
}

// ---------------------------------------------------------------------------
// The requests

namespace {

// A key change: the old item's delete and the new one's put in one
// TransactWriteItems. Cancelled, not ConditionalCheckFailedException: the
// reasons say which condition failed, the put's (entry 1: the new key
// exists) or the delete's (entry 0: the item changed).
Status ExecuteMove(dynamodb::DynamoDbClient* client, Stats* stats, const std::string& table,
                   const std::string& hash, const WriteChange& change,
                   dynamodb::WriteResult* result, WriteOutcome* out, bool* decided) {
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
  ++stats->transact_write_items;
  dynamodb::TransactWriteResult sent;
  Status s = client->TransactWriteItems(req, &sent);
  result->consumed_capacity = sent.consumed_capacity;
  std::vector<size_t> refused = RefusedEntries(s, sent);
  if (!refused.empty()) ++stats->items_refused;
  auto refused_entry = [&refused](size_t i) {
    return std::find(refused.begin(), refused.end(), i) != refused.end();
  };
  *decided = true;
  if (refused_entry(1)) {
    out->status = Status::InvalidArgument("UNIQUE constraint failed: " + change.what +
                                          ": an item with the new key exists");
    out->sqlite_code = SQLITE_CONSTRAINT;
    return s;
  }
  if (refused_entry(0)) {
    out->conflicts = 1;
    out->conflict_keys.push_back(DescribeKey(change.key));
    return s;
  }
  *decided = false;
  return s;
}

}  // namespace

WriteOutcome ExecuteChange(dynamodb::DynamoDbClient* client, Stats* stats, const std::string& table,
                           const std::string& hash, const WriteChange& change) {
  WriteOutcome out;
  Status s;
  dynamodb::WriteResult result;
  using Kind = WriteChange::Kind;
  switch (change.kind) {
    case Kind::kPut: {
      dynamodb::PutItemRequest req;
      req.table = table;
      req.item = change.item;
      req.names = change.names;
      req.values = change.values;
      if (change.insert) {
        req.condition = "attribute_not_exists(#k0)";
        req.names["#k0"] = hash;
      } else {
        req.condition = change.condition;
      }
      ++stats->put_item;
      s = client->PutItem(req, &result);
      if (IsConditionFailure(s) && change.insert) {
        ++stats->items_refused;
        if (change.ignore) return out;  // written stays 0
        out.status = Status::InvalidArgument("UNIQUE constraint failed: " + change.what +
                                             ": an item with this key exists");
        out.sqlite_code = SQLITE_CONSTRAINT;
        return out;
      }
      break;
    }
    case Kind::kUpdate: {
      dynamodb::UpdateItemRequest req;
      req.table = table;
      req.key = change.key;
      req.update = change.update;
      req.condition = change.condition;
      req.names = change.names;
      req.values = change.values;
      ++stats->update_item;
      s = client->UpdateItem(req, &result);
      break;
    }
    case Kind::kDelete: {
      dynamodb::DeleteItemRequest req;
      req.table = table;
      req.key = change.key;
      req.condition = change.condition;
      req.names = change.names;
      req.values = change.values;
      ++stats->delete_item;
      s = client->DeleteItem(req, &result);
      break;
    }
    case Kind::kMove: {
      bool decided = false;
      s = ExecuteMove(client, stats, table, hash, change, &result, &out, &decided);
      if (decided) return out;
      break;
    }
  }
  stats->write_capacity_milli += MilliUnits(result.consumed_capacity);
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

WriteOutcome ExecuteBatch(dynamodb::DynamoDbClient* client, Stats* stats,
                          const std::vector<dynamodb::BatchWriteEntry>& entries) {
  WriteOutcome out;
  double capacity = 0;
  stats->batch_write_item += (entries.size() + kBatchWriteSize - 1) / kBatchWriteSize;
  Status s = client->BatchWriteItem(entries, &capacity);
  stats->write_capacity_milli += MilliUnits(capacity);
  if (s.IsCancelled()) {
    ++stats->writes_cancelled;
    stats->items_cancelled += entries.size();
  }
  if (s.ok()) {
    out.written = entries.size();
    stats->items_written += entries.size();
  } else {
    out.status = s.WithContext("BatchWriteItem of " + str::Plural(entries.size(), "item") +
                               " (none of them or some written)");
  }
  return out;
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
