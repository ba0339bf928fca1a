#include "engine/dbe/keyring.h"

#include <openssl/crypto.h>

#include <utility>

#include "engine/kms/client.h"

namespace ddb::dbe {
namespace {

using dynamodb::AttributeValue;

constexpr size_t kSaltSize = 16;
constexpr size_t kIvSize = 12;
constexpr size_t kVersionSize = 16;
constexpr size_t kIkmSize = 32;
constexpr size_t kTagSize = 16;
constexpr size_t kRawAesInfoTail = 4 + 4 + kIvSize;  // tag bits, IV bytes, IV

// Wipes a string holding key material.
void Wipe(std::string* s) {
  if (!s->empty()) OPENSSL_cleanse(s->data(), s->size());
  s->clear();
}

uint32_t ReadU32(std::string_view b) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(b[0])) << 24) |
         (static_cast<uint32_t>(static_cast<unsigned char>(b[1])) << 16) |
         (static_cast<uint32_t>(static_cast<unsigned char>(b[2])) << 8) |
         static_cast<uint32_t>(static_cast<unsigned char>(b[3]));
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string UuidToString(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

Status UuidFromString(std::string_view text, std::string* bytes) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') break;
      continue;
    }
    if (i + 1 >= text.size()) break;
    int hi = HexDigit(text[i]), lo = HexDigit(text[i + 1]);
    if (hi < 0 || lo < 0) break;
    out.push_back(static_cast<char>(hi * 16 + lo));
    ++i;
  }
  if (text.size() != 36 || out.size() != kVersionSize) {
    return Status::InvalidArgument("\"" + std::string(text) +
                                   "\" is not a UUID (8-4-4-4-12 hexadecimal digits)");
  }
  *bytes = std::move(out);
  return Status::OK();
}

// ---- branch keys ----

StaticBranchKey::StaticBranchKey(std::string version, item_encryption::KeySource key)
    : version_(std::move(version)), key_(std::move(key)) {}

Status StaticBranchKey::BranchKey(const std::string& branch_key_id, const std::string& version,
                                  std::string* key) {
  if (version != version_) {
    return Status::InvalidArgument("the item's branch key version " + version +
                                   " is not the static branch key's version " + version_ +
                                   " (branch key id " + branch_key_id + ")");
  }
  // A key that cannot be read is not a verdict on the item.
  Status s = key_.Symmetric(false, key);
  if (!s.ok()) return s.AsUnavailable();
  if (key->size() != 32) {
    Wipe(key);
    return Status::InvalidArgument(key_.field() + ": a branch key is 32 bytes, " +
                                   key_.param().ToString() + " is not")
        .AsUnavailable();
  }
  return Status::OK();
}

KeyStoreBranchKeys::KeyStoreBranchKeys(std::string table, std::string kms_key_arn,
                                       DynamoDbFor dynamodb, item_encryption::KmsClientFor kms)
    : table_(std::move(table)),
      kms_key_arn_(std::move(kms_key_arn)),
      dynamodb_(std::move(dynamodb)),
      kms_(std::move(kms)) {}

KeyStoreBranchKeys::~KeyStoreBranchKeys() {
  for (auto& [name, key] : keys_) Wipe(&key);
}

uint64_t KeyStoreBranchKeys::kms_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return kms_calls_;
}

Status KeyStoreBranchKeys::BranchKey(const std::string& branch_key_id, const std::string& version,
                                     std::string* key) {
  std::string name = branch_key_id + '\0' + version;
  // Held across the fetch: concurrent readers of one table wait for the
  // first one's request instead of sending their own.
  std::lock_guard<std::mutex> lock(mu_);
  auto it = keys_.find(name);
  if (it != keys_.end()) {
    *key = it->second;
    return Status::OK();
  }
  std::string fetched;
  bool missing = false;
  Status s = Fetch(branch_key_id, version, &fetched, &missing);
  if (!s.ok()) {
    s = s.WithContext("branch key store " + table_ + ", branch key " + branch_key_id + " version " +
                      version);
    // Only a version the store does not hold is a verdict on the item that
    // names it; a store or KMS that cannot be read, or an entry KMS does
    // not decrypt, is not.
    return missing ? s : s.AsUnavailable();
  }
  *key = fetched;
  keys_.emplace(std::move(name), std::move(fetched));
  return Status::OK();
}

