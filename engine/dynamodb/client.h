// DynamoDbClient: the typed DynamoDB operations ddbsql uses.
//
// Where a request is built: each method in client.cc fills a JSON body for
// its operation and hands it to DynamoDbClient::Invoke, the one place that
// POSTs to "/" with X-Amz-Target: DynamoDB_20120810.<Operation> through
// AwsClient::Call (signing, retries, CRC check) and parses the answer, once,
// into JSON; the method then converts that into the structs below.
//
// Expressions are passed through as written; their placeholders go in
// `names` ("#n" -> "name") and `values` (":v" -> AttributeValue). Every
// operation that can report consumed capacity asks for TOTAL and returns the
// capacity units in `consumed_capacity`.
//
// All methods are thread-safe (the underlying AwsClient is) and block until
// the operation has completed or failed; errors name the table.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/aws/client.h"
#include "engine/dynamodb/attribute_value.h"
#include "engine/status.h"

namespace ddb::dynamodb {

// Signing name "dynamodb", JSON error documents, x-amz-crc32 validation.
aws::ServiceTraits DynamoDbTraits();

// Expression attribute names: "#n" -> "name".
using NameMap = std::map<std::string, std::string>;

// ---- Tables ----

struct KeyAttribute {
  std::string name;
  std::string type;  // "S", "N" or "B"
};

struct KeySchema {
  KeyAttribute hash;
  std::optional<KeyAttribute> range;  // no sort key when empty
};

struct Projection {
  std::string type = "ALL";                     // "ALL", "KEYS_ONLY" or "INCLUDE"
  std::vector<std::string> non_key_attributes;  // INCLUDE only
};

struct IndexDescription {
  std::string name;
  KeySchema key;
  Projection projection;
  // Filled by DescribeTable only:
  std::string status;  // GSIs: "CREATING", "ACTIVE", ...; empty for LSIs
  int64_t item_count = 0;
  int64_t size_bytes = 0;
};

struct TableDescription {
  std::string name;
  std::string arn;
  std::string status;  // "CREATING", "ACTIVE", "UPDATING", "DELETING", ...
  KeySchema key;
  std::vector<IndexDescription> global_indexes;
  std::vector<IndexDescription> local_indexes;
  double creation_time = 0;  // CreationDateTime, seconds since the epoch
  int64_t item_count = 0;    // DynamoDB refreshes these about every six hours
  int64_t size_bytes = 0;
  std::string billing_mode;   // "PAY_PER_REQUEST" or "PROVISIONED"
  int64_t read_capacity = 0;  // provisioned units; 0 on demand
  int64_t write_capacity = 0;

