#include "vtab/transaction.h"

#include <gtest/gtest.h>

namespace ddb::vtab {
namespace {

using dynamodb::AttributeValue;
using dynamodb::Item;
using dynamodb::TransactWriteEntry;

Item Key(const std::string& id) { return Item{{"id", AttributeValue::S(id)}}; }

Item Row(const std::string& id, const std::string& a) {
  return Item{{"id", AttributeValue::S(id)}, {"a", AttributeValue::N(a)}};
}

ItemWrite Insert(const std::string& id, const std::string& a) {
  ItemWrite w;
  w.kind = ItemWrite::Kind::kPut;
  w.table = "t";
  w.key = Key(id);
  w.item = Row(id, a);
  w.insert = true;
  w.expect.existence = Expect::Existence::kAbsent;
  w.what = "INSERT into t (id='" + id + "')";
  return w;
}

ItemWrite Delete(const std::string& id) {
  ItemWrite w;
  w.kind = ItemWrite::Kind::kDelete;
  w.table = "t";
  w.key = Key(id);
  w.expect.existence = Expect::Existence::kExists;
  w.what = "DELETE from t (id='" + id + "')";
  return w;
}

// An UPDATE of `id` that read `attribute` as `was` (nullopt: absent) and
// sets it to `to`; `whole` is the item after the update.
ItemWrite Update(const std::string& id, const std::string& attribute,
                 std::optional<AttributeValue> was, std::optional<AttributeValue> to, Item whole) {
  ItemWrite w;
  w.kind = ItemWrite::Kind::kUpdate;
  w.table = "t";
  w.key = Key(id);
  w.item = std::move(whole);
  w.changes[attribute] = std::move(to);
  w.expect.existence = Expect::Existence::kExists;
  w.expect.attributes[attribute] = std::move(was);
  w.what = "UPDATE t (id='" + id + "')";
  return w;
}

TransactWriteEntry OnlyEntry(const PendingWrites& p) {
  std::vector<const PendingWrite*> writes = p.Ordered();
  EXPECT_EQ(writes.size(), 1u);
  return writes.empty() ? TransactWriteEntry() : writes[0]->Entry();
}

TEST(PendingWritesTest, InsertThenDeleteSendsNothing) {
  PendingWrites p;
  ASSERT_TRUE(p.Add(Insert("a", "1")).ok());
  ASSERT_TRUE(p.Add(Delete("a")).ok());
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.bytes(), 0u);
  EXPECT_EQ(p.View("t"), nullptr);
  const Item* seen = nullptr;
  EXPECT_EQ(p.Find("t", Key("a"), &seen), PendingWrites::Seen::kUnknown);
}

TEST(PendingWritesTest, DeleteThenInsertIsOnePutOnTheDeletesCondition) {
  PendingWrites p;
  ASSERT_TRUE(p.Add(Delete("k03")).ok());
  const Item* seen = nullptr;
  EXPECT_EQ(p.Find("t", Key("k03"), &seen), PendingWrites::Seen::kAbsent);
  ASSERT_TRUE(p.Add(Insert("k03", "7")).ok());
  ASSERT_EQ(p.Find("t", Key("k03"), &seen), PendingWrites::Seen::kPresent);
  EXPECT_EQ(*seen, Row("k03", "7"));
  TransactWriteEntry e = OnlyEntry(p);
  EXPECT_EQ(e.kind, TransactWriteEntry::Kind::kPut);
  EXPECT_EQ(e.item, Row("k03", "7"));
  EXPECT_EQ(e.condition, "attribute_exists(#k0)");
  EXPECT_EQ(e.names.at("#k0"), "id");
}

TEST(PendingWritesTest, InsertThenUpdateIsOnePutOfTheNewValues) {
  PendingWrites p;
  ASSERT_TRUE(p.Add(Insert("z1", "41")).ok());
  ASSERT_TRUE(
      p.Add(Update("z1", "a", AttributeValue::N("41"), AttributeValue::N("42"), Row("z1", "42")))
          .ok());
  TransactWriteEntry e = OnlyEntry(p);
  EXPECT_EQ(e.kind, TransactWriteEntry::Kind::kPut);
  EXPECT_EQ(e.item, Row("z1", "42"));
  // The UPDATE read the transaction's own value: only the INSERT's
  // condition remains.
  EXPECT_EQ(e.condition, "attribute_not_exists(#k0)");
  EXPECT_TRUE(e.values.empty());
}

TEST(PendingWritesTest, UpdateThenUpdateIsOneUpdateOnWhatDynamoDbHeld) {
  PendingWrites p;
  Item after1 = Row("u", "2");
  ASSERT_TRUE(p.Add(Update("u", "a", AttributeValue::N("1"), AttributeValue::N("2"), after1)).ok());
  Item after2 = after1;
  after2["b"] = AttributeValue::S("x");
  ItemWrite second = Update("u", "b", std::nullopt, AttributeValue::S("x"), after2);
  // The second UPDATE also read `a` (the transaction's 2): not DynamoDB's.
  second.changes["a"] = AttributeValue::N("3");
  second.expect.attributes["a"] = AttributeValue::N("2");
  after2["a"] = AttributeValue::N("3");
  second.item = after2;
  ASSERT_TRUE(p.Add(second).ok());
  TransactWriteEntry e = OnlyEntry(p);
  EXPECT_EQ(e.kind, TransactWriteEntry::Kind::kUpdate);
  EXPECT_EQ(e.item, Key("u"));
  EXPECT_EQ(e.update, "SET #u0 = :u0, #u1 = :u1");
  EXPECT_EQ(e.names.at("#u0"), "a");
  EXPECT_EQ(e.values.at(":u0"), AttributeValue::N("3"));
  EXPECT_EQ(e.names.at("#u1"), "b");
  EXPECT_EQ(e.values.at(":u1"), AttributeValue::S("x"));
  // `a` as DynamoDB held it (1), `b` absent as DynamoDB held it.
  EXPECT_EQ(e.condition, "attribute_exists(#k0) AND #c0 = :c0 AND attribute_not_exists(#c1)");
  EXPECT_EQ(e.names.at("#c0"), "a");
  EXPECT_EQ(e.values.at(":c0"), AttributeValue::N("1"));
  EXPECT_EQ(e.names.at("#c1"), "b");
  const Item* seen = nullptr;
  ASSERT_EQ(p.Find("t", Key("u"), &seen), PendingWrites::Seen::kPresent);
  EXPECT_EQ(*seen, after2);
}

TEST(PendingWritesTest, UpdateThenDeleteIsADeleteOnTheUpdatesCondition) {
  PendingWrites p;
  ASSERT_TRUE(p.Add(Update("d", "a", AttributeValue::N("1"), std::nullopt, Key("d"))).ok());
  ASSERT_TRUE(p.Add(Delete("d")).ok());
  TransactWriteEntry e = OnlyEntry(p);
  EXPECT_EQ(e.kind, TransactWriteEntry::Kind::kDelete);
  EXPECT_EQ(e.item, Key("d"));
  EXPECT_EQ(e.condition, "attribute_exists(#k0) AND #c0 = :c0");
  EXPECT_EQ(e.update, "");
}

TEST(PendingWritesTest, UpdateRemovingAnAttributeWritesRemove) {
  PendingWrites p;
  ASSERT_TRUE(p.Add(Update("r", "a", AttributeValue::N("1"), std::nullopt, Key("r"))).ok());
  EXPECT_EQ(OnlyEntry(p).update, "REMOVE #u0");
}

TEST(PendingWritesTest, UndoRestoresACombinedWriteAsItWas) {
  PendingWrites p;
  ASSERT_TRUE(p.Add(Insert("a", "1")).ok());
  size_t mark = p.mark();
  ASSERT_TRUE(
      p.Add(Update("a", "a", AttributeValue::N("1"), AttributeValue::N("2"), Row("a", "2"))).ok());
  ASSERT_TRUE(p.Add(Insert("b", "5")).ok());
  ASSERT_TRUE(p.Add(Delete("a")).ok());
  EXPECT_EQ(p.size(), 1u);
  p.UndoTo(mark);
  ASSERT_EQ(p.size(), 1u);
  TransactWriteEntry e = OnlyEntry(p);
  EXPECT_EQ(e.item, Row("a", "1"));
  EXPECT_EQ(e.condition, "attribute_not_exists(#k0)");
  std::shared_ptr<const TableView> view = p.View("t");
  ASSERT_NE(view, nullptr);
  EXPECT_EQ(view->keys.size(), 1u);
  ASSERT_EQ(view->items.size(), 1u);
  EXPECT_EQ(view->items[0], R"({"a":{"N":"1"},"id":{"S":"a"}})");
  p.UndoTo(0);
  EXPECT_TRUE(p.empty());
}

TEST(PendingWritesTest, LimitsCountItemsAfterCombining) {
  PendingWrites p;
  for (int i = 0; i < 100; ++i) {
    std::string id = "k" + std::to_string(i);
    ASSERT_TRUE(p.Add(Delete(id)).ok());
    ASSERT_TRUE(p.Add(Insert(id, "1")).ok());  // the same item: still one write
  }
  EXPECT_EQ(p.size(), 100u);
  size_t bytes = p.bytes();
  Status s = p.Add(Insert("k100", "1"));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("at most 100 writes"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("this is item 101"), std::string::npos) << s.message();
  EXPECT_EQ(p.size(), 100u);  // nothing changed
  EXPECT_EQ(p.bytes(), bytes);
  // Taking an item out makes room.
  ASSERT_TRUE(p.Add(Delete("k0")).ok());
  EXPECT_EQ(p.size(), 100u);  // the delete of k0 is still a write
}

TEST(PendingWritesTest, NumberKeysAreOneItemWhateverTheirSpelling) {
  PendingWrites p;
  ItemWrite w;
  w.kind = ItemWrite::Kind::kPut;
  w.table = "t";
  w.key = Item{{"n", AttributeValue::N("1.50")}};
  w.item = w.key;
  w.insert = true;
  ASSERT_TRUE(p.Add(w).ok());
  const Item* seen = nullptr;
  ASSERT_EQ(p.Find("t", Item{{"n", AttributeValue::N("1.5")}}, &seen),
            PendingWrites::Seen::kPresent);
  // Stored as DynamoDB would return it.
  EXPECT_EQ(seen->at("n").scalar(), "1.5");
  EXPECT_EQ(KeyId(Item{{"n", AttributeValue::N("15e-1")}}), KeyId(w.key));
  EXPECT_NE(KeyId(Item{{"n", AttributeValue::S("1.5")}}), KeyId(w.key));
}

TEST(PendingWritesTest, ViewsAreSnapshots) {
  PendingWrites p;
  ASSERT_TRUE(p.Add(Insert("a", "1")).ok());
  ASSERT_TRUE(p.Add(Delete("gone")).ok());
  std::shared_ptr<const TableView> before = p.View("t");
  ASSERT_NE(before, nullptr);
  EXPECT_EQ(before->keys.size(), 2u);  // deleted items are hidden too
  EXPECT_EQ(before->items.size(), 1u);
  EXPECT_EQ(p.View("other"), nullptr);
  ASSERT_TRUE(p.Add(Insert("b", "2")).ok());
  EXPECT_EQ(before->items.size(), 1u);
  EXPECT_EQ(p.View("t")->items.size(), 2u);
}

TEST(PendingWritesTest, S3ObjectsAreCombinedPerAttribute) {
  PendingWrites p;
  auto upload = [](const std::string& key) {
    codec::S3Upload u;
    u.bucket = "b";
    u.key = key;
    u.uri = "s3://b/" + key;
    u.body = "body of " + key;
    return u;
  };
  // DELETE found object `old` in the item; INSERT puts `new1`, UPDATE `new2`.
  ItemWrite del = Delete("s");
  del.s3 = {S3Write{"doc", "b", std::nullopt, {"old"}, nullptr}};
  ASSERT_TRUE(p.Add(del).ok());
  ItemWrite ins = Insert("s", "1");
  ins.s3 = {S3Write{"doc", "b", upload("new1"), {}, nullptr}};
  ASSERT_TRUE(p.Add(ins).ok());
  EXPECT_NE(p.Object("s3://b/new1"), nullptr);
  ItemWrite upd = Update("s", "doc", std::nullopt, AttributeValue::S("s3://b/new2"), Row("s", "1"));
  upd.s3 = {S3Write{"doc", "b", upload("new2"), {}, nullptr}};
  ASSERT_TRUE(p.Add(upd).ok());
  std::vector<const PendingWrite*> writes = p.Ordered();
  ASSERT_EQ(writes.size(), 1u);
  ASSERT_EQ(writes[0]->s3.size(), 1u);
  const S3Write& w = writes[0]->s3[0];
  ASSERT_TRUE(w.upload.has_value());
  EXPECT_EQ(w.upload->key, "new2");  // new1 is never put
  EXPECT_EQ(w.old_keys, std::vector<std::string>{"old"});
  EXPECT_EQ(p.Object("s3://b/new1"), nullptr);
  ASSERT_NE(p.Object("s3://b/new2"), nullptr);
  EXPECT_EQ(*p.Object("s3://b/new2"), "body of new2");
}

TEST(PendingWritesTest, ReplaceOfAnUpdatedItemKeepsTheUpdatesCondition) {
  PendingWrites p;
  ASSERT_TRUE(
      p.Add(Update("r", "a", AttributeValue::N("1"), AttributeValue::N("2"), Row("r", "2"))).ok());
  ItemWrite replace = Insert("r", "9");
  replace.insert = false;
  replace.expect = Expect();
  ASSERT_TRUE(p.Add(replace).ok());
  TransactWriteEntry e = OnlyEntry(p);
  EXPECT_EQ(e.kind, TransactWriteEntry::Kind::kPut);
  EXPECT_EQ(e.item, Row("r", "9"));
  EXPECT_EQ(e.condition, "attribute_exists(#k0) AND #c0 = :c0");
}

}  // namespace
}  // namespace ddb::vtab
