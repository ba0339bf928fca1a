#include "engine/dbe/factory.h"

#include <utility>

namespace ddb::dbe {

Status MakeKeyring(const KeyringDecl& decl, const KeyringServices& services,
                   std::shared_ptr<Keyring>* out) {
  const std::string field = "item_encryption.keyring";
  switch (decl.type) {
    case KeyringDecl::Type::kHierarchical: {
      std::shared_ptr<BranchKeySource> keys;
      if (decl.static_key) {
        keys = std::make_shared<StaticBranchKey>(
            decl.static_version,
            item_encryption::KeySource(*decl.static_key, field + ".static_branch_key.key",
                                       services.keys));
      } else {
        keys = std::make_shared<KeyStoreBranchKeys>(
            decl.key_store_table, decl.key_store_kms_key_arn, services.dynamodb, services.kms);
      }
      *out = std::make_shared<HierarchicalKeyring>(decl.branch_key_id, std::move(keys));
      return Status::OK();
    }
    case KeyringDecl::Type::kRawAes:
      if (!decl.key) return Status::InvalidArgument(field + ": raw-aes needs a key");
      *out = std::make_shared<RawAesKeyring>(
          decl.key_namespace, decl.key_name,
          item_encryption::KeySource(*decl.key, field + ".key", services.keys));
      return Status::OK();
    case KeyringDecl::Type::kAwsKms:
      *out = std::make_shared<KmsKeyring>(decl.key_id, services.kms);
      return Status::OK();
  }
  return Status::InvalidArgument(field + ": unknown keyring type");
}

Status MakeItemDecryptor(const DbeDecl& decl, const std::string& table,
                         const dynamodb::KeySchema& key, const KeyringServices& services,
                         std::unique_ptr<DbeItemDecryptor>* out) {
  std::shared_ptr<Keyring> keyring;
  Status s = MakeKeyring(decl.keyring, services, &keyring);
  if (!s.ok()) return s.WithContext("table " + table);
  return DbeItemDecryptor::Create(table, key, decl, std::move(keyring), out);
}

}  // namespace ddb::dbe
