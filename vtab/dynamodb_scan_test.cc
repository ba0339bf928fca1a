// Tests of StartScan's steps (dynamodb_table.h, dynamodb_scan.cc): which key
// values come from argv, which request each plan makes, and which source
// serves it. No request is sent: the table is described here.
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/sqlite_util.h"
#include "vtab/dynamodb_table.h"

namespace ddb::vtab {
namespace {

using dynamodb::AttributeValue;

class ScanStepsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    t_.table = "orders";
    t_.desc.key.hash = {"pk", "S"};
    t_.desc.key.range = dynamodb::KeyAttribute{"sk", "S"};
    dynamodb::IndexDescription by_g;
    by_g.name = "by_g";
    by_g.key.hash = {"g", "S"};
    by_g.projection.type = "KEYS_ONLY";
    t_.desc.global_indexes.push_back(by_g);
    t_.desc.item_count = 100000;
    for (const char* a : {"pk", "sk", "g", "total"}) t_.columns.push_back({a, a, "", false});
    t_.columns.push_back({"item", "", "", true});
    t_.item_column = 4;
  }
  void TearDown() override {
    for (sqlite3_value* v : values_) sqlite3_value_free(v);
    sqlite3_close(db_);
  }

  // argv of SQL expressions ("5", "'abc'", "NULL").
  sqlite3_value** Argv(const std::vector<std::string>& exprs) {
    argv_.clear();
    for (const auto& e : exprs) {
      sql::Statement stmt;
      EXPECT_TRUE(stmt.Prepare(db_, "SELECT " + e).ok());
      EXPECT_TRUE(stmt.Step());
      values_.push_back(sqlite3_value_dup(sqlite3_column_value(stmt.get(), 0)));
      argv_.push_back(values_.back());
    }
    return argv_.data();
  }

  static Plan PlanOf(const std::string& text) {
    Plan plan;
    EXPECT_TRUE(ParsePlan(text, &plan).ok()) << text;
    return plan;
  }

  sqlite3* db_ = nullptr;
  std::vector<sqlite3_value*> values_;
  std::vector<sqlite3_value*> argv_;
  DdbTable t_;
};

TEST_F(ScanStepsTest, CapIsLimitPlusOffset) {
  EXPECT_EQ(ScanCap(PlanOf("Scan"), nullptr), -1);
  EXPECT_EQ(ScanCap(PlanOf("Scan limit=?1 offset=?2"), Argv({"10", "5"})), 15);
  EXPECT_EQ(ScanCap(PlanOf("Scan limit=?1 offset=?2"), Argv({"10", "-3"})), 10);
  EXPECT_EQ(ScanCap(PlanOf("Scan limit=?1"), Argv({"0"})), 0);
  EXPECT_EQ(ScanCap(PlanOf("Scan limit=?1"), Argv({"-1"})), -1);  // LIMIT -1: none
}

TEST_F(ScanStepsTest, GetItemKeyFromArgv) {
  Plan plan = PlanOf("GetItem key=(pk=?1, sk=?2)");
  KeyValues keys;
  bool nothing = true;
  ASSERT_TRUE(KeyValuesOf(&t_, plan, Argv({"'cust#1'", "'2024-01'"}), &keys, &nothing).ok());
  EXPECT_FALSE(nothing);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].second, std::vector<AttributeValue>{AttributeValue::S("cust#1")});
  EXPECT_EQ(keys[1].second, std::vector<AttributeValue>{AttributeValue::S("2024-01")});
  std::vector<dynamodb::Item> wanted = LookupKeys(keys);
  ASSERT_EQ(wanted.size(), 1u);
  EXPECT_EQ(wanted[0].at("pk"), AttributeValue::S("cust#1"));
  EXPECT_EQ(wanted[0].at("sk"), AttributeValue::S("2024-01"));
  EXPECT_EQ(SourceKindOf(plan, nothing, false, wanted.size()), SourceKind::kGetItem);
  EXPECT_EQ(SourceKindOf(plan, nothing, true, wanted.size()), SourceKind::kCopy);
}

