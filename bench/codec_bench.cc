// Decrypt and inflate throughput of engine/codec against raw OpenSSL EVP,
// zlib and libzstd on the same bytes, in one run, reported as ratios
// (codec / raw; the target is at least 0.8).
//
// Each case builds its stored values once, checks that both paths return the
// same plaintext, then times both paths alternately (`--reps` rounds, the
// fastest round of each kept) so that the machine's noise hits them alike;
// times are the thread's CPU time, rates MB of plaintext per CPU-second. The raw paths do
// the least a caller must do per value: a fresh EVP context (or z_stream)
// per value with the key already derived and the output buffer sized in
// advance, no error reporting beyond a return code.
//
//   build/bench/ddbsql_codec_bench [--reps N] [--only SUBSTRING] [--json FILE]
//
// bench/codec.sh builds and runs it.
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/codec/codec.h"
#include "engine/codec/keys.h"
#include "engine/encoding.h"
#include "engine/python_formats.h"

namespace ddb::codec {
namespace {

constexpr char kHexKey[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

std::string RawKey() {
  std::string k;
  for (int i = 0; i < 32; ++i) k.push_back(static_cast<char>(i));
  return k;
}

// HTML-like text that compresses about as well as real pages (~4-6x).
std::string Page(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  static const char* kWords[] = {"<div class=\"item\">",
                                 "</div>",
                                 "<p>",
                                 "</p>",
                                 "price",
                                 "the",
                                 "quick",
                                 "brown",
                                 "fox",
                                 "jumps",
                                 "over",
                                 "lazy",
                                 "dog",
                                 "2024",
                                 "<a href=\"/p/",
                                 "\">"};
  std::string s;
  while (s.size() < n) {
    s += kWords[rng() % 16];
    s += ' ';
    if (rng() % 7 == 0) s += std::to_string(rng() % 100000);
  }
  s.resize(n);
  return s;
}

std::string Random(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* U(std::string* s) { return reinterpret_cast<unsigned char*>(s->data()); }

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

// --- raw peers ------------------------------------------------------------

bool RawGunzip(std::string_view in, std::string* out) {
  uint32_t isize = 0;
  std::memcpy(&isize, in.data() + in.size() - 4, 4);  // little-endian host
  out->resize(isize);
  z_stream z{};
  if (inflateInit2(&z, 16 + 15) != Z_OK) return false;
  z.next_in = const_cast<Bytef*>(U(in));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = U(out);
  z.avail_out = static_cast<uInt>(out->size());
  int rc = inflate(&z, Z_FINISH);
  inflateEnd(&z);
  return rc == Z_STREAM_END;
}

bool RawUncompress(std::string_view in, size_t plain_size, std::string* out) {
  out->resize(plain_size);
  uLongf n = plain_size;
  return uncompress(U(out), &n, U(in), in.size()) == Z_OK && n == plain_size;
}

bool RawZstd(std::string_view in, std::string* out) {
  out->resize(ZSTD_getFrameContentSize(in.data(), in.size()));
  return !ZSTD_isError(ZSTD_decompress(out->data(), out->size(), in.data(), in.size()));
}

// ddbsql's GCM layout: version, scheme, nonce(12), ciphertext, tag(16); AAD =
// the two header bytes then the context's associated data.
bool RawGcm(std::string_view key, std::string_view ad, std::string_view in, std::string* out) {
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> c(EVP_CIPHER_CTX_new());
  std::string_view header = in.substr(0, 2), nonce = in.substr(2, 12);
  std::string_view ct = in.substr(14, in.size() - 30);
  std::string tag(in.substr(in.size() - 16));
  int n = 0, n2 = 0;
  out->resize(ct.size());
  return EVP_DecryptInit_ex2(c.get(), EVP_aes_256_gcm(), U(key), U(nonce), nullptr) == 1 &&
         EVP_DecryptUpdate(c.get(), nullptr, &n, U(header), 2) == 1 &&
         EVP_DecryptUpdate(c.get(), nullptr, &n, U(ad), static_cast<int>(ad.size())) == 1 &&
         EVP_DecryptUpdate(c.get(), U(out), &n, U(ct), static_cast<int>(ct.size())) == 1 &&
         EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_AEAD_SET_TAG, 16, tag.data()) == 1 &&
         EVP_DecryptFinal_ex(c.get(), U(out) + n, &n2) == 1;
}

// ddbsql's SIV layout: version, scheme, tag(16), ciphertext.
bool RawSiv(EVP_CIPHER* siv, std::string_view key64, std::string_view ad, std::string_view in,
            std::string* out) {
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> c(EVP_CIPHER_CTX_new());
  std::string_view header = in.substr(0, 2);
  std::string tag(in.substr(2, 16));
  std::string_view ct = in.substr(18);
  int n = 0, n2 = 0;
  out->resize(ct.size());
  return EVP_DecryptInit_ex2(c.get(), siv, U(key64), nullptr, nullptr) == 1 &&
         EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_AEAD_SET_TAG, 16, tag.data()) == 1 &&
         EVP_DecryptUpdate(c.get(), nullptr, &n, U(header), 2) == 1 &&
         EVP_DecryptUpdate(c.get(), nullptr, &n, U(ad), static_cast<int>(ad.size())) == 1 &&
         EVP_DecryptUpdate(c.get(), U(out), &n, U(ct), static_cast<int>(ct.size())) == 1 &&
         EVP_DecryptFinal_ex(c.get(), U(out) + n, &n2) == 1;
}

bool RawEcb(std::string_view key, std::string_view in, std::string* out) {
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> c(EVP_CIPHER_CTX_new());
  int n = 0, n2 = 0;
  out->resize(in.size());
  if (EVP_DecryptInit_ex2(c.get(), EVP_aes_256_ecb(), U(key), nullptr, nullptr) != 1 ||
      EVP_DecryptUpdate(c.get(), U(out), &n, U(in), static_cast<int>(in.size())) != 1 ||
      EVP_DecryptFinal_ex(c.get(), U(out) + n, &n2) != 1) {
    return false;
  }
  out->resize(static_cast<size_t>(n + n2));
  return true;
}

// pynamodb_mate's CTR envelope: the raw path parses it minimally (fixed
// field order, as Python writes it) and decodes base85 too.
bool RawCtr(std::string_view key, std::string_view in, std::string* out) {
  size_t n1 = in.find("\"nonce\": \"") + 10, e1 = in.find('"', n1);
  size_t t1 = in.find("\"token\": \"") + 10, e2 = in.find('"', t1);
  std::string nonce, token;
  if (!Base85Decode(in.substr(n1, e1 - n1), &nonce).ok() ||
      !Base85Decode(in.substr(t1, e2 - t1), &token).ok()) {
    return false;
  }
  std::string iv = nonce + std::string(8, '\0');
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> c(EVP_CIPHER_CTX_new());
  int n = 0, n2 = 0;
  out->resize(token.size());
  return EVP_DecryptInit_ex2(c.get(), EVP_aes_256_ctr(), U(key), U(iv), nullptr) == 1 &&
         EVP_DecryptUpdate(c.get(), U(out), &n, U(token), static_cast<int>(token.size())) == 1 &&
         EVP_DecryptFinal_ex(c.get(), U(out) + n, &n2) == 1;
}

// --- harness ----------------------------------------------------------------

struct Case {
  std::string name;
  size_t value_bytes = 0;  // plaintext bytes per value
  int passes = 1;          // over `stored` per round: rounds of ~64 MB of output
  std::vector<std::string> stored;
  std::function<bool(std::string_view, std::string*)> codec;
  std::function<bool(std::string_view, std::string*)> raw;
};

// CPU time of this thread: time spent descheduled (the machine is shared)
// does not count against either path.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double SecondsFor(const Case& c, const std::function<bool(std::string_view, std::string*)>& f,
                  size_t* bytes) {
  std::string out;
  *bytes = 0;
  double start = ThreadCpuSeconds();
  for (int pass = 0; pass < c.passes; ++pass) {
    for (const std::string& v : c.stored) {
      if (!f(v, &out)) {
        std::fprintf(stderr, "%s: decode failed\n", c.name.c_str());
        std::exit(1);
      }
      *bytes += out.size();
    }
  }
  return ThreadCpuSeconds() - start;
}

// The fastest round: the one the machine's other work disturbed least.
double Best(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

int Main(int argc, char** argv) {
  int reps = 5;
  std::string json_path;
  std::string only;  // run the cases whose name contains this
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else if (a == "--json" && i + 1 < argc) {
      json_path = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--reps N] [--only SUBSTRING] [--json FILE]\n", argv[0]);
      return 2;
    }
  }

