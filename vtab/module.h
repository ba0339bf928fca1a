// The SQLite module "dynamodb": every DynamoDB table as a virtual table.
//
//   RegisterModule()  adds the module (DIRECTONLY: schemas, views and
//                     triggers can never reach the network or credentials).
//   AttachTables()    lists the account's tables (one paginated ListTables)
//                     and makes each queryable by its own name, in the
//                     attached schema "ddb". A table is described only when
//                     a statement first uses it (SQLite connects virtual
//                     tables lazily).
//
// `CREATE VIRTUAL TABLE x USING dynamodb(table='name', ...)` binds a name of
// the user's choice; see dynamodb_table.h for the arguments. The module's
// bodies are in module.cc (ModuleContext::writes() in write.cc).
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/connection.h"
#include "engine/status.h"
#include "vtab/codec_columns.h"
#include "vtab/rate_limiter.h"
#include "vtab/scan_cache.h"
#include "vtab/schema_cache.h"

namespace ddb::vtab {

// What the statements of this session cost DynamoDB, for `.stats`.
struct Stats {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> pages{0};
  std::atomic<uint64_t> items_scanned{0};
  // Items DynamoDB returned to ddbsql (after its FilterExpression).
  std::atomic<uint64_t> items_returned{0};
  // Rows the virtual tables handed SQLite (from DynamoDB or from a copy).
  std::atomic<uint64_t> rows{0};
  // Scans and lookups served from a copy this statement already read
  // (scan_cache.h), and the rows they gave.
  std::atomic<uint64_t> reused{0};
  std::atomic<uint64_t> reused_rows{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> retries{0};
  std::atomic<uint64_t> get_item{0};
  std::atomic<uint64_t> batch_get_item{0};
  std::atomic<uint64_t> query{0};
  std::atomic<uint64_t> scan{0};
  std::atomic<uint64_t> execute_statement{0};  // ddb_partiql
  // Consumed capacity in thousandths of a unit (atomics of double are awkward).
  std::atomic<uint64_t> capacity_milli{0};
  // Codec columns' S3 objects (codec_columns.h): GETs sent, body bytes
  // received, and objects served from the cache instead.
  std::atomic<uint64_t> s3_gets{0};
  std::atomic<uint64_t> s3_bytes{0};
  std::atomic<uint64_t> s3_cache_hits{0};
  // The most of those GETs in flight at once (one page's batch).
  std::atomic<uint64_t> s3_in_flight_max{0};
  // Writes through S3 columns (write_s3.cc): objects uploaded and their
  // bytes, and objects deleted (superseded, or a failed write's own).
  std::atomic<uint64_t> s3_puts{0};
  std::atomic<uint64_t> s3_put_bytes{0};
  std::atomic<uint64_t> s3_deletes{0};
  // The most of those uploads in flight at once (a statement's writes
  // outside BEGIN; at most .writeparallel).
  std::atomic<uint64_t> s3_put_in_flight_max{0};
  // Writes (vtab/write.cc): requests by operation, write capacity in
  // thousandths of a unit, items DynamoDB wrote, and conditional writes it
  // refused (the item changed since it was read, or INSERT OR IGNORE met
  // an existing key).
  std::atomic<uint64_t> put_item{0};
  std::atomic<uint64_t> update_item{0};
  std::atomic<uint64_t> delete_item{0};
  std::atomic<uint64_t> batch_write_item{0};
  std::atomic<uint64_t> transact_write_items{0};
  std::atomic<uint64_t> write_capacity_milli{0};
  std::atomic<uint64_t> items_written{0};
  std::atomic<uint64_t> items_refused{0};
  // Write requests Ctrl-C cancelled in flight: DynamoDB may have applied
  // them or not.
  std::atomic<uint64_t> writes_cancelled{0};
  std::atomic<uint64_t> items_cancelled{0};  // the items those requests carried
  // Items of item_encryption tables verified and decrypted, and those that
  // failed and were skipped under `.verify warn` (encrypted_items.h).
  std::atomic<uint64_t> items_decrypted{0};
  std::atomic<uint64_t> items_unverified{0};
  // Table exports read (dynamodb_export.h): data files read and checked,
  // their compressed bytes, and their items.
  std::atomic<uint64_t> export_files{0};
  std::atomic<uint64_t> export_bytes{0};
  std::atomic<uint64_t> export_items{0};

  void Reset();
  uint64_t write_requests() const {
    return put_item + update_item + delete_item + batch_write_item + transact_write_items;
  }
};

// Write requests a statement outside BEGIN has in flight at most
// (`.writeparallel N`, 1 to kMaxWriteParallel).
inline constexpr int kDefaultWriteParallel = 32;
inline constexpr int kMaxWriteParallel = 256;

struct ModuleOptions {
  int scan_segments = 0;  // parallel scan segments; 0: chosen per table
  int write_parallel = kDefaultWriteParallel;
  // `.insertcheck batch`: a bulk INSERT finds existing keys with a
  // consistent BatchGetItem and writes the rest with BatchWriteItem (racy,
  // vtab/write_bulk.h); false: conditional puts in TransactWriteItems.
  bool insert_check_batch = false;
  // `.insertrows N`: INSERT rows a bulk INSERT request carries at most (1:
  // a conditional PutItem each; vtab/write_bulk.h, kBulkInsertRows).
  int insert_rows = 100;
  bool consistent_read = false;
  int sample_items = 100;  // items read to find a table's attributes
  // A full Scan of a table DescribeTable estimates above this many items
  // asks ModuleContext::confirm_scan first (set by the shell only when it
  // is interactive); 0: never ask.
  int64_t confirm_scan_items = 100000;
  // Where table lists and sampled columns are cached (schema_cache.h);
  // empty: not cached. A table list older than this is listed again.
  std::string schema_cache_dir;
  double schema_max_age_seconds = 3600;
  // --readonly / .readonly on: nothing is written to DynamoDB or S3 (writes
  // to DynamoDB tables are refused in vtab/write.cc; the shell refuses S3
  // deletes). Local tables, temp tables and attached databases stay writable.
  bool read_only = false;
  bool read_only_fixed = false;  // --readonly: the session stays read-only
  // `.verify warn`: an item of an item_encryption table that fails to
  // verify or decrypt is reported and skipped; false (`.verify error`, the
  // default): it is the statement's error.
  bool verify_warn = false;

