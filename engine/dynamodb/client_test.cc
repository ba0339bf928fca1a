// DynamoDbClient: the service traits (error documents, CRC check) as unit
// tests, every operation as an integration test against DynamoDB Local at
// DDBSQL_TEST_DYNAMODB_URL. Each test signs with its own random access key
// id, which gives it a fresh, empty database in DynamoDB Local.
#include "engine/dynamodb/client.h"

#include <algorithm>
#include <cstdlib>
#include <future>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "engine/aws/client.h"
#include "engine/aws/config.h"
#include "engine/aws/credentials.h"
#include "engine/aws/http.h"
#include "engine/aws/retry.h"
#include "engine/encoding.h"

namespace ddb::dynamodb {
namespace {

using AV = AttributeValue;

// ---- Service traits ----

aws::HttpResponse Response(long status, std::string body) {
  aws::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.crc32 = Crc32(r.body);
  return r;
}

TEST(DynamoDbTraitsTest, SigningName) { EXPECT_EQ(DynamoDbTraits().signing_name, "dynamodb"); }

TEST(DynamoDbTraitsTest, ErrorDocumentGivesCodeAfterHashAndMessage) {
  Status s = DynamoDbTraits().parse_error(
      Response(400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",)"
                    R"("Message":"Requested resource not found"})"));
  EXPECT_EQ(s.code(), Status::Code::kAwsError);
  EXPECT_EQ(s.aws_code(), "ResourceNotFoundException");
  EXPECT_EQ(s.message(), "Requested resource not found");
  EXPECT_EQ(s.http_status(), 400);

  s = DynamoDbTraits().parse_error(Response(
      400, R"({"__type":"com.amazon.coral.validate#ValidationException","message":"bad"})"));
  EXPECT_EQ(s.aws_code(), "ValidationException");
  EXPECT_EQ(s.message(), "bad");
}

TEST(DynamoDbTraitsTest, NonJsonBodyGivesHttpStatusAndSanitizedText) {
  std::string body = "<html>\x01proxy\nerror</html>" + std::string(500, 'x');
  Status s = DynamoDbTraits().parse_error(Response(502, body));
  EXPECT_EQ(s.aws_code(), "HTTP 502");
  EXPECT_EQ(s.http_status(), 502);
  EXPECT_EQ(s.message().substr(0, 25), "<html>?proxy error</html>");
  EXPECT_LT(s.message().size(), 210u);
}

TEST(DynamoDbTraitsTest, CancellationReasonsAreListedByEntry) {
  Status s = DynamoDbTraits().parse_error(
      Response(400, R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",)"
                    R"("CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed",)"
                    R"("Message":"The conditional request failed","Item":{"secret":{"S":"x"}}}],)"
                    R"("Message":"Transaction cancelled [None, ConditionalCheckFailed]"})"));
  EXPECT_EQ(s.aws_code(), "TransactionCanceledException");
  EXPECT_NE(s.message().find("entry 1: ConditionalCheckFailed: The conditional request failed"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(s.message().find("entry 0"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("secret"), std::string::npos) << s.message();
}

// Error documents as DynamoDB sends them (recorded), their reasons as data.
TEST(CancellationReasonsTest, OnePerEntryWithCodeMessageAndItem) {
  std::vector<CancellationReason> reasons = ParseCancellationReasons(
      R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",)"
      R"("CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed",)"
      R"("Item":{"pk":{"S":"alice"},"balance":{"N":"40"}},)"
      R"("Message":"The conditional request failed"},)"
      R"({"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}],)"
      R"("Message":"Transaction cancelled, please refer cancellation reasons for specific )"
      R"(reasons [None, ConditionalCheckFailed, TransactionConflict]"})");
  ASSERT_EQ(reasons.size(), 3u);
  EXPECT_EQ(reasons[0].code, CancellationReason::kNone);
  EXPECT_TRUE(reasons[0].message.empty());
  EXPECT_TRUE(reasons[0].item.empty());
  EXPECT_FALSE(reasons[0].condition_failed());
  EXPECT_TRUE(reasons[1].condition_failed());
  EXPECT_EQ(reasons[1].message, "The conditional request failed");
  EXPECT_EQ(reasons[1].item, (Item{{"pk", AV::S("alice")}, {"balance", AV::N("40")}}));
  EXPECT_EQ(reasons[2].code, CancellationReason::kTransactionConflict);
  EXPECT_EQ(reasons[2].message, "Transaction is ongoing for the item");
}

TEST(CancellationReasonsTest, NoneFromOtherOrBrokenDocuments) {
  EXPECT_TRUE(ParseCancellationReasons("").empty());
  EXPECT_TRUE(ParseCancellationReasons("<html>proxy</html>").empty());
  EXPECT_TRUE(
      ParseCancellationReasons(R"({"__type":"x#ValidationException","message":"m"})").empty());
  EXPECT_TRUE(ParseCancellationReasons(R"({"CancellationReasons":{"Code":"None"}})").empty());
  // A reason whose item does not decode keeps its code.
  std::vector<CancellationReason> reasons = ParseCancellationReasons(
      R"({"CancellationReasons":[{"Code":"ConditionalCheckFailed","Item":{"a":{"Q":"1"}}}]})");
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_TRUE(reasons[0].condition_failed());
  EXPECT_TRUE(reasons[0].item.empty());
}

TEST(DynamoDbTraitsTest, Crc32HeaderMustMatchBody) {
  auto validate = DynamoDbTraits().validate;
  aws::HttpResponse r = Response(200, R"({"TableNames":[]})");
  EXPECT_TRUE(validate(r).ok());  // no header: nothing to check
  r.headers.push_back({"x-amz-crc32", std::to_string(Crc32(r.body))});
  EXPECT_TRUE(validate(r).ok());
  r.headers.back().second = std::to_string(Crc32(r.body) ^ 1);
  Status s = validate(r);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("CRC32 mismatch"), std::string::npos);
  r.headers.back().second = "12ab";
  EXPECT_EQ(validate(r).code(), Status::Code::kCorruption);
}

// ---- Integration against DynamoDB Local ----

std::string RandomHex(int n) {
  std::random_device rd;
  std::string out;
  for (int i = 0; i < n; ++i) out.push_back("0123456789abcdef"[rd() % 16]);
  return out;
}

class DynamoDbClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("DDBSQL_TEST_DYNAMODB_URL");
    if (url == nullptr || *url == '\0') {
      const char* require = std::getenv("DDBSQL_REQUIRE_EMULATORS");
      if (require != nullptr && std::string(require) == "1") {
        FAIL() << "DDBSQL_TEST_DYNAMODB_URL is not set and DDBSQL_REQUIRE_EMULATORS=1";
      }
      GTEST_SKIP() << "DDBSQL_TEST_DYNAMODB_URL is not set";
    }
    aws::Endpoint endpoint;
    Status s = aws::ParseEndpointUrl(url, &endpoint);
    ASSERT_TRUE(s.ok()) << s.ToString();
    aws::Credentials creds;
    creds.access_key_id = "test" + RandomHex(16);
    creds.secret_access_key = "test-secret";
    creds.source = "test";
    aws::RetryPolicy policy;
    policy.base_delay = std::chrono::milliseconds(25);
    auto aws_client = std::make_shared<aws::AwsClient>(
        DynamoDbTraits(), endpoint, "us-east-1", aws::StaticCredentials(creds),
        std::make_shared<aws::HttpClient>(), policy, std::make_shared<aws::RetryQuota>());
    client_ = std::make_unique<DynamoDbClient>(aws_client);
  }

