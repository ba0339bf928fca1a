// Writes to tables with item_encryption (write.h, encrypted_items.h): the
// plain item the write path builds is encrypted and signed before it is
// sent, an UPDATE puts the whole item re-encrypted and re-signed, and
// UPDATE and DELETE are conditioned on the signature of the item as read.
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
  Change put;
  put.key = change->key;
  put.what = What("UPDATE", change->key);
  Item current;
  Status s = ConditionOnSignature(old, &put, &current);
  if (!s.ok()) return s;
  if (!old.whole) {
    old.item = current;
    old.whole = true;
  }
  s = BuildUpdate(values, std::move(old), change);
  if (!s.ok()) return s;
  if (change->kind == Change::Kind::kMove) {
    return Status::NotSupported(change->what +
                                ": changing the key of an item of a table with item_encryption is "
                                "not supported: INSERT the new item, then DELETE the old");
  }
  if (change->update.empty()) return Status::OK();  // nothing changes
  if (!change->s3.empty()) {
    // The whole-item put below would not carry the column's S3 object (nor
    // its ledger entry, nor the old object's removal): refused before
    // anything is sent rather than a reference to an object never written.
    return Status::NotSupported(change->what +
                                ": an UPDATE of an S3-backed codec column of a table with "
                                "item_encryption is not supported");
  }
  ApplyChanges(change->changes, &current);
  put.kind = Change::Kind::kPut;
  put.insert = false;
  put.item = std::move(current);
  s = EncryptItem(&put);
  if (!s.ok()) return s.WithContext(put.what);
  s = CheckItemSize(put.item, put.what);
  if (!s.ok()) return s;
  *change = std::move(put);
  return Status::OK();
}

}  // namespace ddb::vtab