  // The index called `name` (global or local), or nullptr.
  const IndexDescription* FindIndex(const std::string& name) const;
};

struct CreateTableRequest {
  std::string table;
  KeySchema key;
  std::vector<IndexDescription> global_indexes;  // name, key, projection used
  std::vector<IndexDescription> local_indexes;
  std::string billing_mode = "PAY_PER_REQUEST";
  int64_t read_capacity = 5;  // PROVISIONED only, for the table and each GSI
  int64_t write_capacity = 5;
};

struct ListTablesRequest {
  std::string exclusive_start_table_name;  // empty: from the first table
  int limit = 0;                           // 0: the service's maximum (100)
};

struct ListTablesPage {
  std::vector<std::string> names;
  std::string last_evaluated_table_name;  // empty: this was the last page
};

// ---- Single items ----

struct GetItemRequest {
  std::string table;
  Item key;
  bool consistent_read = false;
  std::string projection;  // ProjectionExpression; empty: every attribute
  NameMap names;
};

struct GetItemResult {
  bool found = false;
  Item item;
  double consumed_capacity = 0;
};

enum class ReturnValues { kNone, kAllOld, kUpdatedOld, kAllNew, kUpdatedNew };

struct PutItemRequest {
  std::string table;
  Item item;
  std::string condition;  // ConditionExpression; empty: unconditional
  NameMap names;
  AttributeMap values;
  ReturnValues return_values = ReturnValues::kNone;  // kNone or kAllOld
};

struct UpdateItemRequest {
  std::string table;
  Item key;
  std::string update;  // UpdateExpression
  std::string condition;
  NameMap names;
  AttributeMap values;
  ReturnValues return_values = ReturnValues::kNone;
};

struct DeleteItemRequest {
  std::string table;
  Item key;
  std::string condition;
  NameMap names;
  AttributeMap values;
  ReturnValues return_values = ReturnValues::kNone;  // kNone or kAllOld
};

struct WriteResult {
  Item attributes;  // what ReturnValues asked for; empty otherwise
  double consumed_capacity = 0;
};

// ---- Reads of many items ----

struct BatchGetRequest {
  std::string table;
  std::vector<Item> keys;  // any number; duplicates are sent once
  bool consistent_read = false;
  std::string projection;
  NameMap names;
};

struct BatchGetResult {
  std::vector<Item> items;  // the keys that exist, in no particular order
  double consumed_capacity = 0;
};

struct QueryRequest {
  std::string table;
  std::string index;  // IndexName; empty: the table itself
  std::string key_condition;
  std::string filter;
  std::string projection;
  NameMap names;
  AttributeMap values;
  bool scan_forward = true;  // false: descending sort key
  int limit = 0;             // items evaluated per page; 0: up to 1 MB
  bool consistent_read = false;
  bool count_only = false;   // Select COUNT: no items, only the counts
  Item exclusive_start_key;  // empty: from the start
  // The page's items kept as text (ItemPage::item_texts), not decoded.
  bool keep_item_text = false;
};

struct ScanRequest {
  std::string table;
  std::string index;
  std::string filter;
  std::string projection;
  NameMap names;
  AttributeMap values;
  int limit = 0;
  bool consistent_read = false;
  bool count_only = false;
  int segment = 0;         // parallel scan: this worker's segment ...
  int total_segments = 0;  // ... of this many; 0: not a parallel scan
  Item exclusive_start_key;
  bool keep_item_text = false;  // as in QueryRequest
};

// One page of a Query or Scan.
struct ItemPage {
  std::vector<Item> items;
  // With keep_item_text, instead of `items`: each item's wire JSON text, a
  // span of `body` (the response), checked as `items` would have been but
  // not decoded (SplitItemsResponse in attribute_value.h).
  std::vector<std::string_view> item_texts;
  std::shared_ptr<const std::string> body;
  Item last_evaluated_key;  // empty: this was the last page
  int64_t count = 0;        // items after the filter
  int64_t scanned_count = 0;
  double consumed_capacity = 0;
};
using QueryPage = ItemPage;
using ScanPage = ItemPage;

// Receives each page in turn; a non-ok Status stops the loop and is returned.
using PageCallback = std::function<Status(ItemPage&& page)>;

// ---- Writes of many items ----

struct BatchWriteEntry {
  enum class Kind { kPut, kDelete };
  std::string table;
  Kind kind = Kind::kPut;
  Item item;  // kPut: the whole item; kDelete: its key
};

struct TransactWriteEntry {
  enum class Kind { kPut, kUpdate, kDelete, kConditionCheck };
  Kind kind = Kind::kPut;
  std::string table;
  Item item;              // kPut: the whole item; the others: the key
  std::string update;     // kUpdate only
  std::string condition;  // required for kConditionCheck
  NameMap names;
  AttributeMap values;
  // When its condition fails, the cancellation reason carries the item as
  // it was (ReturnValuesOnConditionCheckFailure ALL_OLD).
  bool return_old_on_condition_failure = false;
};

struct TransactWriteRequest {
  std::vector<TransactWriteEntry> entries;  // up to 100
  std::string client_request_token;         // idempotency token; empty for none
};

// Why DynamoDB cancelled one entry of a transaction (its CancellationReasons,
// in the order of the request's entries).
struct CancellationReason {
  std::string code;  // "None" (not the cause), "ConditionalCheckFailed", "TransactionConflict", ...
  std::string message;  // DynamoDB's text; may be empty
  Item item;            // the item as it was, when the entry asked for it and its condition failed

