#include "engine/item_encryption/wrapped_provider.h"

#include <openssl/crypto.h>

#include <charconv>

#include "engine/encoding.h"

namespace ddb::item_encryption {
namespace {

constexpr size_t kDataKeyBytes = 32;  // "AES/256"

std::string Describe(const std::optional<KeySource>& source, const char* fallback) {
  return source ? source->field() : fallback;
}

SignatureKey ToSignatureKey(ResolvedKey&& k) {
  return k.is_rsa ? SignatureKey::Rsa(std::move(k.rsa)) : SignatureKey::Hmac(k.symmetric);
}

}  // namespace

WrappedProvider::WrappedProvider(WrappedKeys keys, MaterialDescription description)
    : description_(std::move(description)),
      write_loaded_(true),
      read_loaded_(true),
      keys_(std::move(keys)) {}

WrappedProvider::WrappedProvider(std::optional<KeySource> wrapping_key,
                                 std::optional<KeySource> unwrapping_key,
                                 std::optional<KeySource> signing_key,
                                 std::optional<KeySource> verification_key)
    : wrapping_source_(std::move(wrapping_key)),
      unwrapping_source_(std::move(unwrapping_key)),
      signing_source_(std::move(signing_key)),
      verification_source_(std::move(verification_key)) {}

Status WrappedProvider::LoadForWriting() {
  if (write_loaded_) return Status::OK();
  if (!wrapping_source_) {
    return Status::InvalidArgument("writing needs item_encryption.materials.wrapping_key");
  }
  if (!signing_source_) {
    return Status::InvalidArgument("writing needs item_encryption.materials.signing_key");
  }
  ResolvedKey wrap;
  Status s = wrapping_source_->Any(/*want_private=*/false, &wrap);
  if (!s.ok()) return s;
  if (!wrap.is_rsa && wrap.symmetric.size() != 16 && wrap.symmetric.size() != 24 &&
      wrap.symmetric.size() != 32) {
    return Status::InvalidArgument(wrapping_source_->field() +
                                   ": neither an AES key (16, 24 or 32 bytes) nor an RSA key");
  }
  ResolvedKey sign;
  s = signing_source_->Any(/*want_private=*/true, &sign);
  if (!s.ok()) return s;
  keys_.wrapping = std::move(wrap);
  keys_.signing = ToSignatureKey(std::move(sign));
  write_loaded_ = true;
  return Status::OK();
}

Status WrappedProvider::LoadForReading() {
  if (read_loaded_) return Status::OK();
  if (!unwrapping_source_) {
    return Status::InvalidArgument("reading needs item_encryption.materials.unwrapping_key");
  }
  const std::optional<KeySource>& verify =
      verification_source_ ? verification_source_ : signing_source_;
  if (!verify) {
    return Status::InvalidArgument(
        "reading needs item_encryption.materials.verification_key (or signing_key)");
  }
  ResolvedKey unwrap;
  Status s = unwrapping_source_->Any(/*want_private=*/true, &unwrap);
  if (!s.ok()) return s;
  if (!unwrap.is_rsa && unwrap.symmetric.size() != 16 && unwrap.symmetric.size() != 24 &&
      unwrap.symmetric.size() != 32) {
    return Status::InvalidArgument(
        unwrapping_source_->field() +
        ": neither an AES key (16, 24 or 32 bytes) nor an RSA private key");
  }
  ResolvedKey check;
  s = verify->Any(/*want_private=*/false, &check);
  if (!s.ok()) return s;
  keys_.unwrapping = std::move(unwrap);
  keys_.verification = ToSignatureKey(std::move(check));
  read_loaded_ = true;
  return Status::OK();
}

Status WrappedProvider::EncryptionMaterials(const EncryptionContext&,
                                            std::shared_ptr<const Materials>* out) {
  Status s;
  {
    // Keys are loaded once and never change after: only loading is locked,
    // so that items are wrapped (an RSA operation, perhaps) in parallel.
    std::lock_guard<std::mutex> lock(mu_);
    s = LoadForWriting();
  }
  if (!s.ok()) return s.AsUnavailable();  // the keys, not an item
  if (!keys_.wrapping) return Status::InvalidArgument("no wrapping key: cannot write");
  if (keys_.signing.kind == SignatureKey::Kind::kNone) {
    return Status::InvalidArgument("no signing key: cannot write");
  }
  auto m = std::make_shared<Materials>();
  s = RandomBytes(kDataKeyBytes, &m->encryption_key);
  if (!s.ok()) return s;
  std::string wrapped;
  const char* algorithm = nullptr;
  if (keys_.wrapping->is_rsa) {
    algorithm = kRsaOaepSha256;
    s = RsaOaepEncrypt(keys_.wrapping->rsa, m->encryption_key, &wrapped);
  } else {
    algorithm = kAesWrap;
    s = AesKeyWrap(keys_.wrapping->symmetric, m->encryption_key, &wrapped);
  }
  if (!s.ok()) return s.WithContext(Describe(wrapping_source_, "wrapping key"));
  if (keys_.signing.kind == SignatureKey::Kind::kRsa && !RsaHasPrivate(keys_.signing.rsa)) {
    return Status::InvalidArgument(Describe(signing_source_, "signing key") +
                                   ": signing needs the RSA private key");
  }
  m->signature_key = keys_.signing;
  m->description = description_;
  m->description[kDescWrappedKey] = Base64Encode(wrapped);
  m->description[kDescContentAlgorithm] = "AES/256";
  m->description[kDescWrappingAlgorithm] = algorithm;
  *out = std::move(m);
  return Status::OK();
}

Status WrappedProvider::DecryptionMaterials(const EncryptionContext& context,
                                            std::shared_ptr<const Materials>* out) {
  Status s;
  {
    std::lock_guard<std::mutex> lock(mu_);  // as above: unwrapping runs in parallel
    s = LoadForReading();
  }
  if (!s.ok()) return s.AsUnavailable();  // the keys, not an item
  if (!keys_.unwrapping) return Status::InvalidArgument("no unwrapping key: cannot read");
  const MaterialDescription& d = context.description;
  auto env_key = d.find(kDescWrappedKey);
  if (env_key == d.end()) {
    return Status::InvalidArgument(
        "the material description has no wrapped data key (amzn-ddb-env-key): not written by "
        "the wrapped provider");
  }
  std::string wrapped;
  if (!DecodeDescriptionBase64(env_key->second, &wrapped).ok()) {
    return Status::Corruption("amzn-ddb-env-key is not base64");
  }
  auto alg = d.find(kDescWrappingAlgorithm);
  // Without a recorded algorithm the key's own decides, as in Java, whose
  // Cipher "RSA" is PKCS#1 v1.5 (the Java client's items before it recorded
  // one).
  std::string algorithm = alg != d.end()             ? alg->second
                          : keys_.unwrapping->is_rsa ? std::string("RSA")
                                                     : std::string(kAesWrap);
  auto m = std::make_shared<Materials>();
  if (algorithm == kAesWrap) {
    if (keys_.unwrapping->is_rsa) {
      return Status::InvalidArgument("the data key is wrapped with AESWrap but " +
                                     Describe(unwrapping_source_, "the unwrapping key") +
                                     " is an RSA key");
    }
    s = AesKeyUnwrap(keys_.unwrapping->symmetric, wrapped, &m->encryption_key);
  } else if (algorithm == kRsaOaepSha256) {
    if (!keys_.unwrapping->is_rsa) {
      return Status::InvalidArgument("the data key is wrapped with RSA-OAEP but " +
                                     Describe(unwrapping_source_, "the unwrapping key") +
                                     " is not an RSA key");
    }
    s = RsaOaepDecrypt(keys_.unwrapping->rsa, wrapped, &m->encryption_key);
  } else if (algorithm == "RSA" || algorithm == "RSA/ECB/PKCS1Padding") {
    if (!keys_.unwrapping->is_rsa) {
      return Status::InvalidArgument("the data key is wrapped with RSA but " +
                                     Describe(unwrapping_source_, "the unwrapping key") +
                                     " is not an RSA key");
    }
    s = RsaPkcs1Decrypt(keys_.unwrapping->rsa, wrapped, &m->encryption_key);
  } else {
    return Status::NotSupported("key wrapping algorithm \"" + algorithm +
                                "\" (only AESWrap, RSA/ECB/OAEPWithSHA-256AndMGF1Padding and RSA)");
  }
  if (!s.ok()) return s;
  // "AES" or "AES/BITS": the unwrapped key must be that long.
  auto content = d.find(kDescContentAlgorithm);
  std::string_view content_alg = content != d.end() ? std::string_view(content->second) : "AES";
  if (!content_alg.starts_with("AES")) {
    return Status::NotSupported("data key algorithm \"" + std::string(content_alg) +
                                "\" (only AES)");
  }
  if (content_alg.size() > 3) {
    int bits = 0;
    std::string_view digits = content_alg.substr(content_alg.find('/') + 1);
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (content_alg[3] != '/' || r.ec != std::errc() || r.ptr != digits.data() + digits.size() ||
        static_cast<size_t>(bits) != 8 * m->encryption_key.size()) {
      return Status::InvalidArgument("the unwrapped data key does not match amzn-ddb-env-alg \"" +
                                     std::string(content_alg) + "\"");
    }
  }
  if (m->encryption_key.size() != 16 && m->encryption_key.size() != 24 &&
      m->encryption_key.size() != 32) {
    return Status::InvalidArgument("the unwrapped data key is not an AES key");
  }
  m->signature_key = keys_.verification;
  *out = std::move(m);
  return Status::OK();
}

}  // namespace ddb::item_encryption
