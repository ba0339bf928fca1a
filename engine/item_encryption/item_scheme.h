// ItemScheme: what the virtual table needs of a table's client-side item
// encryption, whichever scheme wrote the items: the AWS DynamoDB Encryption
// Client (ItemEncryptor, item_encryptor.h) or the AWS Database Encryption
// SDK (dbe::DbeItemDecryptor, engine/dbe/item_decryptor.h). Every read path
// passes items through Decrypt (vtab/encrypted_items.h); the planner asks
// ActionFor before it sends a condition on an attribute; a write asks
// WriteRefusal first.
#pragma once

#include <string>
#include <string_view>

#include "engine/dynamodb/attribute_value.h"
#include "engine/item_encryption/materials.h"
#include "engine/status.h"

namespace ddb::item_encryption {

class ItemScheme {
 public:
  virtual ~ItemScheme() = default;

  // Verifies and decrypts `stored` into its plain form, without the
  // scheme's own attributes. Errors name the table and the item's key.
  // Thread-safe.
  virtual Status Decrypt(const dynamodb::Item& stored, dynamodb::Item* plain) = 0;
  // Action::kEncrypt when the stored value of attribute `name` may differ
  // from its plain value (no condition on it may be sent to DynamoDB).
  virtual Action ActionFor(std::string_view name) const = 0;
  // OK when this scheme's tables can be written; else why not (the error
  // of every INSERT, UPDATE and DELETE).
  virtual Status WriteRefusal() const { return Status::OK(); }
};

}  // namespace ddb::item_encryption
