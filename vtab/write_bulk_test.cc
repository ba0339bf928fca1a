// Bulk INSERT's chunks (write_bulk.h): at most 100 rows and 4 MB a request,
// in SQLite's order. What DynamoDB does with them is tested end to end
// (tests/bulk_insert_test.py).
#include "vtab/write_bulk.h"

#include <gtest/gtest.h>

namespace ddb::vtab {
namespace {

WriteChange Row(int n) {
  WriteChange c;
  c.kind = WriteChange::Kind::kPut;
  c.insert = true;
  c.key["id"] = dynamodb::AttributeValue::S("k" + std::to_string(n));
  c.item = c.key;
  return c;
}

TEST(InsertChunkTest, FullAtOneHundredRowsInOrder) {
  InsertChunk chunk;
  EXPECT_TRUE(chunk.empty());
  for (int i = 0; i < 99; ++i) {
    ASSERT_TRUE(chunk.Fits(10));
    EXPECT_FALSE(chunk.Add(Row(i), 10));
  }
  EXPECT_TRUE(chunk.Fits(10));
  EXPECT_TRUE(chunk.Add(Row(99), 10));  // the 100th: send it now
  EXPECT_FALSE(chunk.Fits(10));
  std::vector<WriteChange> rows = chunk.Take();
  ASSERT_EQ(rows.size(), kBulkInsertRows);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rows[i].key.at("id").scalar(), "k" + std::to_string(i));
  EXPECT_TRUE(chunk.empty());
  EXPECT_TRUE(chunk.Fits(kBulkInsertBytes));
}

TEST(InsertChunkTest, FourMegabytesAtMost) {
  InsertChunk chunk;
  const size_t big = 350 * 1024;
  int held = 0;
  while (chunk.Fits(big)) {
    EXPECT_FALSE(chunk.Add(Row(held), big));
    ++held;
  }
  EXPECT_EQ(held, static_cast<int>(kBulkInsertBytes / big));  // 11 items of 350 KB
  EXPECT_EQ(chunk.Take().size(), static_cast<size_t>(held));
  // Exactly 4 MB is full; an empty chunk takes any one row.
  EXPECT_TRUE(chunk.Add(Row(0), kBulkInsertBytes));
  chunk.Take();
  EXPECT_TRUE(chunk.Fits(kBulkInsertBytes + 1));
}

}  // namespace
}  // namespace ddb::vtab
