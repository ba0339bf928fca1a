// Tests of compression.cc's limit on decoded size: decompression bombs stop
// at Context::max_decoded_bytes (kDefaultMaxDecodedBytes by default) with an
// error naming the limit, and, through a column, table, key and column.
#include <gtest/gtest.h>

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