  bool condition_failed() const { return code == kConditionalCheckFailed; }
  static constexpr char kNone[] = "None";
  static constexpr char kConditionalCheckFailed[] = "ConditionalCheckFailed";
  static constexpr char kTransactionConflict[] = "TransactionConflict";
};

struct TransactWriteResult {
  double consumed_capacity = 0;
  // A cancelled transaction (TransactionCanceledException): one reason per
  // entry, in order; empty otherwise, or when DynamoDB gave none.
  std::vector<CancellationReason> cancellation_reasons;
};

// The CancellationReasons of a TransactionCanceledException's error
// document `body`. An unparsable body, or one without reasons, gives none.
std::vector<CancellationReason> ParseCancellationReasons(std::string_view body);

// ---- PartiQL ----

struct ExecuteStatementRequest {
  std::string statement;     // PartiQL; its '?' are bound to `parameters` in order
  AttributeList parameters;  // empty: the statement has no '?'
  bool consistent_read = false;
  std::string next_token;  // empty: the first page
  int limit = 0;           // items evaluated per page; 0: up to 1 MB
};

// One page of an ExecuteStatement.
struct StatementPage {
  std::vector<Item> items;
  std::string next_token;   // empty: this was the last page
  Item last_evaluated_key;  // where a SELECT stopped, when the service says
  double consumed_capacity = 0;
};

class DynamoDbClient {
 public:
  // `aws` must have been built with DynamoDbTraits().
  explicit DynamoDbClient(std::shared_ptr<aws::AwsClient> aws);

  aws::AwsClient& aws() { return *aws_; }
  // "DynamoDB Scan answer from URL": the context of an answer that does not
  // decode.
  std::string AnswerFrom(const char* operation) const;

  // Every table name, following all pages.
  Status ListTables(std::vector<std::string>* names);
  // One page of table names.
  Status ListTables(const ListTablesRequest& request, ListTablesPage* page);

  Status DescribeTable(const std::string& table, TableDescription* out);
  // Creates the table; attribute definitions are derived from the key
  // schemas (one attribute used with two types is InvalidArgument). `out`
  // may be null. The table is usually not ACTIVE yet: see WaitUntilActive.
  Status CreateTable(const CreateTableRequest& request, TableDescription* out = nullptr);
  // Polls DescribeTable until the table and all its GSIs are ACTIVE. After
  // `timeout` it gives up with a Status::Transport naming the table and its
  // last status. `out` (may be null) receives the last description.
  Status WaitUntilActive(const std::string& table, std::chrono::milliseconds timeout,
                         TableDescription* out = nullptr);
  Status DeleteTable(const std::string& table);

  Status GetItem(const GetItemRequest& request, GetItemResult* out);
  Status PutItem(const PutItemRequest& request, WriteResult* out = nullptr);
  Status UpdateItem(const UpdateItemRequest& request, WriteResult* out = nullptr);
  Status DeleteItem(const DeleteItemRequest& request, WriteResult* out = nullptr);

  // The same without waiting (AwsClient::Start): the request is built and
  // sent from the caller's thread, and `done` gets what the blocking form
  // returns, once, on the HTTP client's loop thread (see AwsClient::Start
  // for what it may do there).
  using GetItemCallback = std::function<void(Status, GetItemResult)>;
  using WriteCallback = std::function<void(Status, WriteResult)>;
  void StartGetItem(const GetItemRequest& request, GetItemCallback done);
  void StartPutItem(const PutItemRequest& request, WriteCallback done);
  void StartUpdateItem(const UpdateItemRequest& request, WriteCallback done);
  void StartDeleteItem(const DeleteItemRequest& request, WriteCallback done);

  // Fetches any number of keys of one table: requests of up to 100 keys are
  // sent concurrently (at most 8 at a time) and their UnprocessedKeys retried
  // with backoff until none remain. After 10 rounds in a row that return
  // nothing it gives up with AwsError("UnprocessedKeys"). The items come back
  // in no particular order: neither the keys' order nor a stable one.
  Status BatchGetItem(const BatchGetRequest& request, BatchGetResult* out);
  // The same without waiting, as StartPutItem: one request of 100 keys at a
  // time, the UnprocessedKeys rounds' backoff on the loop's timers.
  using BatchGetCallback = std::function<void(Status, BatchGetResult)>;
  void StartBatchGetItem(const BatchGetRequest& request, BatchGetCallback done);

