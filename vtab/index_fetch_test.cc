#include "vtab/index_fetch.h"

#include <gtest/gtest.h>

namespace ddb::vtab {
namespace {

using dynamodb::AttributeValue;
using dynamodb::Item;

dynamodb::KeySchema TableKey() {
  dynamodb::KeySchema k;
  k.hash = {"pk", "S"};
  k.range = dynamodb::KeyAttribute{"sk", "N"};
  return k;
}

dynamodb::KeySchema IndexKey() {
  dynamodb::KeySchema k;
  k.hash = {"g", "S"};
  k.range = dynamodb::KeyAttribute{"gs", "N"};
  return k;
}

Item Entry(const std::string& pk, int sk, const std::string& g, int gs) {
  return {{"pk", AttributeValue::S(pk)},
          {"sk", AttributeValue::N(std::to_string(sk))},
          {"g", AttributeValue::S(g)},
          {"gs", AttributeValue::N(std::to_string(gs))}};
}

Item Full(const std::string& pk, int sk, const std::string& g, int gs, int n) {
  Item it = Entry(pk, sk, g, gs);
  it["n"] = AttributeValue::N(std::to_string(n));
  return it;
}

std::vector<std::string> Ns(const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const auto& it : items) out.push_back(it.at("n").scalar());
  return out;
}

TEST(IndexFetchTest, KeysInTheEntriesOrder) {
  std::vector<Item> keys;
  ASSERT_TRUE(FetchKeys(TableKey(), {Entry("b", 2, "G", 1), Entry("a", 1, "G", 2)}, &keys).ok());
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0], (Item{{"pk", AttributeValue::S("b")}, {"sk", AttributeValue::N("2")}}));
  EXPECT_EQ(keys[1], (Item{{"pk", AttributeValue::S("a")}, {"sk", AttributeValue::N("1")}}));
  Item broken = Entry("c", 3, "G", 3);
  broken.erase("sk");
  Status s = FetchKeys(TableKey(), {broken}, &keys);
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
  EXPECT_NE(s.ToString().find("sk"), std::string::npos) << s.ToString();
}

// BatchGetItem answers in any order: the index's order (its sort key, here
// descending) comes back.
TEST(IndexFetchTest, ItemsComeBackInTheIndexOrder) {
  std::vector<Item> entries = {Entry("a", 1, "G", 30), Entry("b", 1, "G", 20),
                               Entry("a", 2, "G", 10)};
  std::vector<Item> fetched = {Full("a", 2, "G", 10, 3), Full("a", 1, "G", 30, 1),
                               Full("b", 1, "G", 20, 2)};
  EXPECT_EQ(Ns(MatchFetched(TableKey(), IndexKey(), entries, fetched)),
            (std::vector<std::string>{"1", "2", "3"}));
}

// Between the Query and the fetch, one item was deleted, one got another
// index sort key, one lost its index key: none of them is a row.
TEST(IndexFetchTest, ItemsThatLeftTheIndexEntryAreDropped) {
  std::vector<Item> entries = {Entry("a", 1, "G", 1), Entry("b", 1, "G", 2), Entry("c", 1, "G", 3),
                               Entry("d", 1, "G", 4)};
  Item lost = Full("d", 1, "G", 4, 4);
  lost.erase("gs");
  std::vector<Item> fetched = {Full("b", 1, "G", 99, 2), Full("c", 1, "G", 3, 3), lost};
  EXPECT_EQ(Ns(MatchFetched(TableKey(), IndexKey(), entries, fetched)),
            (std::vector<std::string>{"3"}));
}

// Keys are matched by type and value: the string "1" is not the number 1.
TEST(IndexFetchTest, KeysMatchByTypeAndValue) {
  dynamodb::KeySchema table;
  table.hash = {"pk", "S"};
  dynamodb::KeySchema index;
  index.hash = {"g", "S"};
  std::vector<Item> entries = {{{"pk", AttributeValue::S("1")}, {"g", AttributeValue::S("G")}}};
  std::vector<Item> fetched = {{{"pk", AttributeValue::N("1")},
                                {"g", AttributeValue::S("G")},
                                {"n", AttributeValue::N("0")}},
                               {{"pk", AttributeValue::S("1")},
                                {"g", AttributeValue::S("G")},
                                {"n", AttributeValue::N("1")}}};
  EXPECT_EQ(Ns(MatchFetched(table, index, entries, fetched)), (std::vector<std::string>{"1"}));
}

}  // namespace
}  // namespace ddb::vtab
