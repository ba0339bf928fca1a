#include "engine/item_encryption/kms_provider.h"

#include <charconv>

#include "engine/dynamodb/number.h"
#include "engine/encoding.h"

namespace ddb::item_encryption {
namespace {

constexpr char kDefaultContentAlgorithm[] = "AES/256";
constexpr char kDefaultSignatureAlgorithm[] = "HmacSHA256/256";
constexpr char kTableContextKey[] = "*aws-kms-table*";

// "ALG/BITS" -> ALG and BITS/8 bytes ("ALG" alone: 256 bits).
Status SplitAlgorithm(const std::string& description, const char* expected, size_t* bytes) {
  std::string_view d = description;
  size_t slash = d.find('/');
  std::string_view alg = d.substr(0, slash);
  if (alg != expected) {
    return Status::NotSupported("algorithm \"" + description + "\" (only " + expected + ")");
  }
  int bits = 256;
  if (slash != std::string_view::npos) {
    std::string_view digits = d.substr(slash + 1);
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (r.ec != std::errc() || r.ptr != digits.data() + digits.size() || bits <= 0 ||
        bits % 8 != 0 || bits > 512) {
      return Status::InvalidArgument("malformed algorithm \"" + description + "\"");
    }
  }
  *bytes = static_cast<size_t>(bits / 8);
  return Status::OK();
}

Status KeyValue(const dynamodb::Item& item, std::string_view name, std::string* out) {
  auto it = item.find(name);
  if (it == item.end()) {
    return Status::InvalidArgument("key attribute \"" + std::string(name) +
                                   "\" is missing (the KMS encryption context needs it)");
  }
  const dynamodb::AttributeValue& v = it->second;
  switch (v.type()) {
    case dynamodb::AttributeValue::Type::kS:
      *out = v.scalar();
      return Status::OK();
    case dynamodb::AttributeValue::Type::kN:
      // DynamoDB hands numbers back in canonical form: use it both ways.
      return dynamodb::CanonicalNumber(v.scalar(), out);
    case dynamodb::AttributeValue::Type::kB:
      *out = Base64Encode(v.scalar());
      return Status::OK();
    default:
      return Status::InvalidArgument("key attribute \"" + std::string(name) +
                                     "\" is not S, N or B");
  }
}

// The client's keys from a KMS data key: HKDF-SHA256 with info
// "Encryption" for AES, "Signing" for HMAC.
Status DeriveKeys(std::string_view data_key, size_t enc_bytes, size_t sig_bytes, Materials* m) {
  std::string mac;
  Status s = HkdfSha256(data_key, "Encryption", enc_bytes, &m->encryption_key);
  if (s.ok()) s = HkdfSha256(data_key, "Signing", sig_bytes, &mac);
  if (!s.ok()) return s;
  m->signature_key = SignatureKey::Hmac(std::move(mac));
  return Status::OK();
}

}  // namespace

Status KmsEncryptionContext(const EncryptionContext& context, const std::string& content_algorithm,
                            const std::string& signature_algorithm, kms::EncryptionContext* out) {
  out->clear();
  (*out)["*" + std::string(kDescContentAlgorithm) + "*"] = content_algorithm;
  (*out)["*" + std::string(kDescItemSignatureAlgorithm) + "*"] = signature_algorithm;
  for (std::string_view name : {context.hash_key_name, context.range_key_name}) {
    if (name.empty()) continue;
    std::string value;
    Status s = KeyValue(*context.attributes, name, &value);
    if (!s.ok()) return s;
    (*out)[std::string(name)] = std::move(value);
  }
  (*out)[kTableContextKey] = std::string(context.table);
  return Status::OK();
}

KmsProvider::KmsProvider(std::string key_id, KmsClientFor clients, size_t cache_capacity)
    : key_id_(std::move(key_id)), clients_(std::move(clients)), capacity_(cache_capacity) {}

uint64_t KmsProvider::decrypt_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return decrypt_calls_;
}

Status KmsProvider::Client(std::shared_ptr<kms::KmsClient>* out) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (client_) {
      *out = client_;
      return Status::OK();
    }
  }
  if (!clients_) {
    return Status::InvalidArgument("no KMS client for the aws-kms provider").AsUnavailable();
  }
  std::shared_ptr<kms::KmsClient> client;
  Status s = clients_(kms::KeyRegion(key_id_), &client);
  if (!s.ok()) return s.AsUnavailable();
  std::lock_guard<std::mutex> lock(mu_);
  if (!client_) client_ = std::move(client);
  *out = client_;
  return Status::OK();
}

