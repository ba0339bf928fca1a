// Codec columns in the "dynamodb" virtual table: the glue between the
// cursor of dynamodb_cursor.cc and engine/codec.
//
//   CodecSession   one per ModuleContext: the catalog (file, .codec, the
//                  catalog= argument), one S3Resolver per connection (its
//                  cache serves repeats), `.s3missing`, the S3 concurrency
//                  bound, the decoded-value limit (`.maxvalue`), and what
//                  the last statement cost in S3.
//   TableCodecs    one per virtual table: which of its columns are declared,
//                  their SQL types, and the literals of pushed-down equality
//                  encoded as DynamoDB stores them.
//   CursorCodecs   one per cursor: decodes a codec column only when SQLite
//                  asks for it (xColumn); an S3 column reads ahead from
//                  there, a sliding window of up to the concurrency bound of
//                  GETs in flight, across DynamoDB pages.
//
// Memory: a cursor holds the bodies and decoded values of its windows (at
// most the concurrency bound of rows per S3 column the statement reads, see
// CursorCodecs); the resolvers' caches hold at most kCacheBytes each.
// Neither grows with the table.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/codec/catalog.h"
#include "engine/codec/column.h"
#include "engine/codec/s3_resolver.h"
#include "engine/connection.h"
#include "engine/dynamodb/attribute_value.h"
#include "engine/status.h"

namespace ddb::vtab {

struct Stats;

// What `.s3missing` says to do with an S3 object that does not exist.
enum class S3Missing { kError, kNull };

class CodecSession {
 public:
  // Bytes of S3 object bodies each resolver keeps for repeats.
  static constexpr size_t kCacheBytes = 64ull << 20;
  // From a sweep of 4 to 64 with bench/codec_run.sh (README "Speed").
  static constexpr size_t kDefaultConcurrency = 64;
  static constexpr size_t kMaxConcurrency = 256;

  CodecSession();

  // Loads the catalog file: `flag` (--catalog) if set, else $DDBSQL_CATALOG,
  // else $XDG_CONFIG_HOME/ddbsql/catalog.json. A file the user named must
  // exist; the default one may be absent. Errors name the file, table and
  // column. Sends nothing.
  Status LoadCatalog(const std::string& flag);
  // The file LoadCatalog read; empty when none.
  const std::string& catalog_path() const { return catalog_path_; }

  // `.codec TABLE COLUMN JSON`: declares (or replaces) a column for the session.
  Status Declare(const std::string& table, const std::string& column, const std::string& json);
  // Every declaration, as "TABLE COLUMN JSON" lines (key references shown
  // safely, never key material), tables and columns in name order; only
  // tables matching the LIKE `pattern` when it is not empty.
  std::vector<std::string> Describe(sqlite3* db, const std::string& pattern) const;

  codec::Catalog& catalog() { return *catalog_; }
  std::shared_ptr<codec::KeyStore> keys() { return catalog_->keys(); }

  // The resolver for `connection`'s S3 (created on first use).
  codec::S3Resolver* Resolver(const std::shared_ptr<Connection>& connection);

  S3Missing s3missing() const { return s3missing_; }
  void set_s3missing(S3Missing m) { s3missing_ = m; }
  size_t concurrency() const { return concurrency_; }
  void set_concurrency(size_t n);
  // `.maxvalue`: the most a codec column's value (or gunzip(), ...) may
  // expand to when decoded (codec::Context::max_decoded_bytes), from
  // kMinMaxDecodedBytes to kMaxMaxDecodedBytes.
  static constexpr size_t kMinMaxDecodedBytes = size_t{1} << 10;
  static constexpr size_t kMaxMaxDecodedBytes = size_t{1} << 30;
  size_t max_decoded_bytes() const { return max_decoded_bytes_.load(); }
  void set_max_decoded_bytes(size_t n) { max_decoded_bytes_.store(n); }

  // What is known of a deterministic column's key: an equality literal is
  // encrypted with it and compared with what DynamoDB stores, so a wrong key
  // would find nothing instead of failing. dynamodb_scan.cc checks the key
  // against stored values of the column before the first such lookup and
  // remembers the outcome here for the session, by `id` (endpoint, region,
  // table, column and key references: KeyCheckId).
  enum class KeyCheck {
    kUnknown,       // not checked yet (or the column held no value when checked)
    kVerified,      // the key read the stored values checked
    kUnverifiable,  // no stored value was found cheaply: literals are not pushed down
  };
  KeyCheck key_check(const std::string& id) const;
  void set_key_check(const std::string& id, KeyCheck check);

