#include "vtab/scan_cache.h"

#include <algorithm>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "engine/dynamodb/number.h"
#include "engine/sqlite_util.h"

namespace ddb::vtab {

using dynamodb::AttributeValue;
using dynamodb::ItemPage;

class ScanCache::Entry {
 public:
  int64_t id = 0;
  bool full = false;                    // every item of the table (a Scan without filter)
  std::vector<std::string> projection;  // empty: every attribute
  std::vector<ItemPage> pages;          // item texts only
  int64_t spilled = 0;                  // rows in the spill table, after the pages
  int64_t bytes = 0;                    // held in memory
  // Built on the first lookup by an attribute: value -> (page, row).
  mutable std::map<std::string, std::multimap<std::string, std::pair<size_t, size_t>>> by_value;
};

namespace {

// A spilled copy is read back in pages of at most this many rows and, past
// the first row, bytes (DynamoDB's own page size): 1000 items of 400 KB
// would otherwise come back as one page of 400 MB.
constexpr int64_t kSpillPageRows = 1000;
constexpr size_t kSpillPageBytes = size_t{1} << 20;

// A value's identity as DynamoDB compares keys: type and canonical scalar.
std::string ValueKey(const AttributeValue& v) {
  std::string scalar = v.scalar();
  if (v.type() == AttributeValue::Type::kN) {
    std::string canonical;
    if (dynamodb::CanonicalNumber(scalar, &canonical).ok()) scalar = canonical;
  }
  return std::string(AttributeValue::TypeName(v.type())) + ":" + scalar;
}

// <0, 0, >0 as DynamoDB orders two key values of the same type; `*same_type`
// false when they cannot be compared.
int CompareKey(const AttributeValue& a, const AttributeValue& b, bool* same_type) {
  *same_type = a.type() == b.type() &&
               (a.type() == AttributeValue::Type::kS || a.type() == AttributeValue::Type::kN ||
                a.type() == AttributeValue::Type::kB);
  if (!*same_type) return 0;
  if (a.type() == AttributeValue::Type::kN) return dynamodb::CompareNumbers(a.scalar(), b.scalar());
  int c = a.scalar().compare(b.scalar());
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

bool Matches(const KeyMatch& m, const AttributeValue& v) {
  bool same = false;
  switch (m.op) {
    case KeyMatch::Op::kEq:
      for (const auto& x : m.values) {
        if (CompareKey(v, x, &same) == 0 && same) return true;
      }
      return false;
    case KeyMatch::Op::kGt:
      return CompareKey(v, m.values[0], &same) > 0 && same;
    case KeyMatch::Op::kGe:
      return CompareKey(v, m.values[0], &same) >= 0 && same;
    case KeyMatch::Op::kLt:
      return CompareKey(v, m.values[0], &same) < 0 && same;
    case KeyMatch::Op::kLe:
      return CompareKey(v, m.values[0], &same) <= 0 && same;
    case KeyMatch::Op::kBetween:
      return CompareKey(v, m.values[0], &same) >= 0 && same &&
             CompareKey(v, m.values[1], &same) <= 0 && same;
    case KeyMatch::Op::kBeginsWith:
      CompareKey(v, m.values[0], &same);
      return same && v.type() != AttributeValue::Type::kN &&
             v.scalar().compare(0, m.values[0].scalar().size(), m.values[0].scalar()) == 0;
  }
  return false;
}

// Whether the item `text` is one the lookup returns.
Status ItemMatches(std::string_view text, const LookupSpec& spec, bool* match) {
  dynamodb::CheckedItemAttributes attrs;
  attrs.Reset(text);
  *match = false;
  for (const auto& k : spec.key) {
    std::string_view wire;
    bool found = false;
    Status s = attrs.Find(k.attribute, &wire, &found);
    if (!s.ok() || !found) return s;
    AttributeValue v;
    s = dynamodb::FromWireJsonText(wire, &v);
    if (!s.ok()) return s;
    if (!Matches(k, v)) return Status::OK();
  }
  for (const auto& name : spec.required) {
    std::string_view wire;
    bool found = false;
    Status s = attrs.Find(name, &wire, &found);
    if (!s.ok() || !found) return s;
  }
  for (const auto& [name, is_null] : spec.null_tests) {
    std::string_view wire;
    bool found = false;
    Status s = attrs.Find(name, &wire, &found);
    if (!s.ok()) return s;
    bool null = !found;
    if (found) {
      AttributeValue v;
      s = dynamodb::FromWireJsonText(wire, &v);
      if (!s.ok()) return s;
      null = v.type() == AttributeValue::Type::kNull;
    }
    if (null != is_null) return Status::OK();
  }
  *match = true;
  return Status::OK();
}

}  // namespace

Status MatchesLookup(std::string_view item_text, const LookupSpec& spec, bool* match) {
  return ItemMatches(item_text, spec, match);
}

int CompareKeyValues(const AttributeValue& a, const AttributeValue& b) {
  bool same = false;
  return CompareKey(a, b, &same);
}

ItemPage PageOfTexts(const std::vector<std::string>& texts) {
  auto body = std::make_shared<std::string>();
  size_t total = 0;
  for (const auto& t : texts) total += t.size();
  body->reserve(total);
  for (const auto& t : texts) body->append(t);
  ItemPage page;
  size_t at = 0;
  for (const auto& t : texts) {
    page.item_texts.emplace_back(body->data() + at, t.size());
    at += t.size();
  }
  page.body = std::move(body);
  page.count = page.scanned_count = static_cast<int64_t>(texts.size());
  return page;
}

namespace {

Status SqliteError(sqlite3* db, const char* what) {
  return Status::IOError(std::string("scan copy: ") + what + ": " + sqlite3_errmsg(db));
}

}  // namespace

ScanCache::~ScanCache() = default;

int64_t ScanCache::DefaultMemoryBytes() {
  const char* v = std::getenv("DDBSQL_TEST_SCAN_CACHE_BYTES");
  long long n = v && *v ? std::strtoll(v, nullptr, 10) : 0;
  return n > 0 && n < kMemoryBytes ? static_cast<int64_t>(n) : kMemoryBytes;
}

void ScanCache::CursorClosed() {
  if (--open_cursors_ <= 0) {
    open_cursors_ = 0;
    Clear();
  }
}

void ScanCache::Clear() {
  entries_.clear();
  full_.clear();
  lookups_.clear();
  active_.clear();
  memory_used_ = 0;
  if (spill_db_) sqlite3_exec(spill_db_.get(), "DELETE FROM copy", nullptr, nullptr, nullptr);
}

void ScanCache::Forget(const void* table) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->first.first == table ? entries_.erase(it) : std::next(it);
  }
  full_.erase(table);
  lookups_.erase(table);
}

