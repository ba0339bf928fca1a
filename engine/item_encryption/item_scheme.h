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

// True when `s`, the error of a failed Decrypt, is the check's verdict on
// the item: a signature, commitment or tag that does not match, another
// table's name, a ciphertext that does not decrypt under a key that was
// obtained (KMS's InvalidCiphertextException included), an unknown material
// description or key version, a malformed item. `.verify warn` skips only
// those. False when the keys could not be obtained or a service not be
// reached (marked Status::AsUnavailable where keys are fetched: KMS, the
// MetaStore, the branch key store, key references; and any transport,
// credentials or Ctrl-C error): that says nothing about the item, so the
// statement stops with it whatever `.verify` says.
inline bool JudgesItem(const Status& s) {
  if (s.ok() || s.IsUnavailable()) return false;
  switch (s.code()) {
    case Status::Code::kTransport:
    case Status::Code::kNoCredentials:
    case Status::Code::kCancelled:
      return false;
    default:
      return true;
  }
}

}  // namespace ddb::item_encryption
