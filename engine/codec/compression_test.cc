// Tests of compression.cc's limit on decoded size: decompression bombs stop
// at Context::max_decoded_bytes (kDefaultMaxDecodedBytes by default) with an
// error naming the limit, and, through a column, table, key and column.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/codec/catalog.h"
#include "engine/codec/codec.h"

namespace ddb::codec {
namespace {

using dynamodb::AttributeValue;

std::vector<std::unique_ptr<Codec>> Compressors() {
  std::vector<std::unique_ptr<Codec>> codecs;
  codecs.push_back(NewGzipCodec());
  codecs.push_back(NewZlibCodec());
  codecs.push_back(NewZstdCodec());
  return codecs;
}

TEST(CompressionLimitTest, ValuesUpToTheLimitDecodeLargerOnesFail) {
  Context ctx{"t", "c", {}};
  ctx.max_decoded_bytes = size_t{1} << 20;
  for (const auto& codec : Compressors()) {
    SCOPED_TRACE(std::string(codec->name()));
    std::string stored, out;
    ASSERT_TRUE(codec->Encode(ctx, std::string(ctx.max_decoded_bytes, 'x'), &stored).ok());
    Status s = codec->Decode(ctx, stored, &out);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(out.size(), ctx.max_decoded_bytes);

    ASSERT_TRUE(codec->Encode(ctx, std::string(ctx.max_decoded_bytes + 1, 'x'), &stored).ok());
    s = codec->Decode(ctx, stored, &out);
    EXPECT_EQ(s.code(), Status::Code::kCorruption);
    EXPECT_NE(s.message().find("decompressed value larger than the limit of 1 MiB"),
              std::string::npos)
        << s.ToString();
  }
}

TEST(CompressionLimitTest, TheDefaultLimitStopsABomb) {
  // 65 MiB of zeros: about 64 KB of gzip, 2 KB of zstd.
  Context ctx{"t", "c", {}};
  EXPECT_EQ(ctx.max_decoded_bytes, kDefaultMaxDecodedBytes);
  std::string zeros(kDefaultMaxDecodedBytes + (size_t{1} << 20), '\0');
  for (const auto& codec : Compressors()) {
    SCOPED_TRACE(std::string(codec->name()));
    std::string stored, out;
    ASSERT_TRUE(codec->Encode(ctx, zeros, &stored).ok());
    EXPECT_LT(stored.size(), size_t{1} << 17);
    Status s = codec->Decode(ctx, stored, &out);
    EXPECT_EQ(s.code(), Status::Code::kCorruption);
    EXPECT_NE(s.message().find("limit of 64 MiB"), std::string::npos) << s.ToString();
  }
}

TEST(CompressionLimitTest, TheLimitCountsEveryMemberAndFrame) {
  // Two gzip members, or two zstd frames (decoded as a stream), each below
  // the limit and together above it.
  Context ctx{"t", "c", {}};
  ctx.max_decoded_bytes = size_t{1} << 20;
  std::string half(ctx.max_decoded_bytes / 2 + 1, 'y');
  std::vector<std::unique_ptr<Codec>> codecs;
  codecs.push_back(NewGzipCodec());
  codecs.push_back(NewZstdCodec());
  for (const auto& codec : codecs) {
    SCOPED_TRACE(std::string(codec->name()));
    std::string one, out;
    ASSERT_TRUE(codec->Encode(ctx, half, &one).ok());
    ASSERT_TRUE(codec->Decode(ctx, one, &out).ok());
    Status s = codec->Decode(ctx, one + one, &out);
    EXPECT_EQ(s.code(), Status::Code::kCorruption);
    EXPECT_NE(s.message().find("limit of 1 MiB"), std::string::npos) << s.ToString();
  }
}

// gzip values decode through libdeflate when the trailer's ISIZE is honest
// and through zlib otherwise; both ways give the same bytes and errors.
std::string SetIsize(std::string gz, uint32_t isize) {
  for (int i = 0; i < 4; ++i) gz[gz.size() - 4 + i] = static_cast<char>((isize >> (8 * i)) & 0xff);
  return gz;
}

TEST(CompressionGzipTest, AnyIsizeGivesTheSameBytesWithinTheLimit) {
  Context ctx{"t", "c", {}};
  ctx.max_decoded_bytes = size_t{1} << 20;
  auto gzip = NewGzipCodec();
  std::string plain;
  for (int i = 0; plain.size() < 100000; ++i) plain += "<p>row " + std::to_string(i) + "</p>\n";
  std::string stored, out;
  ASSERT_TRUE(gzip->Encode(ctx, plain, &stored).ok());
  // A lying ISIZE corrupts the member (zlib checks it): every lie fails, as
  // before, with zlib's message, and the honest one decodes.
  for (uint32_t isize : {0u, 1u, 99999u, 100001u, 1u << 21, 0xffffffffu}) {
    SCOPED_TRACE(isize);
    Status s = gzip->Decode(ctx, SetIsize(stored, isize), &out);
    EXPECT_EQ(s.code(), Status::Code::kCorruption);
    EXPECT_NE(s.message().find("incorrect length check"), std::string::npos) << s.ToString();
  }
  ASSERT_TRUE(gzip->Decode(ctx, SetIsize(stored, static_cast<uint32_t>(plain.size())), &out).ok());
  EXPECT_EQ(out, plain);
}

TEST(CompressionGzipTest, MembersPaddingAndGarbageAsBefore) {
  Context ctx{"t", "c", {}};
  auto gzip = NewGzipCodec();
  std::string big(70000, 'b'), small = "small";
  std::string gz_big, gz_small, out;
  ASSERT_TRUE(gzip->Encode(ctx, big, &gz_big).ok());
  ASSERT_TRUE(gzip->Encode(ctx, small, &gz_small).ok());
  // The last member's ISIZE smaller than the first member: zlib takes over.
  ASSERT_TRUE(gzip->Decode(ctx, gz_big + gz_small, &out).ok());
  EXPECT_EQ(out, big + small);
  // The last member's ISIZE larger than the first: the first by libdeflate.
  ASSERT_TRUE(gzip->Decode(ctx, gz_small + gz_big, &out).ok());
  EXPECT_EQ(out, small + big);
  ASSERT_TRUE(gzip->Decode(ctx, gz_small + std::string(7, '\0'), &out).ok());
  EXPECT_EQ(out, small);
  ASSERT_TRUE(gzip->Decode(ctx, gz_big + std::string(3, '\0') + gz_small, &out).ok());
  EXPECT_EQ(out, big + small);
  Status s = gzip->Decode(ctx, gz_small + "garbage!", &out);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("gzip: not valid gzip data (incorrect header check)"),
            std::string::npos)
      << s.ToString();
  // A damaged body: zlib's message, whichever decoder saw it first.
  std::string damaged = gz_big;
  damaged[damaged.size() / 2] ^= 0x55;
  s = gzip->Decode(ctx, damaged, &out);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("gzip: "), std::string::npos) << s.ToString();
}

