#include "engine/item_encryption/materials.h"

#include <openssl/crypto.h>

namespace ddb::item_encryption {
namespace {

void Cleanse(std::string* s) {
  OPENSSL_cleanse(s->data(), s->size());
  s->clear();
}

}  // namespace

const char* ActionName(Action a) {
  switch (a) {
    case Action::kNothing:
      return "nothing";
    case Action::kSign:
      return "sign";
    case Action::kEncrypt:
      return "encrypt";
  }
  return "?";
}

bool Actions::TakesNoAction() const {
  if (default_action != Action::kNothing) return false;
  for (const auto& [name, action] : attributes) {
    if (action != Action::kNothing) return false;
  }
  return true;
}

SignatureKey SignatureKey::Hmac(std::string key) {
  SignatureKey k;
  k.kind = Kind::kHmac;
  k.hmac = std::move(key);
  return k;
}

SignatureKey SignatureKey::Rsa(RsaKey key) {
  SignatureKey k;
  k.kind = Kind::kRsa;
  k.rsa = std::move(key);
  return k;
}

const char* SignatureKey::AlgorithmName() const {
  return kind == Kind::kRsa ? "SHA256withRSA" : "HmacSHA256";
}

SignatureKey::~SignatureKey() { Cleanse(&hmac); }

Materials::~Materials() { Cleanse(&encryption_key); }

}  // namespace ddb::item_encryption
