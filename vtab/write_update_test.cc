// The pure steps of an UPDATE (write_update.h).
#include "vtab/write_update.h"

#include <gtest/gtest.h>

#include "vtab/write.h"

namespace ddb::vtab {
namespace {

using dynamodb::AttributeValue;
using dynamodb::Item;

const Item kKey{{"id", AttributeValue::S("a")}};

Item Old() {
  return Item{{"id", AttributeValue::S("a")},
              {"n", AttributeValue::N("1.50")},
              {"s", AttributeValue::S("x")},
              {"gone", AttributeValue::S("y")}};
}

TEST(ItemColumnChangesTest, AddsChangesAndRemovesButNeverKeysOrColumns) {
  std::vector<WriteColumn> columns = {{"id", "id", "S", nullptr}, {"fresh", "fresh", "N", nullptr}};
  AttributeChanges changes;
  // n reads as 1.5 (unchanged), s changes, fresh is new (typed by its
  // column), gone is left out (removed); s is also a column the statement
  // sets: not the item column's business.
  Status s = ItemColumnChanges(R"({"id":"a","n":1.5,"s":"z","fresh":7,"new":true})", Old(), kKey,
                               columns, {"s"}, &changes);
  ASSERT_TRUE(s.ok()) << s.ToString();
  AttributeChanges expected = {{"fresh", AttributeValue::N("7")},
                               {"gone", std::nullopt},
                               {"new", AttributeValue::Bool(true)}};
  EXPECT_EQ(changes, expected);
}

TEST(ItemColumnChangesTest, RefusesAKeyChangeAndWhatIsNoObject) {
  AttributeChanges changes;
  Status s = ItemColumnChanges(R"({"id":"b"})", Old(), kKey, {}, {}, &changes);
  EXPECT_EQ(s.message(), "key id cannot change through the item column; set its column");
  s = ItemColumnChanges("[1]", Old(), kKey, {}, {}, &changes);
  EXPECT_EQ(s.message(), "column item: not a JSON object");
  s = ItemColumnChanges("{", Old(), kKey, {}, {}, &changes);
  EXPECT_EQ(s.message().rfind("column item: ", 0), 0u) << s.message();
}

TEST(BuildUpdateExpressionTest, SetsRemovesAndConditionsOnWhatWasRead) {
  AttributeChanges changes = {
      {"gone", std::nullopt}, {"n", AttributeValue::N("2")}, {"new", AttributeValue::S("v")}};
  UpdateExpression e = BuildUpdateExpression(changes, Old(), /*whole=*/true, "id");
  EXPECT_EQ(e.update, "SET #u1 = :u1, #u2 = :u2 REMOVE #u0");
  EXPECT_EQ(e.condition,
            "attribute_exists(#k0) AND #u0 = :o0 AND #u1 = :o1 AND attribute_not_exists(#u2)");
  dynamodb::NameMap names = {{"#k0", "id"}, {"#u0", "gone"}, {"#u1", "n"}, {"#u2", "new"}};
  EXPECT_EQ(e.names, names);
  dynamodb::AttributeMap values = {{":o0", AttributeValue::S("y")},
                                   {":o1", AttributeValue::N("1.50")},
                                   {":u1", AttributeValue::N("2")},
                                   {":u2", AttributeValue::S("v")}};
  EXPECT_EQ(e.values, values);
  EXPECT_EQ(e.expect.existence, Expect::Existence::kExists);
  EXPECT_EQ(e.expect.attributes.size(), 3u);
  EXPECT_FALSE(e.expect.attributes.at("new").has_value());

  // Not read whole: an attribute not read is not known absent.
  e = BuildUpdateExpression({{"other", AttributeValue::S("v")}}, kKey, /*whole=*/false, "id");
  EXPECT_EQ(e.update, "SET #u0 = :u0");
  EXPECT_EQ(e.condition, "attribute_exists(#k0)");
  EXPECT_TRUE(e.expect.attributes.empty());

  e = BuildUpdateExpression({}, Old(), true, "id");
  EXPECT_EQ(e.update, "");
  EXPECT_EQ(e.condition, "attribute_exists(#k0)");
}

TEST(DropNewValuesTest, KeepsOnlyTheOldValues) {
  dynamodb::AttributeMap values = {{":o0", AttributeValue::S("a")},
                                   {":u0", AttributeValue::S("b")},
                                   {":s0", AttributeValue::S("c")},
                                   {":u1", AttributeValue::S("d")}};
  DropNewValues(&values);
  dynamodb::AttributeMap expected = {{":o0", AttributeValue::S("a")},
                                     {":s0", AttributeValue::S("c")}};
  EXPECT_EQ(values, expected);
}

}  // namespace
}  // namespace ddb::vtab
