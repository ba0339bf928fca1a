#include "vtab/plan.h"

#include <gtest/gtest.h>

namespace ddb::vtab {
namespace {

Plan RoundTrip(const Plan& p) {
  Plan back;
  Status s = ParsePlan(p.ToString(), &back);
  EXPECT_TRUE(s.ok()) << s.ToString() << " for " << p.ToString();
  EXPECT_EQ(back.ToString(), p.ToString());
  return back;
}

TEST(PlanTest, ReadableTextAndRoundTrip) {
  Plan p;
  p.op = Plan::Op::kQuery;
  p.index = "by_status";
  p.key = {{"status", KeyCondition::Op::kEq, true, 1},
           {"created", KeyCondition::Op::kGe, false, 2}};
  p.filter = {{"total", FilterCondition::Op::kGt, 3}, {"note", FilterCondition::Op::kIsNull, 0}};
  p.order = Plan::Order::kDesc;
  p.limit_argv = 4;
  p.offset_argv = 5;
  p.project_all = false;
  p.project = {"id", "total"};
  EXPECT_EQ(p.ToString(),
            "Query index=by_status key=(status=?1, created>=?2) filter=(total>?3, note IS NULL) "
            "order=desc limit=?4 offset=?5 project=id,total");
  Plan back = RoundTrip(p);
  EXPECT_EQ(back.op, Plan::Op::kQuery);
  ASSERT_EQ(back.key.size(), 2u);
  EXPECT_TRUE(back.key[0].is_hash);
  EXPECT_FALSE(back.key[1].is_hash);
  EXPECT_EQ(back.key[1].argv, 2);
  ASSERT_EQ(back.filter.size(), 2u);
  EXPECT_EQ(back.filter[1].op, FilterCondition::Op::kIsNull);
  EXPECT_EQ(back.limit_argv, 4);
}

TEST(PlanTest, IndexQueryWithFetch) {
  Plan p;
  p.op = Plan::Op::kQuery;
  p.index = "by_g";
  p.key = {{"g", KeyCondition::Op::kEq, true, 1}};
  p.order = Plan::Order::kAsc;
  p.limit_argv = 2;
  p.fetch = true;
  p.project_all = false;
  p.project = {"n", "pk"};
  EXPECT_EQ(p.ToString(),
            "Query index=by_g key=(g=?1) order=asc limit=?2 fetch=BatchGetItem project=n,pk");
  Plan back = RoundTrip(p);
  EXPECT_TRUE(back.fetch);
  EXPECT_EQ(back.limit_argv, 2);
  p.fetch = false;
  EXPECT_FALSE(RoundTrip(p).fetch);
}

TEST(PlanTest, EveryOperationAndCondition) {
  for (auto op : {Plan::Op::kScan, Plan::Op::kGetItem, Plan::Op::kBatchGetItem, Plan::Op::kQuery}) {
    Plan p;
    p.op = op;
    RoundTrip(p);
  }
  for (auto c : {KeyCondition::Op::kEq, KeyCondition::Op::kIn, KeyCondition::Op::kGt,
                 KeyCondition::Op::kGe, KeyCondition::Op::kLt, KeyCondition::Op::kLe,
                 KeyCondition::Op::kBeginsWith, KeyCondition::Op::kGlob}) {
    Plan p;
    p.op = Plan::Op::kQuery;
    p.key = {{"pk", KeyCondition::Op::kEq, true, 1}, {"sk", c, false, 2}};
    EXPECT_EQ(RoundTrip(p).key[1].op, c);
  }
  for (auto f : {FilterCondition::Op::kEq, FilterCondition::Op::kGt, FilterCondition::Op::kGe,
                 FilterCondition::Op::kLt, FilterCondition::Op::kLe, FilterCondition::Op::kGlob,
                 FilterCondition::Op::kIsNull, FilterCondition::Op::kIsNotNull}) {
    Plan p;
    bool arg = f != FilterCondition::Op::kIsNull && f != FilterCondition::Op::kIsNotNull;
    p.filter = {{"a", f, arg ? 1 : 0}};
    EXPECT_EQ(RoundTrip(p).filter[0].op, f);
  }
}

TEST(PlanTest, NamesThatNeedQuoting) {
  Plan p;
  p.op = Plan::Op::kGetItem;
  p.key = {{"my key", KeyCondition::Op::kEq, true, 1},
           {"a\"b,c=d<e>f^g(h)i?j", KeyCondition::Op::kEq, false, 2}};
  p.project_all = false;
  p.project = {"x,y", "ünïcødé", "dotted.name", "dash-ed"};
  Plan back = RoundTrip(p);
  EXPECT_EQ(back.key[0].attribute, "my key");
  EXPECT_EQ(back.key[1].attribute, "a\"b,c=d<e>f^g(h)i?j");
  EXPECT_EQ(back.project, p.project);
}

TEST(PlanTest, MalformedTextIsCorruption) {
  Plan p;
  for (const char* bad : {"", "Teleport", "Scan key=(pk=?1", "Query key=(pk~?1)", "Scan bogus=1",
                          "Scan limit=7", "Scan project="}) {
    Status s = ParsePlan(bad, &p);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << bad;
  }
}

}  // namespace
}  // namespace ddb::vtab

namespace ddb::vtab {
namespace {

TEST(PlanTest, NoteRoundTripsToTheEnd) {
  Plan p;
  p.project_all = false;
  p.project = {"status", "created"};
  p.note = "sparse index: items without `created` are not in by_status";
  EXPECT_EQ(p.ToString(),
            "Scan project=status,created -- sparse index: items without `created` are not in "
            "by_status");
  Plan back = RoundTrip(p);
  EXPECT_EQ(back.note, p.note);
  EXPECT_EQ(back.project.size(), 2u);
}

}  // namespace
}  // namespace ddb::vtab
