// Writes to tables with item_encryption (write.h, encrypted_items.h): the
// plain item the write path builds is encrypted and signed before it is
// sent.
#include <utility>

#include "vtab/write.h"

namespace ddb::vtab {

using dynamodb::Item;

Status TableWriter::EncryptItem(Change* change) {
  Item stored;
  Status s = encryptor_->Encrypt(change->item, &stored);
  if (!s.ok()) return s;
  change->item = std::move(stored);
  return Status::OK();
}

}  // namespace ddb::vtab
