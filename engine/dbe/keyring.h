// Keyrings of the AWS Database Encryption SDK, for reading: each finds the
// intermediate key material (ikm) of an item's data key in an encrypted
// data key (EDK) it recognises. Both DBE algorithm suites wrap data keys by
// "intermediate key wrapping" (algorithm-suites.md): an EDK's ciphertext is
// encPdk(48) || providerWrappedIkm, and the keyring only unwraps the second
// part (UnwrapDataKey in item_decryptor.h does the rest).
//
//   hierarchical  provider id "aws-kms-hierarchy", provider info the branch
//                 key id; providerWrappedIkm = salt(16) || iv(12) ||
//                 version(16, the branch key version's UUID bytes) ||
//                 ct(32) || tag(16); the wrapping key is the SP800-108
//                 counter KDF (HMAC-SHA256) of the branch key with label
//                 "aws-kms-hierarchy" and the salt; AAD "aws-kms-hierarchy"
//                 || branch key id || version || SerEC(context).
//   raw-aes       provider id the key namespace, provider info key name ||
//                 u32(128) || u32(12) || iv(12); AES-GCM with AAD SerEC.
//   aws-kms       provider id "aws-kms", provider info the key ARN;
//                 providerWrappedIkm is a KMS ciphertext, decrypted by KMS
//                 with the item's encryption context.
//
// Branch keys come from a BranchKeySource: the key itself (the SDK's
// static key store), or the branch key store table in DynamoDB whose `enc`
// KMS decrypts (branch-key-store.md), each version fetched once per
// session.
//
// Errors name the keyring and what did not match, never key bytes.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "engine/dbe/crypto.h"
#include "engine/dbe/format.h"
#include "engine/dynamodb/client.h"
#include "engine/item_encryption/key_reference.h"
#include "engine/item_encryption/kms_provider.h"
#include "engine/status.h"

namespace ddb::dbe {

inline constexpr char kHierarchyProviderId[] = "aws-kms-hierarchy";
inline constexpr char kKmsProviderId[] = "aws-kms";

// What a keyring is given to unwrap one EDK.
struct UnwrapRequest {
  const EncryptedDataKey* key = nullptr;
  std::string_view wrapped_ikm;                // the EDK ciphertext after encPdk
  const EncryptionContext* context = nullptr;  // the item's full context
  std::string_view serialized_context;         // AppendSerializedContext of it
};

class Keyring {
 public:
  virtual ~Keyring() = default;
  // True when `key` is one this keyring is configured for (provider id
  // and info): only those are tried.
  virtual bool Recognizes(const EncryptedDataKey& key) const = 0;
  // The 32-byte ikm of `request`'s EDK. Thread-safe. A key that cannot be
  // obtained (a key reference, KMS, the branch key store) is an error
  // marked Status::AsUnavailable; one that does not unwrap, or a key
  // version the store does not hold, is not (item_scheme.h's JudgesItem).
  virtual Status UnwrapIkm(const UnwrapRequest& request, DbeCrypto* crypto, std::string* ikm) = 0;
  // "hierarchical keyring (branch key id ...)": for errors.
  virtual std::string Describe() const = 0;
  // KMS Decrypt calls made so far (tests, `.stats`).
  virtual uint64_t kms_calls() const { return 0; }
};

// Branch keys by version (a UUID string).
class BranchKeySource {
 public:
  virtual ~BranchKeySource() = default;
  // The 32-byte branch key `version` of `branch_key_id`. Thread-safe.
  virtual Status BranchKey(const std::string& branch_key_id, const std::string& version,
                           std::string* key) = 0;
  virtual uint64_t kms_calls() const { return 0; }
};

// One known branch key version (its bytes through a key reference).
class StaticBranchKey : public BranchKeySource {
 public:
  StaticBranchKey(std::string version, item_encryption::KeySource key);
  Status BranchKey(const std::string& branch_key_id, const std::string& version,
                   std::string* key) override;

 private:
  std::string version_;
  item_encryption::KeySource key_;
};

using DynamoDbFor = std::function<Status(std::shared_ptr<dynamodb::DynamoDbClient>* out)>;

// The branch key store table `table` (partition key "branch-key-id", sort
// key "type"): item "branch:version:VERSION", its `enc` decrypted by KMS key
// `kms_key_arn` with the item's other attributes (and "tablename": the
// table's name, the logical key store name) as encryption context.
class KeyStoreBranchKeys : public BranchKeySource {
 public:
  KeyStoreBranchKeys(std::string table, std::string kms_key_arn, DynamoDbFor dynamodb,
                     item_encryption::KmsClientFor kms);
  ~KeyStoreBranchKeys() override;
  Status BranchKey(const std::string& branch_key_id, const std::string& version,
                   std::string* key) override;
  uint64_t kms_calls() const override;

 private:
  // Reads and decrypts one version; *missing true when the store has none.
  Status Fetch(const std::string& branch_key_id, const std::string& version, std::string* key,
               bool* missing);

  std::string table_;
  std::string kms_key_arn_;
  DynamoDbFor dynamodb_;
  item_encryption::KmsClientFor kms_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> keys_;  // "id\0version" -> branch key
  uint64_t kms_calls_ = 0;
};

class HierarchicalKeyring : public Keyring {
 public:
  HierarchicalKeyring(std::string branch_key_id, std::shared_ptr<BranchKeySource> keys);
  bool Recognizes(const EncryptedDataKey& key) const override;
  Status UnwrapIkm(const UnwrapRequest& request, DbeCrypto* crypto, std::string* ikm) override;
  std::string Describe() const override;
  uint64_t kms_calls() const override { return keys_->kms_calls(); }

 private:
  std::string branch_key_id_;
  std::shared_ptr<BranchKeySource> keys_;
};

class RawAesKeyring : public Keyring {
 public:
  RawAesKeyring(std::string key_namespace, std::string key_name, item_encryption::KeySource key);
  bool Recognizes(const EncryptedDataKey& key) const override;
  Status UnwrapIkm(const UnwrapRequest& request, DbeCrypto* crypto, std::string* ikm) override;
  std::string Describe() const override;

 private:
  std::string namespace_;
  std::string name_;
  item_encryption::KeySource key_;
};

class KmsKeyring : public Keyring {
 public:
  KmsKeyring(std::string key_id, item_encryption::KmsClientFor kms);
  bool Recognizes(const EncryptedDataKey& key) const override;
  Status UnwrapIkm(const UnwrapRequest& request, DbeCrypto* crypto, std::string* ikm) override;
  std::string Describe() const override;
  uint64_t kms_calls() const override;

 private:
  std::string key_id_;
  item_encryption::KmsClientFor kms_;
  mutable std::mutex mu_;
  std::shared_ptr<kms::KmsClient> client_;
  uint64_t kms_calls_ = 0;
};

// "e9ce18a3-edb5-4272-9f86-1cacb7997ff6" of 16 UUID bytes, and back
// (InvalidArgument for text that is no UUID).
std::string UuidToString(std::string_view bytes);
Status UuidFromString(std::string_view text, std::string* bytes);

}  // namespace ddb::dbe