ScanCache::EntryPtr ScanCache::Find(const void* table, const std::string& key) const {
  auto it = entries_.find({table, key});
  return it == entries_.end() ? nullptr : it->second;
}

ScanCache::EntryPtr ScanCache::FindFull(const void* table, bool all,
                                        const std::vector<std::string>& needed) const {
  auto [lo, hi] = full_.equal_range(table);
  for (auto it = lo; it != hi; ++it) {
    const EntryPtr& e = it->second;
    if (e->projection.empty()) return e;
    if (all) continue;
    bool covers = true;
    for (const auto& a : needed) {
      covers &= std::find(e->projection.begin(), e->projection.end(), a) != e->projection.end();
    }
    if (covers) return e;
  }
  return nullptr;
}

double ScanCache::OuterRows(const void* cursor) const {
  double rows = 1;
  for (const auto& [c, r] : active_) {
    if (c != cursor) rows = std::min(rows * std::max(r, 1.0), 1e15);
  }
  return rows;
}

Status ScanCache::SpillDb(sqlite3** db) {
  if (!spill_db_) {
    sqlite3* raw = nullptr;
    // "": a private temporary database, written to a file only when large.
    int rc = sqlite3_open_v2("", &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    std::unique_ptr<sqlite3, DbCloser> owned(raw);
    if (rc != SQLITE_OK) return SqliteError(raw, "open");
    if (sqlite3_exec(raw,
                     "CREATE TABLE copy(entry INTEGER, seq INTEGER, text BLOB, "
                     "PRIMARY KEY(entry, seq)) WITHOUT ROWID",
                     nullptr, nullptr, nullptr) != SQLITE_OK) {
      return SqliteError(raw, "create");
    }
    spill_db_ = std::move(owned);
  }
  *db = spill_db_.get();
  return Status::OK();
}

Status ScanCache::Spill(Entry* entry, const ItemPage& page) {
  sqlite3* db = nullptr;
  Status s = SpillDb(&db);
  if (!s.ok()) return s;
  sql::Statement stmt;
  if (!stmt.Prepare(db, "INSERT INTO copy VALUES (?1, ?2, ?3)").ok()) {
    return SqliteError(db, "insert");
  }
  for (const auto& text : page.item_texts) {
    stmt.BindInt(1, entry->id);
    stmt.BindInt(2, entry->spilled);
    // A blob, bound without a copy: the text outlives the step.
    sqlite3_bind_blob(stmt.get(), 3, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    Status step;
    if (stmt.Step(&step) || !step.ok()) return SqliteError(db, "insert");
    stmt.Reset();
    ++entry->spilled;
  }
  return Status::OK();
}

Status ScanCache::ReadSpilled(const Entry& entry, int64_t from, int64_t count, ItemPage* page) {
  sqlite3* db = nullptr;
  Status s = SpillDb(&db);
  if (!s.ok()) return s;
  sql::Statement stmt;
  if (!stmt.Prepare(db,
                    "SELECT text FROM copy WHERE entry = ?1 AND seq >= ?2 ORDER BY seq "
                    "LIMIT ?3")
           .ok()) {
    return SqliteError(db, "read");
  }
  stmt.BindInt(1, entry.id);
  stmt.BindInt(2, from);
  stmt.BindInt(3, count);
  std::vector<std::string> texts;
  size_t bytes = 0;
  Status step;
  while (bytes < kSpillPageBytes && stmt.Step(&step)) {
    texts.emplace_back(static_cast<const char*>(sqlite3_column_blob(stmt.get(), 0)),
                       static_cast<size_t>(sqlite3_column_bytes(stmt.get(), 0)));
    bytes += texts.back().size();
  }
  if (!step.ok()) return SqliteError(db, "read");
  *page = PageOfTexts(texts);
  return Status::OK();
}

Status ScanCache::Reader::Next(ItemPage* page, bool* done) {
  const Entry& e = *entry_;
  if (page_ < e.pages.size()) {
    *page = e.pages[page_++];
  } else {
    Status s = cache_->ReadSpilled(e, spilled_seq_, kSpillPageRows, page);
    if (!s.ok()) return s;
    spilled_seq_ += static_cast<int64_t>(page->item_texts.size());
  }
  *done = page_ >= e.pages.size() && spilled_seq_ >= e.spilled;
  return Status::OK();
}

ScanCache::Recorder::Recorder(ScanCache* cache, const void* table, std::string key, bool full,
                              std::vector<std::string> projection, bool nested)
    : cache_(cache),
      table_(table),
      key_(std::move(key)),
      entry_(std::make_shared<Entry>()),
      nested_(nested) {
  entry_->id = cache_->next_entry_id_++;
  entry_->full = full;
  entry_->projection = std::move(projection);
}

ScanCache::Recorder::~Recorder() { cache_->memory_used_ -= entry_->bytes; }

void ScanCache::Recorder::Add(const ItemPage& page) {
  if (failed_) return;
  ItemPage copy;
  if (!page.items.empty()) {
    std::vector<std::string> texts;
    for (const auto& item : page.items) texts.push_back(dynamodb::ItemToWireJson(item).dump());
    copy = PageOfTexts(texts);
  } else {
    copy.item_texts = page.item_texts;
    copy.body = page.body;
  }
  if (copy.item_texts.empty()) return;
  int64_t bytes = copy.body ? static_cast<int64_t>(copy.body->size()) : 0;
  bool must_spill = entry_->spilled > 0 || cache_->memory_used_ + bytes > cache_->memory_limit_;
  if ((!nested_ && entry_->bytes + bytes > kTopLevelBytes) || (must_spill && never_spill_)) {
    // Given up: the memory goes back now.
    cache_->memory_used_ -= entry_->bytes;
    entry_ = std::make_shared<Entry>();
    failed_ = true;
    return;
  }
  if (must_spill) {
    failed_ = !cache_->Spill(entry_.get(), copy).ok();
    return;
  }
  cache_->memory_used_ += bytes;
  entry_->bytes += bytes;
  entry_->pages.push_back(std::move(copy));
}

void ScanCache::Recorder::Finish() {
  if (failed_) return;
  if (entry_->full) cache_->full_.emplace(table_, entry_);
  cache_->entries_[{table_, key_}] = std::move(entry_);
  entry_ = std::make_shared<Entry>();
  failed_ = true;  // once
}

Status ScanCache::Lookup(const EntryPtr& entry, const LookupSpec& spec, ItemPage* out) {
  const Entry& e = *entry;
  std::vector<std::string_view> hits;
  std::vector<std::string> spilled_hits;
  const KeyMatch& hash = spec.key.front();
  auto& index = e.by_value[hash.attribute];
  if (index.empty()) {
    for (size_t p = 0; p < e.pages.size(); ++p) {
      for (size_t r = 0; r < e.pages[p].item_texts.size(); ++r) {
        dynamodb::CheckedItemAttributes attrs;
        attrs.Reset(e.pages[p].item_texts[r]);
        std::string_view wire;
        bool found = false;
        Status s = attrs.Find(hash.attribute, &wire, &found);
        if (!s.ok()) return s;
        if (!found) continue;
        AttributeValue v;
        s = dynamodb::FromWireJsonText(wire, &v);
        if (!s.ok()) return s;
        index.emplace(ValueKey(v), std::make_pair(p, r));
      }
    }
  }
  for (const auto& value : hash.values) {
    auto [lo, hi] = index.equal_range(ValueKey(value));
    for (auto it = lo; it != hi; ++it) {
      std::string_view text = e.pages[it->second.first].item_texts[it->second.second];
      bool match = false;
      Status s = ItemMatches(text, spec, &match);
      if (!s.ok()) return s;
      if (match) hits.push_back(text);
    }
  }
  // Spilled rows have no index: read through.
  for (int64_t from = 0; from < e.spilled;) {
    ItemPage page;
    Status s = ReadSpilled(e, from, kSpillPageRows, &page);
    if (!s.ok()) return s;
    if (page.item_texts.empty()) break;
    from += static_cast<int64_t>(page.item_texts.size());
    for (auto text : page.item_texts) {
      bool match = false;
      s = ItemMatches(text, spec, &match);
      if (!s.ok()) return s;
      if (match) spilled_hits.emplace_back(text);
    }
  }
  std::vector<std::string> texts(hits.begin(), hits.end());
  texts.insert(texts.end(), spilled_hits.begin(), spilled_hits.end());
  if (!spec.order_attribute.empty()) {
    std::vector<std::pair<AttributeValue, std::string>> keyed;
    for (auto& t : texts) {
      dynamodb::CheckedItemAttributes attrs;
      attrs.Reset(t);
      std::string_view wire;
      bool found = false;
      AttributeValue v;
      Status s = attrs.Find(spec.order_attribute, &wire, &found);
      if (s.ok() && found) s = dynamodb::FromWireJsonText(wire, &v);
      if (!s.ok()) return s;
      keyed.emplace_back(std::move(v), std::move(t));
    }
    std::stable_sort(keyed.begin(), keyed.end(), [&spec](const auto& a, const auto& b) {
      bool same = false;
      int c = CompareKey(a.first, b.first, &same);
      return spec.descending ? c > 0 : c < 0;
    });
    texts.clear();
    for (auto& [v, t] : keyed) texts.push_back(std::move(t));
  }
  *out = PageOfTexts(texts);
  return Status::OK();
}

}  // namespace ddb::vtab