  // Objects read as NULL under `.s3missing null` since the last call.
  uint64_t TakeMissingAsNull() { return missing_as_null_.exchange(0); }
  void CountMissingAsNull() { ++missing_as_null_; }

 private:
  std::unique_ptr<codec::Catalog> catalog_;
  std::string catalog_path_;
  S3Missing s3missing_ = S3Missing::kError;
  size_t concurrency_ = kDefaultConcurrency;
  std::atomic<size_t> max_decoded_bytes_{codec::kDefaultMaxDecodedBytes};
  std::atomic<uint64_t> missing_as_null_{0};
  mutable std::mutex mu_;  // guards resolvers_ and key_checks_
  std::map<std::string, KeyCheck> key_checks_;
  std::map<const Connection*,
           std::pair<std::shared_ptr<Connection>, std::unique_ptr<codec::S3Resolver>>>
      resolvers_;
};

// The declared columns of one virtual table, by SQL column index.
class TableCodecs {
 public:
  // `declared` are the table's declarations from the session catalog,
  // `extra` those of the table's own catalog= argument (they win).
  TableCodecs(std::string table, std::vector<std::shared_ptr<const codec::Column>> by_column)
      : table_(std::move(table)), by_column_(std::move(by_column)) {}

  // The declarations for `table` from `session`, then from the catalog=
  // argument `argument` (a file path, or JSON: a whole catalog or an object
  // of column declarations). Errors name the origin, table and column.
  static Status Collect(CodecSession* session, const std::string& table,
                        const std::string& argument,
                        std::map<std::string, std::shared_ptr<const codec::Column>>* out);

  const std::string& table() const { return table_; }
  // The declaration of column `col`, or nullptr.
  const codec::Column* At(int col) const {
    return col >= 0 && static_cast<size_t>(col) < by_column_.size() ? by_column_[col].get()
                                                                    : nullptr;
  }
  // The same, shared: GETs of a read-ahead may outlive the table.
  std::shared_ptr<const codec::Column> Shared(int col) const {
    return col >= 0 && static_cast<size_t>(col) < by_column_.size() ? by_column_[col] : nullptr;
  }
  bool empty() const;

  // True when SQLite's constraint `op` on column `col` may be given to the
  // planner: any constraint on a plain column; on a codec column only
  // equality (and IN) with a deterministic codec reading as TEXT or BLOB,
  // whose literal is then encrypted (EncodeLiteral). Everything else on a
  // codec column stays with SQLite: the stored bytes do not order or
  // compare like the values.
  bool Pushable(int col, unsigned char op) const;

  // The stored form of the SQL value `v` compared for equality with codec
  // column `col`, as the column's affinity would convert it. *matches is
  // false when no stored value can equal it (NULL, a BLOB for a TEXT
  // column ...).
  Status EncodeLiteral(int col, sqlite3_value* v, dynamodb::AttributeValue* out,
                       bool* matches) const;

  // CodecSession's key of the check of column `col`'s key in the table
  // `scope` (endpoint and region) names.
  std::string KeyCheckId(const std::string& scope, int col) const;

  // Checks codec column `col`'s key against `items` (the column's attribute
  // and the item keys `keys`; items without the attribute are skipped): each
  // stored value must decode to a value of the column's type (authenticated
  // ciphers fail on a wrong key; pynamodb_mate's AES-ECB usually shows bad
  // padding, and a TEXT column's value must also be UTF-8). The first that
  // does not is an error naming the table, column, key reference and item;
  // the key itself never shows. *checked counts the values decoded, each
  // up to `max_decoded_bytes` (CodecSession::max_decoded_bytes).
  Status CheckKey(int col, const std::vector<dynamodb::Item>& items,
                  const std::vector<std::string>& keys, size_t max_decoded_bytes,
                  size_t* checked) const;

