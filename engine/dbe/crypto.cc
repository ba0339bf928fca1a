#include "engine/dbe/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstring>

namespace ddb::dbe {
namespace {

// An OpenSSL handle owned by RAII, freed by its `free` function.
template <typename T, void (*free)(T*)>
struct Deleter {
  void operator()(T* p) const { free(p); }
};
template <typename T, void (*free)(T*)>
using Owned = std::unique_ptr<T, Deleter<T, free>>;

using CipherCtx = Owned<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using Cipher = Owned<EVP_CIPHER, EVP_CIPHER_free>;
using MdCtx = Owned<EVP_MD_CTX, EVP_MD_CTX_free>;
using Md = Owned<EVP_MD, EVP_MD_free>;
using Mac = Owned<EVP_MAC, EVP_MAC_free>;
using MacCtx = Owned<EVP_MAC_CTX, EVP_MAC_CTX_free>;
using PkeyCtx = Owned<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using Pkey = Owned<EVP_PKEY, EVP_PKEY_free>;

constexpr size_t kGcmTag = 16;
constexpr size_t kGcmIv = 12;
constexpr size_t kAes256Key = 32;
constexpr size_t kSha512Size = 64;

// OpenSSL takes bytes as unsigned char.
const unsigned char* In(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* Out(std::string* s) { return reinterpret_cast<unsigned char*>(s->data()); }

// InvalidArgument `msg`, OpenSSL's error queue emptied (the Status says it).
Status Fail(std::string msg) {
  ERR_clear_error();
  return Status::InvalidArgument(std::move(msg));
}

MacCtx HmacTemplate(EVP_MAC* mac, const char* digest) {
  MacCtx ctx(EVP_MAC_CTX_new(mac));
  if (!ctx) return ctx;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_CTX_set_params(ctx.get(), params) != 1) ctx.reset();
  return ctx;
}

}  // namespace

struct DbeCrypto::Handles {
  Mac mac;
  MacCtx hmac[3];  // by Hash
  Cipher gcm[3];   // AES-128, -192, -256-GCM
  Cipher ctr;
  Md sha384;
  CipherCtx cipher_ctx;
  MdCtx md_ctx;
};

DbeCrypto::DbeCrypto() : h_(std::make_unique<Handles>()) {
  h_->mac.reset(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (h_->mac) {
    h_->hmac[0] = HmacTemplate(h_->mac.get(), "SHA256");
    h_->hmac[1] = HmacTemplate(h_->mac.get(), "SHA384");
    h_->hmac[2] = HmacTemplate(h_->mac.get(), "SHA512");
  }
  h_->gcm[0].reset(EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr));
  h_->gcm[1].reset(EVP_CIPHER_fetch(nullptr, "AES-192-GCM", nullptr));
  h_->gcm[2].reset(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr));
  h_->ctr.reset(EVP_CIPHER_fetch(nullptr, "AES-256-CTR", nullptr));
  h_->sha384.reset(EVP_MD_fetch(nullptr, "SHA384", nullptr));
  h_->cipher_ctx.reset(EVP_CIPHER_CTX_new());
  h_->md_ctx.reset(EVP_MD_CTX_new());
  ERR_clear_error();
}

DbeCrypto::~DbeCrypto() = default;

Status DbeCrypto::Hmac(Hash hash, std::string_view key, std::string_view data, std::string* out) {
  EVP_MAC_CTX* ctx = h_->hmac[static_cast<int>(hash)].get();
  if (ctx == nullptr) return Fail("HMAC is not available in this OpenSSL");
  unsigned char buf[kSha512Size];
  size_t len = 0;
  // An empty key still needs a non-null pointer.
  static const unsigned char kEmpty = 0;
  const unsigned char* k = key.empty() ? &kEmpty : In(key);
  if (EVP_MAC_init(ctx, k, key.size(), nullptr) != 1 ||
      EVP_MAC_update(ctx, In(data), data.size()) != 1 ||
      EVP_MAC_final(ctx, buf, &len, sizeof(buf)) != 1) {
    return Fail("HMAC failed");
  }
  out->assign(reinterpret_cast<const char*>(buf), len);
  OPENSSL_cleanse(buf, sizeof(buf));
  return Status::OK();
}

Status DbeCrypto::HkdfExtractSha512(std::string_view ikm, std::string* prk) {
  static const char kZeroSalt[kSha512Size] = {};
  return Hmac(Hash::kSha512, std::string_view(kZeroSalt, sizeof(kZeroSalt)), ikm, prk);
}

Status DbeCrypto::HkdfExpandSha512(std::string_view prk, std::string_view info, size_t length,
                                   std::string* out) {
  if (length > kSha512Size) return Fail("HKDF-SHA512: at most one block is supported");
  std::string block;
  block.reserve(info.size() + 1);
  block.append(info);
  block.push_back('\x01');
  Status s = Hmac(Hash::kSha512, prk, block, out);
  if (!s.ok()) return s;
  out->resize(length);
  return Status::OK();
}

