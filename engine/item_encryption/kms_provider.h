// The aws-kms ("direct KMS") provider, as the client's
// AwsKmsCryptographicMaterialsProvider / DirectKmsMaterialProvider:
//
// Writing an item asks KMS GenerateDataKey (32 bytes) under `key_id` with
// the encryption context
//
//   {"*amzn-ddb-env-alg*": "AES/256", "*amzn-ddb-sig-alg*": "HmacSHA256/256",
//    HASH_KEY_NAME: value, RANGE_KEY_NAME: value, "*aws-kms-table*": TABLE}
//
// (key values: S as is, N as DynamoDB stores it, B as base64), derives the
// AES key HKDF-SHA256(data key, info "Encryption") and the HMAC-SHA256 key
// HKDF-SHA256(data key, info "Signing"), and records in the description
// amzn-ddb-env-key (the blob, base64), amzn-ddb-wrap-alg "kms",
// amzn-ddb-env-alg, amzn-ddb-sig-alg and aws-kms-ec-attr "*keys*".
//
// Reading calls KMS Decrypt with the same context rebuilt from the item and
// the description. Derived keys are cached by blob and context (bounded,
// least recently used first out): one Decrypt per distinct data key.
#pragma once

#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "engine/item_encryption/materials.h"
#include "engine/kms/client.h"

namespace ddb::item_encryption {

// A KMS client for `region` ("" when the key id names no region: the
// session's own).
using KmsClientFor =
    std::function<Status(const std::string& region, std::shared_ptr<kms::KmsClient>* out)>;

class KmsProvider : public MaterialsProvider {
 public:
  // `cache_capacity`: derived keys kept for reading.
  KmsProvider(std::string key_id, KmsClientFor clients, size_t cache_capacity = 4096);

  Status EncryptionMaterials(const EncryptionContext& context,
                             std::shared_ptr<const Materials>* out) override;
  Status DecryptionMaterials(const EncryptionContext& context,
                             std::shared_ptr<const Materials>* out) override;

  // KMS Decrypt calls made so far (tests, `.stats`).
  uint64_t decrypt_calls() const;

 private:
  Status Client(std::shared_ptr<kms::KmsClient>* out);

  std::string key_id_;
  KmsClientFor clients_;
  size_t capacity_;
  mutable std::mutex mu_;
  std::shared_ptr<kms::KmsClient> client_;
  uint64_t decrypt_calls_ = 0;
  // LRU of derived decryption materials by blob + context.
  std::list<std::string> lru_;
  std::map<std::string,
           std::pair<std::shared_ptr<const Materials>, std::list<std::string>::iterator>>
      cache_;
};

// The encryption context the client builds (exposed for tests).
Status KmsEncryptionContext(const EncryptionContext& context, const std::string& content_algorithm,
                            const std::string& signature_algorithm, kms::EncryptionContext* out);

}  // namespace ddb::item_encryption
