// Decrypt + verify rate of ItemEncryptor (engine/item_encryption) against
// raw OpenSSL EVP doing the same cryptography on the same bytes, in one run,
// reported as items per CPU-second and as ratios (raw / ItemEncryptor; the
// target, from issue 16, is at most 2x).
//
// The items are like the official vectors': a string hash key, a number
// range key, four encrypted attributes of about 100 bytes (S, N, B, SS),
// three signed ones and one left alone, written by ItemEncryptor::Encrypt
// under a static provider (AES-256 and HMAC-SHA256 keys). Two raw peers:
//
//   aes+hmac        per item: an AES-256-CBC decrypt of each encrypted
//                   attribute and one HMAC-SHA256 over the item's string to
//                   sign (computed once beforehand), compared to the stored
//                   signature: the primitives alone.
//   aes+hmac+sha256 the same plus the SHA-256 digests of each signed
//                   attribute's name and serialised value that the string to
//                   sign is made of (serialisations computed once beforehand;
//                   the table's and the actions' digests once for all items):
//                   the cryptography an item needs, none of the format work.
//
// The raw peers reuse their EVP contexts and the HMAC key setup, fetch the
// cipher and digest once (as ItemEncryptor's workspaces do) and do no error
// reporting beyond a return code. Both paths are checked to
// agree before timing, then timed alternately (`--reps` rounds, the fastest
// of each kept); times are the thread's CPU time (the machine is shared).
//
//   build/bench/ddbsql_item_encryption_bench [--reps N] [--items N] [--json FILE]
//
// bench/item_encryption.sh builds and runs it.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/item_timer.h"
#include "engine/item_encryption/attribute_serialization.h"
#include "engine/item_encryption/item_encryptor.h"
#include "engine/item_encryption/material_description.h"
#include "engine/item_encryption/signature.h"
#include "engine/item_encryption/static_provider.h"

namespace ddb::item_encryption {
namespace {

using dynamodb::AttributeValue;
using dynamodb::Item;

constexpr char kTable[] = "TableName";

std::string Text(size_t n, std::mt19937* rng) {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string s(n, ' ');
  for (char& c : s) c = kAlphabet[(*rng)() % (sizeof(kAlphabet) - 1)];
  return s;
}

std::string Bytes(size_t n, std::mt19937* rng) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>((*rng)());
  return s;
}

// One plaintext item, like the vectors' (see the file comment).
Item PlainItem(int i, std::mt19937* rng) {
  return {
      {"hashKey", AttributeValue::S("item#" + std::to_string(i))},
      {"rangeKey", AttributeValue::N(std::to_string(1000 + i))},
      {"stringValue", AttributeValue::S(Text(100, rng))},
      {"doubleValue",
       AttributeValue::N("3.141592653589793238462643383279" + std::to_string((*rng)() % 1000))},
      {"byteValue", AttributeValue::B(Bytes(100, rng))},
      {"stringSet", AttributeValue::SS({Text(30, rng), Text(30, rng), Text(30, rng)})},
      {"version", AttributeValue::N(std::to_string(i % 7))},
      {"intValue", AttributeValue::N(std::to_string((*rng)() % 100000))},
      {"status", AttributeValue::S("active")},
      {"comment", AttributeValue::S(Text(40, rng))},
  };
}

Actions BenchActions() {
  Actions a;
  a.default_action = Action::kEncrypt;
  a.attributes = {{"version", Action::kSign},
                  {"intValue", Action::kSign},
                  {"status", Action::kSign},
                  {"comment", Action::kNothing}};
  return a;
}

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* U(std::string* s) { return reinterpret_cast<unsigned char*>(s->data()); }

// What the raw peers see of one stored item.
struct RawItem {
  std::vector<std::string> ciphertexts;  // IV || AES-CBC, one per encrypted attribute
  std::string to_sign;                   // the string to sign, for the aes+hmac peer
  // For the aes+hmac+sha256 peer: each signed attribute's name, whether it
  // is encrypted, and its serialised stored value.
  struct Signed {
    std::string name;
    bool encrypted = false;
    std::string serialized;
  };
  std::vector<Signed> signed_attributes;
  std::string signature;
};

// Raw OpenSSL with contexts made once.
class RawPeer {
 public:
  RawPeer(std::string aes_key, std::string hmac_key)
      : aes_key_(std::move(aes_key)), hmac_key_(std::move(hmac_key)) {
    cipher_.reset(EVP_CIPHER_CTX_new());
    md_.reset(EVP_MD_CTX_new());
    sha256_.reset(EVP_MD_fetch(nullptr, "SHA256", nullptr));
    mac_.reset(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    mac_ctx_.reset(EVP_MAC_CTX_new(mac_.get()));
    cbc_.reset(EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr));
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    if (EVP_MAC_init(mac_ctx_.get(), U(hmac_key_), hmac_key_.size(), params) != 1) {
      std::fprintf(stderr, "HMAC setup failed\n");
      std::exit(1);
    }
    // The digests that are the same for every item of the table.
    Sha256(std::string("TABLE>") + kTable + "<TABLE", &table_digest_);
    Sha256("ENCRYPTED", &encrypted_digest_);
    Sha256("PLAINTEXT", &plaintext_digest_);
  }

