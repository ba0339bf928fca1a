// ItemEncryptor: one table's items between their stored form (as the AWS
// DynamoDB Encryption Client writes them) and their plain form.
//
//   stored:  {"id": {"S": "7"}, "name": {"B": IV || AES-CBC(...)},
//             "*amzn-ddb-map-desc*": {"B": ...}, "*amzn-ddb-map-sig*": {"B": ...}}
//   plain:   {"id": {"S": "7"}, "name": {"S": "Ada"}}
//
// Each attribute's action comes from the declaration ("encrypt", "sign",
// "nothing"; a default for the rest). Key attributes are signed, never
// encrypted: one declared "encrypt" is refused by Create, naming it; under
// a default of "encrypt" they are signed, under "nothing" left alone, as
// the client does. When nothing is signed or encrypted at all, items pass
// through unchanged and carry no signature.
//
// Decrypt verifies the signature before anything else, then decrypts; the
// plain item has neither reserved attribute. Encrypt asks the provider for
// materials, encrypts, signs and adds both reserved attributes. Errors name
// the table and the item's key ("table orders, item {"id":"7"}: signature
// does not verify ..."), never key material.
//
// Thread-safe; per-item work reuses pooled OpenSSL contexts.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/dynamodb/attribute_value.h"
#include "engine/dynamodb/client.h"
#include "engine/item_encryption/crypto.h"
#include "engine/item_encryption/item_scheme.h"
#include "engine/item_encryption/materials.h"
#include "engine/item_encryption/signature.h"
#include "engine/status.h"

namespace ddb::item_encryption {

class ItemEncryptor : public ItemScheme {
 public:
  // InvalidArgument "table T: item_encryption: key attribute "id" cannot be
  // encrypted (...)" when the declaration encrypts a key attribute.
  static Status Create(std::string table, const dynamodb::KeySchema& key, Actions actions,
                       std::shared_ptr<MaterialsProvider> provider,
                       std::unique_ptr<ItemEncryptor>* out);
  ~ItemEncryptor() override;

  // Verifies and decrypts. Errors: no signature, a description the client
  // never writes, materials the provider cannot give (wrong key, unknown
  // MetaStore version, KMS refusal), a signature that does not verify, an
  // encrypted attribute that is not binary or does not decrypt.
  Status Decrypt(const dynamodb::Item& stored, dynamodb::Item* plain) override;
  // Encrypts and signs. InvalidArgument for a plain item that holds either
  // reserved attribute.
  Status Encrypt(const dynamodb::Item& plain, dynamodb::Item* stored);

  const std::string& table() const { return table_; }
  // The action applied to attribute `name`, key rules included.
  Action ActionFor(std::string_view name) const override { return actions_.For(name); }
  const Actions& actions() const { return actions_; }

 private:
  struct Workspace {
    CryptoContext crypto;
    SigningDigestCache digests;
    std::string to_sign;
    std::string serialized;
    std::string signature;
  };
  // Borrows a workspace for one call and returns it to the pool.
  class Lease;

  ItemEncryptor(std::string table, const dynamodb::KeySchema& key, Actions actions,
                std::shared_ptr<MaterialsProvider> provider);
  Status Fail(const dynamodb::Item& item, const Status& s) const;
  Status VerifyItem(const dynamodb::Item& stored, const Materials& materials,
                    std::string_view signature, Workspace* w) const;

  std::string table_;
  std::string hash_key_;
  std::string range_key_;
  Actions actions_;
  std::shared_ptr<MaterialsProvider> provider_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Workspace>> pool_;
};

}  // namespace ddb::item_encryption
