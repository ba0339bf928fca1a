// From an `item_encryption` declaration (declaration.h) to the objects
// that do the work: the materials provider it names and the table's
// ItemEncryptor. This is the entry point the virtual table uses:
//
//   ItemEncryptionDecl decl;                 // from the catalog
//   std::unique_ptr<ItemEncryptor> enc;
//   Status s = MakeItemEncryptor(decl, "orders", key_schema, services, &enc);
//   s = enc->Decrypt(stored_item, &plain_item);
//
// Nothing is read or requested here: keys are read, and KMS or the
// MetaStore asked, when the first item needs them.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "engine/codec/keys.h"
#include "engine/dynamodb/client.h"
#include "engine/item_encryption/declaration.h"
#include "engine/item_encryption/item_encryptor.h"
#include "engine/item_encryption/kms_provider.h"
#include "engine/item_encryption/metastore.h"

namespace ddb::item_encryption {

// What the providers may use.
struct ProviderServices {
  std::shared_ptr<codec::KeyStore> keys;
  // aws-kms: a client for a region ("" for the session's own).
  KmsClientFor kms;
  // most-recent: the MetaStore table called `name`.
  std::function<Status(const std::string& name, std::shared_ptr<MetaStoreTable>* out)> metastore;
};

// The provider `decl` describes; `field` names it in errors
// ("item_encryption.materials").
Status MakeProvider(const ProviderDecl& decl, const ProviderServices& services,
                    const std::string& field, std::shared_ptr<MaterialsProvider>* out);

// The table's ItemEncryptor (ItemEncryptor::Create's checks apply).
Status MakeItemEncryptor(const ItemEncryptionDecl& decl, const std::string& table,
                         const dynamodb::KeySchema& key, const ProviderServices& services,
                         std::unique_ptr<ItemEncryptor>* out);

}  // namespace ddb::item_encryption
