// Writes through a DynamoDB virtual table: xUpdate, xBegin, xSync, xCommit
// and xRollback of the "dynamodb" module land here (module.cc only
// forwards to a TableWriter).
//
//   INSERT          a put conditioned on the key not existing (outside
//                   BEGIN up to 100 rows in one TransactWriteItems,
//                   write_bulk.h); a clash is SQLITE_CONSTRAINT naming the
//                   table and key. INSERT OR IGNORE skips it; INSERT OR
//                   REPLACE / REPLACE is an unconditional put.
//   UPDATE          UpdateItem that SETs the attributes whose value changed
//                   and REMOVEs those set to NULL, conditioned on those
//                   attributes still holding what was read (and the item
//                   still existing). Columns the statement does not set are
//                   never read (sqlite3_vtab_nochange). A new key is a delete
//                   plus a put in one TransactWriteItems.
//   DELETE          DeleteItem conditioned on the item still existing.
//
// Outside BEGIN a statement writes as it goes: unconditional puts in
// BatchWriteItem requests of 25, INSERT rows in TransactWriteItems of up to
// 100 conditional puts (write_bulk.h), other conditional writes one request
// each, up to `.writeparallel` (ModuleOptions::write_parallel) at once, sent
// from SQLite's thread through the HTTP client's event loop; xSync waits for
// them. The first failure stops
// the statement; its message says how many items were written. Writes whose
// condition failed (the item changed since it was read) are left alone and
// reported when the statement ends, as an error naming their keys.
//
// Inside BEGIN ... COMMIT nothing is sent until COMMIT, which sends every
// write of every table in one TransactWriteItems (at most 100 items and
// 4 MB: more is an error at the write that crosses the limit, and the
// statement is undone). ROLLBACK sends nothing. The writes of one item are
// combined into the one action DynamoDB allows, and the transaction's reads
// see its own writes (vtab/transaction.h). An INSERT first reads whether the
// key exists (the transaction's own writes, else a consistent GetItem), so
// that a clash is the statement's UNIQUE constraint error, as in SQLite.
//
// Files: this one (TableWriter: a row's change decided, staged or sent),
// write_update.{h,cc} (an UPDATE in its steps), write_pipeline.{h,cc} (the
// statement's requests outside BEGIN), write_bulk.{h,cc} (its INSERT rows
// in transactions of 100), write_session.{h,cc} (the
// connection's transaction, savepoints and ledger).
//
// Codec columns are encoded (engine/codec); those whose bytes live in S3
// go through write_s3.h: intents in the ledger, objects put, then DynamoDB,
// then superseded objects deleted by the ledger. REPLACE and DELETE of a
// table with S3 columns first read which objects the item references and
// are conditioned on it still doing so.
#pragma once

#include <sqlite3.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/connection.h"
#include "engine/dynamodb/client.h"
#include "engine/item_encryption/item_encryptor.h"
#include "engine/ledger/backend.h"
#include "engine/ledger/ledger.h"
#include "engine/status.h"
#include "vtab/module.h"
#include "vtab/transaction.h"
#include "vtab/write_bulk.h"
#include "vtab/write_pipeline.h"
#include "vtab/write_s3.h"
#include "vtab/write_session.h"

namespace ddb::vtab {

class ModuleContext;
struct Stats;  // vtab/module.h

// A column as the writer sees it.
struct WriteColumn {
  std::string name;                      // SQL name
  std::string attribute;                 // DynamoDB attribute; empty for `item`
  std::string type;                      // DynamoDB type ("S", "N", ...); "" mixed or unknown
  const codec::Column* codec = nullptr;  // a declared codec column (owned by the table)
};

// The rowid of an item: a 64-bit FNV-1a hash of its primary key, the same in
// every scan (SQLite drops duplicates of an OR by rowid) and for an INSERT.
sqlite3_int64 KeyRowid(const dynamodb::KeySchema& key, const dynamodb::Item& item);

// The write side of one virtual table.
class TableWriter {
 public:
  TableWriter(sqlite3* db, ModuleContext* ctx, std::shared_ptr<Connection> conn, std::string table,
              dynamodb::KeySchema key, std::vector<WriteColumn> columns, int item_column);
  ~TableWriter();

