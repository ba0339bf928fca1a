// The connection's write session (write_session.h): COMMIT's message for a
// cancelled transaction, savepoints over the pending writes.
#include "vtab/write_session.h"

#include <gtest/gtest.h>

namespace ddb::vtab {
namespace {

using dynamodb::AttributeValue;
using dynamodb::Item;

PendingWrite Pending(const std::string& what, bool inserted) {
  PendingWrite w;
  w.what = what;
  w.inserted = inserted;
  return w;
}

TEST(CommitRefusedTest, NamesEachRefusedWrite) {
  PendingWrite a = Pending("INSERT into t (id='a')", true);
  PendingWrite b = Pending("UPDATE t (id='b')", false);
  std::vector<const PendingWrite*> writes = {&a, &b};
  Status cancelled = Status::AwsError("TransactionCanceledException", "cancelled", 400);

  int code = SQLITE_ERROR;
  Status s = CommitRefused(cancelled, writes, {1}, &code);
  EXPECT_EQ(code, SQLITE_ERROR);
  EXPECT_EQ(s.message(),
            "COMMIT: nothing written, DynamoDB cancelled the transaction; UPDATE t (id='b'): the "
            "item changed or was deleted since it was read");

  s = CommitRefused(cancelled, writes, {0, 1, 7}, &code);
  EXPECT_EQ(code, SQLITE_CONSTRAINT);
  EXPECT_NE(s.message().find("INSERT into t (id='a'): UNIQUE constraint failed: the key exists"),
            std::string::npos)
      << s.message();

  // No refusal: DynamoDB's error, with what COMMIT did.
  code = SQLITE_ERROR;
  s = CommitRefused(cancelled, writes, {}, &code);
  EXPECT_EQ(code, SQLITE_ERROR);
  EXPECT_EQ(s.ToString(), "COMMIT: nothing written: TransactionCanceledException: cancelled");
}

TEST(SchemaChangeRefusedTest, QuotesTheTableAsALiteral) {
  EXPECT_EQ(SchemaChangeRefused("DROP TABLE", "t"),
            "DROP TABLE t refused: ddbsql never deletes or changes DynamoDB tables, and DynamoDB "
            "is untouched (to use another name, CREATE VIRTUAL TABLE temp.x USING "
            "dynamodb(table='t'))");
  EXPECT_NE(SchemaChangeRefused("DROP TABLE", "it's").find("table='it''s'"), std::string::npos);
}

ItemWrite Put(const std::string& id) {
  ItemWrite w;
  w.kind = ItemWrite::Kind::kPut;
  w.table = "t";
  w.key = Item{{"id", AttributeValue::S(id)}};
  w.item = w.key;
  w.what = "INSERT into t (id='" + id + "')";
  return w;
}

TEST(WriteSessionTest, SavepointsUndoToTheirMark) {
  WriteSession session;
  ASSERT_TRUE(session.Add(Put("a"), nullptr).ok());
  session.Savepoint(1);
  ASSERT_TRUE(session.Add(Put("b"), nullptr).ok());
  session.Savepoint(2);
  ASSERT_TRUE(session.Add(Put("c"), nullptr).ok());
  const Item* seen = nullptr;
  Item c{{"id", AttributeValue::S("c")}};
  EXPECT_EQ(session.Find(nullptr, "t", c, &seen), PendingWrites::Seen::kPresent);
  session.RollbackTo(2);
  EXPECT_EQ(session.Find(nullptr, "t", c, &seen), PendingWrites::Seen::kUnknown);
  session.RollbackTo(1);
  EXPECT_EQ(session.Find(nullptr, "t", Item{{"id", AttributeValue::S("b")}}, &seen),
            PendingWrites::Seen::kUnknown);
  EXPECT_FALSE(session.empty());
  session.Release(1);
  session.Reset();
  EXPECT_TRUE(session.empty());
  int code = -1;
  EXPECT_TRUE(session.Commit(&code).ok());  // nothing to send
  EXPECT_EQ(code, SQLITE_OK);
}

}  // namespace
}  // namespace ddb::vtab