  // One page each; pass the page's last_evaluated_key as the next request's
  // exclusive_start_key to continue.
  Status Query(const QueryRequest& request, QueryPage* page);
  Status Scan(const ScanRequest& request, ScanPage* page);
  // Every page in order, from request.exclusive_start_key to the end.
  Status QueryAll(const QueryRequest& request, const PageCallback& on_page);
  Status ScanAll(const ScanRequest& request, const PageCallback& on_page);

  // Writes entries of one or more tables, 25 per request in order, retrying
  // UnprocessedItems with backoff (giving up as BatchGetItem does, with
  // AwsError("UnprocessedItems")). Not atomic: on error some entries may have
  // been written. A key must not appear twice in one request of 25.
  Status BatchWriteItem(const std::vector<BatchWriteEntry>& entries,
                        double* consumed_capacity = nullptr);

  // All entries succeed or none does. A cancelled transaction is
  // AwsError("TransactionCanceledException") whose message lists each
  // failing entry's index and reason; `result` (may be null) has the
  // reasons as data, one per entry.
  Status TransactWriteItems(const TransactWriteRequest& request, TransactWriteResult* result);
  Status TransactWriteItems(const TransactWriteRequest& request,
                            double* consumed_capacity = nullptr);

  // BatchWriteItem and TransactWriteItems without waiting, as StartPutItem:
  // the UnprocessedItems rounds' backoff waits on the loop's timers.
  using BatchWriteCallback = std::function<void(Status, double consumed_capacity)>;
  using TransactWriteCallback = std::function<void(Status, TransactWriteResult)>;
  void StartBatchWriteItem(const std::vector<BatchWriteEntry>& entries, BatchWriteCallback done);
  void StartTransactWriteItems(const TransactWriteRequest& request, TransactWriteCallback done);
  // Calls fn(false) on the HTTP client's loop thread once `delay` has
  // passed, or fn(true) as soon as Ctrl-C cancels the requests in flight
  // (HttpClient::RunAfter): the backoff of a caller's own retries of the
  // Start* calls. The same rules as their callbacks apply to `fn`.
  void RunAfter(std::chrono::milliseconds delay, std::function<void(bool cancelled)> fn);

  // One page of a PartiQL statement; pass the page's next_token as the next
  // request's to continue. A page may be empty and still have a next_token
  // (a SELECT that filters reads on). Errors name the statement (its start).
  Status ExecuteStatement(const ExecuteStatementRequest& request, StatementPage* page);

 private:
  // Sends `body` as `operation` and parses the response into `response`.
  // `context` ("table orders") prefixes any error.
  Status Invoke(const char* operation, const std::string& context, const nlohmann::json& body,
                nlohmann::json* response);
  // The same, leaving the response body unparsed (Query and Scan pages are
  // decoded straight from the text: no JSON tree of a 1 MB page is built).
  // On an error, `error_body` (if not null) receives the error document.
  Status InvokeRaw(const char* operation, const std::string& context, const nlohmann::json& body,
                   std::string* response_body, std::string* error_body = nullptr);
  // The request Invoke() sends; false with *error set when the body cannot
  // be written (a string that is not UTF-8).
  bool BuildRequest(const char* operation, const std::string& context, const nlohmann::json& body,
                    aws::ServiceRequest* request, Status* error) const;
  // InvokeRaw() without waiting: done(status, response body or error body).
  void StartInvokeRaw(const char* operation, const std::string& context, const nlohmann::json& body,
                      std::function<void(Status, std::string)> done);
  // Invoke() without waiting: done(status, parsed response).
  void StartInvoke(const char* operation, const std::string& context, const nlohmann::json& body,
                   std::function<void(Status, nlohmann::json)> done);
  struct BatchWriteState;
  struct BatchGetState;
  // One round of StartBatchGetItem: sends the state's pending keys.
  void BatchGetRound(std::shared_ptr<BatchGetState> state);
  // One round of StartBatchWriteItem: sends the state's pending items.
  void BatchWriteRound(std::shared_ptr<BatchWriteState> state);
  // One BatchGetItem request of at most 100 keys, repeated for its
  // UnprocessedKeys.
  Status BatchGetChunk(const BatchGetRequest& request, std::vector<Item> keys, BatchGetResult* out);

  std::shared_ptr<aws::AwsClient> aws_;
};

}  // namespace ddb::dynamodb
