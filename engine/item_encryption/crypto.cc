#include "engine/item_encryption/crypto.h"

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <cstring>

namespace ddb::item_encryption {
namespace {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
struct CipherFree {
  void operator()(EVP_CIPHER* c) const { EVP_CIPHER_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct MdFree {
  void operator()(EVP_MD* m) const { EVP_MD_free(m); }
};
struct MacFree {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct KdfFree {
  void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* k) const { EVP_KDF_CTX_free(k); }
};
struct DecoderCtxFree {
  void operator()(OSSL_DECODER_CTX* c) const { OSSL_DECODER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
using Cipher = std::unique_ptr<EVP_CIPHER, CipherFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

constexpr size_t kAesBlock = 16;

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* U(std::string* s) { return reinterpret_cast<unsigned char*>(s->data()); }

// Drops OpenSSL's queued errors: a failure is reported through Status, and
// stale entries must not confuse a later, unrelated call.
Status Fail(std::string msg) {
  ERR_clear_error();
  return Status::InvalidArgument(std::move(msg));
}

}  // namespace

// ---- RSA keys ----

Status LoadRsaKey(std::string_view bytes, bool want_private, RsaKey* out) {
  // Try the wanted kind first; a private key also yields its public half.
  const int selections[2] = {want_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                             EVP_PKEY_KEYPAIR};
  for (int selection : selections) {
    EVP_PKEY* pkey = nullptr;
    std::unique_ptr<OSSL_DECODER_CTX, DecoderCtxFree> dctx(
        OSSL_DECODER_CTX_new_for_pkey(&pkey, nullptr, nullptr, "RSA", selection, nullptr, nullptr));
    if (!dctx) return Fail("cannot set up an RSA key decoder");
    const unsigned char* data = U(bytes);
    size_t len = bytes.size();
    if (OSSL_DECODER_from_data(dctx.get(), &data, &len) == 1 && pkey != nullptr) {
      RsaKey key(pkey, EVP_PKEY_free);
      if (want_private && !RsaHasPrivate(key)) continue;
      *out = std::move(key);
      ERR_clear_error();
      return Status::OK();
    }
    if (pkey != nullptr) EVP_PKEY_free(pkey);
    if (want_private) break;  // a public key cannot serve as a private one
  }
  return Fail(want_private ? "not an RSA private key (PEM, or DER as PKCS#8 or PKCS#1)"
                           : "not an RSA key (PEM, or DER as SubjectPublicKeyInfo, PKCS#8 "
                             "or PKCS#1)");
}

bool RsaHasPrivate(const RsaKey& key) {
  if (!key) return false;
  BIGNUM* d = nullptr;
  bool has = EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_D, &d) == 1 && d != nullptr;
  BN_clear_free(d);
  ERR_clear_error();
  return has;
}

Status RandomBytes(size_t n, std::string* out) {
  out->assign(n, '\0');
  if (n > 0 && RAND_bytes(U(out), static_cast<int>(n)) != 1) {
    return Fail("the random number generator failed");
  }
  return Status::OK();
}

// ---- Key wrapping ----

namespace {

const EVP_CIPHER* WrapCipher(size_t kek_size) {
  switch (kek_size) {
    case 16:
      return EVP_aes_128_wrap();
    case 24:
      return EVP_aes_192_wrap();
    case 32:
      return EVP_aes_256_wrap();
    default:
      return nullptr;
  }
}

Status AesWrapOp(std::string_view kek, std::string_view in, bool wrap, std::string* out) {
  const EVP_CIPHER* cipher = WrapCipher(kek.size());
  if (cipher == nullptr) return Fail("an AES wrapping key must be 16, 24 or 32 bytes");
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Fail("out of memory");
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_CipherInit_ex(ctx.get(), cipher, nullptr, U(kek), nullptr, wrap ? 1 : 0) != 1) {
    return Fail("AES key wrap: cannot initialise");
  }
  std::string buf(in.size() + 2 * kAesBlock, '\0');
  int n = 0, m = 0;
  if (EVP_CipherUpdate(ctx.get(), U(&buf), &n, U(in), static_cast<int>(in.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), U(&buf) + n, &m) != 1) {
    return Fail(wrap ? "AES key wrap failed"
                     : "AES key unwrap failed (wrong unwrapping key or damaged data key)");
  }
  buf.resize(static_cast<size_t>(n + m));
  *out = std::move(buf);
  return Status::OK();
}

}  // namespace

Status AesKeyWrap(std::string_view kek, std::string_view key, std::string* out) {
  return AesWrapOp(kek, key, true, out);
}

Status AesKeyUnwrap(std::string_view kek, std::string_view wrapped, std::string* out) {
  return AesWrapOp(kek, wrapped, false, out);
}

namespace {

Status SetOaep(EVP_PKEY_CTX* ctx) {
  if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha1()) != 1) {
    return Fail("RSA-OAEP: cannot set the padding");
  }
  return Status::OK();
}

}  // namespace

Status RsaOaepEncrypt(const RsaKey& key, std::string_view plaintext, std::string* out) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1) return Fail("RSA-OAEP: cannot initialise");
  Status s = SetOaep(ctx.get());
  if (!s.ok()) return s;
  size_t len = 0;
  if (EVP_PKEY_encrypt(ctx.get(), nullptr, &len, U(plaintext), plaintext.size()) != 1) {
    return Fail("RSA-OAEP encryption failed");
  }
  out->assign(len, '\0');
  if (EVP_PKEY_encrypt(ctx.get(), U(out), &len, U(plaintext), plaintext.size()) != 1) {
    return Fail("RSA-OAEP encryption failed");
  }
  out->resize(len);
  return Status::OK();
}

