// The S3 half of writes through codec columns whose bytes live in S3
// (README "Writes"): create and update put the objects first, then write
// DynamoDB; delete writes DynamoDB first, then removes the objects. Every
// step is covered by the ledger (engine/ledger), so a crash anywhere leaves
// nothing orphaned and nothing dangling.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <memory>
#include <mutex>
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
// WriteWithS3 returns, on the thread `post` runs steps on. The pointer
// arguments must outlive the write.
//
// With a `group`, the intents of the writes started before the group's next
// flush (a step posted after each write's first) are recorded in one ledger
// transaction, one fsync for all of them (group commit); each write's
// uploads still start only once its own intents are durable. `writes` is
// taken by value: the bodies move on to the uploads without a copy.
using PostStep = std::function<void(std::function<void()>)>;
using StartWrite = std::function<void(std::function<void(Status)>)>;
class S3WriteGroup;
void StartWriteWithS3(ledger::Ledger* ledger, const std::shared_ptr<Connection>& connection,
                      const ledger::Session& session, Stats* stats, const std::string& table,
                      const dynamodb::Item& key, std::vector<S3Write> writes,
                      StartWrite start_write, PostStep post, std::function<void(Status)> done,
                      std::shared_ptr<S3WriteGroup> group = nullptr);

// The most bytes of S3 bodies a statement's writes hold at once, waiting
// for or in their uploads (WritePipeline::Submit counts them; a write with
// more runs alone).
inline constexpr size_t kS3BytesInFlight = 64 << 20;

// The memory a write with `writes` holds until it is done: each body twice,
// since the AWS client copies it into each attempt's HTTP request (a retry
// sends it again) while the request keeps its own.
size_t S3BytesHeld(const std::vector<S3Write>& writes);

// What the S3 writes of one writer (a statement's, outside BEGIN) share:
// the intents waiting for the next group commit, and the uploads in flight
// (their most at once goes to Stats::s3_put_in_flight_max: the most one
// table's writes had, not a sum over tables). Thread-safe.
class S3WriteGroup {
 public:
  // Queues `intents` for the next Flush, which calls `recorded` with the
  // outcome of their commit (ids set when OK). `intents` must stay valid
  // until then.
  void Add(std::vector<ledger::Intent>* intents, std::function<void(Status)> recorded);
  // Records every queued write's intents in one transaction of `ledger`,
  // then calls their `recorded`, in the order they were added.
  void Flush(ledger::Ledger* ledger);
  // An upload starts / ends; `stats` (may be null) keeps the most at once.
  void PutStarted(Stats* stats);
  void PutEnded();

 private:
  struct Waiting {
    std::vector<ledger::Intent>* intents;
    std::function<void(Status)> recorded;
  };
  std::mutex mu_;
  std::vector<Waiting> waiting_;  // guarded by mu_
  int puts_in_flight_ = 0;        // guarded by mu_
};

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