Status KmsProvider::EncryptionMaterials(const EncryptionContext& context,
                                        std::shared_ptr<const Materials>* out) {
  if (key_id_.empty()) return Status::InvalidArgument("writing needs the aws-kms key_id");
  size_t enc_bytes = 0, sig_bytes = 0;
  Status s = SplitAlgorithm(kDefaultContentAlgorithm, "AES", &enc_bytes);
  if (s.ok()) s = SplitAlgorithm(kDefaultSignatureAlgorithm, "HmacSHA256", &sig_bytes);
  if (!s.ok()) return s;
  kms::GenerateDataKeyRequest request;
  request.key_id = key_id_;
  request.number_of_bytes = 32;
  s = KmsEncryptionContext(context, kDefaultContentAlgorithm, kDefaultSignatureAlgorithm,
                           &request.encryption_context);
  if (!s.ok()) return s;
  std::shared_ptr<kms::KmsClient> client;
  s = Client(&client);
  if (!s.ok()) return s;
  kms::DataKeyResult key;
  s = client->GenerateDataKey(request, &key);
  if (!s.ok()) return s;
  auto m = std::make_shared<Materials>();
  s = DeriveKeys(key.plaintext, enc_bytes, sig_bytes, m.get());
  if (!s.ok()) return s;
  m->description[kDescKmsCoveredAttributes] = "*keys*";
  m->description[kDescWrappingAlgorithm] = "kms";
  m->description[kDescContentAlgorithm] = kDefaultContentAlgorithm;
  m->description[kDescItemSignatureAlgorithm] = kDefaultSignatureAlgorithm;
  m->description[kDescWrappedKey] = Base64Encode(key.ciphertext_blob);
  *out = std::move(m);
  return Status::OK();
}

Status KmsProvider::DecryptionMaterials(const EncryptionContext& context,
                                        std::shared_ptr<const Materials>* out) {
  const MaterialDescription& d = context.description;
  auto env_key = d.find(kDescWrappedKey);
  auto wrap = d.find(kDescWrappingAlgorithm);
  if (env_key == d.end() || (wrap != d.end() && wrap->second != "kms")) {
    return Status::InvalidArgument(
        "the material description has no KMS data key: not written by the aws-kms provider");
  }
  auto content = d.find(kDescContentAlgorithm);
  auto signature = d.find(kDescItemSignatureAlgorithm);
  std::string content_alg = content != d.end() ? content->second : kDefaultContentAlgorithm;
  std::string signature_alg = signature != d.end() ? signature->second : kDefaultSignatureAlgorithm;
  size_t enc_bytes = 0, sig_bytes = 0;
  Status s = SplitAlgorithm(content_alg, "AES", &enc_bytes);
  if (s.ok()) s = SplitAlgorithm(signature_alg, "HmacSHA256", &sig_bytes);
  if (!s.ok()) return s;
  kms::DecryptRequest request;
  s = KmsEncryptionContext(context, content_alg, signature_alg, &request.encryption_context);
  if (!s.ok()) return s;
  if (!DecodeDescriptionBase64(env_key->second, &request.ciphertext_blob).ok()) {
    return Status::Corruption("amzn-ddb-env-key is not base64");
  }
  // The cache key: the blob and the context, each field length-prefixed.
  std::string cache_key;
  auto add = [&cache_key](std::string_view field) {
    cache_key += std::to_string(field.size());
    cache_key += ':';
    cache_key.append(field);
  };
  add(request.ciphertext_blob);
  for (const auto& [k, v] : request.encryption_context) {
    add(k);
    add(v);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.second);
      *out = it->second.first;
      return Status::OK();
    }
  }
  std::shared_ptr<kms::KmsClient> client;
  s = Client(&client);
  if (!s.ok()) return s;
  kms::DataKeyResult key;
  s = client->Decrypt(request, &key);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++decrypt_calls_;
  }
  if (!s.ok()) return s;
  auto m = std::make_shared<Materials>();
  s = DeriveKeys(key.plaintext, enc_bytes, sig_bytes, m.get());
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(cache_key);
  if (it == cache_.end() && capacity_ > 0) {
    lru_.push_front(cache_key);
    cache_.emplace(std::move(cache_key), std::make_pair(m, lru_.begin()));
    while (cache_.size() > capacity_) {
      cache_.erase(lru_.back());
      lru_.pop_back();
    }
  }
  *out = std::move(m);
  return Status::OK();
}

}  // namespace ddb::item_encryption
