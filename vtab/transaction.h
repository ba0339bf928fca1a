// The writes of one transaction (BEGIN ... COMMIT) as COMMIT will send them:
// one action per item, because TransactWriteItems allows no more. Each row
// write TableWriter decides (an ItemWrite) is combined with the
// transaction's earlier writes of the same item into one PendingWrite:
//
//   first      then       the one action COMMIT sends
//   INSERT     DELETE     none: the INSERT found no item, none is left
//   INSERT     UPDATE     a put of the updated item, if the key does not exist
//   DELETE     INSERT     a put of the new item, on the DELETE's conditions
//   UPDATE     UPDATE     one update with the final values, on the first's
//                         conditions
//   UPDATE     DELETE     a delete, on the UPDATE's conditions
//   REPLACE    any        a put or a delete (unconditional, as REPLACE is)
//
// Conditions. A write states what DynamoDB must still hold for the item
// (Expect: that it exists or not, and attributes as read). A later write of
// the same item read it through this transaction: what it expects of an
// attribute the transaction already wrote is the transaction's own value and
// is dropped; what it expects of one the transaction left alone was read
// from DynamoDB and is kept. So a combined write is exactly as safe against
// a concurrent writer as the writes it stands for.
//
// Undo. Every change journals the item's earlier pending write, so that
// UndoTo(mark) restores the transaction exactly as it was at the mark (a
// savepoint, a failed statement), combined actions included.
//
// Reads. Find() and View() give the items as the transaction sees them; the
// read path (dynamodb_scan.cc, page_source.cc) lays them over what DynamoDB returns.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/connection.h"
#include "engine/dynamodb/attribute_value.h"
#include "engine/dynamodb/client.h"
#include "engine/status.h"
#include "vtab/write_s3.h"

namespace ddb::vtab {

// DynamoDB's limits on one TransactWriteItems.
inline constexpr size_t kMaxTransactionWrites = 100;
inline constexpr size_t kMaxTransactionBytes = 4 * 1024 * 1024;

// Attribute -> its new value; nullopt: the attribute is removed.
using AttributeChanges = std::map<std::string, std::optional<dynamodb::AttributeValue>>;

// Applies `changes` to `item`.
void ApplyChanges(const AttributeChanges& changes, dynamodb::Item* item);

// What a write requires DynamoDB to hold for its item when it is applied.
struct Expect {
  enum class Existence { kAny, kExists, kAbsent };
  Existence existence = Existence::kAny;
  // Attribute -> the value it must hold; nullopt: it must not exist.
  std::map<std::string, std::optional<dynamodb::AttributeValue>> attributes;
};

// One row's write of one item, as TableWriter decided it.
struct ItemWrite {
  enum class Kind { kPut, kUpdate, kDelete };
  Kind kind = Kind::kPut;
  std::string table;
  dynamodb::Item key;
  dynamodb::Item item;       // kPut: the item; kUpdate: the whole item after the update
  AttributeChanges changes;  // kUpdate
  Expect expect;
  bool insert = false;  // an INSERT, after finding no item: a clash at COMMIT is UNIQUE's
  bool row = true;      // false for the delete half of a key change (not a row of its own)
  std::vector<S3Write> s3;
  std::shared_ptr<Connection> connection;  // for the S3 writes
  std::string what;                        // "INSERT into t (id='a')", for messages
};

// The transaction's write of one item: what its row writes combine to.
struct PendingWrite {
  enum class State { kPut, kUpdate, kDelete };
  State state = State::kPut;
  uint64_t seq = 0;  // order of the item's first write: the order COMMIT sends
  std::string table;
  dynamodb::Item key;
  dynamodb::Item item;       // kPut, kUpdate: the whole item as the transaction sees it
  AttributeChanges changes;  // kUpdate: what the update sets and removes
  Expect expect;
  bool inserted = false;  // the first write was an INSERT: DynamoDB had no item
  bool row = true;
  std::vector<S3Write> s3;  // per attribute: its new object, and the objects DynamoDB held
  std::shared_ptr<Connection> connection;
  std::string what;  // the first write's
  size_t bytes = 0;  // its share of the 4 MB limit

  // The TransactWriteItems entry (condition and update expressions built
  // from `expect` and `changes`).
  dynamodb::TransactWriteEntry Entry() const;
};

// The identity of an item key for comparison: names, types and canonical
// values (a number key written "1.50" is the item "1.5").
std::string KeyId(const dynamodb::Item& key);

// `item` with every number (nested ones and set members too) in the form
// DynamoDB stores and returns it (CanonicalNumber): what a read after COMMIT
// would show.
dynamodb::Item CanonicalItem(dynamodb::Item item);

// What reads of one table see of the transaction: taken when a scan starts,
// it stays as it was while later writes go on.
struct TableView {
  std::set<std::string> keys;      // KeyId of every item the transaction writes
  std::vector<std::string> items;  // the items it puts or updates, as wire JSON texts
};

class PendingWrites {
 public:
  enum class Seen { kUnknown, kPresent, kAbsent };

  // The item of `table` with `key` as the transaction sees it: kPresent
  // (*item is it), kAbsent (deleted), or kUnknown (not written: as
  // DynamoDB holds it).
  Seen Find(const std::string& table, const dynamodb::Item& key, const dynamodb::Item** item) const;

  // Combines `write` with the transaction's pending write of its item.
  // Over DynamoDB's limits (counted after combining) it changes nothing and
  // returns the reason.
  Status Add(ItemWrite write);

  // The pending writes in the order of their first row write.
  std::vector<const PendingWrite*> Ordered() const;
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  size_t bytes() const { return bytes_; }

  // The journal: a mark, and undoing every change since a mark.
  size_t mark() const { return journal_.size(); }
  void UndoTo(size_t mark);
  // Drops the journal (no mark can be returned to any more).
  void ForgetJournal() { journal_.clear(); }
  void Clear();

  // The view of `table` (null when the transaction does not write it).
  std::shared_ptr<const TableView> View(const std::string& table);
  // The body of the S3 object at `uri` a pending write will put, or null.
  std::shared_ptr<const std::string> Object(const std::string& uri);

 private:
  static std::string Id(const std::string& table, const dynamodb::Item& key);
  void Changed(const std::string& table);

  std::map<std::string, PendingWrite> items_;  // by Id
  std::vector<std::pair<std::string, std::optional<PendingWrite>>> journal_;
  uint64_t next_seq_ = 0;
  size_t bytes_ = 0;
  std::map<std::string, std::shared_ptr<const TableView>> views_;  // built on demand
  std::optional<std::map<std::string, std::shared_ptr<const std::string>>> objects_;
};

}  // namespace ddb::vtab
