// Fuzz target: every codec's Decode (engine/codec/codec.h) on hostile
// stored bytes: gzip, zlib, zstd, base64, the pynamodb_mate ciphers (ECB,
// CTR), ddbsql's AEADs (aes-256-gcm, aes-256-siv), chains of them, and the
// pynamodb_mate attribute classes and ddbsql chains as columns
// (Column::Decode of a B or S value, or of an S3 object's body), plus
// base85. The first input byte picks the decoder; compression codecs also
// check that their own output round-trips.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/codec/catalog.h"
#include "engine/codec/codec.h"
#include "engine/codec/keys.h"
#include "engine/python_formats.h"

namespace {

using ddb::Status;
using ddb::codec::Codec;
using ddb::codec::Column;
using ddb::codec::Context;

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "codec_decode_fuzz: invariant broken: %s\n", what);
  std::abort();
}

// Column declarations: each pynamodb_mate class, and ddbsql chains.
constexpr const char* kColumns[] = {
    R"({"codec": "EncryptedUnicodeAttribute", "key": "env:PASSWORD", "determinative": true})",
    R"({"codec": "EncryptedUnicodeAttribute", "key": "env:PASSWORD", "determinative": false})",
    R"({"codec": "EncryptedBinaryAttribute", "key": "env:PASSWORD", "determinative": true})",
    R"({"codec": "EncryptedNumberAttribute", "key": "env:PASSWORD", "determinative": false})",
    R"({"codec": "EncryptedJsonDictAttribute", "key": "env:PASSWORD", "determinative": true})",
    R"({"codec": "CompressedUnicodeAttribute"})",
    R"({"codec": "CompressedBinaryAttribute"})",
    R"({"codec": "CompressedJSONAttribute"})",
    R"({"codec": "CompressedJSONDictAttribute"})",
    R"({"codec": "S3BackedUnicodeAttribute", "bucket": "b"})",
    R"({"codec": "S3BackedBigTextAttribute", "bucket": "b"})",
    R"({"codec": "S3BackedBinaryAttribute", "bucket": "b"})",
    R"({"codec": "S3BackedJsonDictAttribute", "bucket": "b"})",
    R"({"codec": "LargeAttribute", "bucket": "b"})",
    R"({"chain": ["zstd", {"aead": "aes-256-gcm", "key": "env:RAW_KEY"}], "as": "text"})",
    R"({"chain": ["gzip", "base64"], "as": "json"})",
    R"({"chain": [{"aead": "aes-256-siv", "key": "env:RAW_KEY"}], "as": "number"})",
    R"({"chain": ["s3", "zlib"], "bucket": "b", "as": "blob"})",
};

class Decoders {
 public:
  Decoders() : catalog_(std::make_shared<ddb::codec::KeyStore>()) {
    ddb::codec::KeyRef password, raw;
    Check(ddb::codec::KeyRef::Parse("env:PASSWORD", &password).ok(), "key ref");
    Check(ddb::codec::KeyRef::Parse("env:RAW_KEY", &raw).ok(), "key ref");
    catalog_.keys()->Set(password, "my-password");
    // 32 raw bytes as hex: no scrypt stretching on each run.
    catalog_.keys()->Set(raw, std::string(64, 'a'));
    codecs_.push_back(ddb::codec::NewGzipCodec());
    codecs_.push_back(ddb::codec::NewZlibCodec());
    codecs_.push_back(ddb::codec::NewZstdCodec());
    codecs_.push_back(ddb::codec::NewBase64Codec());
    using ddb::codec::Scheme;
    codecs_.push_back(
        ddb::codec::NewCipherCodec(Scheme::kPynamoDbMateEcb, password, catalog_.keys()));
    codecs_.push_back(
        ddb::codec::NewCipherCodec(Scheme::kPynamoDbMateCtr, password, catalog_.keys()));
    codecs_.push_back(ddb::codec::NewCipherCodec(Scheme::kAes256Gcm, raw, catalog_.keys()));
    codecs_.push_back(ddb::codec::NewCipherCodec(Scheme::kAes256Siv, raw, catalog_.keys()));
    for (const char* decl : kColumns) {
      std::shared_ptr<const Column> column;
      Status s = catalog_.ParseColumn("t", "c", decl, "fuzz", &column);
      if (!s.ok()) {
        std::fprintf(stderr, "codec_decode_fuzz: %s: %s\n", decl, s.ToString().c_str());
        std::abort();
      }
      columns_.push_back(column);
    }
  }

  void Run(uint8_t selector, std::string_view bytes) const {
    Context ctx{"t", "c", {}};
    ctx.key.push_back({"pk", ddb::dynamodb::AttributeValue::S("a")});
    size_t n = codecs_.size() + columns_.size() * 2 + 1;
    size_t pick = selector % n;
    std::string out;
    if (pick < codecs_.size()) {
      const Codec& codec = *codecs_[pick];
      (void)codec.Decode(ctx, bytes, &out);
      if (pick < 3) {
        // Compression: our own output decodes to the input.
        std::string stored, plain;
        Check(codec.Encode(ctx, bytes, &stored).ok(), "compression failed");
        Check(codec.Decode(ctx, stored, &plain).ok(), "own output does not decode");
        Check(plain == bytes, "own output decodes to something else");
      }
      return;
    }
    pick -= codecs_.size();
    if (pick < columns_.size() * 2) {
      const Column& column = *columns_[pick / 2];
      ddb::codec::PlainValue plain;
      if (column.s3()) {
        // An S3 column: the item holds the URI, the object holds the bytes.
        auto stored = ddb::dynamodb::AttributeValue::S("s3://b/k");
        (void)column.Decode(ctx, stored, bytes, &plain);
      } else {
        auto stored = pick % 2 == 0 ? ddb::dynamodb::AttributeValue::B(std::string(bytes))
                                    : ddb::dynamodb::AttributeValue::S(std::string(bytes));
        (void)column.Decode(ctx, stored, {}, &plain);
      }
      return;
    }
    (void)ddb::Base85Decode(bytes, &out);
  }

 private:
  ddb::codec::Catalog catalog_;
  std::vector<std::unique_ptr<Codec>> codecs_;
  std::vector<std::shared_ptr<const Column>> columns_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Decoders decoders;
  if (size == 0) return 0;
  decoders.Run(data[0], std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
