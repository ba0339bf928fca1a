#include "engine/item_encryption/metastore.h"

#include <openssl/crypto.h>

#include <charconv>

#include "engine/item_encryption/wrapped_provider.h"

namespace ddb::item_encryption {

using dynamodb::AttributeValue;
using dynamodb::Item;

namespace {

constexpr char kName[] = "N";
constexpr char kVersion[] = "V";
constexpr char kMaterialType[] = "t";
constexpr char kEncryptionAlgorithm[] = "encAlg";
constexpr char kEncryptionKey[] = "enc";
constexpr char kIntegrityAlgorithm[] = "intAlg";
constexpr char kIntegrityKey[] = "int";
constexpr size_t kKeyBytes = 32;

std::string Where(const std::string& table, const std::string& material, int64_t version) {
  return "MetaStore " + table + ", material " + material + "#" + std::to_string(version);
}

Status StringField(const Item& item, const char* name, std::string* out) {
  auto it = item.find(name);
  if (it == item.end() || it->second.type() != AttributeValue::Type::kS) {
    return Status::Corruption(std::string("no string attribute \"") + name + "\"");
  }
  *out = it->second.scalar();
  return Status::OK();
}

Status BinaryField(const Item& item, const char* name, std::string* out) {
  auto it = item.find(name);
  if (it == item.end() || it->second.type() != AttributeValue::Type::kB) {
    return Status::Corruption(std::string("no binary attribute \"") + name + "\"");
  }
  *out = it->second.scalar();
  return Status::OK();
}

bool ParseVersion(std::string_view text, int64_t* out) {
  auto r = std::from_chars(text.data(), text.data() + text.size(), *out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size() && *out >= 0;
}

}  // namespace

Status ParseMetaId(const MaterialDescription& description, std::string* material,
                   int64_t* version) {
  auto it = description.find(kDescMetaId);
  if (it == description.end()) {
    return Status::InvalidArgument(
        "the material description has no amzn-ddb-meta-id: not written by the most-recent "
        "provider");
  }
  size_t hash = it->second.find('#');
  if (hash == std::string::npos || hash == 0 ||
      !ParseVersion(std::string_view(it->second).substr(hash + 1), version)) {
    return Status::Corruption("malformed amzn-ddb-meta-id \"" + it->second + "\"");
  }
  *material = it->second.substr(0, hash);
  return Status::OK();
}

// ---- DynamoDbMetaStoreTable ----

DynamoDbMetaStoreTable::DynamoDbMetaStoreTable(std::shared_ptr<dynamodb::DynamoDbClient> client,
                                               std::string table)
    : client_(std::move(client)), table_(std::move(table)) {}

Status DynamoDbMetaStoreTable::Get(const std::string& material, int64_t version, bool* found,
                                   Item* item) {
  dynamodb::GetItemRequest request;
  request.table = table_;
  request.key = {{kName, AttributeValue::S(material)},
                 {kVersion, AttributeValue::N(std::to_string(version))}};
  request.consistent_read = true;
  dynamodb::GetItemResult result;
  Status s = client_->GetItem(request, &result);
  if (!s.ok()) return s;
  *found = result.found;
  *item = std::move(result.item);
  return Status::OK();
}

Status DynamoDbMetaStoreTable::MaxVersion(const std::string& material, bool* found,
                                          int64_t* version) {
  dynamodb::QueryRequest request;
  request.table = table_;
  request.key_condition = "#n = :n";
  request.names = {{"#n", kName}, {"#v", kVersion}};
  request.values = {{":n", AttributeValue::S(material)}};
  request.projection = "#v";
  request.scan_forward = false;
  request.limit = 1;
  request.consistent_read = true;
  dynamodb::QueryPage page;
  Status s = client_->Query(request, &page);
  if (!s.ok()) return s;
  *found = !page.items.empty();
  if (!*found) return Status::OK();
  auto it = page.items[0].find(kVersion);
  if (it == page.items[0].end() || it->second.type() != AttributeValue::Type::kN ||
      !ParseVersion(it->second.scalar(), version)) {
    return Status::Corruption("table " + table_ + ": material " + material +
                              ": version V is not a non-negative integer");
  }
  return Status::OK();
}

Status DynamoDbMetaStoreTable::PutIfAbsent(const Item& item, bool* written) {
  dynamodb::PutItemRequest request;
  request.table = table_;
  request.item = item;
  request.condition = "attribute_not_exists(#n) AND attribute_not_exists(#v)";
  request.names = {{"#n", kName}, {"#v", kVersion}};
  Status s = client_->PutItem(request);
  if (s.ok()) {
    *written = true;
    return s;
  }
  if (s.aws_code() == "ConditionalCheckFailedException") {
    *written = false;
    return Status::OK();
  }
  return s;
}

// ---- MetaStore ----

dynamodb::KeySchema MetaStore::KeySchema() {
  dynamodb::KeySchema key;
  key.hash = {kName, "S"};
  key.range = dynamodb::KeyAttribute{kVersion, "N"};
  return key;
}

MetaStore::MetaStore(std::shared_ptr<MetaStoreTable> table,
                     std::shared_ptr<MaterialsProvider> protector)
    : table_(std::move(table)) {
  // N and V are keys, hence signed; everything else is encrypted. This
  // cannot fail: no attribute is declared.
  ItemEncryptor::Create(table_->name(), KeySchema(), Actions{}, std::move(protector), &encryptor_)
      .ok();
}

Status MetaStore::ProviderFromItem(const std::string& material, int64_t version, const Item& stored,
                                   std::shared_ptr<MaterialsProvider>* out) {
  Item plain;
  Status s = encryptor_->Decrypt(stored, &plain);
  if (!s.ok()) return s;
  return ProviderFromPlain(material, version, plain, out);
}

Status MetaStore::ProviderFromPlain(const std::string& material, int64_t version, const Item& plain,
                                    std::shared_ptr<MaterialsProvider>* out) {
  std::string type, enc_alg, int_alg;
  ResolvedKey wrap;
  std::string mac;
  Status s = StringField(plain, kMaterialType, &type);
  if (s.ok()) s = StringField(plain, kEncryptionAlgorithm, &enc_alg);
  if (s.ok()) s = StringField(plain, kIntegrityAlgorithm, &int_alg);
  if (s.ok()) s = BinaryField(plain, kEncryptionKey, &wrap.symmetric);
  if (s.ok()) s = BinaryField(plain, kIntegrityKey, &mac);
  if (s.ok() && type != "0") s = Status::NotSupported("material type \"" + type + "\" (only 0)");
  if (s.ok() && enc_alg != "AES") {
    s = Status::NotSupported("encryption algorithm \"" + enc_alg + "\" (only AES)");
  }
  if (s.ok() && int_alg != "HmacSHA256") {
    s = Status::NotSupported("integrity algorithm \"" + int_alg + "\" (only HmacSHA256)");
  }
  size_t n = wrap.symmetric.size();
  if (s.ok() && n != 16 && n != 24 && n != 32) s = Status::Corruption("enc is not an AES key");
  if (!s.ok()) return s.WithContext(Where(table_->name(), material, version));
  WrappedKeys keys;
  keys.unwrapping = wrap;
  keys.wrapping = std::move(wrap);
  keys.signing = SignatureKey::Hmac(mac);
  keys.verification = SignatureKey::Hmac(std::move(mac));
  MaterialDescription extra = {{kDescMetaId, material + "#" + std::to_string(version)}};
  *out = std::make_shared<WrappedProvider>(std::move(keys), std::move(extra));
  return Status::OK();
}

Status MetaStore::Load(const std::string& material, int64_t version,
                       std::shared_ptr<MaterialsProvider>* out) {
  bool found = false;
  Item stored;
  // Only a version the MetaStore does not hold is a verdict on the item
  // that names it; a MetaStore that cannot be read, or whose entry does not
  // decrypt or verify, is not.
  Status s = table_->Get(material, version, &found, &stored);
  if (!s.ok()) return s.WithContext("MetaStore " + table_->name()).AsUnavailable();
  if (!found) {
    return Status::NotFound(Where(table_->name(), material, version) + ": no such version");
  }
  s = ProviderFromItem(material, version, stored, out);
  return s.ok() ? s : s.AsUnavailable();
}

Status MetaStore::MaxVersion(const std::string& material, bool* found, int64_t* version) {
  return table_->MaxVersion(material, found, version);
}

Status MetaStore::GetOrCreate(const std::string& material, int64_t version,
                              std::shared_ptr<MaterialsProvider>* out) {
  Item plain;
  std::string enc, mac;
  Status s = RandomBytes(kKeyBytes, &enc);
  if (s.ok()) s = RandomBytes(kKeyBytes, &mac);
  if (!s.ok()) return s;
  plain[kName] = AttributeValue::S(material);
  plain[kVersion] = AttributeValue::N(std::to_string(version));
  plain[kMaterialType] = AttributeValue::S("0");
  plain[kEncryptionAlgorithm] = AttributeValue::S("AES");
  plain[kEncryptionKey] = AttributeValue::B(enc);
  plain[kIntegrityAlgorithm] = AttributeValue::S("HmacSHA256");
  plain[kIntegrityKey] = AttributeValue::B(mac);
  OPENSSL_cleanse(enc.data(), enc.size());
  OPENSSL_cleanse(mac.data(), mac.size());
  Item stored;
  s = encryptor_->Encrypt(plain, &stored);
  if (!s.ok()) return s;
  bool written = false;
  s = table_->PutIfAbsent(stored, &written);
  if (!s.ok()) return s;
  // The version just written is used from the keys it holds, as the
  // Python client's MetaStore does: no read back, no protector call (a
  // KMS Decrypt) for it.
  if (written) return ProviderFromPlain(material, version, plain, out);
  return Load(material, version, out);  // another writer created it first
}

}  // namespace ddb::item_encryption
