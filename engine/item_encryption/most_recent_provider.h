// The most-recent provider, as the client's CachingMostRecentProvider:
// items are protected by the materials of one version of `material_name`
// in a MetaStore (metastore.h), named in each item's description as
// "amzn-ddb-meta-id": "NAME#VERSION".
//
// Writing uses the highest version (creating version 0 when the MetaStore
// has none), looked up again once `ttl` has passed. Reading loads the
// version the item names; each loaded version is kept for `ttl`, then read
// again from the MetaStore. An item naming another material is refused.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "engine/item_encryption/materials.h"
#include "engine/item_encryption/metastore.h"

namespace ddb::item_encryption {

class MostRecentProvider : public MaterialsProvider {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  MostRecentProvider(std::shared_ptr<MetaStore> store, std::string material_name,
                     std::chrono::milliseconds ttl, Clock clock = nullptr);

  Status EncryptionMaterials(const EncryptionContext& context,
                             std::shared_ptr<const Materials>* out) override;
  Status DecryptionMaterials(const EncryptionContext& context,
                             std::shared_ptr<const Materials>* out) override;

  // MetaStore reads so far (GetItem and Query), for tests and `.stats`.
  uint64_t metastore_reads() const;

 private:
  struct Cached {
    std::chrono::steady_clock::time_point loaded;
    std::shared_ptr<MaterialsProvider> provider;
  };
  Status VersionProvider(int64_t version, std::shared_ptr<MaterialsProvider>* out);

  std::shared_ptr<MetaStore> store_;
  std::string material_;
  std::chrono::milliseconds ttl_;
  Clock clock_;
  mutable std::mutex mu_;
  std::map<int64_t, Cached> versions_;
  bool have_current_ = false;
  int64_t current_ = 0;
  std::chrono::steady_clock::time_point current_checked_;
  uint64_t reads_ = 0;
};

}  // namespace ddb::item_encryption
