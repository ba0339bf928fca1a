#include "engine/dbe/item_decryptor.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <utility>

#include "engine/encoding.h"

namespace ddb::dbe {

using dynamodb::AttributeValue;
using dynamodb::Item;
using item_encryption::Action;

namespace {

constexpr size_t kEncryptedPdkSize = 48;  // 32-byte key + 16-byte GCM tag
constexpr size_t kKeySize = 32;
constexpr size_t kGcmTag = 16;
constexpr char kContextPrefix[] = "aws-crypto-attr.";
constexpr char kPublicKeyContext[] = "aws-crypto-public-key";

void Wipe(std::string* s) {
  if (!s->empty()) OPENSSL_cleanse(s->data(), s->size());
  s->clear();
}

// One signed attribute of an item, in canonical path order.
struct Field {
  std::string path;
  const std::string* name = nullptr;
  const AttributeValue* value = nullptr;
  char action = 0;  // the legend's 'e', 's' or 'c'
};

// A version 1 context's key value (and a version 2 one's of a type other
// than S, N, NULL and BOOL): base64(type id || value).
Status TerminalContextValue(const AttributeValue& v, std::string* out) {
  uint16_t type = 0;
  std::string value;
  Status s = SerializeTerminal(v, &type, &value);
  if (!s.ok()) return s;
  std::string bytes;
  AppendU16(type, &bytes);
  bytes += value;
  *out = Base64Encode(bytes);
  return Status::OK();
}

// The value of a SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT attribute in a
// version 2 context, and its legend character.
Status ContextValue(const AttributeValue& v, std::string* out, char* legend) {
  using T = AttributeValue::Type;
  switch (v.type()) {
    case T::kS:
    case T::kN:
      *out = v.scalar();
      *legend = v.type() == T::kS ? 'S' : 'N';
      return Status::OK();
    case T::kNull:
      *out = "null";
      *legend = 'L';
      return Status::OK();
    case T::kBool:
      *out = v.boolean() ? "true" : "false";
      *legend = 'L';
      return Status::OK();
    default:
      *legend = 'B';
      return TerminalContextValue(v, out);
  }
}

Status AddContext(EncryptionContext* context, const std::string& key, std::string value) {
  auto [it, added] = context->emplace(key, value);
  if (!added && it->second != value) {
    return Status::InvalidArgument("the header's encryption context holds \"" + key +
                                   "\" with another value than the item's");
  }
  return Status::OK();
}

}  // namespace

struct DbeItemDecryptor::Keys {
  std::string signing_key;  // symmetric signature (footer HMAC) key
  std::string field_root;   // root of the per-field keys
  ~Keys() {
    Wipe(&signing_key);
    Wipe(&field_root);
  }
};

struct DbeItemDecryptor::Workspace {
  DbeCrypto crypto;
  std::vector<Field> fields;
  std::string context_bytes;
  std::string record;
  std::string digest;
  std::string tag;
  std::string scratch;
  std::string field_key;
  std::string plaintext;
};

class DbeItemDecryptor::Lease {
 public:
  explicit Lease(DbeItemDecryptor* d) : d_(d) {
    std::lock_guard<std::mutex> lock(d_->mu_);
    if (!d_->pool_.empty()) {
      w_ = std::move(d_->pool_.back());
      d_->pool_.pop_back();
    }
    if (!w_) w_ = std::make_unique<Workspace>();
  }
  ~Lease() {
    Wipe(&w_->field_key);
    Wipe(&w_->plaintext);
    std::lock_guard<std::mutex> lock(d_->mu_);
    d_->pool_.push_back(std::move(w_));
  }
  Workspace* get() { return w_.get(); }