TEST(CompressionGzipTest, AWrongHeaderCrcFailsAsWithZlib) {
  // FHCRC set, with a CRC-16 of the header that is wrong: zlib checks it
  // (libdeflate would skip it).
  Context ctx{"t", "c", {}};
  auto gzip = NewGzipCodec();
  std::string stored, out;
  ASSERT_TRUE(gzip->Encode(ctx, "hello", &stored).ok());
  std::string with_crc = stored.substr(0, 10) + std::string("\x12\x34", 2) + stored.substr(10);
  with_crc[3] = '\x02';
  Status s = gzip->Decode(ctx, with_crc, &out);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("header crc mismatch"), std::string::npos) << s.ToString();
}

TEST(CompressionLimitTest, AColumnErrorNamesTableKeyAndColumn) {
  Catalog catalog;
  std::shared_ptr<const Column> column;
  ASSERT_TRUE(catalog
                  .ParseColumn("pages", "html", R"({"codec": "CompressedUnicodeAttribute"})",
                               "test", &column)
                  .ok());
  Context ctx{"pages", "html", {{"pk", AttributeValue::S("a")}}};
  ctx.max_decoded_bytes = size_t{1} << 20;
  std::string stored;
  ASSERT_TRUE(NewGzipCodec()->Encode(ctx, std::string(size_t{2} << 20, 'z'), &stored).ok());
  PlainValue plain;
  Status s = column->Decode(ctx, AttributeValue::B(stored), {}, &plain);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("table pages, key (pk='a'), column html"), std::string::npos)
      << s.ToString();
  EXPECT_NE(s.ToString().find("limit of 1 MiB"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace ddb::codec
