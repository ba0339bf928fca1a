#include "vtab/scan_cache.h"

#include <gtest/gtest.h>

namespace ddb::vtab {
namespace {

using dynamodb::AttributeValue;
using dynamodb::Item;
using dynamodb::ItemPage;

ItemPage PageOfItems(int from, int to) {
  ItemPage page;
  for (int i = from; i < to; ++i) {
    Item it;
    it["pk"] = AttributeValue::S("p" + std::to_string(i % 3));
    it["sk"] = AttributeValue::N(std::to_string(i));
    if (i % 2) it["opt"] = AttributeValue::S("x");
    page.items.push_back(it);
  }
  page.count = to - from;
  return page;
}

std::vector<std::string> Texts(ScanCache* cache, ScanCache::EntryPtr e) {
  ScanCache::Reader reader(cache, std::move(e));
  std::vector<std::string> out;
  for (bool done = false; !done;) {
    ItemPage page;
    EXPECT_TRUE(reader.Next(&page, &done).ok());
    for (auto t : page.item_texts) out.emplace_back(t);
  }
  return out;
}

std::vector<std::string> Sks(const ItemPage& page) {
  std::vector<std::string> out;
  for (auto t : page.item_texts) {
    Item item;
    EXPECT_TRUE(dynamodb::ItemFromWireJsonText(t, &item).ok());
    out.push_back(item["sk"].scalar());
  }
  return out;
}

TEST(ScanCacheTest, KeptOnlyWhenFinishedAndDroppedWithTheLastCursor) {
  ScanCache cache;
  int table = 0;
  cache.CursorOpened();
  {
    ScanCache::Recorder r(&cache, &table, "scan", true, {});
    r.Add(PageOfItems(0, 5));  // never finished: a scan left half way
  }
  EXPECT_EQ(cache.Find(&table, "scan"), nullptr);
  ScanCache::Recorder r(&cache, &table, "scan", true, {});
  r.Add(PageOfItems(0, 5));
  r.Add(PageOfItems(5, 9));
  r.Finish();
  auto e = cache.Find(&table, "scan");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(Texts(&cache, e).size(), 9u);
  EXPECT_EQ(cache.FindFull(&table, true, {}), e);
  cache.CursorClosed();
  EXPECT_EQ(cache.Find(&table, "scan"), nullptr);
}

TEST(ScanCacheTest, SpillsBeyondTheMemoryBoundAndReadsBackInOrder) {
  ScanCache cache(1);  // everything goes to the temporary table
  int table = 0;
  cache.CursorOpened();
  ScanCache::Recorder r(&cache, &table, "k", true, {});
  r.Add(PageOfItems(0, 1500));
  r.Add(PageOfItems(1500, 2100));
  r.Finish();
  auto texts = Texts(&cache, cache.Find(&table, "k"));
  ASSERT_EQ(texts.size(), 2100u);
  Item first;
  ASSERT_TRUE(dynamodb::ItemFromWireJsonText(texts[1234], &first).ok());
  EXPECT_EQ(first["sk"].scalar(), "1234");
  cache.CursorClosed();
}

TEST(ScanCacheTest, ACopyThatMustNeverSpillIsGivenUpInstead) {
  // Decrypted items (a table with item_encryption) never reach the temporary
  // database's file: past the memory bound the copy is dropped, not spilled.
  ScanCache cache(1);
  int table = 0;
  cache.CursorOpened();
  {
    ScanCache::Recorder r(&cache, &table, "k", true, {});
    r.NeverSpill();
    r.Add(PageOfItems(0, 30));
    r.Finish();
  }
  EXPECT_EQ(cache.Find(&table, "k"), nullptr);
  // The same copy allowed to spill is kept (the test above reads one back).
  ScanCache::Recorder r(&cache, &table, "k", true, {});
  r.Add(PageOfItems(0, 30));
  r.Finish();
  EXPECT_NE(cache.Find(&table, "k"), nullptr);
  cache.CursorClosed();
}

TEST(ScanCacheTest, LookupsMatchAsDynamoDbDoes) {
  for (int64_t limit : {int64_t{1} << 30, int64_t{1}}) {  // in memory, then spilled
    ScanCache cache(limit);
    int table = 0;
    cache.CursorOpened();
    ScanCache::Recorder r(&cache, &table, "k", true, {});
    r.Add(PageOfItems(0, 30));
    r.Finish();
    auto e = cache.FindFull(&table, false, {"pk", "sk"});
    ASSERT_NE(e, nullptr);
    LookupSpec spec;
    spec.key.push_back({"pk", KeyMatch::Op::kEq, {AttributeValue::S("p1")}});
    // "10.0" is the number 10: keys compare as numbers.
    spec.key.push_back({"sk", KeyMatch::Op::kGe, {AttributeValue::N("10.0")}});
    spec.key.push_back({"sk", KeyMatch::Op::kLt, {AttributeValue::N("25")}});
    spec.order_attribute = "sk";
    spec.descending = true;
    ItemPage page;
    ASSERT_TRUE(cache.Lookup(e, spec, &page).ok());
    EXPECT_EQ(Sks(page), (std::vector<std::string>{"22", "19", "16", "13", "10"}));

    spec.order_attribute.clear();
    spec.key.resize(1);
    spec.key[0].values.push_back(AttributeValue::S("p2"));
    spec.null_tests = {{"opt", true}};  // IS NULL: even sk only
    ASSERT_TRUE(cache.Lookup(e, spec, &page).ok());
    EXPECT_EQ(page.item_texts.size(), 10u);  // p1 and p2 have 20 items, half without opt
    spec.null_tests.clear();
    spec.required = {"opt"};  // an index keyed on `opt` holds only items with it
    spec.key[0].values = {AttributeValue::N("1")};  // another type: never equal
    ASSERT_TRUE(cache.Lookup(e, spec, &page).ok());
    EXPECT_TRUE(page.item_texts.empty());
    cache.CursorClosed();
  }
}

TEST(ScanCacheTest, OuterRowsMultipliesTheOtherActiveScans) {
  ScanCache cache;
  int a = 0, b = 0, c = 0;
  cache.SetActive(&a, 300);
  cache.SetActive(&b, 10);
  EXPECT_EQ(cache.OuterRows(&c), 3000);
  EXPECT_EQ(cache.OuterRows(&b), 300);
  cache.SetInactive(&a);
  EXPECT_EQ(cache.OuterRows(&c), 10);
}

}  // namespace
}  // namespace ddb::vtab