Status DbeCrypto::HkdfSha512(std::string_view ikm, std::string_view info, size_t length,
                             std::string* out) {
  std::string prk;
  Status s = HkdfExtractSha512(ikm, &prk);
  if (s.ok()) s = HkdfExpandSha512(prk, info, length, out);
  OPENSSL_cleanse(prk.data(), prk.size());
  return s;
}

Status DbeCrypto::KdfCtrSha256(std::string_view key, std::string_view label,
                               std::string_view context, std::string* out) {
  std::string input;
  input.reserve(4 + label.size() + 1 + context.size() + 4);
  input.append("\x00\x00\x00\x01", 4);
  input.append(label);
  input.push_back('\0');
  input.append(context);
  input.append("\x00\x00\x01\x00", 4);  // 256 bits
  return Hmac(Hash::kSha256, key, input, out);
}

Status DbeCrypto::AesGcmDecrypt(std::string_view key, std::string_view iv, std::string_view aad,
                                std::string_view ciphertext, std::string_view tag,
                                std::string* out) {
  if ((key.size() != 16 && key.size() != 24 && key.size() != kAes256Key) || iv.size() != kGcmIv ||
      tag.size() != kGcmTag) {
    return Fail("AES-GCM: wrong key, IV or tag size");
  }
  EVP_CIPHER* gcm = h_->gcm[(key.size() - 16) / 8].get();
  EVP_CIPHER_CTX* c = h_->cipher_ctx.get();
  if (gcm == nullptr || c == nullptr) return Fail("AES-GCM is not available in this OpenSSL");
  out->assign(ciphertext.size(), '\0');
  int n = 0, m = 0;
  unsigned char final_block[16];
  if (EVP_DecryptInit_ex2(c, gcm, In(key), In(iv), nullptr) != 1 ||
      (!aad.empty() &&
       EVP_DecryptUpdate(c, nullptr, &n, In(aad), static_cast<int>(aad.size())) != 1) ||
      (!ciphertext.empty() && EVP_DecryptUpdate(c, Out(out), &n, In(ciphertext),
                                                static_cast<int>(ciphertext.size())) != 1) ||
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTag),
                          const_cast<unsigned char*>(In(tag))) != 1) {
    return Fail("AES-GCM: cannot decrypt");
  }
  if (ciphertext.empty()) n = 0;
  if (EVP_DecryptFinal_ex(c, final_block, &m) != 1) {
    OPENSSL_cleanse(out->data(), out->size());
    out->clear();
    return Fail("AES-GCM: does not authenticate (wrong key or altered data)");
  }
  out->resize(static_cast<size_t>(n + m));
  return Status::OK();
}

Status DbeCrypto::AesCtrKeystream(std::string_view key, std::string_view iv, size_t length,
                                  std::string* out) {
  if (key.size() != kAes256Key || iv.size() != 16) return Fail("AES-256-CTR: wrong key or IV size");
  EVP_CIPHER_CTX* c = h_->cipher_ctx.get();
  if (!h_->ctr || c == nullptr) return Fail("AES-256-CTR is not available in this OpenSSL");
  std::string zeros(length, '\0');
  out->assign(length, '\0');
  int n = 0;
  if (EVP_EncryptInit_ex2(c, h_->ctr.get(), In(key), In(iv), nullptr) != 1 ||
      EVP_EncryptUpdate(c, Out(out), &n, In(zeros), static_cast<int>(length)) != 1 ||
      static_cast<size_t>(n) != length) {
    return Fail("AES-256-CTR failed");
  }
  return Status::OK();
}

Status DbeCrypto::Sha384(std::string_view data, std::string* out) {
  EVP_MD_CTX* c = h_->md_ctx.get();
  if (!h_->sha384 || c == nullptr) return Fail("SHA-384 is not available in this OpenSSL");
  unsigned char buf[48];
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(c, h_->sha384.get(), nullptr) != 1 ||
      EVP_DigestUpdate(c, data.data(), data.size()) != 1 || EVP_DigestFinal_ex(c, buf, &len) != 1) {
    return Fail("SHA-384 failed");
  }
  out->assign(reinterpret_cast<const char*>(buf), len);
  return Status::OK();
}

Status DbeCrypto::EcdsaP384Verify(std::string_view public_key, std::string_view message,
                                  std::string_view der_signature) {
  PkeyCtx from(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!from || EVP_PKEY_fromdata_init(from.get()) != 1) return Fail("ECDSA: cannot initialise");
  std::string point(public_key);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>("P-384"), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(from.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1 || raw == nullptr) {
    return Fail("the signing public key (aws-crypto-public-key) is not a P-384 point");
  }
  Pkey key(raw);
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA384", nullptr, nullptr, key.get(),
                                      nullptr) != 1) {
    return Fail("ECDSA: cannot initialise");
  }
  if (EVP_DigestVerify(ctx.get(), In(der_signature), der_signature.size(), In(message),
                       message.size()) != 1) {
    return Fail("the ECDSA P-384 signature does not verify");
  }
  return Status::OK();
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace ddb::dbe
