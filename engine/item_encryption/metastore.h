// The MetaStore: a DynamoDB table of versioned materials for the
// most-recent provider, as the client's MetaStore keeps it. Each item:
//
//   N (S, hash key)    the material name
//   V (N, sort key)    the version, 0, 1, 2, ...
//   t       "0"        the material type version
//   encAlg  "AES"      enc: the AES key (B)
//   intAlg  "HmacSHA256"  int: the HMAC key (B)
//
// stored encrypted by another provider (the declaration's `materials`): N
// and V signed, the rest encrypted, with the MetaStore table's name in the
// signature. A version's provider is a WrappedProvider wrapping each item's
// data key with `enc` (AESWrap), signing with `int`, and adding
// "amzn-ddb-meta-id": "NAME#VERSION" to each item's description.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/dynamodb/attribute_value.h"
#include "engine/dynamodb/client.h"
#include "engine/item_encryption/item_encryptor.h"
#include "engine/item_encryption/materials.h"
#include "engine/status.h"

namespace ddb::item_encryption {

// The MetaStore table's items as stored (encrypted); an interface so that
// pure tests can hold them in memory.
class MetaStoreTable {
 public:
  virtual ~MetaStoreTable() = default;
  virtual const std::string& name() const = 0;
  // The item of (material, version), read consistently; *found false when
  // there is none.
  virtual Status Get(const std::string& material, int64_t version, bool* found,
                     dynamodb::Item* item) = 0;
  // The highest version of `material`; *found false when there is none.
  virtual Status MaxVersion(const std::string& material, bool* found, int64_t* version) = 0;
  // Writes `item` unless its key exists; *written tells which.
  virtual Status PutIfAbsent(const dynamodb::Item& item, bool* written) = 0;
};

// A MetaStore table in DynamoDB.
class DynamoDbMetaStoreTable : public MetaStoreTable {
 public:
  DynamoDbMetaStoreTable(std::shared_ptr<dynamodb::DynamoDbClient> client, std::string table);
  const std::string& name() const override { return table_; }
  Status Get(const std::string& material, int64_t version, bool* found,
             dynamodb::Item* item) override;
  Status MaxVersion(const std::string& material, bool* found, int64_t* version) override;
  Status PutIfAbsent(const dynamodb::Item& item, bool* written) override;

 private:
  std::shared_ptr<dynamodb::DynamoDbClient> client_;
  std::string table_;
};

class MetaStore {
 public:
  // `protector` encrypts and decrypts the table's items.
  MetaStore(std::shared_ptr<MetaStoreTable> table, std::shared_ptr<MaterialsProvider> protector);

  const std::string& table_name() const { return table_->name(); }
  // The provider of an existing version; NotFound naming it otherwise. Any
  // other error (the table unreadable, its entry not decrypting under the
  // protector) is marked Status::AsUnavailable.
  Status Load(const std::string& material, int64_t version,
              std::shared_ptr<MaterialsProvider>* out);
  // The highest version, or *found false.
  Status MaxVersion(const std::string& material, bool* found, int64_t* version);
  // Creates `version` with fresh keys unless it exists, then loads it.
  Status GetOrCreate(const std::string& material, int64_t version,
                     std::shared_ptr<MaterialsProvider>* out);

  // The key schema of every MetaStore table: N (S), V (N).
  static dynamodb::KeySchema KeySchema();

 private:
  Status ProviderFromItem(const std::string& material, int64_t version,
                          const dynamodb::Item& stored, std::shared_ptr<MaterialsProvider>* out);
  // The provider of a version from its entry's plain form.
  Status ProviderFromPlain(const std::string& material, int64_t version,
                           const dynamodb::Item& plain, std::shared_ptr<MaterialsProvider>* out);

  std::shared_ptr<MetaStoreTable> table_;
  std::unique_ptr<ItemEncryptor> encryptor_;
};

// "NAME#VERSION" of a description's amzn-ddb-meta-id.
Status ParseMetaId(const MaterialDescription& description, std::string* material, int64_t* version);

}  // namespace ddb::item_encryption
