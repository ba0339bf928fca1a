// Writes to tables with item_encryption (write.h, encrypted_items.h): the
// plain item the write path builds is encrypted and signed before it is
// sent, an UPDATE puts the whole item re-encrypted and re-signed, and
// UPDATE and DELETE are conditioned on the signature of the item as read.
// A key change puts the new item (encrypted and signed under its new key,
// on the condition that the key is free) and deletes the old one on its
// signature as read, in one TransactWriteItems as any table's key move.
#include <utility>

#include "engine/item_encryption/material_description.h"
#include "vtab/write.h"
#include "vtab/write_values.h"

namespace ddb::vtab {

using dynamodb::AttributeValue;
using dynamodb::Item;

Status TableWriter::EncryptItem(Change* change) {
  Item stored;
  Status s = encryptor_->Encrypt(change->item, &stored);
  if (!s.ok()) return s;
  change->item = std::move(stored);
  return Status::OK();
}

Status TableWriter::ConditionOnSignature(const Row& old, Change* change, Item* current) {
  Item stored;
  bool found = false;
  Status s = ReadCurrent(change->key, &stored, &found);
  if (!s.ok()) return s.WithContext(change->what);
  if (!found)
    return Status::InvalidArgument(change->what + ": the item was deleted since it was read");
  s = encryptor_->Decrypt(stored, current);
  if (!s.ok()) return s.WithContext(change->what);
  // The signature read now stands for the item as read only if the two
  // are the same item: else someone wrote it in between.
  if (old.whole && *current != old.item) {
    return Status::InvalidArgument(change->what + ": the item changed since it was read");
  }
  auto sig = stored.find(item_encryption::kSignatureAttribute);
  if (sig == stored.end()) {
    return Status::NotSupported(change->what +
                                ": the item carries no signature (the declaration signs nothing), "
                                "so a write cannot be conditioned on it");
  }
  change->names.clear();
  change->values.clear();
  change->names["#sig"] = item_encryption::kSignatureAttribute;
  change->values[":sig"] = sig->second;
  change->condition = "#sig = :sig";
  change->expect = Expect();
  change->expect.existence = Expect::Existence::kExists;
  change->expect.attributes.emplace(item_encryption::kSignatureAttribute, sig->second);
  return Status::OK();
}

Status TableWriter::BuildEncryptedUpdate(sqlite3_value** values, Row old, Change* change) {
  // The condition on the signature as read (names, values, expect).
  Change signed_as_read;
  signed_as_read.key = change->key;
  signed_as_read.what = What("UPDATE", change->key);
  Item current;
  bool read = false;
  if (!old.whole) {
    // Items of these tables are read whole (the signature covers them);
    // should one not be, BuildUpdate needs it whole: read it first.
    Status s = ConditionOnSignature(old, &signed_as_read, &current);
    if (!s.ok()) return s;
    old.item = current;
    old.whole = true;
    read = true;
  }
  // The changes from the row as read: no request (the item is whole), so
  // what is refused or changes nothing sends nothing.
  Item as_read = old.item;
  Status s = BuildUpdate(values, std::move(old), change);
  if (!s.ok()) return s;
  const bool move = change->kind == Change::Kind::kMove;
  if (move && !change->s3.empty()) {
    return Status::NotSupported(change->what + ": moving an item with S3 columns is not supported");
  }
  if (!move && change->update.empty()) return Status::OK();  // nothing changes
  for (const char* reserved :
       {item_encryption::kSignatureAttribute, item_encryption::kMaterialDescriptionAttribute}) {
    // A move's changes are in its new item.
    if ((move ? change->item.count(reserved) : change->changes.count(reserved)) > 0) {
      return Status::InvalidArgument(change->what + ": attribute \"" + reserved +
                                     "\" is the client's own and cannot be set");
    }
  }
  if (!read) {
    s = ConditionOnSignature(Row{std::move(as_read), true}, &signed_as_read, &current);
    if (!s.ok()) return s;
  }
  if (move) {
    // The new item (BuildUpdate made it from the item as read, which is
    // `current`) encrypted and signed under its new key, put on the
    // condition that key is free; the old one deleted on its signature as
    // read, both in one TransactWriteItems (or the transaction's).
    change->names = std::move(signed_as_read.names);
    change->values = std::move(signed_as_read.values);
    change->condition = std::move(signed_as_read.condition);
    change->expect = std::move(signed_as_read.expect);
    s = EncryptItem(change);
    if (!s.ok()) return s.WithContext(change->what);
    return CheckItemSize(change->item, change->what);
  }
  // A put of the whole item re-encrypted and re-signed; an S3 column's
  // objects go with it (the put carries the new pointer; the ledger's
  // order is Send's and COMMIT's: entry, S3 PUT, the put, resolved).
  ApplyChanges(change->changes, &current);
  Change& put = signed_as_read;
  put.kind = Change::Kind::kPut;
  put.insert = false;
  put.item = std::move(current);
  put.s3 = std::move(change->s3);
  put.read_old_s3 = change->read_old_s3;
  s = EncryptItem(&put);
  if (!s.ok()) return s.WithContext(put.what);
  s = CheckItemSize(put.item, put.what);
  if (!s.ok()) return s;
  *change = std::move(put);
  return Status::OK();
}

}  // namespace ddb::vtab
