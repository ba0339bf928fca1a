// ddbsql's own codecs and chains: round trips, tampering, associated data,
// determinism, password keys, and the errors bad input gets.
#include "engine/codec/codec.h"

#include <zlib.h>

#include <random>

#include <gtest/gtest.h>

#include "engine/codec/keys.h"
#include "engine/encoding.h"

namespace ddb::codec {
namespace {

using dynamodb::AttributeValue;

constexpr char kHexKey[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

// Compressible text of about n bytes.
std::string Text(size_t n) {
  std::string s;
  for (size_t i = 0; s.size() < n; ++i) s += "row " + std::to_string(i % 97) + " of some text; ";
  s.resize(n);
  return s;
}

class CodecTest : public ::testing::Test {
 protected:
  std::unique_ptr<Codec> Cipher(Scheme scheme, const std::string& secret,
                                const std::string& ref_text = "env:K") {
    KeyRef ref;
    EXPECT_TRUE(KeyRef::Parse(ref_text, &ref).ok());
    keys_->Set(ref, secret);
    return NewCipherCodec(scheme, ref, keys_);
  }

  static void RoundTrip(const Codec& c, const Context& ctx, const std::string& plain) {
    std::string stored, back;
    Status s = c.Encode(ctx, plain, &stored);
    ASSERT_TRUE(s.ok()) << c.name() << ": " << s.ToString();
    s = c.Decode(ctx, stored, &back);
    ASSERT_TRUE(s.ok()) << c.name() << ": " << s.ToString();
    EXPECT_EQ(back, plain) << c.name();
  }

  std::shared_ptr<KeyStore> keys_ = std::make_shared<KeyStore>();
  Context ctx_{"orders", "card", {{"id", AttributeValue::S("o-1")}, {"n", AttributeValue::N("7")}}};
};

TEST_F(CodecTest, EveryCodecRoundTrips) {
  std::vector<std::unique_ptr<Codec>> codecs;
  codecs.push_back(NewGzipCodec());
  codecs.push_back(NewGzipCodec(1));
  codecs.push_back(NewZlibCodec());
  codecs.push_back(NewZstdCodec());
  codecs.push_back(NewZstdCodec(19));
  codecs.push_back(NewBase64Codec());
  codecs.push_back(Cipher(Scheme::kAes256Gcm, kHexKey));
  codecs.push_back(Cipher(Scheme::kAes256Siv, kHexKey, "env:K2"));
  codecs.push_back(Cipher(Scheme::kPynamoDbMateEcb, "pw", "env:K3"));
  codecs.push_back(Cipher(Scheme::kPynamoDbMateCtr, "pw", "env:K4"));
  for (const auto& c : codecs) {
    for (const std::string& plain : {std::string(), std::string("a"), std::string("\0\xff", 2),
                                     Text(100000), RandomBytes(70000, 3)}) {
      RoundTrip(*c, ctx_, plain);
    }
  }
}

TEST_F(CodecTest, ChainsRunInWriteOrderAndUndoInReverse) {
  Chain chain({std::shared_ptr<const Codec>(NewZstdCodec()), Cipher(Scheme::kAes256Gcm, kHexKey)});
  std::string plain = Text(50000), stored, back;
  ASSERT_TRUE(chain.Encode(ctx_, plain, &stored).ok());
  // Compressed before encryption: the ciphertext is far smaller than the text.
  EXPECT_LT(stored.size(), plain.size() / 5);
  EXPECT_EQ(stored[0], '\x01');  // format version leads
  ASSERT_TRUE(chain.Decode(ctx_, stored, &back).ok());
  EXPECT_EQ(back, plain);
  EXPECT_EQ(chain.Describe(), "zstd, aes-256-gcm");
  EXPECT_EQ(chain.KeyReferences(), "env:K");
  EXPECT_EQ(Chain({Cipher(Scheme::kPynamoDbMateEcb, "pw", "env:A"),
                   std::shared_ptr<const Codec>(NewBase64Codec()),
                   Cipher(Scheme::kAes256Siv, kHexKey, "file:/k")})
                .KeyReferences(),
            "env:A, file:/k");
  EXPECT_EQ(Chain({std::shared_ptr<const Codec>(NewGzipCodec())}).KeyReferences(), "");
  EXPECT_FALSE(chain.deterministic());
  EXPECT_TRUE(
      Chain({std::shared_ptr<const Codec>(NewBase64Codec()), Cipher(Scheme::kAes256Siv, kHexKey)})
          .deterministic());
  // Compression is repeatable here but not across writers.
  EXPECT_FALSE(Chain({std::shared_ptr<const Codec>(NewGzipCodec())}).deterministic());
}

TEST_F(CodecTest, TamperingWithAnyByteOfAnAeadValueFails) {
  for (Scheme scheme : {Scheme::kAes256Gcm, Scheme::kAes256Siv}) {
    auto c = Cipher(scheme, kHexKey);
    std::string stored;
    ASSERT_TRUE(c->Encode(ctx_, "4111 1111 1111 1111", &stored).ok());
    for (size_t i = 0; i < stored.size(); ++i) {
      std::string bad = stored;
      bad[i] ^= 0x01;
      std::string out;
      Status s = c->Decode(ctx_, bad, &out);
      EXPECT_FALSE(s.ok()) << SchemeName(scheme) << " byte " << i;
    }
    std::string out;
    EXPECT_FALSE(c->Decode(ctx_, stored.substr(0, stored.size() - 1), &out).ok());
  }
}

TEST_F(CodecTest, AeadValuesAreBoundToTableItemAndColumn) {
  for (Scheme scheme : {Scheme::kAes256Gcm, Scheme::kAes256Siv}) {
    auto c = Cipher(scheme, kHexKey);
    std::string stored, out;
    ASSERT_TRUE(c->Encode(ctx_, "secret", &stored).ok());
    Context other_item = ctx_;
    other_item.key[0].value = AttributeValue::S("o-2");
    Context other_column = ctx_;
    other_column.attribute = "note";
    Context other_table = ctx_;
    other_table.table = "orders2";
    for (const Context* other : {&other_column, &other_table}) {
      Status s = c->Decode(*other, stored, &out);
      ASSERT_FALSE(s.ok());
      EXPECT_EQ(s.code(), Status::Code::kCorruption);
      EXPECT_NE(s.message().find("authentication failed"), std::string::npos) << s.message();
    }
    // GCM binds the item too; SIV must not, so that equal values of a column
    // encrypt alike in every item (lookups by value).
    EXPECT_EQ(c->Decode(other_item, stored, &out).ok(), scheme == Scheme::kAes256Siv);
    std::string again;
    ASSERT_TRUE(c->Encode(other_item, "secret", &again).ok());
    EXPECT_EQ(again == stored, scheme == Scheme::kAes256Siv);
    // Numbers bind by value: 7 and 7.0 are the same DynamoDB key.
    Context same_number = ctx_;
    same_number.key[1].value = AttributeValue::N("7.0");
    EXPECT_TRUE(c->Decode(same_number, stored, &out).ok());
  }
}

TEST_F(CodecTest, WrongKeyFailsWithoutShowingIt) {
  auto right = Cipher(Scheme::kAes256Gcm, kHexKey);
  std::string stored, out;
  ASSERT_TRUE(right->Encode(ctx_, "x", &stored).ok());
  std::string other_key(kHexKey);
  other_key[0] = '1';
  auto wrong = Cipher(Scheme::kAes256Gcm, other_key, "env:OTHER");
  Status s = wrong->Decode(ctx_, stored, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("wrong key"), std::string::npos);
  EXPECT_EQ(s.ToString().find(other_key), std::string::npos);
  // A password where a raw key was used is named as such.
  auto password = Cipher(Scheme::kAes256Gcm, "correct horse", "env:PW");
  s = password->Decode(ctx_, stored, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("password"), std::string::npos) << s.message();
}

TEST_F(CodecTest, SivIsDeterministicGcmIsNot) {
  auto siv = Cipher(Scheme::kAes256Siv, kHexKey);
  std::string a, b;
  ASSERT_TRUE(siv->Encode(ctx_, "123-45-6789", &a).ok());
  ASSERT_TRUE(siv->Encode(ctx_, "123-45-6789", &b).ok());
  EXPECT_EQ(a, b);
  EXPECT_TRUE(siv->deterministic());
  auto gcm = Cipher(Scheme::kAes256Gcm, kHexKey, "env:G");
  ASSERT_TRUE(gcm->Encode(ctx_, "123-45-6789", &a).ok());
  ASSERT_TRUE(gcm->Encode(ctx_, "123-45-6789", &b).ok());
  EXPECT_NE(a, b);
  EXPECT_FALSE(gcm->deterministic());
}

TEST_F(CodecTest, Base64KeysEqualHexKeys) {
  std::string raw;
  for (int i = 0; i < 32; ++i) raw.push_back(static_cast<char>(i));
  auto hex = Cipher(Scheme::kAes256Siv, kHexKey, "env:HEX");
  auto b64 = Cipher(Scheme::kAes256Siv, Base64Encode(raw), "env:B64");
  std::string a, b;
  ASSERT_TRUE(hex->Encode(ctx_, "v", &a).ok());
  ASSERT_TRUE(b64->Encode(ctx_, "v", &b).ok());
  EXPECT_EQ(a, b);
}

TEST_F(CodecTest, PasswordsAreStretchedWithScryptParametersInTheHeader) {
  for (Scheme scheme : {Scheme::kAes256Gcm, Scheme::kAes256Siv}) {
    auto c = Cipher(scheme, "correct horse battery staple");
    std::string stored, back;
    ASSERT_TRUE(c->Encode(ctx_, "hello", &stored).ok());
    ASSERT_GE(stored.size(), 21u);
    EXPECT_EQ(stored[0], '\x01');
    EXPECT_EQ(static_cast<unsigned char>(stored[1]) & 0x80, 0x80);
    EXPECT_EQ(stored[2], 15);  // log2 N
    EXPECT_EQ(stored[3], 8);   // r
    EXPECT_EQ(stored[4], 1);   // p
    // A fresh codec (no cached derived key) reads it from the header.
    auto fresh = Cipher(scheme, "correct horse battery staple", "env:FRESH");
    ASSERT_TRUE(fresh->Decode(ctx_, stored, &back).ok());
    EXPECT_EQ(back, "hello");
    auto wrong = Cipher(scheme, "correct horse battery stapler", "env:WRONGPW");
    EXPECT_FALSE(wrong->Decode(ctx_, stored, &back).ok());
  }
}

TEST_F(CodecTest, ValuesOfAnotherSchemeAreRecognized) {
  auto gcm = Cipher(Scheme::kAes256Gcm, kHexKey);
  auto siv = Cipher(Scheme::kAes256Siv, kHexKey, "env:S");
  std::string stored, out;
  ASSERT_TRUE(siv->Encode(ctx_, "x", &stored).ok());
  Status s = gcm->Decode(ctx_, stored, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not a value of this scheme"), std::string::npos) << s.message();
  s = gcm->Decode(ctx_, "plain text, not ciphertext", &out);
  EXPECT_FALSE(s.ok());
  s = gcm->Decode(ctx_, std::string("\x07\x01", 2) + std::string(40, 'x'), &out);
  EXPECT_EQ(s.code(), Status::Code::kNotSupported) << s.ToString();
  auto ecb = Cipher(Scheme::kPynamoDbMateEcb, "pw", "env:E");
  s = ecb->Decode(ctx_, "short", &out);
  EXPECT_NE(s.message().find("not a value of this scheme"), std::string::npos);
  auto ctr = Cipher(Scheme::kPynamoDbMateCtr, "pw", "env:C");
  s = ctr->Decode(ctx_, "{\"nonce\": 1}", &out);
  EXPECT_NE(s.message().find("not a value of this scheme"), std::string::npos);
}

TEST_F(CodecTest, CorruptCompressedDataIsAnError) {
  std::vector<std::unique_ptr<Codec>> codecs;
  codecs.push_back(NewGzipCodec());
  codecs.push_back(NewZlibCodec());
  codecs.push_back(NewZstdCodec());
  for (const auto& c : codecs) {
    std::string stored, out;
    ASSERT_TRUE(c->Encode(ctx_, Text(5000), &stored).ok());
    Status s = c->Decode(ctx_, "definitely not compressed", &out);
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << c->name();
    EXPECT_NE(s.message().find(std::string(c->name())), std::string::npos);
    s = c->Decode(ctx_, stored.substr(0, stored.size() / 2), &out);
    EXPECT_FALSE(s.ok()) << c->name() << " truncated";
    std::string flipped = stored;
    flipped[flipped.size() / 2] ^= 0x55;
    s = c->Decode(ctx_, flipped, &out);
    EXPECT_FALSE(s.ok() && out == Text(5000)) << c->name() << " flipped";
  }
}

TEST_F(CodecTest, GzipReadsConcatenatedMembersAndOtherWriters) {
  auto gz = NewGzipCodec();
  std::string a, b, out;
  ASSERT_TRUE(gz->Encode(ctx_, "hello ", &a).ok());
  ASSERT_TRUE(gz->Encode(ctx_, "world", &b).ok());
  ASSERT_TRUE(gz->Decode(ctx_, a + b, &out).ok());
  EXPECT_EQ(out, "hello world");
  // zlib's own gzip writer (with a header name field is not needed: default).
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string plain = Text(10000), gz_bytes(20000, '\0');
  z.next_in = reinterpret_cast<Bytef*>(plain.data());
  z.avail_in = static_cast<uInt>(plain.size());
  z.next_out = reinterpret_cast<Bytef*>(gz_bytes.data());
  z.avail_out = static_cast<uInt>(gz_bytes.size());
  ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  gz_bytes.resize(z.total_out);
  deflateEnd(&z);
  ASSERT_TRUE(gz->Decode(ctx_, gz_bytes, &out).ok());
  EXPECT_EQ(out, plain);
}

TEST_F(CodecTest, SchemeNames) {
  Scheme s;
  ASSERT_TRUE(ParseScheme("aes-256-siv", &s).ok());
  EXPECT_EQ(s, Scheme::kAes256Siv);
  Status st = ParseScheme("rot13", &s);
  EXPECT_NE(st.message().find("aes-256-gcm"), std::string::npos);
}

TEST(ContextTest, DescribeAndAssociatedData) {
  Context ctx{"pages", "html", {{"pk", AttributeValue::S("it's")}, {"sk", AttributeValue::N("3")}}};
  EXPECT_EQ(ctx.Describe(), "table pages, key (pk='it''s', sk=3), column html");
  Context ambiguous{"pagesh", "tml", ctx.key};
  EXPECT_NE(ctx.AssociatedData(), ambiguous.AssociatedData());
}

}  // namespace
}  // namespace ddb::codec
