// The "dynamodb" virtual table: one DynamoDB table (or a name bound to one)
// as an SQLite table. This private header holds the table state and the
// cursor the module's files share; module.h is the public face.
//
// Usage:
//
//   SELECT * FROM orders;                      -- every listed table, by name
//   CREATE VIRTUAL TABLE temp.o USING dynamodb(table='orders',
//       region='eu-west-1', endpoint='http://127.0.0.1:8000',
//       consistent=1, segments=8, sample=200,
//       columns='id TEXT, total NUMERIC, tags');
//
// Arguments (all optional but `table`; a lone first argument is the table):
//   table      the DynamoDB table name
//   region, endpoint, profile   another connection than the shell's
//   consistent strongly consistent reads (1/0)
//   segments   parallel scan segments (0: chosen from the table's size)
//   sample     items read to discover attributes (default 100)
//   columns    declared columns "name [type], ..." instead of sampling
//
// Columns: the key attributes first (typed from the key schema), then the
// other attributes found by sampling (or declared), each typed by the
// DynamoDB type most seen, then the key attributes of the indexes that
// neither named (every key attribute typed by AttributeDefinitions); plus
// the hidden column `item`, the whole item as JSON, so no attribute is ever
// out of reach. See values.h for how values map. Attributes whose names SQL
// would confuse (they differ only in case, or one is named `item`) get
// column names of their own (sql_names.h); the plan, filters and writes
// always name the attribute a column stands for.
//
// Each scan is planned by xBestIndex into a Plan (plan.h), costed as cost.h
// says, written to idxStr; xFilter reads it back and runs GetItem,
// BatchGetItem, Query or a parallel Scan, streaming pages with the next one
// already requested, or reads a copy the statement already holds
// (scan_cache.h). Inside BEGIN every scan sees the open transaction's own
// writes laid over DynamoDB's items (PendingSource, vtab/transaction.h).
// Each table is described once a session; its sampled columns come from the
// schema cache when that description shows the table they were sampled from
// (schema_cache.h).
//
// Where each part lives (SQLite calls the callbacks in this order):
//
//   dynamodb_connect.cc     xCreate/xConnect (arguments, DescribeTable,
//                           sampling, the declared schema), xDisconnect,
//                           xDestroy
//   dynamodb_best_index.cc  xBestIndex: the planner (plan.h, cost.h)
//   dynamodb_cursor.cc      xOpen, xFilter, xNext, xEof, xColumn, xRowid,
//                           xClose; a copy or DynamoDB (scan_cache.h)
//   dynamodb_scan.cc        StartScan: the request for a plan, in named
//                           steps (key values from argv, the request, the
//                           page source)
//   filter_expression.cc    the FilterExpression of a plan's filters
//   page_source.cc          the page sources (prefetch, Query, Scan, fetch)
//   module.cc               xFindFunction, xUpdate and the transaction
//                           callbacks (vtab/write.h does the work), xRename,
//                           the sqlite3_module and RegisterModule
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/dynamodb/attribute_value.h"
#include "engine/dynamodb/client.h"
#include "engine/item_encryption/item_encryptor.h"
#include "engine/status.h"
#include "vtab/codec_columns.h"
#include "vtab/cost.h"
#include "vtab/filter_expression.h"
#include "vtab/module.h"
#include "vtab/page_source.h"
#include "vtab/plan.h"
#include "vtab/scan_cache.h"
#include "vtab/write.h"

namespace ddb::vtab {

// Parallel scan segments at most: each is a request in flight and a thread.
constexpr long kMaxSegments = 64;

// Values an IN list is assumed to hold when planning (BatchGetItem, Query).
constexpr double kAssumedInValues = 3;

// The constraint op xFindFunction gives begins_with(col, prefix).
constexpr unsigned char kBeginsWithConstraint = SQLITE_INDEX_CONSTRAINT_FUNCTION;

// ---------------------------------------------------------------------------
// Table state

struct Column {
  std::string name;       // SQL name
  std::string attribute;  // DynamoDB attribute; empty for the `item` column
  std::string type;       // DynamoDB type most seen ("S", "N", ...); "" mixed/unknown
  bool hidden = false;
};

// The virtual table. `base` must come first: SQLite hands us &base.
struct DdbTable {
  sqlite3_vtab base;
  ModuleContext* ctx = nullptr;
  std::shared_ptr<Connection> conn;
  std::string table;  // DynamoDB table name
  dynamodb::TableDescription desc;
  std::vector<Column> columns;
  int item_column = -1;
  bool consistent = false;
  int segments = 0;
  TableStats stats;  // sizes for the cost model (cost.h)
  // What sampling found (or the schema cache kept): attributes and types,
  // and the sample's summary for the cost model.
  std::vector<std::pair<std::string, std::string>> sampled_attributes;
  SampleSummary sample_summary;
  bool sampled_from_cache = false;
  std::string schema;                   // where SQLite declared it ("ddb", "temp", ...)
  std::unique_ptr<TableWriter> writer;  // INSERT, UPDATE, DELETE (vtab/write.h)
  // Declared codec columns (codec_columns.h); null when there are none.
  std::unique_ptr<TableCodecs> codecs;
  CursorCodecs::Source codec_source;
  // The catalog's item_encryption (encrypted_items.h): every item read is
  // verified and decrypted; null for other tables.
  std::shared_ptr<item_encryption::ItemScheme> encryptor;

