#include "engine/item_encryption/factory.h"

#include <chrono>

#include "engine/item_encryption/most_recent_provider.h"
#include "engine/item_encryption/static_provider.h"
#include "engine/item_encryption/wrapped_provider.h"

namespace ddb::item_encryption {
namespace {

std::optional<KeySource> Source(const std::optional<KeyParam>& p, const std::string& field,
                                const char* name, const ProviderServices& services) {
  if (!p) return std::nullopt;
  return KeySource(*p, field + "." + name, services.keys);
}

}  // namespace

Status MakeProvider(const ProviderDecl& decl, const ProviderServices& services,
                    const std::string& field, std::shared_ptr<MaterialsProvider>* out) {
  switch (decl.kind) {
    case ProviderDecl::Kind::kStatic:
      if (!decl.encryption_key || !decl.signing_key) {
        return Status::InvalidArgument(field + ": static needs encryption_key and signing_key");
      }
      *out = std::make_shared<StaticProvider>(
          *Source(decl.encryption_key, field, "encryption_key", services),
          *Source(decl.signing_key, field, "signing_key", services));
      return Status::OK();
    case ProviderDecl::Kind::kWrapped:
      *out = std::make_shared<WrappedProvider>(
          Source(decl.wrapping_key, field, "wrapping_key", services),
          Source(decl.unwrapping_key, field, "unwrapping_key", services),
          Source(decl.signing_key, field, "signing_key", services),
          Source(decl.verification_key, field, "verification_key", services));
      return Status::OK();
    case ProviderDecl::Kind::kAwsKms:
      *out = std::make_shared<KmsProvider>(decl.key_id, services.kms);
      return Status::OK();
    case ProviderDecl::Kind::kMostRecent: {
      if (!decl.materials) return Status::InvalidArgument(field + ": missing materials");
      if (!services.metastore) {
        return Status::InvalidArgument(field + ": no DynamoDB client for the MetaStore");
      }
      std::shared_ptr<MaterialsProvider> protector;
      Status s = MakeProvider(*decl.materials, services, field + ".materials", &protector);
      if (!s.ok()) return s;
      std::shared_ptr<MetaStoreTable> table;
      s = services.metastore(decl.metastore_table, &table);
      if (!s.ok()) return s;
      auto store = std::make_shared<MetaStore>(std::move(table), std::move(protector));
      auto ttl = std::chrono::milliseconds(static_cast<int64_t>(decl.ttl_seconds * 1000));
      *out = std::make_shared<MostRecentProvider>(std::move(store), decl.material_name, ttl);
      return Status::OK();
    }
  }
  return Status::InvalidArgument(field + ": unknown provider");
}

Status MakeItemEncryptor(const ItemEncryptionDecl& decl, const std::string& table,
                         const dynamodb::KeySchema& key, const ProviderServices& services,
                         std::unique_ptr<ItemEncryptor>* out) {
  std::shared_ptr<MaterialsProvider> provider;
  Status s = MakeProvider(decl.materials, services, "item_encryption.materials", &provider);
  if (!s.ok()) return s.WithContext("table " + table);
  return ItemEncryptor::Create(table, key, decl.actions, std::move(provider), out);
}

}  // namespace ddb::item_encryption