Status KeyStoreBranchKeys::Fetch(const std::string& branch_key_id, const std::string& version,
                                 std::string* key, bool* missing) {
  if (!dynamodb_ || !kms_) return Status::InvalidArgument("no DynamoDB or KMS client");
  std::shared_ptr<dynamodb::DynamoDbClient> client;
  Status s = dynamodb_(&client);
  if (!s.ok()) return s;
  dynamodb::GetItemRequest request;
  request.table = table_;
  request.key = {{"branch-key-id", AttributeValue::S(branch_key_id)},
                 {"type", AttributeValue::S("branch:version:" + version)}};
  request.consistent_read = true;
  dynamodb::GetItemResult result;
  s = client->GetItem(request, &result);
  if (!s.ok()) return s;
  if (!result.found) {
    *missing = true;
    return Status::NotFound("no such branch key version in the key store");
  }
  kms::DecryptRequest decrypt;
  decrypt.key_id = kms_key_arn_;
  bool have_enc = false;
  for (const auto& [name, value] : result.item) {
    if (name == "enc") {
      if (value.type() != AttributeValue::Type::kB) return Status::Corruption("\"enc\" is not B");
      decrypt.ciphertext_blob = value.scalar();
      have_enc = true;
      continue;
    }
    if (value.type() != AttributeValue::Type::kS && value.type() != AttributeValue::Type::kN) {
      return Status::Corruption("attribute \"" + name + "\" is neither S nor N");
    }
    decrypt.encryption_context[name] = value.scalar();
  }
  if (!have_enc) return Status::Corruption("the item has no \"enc\"");
  for (const char* required : {"create-time", "kms-arn", "hierarchy-version"}) {
    if (!decrypt.encryption_context.count(required)) {
      return Status::Corruption(std::string("the item has no \"") + required + "\"");
    }
  }
  if (decrypt.encryption_context["kms-arn"] != kms_key_arn_) {
    return Status::InvalidArgument("its kms-arn " + decrypt.encryption_context["kms-arn"] +
                                   " is not the declared kms_key_arn " + kms_key_arn_);
  }
  decrypt.encryption_context["tablename"] = table_;
  std::shared_ptr<kms::KmsClient> kms;
  s = kms_(kms::KeyRegion(kms_key_arn_), &kms);
  if (!s.ok()) return s;
  kms::DataKeyResult plain;
  kms_calls_++;
  s = kms->Decrypt(decrypt, &plain);
  if (!s.ok()) return s.WithContext("KMS Decrypt");
  if (plain.plaintext.size() != 32) return Status::Corruption("the branch key is not 32 bytes");
  *key = plain.plaintext;
  return Status::OK();
}

// ---- hierarchical ----

HierarchicalKeyring::HierarchicalKeyring(std::string branch_key_id,
                                         std::shared_ptr<BranchKeySource> keys)
    : branch_key_id_(std::move(branch_key_id)), keys_(std::move(keys)) {}

bool HierarchicalKeyring::Recognizes(const EncryptedDataKey& key) const {
  return key.provider_id == kHierarchyProviderId && key.provider_info == branch_key_id_;
}

std::string HierarchicalKeyring::Describe() const {
  return "hierarchical keyring (branch key id " + branch_key_id_ + ")";
}

Status HierarchicalKeyring::UnwrapIkm(const UnwrapRequest& request, DbeCrypto* crypto,
                                      std::string* ikm) {
  std::string_view w = request.wrapped_ikm;
  if (w.size() != kSaltSize + kIvSize + kVersionSize + kIkmSize + kTagSize) {
    return Status::Corruption("a hierarchical keyring's wrapped key of " +
                              std::to_string(w.size()) + " bytes (expected 92)");
  }
  std::string_view salt = w.substr(0, kSaltSize);
  std::string_view iv = w.substr(kSaltSize, kIvSize);
  std::string_view version = w.substr(kSaltSize + kIvSize, kVersionSize);
  std::string_view ct = w.substr(kSaltSize + kIvSize + kVersionSize, kIkmSize);
  std::string_view tag = w.substr(kSaltSize + kIvSize + kVersionSize + kIkmSize, kTagSize);
  std::string branch_key;
  Status s = keys_->BranchKey(branch_key_id_, UuidToString(version), &branch_key);
  if (!s.ok()) return s;
  std::string wrapping_key;
  s = crypto->KdfCtrSha256(branch_key, kHierarchyProviderId, salt, &wrapping_key);
  Wipe(&branch_key);
  if (!s.ok()) return s;
  std::string aad = kHierarchyProviderId;
  aad += branch_key_id_;
  aad.append(version);
  aad.append(request.serialized_context);
  s = crypto->AesGcmDecrypt(wrapping_key, iv, aad, ct, tag, ikm);
  Wipe(&wrapping_key);
  if (!s.ok()) {
    return Status::InvalidArgument(
        "the data key does not unwrap with branch key version " + UuidToString(version) +
        " (wrong branch key, or the item's table, key or context changed)");
  }
  return Status::OK();
}

