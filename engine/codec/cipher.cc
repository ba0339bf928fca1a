// Cipher codecs: pynamodb_mate's AES-256-ECB and AES-256-CTR, ddbsql's
// AES-256-GCM and AES-256-SIV (byte layouts in README, "Codec columns").
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "engine/codec/codec.h"
#include "engine/codec/keys.h"
#include "engine/encoding.h"
#include "engine/python_formats.h"
#include "engine/strings.h"

namespace ddb::codec {
namespace {

// ddbsql ciphertext header: version, then scheme id with kPasswordFlag when
// the key is a password stretched with scrypt.
constexpr unsigned char kFormatVersion = 1;
constexpr unsigned char kSchemeGcm = 1;
constexpr unsigned char kSchemeSiv = 2;
constexpr unsigned char kPasswordFlag = 0x80;
// AES-256-SIV of an empty value: OpenSSL's SIV cannot seal an empty message,
// so the header says "empty" and a single zero byte is sealed instead.
constexpr unsigned char kEmptyFlag = 0x40;
constexpr size_t kSaltSize = 16;
constexpr size_t kGcmNonceSize = 12;
constexpr size_t kTagSize = 16;
// scrypt parameters for new ciphertexts: N = 2^15, r = 8, p = 1 (32 MiB,
// about 0.1 s), and the most a header may ask for when decrypting.
constexpr unsigned char kScryptLogN = 15;
constexpr unsigned char kScryptR = 8;
constexpr unsigned char kScryptP = 1;
constexpr unsigned char kMaxScryptLogN = 20;
constexpr unsigned char kMaxScryptR = 32;
constexpr unsigned char kMaxScryptP = 16;
// Derived keys kept per codec for decryption (by salt and parameters).
constexpr size_t kMaxDerivedKeys = 16;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
struct CipherFree {
  void operator()(EVP_CIPHER* c) const { EVP_CIPHER_free(c); }
};
struct KdfFree {
  void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* k) const { EVP_KDF_CTX_free(k); }
};

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* U(std::string* s) { return reinterpret_cast<unsigned char*>(s->data()); }

// A secret wiped when it goes out of scope.
class Secret {
 public:
  Secret() = default;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  ~Secret() { Wipe(&s_); }
  std::string* get() { return &s_; }
  const std::string& value() const { return s_; }

 private:
  std::string s_;
};

// Reads and caches a codec's key material: the referenced secret, turned into
// the codec's key by `derive` on first use.
// Key bytes shared without copies; wiped when the last reference goes.
using KeyPtr = std::shared_ptr<const std::string>;

class KeyHolder {
 public:
  KeyHolder(KeyRef ref, std::shared_ptr<KeyStore> keys) : ref_(std::move(ref)), keys_(keys) {}

  const KeyRef& ref() const { return ref_; }

  template <typename Derive>
  Status Get(Derive derive, KeyPtr* key) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!key_) {
      Secret secret;
      Status s = keys_->Resolve(ref_, secret.get());
      if (!s.ok()) return s;
      std::shared_ptr<std::string> derived(new std::string, [](std::string* p) {
        std::unique_ptr<std::string> owned(p);
        Wipe(p);
      });
      s = derive(secret.value(), derived.get());
      if (!s.ok()) return s;
      key_ = std::move(derived);
    }
    *key = key_;
    return Status::OK();
  }

 private:
  KeyRef ref_;
  std::shared_ptr<KeyStore> keys_;
  std::mutex mu_;
  KeyPtr key_;  // null until first use
};

Status OpenSslError(std::string_view what) {
  return Status::Corruption(std::string(what) + ": OpenSSL failure");
}

// --- pynamodb_mate --------------------------------------------------------

Status PasswordSha256(const std::string& password, std::string* key) {
  *key = Sha256(password);
  return Status::OK();
}