 private:
  DbeItemDecryptor* d_;
  std::unique_ptr<Workspace> w_;
};

Status DbeItemDecryptor::Create(std::string table, const dynamodb::KeySchema& key,
                                const DbeDecl& decl, std::shared_ptr<Keyring> keyring,
                                std::unique_ptr<DbeItemDecryptor>* out, size_t cache_capacity) {
  std::vector<std::string> keys = {key.hash.name};
  if (key.range) keys.push_back(key.range->name);
  for (const std::string& name : keys) {
    auto it = decl.actions.find(name);
    if (it != decl.actions.end() && it->second != CryptoAction::kSignOnly &&
        it->second != CryptoAction::kSignAndIncludeInContext) {
      return Status::InvalidArgument(
          "table " + table + ": item_encryption.actions." + name + ": key attribute \"" + name +
          "\" must be SIGN_ONLY or SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT, not " +
          CryptoActionName(it->second));
    }
    if (decl.Unsigned(name)) {
      return Status::InvalidArgument("table " + table + ": item_encryption: key attribute \"" +
                                     name + "\" cannot be allowed unsigned");
    }
  }
  out->reset(new DbeItemDecryptor(std::move(table), key, decl, std::move(keyring),
                                  std::max<size_t>(cache_capacity, 1)));
  return Status::OK();
}

DbeItemDecryptor::DbeItemDecryptor(std::string table, const dynamodb::KeySchema& key,
                                   const DbeDecl& decl, std::shared_ptr<Keyring> keyring,
                                   size_t cache_capacity)
    : table_(std::move(table)),
      partition_key_(key.hash.name),
      sort_key_(key.range ? key.range->name : std::string()),
      decl_(decl),
      keyring_(std::move(keyring)),
      capacity_(cache_capacity) {}

DbeItemDecryptor::~DbeItemDecryptor() = default;

Action DbeItemDecryptor::ActionFor(std::string_view name) const {
  if (name == partition_key_ || (!sort_key_.empty() && name == sort_key_)) return Action::kSign;
  if (decl_.Unsigned(std::string(name))) return Action::kNothing;
  return Action::kEncrypt;
}

Status DbeItemDecryptor::WriteRefusal() const {
  return Status::NotSupported(
      "table " + table_ +
      ": writing items of the AWS Database Encryption SDK is not supported (ddbsql reads them; "
      "write with the SDK)");
}

uint64_t DbeItemDecryptor::keys_derived() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_derived_;
}

Status DbeItemDecryptor::Fail(const Item& item, const Status& s) const {
  Item key;
  for (const std::string* name : {&partition_key_, &sort_key_}) {
    if (name->empty()) continue;
    auto it = item.find(*name);
    if (it != item.end()) key.emplace(*name, it->second);
  }
  return s.WithContext("table " + table_ + ", item " + dynamodb::ItemToPlainJson(key));
}

Status DbeItemDecryptor::Decrypt(const Item& stored, Item* plain) {
  Lease lease(this);
  Status s = DecryptItem(stored, plain, lease.get());
  if (!s.ok()) return Fail(stored, s);
  return Status::OK();
}

