// The cursor of the dynamodb module (dynamodb_table.h): xOpen, xFilter,
// xNext, xEof, xColumn, xRowid and xClose, in the order SQLite calls them,
// and where a scan's rows come from: a copy this statement already read
// (scan_cache.h), one Scan of the whole table instead of many lookups, or
// DynamoDB through StartScan (dynamodb_scan.cc).
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/dynamodb/number.h"
#include "vtab/dynamodb_table.h"
#include "vtab/values.h"

namespace ddb::vtab {

using dynamodb::AttributeValue;
using dynamodb::Item;
using dynamodb::ItemPage;

void CountPage(Stats& stats, const ItemPage& page, Plan::Op op) {
  // GetItem and BatchGetItem are counted when sent; a Query or Scan page is
  // one request each.
  if (op == Plan::Op::kScan) stats.scan++;
  if (op == Plan::Op::kQuery) stats.query++;
  stats.pages++;
  stats.items_returned += static_cast<uint64_t>(std::max<int64_t>(page.count, 0));
  stats.items_scanned += static_cast<uint64_t>(std::max<int64_t>(page.scanned_count, 0));
  stats.capacity_milli += static_cast<uint64_t>(std::llround(page.consumed_capacity * 1000));
}

namespace {

// Rows in a page: items decoded, or kept as text.
size_t PageRows(const ItemPage& page) { return page.items.size() + page.item_texts.size(); }

// Replaces the cursor's page; the row caches belonged to the old one.
void SetPage(DdbCursor* c, ItemPage page) {
  c->page = std::move(page);
  ++c->page_number;
  c->pos = 0;
  c->row_attributes_pos = DdbCursor::kNoRow;
  c->row_item_pos = DdbCursor::kNoRow;
}

// The next page of the source: one taken early, or the source's.
Status NextPage(DdbCursor* c, ItemPage* page, bool* done) {
  if (!c->ahead.empty()) {
    *page = std::move(c->ahead.front().first);
    *done = c->ahead.front().second;
    c->ahead.pop_front();
    return Status::OK();
  }
  if (!c->ahead_error.ok()) return c->ahead_error;
  return c->source->Next(page, done);
}

// Page number `number` after the cursor's current one if it has arrived
// (taken from the source without waiting for the network), else null: the
// read-ahead of S3 columns starts its rows' GETs before the cursor gets
// there. Pages taken early are counted (.stats) and recorded when the
// cursor reaches them, as any other.
const ItemPage* PageAfter(DdbCursor* c, uint64_t number) {
  if (number <= c->page_number) return nullptr;
  size_t index = static_cast<size_t>(number - c->page_number - 1);
  while (c->ahead.size() <= index) {
    bool done = c->ahead.empty() ? c->source_done : c->ahead.back().second;
    if (done || !c->ahead_error.ok() || !c->source || !c->source->Ready()) return nullptr;
    ItemPage page;
    c->ahead_error = c->source->Next(&page, &done);
    if (!c->ahead_error.ok()) return nullptr;
    c->ahead.emplace_back(std::move(page), done);
  }
  return &c->ahead[index].first;
}

// The current row as an Item, decoding it if the page holds text.
Status CurrentItem(DdbCursor* c, const Item** item) {
  if (c->page.item_texts.empty()) {
    *item = &c->page.items[c->pos];
    return Status::OK();
  }
  if (c->row_item_pos != c->pos) {
    c->row_item_pos = DdbCursor::kNoRow;
    Status s = dynamodb::ItemFromWireJsonText(c->page.item_texts[c->pos], &c->row_item);
    if (!s.ok()) return s;
    c->row_item_pos = c->pos;
  }
  *item = &c->row_item;
  return Status::OK();
}

// The wire JSON of attribute `name` of the current row of a page of item
// texts, found without decoding the rest of the item.
Status FindRowAttribute(DdbCursor* c, const std::string& name, std::string_view* value,
                        bool* found) {
  if (c->row_attributes_pos != c->pos) {
    c->row_attributes.Reset(c->page.item_texts[c->pos]);
    c->row_attributes_pos = c->pos;
  }
  return c->row_attributes.Find(name, value, found);
}

// True when the sort-key number of `item` is TEXT in SQL (see values.h).
bool SortKeyIsText(const DdbCursor& c, const Item& item) {
  auto it = item.find(c.order_attribute);
  if (it == item.end() || it->second.type() != AttributeValue::Type::kN) return false;
  return dynamodb::ClassifyNumber(it->second.scalar(), dynamodb::DoubleRule::kShortestRoundTrip)
             .kind == dynamodb::NumberClass::Kind::kText;
}

// Moves to the next row to return: past pages left empty by a filter, and
// past sort keys held back for the end (see DdbCursor::order_attribute).
Status Advance(DdbCursor* c, Stats& stats) {
  for (;;) {
    while (c->pos >= PageRows(c->page)) {
      if (c->cap == 0) {
        c->eof = true;
        return Status::OK();
      }
      if (c->source_done) {
        if (c->deferred.empty() || c->deferred_flushed) {
          c->eof = true;
          return Status::OK();
        }
        // The held-back TEXT sort keys, in SQLite's text order.
        const std::string& a = c->order_attribute;
        std::sort(c->deferred.begin(), c->deferred.end(), [&a](const Item& x, const Item& y) {
          return x.find(a)->second.scalar() < y.find(a)->second.scalar();
        });
        ItemPage held;
        held.items = std::move(c->deferred);
        SetPage(c, std::move(held));
        c->deferred.clear();
        c->deferred_flushed = true;
        continue;
      }
      ItemPage next;
      Status s = NextPage(c, &next, &c->source_done);
      SetPage(c, std::move(next));
      if (!s.ok()) return s;
      if (!c->from_copy && !c->counted_by_source) CountPage(stats, c->page, c->op);
      if (c->recorder) {
        c->recorder->Add(c->page);
        if (c->source_done) {
          c->recorder->Finish();
          c->recorder.reset();
        }
      }
    }
    if (c->order_attribute.empty() || c->deferred_flushed) break;
    if (!c->page.item_texts.empty()) {
      // Most sort keys are plain numbers: the item is decoded only if not.
      std::string_view key;
      bool found;
      Status s = FindRowAttribute(c, c->order_attribute, &key, &found);
      if (!s.ok()) return s;
      AttributeValue v;
      if (found) s = dynamodb::FromWireJsonText(key, &v);
      if (!s.ok()) return s;
      // As SortKeyIsText decides.
      if (!found || v.type() != AttributeValue::Type::kN ||
          dynamodb::ClassifyNumber(v.scalar(), dynamodb::DoubleRule::kShortestRoundTrip).kind !=
              dynamodb::NumberClass::Kind::kText) {
        break;
      }
    }
    const Item* item = nullptr;
    Status s = CurrentItem(c, &item);
    if (!s.ok()) return s;
    if (!SortKeyIsText(*c, *item)) break;
    if (c->order == Plan::Order::kDesc) {
      return Status::NotSupported(
          "ORDER BY " + c->order_attribute + " DESC: sort key " +
          item->find(c->order_attribute)->second.scalar() +
          " has more digits than SQLite orders as a number, so DynamoDB's order is not "
          "SQLite's; sort with ORDER BY " +
          c->order_attribute + "+0 DESC instead");
    }
    if (item == &c->row_item) {
      c->deferred.push_back(std::move(c->row_item));
      c->row_item_pos = DdbCursor::kNoRow;
    } else {
      c->deferred.push_back(std::move(c->page.items[c->pos]));
    }
    ++c->pos;
  }
  c->eof = false;
  return Status::OK();
}

// ---------------------------------------------------------------------------
// A copy or DynamoDB

// Counts the cursor's current row as handed to SQLite; at the end, the
// cursor stops being an outer loop (ScanCache::OuterRows).
void CountRow(DdbCursor* c, DdbTable* t) {
  if (c->eof) {
    t->ctx->scan_cache().SetInactive(c);
    return;
  }
  t->ctx->stats().rows++;
  if (c->from_copy) t->ctx->stats().reused_rows++;
}

// The identity of a scan for exact repeats: the plan and its argument
// values (type and bytes). Empty when it has none (an IN list's values are
// not at hand without consuming them).
std::string RepeatKey(const Plan& plan, const char* idx_str, int argc, sqlite3_value** argv) {
  for (const auto& k : plan.key) {
    if (k.op == KeyCondition::Op::kIn) return "";
  }
  // An IN list handed over whole (an encrypted column's filter) reads as
  // NULL here whatever its values: such a plan is never a repeat.
  for (int i = 0; i < argc; ++i) {
    sqlite3_value* first = nullptr;
    if (sqlite3_vtab_in_first(argv[i], &first) == SQLITE_OK) return "";
  }
  std::string key = idx_str ? idx_str : "";
  for (int i = 0; i < argc; ++i) {
    int type = sqlite3_value_type(argv[i]);
    key += '\x1f';
    key += static_cast<char>('0' + type);
    if (type == SQLITE_INTEGER) {
      key += std::to_string(sqlite3_value_int64(argv[i]));
    } else if (type == SQLITE_FLOAT) {
      key += ShortestDouble(sqlite3_value_double(argv[i]));
    } else if (type != SQLITE_NULL) {
      const void* p =
          type == SQLITE_BLOB ? sqlite3_value_blob(argv[i]) : sqlite3_value_text(argv[i]);
      key.append(static_cast<const char*>(p), static_cast<size_t>(sqlite3_value_bytes(argv[i])));
    }
  }
  return key;
}

// What one run of a lookup plan costs, and the rows a plan is expected to
// give (cost.h), for the choice between lookups and one Scan.
Cost LookupCost(const DdbTable& t, const Plan& plan) {
  if (plan.op == Plan::Op::kGetItem) return GetItemCost(t.stats);
  if (plan.op == Plan::Op::kBatchGetItem) return BatchGetCost(t.stats, kAssumedInValues);
  double items = PartitionItems(t.stats, plan.index);
  return plan.fetch ? IndexFetchCost(t.stats, plan.index, 1, items)
                    : QueryCost(t.stats, 1, items, plan.index);
}
double PlanRows(const DdbTable& t, const Plan& plan) {
  switch (plan.op) {
    case Plan::Op::kGetItem:
      return 1;
    case Plan::Op::kBatchGetItem:
      return kAssumedInValues;
    case Plan::Op::kQuery:
      return PartitionItems(t.stats, plan.index);
    case Plan::Op::kScan:
      break;
  }
  double rows = t.stats.items;
  for (const auto& f : plan.filter) {
    if (f.op == FilterCondition::Op::kEq) {
      rows *= EqualitySelectivity(t.stats, f.attribute);
    } else if (f.op == FilterCondition::Op::kIsNull || f.op == FilterCondition::Op::kIsNotNull) {
      rows *= NullSelectivity(t.stats, f.attribute, f.op == FilterCondition::Op::kIsNull);
    } else {
      rows *= kRangeSelectivity;
    }
  }
  return std::max(1.0, rows);
}

// The attributes a full copy must hold to answer `plan` (empty: all).
std::vector<std::string> CopyProjection(const DdbTable& t, const Plan& plan) {
  if (plan.project_all) return {};
  std::vector<std::string> p = plan.project;
  auto add = [&p](const std::string& a) {
    if (std::find(p.begin(), p.end(), a) == p.end()) p.push_back(a);
  };
  for (const auto& k : plan.key) add(k.attribute);
  for (const auto& f : plan.filter) add(f.attribute);
  add(t.desc.key.hash.name);
  if (t.desc.key.range) add(t.desc.key.range->name);
  if (const auto* ix = t.desc.FindIndex(plan.index)) {
    add(ix->key.hash.name);
    if (ix->key.range) add(ix->key.range->name);
  }
  return p;
}

// Lookups or one Scan: a lookup plan run once per outer row turns into one
// Scan of the whole table (kept as a copy that answers the lookups) when
// the lookups cost more than the Scan: on its second run when the outer
// loops are expected to run it that often, else once the lookups already
// sent cost as much (so that a wrong guess costs at most twice the cheaper
// way).
bool ScanInsteadOfLookups(DdbTable* t, const Plan& plan, sqlite3_value** argv, const void* cursor) {
  ModuleContext* ctx = t->ctx;
  if (ctx->confirm_scan && ctx->options().confirm_scan_items > 0 &&
      t->stats.items > static_cast<double>(ctx->options().confirm_scan_items)) {
    return false;  // never a large Scan nobody asked for
  }
  ScanCache& cache = ctx->scan_cache();
  double lookup = LookupCost(*t, plan).Total();
  double scan = ScanCost(t->stats).Total();
  if (plan.op == Plan::Op::kBatchGetItem) {
    // The IN lists are known now: as many keys as their values combine to.
    double keys = 1;
    for (const auto& k : plan.key) {
      double n = 0;
      ForEachArgValue(k, argv, [&n](sqlite3_value*) { ++n; });
      keys *= n;
    }
    if (BatchGetCost(t->stats, keys).Total() > scan) return true;
  }
  double sent = static_cast<double>(cache.lookups(t)) * lookup;
  // The guess from the outer loops counts only once the lookup has come
  // again: a subquery run once beside another scan is no inner loop.
  return sent >= scan || (sent > 0 && cache.OuterRows(cursor) * lookup >= scan);
}

// Reads the whole table into a copy (one Scan), for the lookups of `plan`.
Status CopyTable(DdbTable* t, const Plan& plan, ScanCache::EntryPtr* copy) {
  Plan scan;
  scan.op = Plan::Op::kScan;
  std::vector<std::string> projection = CopyProjection(*t, plan);
  scan.project_all = projection.empty();
  scan.project = projection;
  std::unique_ptr<PageSource> source;
  sqlite3_int64 cap = -1;
  Status s = StartScan(t, scan, nullptr, &source, &cap);
  if (!s.ok()) return s;
  ScanCache& cache = t->ctx->scan_cache();
  ScanCache::Recorder recorder(&cache, t, RepeatKey(scan, scan.ToString().c_str(), 0, nullptr),
                               true, projection);
  if (t->encryptor) recorder.NeverSpill();
  for (bool done = false; !done;) {
    ItemPage page;
    s = source->Next(&page, &done);
    if (!s.ok()) return s;
    CountPage(t->ctx->stats(), page, Plan::Op::kScan);
    recorder.Add(page);
  }
  recorder.Finish();
  *copy = cache.FindFull(t, projection.empty(), projection);
  return Status::OK();
}

// Starts the cursor's scan: from a copy when this statement already read
// the same scan, or the whole table for a lookup; else from DynamoDB, kept
// for a repeat.
Status StartFromCopyOrDynamoDb(DdbCursor* c, DdbTable* t, const Plan& plan, const char* idx_str,
                               int argc, sqlite3_value** argv) {
  ScanCache& cache = t->ctx->scan_cache();
  Stats& stats = t->ctx->stats();
  c->from_copy = false;
  c->recorder.reset();
  cache.SetActive(c, PlanRows(*t, plan));
  std::string key = RepeatKey(plan, idx_str, argc, argv);
  if (ScanCache::EntryPtr e = key.empty() ? nullptr : cache.Find(t, key)) {
    c->from_copy = true;
    stats.reused++;
    c->cap = -1;  // a copy is kept only when complete: within any LIMIT
    c->source = std::make_unique<CopySource>(&cache, e);
    return Status::OK();
  }
  ScanCache::EntryPtr copy;
  if (plan.op != Plan::Op::kScan) {
    std::vector<std::string> projection = CopyProjection(*t, plan);
    copy = cache.FindFull(t, projection.empty(), projection);
    if (!copy && ScanInsteadOfLookups(t, plan, argv, c)) {
      Status s = CopyTable(t, plan, &copy);
      if (!s.ok()) return s;
    }
    if (!copy) cache.lookups(t)++;
  }
  Status s = StartScan(t, plan, argv, &c->source, &c->cap, copy);
  if (!s.ok()) return s;
  if (copy) {
    c->from_copy = true;
    stats.reused++;
  } else if (!key.empty()) {
    bool full = plan.op == Plan::Op::kScan && plan.index.empty() && plan.filter.empty() &&
                plan.limit_argv == 0;
    c->recorder = std::make_unique<ScanCache::Recorder>(
        &cache, t, key, full, full ? CopyProjection(*t, plan) : std::vector<std::string>(),
        cache.Nested(c));
    if (t->encryptor) c->recorder->NeverSpill();
  }
  return Status::OK();
}

}  // namespace

// ---------------------------------------------------------------------------
// The callbacks, in the order SQLite calls them

// Contract: allocates an idle cursor; nothing is fetched until xFilter.
int DdbOpen(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
  reinterpret_cast<DdbTable*>(vtab)->ctx->scan_cache().CursorOpened();
  auto c = std::make_unique<DdbCursor>();
  std::memset(&c->base, 0, sizeof(c->base));
  *out = &c.release()->base;
  return SQLITE_OK;
}

// Contract: starts the scan idxStr describes (plan.h), with argv in the
// order DdbBestIndex documents where it sets them (dynamodb_best_index.cc);
// idxNum is not read. Positions on the first row. A scan this statement
// already read, or a lookup on a table it holds a full copy of, is read from
// that copy (scan_cache.h) without a request. Errors name the
// table; Ctrl-C surfaces as SQLITE_INTERRUPT.
int DdbFilter(sqlite3_vtab_cursor* cur, int idx_num, const char* idx_str, int argc,
              sqlite3_value** argv) {
  auto* c = reinterpret_cast<DdbCursor*>(cur);
  DdbTable* t = TableOf(cur);
  Plan plan;
  Status s = ParsePlan(idx_str ? idx_str : "", &plan);
  c->codecs.Reset();
  c->ahead.clear();
  c->ahead_error = Status::OK();
  c->source.reset();
  c->page = ItemPage();
  c->pos = 0;
  c->source_done = false;
  c->deferred.clear();
  c->deferred_flushed = false;
  c->order_attribute.clear();
  c->order = Plan::Order::kNone;
  c->op = plan.op;
  c->counted_by_source = plan.fetch;
  c->whole_item = plan.project_all;
  if (s.ok() && plan.order != Plan::Order::kNone) {
    const dynamodb::IndexDescription* ix = t->desc.FindIndex(plan.index);
    const dynamodb::KeySchema& k = ix ? ix->key : t->desc.key;
    if (k.range && k.range->type == "N") {
      c->order_attribute = k.range->name;
      c->order = plan.order;
    }
  }
  if (s.ok()) s = StartFromCopyOrDynamoDb(c, t, plan, idx_str, argc, argv);
  if (s.ok()) s = Advance(c, t->ctx->stats());
  CountRow(c, t);
  if (!s.ok()) {
    std::string msg = s.ToString();
    if (msg.find(t->table) == std::string::npos) msg = "table " + t->table + ": " + msg;
    SetError(cur->pVtab, msg);
    c->eof = true;
    return ErrorCode(s);
  }
  return SQLITE_OK;
}

// Contract: moves to the next row, fetching the next page when needed.
int DdbNext(sqlite3_vtab_cursor* cur) {
  auto* c = reinterpret_cast<DdbCursor*>(cur);
  DdbTable* t = TableOf(cur);
  ++c->pos;
  if (c->cap > 0) --c->cap;
  if (c->cap == 0) {
    c->eof = true;
    return SQLITE_OK;
  }
  Status s = Advance(c, t->ctx->stats());
  if (s.ok()) CountRow(c, t);
  if (!s.ok()) {
    SetError(cur->pVtab, "table " + t->table + ": " + s.ToString());
    c->eof = true;
    return ErrorCode(s);
  }
  return SQLITE_OK;
}

// Contract: true once the rows are exhausted (or a pushed LIMIT is met).
int DdbEof(sqlite3_vtab_cursor* cur) { return reinterpret_cast<DdbCursor*>(cur)->eof; }

// Contract: the value of column `i` of the current row: the attribute as
// values.h maps it, NULL when the item lacks it, the whole item for `item`;
// a codec column decoded (codec_columns.h), with errors naming the table,
// the item's key and the column.
int DdbColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int i) {
  if (sqlite3_vtab_nochange(ctx)) return SQLITE_OK;  // an UPDATE that leaves it as it is
  auto* c = reinterpret_cast<DdbCursor*>(cur);
  const DdbTable* t = TableOf(cur);
  if (t->codecs && t->codecs->At(i)) {
    CursorPosition at;
    at.page = &c->page;
    at.page_number = c->page_number;
    at.row = c->pos;
    at.rows_allowed = c->cap;
    at.page_after = [c](uint64_t number) { return PageAfter(c, number); };
    Status s = c->codecs.Result(ctx, t->codec_source, i, at);
    if (!s.ok()) SetError(cur->pVtab, s.ToString());
    return s.ok() ? SQLITE_OK : ErrorCode(s);
  }
  if (!c->page.item_texts.empty()) {
    // A page kept as text: only the attribute asked for is decoded.
    std::string_view text = c->page.item_texts[c->pos];
    if (i == t->item_column) {
      ResultWireItemJson(ctx, text);
      return SQLITE_OK;
    }
    std::string_view value;
    bool found;
    Status s = FindRowAttribute(c, t->columns[static_cast<size_t>(i)].attribute, &value, &found);
    if (!s.ok()) {
      SetError(cur->pVtab, "table " + t->table + ": " + s.ToString());
      return SQLITE_ERROR;
    }
    if (found) {
      ResultWireAttribute(ctx, value);
    } else {
      sqlite3_result_null(ctx);
    }
    return SQLITE_OK;
  }
  const Item& item = c->page.items[c->pos];
  if (i == t->item_column) {
    ResultItemJson(ctx, item);
    return SQLITE_OK;
  }
  auto it = item.find(t->columns[static_cast<size_t>(i)].attribute);
  if (it == item.end()) {
    sqlite3_result_null(ctx);
  } else {
    ResultAttribute(ctx, it->second);
  }
  return SQLITE_OK;
}

// Contract: a rowid unique within this scan (DynamoDB items have none).
int DdbRowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
  // SQLite uses rowids to drop duplicates when it serves an OR with several
  // lookups, so an item must have the same rowid in every scan: a 64-bit
  // FNV-1a hash of its primary key.
  auto* c = reinterpret_cast<DdbCursor*>(cur);
  DdbTable* t = TableOf(cur);
  const Item* current = nullptr;
  Status s = CurrentItem(c, &current);
  if (!s.ok()) {
    SetError(cur->pVtab, "table " + t->table + ": " + s.ToString());
    return SQLITE_ERROR;
  }
  *rowid = KeyRowid(t->desc.key, *current);
  t->writer->RememberRow(*rowid, *current, c->whole_item);
  return SQLITE_OK;
}

// Contract: frees the cursor, waiting for any page request still in flight.
int DdbClose(sqlite3_vtab_cursor* cur) {
  ScanCache& cache = TableOf(cur)->ctx->scan_cache();
  cache.SetInactive(cur);
  std::unique_ptr<DdbCursor>(reinterpret_cast<DdbCursor*>(cur)).reset();
  cache.CursorClosed();  // the last cursor drops the statement's copies
  return SQLITE_OK;
}

}  // namespace ddb::vtab