// One-shot AES-256-ECB/CTR over `in`.
Status RunCipher(const EVP_CIPHER* cipher, bool encrypt, std::string_view key, std::string_view iv,
                 std::string_view in, std::string* out, std::string_view what) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpenSslError(what);
  if (EVP_CipherInit_ex2(ctx.get(), cipher, U(key), iv.empty() ? nullptr : U(iv), encrypt ? 1 : 0,
                         nullptr) != 1) {
    return OpenSslError(what);
  }
  out->resize(in.size() + 32);
  int n1 = 0, n2 = 0;
  if (EVP_CipherUpdate(ctx.get(), U(out), &n1, U(in), static_cast<int>(in.size())) != 1) {
    return OpenSslError(what);
  }
  if (EVP_CipherFinal_ex(ctx.get(), U(out) + n1, &n2) != 1) {
    out->clear();
    return Status::Corruption(std::string(what) +
                              ": decryption failed (wrong key, or not a value of this scheme)");
  }
  out->resize(static_cast<size_t>(n1 + n2));
  return Status::OK();
}

class PynamoEcbCodec : public Codec {
 public:
  PynamoEcbCodec(KeyRef ref, std::shared_ptr<KeyStore> keys) : key_(std::move(ref), keys) {}
  std::string_view name() const override { return "pynamodb-mate-ecb"; }
  bool deterministic() const override { return true; }
  std::string key_reference() const override { return key_.ref().ToString(); }

  Status Encode(const Context&, std::string_view plain, std::string* out) const override {
    KeyPtr key;
    Status s = key_.Get(PasswordSha256, &key);
    if (!s.ok()) return s;
    return RunCipher(EVP_aes_256_ecb(), true, *key, {}, plain, out, name());
  }
  Status Decode(const Context&, std::string_view stored, std::string* out) const override {
    if (stored.empty() || stored.size() % 16 != 0) {
      return Status::Corruption(
          "pynamodb-mate-ecb: not a value of this scheme (length is not a positive multiple of "
          "16)");
    }
    KeyPtr key;
    Status s = key_.Get(PasswordSha256, &key);
    if (!s.ok()) return s;
    return RunCipher(EVP_aes_256_ecb(), false, *key, {}, stored, out, name());
  }

 private:
  mutable KeyHolder key_;
};

class PynamoCtrCodec : public Codec {
 public:
  PynamoCtrCodec(KeyRef ref, std::shared_ptr<KeyStore> keys) : key_(std::move(ref), keys) {}
  std::string_view name() const override { return "pynamodb-mate-ctr"; }
  bool deterministic() const override { return false; }
  std::string key_reference() const override { return key_.ref().ToString(); }

  // json.dumps({"nonce": b85(nonce), "token": b85(ciphertext)}).
  Status Encode(const Context&, std::string_view plain, std::string* out) const override {
    KeyPtr key;
    Status s = key_.Get(PasswordSha256, &key);
    if (!s.ok()) return s;
    std::string nonce(8, '\0');
    if (RAND_bytes(U(&nonce), 8) != 1) return OpenSslError(name());
    std::string token;
    s = RunCipher(EVP_aes_256_ctr(), true, *key, nonce + std::string(8, '\0'), plain, &token,
                  name());
    if (!s.ok()) return s;
    *out =
        "{\"nonce\": \"" + Base85Encode(nonce) + "\", \"token\": \"" + Base85Encode(token) + "\"}";
    return Status::OK();
  }

  Status Decode(const Context&, std::string_view stored, std::string* out) const override {
    std::string nonce, token;
    Status s = ParseEnvelope(stored, &nonce, &token);
    if (!s.ok()) return s;
    KeyPtr key;
    s = key_.Get(PasswordSha256, &key);
    if (!s.ok()) return s;
    // PyCryptodome's CTR with an 8-byte nonce: counter block = nonce ||
    // 64-bit big-endian counter from 0.
    return RunCipher(EVP_aes_256_ctr(), false, *key, nonce + std::string(8, '\0'), token, out,
                     name());
  }