  // A table with key pk (S) [and sk (N)], on demand, waited for.
  void CreateSimpleTable(const std::string& name, bool with_sort_key) {
    CreateTableRequest req;
    req.table = name;
    req.key.hash = {"pk", "S"};
    if (with_sort_key) req.key.range = KeyAttribute{"sk", "N"};
    Status s = client_->CreateTable(req);
    ASSERT_TRUE(s.ok()) << s.ToString();
    s = client_->WaitUntilActive(name, std::chrono::seconds(30));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void Put(const std::string& table, Item item) {
    PutItemRequest req;
    req.table = table;
    req.item = std::move(item);
    Status s = client_->PutItem(req);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Writes items pk=`pk`, sk=0..n-1, v="v<sk>".
  void PutRange(const std::string& table, const std::string& pk, int n) {
    std::vector<BatchWriteEntry> entries;
    for (int i = 0; i < n; ++i) {
      entries.push_back({table, BatchWriteEntry::Kind::kPut,
                         Item{{"pk", AV::S(pk)},
                              {"sk", AV::N(std::to_string(i))},
                              {"v", AV::S("v" + std::to_string(i))}}});
    }
    Status s = client_->BatchWriteItem(entries);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::unique_ptr<DynamoDbClient> client_;
};

TEST_F(DynamoDbClientTest, CreateTableWithIndexesAndDescribeIt) {
  CreateTableRequest req;
  req.table = "orders";
  req.key.hash = {"pk", "S"};
  req.key.range = KeyAttribute{"sk", "N"};
  IndexDescription gsi;
  gsi.name = "by_customer";
  gsi.key.hash = {"customer", "S"};
  gsi.key.range = KeyAttribute{"sk", "N"};
  gsi.projection.type = "INCLUDE";
  gsi.projection.non_key_attributes = {"total", "status"};
  req.global_indexes.push_back(gsi);
  IndexDescription lsi;
  lsi.name = "by_blob";
  lsi.key.hash = {"pk", "S"};
  lsi.key.range = KeyAttribute{"blob", "B"};
  lsi.projection.type = "KEYS_ONLY";
  req.local_indexes.push_back(lsi);

  TableDescription created;
  Status s = client_->CreateTable(req, &created);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(created.name, "orders");

  TableDescription d;
  s = client_->WaitUntilActive("orders", std::chrono::seconds(30), &d);
  ASSERT_TRUE(s.ok()) << s.ToString();
  s = client_->DescribeTable("orders", &d);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(d.name, "orders");
  EXPECT_EQ(d.status, "ACTIVE");
  EXPECT_NE(d.arn.find("table/orders"), std::string::npos) << d.arn;
  EXPECT_EQ(d.key.hash.name, "pk");
  EXPECT_EQ(d.key.hash.type, "S");
  ASSERT_TRUE(d.key.range.has_value());
  EXPECT_EQ(d.key.range->name, "sk");
  EXPECT_EQ(d.key.range->type, "N");
  EXPECT_EQ(d.billing_mode, "PAY_PER_REQUEST");
  EXPECT_EQ(d.item_count, 0);

  ASSERT_EQ(d.global_indexes.size(), 1u);
  const IndexDescription& g = d.global_indexes[0];
  EXPECT_EQ(g.name, "by_customer");
  EXPECT_EQ(g.key.hash.name, "customer");
  EXPECT_EQ(g.key.hash.type, "S");
  ASSERT_TRUE(g.key.range.has_value());
  EXPECT_EQ(g.key.range->type, "N");
  EXPECT_EQ(g.projection.type, "INCLUDE");
  std::vector<std::string> non_key = g.projection.non_key_attributes;
  std::sort(non_key.begin(), non_key.end());
  EXPECT_EQ(non_key, (std::vector<std::string>{"status", "total"}));
  EXPECT_EQ(g.status, "ACTIVE");

  ASSERT_EQ(d.local_indexes.size(), 1u);
  const IndexDescription& l = d.local_indexes[0];
  EXPECT_EQ(l.name, "by_blob");
  EXPECT_EQ(l.key.hash.name, "pk");
  ASSERT_TRUE(l.key.range.has_value());
  EXPECT_EQ(l.key.range->name, "blob");
  EXPECT_EQ(l.key.range->type, "B");
  EXPECT_EQ(l.projection.type, "KEYS_ONLY");

  EXPECT_EQ(d.FindIndex("by_blob"), &d.local_indexes[0]);
  EXPECT_EQ(d.FindIndex("by_customer"), &d.global_indexes[0]);
  EXPECT_EQ(d.FindIndex("nope"), nullptr);
}

TEST_F(DynamoDbClientTest, ProvisionedTableReportsCapacity) {
  CreateTableRequest req;
  req.table = "provisioned";
  req.key.hash = {"id", "N"};
  req.billing_mode = "PROVISIONED";
  req.read_capacity = 7;
  req.write_capacity = 3;
  Status s = client_->CreateTable(req);
  ASSERT_TRUE(s.ok()) << s.ToString();
  TableDescription d;
  s = client_->DescribeTable("provisioned", &d);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(d.billing_mode, "PROVISIONED");
  EXPECT_EQ(d.read_capacity, 7);
  EXPECT_EQ(d.write_capacity, 3);
  EXPECT_FALSE(d.key.range.has_value());
  EXPECT_EQ(d.key.hash.type, "N");
}

TEST_F(DynamoDbClientTest, CreateTableRejectsConflictingAttributeTypes) {
  CreateTableRequest req;
  req.table = "conflict";
  req.key.hash = {"pk", "S"};
  IndexDescription gsi;
  gsi.name = "g";
  gsi.key.hash = {"pk", "N"};
  req.global_indexes.push_back(gsi);
  Status s = client_->CreateTable(req);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.ToString().find("conflict"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("pk"), std::string::npos) << s.message();
}

TEST_F(DynamoDbClientTest, ListTablesFollowsPagesAndDeleteTableRemoves) {
  std::vector<std::string> expected = {"list_a", "list_b", "list_c", "list_d", "list_e"};
  for (const std::string& t : expected) CreateSimpleTable(t, false);

  std::vector<std::string> all;
  Status s = client_->ListTables(&all);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(all, expected);

  std::vector<std::string> paged;
  ListTablesRequest req;
  req.limit = 2;
  int pages = 0;
  for (;;) {
    ListTablesPage page;
    s = client_->ListTables(req, &page);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_LE(page.names.size(), 2u);
    ++pages;
    paged.insert(paged.end(), page.names.begin(), page.names.end());
    if (page.last_evaluated_table_name.empty()) break;
    EXPECT_EQ(page.last_evaluated_table_name, page.names.back());
    req.exclusive_start_table_name = page.last_evaluated_table_name;
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(paged, expected);

  s = client_->DeleteTable("list_c");
  ASSERT_TRUE(s.ok()) << s.ToString();
  s = client_->ListTables(&all);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(all, (std::vector<std::string>{"list_a", "list_b", "list_d", "list_e"}));
}

TEST_F(DynamoDbClientTest, PutAndGetItemOfEveryType) {
  CreateSimpleTable("types", false);
  const std::string binary("\0\x01\xff\0tail", 7);
  Item item = {
      {"pk", AV::S("ключ-🔑-ü")},
      {"n", AV::N("12345678901234567890123456789012345678")},
      {"neg", AV::N("-0.000000000000000000000000000000000001")},
      {"b", AV::B(binary)},
      {"t", AV::Bool(true)},
      {"f", AV::Bool(false)},
      {"nul", AV::Null()},
      {"m", AV::M({{"inner", AV::S("x")}, {"deep", AV::M({{"n", AV::N("1")}})}})},
      {"l", AV::L({AV::S("a"), AV::N("2"), AV::Bool(false), AV::L({})})},
      {"ss", AV::SS({"b", "a", "ü"})},
      {"ns", AV::NS({"1", "-2.5", "99999999999999999999999999999999999999"})},
      {"bs", AV::BS({std::string("\0", 1), "\xff\xfe", "abc"})},
  };
  PutItemRequest put;
  put.table = "types";
  put.item = item;
  WriteResult written;
  Status s = client_->PutItem(put, &written);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_GT(written.consumed_capacity, 0);
  EXPECT_TRUE(written.attributes.empty());

  GetItemRequest get;
  get.table = "types";
  get.key = {{"pk", AV::S("ключ-🔑-ü")}};
  get.consistent_read = true;
  GetItemResult got;
  s = client_->GetItem(get, &got);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(got.found);
  EXPECT_EQ(got.consumed_capacity, 1.0);                       // strongly consistent read of < 4 KB
  EXPECT_TRUE(got.item == item) << ItemToPlainJson(got.item);  // sets in any order
  EXPECT_EQ(got.item.at("n").scalar(), "12345678901234567890123456789012345678");
  EXPECT_EQ(got.item.at("b").scalar(), binary);

  get.consistent_read = false;
  get.projection = "#b, m.#i";  // "inner" is a reserved word
  get.names = {{"#b", "b"}, {"#i", "inner"}};
  s = client_->GetItem(get, &got);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(got.found);
  EXPECT_EQ(got.consumed_capacity, 0.5);  // eventually consistent
  ASSERT_EQ(got.item.size(), 2u) << ItemToPlainJson(got.item);
  EXPECT_EQ(got.item.at("b").scalar(), binary);
  EXPECT_TRUE(got.item.at("m") == AV::M({{"inner", AV::S("x")}}));

  get.key = {{"pk", AV::S("missing")}};
  get.projection.clear();
  get.names.clear();
  s = client_->GetItem(get, &got);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(got.found);
  EXPECT_TRUE(got.item.empty());
}

TEST_F(DynamoDbClientTest, UpdateItemAppliesExpressionAndReturnsValues) {
  CreateSimpleTable("counters", false);
  Put("counters", {{"pk", AV::S("c1")}, {"count", AV::N("5")}, {"gone", AV::S("x")}});

  UpdateItemRequest up;
  up.table = "counters";
  up.key = {{"pk", AV::S("c1")}};
  up.update = "SET #c = #c + :inc, label = :label ADD tags :tags REMOVE gone";
  up.condition = "#c = :expected";
  up.names = {{"#c", "count"}};
  up.values = {{":inc", AV::N("10")},
               {":label", AV::S("ten more")},
               {":tags", AV::SS({"x", "y"})},
               {":expected", AV::N("5")}};
  up.return_values = ReturnValues::kAllNew;
  WriteResult result;
  Status s = client_->UpdateItem(up, &result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_GT(result.consumed_capacity, 0);
  Item expected = {{"pk", AV::S("c1")},
                   {"count", AV::N("15")},
                   {"label", AV::S("ten more")},
                   {"tags", AV::SS({"x", "y"})}};
  EXPECT_TRUE(result.attributes == expected) << ItemToPlainJson(result.attributes);

  // The condition no longer holds: nothing changes.
  up.return_values = ReturnValues::kUpdatedOld;
  s = client_->UpdateItem(up, &result);
  EXPECT_EQ(s.aws_code(), "ConditionalCheckFailedException") << s.ToString();
  EXPECT_NE(s.ToString().find("table counters"), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find("c1"), std::string::npos) << s.ToString();

  up.condition.clear();
  up.update = "SET #c = #c + :inc";
  up.values = {{":inc", AV::N("1")}};
  s = client_->UpdateItem(up, &result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(result.attributes == (Item{{"count", AV::N("15")}}))
      << ItemToPlainJson(result.attributes);
}

TEST_F(DynamoDbClientTest, ConditionalPutFailsWithConditionalCheckFailed) {
  CreateSimpleTable("cond", false);
  Put("cond", {{"pk", AV::S("k")}, {"v", AV::N("1")}});
  PutItemRequest put;
  put.table = "cond";
  put.item = {{"pk", AV::S("k")}, {"v", AV::N("2")}};
  put.condition = "attribute_not_exists(#pk)";
  put.names = {{"#pk", "pk"}};
  Status s = client_->PutItem(put);
  EXPECT_EQ(s.code(), Status::Code::kAwsError);
  EXPECT_EQ(s.aws_code(), "ConditionalCheckFailedException") << s.ToString();
  EXPECT_EQ(s.http_status(), 400);
  EXPECT_NE(s.ToString().find("table cond"), std::string::npos) << s.ToString();

  // Unconditional overwrite returns the old item.
  put.condition.clear();
  put.names.clear();
  put.return_values = ReturnValues::kAllOld;
  WriteResult result;
  s = client_->PutItem(put, &result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(result.attributes == (Item{{"pk", AV::S("k")}, {"v", AV::N("1")}}));
}

TEST_F(DynamoDbClientTest, DeleteItemWithConditionAndOldValues) {
  CreateSimpleTable("del", false);
  Put("del", {{"pk", AV::S("k")}, {"v", AV::N("1")}});

  DeleteItemRequest del;
  del.table = "del";
  del.key = {{"pk", AV::S("k")}};
  del.condition = "v = :v";
  del.values = {{":v", AV::N("2")}};
  Status s = client_->DeleteItem(del);
  EXPECT_EQ(s.aws_code(), "ConditionalCheckFailedException") << s.ToString();

  del.values = {{":v", AV::N("1")}};
  del.return_values = ReturnValues::kAllOld;
  WriteResult result;
  s = client_->DeleteItem(del, &result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(result.attributes == (Item{{"pk", AV::S("k")}, {"v", AV::N("1")}}));

  GetItemResult got;
  s = client_->GetItem({"del", {{"pk", AV::S("k")}}, true, "", {}}, &got);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(got.found);
}

TEST_F(DynamoDbClientTest, BatchWriteThenBatchGetReturnsExactlyTheExistingItems) {
  CreateSimpleTable("batch", false);
  CreateSimpleTable("batch_other", false);
  auto key = [](int i) { return Item{{"pk", AV::S("id" + std::to_string(i))}}; };

  // 60 puts across two tables in one call (several requests of 25).
  std::vector<BatchWriteEntry> entries;
  for (int i = 0; i < 60; ++i) {
    Item item = key(i);
    item["n"] = AV::N(std::to_string(i));
    entries.push_back({i % 10 == 9 ? "batch_other" : "batch", BatchWriteEntry::Kind::kPut, item});
  }
  double capacity = 0;
  Status s = client_->BatchWriteItem(entries, &capacity);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_GE(capacity, 60.0);

  // Then delete 0..4 of "batch".
  std::vector<BatchWriteEntry> deletes;
  for (int i = 0; i < 5; ++i) deletes.push_back({"batch", BatchWriteEntry::Kind::kDelete, key(i)});
  s = client_->BatchWriteItem(deletes);
  ASSERT_TRUE(s.ok()) << s.ToString();

  std::set<std::string> expected;
  for (int i = 5; i < 60; ++i) {
    if (i % 10 != 9) expected.insert("id" + std::to_string(i));
  }
  ASSERT_EQ(expected.size(), 49u);

  BatchGetRequest get;
  get.table = "batch";
  for (int i = 0; i < 250; ++i) get.keys.push_back(key(i));
  get.keys.push_back(key(42));  // duplicates are sent once
  get.keys.push_back(key(7));
  get.consistent_read = true;
  BatchGetResult result;
  s = client_->BatchGetItem(get, &result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::multiset<std::string> got;
  for (const Item& item : result.items) {
    got.insert(item.at("pk").scalar());
    EXPECT_EQ(item.at("n").scalar(), item.at("pk").scalar().substr(2));
  }
  EXPECT_EQ(got, std::multiset<std::string>(expected.begin(), expected.end()));
  EXPECT_GT(result.consumed_capacity, 0);

  // Projection with names.
  get.projection = "#n";
  get.names = {{"#n", "n"}};
  get.keys = {key(10), key(11)};
  s = client_->BatchGetItem(get, &result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(result.items.size(), 2u);
  for (const Item& item : result.items) EXPECT_EQ(item.size(), 1u);

  // No keys: no request, no items.
  get.keys.clear();
  s = client_->BatchGetItem(get, &result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(result.items.empty());
}

// DynamoDB answers at most 16 MB per BatchGetItem and returns the rest as
// UnprocessedKeys (DynamoDB Local does too), which must be fetched again.
TEST_F(DynamoDbClientTest, BatchGetItemFetchesUnprocessedKeys) {
  CreateSimpleTable("large", false);
  const std::string blob(350 * 1024, 'x');
  std::vector<BatchWriteEntry> entries;
  BatchGetRequest get;
  get.table = "large";
  for (int i = 0; i < 60; ++i) {
    Item key = {{"pk", AV::S("k" + std::to_string(i))}};
    get.keys.push_back(key);
    key["blob"] = AV::S(blob);
    entries.push_back({"large", BatchWriteEntry::Kind::kPut, std::move(key)});
  }
  Status s = client_->BatchWriteItem(entries);  // 60 x 350 KB: 21 MB
  ASSERT_TRUE(s.ok()) << s.ToString();

  BatchGetResult result;
  s = client_->BatchGetItem(get, &result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::set<std::string> got;
  for (const Item& item : result.items) {
    got.insert(item.at("pk").scalar());
    EXPECT_EQ(item.at("blob").scalar().size(), blob.size());
  }
  EXPECT_EQ(got.size(), 60u);
  EXPECT_EQ(result.items.size(), 60u);

  // The same through the event loop (StartBatchGetItem, which a bulk
  // INSERT's `.insertcheck batch` uses): requests of 100 keys one after
  // the other, each one's unprocessed keys sent again, absent keys left out.
  for (int i = 0; i < 150; ++i) get.keys.push_back({{"pk", AV::S("absent" + std::to_string(i))}});
  std::promise<std::pair<Status, BatchGetResult>> answered;
  client_->StartBatchGetItem(get, [&answered](Status st, BatchGetResult r) {
    answered.set_value({std::move(st), std::move(r)});
  });
  auto [status, async] = answered.get_future().get();
  ASSERT_TRUE(status.ok()) << status.ToString();
  std::set<std::string> async_got;
  for (const Item& item : async.items) {
    async_got.insert(item.at("pk").scalar());
    EXPECT_EQ(item.at("blob").scalar().size(), blob.size());
  }
  EXPECT_EQ(async_got, got);
  EXPECT_EQ(async.items.size(), 60u);
  EXPECT_GT(async.consumed_capacity, 0);
}

TEST_F(DynamoDbClientTest, QueryDescendingWithLimitAndPagination) {
  CreateSimpleTable("events", true);
  PutRange("events", "a", 30);
  PutRange("events", "b", 5);

  QueryRequest q;
  q.table = "events";
  q.key_condition = "pk = :pk AND sk BETWEEN :lo AND :hi";
  q.values = {{":pk", AV::S("a")}, {":lo", AV::N("3")}, {":hi", AV::N("25")}};
  q.scan_forward = false;
  q.limit = 7;
  q.consistent_read = true;

  // Manual pagination, as the SQL layer drives it.
  std::vector<int> seen;
  int pages = 0;
  for (;;) {
    QueryPage page;
    Status s = client_->Query(q, &page);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ++pages;
    ASSERT_LE(page.items.size(), 7u);
    EXPECT_EQ(page.count, static_cast<int64_t>(page.items.size()));
    EXPECT_GT(page.consumed_capacity, 0);
    for (const Item& item : page.items) seen.push_back(std::stoi(item.at("sk").scalar()));
    if (page.last_evaluated_key.empty()) break;
    EXPECT_EQ(page.last_evaluated_key.size(), 2u);  // pk and sk
    q.exclusive_start_key = page.last_evaluated_key;
    ASSERT_LT(pages, 20);
  }
  std::vector<int> expected;
  for (int i = 25; i >= 3; --i) expected.push_back(i);
  EXPECT_EQ(seen, expected);
  EXPECT_GE(pages, 4);  // 23 items, 7 per page

  // QueryAll with a filter: Count < ScannedCount, same order.
  q.exclusive_start_key.clear();
  q.filter = "contains(v, :one)";
  q.values[":one"] = AV::S("1");
  std::vector<int> filtered;
  int64_t scanned = 0;
  Status s = client_->QueryAll(q, [&](QueryPage&& page) {
    scanned += page.scanned_count;
    for (const Item& item : page.items) filtered.push_back(std::stoi(item.at("sk").scalar()));
    return Status::OK();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(filtered, (std::vector<int>{21, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10}));
  EXPECT_EQ(scanned, 23);

  // A callback error stops the loop and is returned.
  int calls = 0;
  s = client_->QueryAll(q, [&](QueryPage&&) {
    ++calls;
    return Status::Cancelled();
  });
  EXPECT_TRUE(s.IsCancelled());
  EXPECT_EQ(calls, 1);

  // Select COUNT.
  QueryRequest count;
  count.table = "events";
  count.key_condition = "pk = :pk";
  count.values = {{":pk", AV::S("b")}};
  count.count_only = true;
  QueryPage page;
  s = client_->Query(count, &page);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(page.count, 5);
  EXPECT_TRUE(page.items.empty());
}

TEST_F(DynamoDbClientTest, QueryOnGlobalIndexWithProjection) {
  CreateTableRequest req;
  req.table = "people";
  req.key.hash = {"id", "S"};
  IndexDescription gsi;
  gsi.name = "by_city";
  gsi.key.hash = {"city", "S"};
  gsi.key.range = KeyAttribute{"age", "N"};
  req.global_indexes.push_back(gsi);
  ASSERT_TRUE(client_->CreateTable(req).ok());
  ASSERT_TRUE(client_->WaitUntilActive("people", std::chrono::seconds(30)).ok());
  Put("people", {{"id", AV::S("1")}, {"city", AV::S("Oslo")}, {"age", AV::N("40")}});
  Put("people", {{"id", AV::S("2")}, {"city", AV::S("Oslo")}, {"age", AV::N("30")}});
  Put("people", {{"id", AV::S("3")}, {"city", AV::S("Rome")}, {"age", AV::N("20")}});

  QueryRequest q;
  q.table = "people";
  q.index = "by_city";
  q.key_condition = "city = :c";
  q.values = {{":c", AV::S("Oslo")}};
  q.projection = "id";
  QueryPage page;
  Status s = client_->Query(q, &page);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_TRUE(page.items[0] == (Item{{"id", AV::S("2")}}));  // ascending age
  EXPECT_TRUE(page.items[1] == (Item{{"id", AV::S("1")}}));

  q.index = "no_such_index";
  s = client_->Query(q, &page);
  EXPECT_EQ(s.aws_code(), "ValidationException") << s.ToString();
  EXPECT_NE(s.ToString().find("table people, index no_such_index"), std::string::npos)
      << s.ToString();
}

TEST_F(DynamoDbClientTest, ParallelScanSegmentsCoverEveryItemOnce) {
  CreateSimpleTable("scanned", true);
  PutRange("scanned", "p", 80);
  PutRange("scanned", "q", 40);

  std::multiset<std::string> seen;
  int nonempty_segments = 0;
  for (int segment = 0; segment < 4; ++segment) {
    ScanRequest scan;
    scan.table = "scanned";
    scan.segment = segment;
    scan.total_segments = 4;
    scan.limit = 9;
    int items = 0;
    Status s = client_->ScanAll(scan, [&](ScanPage&& page) {
      EXPECT_LE(page.items.size(), 9u);
      for (const Item& item : page.items) {
        seen.insert(item.at("pk").scalar() + "/" + item.at("sk").scalar());
        ++items;
      }
      return Status::OK();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
    if (items > 0) ++nonempty_segments;
  }
  std::multiset<std::string> expected;
  for (int i = 0; i < 80; ++i) expected.insert("p/" + std::to_string(i));
  for (int i = 0; i < 40; ++i) expected.insert("q/" + std::to_string(i));
  EXPECT_EQ(seen, expected);
  EXPECT_GE(nonempty_segments, 1);

  // One page with a filter and Select COUNT.
  ScanRequest count;
  count.table = "scanned";
  count.filter = "pk = :q";
  count.values = {{":q", AV::S("q")}};
  count.count_only = true;
  ScanPage page;
  Status s = client_->Scan(count, &page);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(page.count, 40);
  EXPECT_EQ(page.scanned_count, 120);
  EXPECT_TRUE(page.last_evaluated_key.empty());
  EXPECT_GT(page.consumed_capacity, 0);
}

TEST_F(DynamoDbClientTest, TransactWriteItemsCommitsOrCancelsAll) {
  CreateSimpleTable("accounts", false);
  CreateSimpleTable("ledger", false);
  Put("accounts", {{"pk", AV::S("alice")}, {"balance", AV::N("100")}});
  Put("accounts", {{"pk", AV::S("bob")}, {"balance", AV::N("0")}});

  auto transfer = [](const std::string& id, const std::string& amount) {
    TransactWriteRequest t;
    TransactWriteEntry debit;
    debit.kind = TransactWriteEntry::Kind::kUpdate;
    debit.table = "accounts";
    debit.item = {{"pk", AV::S("alice")}};
    debit.update = "SET balance = balance - :a";
    debit.condition = "balance >= :a";
    debit.values = {{":a", AV::N(amount)}};
    TransactWriteEntry credit = debit;
    credit.item = {{"pk", AV::S("bob")}};
    credit.update = "SET balance = balance + :a";
    credit.condition.clear();
    TransactWriteEntry record;
    record.kind = TransactWriteEntry::Kind::kPut;
    record.table = "ledger";
    record.item = {{"pk", AV::S(id)}, {"amount", AV::N(amount)}};
    record.condition = "attribute_not_exists(pk)";
    t.entries = {record, debit, credit};
    return t;
  };
  auto balance = [this](const std::string& who) {
    GetItemResult r;
    EXPECT_TRUE(client_->GetItem({"accounts", {{"pk", AV::S(who)}}, true, "", {}}, &r).ok());
    return r.item["balance"].scalar();
  };

  TransactWriteRequest ok_request = transfer("t1", "60");
  ok_request.client_request_token = "token-" + RandomHex(8);
  double capacity = 0;
  Status s = client_->TransactWriteItems(ok_request, &capacity);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_GT(capacity, 0);
  EXPECT_EQ(balance("alice"), "40");
  EXPECT_EQ(balance("bob"), "60");

  // Alice has 40: the debit's condition fails, nothing is written.
  s = client_->TransactWriteItems(transfer("t2", "50"));
  EXPECT_EQ(s.aws_code(), "TransactionCanceledException") << s.ToString();
  EXPECT_NE(s.message().find("entry 1: ConditionalCheckFailed"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("entry 0:"), std::string::npos) << s.message();
  EXPECT_NE(s.ToString().find("tables accounts, ledger"), std::string::npos) << s.ToString();
  EXPECT_EQ(balance("alice"), "40");
  EXPECT_EQ(balance("bob"), "60");
  GetItemResult r;
  ASSERT_TRUE(client_->GetItem({"ledger", {{"pk", AV::S("t2")}}, true, "", {}}, &r).ok());
  EXPECT_FALSE(r.found);

  // ConditionCheck entries.
  TransactWriteRequest check;
  TransactWriteEntry c;
  c.kind = TransactWriteEntry::Kind::kConditionCheck;
  c.table = "accounts";
  c.item = {{"pk", AV::S("carol")}};
  c.condition = "attribute_exists(pk)";
  TransactWriteEntry del;
  del.kind = TransactWriteEntry::Kind::kDelete;
  del.table = "ledger";
  del.item = {{"pk", AV::S("t1")}};
  check.entries = {del, c};
  s = client_->TransactWriteItems(check);
  EXPECT_EQ(s.aws_code(), "TransactionCanceledException") << s.ToString();
  EXPECT_NE(s.message().find("entry 1: ConditionalCheckFailed"), std::string::npos) << s.message();
  check.entries[1].item = {{"pk", AV::S("bob")}};
  s = client_->TransactWriteItems(check);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(client_->GetItem({"ledger", {{"pk", AV::S("t1")}}, true, "", {}}, &r).ok());
  EXPECT_FALSE(r.found);
}

TEST_F(DynamoDbClientTest, TransactWriteItemsReturnsCancellationReasons) {
  CreateSimpleTable("accounts", false);
  Put("accounts", {{"pk", AV::S("alice")}, {"balance", AV::N("40")}});
  TransactWriteRequest t;
  TransactWriteEntry put;
  put.kind = TransactWriteEntry::Kind::kPut;
  put.table = "accounts";
  put.item = {{"pk", AV::S("bob")}, {"balance", AV::N("1")}};
  TransactWriteEntry debit;
  debit.kind = TransactWriteEntry::Kind::kUpdate;
  debit.table = "accounts";
  debit.item = {{"pk", AV::S("alice")}};
  debit.update = "SET balance = balance - :a";
  debit.condition = "balance >= :a";
  debit.values = {{":a", AV::N("50")}};
  debit.return_old_on_condition_failure = true;
  t.entries = {put, debit};

  TransactWriteResult result;
  Status s = client_->TransactWriteItems(t, &result);
  EXPECT_EQ(s.aws_code(), "TransactionCanceledException") << s.ToString();
  // The message is as before: the failing entries by index.
  EXPECT_NE(s.message().find("entry 1: ConditionalCheckFailed"), std::string::npos) << s.message();
  ASSERT_EQ(result.cancellation_reasons.size(), 2u);
  EXPECT_EQ(result.cancellation_reasons[0].code, CancellationReason::kNone);
  EXPECT_TRUE(result.cancellation_reasons[1].condition_failed());
  EXPECT_EQ(result.cancellation_reasons[1].item,
            (Item{{"pk", AV::S("alice")}, {"balance", AV::N("40")}}));

  // Written: no reasons, the capacity.
  t.entries[1].values[":a"] = AV::N("40");
  result = TransactWriteResult();
  s = client_->TransactWriteItems(t, &result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(result.cancellation_reasons.empty());
  EXPECT_GT(result.consumed_capacity, 0);
}

TEST_F(DynamoDbClientTest, MissingTableErrorNamesTheTable) {
  GetItemRequest get;
  get.table = "no_such_table";
  get.key = {{"pk", AV::S("k")}};
  GetItemResult got;
  Status s = client_->GetItem(get, &got);
  EXPECT_EQ(s.code(), Status::Code::kAwsError);
  EXPECT_EQ(s.aws_code(), "ResourceNotFoundException");
  EXPECT_EQ(s.http_status(), 400);
  EXPECT_NE(s.ToString().find("no_such_table"), std::string::npos) << s.ToString();

  TableDescription d;
  s = client_->DescribeTable("no_such_table", &d);
  EXPECT_EQ(s.aws_code(), "ResourceNotFoundException");
  EXPECT_NE(s.ToString().find("table no_such_table"), std::string::npos) << s.ToString();

  ScanRequest scan;
  scan.table = "no_such_table";
  ScanPage page;
  s = client_->Scan(scan, &page);
  EXPECT_EQ(s.aws_code(), "ResourceNotFoundException");
  EXPECT_NE(s.ToString().find("table no_such_table"), std::string::npos) << s.ToString();
}

TEST_F(DynamoDbClientTest, InvalidUtf8IsRejectedBeforeSending) {
  PutItemRequest put;
  put.table = "whatever";
  put.item = {{"pk", AV::S("bad \xff utf-8")}};
  Status s = client_->PutItem(put);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("UTF-8"), std::string::npos) << s.message();
  EXPECT_NE(s.ToString().find("table whatever"), std::string::npos) << s.ToString();
}

TEST_F(DynamoDbClientTest, ExecuteStatementBindsParametersAndFollowsNextToken) {
  CreateSimpleTable("statements", true);
  PutRange("statements", "a", 30);
  PutRange("statements", "b", 5);

  ExecuteStatementRequest req;
  req.statement = R"(SELECT * FROM "statements" WHERE pk = ?)";
  req.parameters = {AV::S("a")};
  req.limit = 7;
  req.consistent_read = true;
  std::vector<int> seen;
  int pages = 0;
  for (;;) {
    StatementPage page;
    Status s = client_->ExecuteStatement(req, &page);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ++pages;
    ASSERT_LE(page.items.size(), 7u);
    for (const Item& item : page.items) {
      EXPECT_EQ(item.at("pk").scalar(), "a");
      EXPECT_EQ(item.size(), 3u);  // pk, sk, v
      seen.push_back(std::stoi(item.at("sk").scalar()));
    }
    if (page.next_token.empty()) break;
    req.next_token = page.next_token;
    ASSERT_LT(pages, 20);
  }
  std::vector<int> expected;
  for (int i = 0; i < 30; ++i) expected.push_back(i);
  EXPECT_EQ(seen, expected);  // one partition: sort key order
  EXPECT_GE(pages, 5);        // 30 items, 7 per page

  // Numbers bind as N (a BETWEEN on the sort key), projections keep only
  // what the statement names.
  ExecuteStatementRequest ranged;
  ranged.statement = R"(SELECT v FROM "statements" WHERE pk = ? AND sk BETWEEN ? AND ?)";
  ranged.parameters = {AV::S("a"), AV::N("3"), AV::N("5")};
  StatementPage page;
  Status s = client_->ExecuteStatement(ranged, &page);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(page.items.size(), 3u);
  EXPECT_TRUE(page.items[0] == (Item{{"v", AV::S("v3")}}));
  EXPECT_TRUE(page.items[2] == (Item{{"v", AV::S("v5")}}));
  EXPECT_TRUE(page.next_token.empty());

  // A statement without parameters reads the whole table.
  ExecuteStatementRequest all;
  all.statement = R"(SELECT pk FROM "statements")";
  size_t total = 0;
  for (int round = 0; round < 20; ++round) {
    s = client_->ExecuteStatement(all, &page);
    ASSERT_TRUE(s.ok()) << s.ToString();
    total += page.items.size();
    if (page.next_token.empty()) break;
    all.next_token = page.next_token;
  }
  EXPECT_EQ(total, 35u);
}

TEST_F(DynamoDbClientTest, ExecuteStatementErrorsNameTheStatement) {
  ExecuteStatementRequest req;
  req.statement = "SELECT *\n  FROM \"no_such_table\" WHERE pk = ?";
  req.parameters = {AV::S("x")};
  StatementPage page;
  Status s = client_->ExecuteStatement(req, &page);
  EXPECT_EQ(s.code(), Status::Code::kAwsError);
  EXPECT_EQ(s.aws_code(), "ResourceNotFoundException") << s.ToString();
  // Folded onto one line.
  EXPECT_NE(s.ToString().find(R"(statement SELECT * FROM "no_such_table" WHERE pk = ?)"),
            std::string::npos)
      << s.ToString();

  CreateSimpleTable("partiql_errors", false);
  req.statement = R"(SELEKT * FROM "partiql_errors")";
  req.parameters.clear();
  s = client_->ExecuteStatement(req, &page);
  EXPECT_EQ(s.aws_code(), "ValidationException") << s.ToString();
  EXPECT_NE(s.ToString().find("SELEKT"), std::string::npos) << s.ToString();

  // A '?' without a parameter is the service's error, not a crash.
  req.statement = R"(SELECT * FROM "partiql_errors" WHERE pk = ?)";
  s = client_->ExecuteStatement(req, &page);
  EXPECT_EQ(s.aws_code(), "ValidationException") << s.ToString();
}

}  // namespace
}  // namespace ddb::dynamodb
