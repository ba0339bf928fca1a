// Page sources: where a scan's items come from, a page at a time, with the
// next page already requested while the reader consumes the current one.
// Both the dynamodb module (dynamodb_cursor.cc) and the table functions
// (functions_vtab.cc) read through these.
//
//   RequestGate gate = RequestGate::Open(&ctx->rate_limiter(), &conn->http());
//   SequentialSource pages(gate, [req](ItemPage* page, bool* last) mutable {
//     ...one request, remembering where the next starts...
//   });
//   for (bool done = false; !done;) {
//     ItemPage page;
//     Status s = pages.Next(&page, &done);
//     if (!s.ok()) return s;
//   }
//
// Every request runs ahead on a thread of its own (Prefetch), one at a time
// per source (per segment for a parallel Scan). Each waits first for the
// session's read capacity limit (.ratelimit, RequestGate); Ctrl-C while
// waiting gives Status::Cancelled. When the reader is gone (the cursor
// closes) a request still waiting for its turn is not sent, and the source
// waits for one already sent. When no thread can be started, the request
// runs on the reader's thread when its page is asked for.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "engine/aws/http.h"
#include "engine/dynamodb/attribute_value.h"
#include "engine/dynamodb/client.h"
#include "engine/status.h"
#include "vtab/module.h"
#include "vtab/rate_limiter.h"
#include "vtab/scan_cache.h"
#include "vtab/transaction.h"

namespace ddb::vtab {

// Produces the items of one scan, a page at a time.
class PageSource {
 public:
  virtual ~PageSource() = default;
  // Fills `page` with the next page; `*done` when there are no more after it.
  virtual Status Next(dynamodb::ItemPage* page, bool* done) = 0;
  // True when Next() would not wait for the network: the read-ahead of S3
  // columns (codec_columns.h) takes such a page early. False when unknown.
  virtual bool Ready() { return false; }
};

// The items fetched in one go (GetItem, BatchGetItem, a lookup in a copy).
class FixedSource : public PageSource {
 public:
  explicit FixedSource(dynamodb::ItemPage page) : page_(std::move(page)) {}
  Status Next(dynamodb::ItemPage* page, bool* done) override;
  bool Ready() override { return true; }

 private:
  dynamodb::ItemPage page_;
};

// One page request's outcome; `last`: no page follows it.
struct PageResult {
  Status status;
  dynamodb::ItemPage page;
  bool last = true;
};

// What every page request passes on its way out: the session's read
// capacity limit (.ratelimit), and Ctrl-C while waiting for it.
struct RequestGate {
  RateLimiter* limiter = nullptr;
  aws::HttpClient* http = nullptr;
  uint64_t cancel_generation = 0;  // Ctrl-C since the scan started: the generation moved
  // Set when the reader is gone: a prefetch still waiting for its turn under
  // the rate limit is not sent (no capacity spent on rows nobody reads).
  std::shared_ptr<std::atomic<bool>> closed = std::make_shared<std::atomic<bool>>(false);

  // A gate for a scan starting now.
  static RequestGate Open(RateLimiter* limiter, aws::HttpClient* http) {
    return RequestGate{limiter, http, http->cancel_generation()};
  }

  // Runs `request` (one page) within the limit; Cancelled when Ctrl-C came
  // or the reader is gone.
  template <typename Fn>
  PageResult Run(Fn request) const {
    PageResult r;
    bool go = limiter->Acquire(
        [this] { return closed->load() || http->cancel_generation() != cancel_generation; });
    if (!go || closed->load()) {
      r.status = Status::Cancelled();
      return r;
    }
    r.status = request(&r.page);
    if (r.status.ok()) limiter->Consume(r.page.consumed_capacity);
    return r;
  }
};

// One page request running ahead of its reader: on a thread of its own, or,
// when none can be started, on the reader's thread when Take() asks for it.
// Stop() (and the destructor) closes the gate `closed` belongs to and waits
// for a request already running; one never started is dropped.
class Prefetch {
 public:
  using Task = std::function<PageResult()>;

  // `threads` false: every task runs on the reader's thread, as when no
  // thread can be started (for tests).
  explicit Prefetch(std::shared_ptr<std::atomic<bool>> closed, bool threads = true)
      : closed_(std::move(closed)), threads_(threads) {}
  ~Prefetch() { Stop(); }
  Prefetch(const Prefetch&) = delete;
  Prefetch& operator=(const Prefetch&) = delete;

  // Starts `task`; the previous one must have been taken.
  void Start(Task task);
  // True when Take() will not wait for the network: the page has arrived,
  // or the task runs on the reader's thread. Waits up to `wait` for it.
  bool Ready(std::chrono::microseconds wait);
  // The page, waiting for it (or running the task) if need be.
  PageResult Take();
  // Closes the gate and waits for a request in flight. Idempotent.
  void Stop();

 private:
  std::shared_ptr<std::atomic<bool>> closed_;
  bool threads_;
  std::future<PageResult> pending_;
};

// The pages of one request after another, the next requested as soon as a
// page arrives. `fetch` sends one request and says whether it was the
// last; it keeps where the next one starts (it runs on the prefetch thread,
// never twice at once).
class SequentialSource : public PageSource {
 public:
  using Fetch = std::function<Status(dynamodb::ItemPage* page, bool* last)>;

  SequentialSource(RequestGate gate, Fetch fetch);
  ~SequentialSource() override { prefetch_.Stop(); }
  Status Next(dynamodb::ItemPage* page, bool* done) override;
  bool Ready() override { return prefetch_.Ready(std::chrono::microseconds(0)); }

 private:
  void Launch();

