// From a "aws-database-encryption-sdk" declaration (declaration.h) to the
// table's DbeItemDecryptor with the keyring it names. Nothing is read or
// requested here: keys are read, and DynamoDB or KMS asked, when the first
// item needs them.
#pragma once

#include <memory>
#include <string>

#include "engine/codec/keys.h"
#include "engine/dbe/declaration.h"
#include "engine/dbe/item_decryptor.h"
#include "engine/dbe/keyring.h"
#include "engine/dynamodb/client.h"
#include "engine/item_encryption/kms_provider.h"

namespace ddb::dbe {

// What the keyrings may use.
struct KeyringServices {
  std::shared_ptr<codec::KeyStore> keys;
  item_encryption::KmsClientFor kms;  // aws-kms, key_store
  DynamoDbFor dynamodb;               // key_store
};

// The keyring `decl` describes.
Status MakeKeyring(const KeyringDecl& decl, const KeyringServices& services,
                   std::shared_ptr<Keyring>* out);

// The table's decryptor (DbeItemDecryptor::Create's checks apply).
Status MakeItemDecryptor(const DbeDecl& decl, const std::string& table,
                         const dynamodb::KeySchema& key, const KeyringServices& services,
                         std::unique_ptr<DbeItemDecryptor>* out);

}  // namespace ddb::dbe
