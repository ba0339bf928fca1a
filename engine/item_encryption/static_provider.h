// The static provider: the same AES key and HMAC-SHA256 (or RSA) signing
// key for every item, as the client's StaticCryptographicMaterialsProvider
// with raw materials. Items carry no key of their own; their description
// holds only the encryption mode and signing algorithm.
#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include "engine/item_encryption/key_reference.h"
#include "engine/item_encryption/materials.h"

namespace ddb::item_encryption {

class StaticProvider : public MaterialsProvider {
 public:
  // Keys given: an AES key (16, 24 or 32 bytes) and a signing key.
  StaticProvider(std::string encryption_key, SignatureKey signature_key);
  // Keys read from their references on first use: `encryption_key` an AES
  // key, `signing_key` an HMAC key (or an RSA key: private to write).
  StaticProvider(KeySource encryption_key, KeySource signing_key);

  Status EncryptionMaterials(const EncryptionContext& context,
                             std::shared_ptr<const Materials>* out) override;
  Status DecryptionMaterials(const EncryptionContext& context,
                             std::shared_ptr<const Materials>* out) override;

 private:
  Status Load(std::shared_ptr<const Materials>* out);

  std::optional<KeySource> encryption_source_;
  std::optional<KeySource> signing_source_;
  std::mutex mu_;
  std::shared_ptr<const Materials> materials_;
};

}  // namespace ddb::item_encryption