Status DbeItemDecryptor::DeriveKeys(const Header& header, std::string_view header_bytes,
                                    const EncryptionContext& context, Workspace* w,
                                    std::shared_ptr<const Keys>* out) {
  std::string cache_key;
  cache_key.reserve(header_bytes.size() + w->context_bytes.size() + 8);
  AppendU64(header_bytes.size(), &cache_key);
  cache_key.append(header_bytes);
  cache_key.append(w->context_bytes);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.second);
      *out = it->second.first;
      return Status::OK();
    }
  }
  DbeCrypto& c = w->crypto;
  auto keys = std::make_shared<Keys>();
  std::string pdk, ikm, prk, kek;
  Status last = Status::OK();
  bool recognized = false;
  for (const EncryptedDataKey& edk : header.data_keys) {
    if (!keyring_->Recognizes(edk)) continue;
    recognized = true;
    if (edk.ciphertext.size() < kEncryptedPdkSize) {
      last = Status::Corruption("an encrypted data key shorter than 48 bytes");
      continue;
    }
    UnwrapRequest request;
    request.key = &edk;
    request.wrapped_ikm = std::string_view(edk.ciphertext).substr(kEncryptedPdkSize);
    request.context = &context;
    request.serialized_context = w->context_bytes;
    Status s = keyring_->UnwrapIkm(request, &c, &ikm);
    // Intermediate key wrapping: the ikm's HKDF gives the key that wraps
    // the data key and the footer's signing key.
    if (s.ok()) s = c.HkdfExtractSha512(ikm, &prk);
    if (s.ok())
      s = c.HkdfExpandSha512(prk, "AWS_MPL_INTERMEDIATE_KEYWRAP_MAC", kKeySize, &keys->signing_key);
    if (s.ok()) s = c.HkdfExpandSha512(prk, "AWS_MPL_INTERMEDIATE_KEYWRAP_ENC", kKeySize, &kek);
    if (s.ok()) {
      static const char kZeroIv[12] = {};
      std::string_view enc(edk.ciphertext);
      s = c.AesGcmDecrypt(kek, std::string_view(kZeroIv, sizeof(kZeroIv)), w->context_bytes,
                          enc.substr(0, kKeySize), enc.substr(kKeySize, kGcmTag), &pdk);
      if (!s.ok()) {
        s = Status::InvalidArgument("the data key does not decrypt under its intermediate key");
      }
    }
    Wipe(&ikm);
    Wipe(&prk);
    Wipe(&kek);
    if (s.ok()) break;
    // A data key whose key could not be obtained leaves the item unjudged:
    // that error outranks another data key's verdict.
    if (last.ok() || !last.IsUnavailable()) last = s;
  }
  if (!recognized) {
    std::string seen;
    for (const EncryptedDataKey& edk : header.data_keys) {
      if (!seen.empty()) seen += ", ";
      seen += edk.provider_id;
      if (edk.provider_id == kHierarchyProviderId || edk.provider_id == kKmsProviderId) {
        seen += " " + edk.provider_info;
      }
    }
    return Status::InvalidArgument("no data key of the item is for the declared " +
                                   keyring_->Describe() + " (the item's: " + seen + ")");
  }
  if (pdk.empty()) return last.WithContext(keyring_->Describe());
  // The header commits to the data key: HMAC-SHA512 under the commit key.
  std::string info = "AWS_DBE_COMMIT_KEY" + header.message_id;
  std::string commit_key, commitment;
  Status s = c.HkdfExtractSha512(pdk, &prk);
  if (s.ok()) s = c.HkdfExpandSha512(prk, info, kKeySize, &commit_key);
  if (s.ok()) {
    s = c.Hmac(DbeCrypto::Hash::kSha512, commit_key, header_bytes.substr(0, header.partial_size),
               &commitment);
  }
  Wipe(&commit_key);
  if (s.ok() && !ConstantTimeEquals(std::string_view(commitment).substr(0, kCommitmentSize),
                                    header.commitment)) {
    s = Status::InvalidArgument(
        "the header's key commitment does not match its data key (aws_dbe_head altered)");
  }
  info = "AWS_DBE_DERIVE_KEY" + header.message_id;
  if (s.ok()) s = c.HkdfExpandSha512(prk, info, kKeySize, &keys->field_root);
  Wipe(&prk);
  Wipe(&pdk);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  keys_derived_++;
  if (cache_.find(cache_key) == cache_.end()) {
    lru_.push_front(cache_key);
    cache_.emplace(std::move(cache_key), std::make_pair(keys, lru_.begin()));
    while (cache_.size() > capacity_) {
      cache_.erase(lru_.back());
      lru_.pop_back();
    }
  }
  *out = std::move(keys);
  return Status::OK();
}