  // "read-only session (--readonly)", or with .readonly on how to end it:
  // the start of every refusal's message.
  std::string ReadOnlySession() const {
    return read_only_fixed ? "read-only session (--readonly)"
                           : "read-only session (.readonly on; .readonly off ends it)";
  }
};

// What a full Scan is estimated to cost, for the question asked before it.
struct ScanEstimate {
  std::string table;
  int64_t items = 0;
  int64_t bytes = 0;
  double read_units = 0;  // eventually consistent: 0.5 per 4 KB read
};

class WriteSession;  // vtab/write_session.h

// Names SQL would confuse (sql_names.h), given names of their own: pairs of
// (DynamoDB name, SQL name), all equal but for ASCII case (or, alone, an
// attribute named like the hidden column `item`).
using RenamedGroup = std::vector<std::pair<std::string, std::string>>;

// What the shell knows of a connected table for its error hints.
struct TableNotes {
  // Its columns come from a sample that may have missed attributes: a
  // partial one, or one from the schema cache (items written since may
  // hold new attributes).
  bool sample_may_miss = false;
  // Its attributes that have columns of other names.
  std::vector<RenamedGroup> renamed;
};

// State shared by all virtual tables of one SQLite connection.
class ModuleContext {
 public:
  // `options` are what `connection` was opened with; tables that name
  // another region, endpoint or profile open theirs from them.
  ModuleContext(std::shared_ptr<Connection> connection, ConnectionOptions options)
      : connection_(std::move(connection)), connection_options_(std::move(options)) {}

  // A connection with `overrides` applied over the session's own options.
  Status OpenConnection(const aws::Overrides& overrides, std::shared_ptr<Connection>* out);

  Connection& connection() { return *connection_; }
  std::shared_ptr<Connection> shared_connection() { return connection_; }
  ModuleOptions& options() { return options_; }
  Stats& stats() { return stats_; }
  RateLimiter& rate_limiter() { return rate_limiter_; }  // read capacity
  RateLimiter& write_rate_limiter() { return write_rate_limiter_; }
  ScanCache& scan_cache() { return scan_cache_; }
  SchemaCache schema_cache() const {
    return SchemaCache(options_.schema_cache_dir, options_.schema_max_age_seconds);
  }
  // The schema cache's scope of `connection` (endpoint, region, account).
  static std::string SchemaScope(Connection& connection);

