// Cryptographic materials and the providers that hand them out, as in the
// AWS DynamoDB Encryption Client: for each item written, a provider gives
// an encryption key, a signing key and the material description to store
// with the item; for each item read, it turns the item's material
// description back into the decryption and verification keys.
//
// Providers (one file each): static_provider.h, wrapped_provider.h,
// kms_provider.h, most_recent_provider.h. All are thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "engine/dynamodb/attribute_value.h"
#include "engine/item_encryption/crypto.h"
#include "engine/item_encryption/material_description.h"
#include "engine/status.h"

namespace ddb::item_encryption {

// What the client does to an attribute; the order matters (a key attribute
// gets the lesser of its action and kSign).
enum class Action { kNothing = 0, kSign = 1, kEncrypt = 2 };

// "nothing", "sign", "encrypt", as the catalog names them.
const char* ActionName(Action a);

struct Actions {
  Action default_action = Action::kEncrypt;
  std::map<std::string, Action, std::less<>> attributes;

  Action For(std::string_view name) const {
    auto it = attributes.find(name);
    return it == attributes.end() ? default_action : it->second;
  }
  // True when nothing is signed or encrypted: items pass through untouched.
  bool TakesNoAction() const;
};

// A signing or verification key: HMAC-SHA256 (any length of key) or
// SHA256withRSA (a private key signs, either half verifies).
struct SignatureKey {
  enum class Kind { kNone, kHmac, kRsa };
  Kind kind = Kind::kNone;
  std::string hmac;
  RsaKey rsa;

  static SignatureKey Hmac(std::string key);
  static SignatureKey Rsa(RsaKey key);
  // "HmacSHA256" or "SHA256withRSA", the description's signing algorithm.
  const char* AlgorithmName() const;

  SignatureKey() = default;
  SignatureKey(const SignatureKey& other) = default;
  SignatureKey& operator=(const SignatureKey& other) = default;
  ~SignatureKey();
};

struct Materials {
  // A raw AES key of 16, 24 or 32 bytes; empty when the provider has none
  // (then no attribute may be encrypted).
  std::string encryption_key;
  SignatureKey signature_key;
  // Encryption materials only: the description to store with the item.
  MaterialDescription description;

  ~Materials();
};

// What a provider may look at.
struct EncryptionContext {
  std::string_view table;
  std::string_view hash_key_name;
  std::string_view range_key_name;  // empty: no sort key
  // The item: plaintext when encrypting, as stored when decrypting.
  const dynamodb::Item* attributes = nullptr;
  // Decrypting: the item's material description.
  MaterialDescription description;
};

class MaterialsProvider {
 public:
  virtual ~MaterialsProvider() = default;
  virtual Status EncryptionMaterials(const EncryptionContext& context,
                                     std::shared_ptr<const Materials>* out) = 0;
  virtual Status DecryptionMaterials(const EncryptionContext& context,
                                     std::shared_ptr<const Materials>* out) = 0;
};

}  // namespace ddb::item_encryption