 private:
  // {"nonce": "...", "token": "..."} with any JSON whitespace, either order.
  static Status ParseEnvelope(std::string_view text, std::string* nonce, std::string* token) {
    const Status bad = Status::Corruption(
        "pynamodb-mate-ctr: not a value of this scheme (expected {\"nonce\": ..., \"token\": "
        "...})");
    size_t i = 0;
    auto ws = [&] {
      while (i < text.size() &&
             (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) {
        ++i;
      }
    };
    auto str = [&](std::string_view* v) {
      ws();
      if (i >= text.size() || text[i] != '"') return false;
      size_t end = text.find('"', i + 1);
      if (end == std::string_view::npos) return false;
      *v = text.substr(i + 1, end - i - 1);
      i = end + 1;
      return true;
    };
    auto punct = [&](char c) {
      ws();
      if (i >= text.size() || text[i] != c) return false;
      ++i;
      return true;
    };
    // Exactly the two fields, in either order.
    std::string_view nonce_text, token_text;
    bool have_nonce = false, have_token = false;
    if (!punct('{')) return bad;
    for (;;) {
      std::string_view k, v;
      if (!str(&k) || !punct(':') || !str(&v)) return bad;
      if (k == "nonce" && !have_nonce) {
        nonce_text = v;
        have_nonce = true;
      } else if (k == "token" && !have_token) {
        token_text = v;
        have_token = true;
      } else {
        return bad;
      }
      if (punct(',')) continue;
      if (punct('}')) break;
      return bad;
    }
    ws();
    if (i != text.size() || !have_nonce || !have_token) return bad;
    if (!Base85Decode(nonce_text, nonce).ok() || !Base85Decode(token_text, token).ok()) {
      return Status::Corruption("pynamodb-mate-ctr: not a value of this scheme (bad base85)");
    }
    if (nonce->size() != 8) {
      return Status::Corruption("pynamodb-mate-ctr: not a value of this scheme (nonce is " +
                                str::Plural(nonce->size(), "byte") + ", not 8)");
    }
    return Status::OK();
  }

  mutable KeyHolder key_;
};

// --- ddbsql AEAD ------------------------------------------------------------

// The user's secret: 32 raw bytes written as 64 hex digits or as base64,
// else a password.
struct KeyMaterial {
  bool password = false;
  std::string bytes;  // the raw key, or the password
  ~KeyMaterial() { Wipe(&bytes); }
};

bool DecodeHexKey(std::string_view text, std::string* out) {
  if (text.size() != 64) return false;
  out->clear();
  for (size_t i = 0; i < 64; i += 2) {
    int v = 0;
    for (size_t j = i; j < i + 2; ++j) {
      char c = text[j];
      int d = (c >= '0' && c <= '9')   ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (d < 0) return false;
      v = v * 16 + d;
    }
    out->push_back(static_cast<char>(v));
  }
  return true;
}

Status ClassifySecret(const std::string& secret, std::string* material) {
  // material: one flag byte ('k' raw key, 'p' password) then the bytes.
  std::string raw;
  if (DecodeHexKey(secret, &raw) || (Base64Decode(secret, &raw).ok() && raw.size() == 32)) {
    *material = "k" + raw;
  } else {
    *material = "p" + secret;
  }
  Wipe(&raw);
  return Status::OK();
}

Status Scrypt(std::string_view password, std::string_view salt, unsigned log_n, unsigned r,
              unsigned p, size_t key_len, std::string* key) {
  std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "SCRYPT", nullptr));
  if (!kdf) return Status::NotSupported("scrypt is not available in this OpenSSL");
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return OpenSslError("scrypt");
  uint64_t n = uint64_t{1} << log_n;
  uint32_t rr = r, pp = p;
  uint64_t maxmem = 128ull * r * n + 128ull * r * p + (1u << 20) + 256ull * r;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, const_cast<char*>(password.data()),
                                        password.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()),
                                        salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &rr),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &pp),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end(),
  };
  key->assign(key_len, '\0');
  if (EVP_KDF_derive(ctx.get(), U(key), key_len, params) != 1) {
    Wipe(key);
    return OpenSslError("scrypt");
  }
  return Status::OK();
}

// HKDF-SHA256 expanding a 32-byte key to the 64 bytes AES-256-SIV takes.
Status ExpandSivKey(std::string_view key, std::string* out) {
  std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) return OpenSslError("hkdf");
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return OpenSslError("hkdf");
  static const char kInfo[] = "ddbsql aes-256-siv";
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(key.data()),
                                        key.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(kInfo),
                                        sizeof(kInfo) - 1),
      OSSL_PARAM_construct_end(),
  };
  out->assign(64, '\0');
  if (EVP_KDF_derive(ctx.get(), U(out), 64, params) != 1) {
    Wipe(out);
    return OpenSslError("hkdf");
  }
  return Status::OK();
}