  // What the shell's hints need to know of a connected table, by its SQL
  // name qualified by its schema ("ddb.orders").
  void NoteTable(const std::string& qualified, TableNotes notes) {
    std::lock_guard<std::mutex> lock(mu_);
    notes_[qualified] = std::move(notes);
  }
  // Empty notes for a table not connected yet.
  TableNotes NotesOf(const std::string& qualified) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = notes_.find(qualified);
    return it == notes_.end() ? TableNotes() : it->second;
  }
  // The tables AttachTables declared: (DynamoDB name, SQL name) pairs, the
  // names equal but where DynamoDB has names that differ only in case.
  void NoteListedTables(std::vector<std::pair<std::string, std::string>> tables) {
    std::lock_guard<std::mutex> lock(mu_);
    listed_tables_ = std::move(tables);
  }
  std::vector<std::pair<std::string, std::string>> ListedTables() const {
    std::lock_guard<std::mutex> lock(mu_);
    return listed_tables_;
  }
  // The DynamoDB name of the listed table SQL knows as `sql_name` (as SQL
  // finds it, ignoring ASCII case); `sql_name` itself when none is.
  std::string DynamoNameOf(const std::string& sql_name) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [dynamo, name] : listed_tables_) {
      if (sqlite3_stricmp(name.c_str(), sql_name.c_str()) == 0) return dynamo;
    }
    return sql_name;
  }

  // A warning for the user, kept for the shell to print (TakeWarnings); the
  // same text is kept once a session.
  void Warn(const std::string& text) {
    std::lock_guard<std::mutex> lock(mu_);
    if (warned_.insert(text).second) warnings_.push_back(text);
  }
  std::vector<std::string> TakeWarnings() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(warnings_, {});
  }

  // The tables the session's own connection described (DynamoDB names): a
  // table is described once a session, however often SQLite connects it.
  bool DescribedBefore(const std::string& table, dynamodb::TableDescription* out) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = described_.find(table);
    if (it == described_.end()) return false;
    *out = it->second;
    return true;
  }
  void NoteDescribed(const std::string& table, const dynamodb::TableDescription& desc) {
    std::lock_guard<std::mutex> lock(mu_);
    described_[table] = desc;
  }
  // `.refresh`: forgets `table` (empty: every table).
  void ForgetDescribed(const std::string& table) {
    std::lock_guard<std::mutex> lock(mu_);
    if (table.empty()) {
      described_.clear();
    } else {
      described_.erase(table);
    }
  }
  // The transaction being built between BEGIN and COMMIT (vtab/write_session.h).
  WriteSession& writes();
  CodecSession& codecs() { return *codecs_; }
  // Uses `other`'s codec session (its catalog, .codec declarations and
  // settings): a reconnect keeps the session's codec columns.
  void ShareCodecs(const ModuleContext& other) { codecs_ = other.codecs_; }

  // Asked before a large full Scan; false declines it. Unset: never asks.
  std::function<bool(const ScanEstimate&)> confirm_scan;

 private:
  std::shared_ptr<Connection> connection_;
  ConnectionOptions connection_options_;
  ModuleOptions options_;
  Stats stats_;
  RateLimiter rate_limiter_;
  RateLimiter write_rate_limiter_;
  ScanCache scan_cache_;
  mutable std::mutex mu_;
  std::map<std::string, TableNotes> notes_;
  std::vector<std::pair<std::string, std::string>> listed_tables_;
  std::set<std::string> warned_;
  std::vector<std::string> warnings_;
  std::map<std::string, dynamodb::TableDescription> described_;
  std::shared_ptr<WriteSession> writes_;
  std::shared_ptr<CodecSession> codecs_ = std::make_shared<CodecSession>();
};

// Registers the module on `db`. `context` must outlive `db`.
Status RegisterModule(sqlite3* db, ModuleContext* context);

// Lists the tables and declares each in the schema `schema` (attached as an
// in-memory database when absent). Returns the number of tables in `count`.
// The list comes from the schema cache while fresh, unless `relist`.
Status AttachTables(sqlite3* db, ModuleContext* context, const std::string& schema = "ddb",
                    size_t* count = nullptr, bool relist = false);

// `.refresh [TABLE]`: forgets the cached schema of `table` (empty: of every
// table), lists the tables again and declares them, so that each forgotten
// one is described and sampled anew when next used. An unknown `table` is
// an error naming it.
Status RefreshTables(sqlite3* db, ModuleContext* context, const std::string& table);

}  // namespace ddb::vtab