  // The column holding `attribute`, or -1.
  int ColumnOf(const std::string& attribute) const {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (columns[i].attribute == attribute) return static_cast<int>(i);
    }
    return -1;
  }
  std::string KeyType(const std::string& attribute) const {
    auto find = [&](const dynamodb::KeySchema& k) -> std::string {
      if (k.hash.name == attribute) return k.hash.type;
      if (k.range && k.range->name == attribute) return k.range->type;
      return "";
    };
    std::string t = find(desc.key);
    for (const auto& i : desc.global_indexes) {
      if (t.empty()) t = find(i.key);
    }
    for (const auto& i : desc.local_indexes) {
      if (t.empty()) t = find(i.key);
    }
    return t;
  }
};

// ---------------------------------------------------------------------------
// Cursor

// A scan in progress. `base` must come first: SQLite hands us &base.
struct DdbCursor {
  sqlite3_vtab_cursor base;
  std::unique_ptr<PageSource> source;
  dynamodb::ItemPage page;
  uint64_t page_number = 0;  // counts the pages the cursor has read
  size_t pos = 0;
  bool source_done = true;
  // Pages taken from `source` before the cursor reached them, for the
  // read-ahead of S3 columns (codec_columns.h), each with its `done`; the
  // error of such a take, returned when the cursor gets there.
  std::deque<std::pair<dynamodb::ItemPage, bool>> ahead;
  Status ahead_error;
  bool eof = true;
  sqlite3_int64 cap = -1;  // rows still allowed by a pushed LIMIT; -1 none
  // ORDER BY a number sort key served in DynamoDB's order. SQLite orders a
  // number too long for a double (TEXT in SQL) after every number, so with
  // ascending order such items are held back and come last, sorted as text;
  // with descending order they would have had to come first: an error.
  Plan::Op op = Plan::Op::kScan;
  bool counted_by_source = false;  // FetchSource counts its own requests
  bool whole_item = true;          // no projection: the writer may rely on absent attributes
  std::string order_attribute;
  Plan::Order order = Plan::Order::kNone;
  std::vector<dynamodb::Item> deferred;
  bool deferred_flushed = false;
  // Rows come from a copy this statement already read (scan_cache.h); or,
  // when read from DynamoDB, are kept by `recorder` for a repeat.
  bool from_copy = false;
  std::unique_ptr<ScanCache::Recorder> recorder;
  // The current row of a page of item texts, decoded as far as needed:
  // its attributes found by name (for columns), or the whole Item (for the
  // rowid and sort keys). `*_pos` says which row they belong to; kNoRow:
  // none. `codecs` holds the decoded codec values of the page.
  static constexpr size_t kNoRow = SIZE_MAX;
  dynamodb::CheckedItemAttributes row_attributes;
  size_t row_attributes_pos = kNoRow;
  dynamodb::Item row_item;
  size_t row_item_pos = kNoRow;
  CursorCodecs codecs;
};

inline DdbTable* TableOf(sqlite3_vtab_cursor* cur) {
  return reinterpret_cast<DdbTable*>(cur->pVtab);
}

// A USING argument's text without the quotes SQLite leaves on it ('x' or
// "x", doubled quotes inside made single); other text trimmed.
std::string UnquoteArgument(std::string_view s);

// The CREATE TABLE statement sqlite3_declare_vtab gets for `columns`: each
// typed by its DynamoDB type (values.h) or, for a codec column of `codecs`
// (may be null), by its declared SQL type; `item` HIDDEN.
std::string CreateTableSql(const std::vector<Column>& columns, const TableCodecs* codecs);