  // AES-CBC decrypts + HMAC of `to_sign` (or, `digests`, of the string to
  // sign made from SHA-256s here); false when something fails or the
  // signature differs. `plain` receives the last decrypted value.
  bool DecryptItem(const RawItem& item, bool digests, std::string* plain) {
    std::string_view to_sign = item.to_sign;
    if (digests) {
      scratch_ = table_digest_;
      for (const RawItem::Signed& s : item.signed_attributes) {
        Sha256(s.name, &scratch_);
        scratch_.append(s.encrypted ? encrypted_digest_ : plaintext_digest_);
        Sha256(s.serialized, &scratch_);
      }
      to_sign = scratch_;
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t len = 0;
    // The key was set up once (constructor): reinitialise with it.
    if (EVP_MAC_init(mac_ctx_.get(), nullptr, 0, nullptr) != 1 ||
        EVP_MAC_update(mac_ctx_.get(), U(to_sign), to_sign.size()) != 1 ||
        EVP_MAC_final(mac_ctx_.get(), mac, &len, sizeof mac) != 1 || len != item.signature.size() ||
        CRYPTO_memcmp(mac, item.signature.data(), len) != 0) {
      return false;
    }
    for (const std::string& c : item.ciphertexts) {
      std::string_view body = std::string_view(c).substr(16);
      plain->resize(body.size());
      int n = 0, m = 0;
      if (EVP_DecryptInit_ex2(cipher_.get(), cbc_.get(), U(aes_key_), U(c), nullptr) != 1 ||
          EVP_DecryptUpdate(cipher_.get(), U(plain), &n, U(body), static_cast<int>(body.size())) !=
              1 ||
          EVP_DecryptFinal_ex(cipher_.get(), U(plain) + n, &m) != 1) {
        return false;
      }
      plain->resize(static_cast<size_t>(n + m));
    }
    return true;
  }

 private:
  void Sha256(std::string_view data, std::string* out) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestInit_ex2(md_.get(), sha256_.get(), nullptr);
    EVP_DigestUpdate(md_.get(), data.data(), data.size());
    EVP_DigestFinal_ex(md_.get(), md, &len);
    out->append(reinterpret_cast<const char*>(md), len);
  }