// As ClassifySecret, with a raw key already expanded for AES-256-SIV (so that
// HKDF runs once per codec, not once per value).
Status ClassifySivSecret(const std::string& secret, std::string* material) {
  Status s = ClassifySecret(secret, material);
  if (!s.ok() || (*material)[0] != 'k') return s;
  std::string expanded;
  s = ExpandSivKey(std::string_view(*material).substr(1), &expanded);
  Wipe(material);
  if (s.ok()) *material = "k" + expanded;
  Wipe(&expanded);
  return s;
}

class AeadCodec : public Codec {
 public:
  AeadCodec(Scheme scheme, KeyRef ref, std::shared_ptr<KeyStore> keys)
      : scheme_(scheme), material_(std::move(ref), std::move(keys)) {
    if (scheme_ == Scheme::kAes256Siv) {
      siv_.reset(EVP_CIPHER_fetch(nullptr, "AES-256-SIV", nullptr));
    }
  }
  ~AeadCodec() override {
    for (auto& [k, v] : derived_) Wipe(&v);
  }

  std::string_view name() const override { return SchemeName(scheme_); }
  bool deterministic() const override { return scheme_ == Scheme::kAes256Siv; }
  std::string key_reference() const override { return material_.ref().ToString(); }

  Status Encode(const Context& ctx, std::string_view plain, std::string* out) const override {
    KeyPtr material;
    Status s = material_.Get(Classifier(), &material);
    if (!s.ok()) return s;
    bool password = (*material)[0] == 'p';
    std::string header;
    header.push_back(static_cast<char>(kFormatVersion));
    bool empty_siv = scheme_ == Scheme::kAes256Siv && plain.empty();
    header.push_back(static_cast<char>(SchemeId() | (password ? kPasswordFlag : 0) |
                                       (empty_siv ? kEmptyFlag : 0)));
    if (empty_siv) plain = std::string_view("\0", 1);
    Secret derived;
    std::string_view key;
    if (password) {
      std::string salt;
      s = EncodeSalt(ctx, &salt);
      if (!s.ok()) return s;
      header.push_back(static_cast<char>(kScryptLogN));
      header.push_back(static_cast<char>(kScryptR));
      header.push_back(static_cast<char>(kScryptP));
      header += salt;
      s = DerivedKey(std::string_view(*material).substr(1), header, derived.get());
      key = derived.value();
    } else {
      key = std::string_view(*material).substr(1);
    }
    if (!s.ok()) return s;
    std::string ad = BoundData(ctx);
    return scheme_ == Scheme::kAes256Gcm ? GcmSeal(key, header, ad, plain, out)
                                         : SivSeal(key, header, ad, plain, out);
  }

  Status Decode(const Context& ctx, std::string_view stored, std::string* out) const override {
    const std::string what(name());
    if (stored.size() < 2 || static_cast<unsigned char>(stored[0]) != kFormatVersion ||
        (static_cast<unsigned char>(stored[1]) & ~(kPasswordFlag | kEmptyFlag)) != SchemeId() ||
        (scheme_ == Scheme::kAes256Gcm && (static_cast<unsigned char>(stored[1]) & kEmptyFlag))) {
      if (!stored.empty() && static_cast<unsigned char>(stored[0]) != kFormatVersion &&
          static_cast<unsigned char>(stored[0]) <= 16) {
        return Status::NotSupported(what + ": ciphertext format version " +
                                    std::to_string(static_cast<unsigned char>(stored[0])) +
                                    " is not supported by this ddbsql");
      }
      return Status::Corruption(what + ": not a value of this scheme (bad header)");
    }
    bool password = (static_cast<unsigned char>(stored[1]) & kPasswordFlag) != 0;
    size_t header_size = 2 + (password ? 3 + kSaltSize : 0);
    size_t min = header_size + (scheme_ == Scheme::kAes256Gcm ? kGcmNonceSize : 0) + kTagSize;
    if (stored.size() < min) return Status::Corruption(what + ": value too short");
    std::string_view header = stored.substr(0, header_size);
    KeyPtr material;
    Status s = material_.Get(Classifier(), &material);
    if (!s.ok()) return s;
    bool have_password = (*material)[0] == 'p';
    if (password != have_password) {
      return Status::InvalidArgument(
          what + ": the value was encrypted with a " + (password ? "password" : "raw 32-byte key") +
          " but the key given is a " + (have_password ? "password" : "raw 32-byte key"));
    }
    Secret derived;
    std::string_view key;
    if (password) {
      unsigned log_n = static_cast<unsigned char>(header[2]);
      unsigned r = static_cast<unsigned char>(header[3]);
      unsigned p = static_cast<unsigned char>(header[4]);
      if (log_n < 1 || log_n > kMaxScryptLogN || r < 1 || r > kMaxScryptR || p < 1 ||
          p > kMaxScryptP) {
        return Status::Corruption(what + ": scrypt parameters out of range in the header");
      }
      s = DerivedKey(std::string_view(*material).substr(1), header, derived.get());
      key = derived.value();
    } else {
      key = std::string_view(*material).substr(1);
    }
    if (!s.ok()) return s;
    std::string ad = BoundData(ctx);
    std::string_view body = stored.substr(header_size);
    if (scheme_ == Scheme::kAes256Gcm) return GcmOpen(key, header, ad, body, out);
    s = SivOpen(key, header, ad, body, out);
    if (s.ok() && (static_cast<unsigned char>(stored[1]) & kEmptyFlag)) {
      if (*out != std::string_view("\0", 1)) return AuthFailed();
      out->clear();
    }
    return s;
  }

