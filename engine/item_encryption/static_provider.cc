#include "engine/item_encryption/static_provider.h"

namespace ddb::item_encryption {

StaticProvider::StaticProvider(std::string encryption_key, SignatureKey signature_key) {
  auto m = std::make_shared<Materials>();
  m->encryption_key = std::move(encryption_key);
  m->signature_key = std::move(signature_key);
  materials_ = std::move(m);
}

StaticProvider::StaticProvider(KeySource encryption_key, KeySource signing_key)
    : encryption_source_(std::move(encryption_key)), signing_source_(std::move(signing_key)) {}

Status StaticProvider::Load(std::shared_ptr<const Materials>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!materials_) {
    auto m = std::make_shared<Materials>();
    // A key that cannot be read is not a verdict on any item.
    Status s = encryption_source_->Symmetric(/*aes=*/true, &m->encryption_key);
    if (!s.ok()) return s.AsUnavailable();
    ResolvedKey sign;
    s = signing_source_->Any(/*want_private=*/false, &sign);
    if (!s.ok()) return s.AsUnavailable();
    m->signature_key =
        sign.is_rsa ? SignatureKey::Rsa(sign.rsa) : SignatureKey::Hmac(sign.symmetric);
    materials_ = std::move(m);
  }
  *out = materials_;
  return Status::OK();
}

Status StaticProvider::EncryptionMaterials(const EncryptionContext&,
                                           std::shared_ptr<const Materials>* out) {
  Status s = Load(out);
  if (!s.ok()) return s;
  const SignatureKey& k = (*out)->signature_key;
  if (k.kind == SignatureKey::Kind::kRsa && !RsaHasPrivate(k.rsa)) {
    return Status::InvalidArgument((signing_source_ ? signing_source_->field() : "signing key") +
                                   ": writing needs the RSA private key, not the public one");
  }
  return Status::OK();
}

Status StaticProvider::DecryptionMaterials(const EncryptionContext&,
                                           std::shared_ptr<const Materials>* out) {
  return Load(out);
}

}  // namespace ddb::item_encryption
