// Key parameters of an `item_encryption` declaration, shared by the
// DynamoDB Encryption Client's providers and (later) the AWS Database
// Encryption SDK's keyrings. A key parameter is either
//
//   "env:NAME" | "file:PATH" | "cmd:COMMAND"       (engine/codec/keys.h)
//
// meaning the bytes as read (for an RSA key: PEM, or DER), or
//
//   {"ref": "env:NAME", "encoding": "raw" | "base64" | "hex" | "pem"}
//
// where base64 and hex decode to the key's bytes (an RSA key's DER:
// PKCS#8 private or SubjectPublicKeyInfo public, as in the client's test
// vectors' keys.json), pem must be PEM text and raw is the same as the
// plain string. ASCII whitespace inside base64 and hex text is ignored.
//
// What a key is (AES, HMAC or RSA) follows from where it is used and, for
// the wrapped provider's keys, from its content: PEM text, or DER that
// parses as an RSA key, is RSA; anything else is a symmetric key.
//
// Errors name the declaration's field and the reference ("env:K"), never
// key bytes.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "engine/codec/keys.h"
#include "engine/item_encryption/crypto.h"
#include "engine/status.h"

namespace ddb::item_encryption {

struct KeyParam {
  enum class Encoding { kRaw, kBase64, kHex, kPem };
  codec::KeyRef ref;
  Encoding encoding = Encoding::kRaw;
  bool object_form = false;  // written as {"ref": ..., "encoding": ...}

  // "env:K" or "env:K (base64)": safe to print.
  std::string ToString() const;
};

// Parses a key parameter. InvalidArgument with a message that names no
// location (the caller prefixes the field): not a string or object, an
// unknown member, a bad reference, an unknown encoding.
Status ParseKeyParam(const nlohmann::json& value, KeyParam* out);

// A symmetric key or an RSA key, as ResolveKey found it.
struct ResolvedKey {
  bool is_rsa = false;
  std::string symmetric;
  RsaKey rsa;
  ~ResolvedKey();
};

// Reads and decodes key parameters through a KeyStore (which caches the
// secrets it reads). `field` names the parameter in errors
// ("item_encryption.materials.signing_key").
class KeySource {
 public:
  KeySource(KeyParam param, std::string field, std::shared_ptr<codec::KeyStore> store);

  const std::string& field() const { return field_; }
  const KeyParam& param() const { return param_; }

  // The key's bytes after decoding.
  Status Bytes(std::string* out) const;
  // A symmetric key (raw, base64 or hex); `aes` also requires 16, 24 or 32
  // bytes. PEM is refused.
  Status Symmetric(bool aes, std::string* out) const;
  // An RSA key; `want_private` requires the private half.
  Status Rsa(bool want_private, RsaKey* out) const;
  // RSA when the content is an RSA key (see above), else symmetric.
  Status Any(bool want_private, ResolvedKey* out) const;

 private:
  Status Error(std::string_view what) const;

  KeyParam param_;
  std::string field_;
  std::shared_ptr<codec::KeyStore> store_;
};

}  // namespace ddb::item_encryption
