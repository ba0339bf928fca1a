// The per-statement write path outside BEGIN: one row's change as it is
// sent (WriteChange), the DynamoDB request that sends it (StartChange,
// StartBatch), what keeps those requests in flight (WritePipeline), and
// what a statement's writes did, summed up (WriteOutcome, StatementResult).
//
// Unconditional puts go in BatchWriteItem requests of 25, INSERT rows in
// TransactWriteItems of up to 100 (write_bulk.h), other conditional writes
// one request each, up to the session's write limit in flight at once
// (ModuleOptions::write_parallel, kDefaultWriteParallel in module.h), all from SQLite's
// thread through the HTTP client's one event loop: no thread per write. A write whose
// condition failed (the item changed since it was read) is a conflict,
// reported when the statement ends; an INSERT that meets an existing key is
// SQLite's UNIQUE constraint error.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/aws/http.h"
#include "engine/dynamodb/client.h"
#include "engine/status.h"
#include "vtab/rate_limiter.h"
#include "vtab/transaction.h"
#include "vtab/write_s3.h"

namespace ddb::vtab {

struct Stats;  // vtab/module.h

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
  double capacity = 0;                     // write capacity DynamoDB reported consumed
  double reserved = 0;  // capacity reserved by the write itself (rows sent again)

  void Add(WriteOutcome other);
};

// Keeps a statement's writes in flight from SQLite's thread, at most
// `limit` at once. A write is started on that thread (its requests go to
// the HTTP client's event loop) and reports what it did through the `Done`
// it is given, from whatever thread its last answer arrives on. A write of
// several steps (the S3 half of a codec column's write) hands each next step
// to Post(): it runs on SQLite's thread the next time the pipeline waits
// (Submit, Wait, Take); or to PostToLedger(): it runs on the pipeline's one
// ledger thread, in order, so that the ledger's durable commits (an fsync
// each) overlap SQLite's work on the next rows instead of adding to it.
// With a write rate limit (set_rate_limit, `.ratelimit write N`), each
// write also waits, on this thread and running the posted steps meanwhile,
// until the limiter holds the capacity it will consume; Ctrl-C during that
// wait starts nothing more and fails the statement (Cancelled).
// Not thread-safe except Post(), PostToLedger() and the Done callbacks.
class WritePipeline {
 public:
  using Done = std::function<void(WriteOutcome)>;
  using Task = std::function<void(Done)>;
  explicit WritePipeline(int limit);
  // Waits for every write in flight (their callbacks refer to it).
  ~WritePipeline();
  WritePipeline(const WritePipeline&) = delete;
  WritePipeline& operator=(const WritePipeline&) = delete;

  // The most writes in flight from now on (at least 1).
  void set_limit(int limit);
  int limit() const { return limit_; }
  // The most bytes the writes in flight hold at once, by what each was
  // submitted with (S3 bodies; kS3BytesInFlight unless set).
  void set_max_bytes(size_t bytes) { max_bytes_ = bytes; }
  size_t max_bytes() const { return max_bytes_; }

  // Caps the write capacity the writes consume per second with `limiter`
  // (its rate 0: no cap); Ctrl-C is noticed through `http`. Both outlive
  // the pipeline's writes.
  void set_rate_limit(RateLimiter* limiter, aws::HttpClient* http);

  // Starts `task` (on this thread), first waiting while `limit` writes are
  // in flight, while the bytes the writes in flight hold and `bytes` (what
  // this one will hold until its Done) would pass max_bytes() (unless
  // nothing is in flight: a write bigger than the bound runs alone), and
  // until the rate limit allows `units` of write capacity; runs the steps
  // posted meanwhile. `task` must call its Done exactly once.
  // Not started when Ctrl-C came during the wait: the statement's outcome
  // is then Cancelled.
  void Submit(Task task, double units = 0, size_t bytes = 0);
  // Runs `step` on the pipeline's thread at its next wait. Any thread.
  void Post(std::function<void()> step);
  // Runs `step` on the pipeline's ledger thread (started on first use),
  // after the steps posted there before it. Any thread.
  void PostToLedger(std::function<void()> step);
  // Waits for every write; returns what they did since the last Take().
  WriteOutcome Take();
  // Waits for every write, keeping what they did for Take().
  void Wait();
  // True once a write has failed (not counting conflicts).
  bool failed();
  // The most writes that were in flight at once (for `.stats`).
  int max_in_flight() const { return max_in_flight_; }

 private:
  // Runs posted steps until `ready()` holds (`lock` held when it is asked),
  // or until `deadline` has passed.
  void RunUntil(std::unique_lock<std::mutex>& lock, const std::function<bool()>& ready,
                std::chrono::steady_clock::time_point deadline =
                    std::chrono::steady_clock::time_point::max());
  // Waits until the rate limit allows `units`; false when Ctrl-C came (the
  // HTTP client's cancel generation moved from `generation`).
  bool WaitForCapacity(double units, uint64_t generation);
  // `units`: what the write reserved; more reported is taken out as well.
  // `bytes`: what it holds until then.
  Done MakeDone(double units, size_t bytes);
  // The ledger thread: runs ledger_steps_ until stopped.
  void LedgerLoop();

  int limit_;
  int max_in_flight_ = 0;
  RateLimiter* limiter_ = nullptr;
  aws::HttpClient* http_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t max_bytes_ = kS3BytesInFlight;
  int in_flight_ = 0;                               // guarded by mu_
  size_t bytes_in_flight_ = 0;                      // guarded by mu_
  std::deque<std::function<void()>> posted_;        // guarded by mu_
  WriteOutcome total_;                              // guarded by mu_
  std::deque<std::function<void()>> ledger_steps_;  // guarded by mu_
  bool stopping_ = false;                           // guarded by mu_
  std::thread ledger_thread_;
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

// The write capacity units AWS charges for writing `item` (its size per KB,
// rounded up; at least 1) once; a transaction's write costs twice that.
double WriteUnits(const dynamodb::Item& item);
// What `change` will consume, by WriteUnits: of its item, else of its key
// (an UPDATE or DELETE whose item is not known here costs at least 1); a
// key change is a delete and a put in one transaction.
double WriteUnits(const WriteChange& change);

// Sends one change's DynamoDB request (outside BEGIN) and calls `done` with
// what it did, on the HTTP client's loop thread (or at once). `hash` is the
// table's partition key attribute. Counts into `stats`. `client` and
// `stats` must outlive the request.
void StartChange(dynamodb::DynamoDbClient* client, Stats* stats, const std::string& table,
                 const std::string& hash, std::shared_ptr<const WriteChange> change,
                 WritePipeline::Done done);

// Sends unconditional puts in BatchWriteItem requests and calls `done` with
// what they did, as StartChange.
void StartBatch(dynamodb::DynamoDbClient* client, Stats* stats,
                std::vector<dynamodb::BatchWriteEntry> entries, WritePipeline::Done done);

// The statement's result from what its writes on `table` did: the first
// failure (saying how many items were written), else the conflicts as one
// error naming their keys, else OK. *code is the SQLite code to return.
Status StatementResult(const std::string& table, const WriteOutcome& out, int* code);

}  // namespace ddb::vtab
