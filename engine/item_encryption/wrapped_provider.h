// The wrapped provider: a fresh AES-256 data key for every item written,
// stored in the item's description wrapped with the wrapping key, as the
// client's WrappedCryptographicMaterialsProvider does:
//
//   amzn-ddb-env-key    base64 of the wrapped data key
//   amzn-ddb-env-alg    "AES/256" (Java's MetaStore materials write "AES")
//   amzn-ddb-wrap-alg   "AESWrap" (an AES wrapping key) or
//                       "RSA/ECB/OAEPWithSHA-256AndMGF1Padding" (RSA)
//
// Items are signed with the signing key: HMAC-SHA256, or SHA256withRSA
// with an RSA private key (verified with the public one). Reading needs
// only the unwrapping and verification keys; writing the wrapping and
// signing keys. The most-recent provider uses it with the AES and HMAC
// keys of a MetaStore version and a description naming that version.
#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include "engine/item_encryption/key_reference.h"
#include "engine/item_encryption/materials.h"

namespace ddb::item_encryption {

inline constexpr char kAesWrap[] = "AESWrap";
inline constexpr char kRsaOaepSha256[] = "RSA/ECB/OAEPWithSHA-256AndMGF1Padding";

// Keys known in advance. A wrapping key is an AES key or an RSA key (either
// half); an unwrapping key an AES key or an RSA private key.
struct WrappedKeys {
  std::optional<ResolvedKey> wrapping;
  std::optional<ResolvedKey> unwrapping;
  SignatureKey signing;       // kNone: cannot write
  SignatureKey verification;  // kNone: cannot read
};

class WrappedProvider : public MaterialsProvider {
 public:
  // `description` is added to every item's description (the most-recent
  // provider's "amzn-ddb-meta-id").
  explicit WrappedProvider(WrappedKeys keys, MaterialDescription description = {});
  // Keys read from their references when first needed; any may be absent
  // (std::nullopt). Without a verification key the signing key verifies.
  WrappedProvider(std::optional<KeySource> wrapping_key, std::optional<KeySource> unwrapping_key,
                  std::optional<KeySource> signing_key, std::optional<KeySource> verification_key);

  Status EncryptionMaterials(const EncryptionContext& context,
                             std::shared_ptr<const Materials>* out) override;
  Status DecryptionMaterials(const EncryptionContext& context,
                             std::shared_ptr<const Materials>* out) override;

 private:
  Status LoadForWriting();
  Status LoadForReading();

  std::optional<KeySource> wrapping_source_, unwrapping_source_, signing_source_,
      verification_source_;
  MaterialDescription description_;
  std::mutex mu_;  // guards loading; loaded keys are never changed again
  bool write_loaded_ = false;
  bool read_loaded_ = false;
  WrappedKeys keys_;
};

}  // namespace ddb::item_encryption
