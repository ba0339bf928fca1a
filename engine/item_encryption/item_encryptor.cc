#include "engine/item_encryption/item_encryptor.h"

#include <openssl/crypto.h>

#include "engine/item_encryption/attribute_serialization.h"
#include "engine/item_encryption/material_description.h"
#include "engine/item_encryption/signature.h"

namespace ddb::item_encryption {

using dynamodb::AttributeValue;
using dynamodb::Item;

namespace {
// The reserved names as views: lookups and comparisons per item without strlen.
constexpr std::string_view kSignatureName = kSignatureAttribute;
constexpr std::string_view kDescriptionName = kMaterialDescriptionAttribute;
}  // namespace

class ItemEncryptor::Lease {
 public:
  explicit Lease(ItemEncryptor* owner) : owner_(owner) {
    std::lock_guard<std::mutex> lock(owner_->pool_mu_);
    if (owner_->pool_.empty()) {
      w_ = std::make_unique<Workspace>();
    } else {
      w_ = std::move(owner_->pool_.back());
      owner_->pool_.pop_back();
    }
  }
  ~Lease() {
    std::lock_guard<std::mutex> lock(owner_->pool_mu_);
    owner_->pool_.push_back(std::move(w_));
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  Workspace* get() { return w_.get(); }

 private:
  ItemEncryptor* owner_;
  std::unique_ptr<Workspace> w_;
};

Status ItemEncryptor::Create(std::string table, const dynamodb::KeySchema& key, Actions actions,
                             std::shared_ptr<MaterialsProvider> provider,
                             std::unique_ptr<ItemEncryptor>* out) {
  std::vector<std::string> keys = {key.hash.name};
  if (key.range) keys.push_back(key.range->name);
  for (const std::string& name : keys) {
    auto it = actions.attributes.find(name);
    if (it != actions.attributes.end() && it->second == Action::kEncrypt) {
      return Status::InvalidArgument("table " + table + ": item_encryption: key attribute \"" +
                                     name +
                                     "\" cannot be encrypted (key attributes are signed: "
                                     "declare it \"sign\" or leave it to the default)");
    }
    // The client's rule for keys: the lesser of the action and "sign".
    Action a = actions.For(name);
    actions.attributes[name] = a == Action::kEncrypt ? Action::kSign : a;
  }
  for (const char* reserved : {kSignatureAttribute, kMaterialDescriptionAttribute}) {
    if (actions.attributes.count(std::string(reserved)) > 0) {
      return Status::InvalidArgument("table " + table + ": item_encryption: \"" + reserved +
                                     "\" is reserved for the client and takes no action");
    }
  }
  out->reset(new ItemEncryptor(std::move(table), key, std::move(actions), std::move(provider)));
  return Status::OK();
}

ItemEncryptor::ItemEncryptor(std::string table, const dynamodb::KeySchema& key, Actions actions,
                             std::shared_ptr<MaterialsProvider> provider)
    : table_(std::move(table)),
      hash_key_(key.hash.name),
      range_key_(key.range ? key.range->name : std::string()),
      actions_(std::move(actions)),
      provider_(std::move(provider)) {}

ItemEncryptor::~ItemEncryptor() = default;

Status ItemEncryptor::Fail(const Item& item, const Status& s) const {
  Item key;
  for (const std::string* name : {&hash_key_, &range_key_}) {
    if (name->empty()) continue;
    auto it = item.find(*name);
    if (it != item.end()) key.emplace(*name, it->second);
  }
  return s.WithContext("table " + table_ + ", item " + dynamodb::ItemToPlainJson(key));
}

Status ItemEncryptor::VerifyItem(const Item& stored, const Materials& materials,
                                 std::string_view signature, Workspace* w) const {
  Status s = StringToSign(table_, stored, actions_, Ordering::kPython, &w->crypto, &w->to_sign,
                          &w->digests);
  if (!s.ok()) return s;
  s = Verify(materials.signature_key, w->to_sign, signature, &w->crypto);
  if (s.ok()) return s;
  // The Java client orders names and set members its own way; where that
  // gives other bytes, the item may be a Java client's.
  std::string java;
  if (StringToSign(table_, stored, actions_, Ordering::kJava, &w->crypto, &java, &w->digests)
          .ok() &&
      java != w->to_sign && Verify(materials.signature_key, java, signature, &w->crypto).ok()) {
    return Status::OK();
  }
  return Status::InvalidArgument(
      "signature does not verify (the item was changed, or the verification key or table "
      "name is not the one it was written with)");
}

Status ItemEncryptor::Decrypt(const Item& stored, Item* plain) {
  if (actions_.TakesNoAction()) {
    *plain = stored;
    return Status::OK();
  }
  auto sig = stored.find(kSignatureName);
  if (sig == stored.end()) {
    return Fail(stored, Status::InvalidArgument(
                            "no signature attribute \"*amzn-ddb-map-sig*\" (not written by "
                            "the DynamoDB Encryption Client)"));
  }
  if (sig->second.type() != AttributeValue::Type::kB) {
    return Fail(stored, Status::InvalidArgument("\"*amzn-ddb-map-sig*\" is not binary"));
  }
  EncryptionContext context;
  context.table = table_;
  context.hash_key_name = hash_key_;
  context.range_key_name = range_key_;
  context.attributes = &stored;
  auto desc = stored.find(kDescriptionName);
  if (desc != stored.end()) {
    if (desc->second.type() != AttributeValue::Type::kB) {
      return Fail(stored, Status::InvalidArgument("\"*amzn-ddb-map-desc*\" is not binary"));
    }
    Status s = ParseMaterialDescription(desc->second.scalar(), &context.description);
    if (!s.ok()) return Fail(stored, s);
  }
  std::shared_ptr<const Materials> materials;
  Status s = provider_->DecryptionMaterials(context, &materials);
  if (!s.ok()) return Fail(stored, s);
  if (materials->signature_key.kind == SignatureKey::Kind::kRsa) {
    auto alg = context.description.find(kDescSigningAlgorithm);
    if (alg != context.description.end() && alg->second != "SHA256withRSA") {
      return Fail(stored, Status::NotSupported("signing algorithm \"" + alg->second +
                                               "\" (only SHA256withRSA and HmacSHA256)"));
    }
  }

  Lease lease(this);
  Workspace* w = lease.get();
  s = VerifyItem(stored, *materials, sig->second.scalar(), w);
  if (!s.ok()) return Fail(stored, s);

  std::string_view mode;
  auto m = context.description.find(kDescSymmetricMode);
  if (m != context.description.end()) mode = m->second;
  plain->clear();
  for (const auto& [name, value] : stored) {
    if (name == kSignatureName || name == kDescriptionName) continue;
    if (actions_.For(name) != Action::kEncrypt) {
      plain->emplace_hint(plain->end(), name, value);
      continue;
    }
    // clang before 16 cannot capture a structured binding: capture a reference.
    const std::string& attribute = name;
    auto fail = [&](const Status& e) {
      plain->clear();
      return Fail(stored, e.WithContext("attribute \"" + attribute + "\""));
    };
    if (value.type() != AttributeValue::Type::kB) {
      return fail(Status::InvalidArgument(std::string("declared \"encrypt\" but stored as ") +
                                          AttributeValue::TypeName(value.type()) +
                                          ", not as ciphertext (B)"));
    }
    if (mode != kCbcPkcs5Mode) {
      return fail(mode.empty()
                      ? Status::InvalidArgument("the material description names no encryption mode")
                      : Status::NotSupported("encryption mode \"" + std::string(mode) +
                                             "\" (only /CBC/PKCS5Padding)"));
    }
    if (materials->encryption_key.empty()) {
      return fail(Status::InvalidArgument("the materials have no decryption key"));
    }
    s = w->crypto.AesCbcDecrypt(materials->encryption_key, value.scalar(), &w->serialized);
    if (!s.ok()) return fail(s);
    AttributeValue decrypted;
    s = DeserializeAttribute(w->serialized, &decrypted);
    OPENSSL_cleanse(w->serialized.data(), w->serialized.size());
    if (!s.ok()) return fail(s);
    plain->emplace_hint(plain->end(), name, std::move(decrypted));
  }
  return Status::OK();
}

Status ItemEncryptor::Encrypt(const Item& plain, Item* stored) {
  if (actions_.TakesNoAction()) {
    *stored = plain;
    return Status::OK();
  }
  for (const char* reserved : {kSignatureAttribute, kMaterialDescriptionAttribute}) {
    if (plain.count(std::string_view(reserved)) > 0) {
      return Fail(plain, Status::InvalidArgument(std::string("attribute \"") + reserved +
                                                 "\" is reserved for the DynamoDB "
                                                 "Encryption Client"));
    }
  }
  EncryptionContext context;
  context.table = table_;
  context.hash_key_name = hash_key_;
  context.range_key_name = range_key_;
  context.attributes = &plain;
  std::shared_ptr<const Materials> materials;
  Status s = provider_->EncryptionMaterials(context, &materials);
  if (!s.ok()) return Fail(plain, s);
  if (materials->signature_key.kind == SignatureKey::Kind::kNone) {
    return Fail(plain, Status::InvalidArgument("the materials have no signing key"));
  }
  MaterialDescription description = materials->description;
  if (!materials->encryption_key.empty()) description[kDescSymmetricMode] = kCbcPkcs5Mode;
  // As the Python client: the signing algorithm is always recorded.
  description[kDescSigningAlgorithm] = materials->signature_key.AlgorithmName();

  Lease lease(this);
  Workspace* w = lease.get();
  stored->clear();
  for (const auto& [name, value] : plain) {
    if (actions_.For(name) != Action::kEncrypt) {
      stored->emplace_hint(stored->end(), name, value);
      continue;
    }
    if (materials->encryption_key.empty()) {
      stored->clear();
      return Fail(plain, Status::InvalidArgument("attribute \"" + name +
                                                 "\" is to be encrypted but the materials "
                                                 "have no encryption key"));
    }
    w->serialized.clear();
    s = SerializeAttribute(value, &w->serialized);
    if (s.ok()) {
      std::string ciphertext;
      s = w->crypto.AesCbcEncrypt(materials->encryption_key, w->serialized, &ciphertext);
      OPENSSL_cleanse(w->serialized.data(), w->serialized.size());
      if (s.ok())
        stored->emplace_hint(stored->end(), name, AttributeValue::B(std::move(ciphertext)));
    }
    if (!s.ok()) {
      stored->clear();
      return Fail(plain, s.WithContext("attribute \"" + name + "\""));
    }
  }
  s = StringToSign(table_, *stored, actions_, Ordering::kPython, &w->crypto, &w->to_sign,
                   &w->digests);
  if (s.ok()) s = Sign(materials->signature_key, w->to_sign, &w->crypto, &w->signature);
  if (!s.ok()) {
    stored->clear();
    return Fail(plain, s);
  }
  (*stored)[kMaterialDescriptionAttribute] =
      AttributeValue::B(SerializeMaterialDescription(description));
  (*stored)[kSignatureAttribute] = AttributeValue::B(w->signature);
  return Status::OK();
}

}  // namespace ddb::item_encryption