// ---- raw AES ----

RawAesKeyring::RawAesKeyring(std::string key_namespace, std::string key_name,
                             item_encryption::KeySource key)
    : namespace_(std::move(key_namespace)), name_(std::move(key_name)), key_(std::move(key)) {}

bool RawAesKeyring::Recognizes(const EncryptedDataKey& key) const {
  const std::string& info = key.provider_info;
  return key.provider_id == namespace_ && info.size() == name_.size() + kRawAesInfoTail &&
         info.compare(0, name_.size(), name_) == 0;
}

std::string RawAesKeyring::Describe() const {
  return "raw-aes keyring (namespace " + namespace_ + ", key name " + name_ + ")";
}

Status RawAesKeyring::UnwrapIkm(const UnwrapRequest& request, DbeCrypto* crypto, std::string* ikm) {
  std::string_view tail = std::string_view(request.key->provider_info).substr(name_.size());
  if (ReadU32(tail) != kTagSize * 8 || ReadU32(tail.substr(4)) != kIvSize) {
    return Status::Corruption("a raw AES key's provider info names another tag or IV length");
  }
  std::string_view iv = tail.substr(8, kIvSize);
  std::string_view w = request.wrapped_ikm;
  if (w.size() != kIkmSize + kTagSize) {
    return Status::Corruption("a raw AES keyring's wrapped key of " + std::to_string(w.size()) +
                              " bytes (expected 48)");
  }
  std::string key;
  Status s = key_.Symmetric(true, &key);
  if (!s.ok()) return s.AsUnavailable();  // the key, not the item
  s = crypto->AesGcmDecrypt(key, iv, request.serialized_context, w.substr(0, kIkmSize),
                            w.substr(kIkmSize), ikm);
  Wipe(&key);
  if (!s.ok()) {
    return Status::InvalidArgument("the data key does not unwrap with " + key_.param().ToString() +
                                   " (wrong key, or the item's table, key or context changed)");
  }
  return Status::OK();
}

// ---- AWS KMS ----

KmsKeyring::KmsKeyring(std::string key_id, item_encryption::KmsClientFor kms)
    : key_id_(std::move(key_id)), kms_(std::move(kms)) {}

bool KmsKeyring::Recognizes(const EncryptedDataKey& key) const {
  return key.provider_id == kKmsProviderId && key.provider_info == key_id_;
}

std::string KmsKeyring::Describe() const { return "aws-kms keyring (key " + key_id_ + ")"; }

uint64_t KmsKeyring::kms_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return kms_calls_;
}

Status KmsKeyring::UnwrapIkm(const UnwrapRequest& request, DbeCrypto* /*crypto*/,
                             std::string* ikm) {
  std::shared_ptr<kms::KmsClient> client;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!client_) {
      if (!kms_) return Status::InvalidArgument("no KMS client").AsUnavailable();
      Status s = kms_(kms::KeyRegion(key_id_), &client_);
      if (!s.ok()) return s.AsUnavailable();
    }
    client = client_;
    kms_calls_++;
  }
  kms::DecryptRequest decrypt;
  decrypt.key_id = key_id_;
  decrypt.ciphertext_blob.assign(request.wrapped_ikm);
  decrypt.encryption_context = *request.context;
  kms::DataKeyResult plain;
  Status s = client->Decrypt(decrypt, &plain);
  if (!s.ok()) return s.WithContext("KMS Decrypt with " + key_id_);
  if (plain.plaintext.size() != kIkmSize) {
    return Status::Corruption("KMS returned a data key of " +
                              std::to_string(plain.plaintext.size()) + " bytes (expected 32)");
  }
  *ikm = plain.plaintext;
  return Status::OK();
}

}  // namespace ddb::dbe