  RequestGate gate_;
  Fetch fetch_;
  Prefetch prefetch_;  // last: stopped before the rest goes
};

// Work done on each page on the thread that fetched it, as it arrives (a
// table with item_encryption verifies and decrypts its items there). A
// source given one decodes its pages into items, not item texts.
using PageTransform = std::function<Status(dynamodb::ItemPage* page)>;

// Query pages of `requests` (one per partition key value) in turn, kept as
// item texts (the cursor decodes only what SQLite reads), or decoded and
// passed through `transform` when there is one.
std::unique_ptr<PageSource> QueryPages(dynamodb::DynamoDbClient* client, RequestGate gate,
                                       std::vector<dynamodb::QueryRequest> requests,
                                       PageTransform transform = nullptr);

// A parallel Scan: every segment has one page request in flight; pages are
// handed out as they complete (rows of a Scan have no order). Pages are
// item texts, or with `transform` decoded items passed through it.
class ScanSource : public PageSource {
 public:
  ScanSource(dynamodb::DynamoDbClient* client, RequestGate gate, const dynamodb::ScanRequest& base,
             int segments, PageTransform transform = nullptr);
  ~ScanSource() override;
  Status Next(dynamodb::ItemPage* page, bool* done) override;
  bool Ready() override;

 private:
  struct Segment {
    explicit Segment(std::shared_ptr<std::atomic<bool>> closed) : prefetch(std::move(closed)) {}
    dynamodb::ScanRequest request;
    bool finished = false;
    Prefetch prefetch;
  };
  void Launch(Segment* s);

  dynamodb::DynamoDbClient* client_;
  RequestGate gate_;
  PageTransform transform_;
  std::vector<std::unique_ptr<Segment>> segments_;
  size_t live_ = 0;
  size_t next_ = 0;
};

// Index entries fetched together: the first time one BatchGetItem request
// (a LIMIT or EXISTS may need no more), then 8 requests in flight.
constexpr size_t kFirstFetchKeys = 100;
constexpr size_t kFetchKeys = 800;

// A Query of an index that lacks attributes the statement needs, then
// BatchGetItem of the table's items for the keys it found (plan.h,
// fetch=BatchGetItem). Each page handed out holds the items of up to
// kFetchKeys index entries in the index's order (index_fetch.h); the next is
// fetched while the current one is consumed, unless `cap` (the rows a
// pushed LIMIT still allows, -1 none) is already met. Counts its own
// requests, pages and capacity in `stats` (the cursor does not): the
// index's pages as Query pages, the fetched items as the items returned.
class FetchSource : public PageSource {
 public:
  FetchSource(dynamodb::DynamoDbClient* client, RequestGate gate, std::unique_ptr<PageSource> index,
              dynamodb::BatchGetRequest fetch, dynamodb::KeySchema table_key,
              dynamodb::KeySchema index_key, Stats* stats, sqlite3_int64 cap);
  ~FetchSource() override { prefetch_.Stop(); }
  Status Next(dynamodb::ItemPage* page, bool* done) override;
  bool Ready() override { return prefetch_.Ready(std::chrono::microseconds(0)); }

 private:
  // Runs on the prefetch thread, one at a time: Next waits for it first.
  PageResult FetchChunk();

  dynamodb::DynamoDbClient* client_;
  RequestGate gate_;
  std::unique_ptr<PageSource> index_;
  dynamodb::BatchGetRequest fetch_;  // all but the keys
  dynamodb::KeySchema table_key_;
  dynamodb::KeySchema index_key_;
  Stats* stats_;
  sqlite3_int64 remaining_;
  // Index entries read and not yet fetched; the index has no more.
  std::vector<dynamodb::Item> entries_;
  bool index_done_ = false;
  bool first_ = true;
  Prefetch prefetch_;  // last: stopped before the rest goes
};

// A scan's pages with the open transaction's own writes laid over them
// (inside BEGIN; vtab/transaction.h): the items the transaction writes are
// dropped from DynamoDB's pages, and those it puts or updates that the plan
// selects (`pending`: matched as a lookup from a copy is, on the plan's key
// conditions, index and exact filters) are added, first when the plan has
// no order, else merged into DynamoDB's pages in the sort key's order. What
// the plan leaves to SQLite, SQLite checks on these rows as on the others.
// Pages come out as item texts.
class PendingSource : public PageSource {
 public:
  struct Row {
    dynamodb::AttributeValue order;  // the sort key's value when the plan has an order
    std::string text;
  };
  PendingSource(std::unique_ptr<PageSource> inner, std::shared_ptr<const TableView> view,
                std::vector<std::string> key_names, std::vector<Row> pending,
                std::string order_attribute, bool descending)
      : inner_(std::move(inner)),
        view_(std::move(view)),
        key_names_(std::move(key_names)),
        pending_(std::move(pending)),
        order_attribute_(std::move(order_attribute)),
        descending_(descending) {}

  Status Next(dynamodb::ItemPage* page, bool* done) override;
  bool Ready() override { return inner_->Ready(); }

 private:
  // Whether a pending row with sort key `a` comes before DynamoDB's `b`.
  bool Before(const dynamodb::AttributeValue& a, const dynamodb::AttributeValue& b) const;

  std::unique_ptr<PageSource> inner_;
  std::shared_ptr<const TableView> view_;
  std::vector<std::string> key_names_;
  std::vector<Row> pending_;
  size_t next_ = 0;
  std::string order_attribute_;
  bool descending_;
};

// Pages of a copy this statement already read (scan_cache.h).
class CopySource : public PageSource {
 public:
  CopySource(ScanCache* cache, ScanCache::EntryPtr entry) : reader_(cache, std::move(entry)) {}
  Status Next(dynamodb::ItemPage* page, bool* done) override { return reader_.Next(page, done); }
  bool Ready() override { return true; }  // in memory (or a local file)

 private:
  ScanCache::Reader reader_;
};

}  // namespace ddb::vtab
