// Page sources (page_source.h): the prefetch every source shares, and the
// sources of Query, parallel Scan, an index Query with its BatchGetItem
// fetch, and a transaction's own writes laid over any of them.
#include "vtab/page_source.h"

#include <algorithm>
#include <cmath>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>

#include "vtab/index_fetch.h"

namespace ddb::vtab {

using dynamodb::AttributeValue;
using dynamodb::Item;
using dynamodb::ItemPage;

Status FixedSource::Next(ItemPage* page, bool* done) {
  *page = std::move(page_);
  *done = true;
  return Status::OK();
}

// ---------------------------------------------------------------------------
// Prefetch

void Prefetch::Start(Task task) {
  if (threads_) {
    try {
      pending_ = std::async(std::launch::async, task);
      return;
    } catch (const std::system_error&) {
      // No thread: the task runs when its page is asked for.
    }
  }
  pending_ = std::async(std::launch::deferred, std::move(task));
}

bool Prefetch::Ready(std::chrono::microseconds wait) {
  std::future_status status = pending_.wait_for(wait);
  return status == std::future_status::ready || status == std::future_status::deferred;
}

PageResult Prefetch::Take() { return pending_.get(); }

void Prefetch::Stop() {
  if (closed_) closed_->store(true);
  // A request never started (deferred) is simply dropped.
  if (pending_.valid() &&
      pending_.wait_for(std::chrono::seconds(0)) != std::future_status::deferred) {
    pending_.wait();
  }
}

// ---------------------------------------------------------------------------
// One request after another

SequentialSource::SequentialSource(RequestGate gate, Fetch fetch)
    : gate_(std::move(gate)), fetch_(std::move(fetch)), prefetch_(gate_.closed) {
  Launch();
}

Status SequentialSource::Next(ItemPage* page, bool* done) {
  PageResult r = prefetch_.Take();
  if (!r.status.ok()) return r.status;
  *page = std::move(r.page);
  *done = r.last;
  if (!*done) Launch();
  return Status::OK();
}

void SequentialSource::Launch() {
  prefetch_.Start([this] {
    bool last = true;
    PageResult r = gate_.Run([&](ItemPage* page) { return fetch_(page, &last); });
    r.last = last;
    return r;
  });
}

std::unique_ptr<PageSource> QueryPages(dynamodb::DynamoDbClient* client, RequestGate gate,
                                       std::vector<dynamodb::QueryRequest> requests,
                                       PageTransform transform) {
  // Rows are decoded as far as SQLite reads them (see DdbColumn).
  for (auto& r : requests) r.keep_item_text = !transform;
  size_t current = 0;
  auto fetch = [client, requests = std::move(requests), current, transform = std::move(transform)](
                   ItemPage* page, bool* last) mutable {
    Status s = client->Query(requests[current], page);
    if (!s.ok()) return s;
    if (!page->last_evaluated_key.empty()) {
      requests[current].exclusive_start_key = page->last_evaluated_key;
    } else {
      ++current;
    }
    *last = current >= requests.size();
    return transform ? transform(page) : Status::OK();
  };
  return std::make_unique<SequentialSource>(std::move(gate), std::move(fetch));
}

// ---------------------------------------------------------------------------
// Parallel Scan

ScanSource::ScanSource(dynamodb::DynamoDbClient* client, RequestGate gate,
                       const dynamodb::ScanRequest& base, int segments, PageTransform transform)
    : client_(client), gate_(std::move(gate)), transform_(std::move(transform)) {
  for (int i = 0; i < segments; ++i) {
    auto s = std::make_unique<Segment>(gate_.closed);
    s->request = base;
    s->request.keep_item_text = !transform_;  // as in QueryPages
    if (segments > 1) {
      s->request.segment = i;
      s->request.total_segments = segments;
    }
    segments_.push_back(std::move(s));
  }
  live_ = segments_.size();
  for (auto& s : segments_) Launch(s.get());
}

ScanSource::~ScanSource() {
  gate_.closed->store(true);
  for (auto& s : segments_) s->prefetch.Stop();
}

Status ScanSource::Next(ItemPage* page, bool* done) {
  // Take whichever live segment has finished first, starting after the
  // last one served so that no segment starves.
  Segment* ready = nullptr;
  for (int round = 0; !ready; ++round) {
    for (size_t k = 0; k < segments_.size() && !ready; ++k) {
      Segment& s = *segments_[(next_ + k) % segments_.size()];
      if (s.finished) continue;
      auto wait = round == 0 ? std::chrono::microseconds(0) : std::chrono::microseconds(200);
      if (s.prefetch.Ready(wait)) {
        ready = &s;
        next_ = (next_ + k + 1) % segments_.size();
      }
    }
  }
  PageResult r = ready->prefetch.Take();
  if (!r.status.ok()) return r.status;
  *page = std::move(r.page);
  if (page->last_evaluated_key.empty()) {
    ready->finished = true;
    --live_;
  } else {
    ready->request.exclusive_start_key = page->last_evaluated_key;
    Launch(ready);
  }
  *done = live_ == 0;
  return Status::OK();
}

bool ScanSource::Ready() {
  for (auto& s : segments_) {
    if (!s->finished && s->prefetch.Ready(std::chrono::microseconds(0))) return true;
  }
  return false;
}

void ScanSource::Launch(Segment* s) {
  s->prefetch.Start([client = client_, gate = gate_, req = s->request, transform = transform_] {
    PageResult r = gate.Run([&](ItemPage* page) { return client->Scan(req, page); });
    if (r.status.ok() && transform) r.status = transform(&r.page);
    return r;
  });
}

// ---------------------------------------------------------------------------
// Index Query, then BatchGetItem

FetchSource::FetchSource(dynamodb::DynamoDbClient* client, RequestGate gate,
                         std::unique_ptr<PageSource> index, dynamodb::BatchGetRequest fetch,
                         dynamodb::KeySchema table_key, dynamodb::KeySchema index_key, Stats* stats,
                         sqlite3_int64 cap)
    : client_(client),
      gate_(std::move(gate)),
      index_(std::move(index)),
      fetch_(std::move(fetch)),
      table_key_(std::move(table_key)),
      index_key_(std::move(index_key)),
      stats_(stats),
      remaining_(cap),
      prefetch_(gate_.closed) {
  prefetch_.Start([this] { return FetchChunk(); });
}

Status FetchSource::Next(ItemPage* page, bool* done) {
  PageResult r = prefetch_.Take();
  if (!r.status.ok()) return r.status;
  *page = std::move(r.page);
  if (remaining_ > 0) {
    remaining_ -= std::min(remaining_, static_cast<sqlite3_int64>(page->items.size()));
  }
  *done = (index_done_ && entries_.empty()) || remaining_ == 0;
  if (!*done) prefetch_.Start([this] { return FetchChunk(); });
  return Status::OK();
}

PageResult FetchSource::FetchChunk() {
  PageResult r;
  size_t want = first_ ? kFirstFetchKeys : kFetchKeys;
  first_ = false;
  if (remaining_ > 0) want = std::min(want, static_cast<size_t>(remaining_));
  while (entries_.size() < want && !index_done_) {
    ItemPage page;
    r.status = index_->Next(&page, &index_done_);
    if (!r.status.ok()) return r;
    stats_->query++;
    stats_->pages++;
    stats_->items_scanned += static_cast<uint64_t>(std::max<int64_t>(page.scanned_count, 0));
    stats_->capacity_milli += static_cast<uint64_t>(std::llround(page.consumed_capacity * 1000));
    for (auto& item : page.items) entries_.push_back(std::move(item));
    for (std::string_view text : page.item_texts) {
      Item entry;
      r.status = dynamodb::ItemFromWireJsonText(text, &entry);
      if (!r.status.ok()) return r;
      entries_.push_back(std::move(entry));
    }
  }
  size_t take = std::min(want, entries_.size());
  std::vector<Item> chunk(std::make_move_iterator(entries_.begin()),
                          std::make_move_iterator(entries_.begin() + static_cast<long>(take)));
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<long>(take));
  dynamodb::BatchGetRequest req = fetch_;
  r.status = FetchKeys(table_key_, chunk, &req.keys);
  if (!r.status.ok() || req.keys.empty()) return r;
  dynamodb::BatchGetResult res;
  r = gate_.Run([&](ItemPage* page) {
    Status s = client_->BatchGetItem(req, &res);
    page->consumed_capacity = res.consumed_capacity;
    return s;
  });
  uint64_t requests = (req.keys.size() + 99) / 100;
  stats_->batch_get_item += requests;
  stats_->requests += requests;
  stats_->capacity_milli += static_cast<uint64_t>(std::llround(res.consumed_capacity * 1000));
  if (!r.status.ok()) return r;
  stats_->items_returned += res.items.size();
  r.page.items = MatchFetched(table_key_, index_key_, chunk, std::move(res.items));
  r.page.count = r.page.scanned_count = static_cast<int64_t>(r.page.items.size());
  return r;
}