  auto keys = std::make_shared<KeyStore>();
  KeyRef hex_ref, pw_ref;
  (void)KeyRef::Parse("env:BENCH_KEY", &hex_ref);
  (void)KeyRef::Parse("env:BENCH_PASSWORD", &pw_ref);
  keys->Set(hex_ref, kHexKey);
  keys->Set(pw_ref, "my-password");
  const std::string raw_key = RawKey();
  const std::string pw_key = Sha256("my-password");
  Context ctx{"pages", "html", {{"pk", dynamodb::AttributeValue::S("page#1")}}};
  const std::string ad = ctx.AssociatedData();
  // aes-256-siv binds table and column only, not the item's key (cipher.cc).
  const std::string siv_ad = Context{ctx.table, ctx.attribute, {}}.AssociatedData();

  auto gzip = std::shared_ptr<const Codec>(NewGzipCodec());
  auto zlib = std::shared_ptr<const Codec>(NewZlibCodec());
  auto zstd = std::shared_ptr<const Codec>(NewZstdCodec());
  auto gcm = std::shared_ptr<const Codec>(NewCipherCodec(Scheme::kAes256Gcm, hex_ref, keys));
  auto siv = std::shared_ptr<const Codec>(NewCipherCodec(Scheme::kAes256Siv, hex_ref, keys));
  auto ecb = std::shared_ptr<const Codec>(NewCipherCodec(Scheme::kPynamoDbMateEcb, pw_ref, keys));
  auto ctr = std::shared_ptr<const Codec>(NewCipherCodec(Scheme::kPynamoDbMateCtr, pw_ref, keys));
  std::unique_ptr<EVP_CIPHER, void (*)(EVP_CIPHER*)> siv_cipher(
      EVP_CIPHER_fetch(nullptr, "AES-256-SIV", nullptr), EVP_CIPHER_free);
  // The SIV key ddbsql derives from a raw key (HKDF-SHA256, see cipher.cc).
  std::string siv_key;
  {
    std::unique_ptr<EVP_PKEY_CTX, void (*)(EVP_PKEY_CTX*)> h(
        EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr), EVP_PKEY_CTX_free);
    siv_key.resize(64);
    size_t len = 64;
    static const char kInfo[] = "ddbsql aes-256-siv";
    if (EVP_PKEY_derive_init(h.get()) != 1 ||
        EVP_PKEY_CTX_set_hkdf_md(h.get(), EVP_sha256()) != 1 ||
        EVP_PKEY_CTX_set1_hkdf_key(h.get(), U(raw_key), 32) != 1 ||
        EVP_PKEY_CTX_add1_hkdf_info(h.get(), U(kInfo), sizeof(kInfo) - 1) != 1 ||
        EVP_PKEY_derive(h.get(), U(&siv_key), &len) != 1) {
      std::fprintf(stderr, "hkdf failed\n");
      return 1;
    }
  }

  auto via = [&](std::shared_ptr<const Codec> c) {
    return
        [c, &ctx](std::string_view in, std::string* out) { return c->Decode(ctx, in, out).ok(); };
  };
  auto make = [&](std::string name, size_t size, size_t count, bool text,
                  std::shared_ptr<const Codec> enc,
                  std::function<bool(std::string_view, std::string*)> raw) {
    Case c;
    c.name = std::move(name);
    c.value_bytes = size;
    for (size_t i = 0; i < count; ++i) {
      std::string plain =
          text ? Page(size, static_cast<unsigned>(i)) : Random(size, static_cast<unsigned>(i));
      std::string stored;
      if (!enc->Encode(ctx, plain, &stored).ok()) std::exit(1);
      c.stored.push_back(std::move(stored));
    }
    c.passes = static_cast<int>(std::max<size_t>(1, (size_t{64} << 20) / (size * count)));
    c.codec = via(enc);
    c.raw = std::move(raw);
    // Both paths must agree before they are timed (the cases --only runs).
    std::string a, b;
    if (c.name.find(only) != std::string::npos &&
        (!c.codec(c.stored[0], &a) || !c.raw(c.stored[0], &b) || a != b)) {
      std::fprintf(stderr, "%s: codec and raw disagree\n", c.name.c_str());
      std::exit(1);
    }
    return c;
  };

  std::vector<Case> cases;
  cases.push_back(make("gunzip 64 KB (zlib inflate)", 65536, 200, true, gzip, RawGunzip));
  cases.push_back(
      make("zlib 64 KB (zlib uncompress)", 65536, 200, true, zlib,
           [](std::string_view in, std::string* out) { return RawUncompress(in, 65536, out); }));
  cases.push_back(make("zstd 64 KB (ZSTD_decompress)", 65536, 200, true, zstd, RawZstd));
  for (size_t size : {size_t{1024}, size_t{65536}}) {
    size_t count = size == 1024 ? 20000 : 400;
    std::string kb = std::to_string(size / 1024) + " KB";
    cases.push_back(
        make("aes-256-gcm " + kb + " (EVP)", size, count, false, gcm,
             [&](std::string_view in, std::string* out) { return RawGcm(raw_key, ad, in, out); }));
    cases.push_back(make("aes-256-siv " + kb + " (EVP)", size, count, false, siv,
                         [&](std::string_view in, std::string* out) {
                           return RawSiv(siv_cipher.get(), siv_key, siv_ad, in, out);
                         }));
    cases.push_back(
        make("pynamodb-mate-ecb " + kb + " (EVP)", size, count, false, ecb,
             [&](std::string_view in, std::string* out) { return RawEcb(pw_key, in, out); }));
    cases.push_back(
        make("pynamodb-mate-ctr " + kb + " (EVP+b85)", size, count, false, ctr,
             [&](std::string_view in, std::string* out) { return RawCtr(pw_key, in, out); }));
  }

  std::printf("%-34s %14s %14s %8s\n", "case (raw peer)", "codec MB/cpu-s", "raw MB/cpu-s",
              "ratio");
  std::string json = "[";
  bool all_ok = true;
  for (const Case& c : cases) {
    if (c.name.find(only) == std::string::npos) continue;
    std::vector<double> tc, tr;
    size_t bytes = 0;
    for (int r = 0; r < reps; ++r) {
      tc.push_back(SecondsFor(c, c.codec, &bytes));
      tr.push_back(SecondsFor(c, c.raw, &bytes));
    }
    double mb = static_cast<double>(bytes) / 1e6;
    double codec_rate = mb / Best(tc), raw_rate = mb / Best(tr);
    double ratio = codec_rate / raw_rate;
    all_ok = all_ok && ratio >= 0.8;
    std::printf("%-34s %14.1f %14.1f %7.2fx%s\n", c.name.c_str(), codec_rate, raw_rate, ratio,
                ratio >= 0.8 ? "" : "  (below 0.8)");
    char row[512];
    std::snprintf(row, sizeof(row),
                  "%s{\"case\": \"%s\", \"codec_mb_s\": %.1f, \"raw_mb_s\": %.1f, \"ratio\": %.3f}",
                  json.size() > 1 ? ", " : "", c.name.c_str(), codec_rate, raw_rate, ratio);
    json += row;
  }
  json += "]\n";
  std::printf("target: codec >= 0.8x raw in every case: %s\n", all_ok ? "met" : "NOT met");
  if (!json_path.empty()) {
    FILE* f = std::fopen(json_path.c_str(), "w");
    if (f != nullptr) {
      std::fputs(json.c_str(), f);
      std::fclose(f);
    }
  }
  return 0;
}

}  // namespace
}  // namespace ddb::codec

int main(int argc, char** argv) { return ddb::codec::Main(argc, argv); }
