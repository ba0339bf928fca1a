// The primitives of the AWS Database Encryption SDK's item format (its
// algorithm suites 0x6700 and 0x6701 and keyrings), on OpenSSL 3's EVP
// interfaces with every handle owned by RAII:
//
//   - HMAC-SHA256, -SHA384 and -SHA512;
//   - HKDF-SHA512 without salt (RFC 5869: a salt of 64 zero bytes), one
//     output block at most (every key here is 32 bytes);
//   - the SP800-108 counter-mode KDF of the hierarchical keyring, one block
//     of HMAC-SHA256;
//   - AES-GCM decryption (12-byte IV, 16-byte tag), the AES-256-CTR
//     keystream of the field keys, SHA-384;
//   - ECDSA P-384 verification with SHA-384 of a DER signature, the public
//     key a SEC1 point (compressed, as the SDK stores it).
//
// DbeCrypto keeps the fetched algorithms and reusable contexts so that the
// per-item work allocates little after the first item. One DbeCrypto
// serves one thread at a time. Errors never include key bytes.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace ddb::dbe {

class DbeCrypto {
 public:
  DbeCrypto();
  ~DbeCrypto();
  DbeCrypto(const DbeCrypto&) = delete;
  DbeCrypto& operator=(const DbeCrypto&) = delete;

  enum class Hash { kSha256, kSha384, kSha512 };

  // *out = HMAC-`hash`(key, data) (32, 48 or 64 bytes).
  Status Hmac(Hash hash, std::string_view key, std::string_view data, std::string* out);
  // *out = the first `length` (<= 64) bytes of HKDF-SHA512 with no salt.
  Status HkdfSha512(std::string_view ikm, std::string_view info, size_t length, std::string* out);
  // The two halves of it: *prk = HKDF-Extract (HMAC-SHA512 under 64 zero
  // bytes) of `ikm`, and the first `length` (<= 64) bytes of HKDF-Expand.
  Status HkdfExtractSha512(std::string_view ikm, std::string* prk);
  Status HkdfExpandSha512(std::string_view prk, std::string_view info, size_t length,
                          std::string* out);
  // *out = HMAC-SHA256(key, u32(1) || label || 0x00 || context || u32(256)):
  // NIST SP800-108 counter mode, one 32-byte block.
  Status KdfCtrSha256(std::string_view key, std::string_view label, std::string_view context,
                      std::string* out);
  // AES-GCM decryption (a 16, 24 or 32-byte key, 12-byte IV) of
  // `ciphertext` with its 16-byte `tag`;
  // InvalidArgument "... does not authenticate" on a wrong key or data.
  Status AesGcmDecrypt(std::string_view key, std::string_view iv, std::string_view aad,
                       std::string_view ciphertext, std::string_view tag, std::string* out);
  // `length` bytes of AES-256-CTR keystream from the 16-byte counter block `iv`.
  Status AesCtrKeystream(std::string_view key, std::string_view iv, size_t length,
                         std::string* out);
  // *out = SHA-384(data) (48 bytes).
  Status Sha384(std::string_view data, std::string* out);
  // OK when `der_signature` is an ECDSA P-384 signature of `message` (hashed
  // with SHA-384) under the SEC1-encoded `public_key`; InvalidArgument
  // otherwise.
  Status EcdsaP384Verify(std::string_view public_key, std::string_view message,
                         std::string_view der_signature);

 private:
  struct Handles;
  std::unique_ptr<Handles> h_;
};

// Constant-time comparison of two byte strings (false when the sizes differ).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace ddb::dbe
