// Copies of what the statements running now have read from DynamoDB, so
// that a scan SQLite asks for again (the inner loop of a join, a subquery
// run per row) is read from the copy instead of being sent again.
//
//   - An exact repeat: the same table, plan (idxStr) and argument values.
//   - A key lookup (GetItem, BatchGetItem, Query) on a table this statement
//     holds a full copy of (a Scan without filter): served from the copy,
//     matched as DynamoDB would (KeyMatch).
//
// Copies live while any cursor of the connection is open: a statement's
// cursors are all closed when it ends, so nothing outlives the statement
// that read it (a later statement reads DynamoDB again). Pages are kept as
// DynamoDB's item texts, in memory up to a bound, then in a table of a
// private temporary SQLite database (spilled to a file by SQLite).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/dynamodb/attribute_value.h"
#include "engine/dynamodb/client.h"
#include "engine/status.h"

namespace ddb::vtab {

// A key condition as DynamoDB applies it, for serving a lookup from a copy.
struct KeyMatch {
  enum class Op { kEq, kGt, kGe, kLt, kLe, kBetween, kBeginsWith };
  std::string attribute;
  Op op = Op::kEq;
  std::vector<dynamodb::AttributeValue> values;  // kEq: any of them; kBetween: two
};

// What a lookup served from a full copy returns.
struct LookupSpec {
  std::vector<KeyMatch> key;  // first: the partition key (kEq)
  // Attributes an item must hold to be in the index queried (its keys).
  std::vector<std::string> required;
  // IS NULL (true) / IS NOT NULL (false) predicates SQLite does not re-check.
  std::vector<std::pair<std::string, bool>> null_tests;
  std::string order_attribute;  // sort the result by it (empty: no order)
  bool descending = false;
};

// Whether `item_text` (one item's wire JSON, as a page holds it) is an
// item the lookup `spec` returns, matched as DynamoDB would match it.
Status MatchesLookup(std::string_view item_text, const LookupSpec& spec, bool* match);

// One page of item texts (wire JSON of one item each), held in one body.
dynamodb::ItemPage PageOfTexts(const std::vector<std::string>& texts);

// <0, 0 or >0 as DynamoDB orders two key values (S and B by bytes, N by
// value); 0 when they are not of one key type.
int CompareKeyValues(const dynamodb::AttributeValue& a, const dynamodb::AttributeValue& b);

class ScanCache {
 public:
  // A copy: pages of item texts, some in memory, the rest spilled.
  class Entry;
  using EntryPtr = std::shared_ptr<const Entry>;

  // Reads a copy a page at a time.
  class Reader {
   public:
    Reader(ScanCache* cache, EntryPtr entry) : cache_(cache), entry_(std::move(entry)) {}
    Status Next(dynamodb::ItemPage* page, bool* done);

   private:
    ScanCache* cache_;
    EntryPtr entry_;
    size_t page_ = 0;
    int64_t spilled_seq_ = 0;
  };

  // Receives the pages of a scan as they are read; the copy is kept only
  // when Finish() is called (a scan abandoned half way leaves nothing).
  // A scan that nothing runs around (`nested` false: no other scan of the
  // statement is in progress) is unlikely to be asked for again: its copy
  // stays in memory within kTopLevelBytes, or is given up.
  static constexpr int64_t kTopLevelBytes = int64_t{16} << 20;
  class Recorder {
   public:
    Recorder(ScanCache* cache, const void* table, std::string key, bool full,
             std::vector<std::string> projection, bool nested = true);
    ~Recorder();  // an unfinished copy gives its memory back
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;
    void Add(const dynamodb::ItemPage& page);
    void Finish();
    // The copy stays in memory or is given up, never spilled to the temp
    // database: the items of a table with item_encryption are decrypted,
    // and plaintext the user encrypted must not reach a file.
    void NeverSpill() { never_spill_ = true; }

   private:
    ScanCache* cache_;
    const void* table_;
    std::string key_;
    std::shared_ptr<Entry> entry_;
    bool nested_;
    bool never_spill_ = false;
    bool failed_ = false;
  };

  // Bytes of copies kept in memory before they spill (256 MB).
  static constexpr int64_t kMemoryBytes = int64_t{256} << 20;
  // kMemoryBytes, or less when DDBSQL_TEST_SCAN_CACHE_BYTES says so (the
  // memory tests, tests/memory_test.py, bound a small table's copy).
  static int64_t DefaultMemoryBytes();

  explicit ScanCache(int64_t memory_bytes = DefaultMemoryBytes()) : memory_limit_(memory_bytes) {}
  ~ScanCache();
  ScanCache(const ScanCache&) = delete;
  ScanCache& operator=(const ScanCache&) = delete;

  void set_memory_limit(int64_t bytes) { memory_limit_ = bytes; }

  // Cursors of the connection: copies are dropped when the last one closes.
  void CursorOpened() { ++open_cursors_; }
  void CursorClosed();

  // Drops every copy of `table`: a write to it (xUpdate) makes them stale.
  void Forget(const void* table);

  // The copy of an exact repeat, or null.
  EntryPtr Find(const void* table, const std::string& key) const;

  // A full copy of `table` holding every attribute in `needed` (empty and
  // `all`: every attribute), or null.
  EntryPtr FindFull(const void* table, bool all, const std::vector<std::string>& needed) const;

  // The items of full copy `entry` that a lookup would return, as one page.
  Status Lookup(const EntryPtr& entry, const LookupSpec& spec, dynamodb::ItemPage* out);

  // Lookups sent for `table` by the statements running now.
  int64_t& lookups(const void* table) { return lookups_[table]; }

  // Scans in progress and how many rows each is expected to produce: a
  // lookup's caller multiplies the others' to guess how often it will run.
  void SetActive(const void* cursor, double rows) { active_[cursor] = rows; }
  void SetInactive(const void* cursor) { active_.erase(cursor); }
  double OuterRows(const void* cursor) const;
  // Whether a scan other than `cursor`'s is in progress.
  bool Nested(const void* cursor) const {
    return active_.size() > (active_.count(cursor) ? 1u : 0u);
  }

 private:
  friend class Reader;
  friend class Recorder;
  Status SpillDb(sqlite3** db);
  Status Spill(Entry* entry, const dynamodb::ItemPage& page);
  Status ReadSpilled(const Entry& entry, int64_t from, int64_t count, dynamodb::ItemPage* page);
  void Clear();

  struct DbCloser {
    void operator()(sqlite3* db) const { sqlite3_close(db); }
  };
  int64_t memory_limit_;
  int64_t memory_used_ = 0;
  int64_t open_cursors_ = 0;
  int64_t next_entry_id_ = 1;
  std::unique_ptr<sqlite3, DbCloser> spill_db_;
  std::map<std::pair<const void*, std::string>, EntryPtr> entries_;
  std::multimap<const void*, EntryPtr> full_;  // the full copies among them, by table
  std::map<const void*, int64_t> lookups_;
  std::map<const void*, double> active_;
};

}  // namespace ddb::vtab