namespace {

Status RsaDecrypt(const RsaKey& key, bool oaep, std::string_view ciphertext, std::string* out) {
  if (!RsaHasPrivate(key)) return Fail("RSA decryption needs the private key");
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1) return Fail("RSA: cannot initialise");
  Status s = oaep ? SetOaep(ctx.get())
                  : (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1
                         ? Status::OK()
                         : Fail("RSA: cannot set the padding"));
  if (!s.ok()) return s;
  size_t len = 0;
  if (EVP_PKEY_decrypt(ctx.get(), nullptr, &len, U(ciphertext), ciphertext.size()) != 1) {
    return Fail("RSA decryption failed (wrong unwrapping key or damaged data key)");
  }
  out->assign(len, '\0');
  if (EVP_PKEY_decrypt(ctx.get(), U(out), &len, U(ciphertext), ciphertext.size()) != 1) {
    return Fail("RSA decryption failed (wrong unwrapping key or damaged data key)");
  }
  out->resize(len);
  return Status::OK();
}

}  // namespace

Status RsaOaepDecrypt(const RsaKey& key, std::string_view ciphertext, std::string* out) {
  return RsaDecrypt(key, true, ciphertext, out);
}

Status RsaPkcs1Decrypt(const RsaKey& key, std::string_view ciphertext, std::string* out) {
  return RsaDecrypt(key, false, ciphertext, out);
}

Status RsaSign(const RsaKey& key, std::string_view data, std::string* signature) {
  if (!RsaHasPrivate(key)) return Fail("SHA256withRSA signing needs the private key");
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key.get(),
                                    nullptr) != 1) {
    return Fail("SHA256withRSA: cannot initialise");
  }
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, U(data), data.size()) != 1) {
    return Fail("SHA256withRSA signing failed");
  }
  signature->assign(len, '\0');
  if (EVP_DigestSign(ctx.get(), U(signature), &len, U(data), data.size()) != 1) {
    return Fail("SHA256withRSA signing failed");
  }
  signature->resize(len);
  return Status::OK();
}

Status RsaVerify(const RsaKey& key, std::string_view data, std::string_view signature) {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key.get(),
                                      nullptr) != 1) {
    return Fail("SHA256withRSA: cannot initialise");
  }
  if (EVP_DigestVerify(ctx.get(), U(signature), signature.size(), U(data), data.size()) != 1) {
    return Fail("signature does not verify");
  }
  return Status::OK();
}

Status HkdfSha256(std::string_view ikm, std::string_view info, size_t length, std::string* out) {
  std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) return Fail("HKDF is not available");
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return Fail("out of memory");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_KEY, const_cast<char*>(ikm.data()), ikm.size()),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()),
                         OSSL_PARAM_construct_end()};
  out->assign(length, '\0');
  if (EVP_KDF_derive(ctx.get(), U(out), length, params) != 1) return Fail("HKDF failed");
  return Status::OK();
}

// ---- CryptoContext ----

struct CryptoContext::Handles {
  MdCtx md_ctx{EVP_MD_CTX_new()};
  std::unique_ptr<EVP_MD, MdFree> sha256{EVP_MD_fetch(nullptr, "SHA256", nullptr)};
  std::unique_ptr<EVP_MAC, MacFree> hmac{EVP_MAC_fetch(nullptr, "HMAC", nullptr)};
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> mac_ctx;
  std::string mac_key;  // the key mac_ctx was last initialised with
  bool mac_ready = false;
  CipherCtx cipher_ctx{EVP_CIPHER_CTX_new()};
  Cipher cbc128{EVP_CIPHER_fetch(nullptr, "AES-128-CBC", nullptr)};
  Cipher cbc192{EVP_CIPHER_fetch(nullptr, "AES-192-CBC", nullptr)};
  Cipher cbc256{EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr)};

  Handles() {
    if (hmac) mac_ctx.reset(EVP_MAC_CTX_new(hmac.get()));
  }
  ~Handles() { OPENSSL_cleanse(mac_key.data(), mac_key.size()); }

  const EVP_CIPHER* Cbc(size_t key_size) const {
    switch (key_size) {
      case 16:
        return cbc128.get();
      case 24:
        return cbc192.get();
      case 32:
        return cbc256.get();
      default:
        return nullptr;
    }
  }
};