TEST_F(ScanStepsTest, KeysThatMatchNothing) {
  KeyValues keys;
  bool nothing = false;
  Plan get = PlanOf("GetItem key=(pk=?1, sk=?2)");
  ASSERT_TRUE(KeyValuesOf(&t_, get, Argv({"NULL", "'x'"}), &keys, &nothing).ok());
  EXPECT_TRUE(nothing);
  ASSERT_TRUE(KeyValuesOf(&t_, get, Argv({"''", "'x'"}), &keys, &nothing).ok());
  EXPECT_TRUE(nothing);  // key values are never empty
  Plan below = PlanOf("Query key=(pk=?1, sk<?2)");
  ASSERT_TRUE(KeyValuesOf(&t_, below, Argv({"'a'", "''"}), &keys, &nothing).ok());
  EXPECT_TRUE(nothing);  // nothing sorts below ''
  EXPECT_EQ(SourceKindOf(below, nothing, false, 0), SourceKind::kEmpty);
  Plan above = PlanOf("Query key=(pk=?1, sk>?2)");
  ASSERT_TRUE(KeyValuesOf(&t_, above, Argv({"'a'", "''"}), &keys, &nothing).ok());
  EXPECT_FALSE(nothing);  // every key sorts above '': no sort key condition
  EXPECT_EQ(keys.size(), 1u);
}

TEST_F(ScanStepsTest, GlobSendsItsLiteralPrefixOnly) {
  KeyValues keys;
  bool nothing = false;
  Plan plan = PlanOf("Query key=(pk=?1, sk GLOB ?2)");
  ASSERT_TRUE(KeyValuesOf(&t_, plan, Argv({"'a'", "'ab*c'"}), &keys, &nothing).ok());
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[1].second[0], AttributeValue::S("ab"));
  ASSERT_TRUE(KeyValuesOf(&t_, plan, Argv({"'a'", "'*c'"}), &keys, &nothing).ok());
  EXPECT_EQ(keys.size(), 1u);
}

TEST_F(ScanStepsTest, QueryWithTwoBoundsIsBetween) {
  Plan plan = PlanOf("Query key=(pk=?1, sk>=?2, sk<=?3) order=desc");
  KeyValues keys;
  bool nothing = false;
  ASSERT_TRUE(KeyValuesOf(&t_, plan, Argv({"'a'", "'b'", "'m'"}), &keys, &nothing).ok());
  FilterBuilder filter;
  std::vector<dynamodb::QueryRequest> requests;
  ASSERT_TRUE(QueryRequestsOf(t_, plan, keys, filter, -1, &requests, &nothing).ok());
  EXPECT_FALSE(nothing);
  ASSERT_EQ(requests.size(), 1u);
  const dynamodb::QueryRequest& q = requests[0];
  EXPECT_EQ(q.table, "orders");
  EXPECT_EQ(q.key_condition, "#k0 = :k0 AND #k1 BETWEEN :k1 AND :k2");
  EXPECT_EQ(q.names.at("#k0"), "pk");
  EXPECT_EQ(q.names.at("#k1"), "sk");
  EXPECT_EQ(q.values.at(":k0"), AttributeValue::S("a"));
  EXPECT_EQ(q.values.at(":k1"), AttributeValue::S("b"));
  EXPECT_EQ(q.values.at(":k2"), AttributeValue::S("m"));
  EXPECT_FALSE(q.scan_forward);
  EXPECT_EQ(SourceKindOf(plan, nothing, false, 0), SourceKind::kQuery);
}

TEST_F(ScanStepsTest, CrossedBoundsMatchNothing) {
  Plan plan = PlanOf("Query key=(pk=?1, sk>?2, sk<?3)");
  KeyValues keys;
  bool nothing = false;
  ASSERT_TRUE(KeyValuesOf(&t_, plan, Argv({"'a'", "'m'", "'m'"}), &keys, &nothing).ok());
  FilterBuilder filter;
  std::vector<dynamodb::QueryRequest> requests;
  ASSERT_TRUE(QueryRequestsOf(t_, plan, keys, filter, -1, &requests, &nothing).ok());
  EXPECT_TRUE(nothing);
}