  struct Free {
    void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
    void operator()(EVP_MD* p) const { EVP_MD_free(p); }
    void operator()(EVP_CIPHER* p) const { EVP_CIPHER_free(p); }
    void operator()(EVP_MAC* p) const { EVP_MAC_free(p); }
    void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
  };
  std::string aes_key_, hmac_key_;
  std::unique_ptr<EVP_CIPHER_CTX, Free> cipher_;
  std::unique_ptr<EVP_MD_CTX, Free> md_;
  std::unique_ptr<EVP_MD, Free> sha256_;
  std::unique_ptr<EVP_MAC, Free> mac_;
  std::unique_ptr<EVP_MAC_CTX, Free> mac_ctx_;
  std::unique_ptr<EVP_CIPHER, Free> cbc_;
  std::string table_digest_, encrypted_digest_, plaintext_digest_;
  std::string scratch_;
};

int Main(int argc, char** argv) {
  int reps = 5;
  size_t items = 2000;
  int passes = 10;  // over the items per round
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--items" && i + 1 < argc) {
      items = static_cast<size_t>(std::max(1, std::atoi(argv[++i])));
    } else if (a == "--json" && i + 1 < argc) {
      json_path = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--reps N] [--items N] [--json FILE]\n", argv[0]);
      return 2;
    }
  }

  std::mt19937 rng(16);
  const std::string aes_key = Bytes(32, &rng), hmac_key = Bytes(32, &rng);
  auto provider = std::make_shared<StaticProvider>(aes_key, SignatureKey::Hmac(hmac_key));
  dynamodb::KeySchema key;
  key.hash = {"hashKey", "S"};
  key.range = dynamodb::KeyAttribute{"rangeKey", "N"};
  std::unique_ptr<ItemEncryptor> enc;
  Status s = ItemEncryptor::Create(kTable, key, BenchActions(), provider, &enc);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }

  std::vector<Item> stored(items);
  std::vector<RawItem> raw(items);
  std::vector<Item> plain(items);
  CryptoContext crypto;
  size_t stored_bytes = 0;
  for (size_t i = 0; i < items; ++i) {
    plain[i] = PlainItem(static_cast<int>(i), &rng);
    s = enc->Encrypt(plain[i], &stored[i]);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
    RawItem& r = raw[i];
    for (const auto& [name, value] : stored[i]) {
      stored_bytes += name.size() + value.scalar().size();
      if (name == kSignatureAttribute || name == kMaterialDescriptionAttribute) continue;
      Action a = enc->ActionFor(name);
      if (a == Action::kNothing) continue;
      if (a == Action::kEncrypt) r.ciphertexts.push_back(value.scalar());
      RawItem::Signed sig{name, a == Action::kEncrypt, {}};
      if (!SerializeAttribute(value, &sig.serialized).ok()) return 1;
      r.signed_attributes.push_back(std::move(sig));
    }
    s = StringToSign(kTable, stored[i], enc->actions(), Ordering::kPython, &crypto, &r.to_sign);
    if (!s.ok()) return 1;
    r.signature = stored[i].at(kSignatureAttribute).scalar();
  }

  // Both paths agree before they are timed: ItemEncryptor gives the plain
  // item back, the raw peers verify and decrypt the same bytes (the last
  // attribute they decrypt is the last encrypted one, serialised).
  RawPeer peer(aes_key, hmac_key);
  std::string raw_plain, serialized;
  for (size_t i = 0; i < items; ++i) {
    Item back;
    s = enc->Decrypt(stored[i], &back);
    if (!s.ok() || back != plain[i]) {
      std::fprintf(stderr, "item %zu: ItemEncryptor does not give the plain item back: %s\n", i,
                   s.ToString().c_str());
      return 1;
    }
    std::string last_encrypted;
    for (const auto& [name, value] : plain[i]) {
      if (enc->ActionFor(name) == Action::kEncrypt) last_encrypted = name;
    }
    serialized.clear();
    if (!SerializeAttribute(plain[i].at(last_encrypted), &serialized).ok()) return 1;
    for (bool digests : {false, true}) {
      if (!peer.DecryptItem(raw[i], digests, &raw_plain) || raw_plain != serialized) {
        std::fprintf(stderr, "item %zu: the raw peer disagrees\n", i);
        return 1;
      }
    }
  }

  std::vector<double> t_enc, t_raw, t_raw_digests;
  const size_t n = items * static_cast<size_t>(passes);
  Item back;
  for (int r = 0; r < reps; ++r) {
    t_enc.push_back(
        bench::TimeItems(n, [&](size_t i) { return enc->Decrypt(stored[i % items], &back).ok(); }));
    t_raw.push_back(bench::TimeItems(
        n, [&](size_t i) { return peer.DecryptItem(raw[i % items], false, &raw_plain); }));
    t_raw_digests.push_back(bench::TimeItems(
        n, [&](size_t i) { return peer.DecryptItem(raw[i % items], true, &raw_plain); }));
  }
  auto rate = [n](const std::vector<double>& t) {
    return static_cast<double>(n) / *std::min_element(t.begin(), t.end());
  };
  double enc_rate = rate(t_enc), raw_rate = rate(t_raw), raw_digests_rate = rate(t_raw_digests);
  double ratio = raw_rate / enc_rate, ratio_digests = raw_digests_rate / enc_rate;
  std::printf("items: %zu x %d passes, %zu stored bytes per item on average\n", items, passes,
              stored_bytes / items);
  std::printf("  (4 encrypted attributes, 3 signed + 2 key attributes, 1 left alone)\n");
  std::printf("%-40s %14s %10s\n", "path", "items/cpu-s", "raw/this");
  std::printf("%-40s %14.0f %10s\n", "ItemEncryptor::Decrypt (verify+decrypt)", enc_rate, "");
  std::printf("%-40s %14.0f %9.2fx\n", "raw EVP aes+hmac", raw_rate, ratio);
  std::printf("%-40s %14.0f %9.2fx\n", "raw EVP aes+hmac+sha256", raw_digests_rate, ratio_digests);
  std::printf(
      "target (issue 16): ItemEncryptor within 2x of raw: %s against aes+hmac+sha256 (the "
      "same cryptography), %s against aes+hmac alone\n",
      ratio_digests <= 2.0 ? "met" : "NOT met", ratio <= 2.0 ? "met" : "NOT met");
  if (!json_path.empty()) {
    FILE* f = std::fopen(json_path.c_str(), "w");
    if (f != nullptr) {
      std::fprintf(f,
                   "{\"item_encryptor_items_s\": %.0f, \"raw_aes_hmac_items_s\": %.0f, "
                   "\"raw_aes_hmac_sha256_items_s\": %.0f, \"ratio\": %.3f, "
                   "\"ratio_with_digests\": %.3f}\n",
                   enc_rate, raw_rate, raw_digests_rate, ratio, ratio_digests);
      std::fclose(f);
    }
  }
  return 0;
}

}  // namespace
}  // namespace ddb::item_encryption

int main(int argc, char** argv) { return ddb::item_encryption::Main(argc, argv); }