CryptoContext::CryptoContext() : h_(std::make_unique<Handles>()) {}
CryptoContext::~CryptoContext() = default;

void CryptoContext::AppendSha256(std::string_view data, std::string* out) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestInit_ex2(h_->md_ctx.get(), h_->sha256.get(), nullptr);
  EVP_DigestUpdate(h_->md_ctx.get(), data.data(), data.size());
  EVP_DigestFinal_ex(h_->md_ctx.get(), md, &len);
  out->append(reinterpret_cast<const char*>(md), len);
}

Status CryptoContext::HmacSha256(std::string_view key, std::string_view data, std::string* out) {
  if (!h_->mac_ctx) return Fail("HMAC is not available");
  int ok = 0;
  if (h_->mac_ready && key == h_->mac_key) {
    ok = EVP_MAC_init(h_->mac_ctx.get(), nullptr, 0, nullptr);  // same key: reuse its setup
  } else {
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    ok = EVP_MAC_init(h_->mac_ctx.get(), U(key), key.size(), params);
    OPENSSL_cleanse(h_->mac_key.data(), h_->mac_key.size());
    h_->mac_key.assign(key);
    h_->mac_ready = ok == 1;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (ok != 1 || EVP_MAC_update(h_->mac_ctx.get(), U(data), data.size()) != 1 ||
      EVP_MAC_final(h_->mac_ctx.get(), mac, &len, sizeof mac) != 1) {
    h_->mac_ready = false;
    return Fail("HMAC-SHA256 failed");
  }
  out->assign(reinterpret_cast<const char*>(mac), len);
  return Status::OK();
}

Status CryptoContext::AesCbcEncrypt(std::string_view key, std::string_view plaintext,
                                    std::string* out) {
  const EVP_CIPHER* cipher = h_->Cbc(key.size());
  if (cipher == nullptr) return Fail("an AES key must be 16, 24 or 32 bytes");
  size_t padded = (plaintext.size() / kAesBlock + 1) * kAesBlock;
  out->resize(kAesBlock + padded);
  if (RAND_bytes(U(out), kAesBlock) != 1) return Fail("the random number generator failed");
  EVP_CIPHER_CTX* ctx = h_->cipher_ctx.get();
  int n = 0, m = 0;
  if (EVP_EncryptInit_ex2(ctx, cipher, U(key), U(out), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx, U(out) + kAesBlock, &n, U(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx, U(out) + kAesBlock + n, &m) != 1) {
    return Fail("AES-CBC encryption failed");
  }
  out->resize(kAesBlock + static_cast<size_t>(n + m));
  return Status::OK();
}

Status CryptoContext::AesCbcDecrypt(std::string_view key, std::string_view iv_and_ciphertext,
                                    std::string* out) {
  const EVP_CIPHER* cipher = h_->Cbc(key.size());
  if (cipher == nullptr) return Fail("an AES key must be 16, 24 or 32 bytes");
  if (iv_and_ciphertext.size() < 2 * kAesBlock || iv_and_ciphertext.size() % kAesBlock != 0) {
    return Fail("not AES-CBC ciphertext (" + std::to_string(iv_and_ciphertext.size()) +
                " bytes: an IV and whole 16-byte blocks expected)");
  }
  std::string_view body = iv_and_ciphertext.substr(kAesBlock);
  out->resize(body.size());
  EVP_CIPHER_CTX* ctx = h_->cipher_ctx.get();
  int n = 0, m = 0;
  if (EVP_DecryptInit_ex2(ctx, cipher, U(key), U(iv_and_ciphertext), nullptr) != 1 ||
      EVP_DecryptUpdate(ctx, U(out), &n, U(body), static_cast<int>(body.size())) != 1 ||
      EVP_DecryptFinal_ex(ctx, U(out) + n, &m) != 1) {
    return Fail("AES-CBC decryption failed (bad padding: wrong key or damaged value)");
  }
  out->resize(static_cast<size_t>(n + m));
  return Status::OK();
}

}  // namespace ddb::item_encryption