// Sets the statement's error message.
void SetError(sqlite3_vtab* vtab, const std::string& msg);
// SQLITE_INTERRUPT for Ctrl-C, else SQLITE_ERROR.
int ErrorCode(const Status& s);
// Counts a Query or Scan page the cursor (or a key check) read in `stats`.
void CountPage(Stats& stats, const dynamodb::ItemPage& page, Plan::Op op);

// Calls `fn` with each value of argument `argv` (1-based): one, or every
// value of an IN list. An IN list's values live only until the next one is
// fetched, so `fn` must copy what it keeps.
template <typename Fn>
void ForEachArgValue(const KeyCondition& k, sqlite3_value** argv, Fn fn) {
  sqlite3_value* v = argv[k.argv - 1];
  if (k.op != KeyCondition::Op::kIn) {
    fn(v);
    return;
  }
  sqlite3_value* x = nullptr;
  for (int rc = sqlite3_vtab_in_first(v, &x); rc == SQLITE_OK && x;
       rc = sqlite3_vtab_in_next(v, &x)) {
    fn(x);
  }
}

// ---------------------------------------------------------------------------
// StartScan and its steps (dynamodb_scan.cc)

// A key condition of the plan with the values argv gave it, typed as the
// key attribute (several for an IN list; a prefix for begins_with/GLOB).
using KeyValues =
    std::vector<std::pair<const KeyCondition*, std::vector<dynamodb::AttributeValue>>>;

// The rows a pushed LIMIT (plus OFFSET) allows: -1 for none.
sqlite3_int64 ScanCap(const Plan& plan, sqlite3_value** argv);

// Step 1: the key values of `plan.key` from argv, in the plan's order. A
// condition that sends nothing (a GLOB without a literal prefix, a bound
// DynamoDB cannot hold) is left out. `*matches_nothing` when no item can
// match (a NULL, '' as a key, a bound beyond every key ...).
Status KeyValuesOf(DdbTable* t, const Plan& plan, sqlite3_value** argv, KeyValues* keys,
                   bool* matches_nothing);

// Step 2, per operation: the request. Scan: `*segments` to read in
// parallel. GetItem/BatchGetItem: the keys to read. Query: one request per
// partition key value, `*matches_nothing` when the sort key bounds cross.
// Fetch: the BatchGetItem that reads the items an index Query found.
dynamodb::ScanRequest ScanRequestOf(const DdbTable& t, const Plan& plan, FilterBuilder& filter,
                                    sqlite3_int64 cap, int* segments);
std::vector<dynamodb::Item> LookupKeys(const KeyValues& keys);
Status QueryRequestsOf(const DdbTable& t, const Plan& plan, const KeyValues& keys,
                       FilterBuilder& filter, sqlite3_int64 cap,
                       std::vector<dynamodb::QueryRequest>* requests, bool* matches_nothing);
dynamodb::BatchGetRequest FetchRequestOf(const DdbTable& t, const Plan& plan,
                                         const dynamodb::IndexDescription& index);

// Step 3: which source serves the plan.
enum class SourceKind { kEmpty, kCopy, kGetItem, kBatchGetItem, kQuery, kQueryFetch, kScan };
SourceKind SourceKindOf(const Plan& plan, bool matches_nothing, bool copy, size_t lookup_keys);

// Builds the page source for `plan`. Returns OK with an empty FixedSource
// when a key value can never match (a NULL, a text for a binary key, ...).
// `*cap` gets ScanCap. Inside BEGIN the scan sees the transaction's own
// writes (WithPendingWrites); a lookup answered from the full copy `copy`
// sees them through the copy.
Status StartScan(DdbTable* t, const Plan& plan, sqlite3_value** argv,
                 std::unique_ptr<PageSource>* out, sqlite3_int64* cap,
                 const ScanCache::EntryPtr& copy = nullptr);

// ---------------------------------------------------------------------------
// The callbacks, by file

int DdbConnect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out,
               char** err);
int DdbDisconnect(sqlite3_vtab* vtab);
int DdbDestroy(sqlite3_vtab* vtab);
int DdbBestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info);
int DdbOpen(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out);
int DdbClose(sqlite3_vtab_cursor* cur);
int DdbFilter(sqlite3_vtab_cursor* cur, int idx_num, const char* idx_str, int argc,
              sqlite3_value** argv);
int DdbNext(sqlite3_vtab_cursor* cur);
int DdbEof(sqlite3_vtab_cursor* cur);
int DdbColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int i);
int DdbRowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid);

}  // namespace ddb::vtab