Status DbeItemDecryptor::DecryptItem(const Item& stored, Item* plain, Workspace* w) {
  auto head = stored.find(kHeaderAttribute);
  auto foot = stored.find(kFooterAttribute);
  if (head == stored.end() || foot == stored.end()) {
    return Status::InvalidArgument(std::string("no ") +
                                   (head == stored.end() ? kHeaderAttribute : kFooterAttribute) +
                                   " attribute (not written by the AWS Database Encryption SDK)");
  }
  if (head->second.type() != AttributeValue::Type::kB ||
      foot->second.type() != AttributeValue::Type::kB) {
    return Status::InvalidArgument("aws_dbe_head and aws_dbe_foot must be binary (B)");
  }
  const std::string& header_bytes = head->second.scalar();
  Header header;
  Status s = ParseHeader(header_bytes, &header);
  if (!s.ok()) return s;

  // The signed attributes in canonical path order, with the legend's action.
  w->fields.clear();
  for (const auto& [name, value] : stored) {
    if (decl_.Unsigned(name)) continue;
    Field f;
    AppendCanonicalPath(table_, name, &f.path);
    f.name = &name;
    f.value = &value;
    w->fields.push_back(std::move(f));
  }
  std::sort(w->fields.begin(), w->fields.end(),
            [](const Field& a, const Field& b) { return a.path < b.path; });
  if (header.legend.size() != w->fields.size()) {
    std::string names;
    for (const Field& f : w->fields) names += (names.empty() ? "" : ", ") + *f.name;
    return Status::InvalidArgument(
        "the header's legend covers " + std::to_string(header.legend.size()) +
        " signed attributes, the item has " + std::to_string(w->fields.size()) + " (" + names +
        "): attributes added or removed, or the declaration's allowed_unsigned_attributes "
        "differ from the writer's");
  }
  for (size_t i = 0; i < w->fields.size(); ++i) w->fields[i].action = header.legend[i];

  // The full encryption context.
  EncryptionContext context = header.stored_context;
  s = AddContext(&context, "aws-crypto-table-name", table_);
  if (s.ok()) s = AddContext(&context, "aws-crypto-partition-name", partition_key_);
  if (s.ok() && !sort_key_.empty()) s = AddContext(&context, "aws-crypto-sort-name", sort_key_);
  if (!s.ok()) return s;
  if (header.version == 1) {
    for (const std::string* name : {&partition_key_, &sort_key_}) {
      if (name->empty()) continue;
      auto it = stored.find(*name);
      if (it == stored.end()) return Status::InvalidArgument("no key attribute \"" + *name + "\"");
      std::string value;
      s = TerminalContextValue(it->second, &value);
      if (s.ok()) s = AddContext(&context, kContextPrefix + *name, std::move(value));
      if (!s.ok()) return s;
    }
  } else {
    std::map<std::string, char> legend;  // context key -> legend character
    for (const Field& f : w->fields) {
      if (f.action != 'c') continue;
      std::string value;
      char kind = 0;
      s = ContextValue(*f.value, &value, &kind);
      if (s.ok()) s = AddContext(&context, kContextPrefix + *f.name, std::move(value));
      if (!s.ok()) return s;
      legend[kContextPrefix + *f.name] = kind;
    }
    std::string chars;
    for (const auto& [k, c] : legend) chars.push_back(c);
    s = AddContext(&context, "aws-crypto-legend", chars);
    if (!s.ok()) return s;
  }
  auto public_key = context.find(kPublicKeyContext);
  if ((header.flavor == 1) != (public_key != context.end())) {
    return Status::InvalidArgument(header.flavor == 1
                                       ? "suite 0x6701 without aws-crypto-public-key"
                                       : "suite 0x6700 with an aws-crypto-public-key");
  }
  w->context_bytes.clear();
  s = AppendSerializedContext(context, &w->context_bytes);
  if (!s.ok()) return s;

  std::shared_ptr<const Keys> keys;
  s = DeriveKeys(header, header_bytes, context, w, &keys);
  if (!s.ok()) return s;

  // The footer: an HMAC-SHA384 tag per data key over SHA-384 of the
  // canonical record, then (flavor 1) the ECDSA signature.
  const std::string& footer = foot->second.scalar();
  const size_t tags_size = kFooterTagSize * header.data_keys.size();
  if (footer.size() != tags_size + (header.flavor == 1 ? kSignatureSize : 0)) {
    return Status::InvalidArgument(
        "aws_dbe_foot of " + std::to_string(footer.size()) + " bytes (expected " +
        std::to_string(tags_size + (header.flavor == 1 ? kSignatureSize : 0)) + ")");
  }
  std::string& record = w->record;
  record.assign(header_bytes);
  AppendU64(w->context_bytes.size(), &record);
  record += w->context_bytes;
  for (const Field& f : w->fields) {
    record += f.path;
    if (f.action == 'e') {
      if (f.value->type() != AttributeValue::Type::kB || f.value->scalar().size() < 2 + kGcmTag) {
        return Status::InvalidArgument("encrypted attribute \"" + *f.name +
                                       "\" is not a binary of at least 18 bytes");
      }
      AppendU64(f.value->scalar().size() - 2, &record);
      record += "ENCRYPTED";
      record += f.value->scalar();
    } else {
      uint16_t type = 0;
      s = SerializeTerminal(*f.value, &type, &w->scratch);
      if (!s.ok()) return s.WithContext("attribute " + *f.name);
      AppendU64(w->scratch.size(), &record);
      record += "PLAINTEXT";
      AppendU16(type, &record);
      record += w->scratch;
    }
  }
  s = w->crypto.Sha384(record, &w->digest);
  if (s.ok()) s = w->crypto.Hmac(DbeCrypto::Hash::kSha384, keys->signing_key, w->digest, &w->tag);
  if (!s.ok()) return s;
  bool tagged = false;
  for (size_t i = 0; i < header.data_keys.size(); ++i) {
    tagged = ConstantTimeEquals(
                 w->tag, std::string_view(footer).substr(i * kFooterTagSize, kFooterTagSize)) ||
             tagged;
  }
  if (!tagged) {
    return Status::InvalidArgument(
        "the footer's signature tag does not match (a signed attribute or the header was "
        "altered, or an attribute was added or removed)");
  }
  if (header.flavor == 1) {
    std::string point;
    if (!Base64Decode(public_key->second, &point).ok()) {
      return Status::InvalidArgument("aws-crypto-public-key is not base64");
    }
    s = w->crypto.EcdsaP384Verify(point, w->digest, std::string_view(footer).substr(tags_size));
    if (!s.ok()) return s;
  }

  // The plain item: 'e' fields decrypted, everything else as stored.
  Item out;
  for (const auto& [name, value] : stored) {
    if (name == kHeaderAttribute || name == kFooterAttribute) continue;
    out.emplace(name, value);
  }
  uint32_t index = 0;
  for (const Field& f : w->fields) {
    if (f.action != 'e') continue;
    std::string iv = "AwsDbeField,";
    AppendU32(3 * index, &iv);
    index++;
    s = w->crypto.AesCtrKeystream(keys->field_root, iv, kKeySize + 12, &w->field_key);
    if (!s.ok()) return s;
    std::string_view b = f.value->scalar();
    const uint16_t type = static_cast<uint16_t>((static_cast<unsigned char>(b[0]) << 8) |
                                                static_cast<unsigned char>(b[1]));
    std::string_view key = std::string_view(w->field_key).substr(0, kKeySize);
    std::string_view nonce = std::string_view(w->field_key).substr(kKeySize, 12);
    s = w->crypto.AesGcmDecrypt(key, nonce, f.path, b.substr(2, b.size() - 2 - kGcmTag),
                                b.substr(b.size() - kGcmTag), &w->plaintext);
    if (!s.ok()) return Status::InvalidArgument("attribute " + *f.name + " does not decrypt");
    AttributeValue v;
    s = DeserializeTerminal(type, w->plaintext, &v);
    if (!s.ok()) return s.WithContext("attribute " + *f.name + " (decrypted)");
    out[*f.name] = std::move(v);
  }
  *plain = std::move(out);
  return Status::OK();
}

}  // namespace ddb::dbe
