#include "engine/item_encryption/most_recent_provider.h"

namespace ddb::item_encryption {

MostRecentProvider::MostRecentProvider(std::shared_ptr<MetaStore> store, std::string material_name,
                                       std::chrono::milliseconds ttl, Clock clock)
    : store_(std::move(store)),
      material_(std::move(material_name)),
      ttl_(ttl),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })) {}

uint64_t MostRecentProvider::metastore_reads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reads_;
}

// Called with mu_ held: loads are rare (once per version per TTL), and
// holding the lock keeps concurrent readers from loading the same version.
Status MostRecentProvider::VersionProvider(int64_t version,
                                           std::shared_ptr<MaterialsProvider>* out) {
  auto now = clock_();
  auto it = versions_.find(version);
  if (it != versions_.end() && now - it->second.loaded < ttl_) {
    *out = it->second.provider;
    return Status::OK();
  }
  ++reads_;
  std::shared_ptr<MaterialsProvider> provider;
  Status s = store_->Load(material_, version, &provider);
  if (!s.ok()) return s;
  versions_[version] = Cached{now, provider};
  *out = std::move(provider);
  return Status::OK();
}

Status MostRecentProvider::EncryptionMaterials(const EncryptionContext& context,
                                               std::shared_ptr<const Materials>* out) {
  std::shared_ptr<MaterialsProvider> provider;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = clock_();
    if (!have_current_ || now - current_checked_ >= ttl_) {
      bool found = false;
      int64_t version = 0;
      ++reads_;
      Status s = store_->MaxVersion(material_, &found, &version);
      if (!s.ok()) return s;
      if (!found) {
        // The first version, as the client creates it.
        s = store_->GetOrCreate(material_, 0, &provider);
        if (!s.ok()) return s;
        versions_[0] = Cached{now, provider};
        version = 0;
      }
      current_ = version;
      current_checked_ = now;
      have_current_ = true;
    }
    if (!provider) {
      Status s = VersionProvider(current_, &provider);
      if (!s.ok()) return s;
    }
  }
  return provider->EncryptionMaterials(context, out);
}

Status MostRecentProvider::DecryptionMaterials(const EncryptionContext& context,
                                               std::shared_ptr<const Materials>* out) {
  std::string material;
  int64_t version = 0;
  Status s = ParseMetaId(context.description, &material, &version);
  if (!s.ok()) return s;
  if (material != material_) {
    return Status::InvalidArgument("the item was written with material \"" + material +
                                   "\", the declaration names \"" + material_ + "\"");
  }
  std::shared_ptr<MaterialsProvider> provider;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s = VersionProvider(version, &provider);
    if (!s.ok()) return s;
  }
  return provider->DecryptionMaterials(context, out);
}

}  // namespace ddb::item_encryption