 private:
  unsigned char SchemeId() const { return scheme_ == Scheme::kAes256Gcm ? kSchemeGcm : kSchemeSiv; }

  // GCM binds table, item key and column. SIV binds table and column only:
  // equal values must encrypt alike across items, so that `col = literal`
  // can be looked up (and a key column cannot bind its own value).
  std::string BoundData(const Context& ctx) const {
    if (scheme_ == Scheme::kAes256Gcm || ctx.key.empty()) return ctx.AssociatedData();
    return Context{ctx.table, ctx.attribute, {}}.AssociatedData();
  }

  using Classify = Status (*)(const std::string&, std::string*);
  Classify Classifier() const {
    return scheme_ == Scheme::kAes256Siv ? ClassifySivSecret : ClassifySecret;
  }

  // scrypt salt for a new value: random once per codec for GCM; for SIV a
  // function of table and column, so that equal values encrypt alike.
  Status EncodeSalt(const Context& ctx, std::string* salt) const {
    if (scheme_ == Scheme::kAes256Siv) {
      *salt = Sha256("ddbsql aes-256-siv salt\n" + ctx.table + "\n" + ctx.attribute)
                  .substr(0, kSaltSize);
      return Status::OK();
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (gcm_salt_.empty()) {
      gcm_salt_.assign(kSaltSize, '\0');
      if (RAND_bytes(U(&gcm_salt_), static_cast<int>(kSaltSize)) != 1) {
        gcm_salt_.clear();
        return OpenSslError(name());
      }
    }
    *salt = gcm_salt_;
    return Status::OK();
  }

  // The key for a password and a header (parameters and salt), cached.
  Status DerivedKey(std::string_view password, std::string_view header, std::string* key) const {
    std::string id(header.substr(2));
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = derived_.find(id);
      if (it != derived_.end()) {
        *key = it->second;
        return Status::OK();
      }
    }
    unsigned log_n = static_cast<unsigned char>(header[2]);
    unsigned r = static_cast<unsigned char>(header[3]);
    unsigned p = static_cast<unsigned char>(header[4]);
    size_t len = scheme_ == Scheme::kAes256Gcm ? 32 : 64;
    Status s = Scrypt(password, header.substr(5, kSaltSize), log_n, r, p, len, key);
    if (!s.ok()) return s;
    std::lock_guard<std::mutex> lock(mu_);
    if (derived_.size() >= kMaxDerivedKeys) {
      for (auto& [k, v] : derived_) Wipe(&v);
      derived_.clear();
    }
    derived_[id] = *key;
    return Status::OK();
  }

