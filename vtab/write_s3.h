// The S3 half of writes through codec columns whose bytes live in S3
// (README "Writes"): create and update put the objects first, then write
// DynamoDB; delete writes DynamoDB first, then removes the objects. Every
// step is covered by the ledger (engine/ledger), so a crash anywhere leaves
// nothing orphaned and nothing dangling.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/codec/column.h"
#include "engine/connection.h"
#include "engine/dynamodb/attribute_value.h"
#include "engine/ledger/backend.h"
#include "engine/ledger/ledger.h"
#include "engine/status.h"

namespace ddb::vtab {

struct Stats;  // vtab/module.h

// One S3 column a write changes.
struct S3Write {
  std::string attribute;
  std::string bucket;
  std::optional<codec::S3Upload> upload;  // the new object; none: the attribute goes away
  std::vector<std::string> old_keys;      // objects (in `bucket`) it referenced before
  const codec::Column* column = nullptr;
};

// `v` as the plain value of codec column `column` (its SQL type's affinity).
codec::PlainValue SqlToPlain(sqlite3_value* v, const codec::Column& column);

// The codec context of `attribute` of the item with key `key`; a decode
// stops past `max_decoded_bytes` (CodecSession::max_decoded_bytes).
codec::Context CodecContext(const std::string& table, const dynamodb::KeySchema& schema,
                            const dynamodb::Item& key, const std::string& attribute,
                            size_t max_decoded_bytes = codec::kDefaultMaxDecodedBytes);

// Fills each write's old_keys from `stored` (the attributes as the item holds
// them now; a missing one referenced nothing).
void OldObjects(const dynamodb::Item& stored, std::vector<S3Write>* writes);

// Runs the DynamoDB request `write` with the S3 half around it: intents
// recorded in `ledger` (durable), objects uploaded (an existing one is not
// uploaded again), `write`, then the ledger resolves: superseded objects are
// deleted after a write, new ones after a failure (by reading the item:
// what it references is kept). *written says whether `write` succeeded.
// The objects put and deleted are counted in `stats` (when not null).
Status WriteWithS3(ledger::Ledger* ledger, const std::shared_ptr<Connection>& connection,
                   const ledger::Session& session, Stats* stats, const std::string& table,
                   const dynamodb::Item& key, const std::vector<S3Write>& writes,
                   const std::function<Status()>& write);

// WriteWithS3 for one item without blocking on the network: the steps that
// use the ledger (record the intents, resolve them) and the HEADs of shared
// objects run where `post` runs steps (the write pipeline's ledger thread;
// the first step is the caller's), while the uploads (one after another, in order) and the
// DynamoDB request (`start_write`, which must call its argument once with
// the request's outcome) go through the HTTP client's event loop. The ledger
// order is WriteWithS3's: intents recorded before any upload, the DynamoDB
// write after the last one, the intents resolved after it. `done` gets what
// WriteWithS3 returns, on the thread `post` runs steps on. Every argument must outlive
// the write (`writes` is copied).
using PostStep = std::function<void(std::function<void()>)>;
using StartWrite = std::function<void(std::function<void(Status)>)>;
void StartWriteWithS3(ledger::Ledger* ledger, const std::shared_ptr<Connection>& connection,
                      const ledger::Session& session, Stats* stats, const std::string& table,
                      const dynamodb::Item& key, const std::vector<S3Write>& writes,
                      StartWrite start_write, PostStep post, std::function<void(Status)> done);

// The same for a transaction: the writes of several items, one request.
struct S3ItemWrites {
  std::string table;
  dynamodb::Item key;
  std::vector<S3Write> writes;
};
Status WriteWithS3(ledger::Ledger* ledger, const std::shared_ptr<Connection>& connection,
                   const ledger::Session& session, Stats* stats,
                   const std::vector<S3ItemWrites>& items, const std::function<Status()>& write);

}  // namespace ddb::vtab