TEST_F(ScanStepsTest, QueryLimitOnlyWithoutAFilter) {
  Plan plan = PlanOf("Query key=(pk=?1) limit=?2");
  KeyValues keys;
  bool nothing = false;
  ASSERT_TRUE(KeyValuesOf(&t_, plan, Argv({"'a'", "10"}), &keys, &nothing).ok());
  FilterBuilder filter;
  std::vector<dynamodb::QueryRequest> requests;
  ASSERT_TRUE(QueryRequestsOf(t_, plan, keys, filter, 10, &requests, &nothing).ok());
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].key_condition, "#k0 = :k0");
  EXPECT_EQ(requests[0].limit, 10);
}

TEST_F(ScanStepsTest, IndexQueryWithFetchAsksForKeysThenTheItems) {
  Plan plan = PlanOf("Query index=by_g key=(g=?1) fetch=BatchGetItem project=pk,sk,g,total");
  ASSERT_TRUE(plan.fetch);
  KeyValues keys;
  bool nothing = false;
  ASSERT_TRUE(KeyValuesOf(&t_, plan, Argv({"'x'"}), &keys, &nothing).ok());
  FilterBuilder filter;
  std::vector<dynamodb::QueryRequest> requests;
  ASSERT_TRUE(QueryRequestsOf(t_, plan, keys, filter, -1, &requests, &nothing).ok());
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].index, "by_g");
  EXPECT_FALSE(requests[0].consistent_read);           // a global index
  EXPECT_EQ(requests[0].projection, "#p0, #p1, #p2");  // the keys only
  EXPECT_EQ(SourceKindOf(plan, nothing, false, 0), SourceKind::kQueryFetch);
  dynamodb::BatchGetRequest fetch = FetchRequestOf(t_, plan, t_.desc.global_indexes[0]);
  EXPECT_EQ(fetch.table, "orders");
  EXPECT_EQ(fetch.projection, "#p0, #p1, #p2, #p3");
  EXPECT_EQ(fetch.names.at("#p3"), "total");
}

TEST_F(ScanStepsTest, ScanSegmentsAndLimit) {
  Plan plan = PlanOf("Scan project=pk,total");
  FilterBuilder filter;
  int segments = 0;
  dynamodb::ScanRequest req = ScanRequestOf(t_, plan, filter, -1, &segments);
  EXPECT_EQ(segments, 8);  // 100,000 items: the most chosen
  EXPECT_EQ(req.projection, "#p0, #p1");
  EXPECT_EQ(req.limit, 0);
  req = ScanRequestOf(t_, plan, filter, 10, &segments);
  EXPECT_EQ(segments, 1);  // a small LIMIT: one request
  EXPECT_EQ(req.limit, 10);
  t_.segments = 3;
  req = ScanRequestOf(t_, plan, filter, -1, &segments);
  EXPECT_EQ(segments, 3);
  EXPECT_EQ(SourceKindOf(plan, false, true, 0), SourceKind::kScan);  // a Scan is never a lookup
}

TEST_F(ScanStepsTest, AFilterTakesTheLimitAway) {
  Plan plan = PlanOf("Scan filter=(total>?1) limit=?2");
  FilterBuilder filter;
  FilterCondition f = plan.filter[0];
  ASSERT_TRUE(filter.Add(f, Argv({"'5'"})[0], "S"));
  int segments = 0;
  dynamodb::ScanRequest req = ScanRequestOf(t_, plan, filter, 10, &segments);
  EXPECT_EQ(req.limit, 0);  // Limit counts items read before the filter
  EXPECT_FALSE(req.filter.empty());
  EXPECT_EQ(req.names.at("#f0"), "total");
}

}  // namespace
}  // namespace ddb::vtab