 private:
  std::string table_;
  std::vector<std::shared_ptr<const codec::Column>> by_column_;
};

// Where a cursor stands, for the read-ahead of its S3 columns: its page
// (pages are numbered in the order the cursor reads them), the row, the
// rows a pushed LIMIT still allows, and the pages after it that have
// already arrived.
struct CursorPosition {
  const dynamodb::ItemPage* page = nullptr;
  uint64_t page_number = 0;
  size_t row = 0;
  int64_t rows_allowed = -1;  // from this row on, this one included; -1: no limit
  // The page numbered `number` (> page_number) if it has arrived, taken
  // from the page source without waiting; null otherwise. May be empty.
  std::function<const dynamodb::ItemPage*(uint64_t number)> page_after;
};

// The decoding state of one cursor.
//
// A column without S3 is decoded for the row SQLite asks for. An S3 column
// reads ahead from the first row SQLite asks it for: a sliding window of
// the rows that follow, each row's GET started as soon as a slot is free,
// at most `.s3parallel` rows started and not yet read by SQLite, across
// page boundaries (the next pages the page source has already fetched are
// taken early, at most kPagesAhead of them). The window starts at 4 rows
// and doubles as SQLite reads them (a LIMIT 1 costs a few GETs), and never
// passes a pushed LIMIT. An object is decoded when its GET ends, on the S3
// client's loop thread, when the column's chain needs no key (a key may
// need the network) and the object is at most kLoopDecodeBytes; else on
// SQLite's thread when it asks.
//
// Memory: per S3 column read, at most `.s3parallel` rows' bodies and
// decoded values, and no row is started while those answered and not yet
// read hold kWindowBytes or more: at most kWindowBytes plus `.s3parallel`
// rows' (each decoded value at most `.maxvalue`). With the default 64 and
// 64 KB pages gzip'd to 21 KB, about 5.5 MB. Plus at most kPagesAhead
// DynamoDB pages (1 MB each) taken early. A statement that stops
// (LIMIT, an error, Ctrl-C) drops its window at once: GETs still in flight
// end on their own (Ctrl-C cancels them) and their bodies go to the cache.
class CursorCodecs {
 public:
  static constexpr size_t kFirstWindowRows = 4;
  static constexpr size_t kPagesAhead = 2;
  static constexpr size_t kLoopDecodeBytes = 1u << 20;
  static constexpr size_t kWindowBytes = 32u << 20;

  CursorCodecs() = default;
  ~CursorCodecs();
  CursorCodecs(const CursorCodecs&) = delete;
  CursorCodecs& operator=(const CursorCodecs&) = delete;

  // Where a cursor's values come from and what they cost.
  struct Source {
    const TableCodecs* codecs = nullptr;
    std::vector<std::string> keys;  // the table's key attribute names
    CodecSession* session = nullptr;
    std::shared_ptr<Connection> connection;
    Stats* stats = nullptr;
    // The body of an object a pending write of the open transaction will
    // put at COMMIT (not in S3 yet), or null: read from S3.
    std::function<std::shared_ptr<const std::string>(const std::string& uri)> pending_object;
  };

  // Sets `ctx` to the decoded value of codec column `col` at the cursor's
  // position `at`, starting the read-ahead of an S3 column. Errors name the
  // table, the item's key and the column (and an object's s3 URI).
  Status Result(sqlite3_context* ctx, const Source& source, int col, const CursorPosition& at);

  // Drops every window (the cursor starts another scan).
  void Reset();

 private:
  struct Shared;  // what the GETs' callbacks and the cursor share
  struct Value;   // one row's value of an S3 column
  struct Slot {
    uint64_t page = 0;
    size_t row = 0;
    std::shared_ptr<Value> value;
  };
  struct Reader {
    std::deque<Slot> slots;  // rows started, in the cursor's order
    uint64_t next_page = 0;  // the next row to start
    size_t next_row = 0;
    size_t read = 0;  // rows SQLite read: the window grows with it
  };
  // Starts rows until the window is full or no more rows are at hand.
  Status Fill(const Source& source, const std::shared_ptr<const codec::Column>& column, Reader* r,
              const CursorPosition& at);
  Status Start(const Source& source, const std::shared_ptr<const codec::Column>& column,
               const dynamodb::ItemPage& page, uint64_t page_number, size_t row, Reader* r);

  std::shared_ptr<Shared> shared_;
  std::map<int, Reader> readers_;  // S3 columns, by column
  // A column without S3: its last decoded row.
  struct Plain {
    uint64_t page = UINT64_MAX;
    size_t row = 0;
    codec::Context context;
    codec::DecodeResult value;
  };
  std::map<int, Plain> plain_;
};

// Sets `ctx` to a decoded value.
void ResultPlain(sqlite3_context* ctx, const codec::PlainValue& v);

}  // namespace ddb::vtab
