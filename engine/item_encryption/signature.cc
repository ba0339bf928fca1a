#include "engine/item_encryption/signature.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <vector>

namespace ddb::item_encryption {
namespace {
// The reserved names as views: comparisons per attribute without strlen.
constexpr std::string_view kSignatureName = kSignatureAttribute;
constexpr std::string_view kDescriptionName = kMaterialDescriptionAttribute;
}  // namespace

Status StringToSign(std::string_view table, const dynamodb::Item& item, const Actions& actions,
                    Ordering order, CryptoContext* crypto, std::string* out,
                    SigningDigestCache* cache) {
  SigningDigestCache local;
  if (cache == nullptr) cache = &local;
  if (cache->table_digest.empty() || cache->table != table) {
    std::string tag = "TABLE>";
    tag.append(table);
    tag.append("<TABLE");
    cache->table.assign(table);
    cache->table_digest.clear();
    crypto->AppendSha256(tag, &cache->table_digest);
    // The action's digest: SHA-256 of "ENCRYPTED" or "PLAINTEXT".
    cache->encrypted_digest.clear();
    cache->plaintext_digest.clear();
    crypto->AppendSha256("ENCRYPTED", &cache->encrypted_digest);
    crypto->AppendSha256("PLAINTEXT", &cache->plaintext_digest);
  }
  out->clear();
  out->append(cache->table_digest);

  std::vector<const std::pair<const std::string, dynamodb::AttributeValue>*> entries;
  entries.reserve(item.size());
  for (const auto& e : item) {
    if (e.first == kSignatureName || e.first == kDescriptionName) continue;
    Action a = actions.For(e.first);
    if (a == Action::kNothing) continue;
    entries.push_back(&e);
  }
  if (order == Ordering::kJava) {
    // Java's String.compareTo: UTF-16 code units. The Item is in byte order
    // already, which is the Python order.
    std::stable_sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) {
      return JavaStringLess(a->first, b->first);
    });
  }
  std::string& scratch = cache->scratch;
  for (const auto* e : entries) {
    auto name = cache->name_digests.find(e->first);
    if (name != cache->name_digests.end()) {
      out->append(name->second);
    } else if (cache->name_digests.size() < SigningDigestCache::kMaxNames) {
      std::string digest;
      crypto->AppendSha256(e->first, &digest);
      out->append(digest);
      cache->name_digests.emplace(e->first, std::move(digest));
    } else {
      crypto->AppendSha256(e->first, out);
    }
    out->append(actions.For(e->first) == Action::kEncrypt ? cache->encrypted_digest
                                                          : cache->plaintext_digest);
    scratch.clear();
    Status s = SerializeAttribute(e->second, &scratch, order);
    if (!s.ok()) return s.WithContext("attribute \"" + e->first + "\"");
    crypto->AppendSha256(scratch, out);
  }
  return Status::OK();
}

Status Sign(const SignatureKey& key, std::string_view string_to_sign, CryptoContext* crypto,
            std::string* signature) {
  switch (key.kind) {
    case SignatureKey::Kind::kHmac:
      return crypto->HmacSha256(key.hmac, string_to_sign, signature);
    case SignatureKey::Kind::kRsa:
      return RsaSign(key.rsa, string_to_sign, signature);
    case SignatureKey::Kind::kNone:
      break;
  }
  return Status::InvalidArgument("no signing key");
}

Status Verify(const SignatureKey& key, std::string_view string_to_sign, std::string_view signature,
              CryptoContext* crypto) {
  switch (key.kind) {
    case SignatureKey::Kind::kHmac: {
      std::string expected;
      Status s = crypto->HmacSha256(key.hmac, string_to_sign, &expected);
      if (!s.ok()) return s;
      if (expected.size() != signature.size() ||
          CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) != 0) {
        return Status::InvalidArgument("signature does not verify");
      }
      return Status::OK();
    }
    case SignatureKey::Kind::kRsa:
      return RsaVerify(key.rsa, string_to_sign, signature);
    case SignatureKey::Kind::kNone:
      break;
  }
  return Status::InvalidArgument("no verification key");
}

}  // namespace ddb::item_encryption