  Status GcmSeal(std::string_view key, const std::string& header, const std::string& ad,
                 std::string_view plain, std::string* out) const {
    std::string nonce(kGcmNonceSize, '\0');
    if (RAND_bytes(U(&nonce), static_cast<int>(kGcmNonceSize)) != 1) return OpenSslError(name());
    CipherCtx c(EVP_CIPHER_CTX_new());
    int n = 0;
    if (!c || EVP_EncryptInit_ex2(c.get(), EVP_aes_256_gcm(), U(key), U(nonce), nullptr) != 1 ||
        EVP_EncryptUpdate(c.get(), nullptr, &n, U(header), static_cast<int>(header.size())) != 1 ||
        EVP_EncryptUpdate(c.get(), nullptr, &n, U(ad), static_cast<int>(ad.size())) != 1) {
      return OpenSslError(name());
    }
    *out = header + nonce;
    size_t start = out->size();
    out->resize(start + plain.size() + kTagSize);
    int n1 = 0, n2 = 0;
    if (EVP_EncryptUpdate(c.get(), U(out) + start, &n1, U(plain), static_cast<int>(plain.size())) !=
            1 ||
        EVP_EncryptFinal_ex(c.get(), U(out) + start + n1, &n2) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_AEAD_GET_TAG, kTagSize, U(out) + start + n1 + n2) !=
            1) {
      return OpenSslError(name());
    }
    out->resize(start + static_cast<size_t>(n1 + n2) + kTagSize);
    return Status::OK();
  }

  Status GcmOpen(std::string_view key, std::string_view header, const std::string& ad,
                 std::string_view body, std::string* out) const {
    std::string_view nonce = body.substr(0, kGcmNonceSize);
    std::string_view ct = body.substr(kGcmNonceSize, body.size() - kGcmNonceSize - kTagSize);
    unsigned char tag[kTagSize];
    std::memcpy(tag, body.data() + body.size() - kTagSize, kTagSize);
    CipherCtx c(EVP_CIPHER_CTX_new());
    int n = 0;
    if (!c || EVP_DecryptInit_ex2(c.get(), EVP_aes_256_gcm(), U(key), U(nonce), nullptr) != 1 ||
        EVP_DecryptUpdate(c.get(), nullptr, &n, U(header), static_cast<int>(header.size())) != 1 ||
        EVP_DecryptUpdate(c.get(), nullptr, &n, U(ad), static_cast<int>(ad.size())) != 1) {
      return OpenSslError(name());
    }
    out->resize(ct.size());
    int n1 = 0, n2 = 0;
    if (EVP_DecryptUpdate(c.get(), U(out), &n1, U(ct), static_cast<int>(ct.size())) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_AEAD_SET_TAG, kTagSize, tag) != 1) {
      return OpenSslError(name());
    }
    if (EVP_DecryptFinal_ex(c.get(), U(out) + n1, &n2) != 1) {
      Wipe(out);
      return AuthFailed();
    }
    out->resize(static_cast<size_t>(n1 + n2));
    return Status::OK();
  }

  Status SivSeal(std::string_view key, const std::string& header, const std::string& ad,
                 std::string_view plain, std::string* out) const {
    if (!siv_) return Status::NotSupported("aes-256-siv is not available in this OpenSSL");
    CipherCtx c(EVP_CIPHER_CTX_new());
    int n = 0;
    if (!c || EVP_EncryptInit_ex2(c.get(), siv_.get(), U(key), nullptr, nullptr) != 1 ||
        EVP_EncryptUpdate(c.get(), nullptr, &n, U(header), static_cast<int>(header.size())) != 1 ||
        EVP_EncryptUpdate(c.get(), nullptr, &n, U(ad), static_cast<int>(ad.size())) != 1) {
      return OpenSslError(name());
    }
    std::string ct(plain.size() + 16, '\0');
    int n1 = 0, n2 = 0;
    std::string tag(kTagSize, '\0');
    if (EVP_EncryptUpdate(c.get(), U(&ct), &n1, U(plain), static_cast<int>(plain.size())) != 1 ||
        EVP_EncryptFinal_ex(c.get(), U(&ct) + n1, &n2) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_AEAD_GET_TAG, kTagSize, tag.data()) != 1) {
      return OpenSslError(name());
    }
    ct.resize(static_cast<size_t>(n1 + n2));
    *out = header + tag + ct;
    return Status::OK();
  }

  Status SivOpen(std::string_view key, std::string_view header, const std::string& ad,
                 std::string_view body, std::string* out) const {
    if (!siv_) return Status::NotSupported("aes-256-siv is not available in this OpenSSL");
    unsigned char tag[kTagSize];
    std::memcpy(tag, body.data(), kTagSize);
    std::string_view ct = body.substr(kTagSize);
    CipherCtx c(EVP_CIPHER_CTX_new());
    int n = 0;
    if (!c || EVP_DecryptInit_ex2(c.get(), siv_.get(), U(key), nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_AEAD_SET_TAG, kTagSize, tag) != 1 ||
        EVP_DecryptUpdate(c.get(), nullptr, &n, U(header), static_cast<int>(header.size())) != 1 ||
        EVP_DecryptUpdate(c.get(), nullptr, &n, U(ad), static_cast<int>(ad.size())) != 1) {
      return OpenSslError(name());
    }
    out->resize(ct.size() + 16);
    int n1 = 0, n2 = 0;
    if (EVP_DecryptUpdate(c.get(), U(out), &n1, U(ct), static_cast<int>(ct.size())) != 1 ||
        EVP_DecryptFinal_ex(c.get(), U(out) + n1, &n2) != 1) {
      Wipe(out);
      return AuthFailed();
    }
    out->resize(static_cast<size_t>(n1 + n2));
    return Status::OK();
  }

  Status AuthFailed() const {
    return Status::Corruption(
        std::string(name()) +
        ": authentication failed (wrong key, a tampered value, or a value copied from another "
        "item or column)");
  }

  Scheme scheme_;
  std::unique_ptr<EVP_CIPHER, CipherFree> siv_;
  mutable KeyHolder material_;
  mutable std::mutex mu_;
  mutable std::string gcm_salt_;
  mutable std::map<std::string, std::string> derived_;
};

