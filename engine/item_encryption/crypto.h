// The cryptographic primitives of the AWS DynamoDB Encryption Client's item
// format, on OpenSSL 3's EVP interfaces, every handle owned by RAII:
//
//   - AES-CBC with PKCS#5 padding, the stored form being the 16-byte IV
//     followed by the ciphertext (each encrypted attribute);
//   - AES key wrap (RFC 3394, Java's "AESWrap") and RSA-OAEP with SHA-256
//     and MGF1-SHA-1 (Java's "RSA/ECB/OAEPWithSHA-256AndMGF1Padding", whose
//     MGF1 digest is SHA-1 by the JCE's default) for data keys;
//   - HMAC-SHA256 and SHA256withRSA (PKCS#1 v1.5) signatures, SHA-256;
//   - HKDF-SHA256 without salt (the aws-kms provider's key derivation).
//
// CryptoContext holds reusable EVP contexts so that the per-item work
// (several SHA-256s, one HMAC, an AES-CBC per encrypted attribute) allocates
// nothing after the first item. One CryptoContext serves one thread at a
// time. Errors never include key bytes.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "engine/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace ddb::item_encryption {

// An RSA key (private or public) shared between materials.
using RsaKey = std::shared_ptr<EVP_PKEY>;

// Decodes an RSA key from PEM ("-----BEGIN ...") or DER: a private key as
// PKCS#8 or PKCS#1, a public key as SubjectPublicKeyInfo or PKCS#1.
// `want_private` picks which; a private key also serves where a public one
// is wanted. InvalidArgument when the bytes are no such RSA key.
Status LoadRsaKey(std::string_view bytes, bool want_private, RsaKey* out);
// True when `key` holds the private half.
bool RsaHasPrivate(const RsaKey& key);

// `n` cryptographically random bytes.
Status RandomBytes(size_t n, std::string* out);

// AES key wrap (RFC 3394) of `key` (16, 24 or 32 bytes) with `kek` (16, 24
// or 32 bytes), and its inverse (which fails on a wrong key: the wrap
// carries an integrity check).
Status AesKeyWrap(std::string_view kek, std::string_view key, std::string* out);
Status AesKeyUnwrap(std::string_view kek, std::string_view wrapped, std::string* out);

// RSA-OAEP, SHA-256 digest, MGF1 with SHA-1, no label.
Status RsaOaepEncrypt(const RsaKey& key, std::string_view plaintext, std::string* out);
Status RsaOaepDecrypt(const RsaKey& key, std::string_view ciphertext, std::string* out);

// RSA PKCS#1 v1.5 decryption: Java's "RSA" (RSA/ECB/PKCS1Padding), how the
// Java client wrapped data keys before it recorded a wrapping algorithm.
Status RsaPkcs1Decrypt(const RsaKey& key, std::string_view ciphertext, std::string* out);

// SHA256withRSA (PKCS#1 v1.5).
Status RsaSign(const RsaKey& key, std::string_view data, std::string* signature);
// OK, or InvalidArgument "signature does not verify".
Status RsaVerify(const RsaKey& key, std::string_view data, std::string_view signature);

// HKDF-SHA256 (RFC 5869) with an empty salt.
Status HkdfSha256(std::string_view ikm, std::string_view info, size_t length, std::string* out);

class CryptoContext {
 public:
  CryptoContext();
  ~CryptoContext();
  CryptoContext(const CryptoContext&) = delete;
  CryptoContext& operator=(const CryptoContext&) = delete;

  // SHA-256 of `data`, 32 bytes appended to *out.
  void AppendSha256(std::string_view data, std::string* out);
  // HMAC-SHA256 of `data` under `key` (any length).
  Status HmacSha256(std::string_view key, std::string_view data, std::string* out);
  // AES-CBC-PKCS5 with a fresh random IV: *out = IV || ciphertext. The key
  // is 16, 24 or 32 bytes.
  Status AesCbcEncrypt(std::string_view key, std::string_view plaintext, std::string* out);
  // The inverse; InvalidArgument on a short input, a bad length or bad
  // padding (a wrong key shows as bad padding or garbage).
  Status AesCbcDecrypt(std::string_view key, std::string_view iv_and_ciphertext, std::string* out);

 private:
  struct Handles;
  std::unique_ptr<Handles> h_;
};

}  // namespace ddb::item_encryption