  // Called by xRowid: the row SQLite may next ask to update or delete.
  // `whole`: the item was read whole (no projection).
  void RememberRow(sqlite3_int64 rowid, const dynamodb::Item& item, bool whole);
  // A table with item_encryption (encrypted_items.h): every item written is
  // encrypted and signed by `encryptor`; an UPDATE is a put of the whole
  // item re-encrypted, and UPDATE and DELETE are conditioned on the
  // signature of the item as read.
  void set_encryptor(std::shared_ptr<item_encryption::ItemEncryptor> encryptor) {
    encryptor_ = std::move(encryptor);
  }

  // The xMethods; errors go to vtab->zErrMsg.
  int Update(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64* rowid);
  int Begin(sqlite3_vtab* vtab);
  int Sync(sqlite3_vtab* vtab);
  int Commit();
  int Rollback();

 private:
  struct Row {
    dynamodb::Item item;
    bool whole = false;
  };
  // One change to send: what an INSERT, UPDATE or DELETE decided.
  using Change = WriteChange;

  int Fail(sqlite3_vtab* vtab, const Status& s, int code = SQLITE_ERROR);
  // Outside BEGIN, an INSERT row that cannot be written (a bad value, an
  // item over 400 KB): the statement's rows before it are sent and counted
  // in the message, then Fail.
  int FailRow(sqlite3_vtab* vtab, const Status& s);
  bool InTransaction() const;
  // Notes a write of the item with key `key`; when the statement already
  // has one pending, sends the batch and waits for every write first.
  Status OrderWrite(const dynamodb::Item& key);
  // Whether `attribute` is the table's partition or sort key.
  bool IsKey(const std::string& attribute) const;
  Status BuildInsert(sqlite3_value** values, Change* change);
  // item_encryption (write_encrypted.cc): `change->item` (plain) replaced
  // by its stored form, encrypted and signed.
  Status EncryptItem(Change* change);
  // item_encryption: the item with `change->key` as DynamoDB (or this
  // transaction) holds it now, which must decrypt to `old` (the item as
  // read); `change` is conditioned on its signature. *current: that item,
  // plain.
  Status ConditionOnSignature(const Row& old, Change* change, dynamodb::Item* current);
  // item_encryption: an UPDATE as a put of the whole item, re-encrypted
  // (with its S3 columns' objects), or a key change as a move of it
  // re-encrypted under the new key; conditioned on the signature as read,
  // read again only once nothing refuses the UPDATE.
  Status BuildEncryptedUpdate(sqlite3_value** values, Row old, Change* change);
  // Encodes codec column `c` (its value `v`) for the item with key `key`:
  // the stored value, and the S3 object to put, if any.
  Status EncodeCodec(const WriteColumn& c, sqlite3_value* v, const dynamodb::Item& key,
                     dynamodb::AttributeValue* stored, Change* change);
  // The S3 writes a DELETE of the item implies (each S3 column's objects go).
  std::vector<S3Write> S3Deletes() const;
  // For REPLACE and DELETE: reads which objects the item references now and
  // conditions the write on it still doing so.
  Status ReadOldObjects(Change* change);
  // ReadOldObjects in two steps: the GetItem it sends, and what its answer
  // makes of `change`.
  dynamodb::GetItemRequest OldObjectsRequest(const Change& change) const;
  void ApplyOldObjects(const dynamodb::Item& stored, Change* change) const;
  Status LedgerSession(ledger::Ledger** ledger, ledger::Session* session);
  // The error for a key change of an item whose S3 column `c` holds a
  // value named after the key.
  Status MoveWithS3Refused(const WriteColumn& c) const;
  // An UPDATE (write_update.cc), in its steps: the new key (*changed when a
  // key column sets another value), the changes of the columns it sets, the
  // whole item read when needed, and a key move.
  Status BuildUpdate(sqlite3_value** values, Row old, Change* change);
  Status NewKey(sqlite3_value** values, const dynamodb::Item& key, dynamodb::Item* new_key,
                bool* changed);
  Status ColumnChanges(sqlite3_value** values, const Row& old, const dynamodb::Item& key,
                       const dynamodb::Item& new_key, bool key_changed, AttributeChanges* changes,
                       std::set<std::string>* set_by_column, Change* change);
  // Codec column `c` set to `v`, encoded for the item with `key` (its new
  // key when it moves); its S3 objects go into change->s3.
  Status CodecColumnChange(const WriteColumn& c, sqlite3_value* v, const Row& old,
                           const dynamodb::Item& key, bool key_changed, AttributeChanges* changes,
                           Change* change);
  // Column `c` set to `v`: in the item's stored type, no change when it still
  // reads as what is stored.
  Status PlainColumnChange(const WriteColumn& c, sqlite3_value* v, const Row& old,
                           const dynamodb::Item& key, AttributeChanges* changes) const;
  // Reads the item with `key` again, consistently, unless `old` is whole.
  Status ReadWhole(const dynamodb::Item& key, Row* old);
  // Makes `change` (conditions built) a move of the item to `new_key`.
  Status MoveItem(const dynamodb::Item& new_key, const Row& old, const AttributeChanges& changes,
                  const std::set<std::string>& set_by_column, Change* change);
  // The item with `key` as this statement must see it: inside BEGIN the
  // transaction's own write of it, else a consistent GetItem (in `.stats`).
  Status ReadCurrent(const dynamodb::Item& key, dynamodb::Item* item, bool* found);
  // Inside BEGIN, before an INSERT (or a key change) of `key`: whether an
  // item with that key exists as the transaction sees it. A clash is a
  // UNIQUE constraint error, or *ignored under OR IGNORE.
  Status CheckKeyFree(const dynamodb::Item& key, const std::string& what, bool new_key,
                      bool* ignored, int* code);
  // Inside BEGIN: adds the change to the transaction (WriteSession::Add).
  Status Stage(Change change, int* code, bool* ignored);
  Status Send(Change change, int* code);
  // Sends the unconditional puts and the INSERT rows held (batch_, inserts_).
  Status FlushBatch();
  // The session's `.writeparallel` and write rate limit, for what is sent next.
  void ConfigurePipeline();
  Status Finish(int* code);  // outside BEGIN: waits for everything sent
  std::string What(const char* verb, const dynamodb::Item& key) const;
  dynamodb::Item KeyOf(const dynamodb::Item& item) const;

  sqlite3* db_;
  ModuleContext* ctx_;
  std::shared_ptr<Connection> conn_;
  std::string table_;
  dynamodb::KeySchema key_;
  std::vector<WriteColumn> columns_;
  int item_column_;

  bool active_ = false;  // between xBegin and xCommit/xRollback
  std::map<sqlite3_int64, Row> rows_;
  // Keys this statement has batched or sent and not yet seen finish: a key
  // written again first waits for them (OrderWrite), else the two race.
  std::set<std::string> pending_keys_;
  WritePipeline pipeline_{kDefaultWriteParallel};
  // Its S3 writes' group commit of ledger intents and uploads in flight.
  std::shared_ptr<S3WriteGroup> s3_group_ = std::make_shared<S3WriteGroup>();
  std::vector<dynamodb::BatchWriteEntry> batch_;
  InsertChunk inserts_;                     // INSERT rows not sent yet (write_bulk.h)
  std::optional<ledger::Session> session_;  // who writes, for the ledger
  std::shared_ptr<item_encryption::ItemEncryptor> encryptor_;  // item_encryption, else null
};

}  // namespace ddb::vtab