class Base64Codec : public Codec {
 public:
  std::string_view name() const override { return "base64"; }
  bool deterministic() const override { return true; }
  Status Encode(const Context&, std::string_view plain, std::string* out) const override {
    *out = Base64Encode(plain);
    return Status::OK();
  }
  Status Decode(const Context&, std::string_view stored, std::string* out) const override {
    Status s = Base64Decode(stored, out);
    if (!s.ok()) return Status::Corruption("base64: not base64 text (legacy_encoding)");
    return Status::OK();
  }
};

}  // namespace

std::unique_ptr<Codec> NewBase64Codec() { return std::make_unique<Base64Codec>(); }

Status ParseScheme(std::string_view name, Scheme* scheme) {
  for (Scheme s : {Scheme::kPynamoDbMateEcb, Scheme::kPynamoDbMateCtr, Scheme::kAes256Gcm,
                   Scheme::kAes256Siv}) {
    if (name == SchemeName(s)) {
      *scheme = s;
      return Status::OK();
    }
  }
  return Status::InvalidArgument("unknown scheme \"" + std::string(name) +
                                 "\" (known: aes-256-gcm, aes-256-siv, pynamodb-mate-ecb, "
                                 "pynamodb-mate-ctr)");
}

std::string_view SchemeName(Scheme scheme) {
  switch (scheme) {
    case Scheme::kPynamoDbMateEcb:
      return "pynamodb-mate-ecb";
    case Scheme::kPynamoDbMateCtr:
      return "pynamodb-mate-ctr";
    case Scheme::kAes256Gcm:
      return "aes-256-gcm";
    case Scheme::kAes256Siv:
      return "aes-256-siv";
  }
  return "";
}

std::unique_ptr<Codec> NewCipherCodec(Scheme scheme, const KeyRef& key,
                                      std::shared_ptr<KeyStore> keys) {
  switch (scheme) {
    case Scheme::kPynamoDbMateEcb:
      return std::make_unique<PynamoEcbCodec>(key, std::move(keys));
    case Scheme::kPynamoDbMateCtr:
      return std::make_unique<PynamoCtrCodec>(key, std::move(keys));
    case Scheme::kAes256Gcm:
    case Scheme::kAes256Siv:
      return std::make_unique<AeadCodec>(scheme, key, std::move(keys));
  }
  return nullptr;
}

}  // namespace ddb::codec