// ---------------------------------------------------------------------------
// A transaction's own writes

Status PendingSource::Next(ItemPage* page, bool* done) {
  ItemPage in;
  bool in_done = true;
  Status s = inner_->Next(&in, &in_done);
  if (!s.ok()) return s;
  std::vector<std::string> texts;
  if (order_attribute_.empty()) {
    while (next_ < pending_.size()) texts.push_back(std::move(pending_[next_++].text));
  }
  auto add = [&](std::string text) -> Status {
    dynamodb::CheckedItemAttributes attrs;
    attrs.Reset(text);
    Item key;
    for (const auto& name : key_names_) {
      std::string_view wire;
      bool found = false;
      Status st = attrs.Find(name, &wire, &found);
      if (st.ok() && found) st = dynamodb::FromWireJsonText(wire, &key[name]);
      if (!st.ok()) return st;
    }
    if (view_->keys.count(KeyId(key))) return Status::OK();  // as the transaction has it
    if (!order_attribute_.empty()) {
      std::string_view wire;
      bool found = false;
      AttributeValue v;
      Status st = attrs.Find(order_attribute_, &wire, &found);
      if (st.ok() && found) st = dynamodb::FromWireJsonText(wire, &v);
      if (!st.ok()) return st;
      while (next_ < pending_.size() && Before(pending_[next_].order, v)) {
        texts.push_back(std::move(pending_[next_++].text));
      }
    }
    texts.push_back(std::move(text));
    return Status::OK();
  };
  for (const auto& item : in.items) {
    s = add(dynamodb::ItemToWireJson(item).dump());
    if (!s.ok()) return s;
  }
  for (auto text : in.item_texts) {
    s = add(std::string(text));
    if (!s.ok()) return s;
  }
  if (in_done) {
    while (next_ < pending_.size()) texts.push_back(std::move(pending_[next_++].text));
  }
  *page = PageOfTexts(texts);
  // What DynamoDB returned and consumed, for .stats.
  page->count = in.count;
  page->scanned_count = in.scanned_count;
  page->consumed_capacity = in.consumed_capacity;
  page->last_evaluated_key = std::move(in.last_evaluated_key);
  *done = in_done;
  return Status::OK();
}

bool PendingSource::Before(const AttributeValue& a, const AttributeValue& b) const {
  int c = CompareKeyValues(a, b);
  return descending_ ? c > 0 : c < 0;
}

}  // namespace ddb::vtab