namespace ddb::vtab {
namespace {

TEST(ScanCacheTest, AScanNothingRunsAroundIsKeptOnlyWhileSmall) {
  ScanCache cache;
  int table = 0;
  cache.CursorOpened();
  ItemPage big;
  big.body = std::make_shared<std::string>(ScanCache::kTopLevelBytes + 1, ' ');
  big.item_texts.emplace_back(big.body->data(), 2);
  ScanCache::Recorder top(&cache, &table, "top", true, {}, /*nested=*/false);
  top.Add(PageOfItems(0, 3));
  top.Add(big);
  top.Finish();
  EXPECT_EQ(cache.Find(&table, "top"), nullptr);
  ScanCache::Recorder inner(&cache, &table, "inner", true, {}, /*nested=*/true);
  inner.Add(big);
  inner.Finish();
  EXPECT_NE(cache.Find(&table, "inner"), nullptr);
  int a = 0, b = 0;
  cache.SetActive(&a, 10);
  EXPECT_FALSE(cache.Nested(&a));
  EXPECT_TRUE(cache.Nested(&b));
  cache.CursorClosed();
}

}  // namespace
}  // namespace ddb::vtab

namespace ddb::vtab {
namespace {

TEST(ScanCacheTest, ForgetDropsOneTablesCopies) {
  ScanCache cache;
  int a = 0, b = 0;
  cache.CursorOpened();
  for (const int* t : {&a, &b}) {
    ScanCache::Recorder r(&cache, t, "k", true, {});
    r.Add(PageOfItems(0, 2));
    r.Finish();
  }
  cache.Forget(&a);
  EXPECT_EQ(cache.Find(&a, "k"), nullptr);
  EXPECT_EQ(cache.FindFull(&a, true, {}), nullptr);
  EXPECT_NE(cache.Find(&b, "k"), nullptr);
  cache.CursorClosed();
}

}  // namespace
}  // namespace ddb::vtab
