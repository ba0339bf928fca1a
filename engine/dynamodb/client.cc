// DynamoDB's JSON protocol (awsJson1_0): every operation is a POST to "/"
// whose X-Amz-Target names it and whose body and answer are JSON documents.
// Each public method below builds its body, calls Invoke() and converts the
// answer; the conversions never throw (nlohmann::json exceptions are caught
// and reported as Corruption).
#include "engine/dynamodb/client.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <future>
#include <iterator>
#include <mutex>
#include <random>
#include <set>
#include <system_error>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "engine/aws/retry.h"
#include "engine/strings.h"

namespace ddb::dynamodb {

using nlohmann::json;

namespace {

constexpr char kTargetPrefix[] = "DynamoDB_20120810.";
constexpr size_t kBatchGetMaxKeys = 100;
constexpr size_t kBatchWriteMaxItems = 25;
// Concurrent BatchGetItem requests per call; more only adds throttling.
constexpr size_t kMaxParallelBatchGets = 8;
// Rounds of UnprocessedKeys/UnprocessedItems in a row that return nothing
// before giving up.
constexpr int kMaxStalledRounds = 10;
constexpr size_t kMaxContextChars = 200;

// Backoff between rounds of unprocessed keys or items: the throttling base
// the SDKs use for DynamoDB, capped low enough to stay interactive.
aws::RetryPolicy UnprocessedBackoff() {
  aws::RetryPolicy policy;
  policy.base_delay = std::chrono::milliseconds(50);
  policy.max_backoff = std::chrono::milliseconds(5000);
  return policy;
}

// Printable ASCII only, at most `max` characters: error bodies may be HTML
// or binary garbage from a proxy.
std::string Sanitize(std::string_view s, size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out.push_back(c);
    } else {
      out.push_back(u == '\n' || u == '\t' || u == '\r' ? ' ' : '?');
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

const json* Member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string StringMember(const json& obj, const char* key) {
  const json* m = Member(obj, key);
  return m != nullptr && m->is_string() ? m->get<std::string>() : std::string();
}

int64_t IntMember(const json& obj, const char* key) {
  const json* m = Member(obj, key);
  if (m == nullptr) return 0;
  if (m->is_number_integer()) return m->get<int64_t>();
  if (m->is_number_float()) return static_cast<int64_t>(m->get<double>());
  return 0;
}

// Sums CapacityUnits over a ConsumedCapacity object (single-table
// operations) or array (batch and transaction operations).
double ConsumedCapacityUnits(const json& response) {
  const json* cc = Member(response, "ConsumedCapacity");
  if (cc == nullptr) return 0;
  auto units = [](const json& c) {
    const json* u = Member(c, "CapacityUnits");
    return u != nullptr && u->is_number() ? u->get<double>() : 0.0;
  };
  if (cc->is_object()) return units(*cc);
  double total = 0;
  if (cc->is_array()) {
    for (const json& c : *cc) total += units(c);
  }
  return total;
}

// "entry 0: ConditionalCheckFailed: The conditional request failed." for
// each entry that caused a transaction to be cancelled. The reasons' Item
// (the old values) is left out: it may be large or sensitive.
std::string CancellationReasons(const json& reasons) {
  std::string out;
  for (size_t i = 0; i < reasons.size(); ++i) {
    std::string code = StringMember(reasons[i], "Code");
    if (code.empty() || code == "None") continue;
    if (!out.empty()) out += "; ";
    out += "entry " + std::to_string(i) + ": " + code;
    std::string message = StringMember(reasons[i], "Message");
    if (!message.empty()) out += ": " + message;
  }
  return out;
}

Status ParseDynamoDbError(const aws::HttpResponse& response) {
  const int http_status = static_cast<int>(response.status);
  const std::string fallback_code = "HTTP " + std::to_string(http_status);
  json doc = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    return Status::AwsError(fallback_code, Sanitize(response.body, 200), http_status);
  }
  // "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
  std::string code = StringMember(doc, "__type");
  if (code.empty()) code = std::string(aws::FindHeader(response.headers, "x-amzn-errortype"));
  if (size_t hash = code.find('#'); hash != std::string::npos) code.erase(0, hash + 1);
  code.erase(std::min(code.size(), code.find(':')));  // x-amzn-ErrorType: "Code:http://..."
  if (code.empty()) code = fallback_code;
  std::string message = StringMember(doc, "message");
  if (message.empty()) message = StringMember(doc, "Message");
  const json* reasons = Member(doc, "CancellationReasons");
  if (reasons != nullptr && reasons->is_array()) {
    std::string detail = CancellationReasons(*reasons);
    if (!detail.empty()) message += " (" + detail + ")";
  }
  return Status::AwsError(std::move(code), std::move(message), http_status);
}

Status ValidateCrc32(const aws::HttpResponse& response) {
  std::string_view header = aws::FindHeader(response.headers, "x-amz-crc32");
  if (header.empty()) return Status::OK();  // DynamoDB Local and proxies omit it
  uint32_t expected = 0;
  auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), expected);
  if (ec != std::errc() || end != header.data() + header.size()) {
    return Status::Corruption("malformed x-amz-crc32 header: " + Sanitize(header, 40));
  }
  if (expected != response.crc32) {
    return Status::Corruption("CRC32 mismatch: x-amz-crc32 says " + std::to_string(expected) +
                              ", body has " + std::to_string(response.crc32));
  }
  return Status::OK();
}

std::string TableContext(const std::string& table) { return "table " + table; }

// "table orders, key {"id":"a1"}": keys are small, but cap them anyway.
std::string KeyContext(const std::string& table, const Item& key) {
  std::string k = ItemToPlainJson(key);
  if (k.size() > kMaxContextChars) k = k.substr(0, kMaxContextChars) + "...";
  return TableContext(table) + ", key " + k;
}

std::string TablesContext(const std::set<std::string>& tables) {
  if (tables.size() == 1) return TableContext(*tables.begin());
  std::string out = "tables ";
  const char* separator = "";
  for (const std::string& t : tables) {
    if (out.size() > kMaxContextChars) return out + ", ...";
    out += separator + t;
    separator = ", ";
  }
  return out;
}

void AddExpressionParams(const NameMap& names, const AttributeMap& values, json* body) {
  if (!names.empty()) (*body)["ExpressionAttributeNames"] = names;
  if (!values.empty()) (*body)["ExpressionAttributeValues"] = ItemToWireJson(values);
}

void AddIfNotEmpty(const char* key, const std::string& value, json* body) {
  if (!value.empty()) (*body)[key] = value;
}

const char* ReturnValuesName(ReturnValues rv) {
  switch (rv) {
    case ReturnValues::kNone:
      return "NONE";
    case ReturnValues::kAllOld:
      return "ALL_OLD";
    case ReturnValues::kUpdatedOld:
      return "UPDATED_OLD";
    case ReturnValues::kAllNew:
      return "ALL_NEW";
    case ReturnValues::kUpdatedNew:
      return "UPDATED_NEW";
  }
  return "NONE";
}

// A wire-JSON item member of `response` ("Item", "Attributes",
// "LastEvaluatedKey"), or an empty item when absent.
Status ItemMember(const json& response, const char* key, Item* out, bool* present = nullptr) {
  out->clear();
  const json* m = Member(response, key);
  if (present != nullptr) *present = m != nullptr;
  if (m == nullptr) return Status::OK();
  Status s = ItemFromWireJson(*m, out);
  if (!s.ok()) return Status::Corruption(std::string(key) + " in response: " + s.message());
  return s;
}

Status ItemsMember(const json& response, const char* key, std::vector<Item>* out) {
  const json* items = Member(response, key);
  if (items == nullptr) return Status::OK();
  if (!items->is_array()) return Status::Corruption(std::string(key) + " is not an array");
  out->reserve(out->size() + items->size());
  for (const json& j : *items) {
    Item item;
    Status s = ItemFromWireJson(j, &item);
    if (!s.ok()) return Status::Corruption(std::string(key) + " in response: " + s.message());
    out->push_back(std::move(item));
  }
  return Status::OK();
}

// ---- Table descriptions ----

json KeySchemaJson(const KeySchema& key) {
  auto element = [](const KeyAttribute& a, const char* key_type) {
    json e = json::object();
    e["AttributeName"] = a.name;
    e["KeyType"] = key_type;
    return e;
  };
  json schema = json::array();
  schema.push_back(element(key.hash, "HASH"));
  if (key.range) schema.push_back(element(*key.range, "RANGE"));
  return schema;
}

json ProjectionJson(const Projection& p) {
  json out = {{"ProjectionType", p.type}};
  if (!p.non_key_attributes.empty()) out["NonKeyAttributes"] = p.non_key_attributes;
  return out;
}

// Attribute name -> "S"/"N"/"B", from AttributeDefinitions.
using AttributeTypes = std::map<std::string, std::string>;

Status ParseKeySchema(const json* schema, const AttributeTypes& types, KeySchema* out) {
  if (schema == nullptr || !schema->is_array()) return Status::Corruption("KeySchema missing");
  for (const json& k : *schema) {
    KeyAttribute attr;
    attr.name = StringMember(k, "AttributeName");
    auto it = types.find(attr.name);
    if (it != types.end()) attr.type = it->second;
    std::string key_type = StringMember(k, "KeyType");
    if (key_type == "HASH") {
      out->hash = std::move(attr);
    } else if (key_type == "RANGE") {
      out->range = std::move(attr);
    }
  }
  if (out->hash.name.empty()) return Status::Corruption("KeySchema without a HASH key");
  return Status::OK();
}

Status ParseIndexes(const json* indexes, const AttributeTypes& types,
                    std::vector<IndexDescription>* out) {
  if (indexes == nullptr || !indexes->is_array()) return Status::OK();
  for (const json& j : *indexes) {
    IndexDescription index;
    index.name = StringMember(j, "IndexName");
    Status s = ParseKeySchema(Member(j, "KeySchema"), types, &index.key);
    if (!s.ok()) return s.WithContext("index " + index.name);
    if (const json* p = Member(j, "Projection")) {
      index.projection.type = StringMember(*p, "ProjectionType");
      const json* attrs = Member(*p, "NonKeyAttributes");
      if (attrs != nullptr && attrs->is_array()) {
        for (const json& a : *attrs) {
          if (a.is_string()) index.projection.non_key_attributes.push_back(a.get<std::string>());
        }
      }
    }
    index.status = StringMember(j, "IndexStatus");
    index.item_count = IntMember(j, "ItemCount");
    index.size_bytes = IntMember(j, "IndexSizeBytes");
    out->push_back(std::move(index));
  }
  return Status::OK();
}

Status ParseTableDescription(const json& t, TableDescription* out) {
  *out = TableDescription();
  AttributeTypes types;
  if (const json* defs = Member(t, "AttributeDefinitions"); defs != nullptr && defs->is_array()) {
    for (const json& d : *defs) {
      types[StringMember(d, "AttributeName")] = StringMember(d, "AttributeType");
    }
  }
  out->name = StringMember(t, "TableName");
  out->arn = StringMember(t, "TableArn");
  out->status = StringMember(t, "TableStatus");
  Status s = ParseKeySchema(Member(t, "KeySchema"), types, &out->key);
  if (s.ok()) s = ParseIndexes(Member(t, "GlobalSecondaryIndexes"), types, &out->global_indexes);
  if (s.ok()) s = ParseIndexes(Member(t, "LocalSecondaryIndexes"), types, &out->local_indexes);
  if (!s.ok()) return s;
  out->item_count = IntMember(t, "ItemCount");
  out->size_bytes = IntMember(t, "TableSizeBytes");
  if (const json* created = Member(t, "CreationDateTime"); created && created->is_number()) {
    out->creation_time = created->get<double>();
  }
  // Tables created before on-demand existed have no BillingModeSummary.
  out->billing_mode = "PROVISIONED";
  if (const json* summary = Member(t, "BillingModeSummary")) {
    std::string mode = StringMember(*summary, "BillingMode");
    if (!mode.empty()) out->billing_mode = mode;
  }
  if (const json* pt = Member(t, "ProvisionedThroughput")) {
    out->read_capacity = IntMember(*pt, "ReadCapacityUnits");
    out->write_capacity = IntMember(*pt, "WriteCapacityUnits");
  }
  return Status::OK();
}

// AttributeDefinitions for every key attribute of the table and its indexes.
Status AttributeDefinitions(const CreateTableRequest& request, json* out) {
  AttributeTypes types;
  auto add = [&types](const KeyAttribute& a) {
    if (a.type != "S" && a.type != "N" && a.type != "B") {
      return Status::InvalidArgument("key attribute " + a.name + " has type '" + a.type +
                                     "'; expected S, N or B");
    }
    auto [it, inserted] = types.emplace(a.name, a.type);
    if (!inserted && it->second != a.type) {
      return Status::InvalidArgument("key attribute " + a.name + " is used as both " + it->second +
                                     " and " + a.type);
    }
    return Status::OK();
  };
  auto add_schema = [&add](const KeySchema& key) {
    Status s = add(key.hash);
    if (s.ok() && key.range) s = add(*key.range);
    return s;
  };
  Status s = add_schema(request.key);
  for (const auto* indexes : {&request.global_indexes, &request.local_indexes}) {
    for (const IndexDescription& index : *indexes) {
      if (s.ok()) s = add_schema(index.key);
    }
  }
  if (!s.ok()) return s;
  *out = json::array();
  for (const auto& [name, type] : types) {
    out->push_back({{"AttributeName", name}, {"AttributeType", type}});
  }
  return Status::OK();
}

// ---- Query and Scan ----

// The members QueryRequest and ScanRequest share.
template <typename Request>
json ReadBody(const Request& r) {
  json body = {{"TableName", r.table}, {"ReturnConsumedCapacity", "TOTAL"}};
  AddIfNotEmpty("IndexName", r.index, &body);
  AddIfNotEmpty("FilterExpression", r.filter, &body);
  AddIfNotEmpty("ProjectionExpression", r.projection, &body);
  AddExpressionParams(r.names, r.values, &body);
  if (r.limit > 0) body["Limit"] = r.limit;
  if (r.consistent_read) body["ConsistentRead"] = true;
  if (r.count_only) body["Select"] = "COUNT";
  if (!r.exclusive_start_key.empty())
    body["ExclusiveStartKey"] = ItemToWireJson(r.exclusive_start_key);
  return body;
}

// Parses a Query or Scan page from the response text: the items straight
// into Items, the small members through a JSON tree.
Status ParsePageText(std::string text, bool keep_item_text, ItemPage* page) {
  *page = ItemPage();
  std::vector<JsonMember> others;
  Status s;
  if (keep_item_text) {
    page->body = std::make_shared<const std::string>(std::move(text));
    s = SplitItemsResponse(*page->body, "Items", &page->item_texts, &others);
  } else {
    s = DecodeItemsResponse(text, "Items", &page->items, &others);
  }
  if (!s.ok()) return s;
  for (const JsonMember& m : others) {
    if (m.name == "LastEvaluatedKey") {
      s = ItemFromWireJsonText(m.value, &page->last_evaluated_key);
      if (!s.ok()) return s.WithContext("LastEvaluatedKey");
    } else if (m.name == "Count" || m.name == "ScannedCount") {
      int64_t n = std::strtoll(std::string(m.value).c_str(), nullptr, 10);
      (m.name == "Count" ? page->count : page->scanned_count) = n;
    } else if (m.name == "ConsumedCapacity") {
      json wrapper;
      try {
        wrapper["ConsumedCapacity"] = json::parse(m.value);
      } catch (const json::exception&) {
        return Status::Corruption("ConsumedCapacity is not JSON");
      }
      page->consumed_capacity = ConsumedCapacityUnits(wrapper);
    }
  }
  return Status::OK();
}

template <typename Request>
Status AllPages(Request request, const PageCallback& on_page,
                const std::function<Status(const Request&, ItemPage*)>& one_page) {
  for (;;) {
    ItemPage page;
    Status s = one_page(request, &page);
    if (!s.ok()) return s;
    request.exclusive_start_key = page.last_evaluated_key;
    s = on_page(std::move(page));
    if (!s.ok()) return s;
    if (request.exclusive_start_key.empty()) return Status::OK();
  }
}

// Counts the entries of a RequestItems / UnprocessedItems object.
size_t CountRequestItems(const json& request_items) {
  size_t n = 0;
  if (request_items.is_object()) {
    for (const auto& [table, entries] : request_items.items()) n += entries.size();
  }
  return n;
}

}  // namespace

aws::ServiceTraits DynamoDbTraits() {
  aws::ServiceTraits traits;
  traits.signing_name = "dynamodb";
  traits.parse_error = ParseDynamoDbError;
  traits.validate = ValidateCrc32;
  return traits;
}

const IndexDescription* TableDescription::FindIndex(const std::string& index_name) const {
  for (const auto* indexes : {&global_indexes, &local_indexes}) {
    for (const IndexDescription& index : *indexes) {
      if (index.name == index_name) return &index;
    }
  }
  return nullptr;
}

DynamoDbClient::DynamoDbClient(std::shared_ptr<aws::AwsClient> aws) : aws_(std::move(aws)) {}

Status ParseResponse(const char* operation, const std::string& context, const std::string& where,
                     const std::string& text, json* response);

// "DynamoDB Scan answer from http://127.0.0.1:8000": where an answer that
// does not decode came from, for its error.
std::string DynamoDbClient::AnswerFrom(const char* operation) const {
  return std::string("DynamoDB ") + operation + " answer from " + aws_->endpoint().BaseUrl();
}

// Every DynamoDB request is built here: POST / with the operation named in
// X-Amz-Target and a JSON body, sent through AwsClient::Call (signing,
// retries, CRC check).
bool DynamoDbClient::BuildRequest(const char* operation, const std::string& context,
                                  const json& body, aws::ServiceRequest* request,
                                  Status* error) const {
  request->method = "POST";
  request->path = "/";
  request->headers = {{"Content-Type", "application/x-amz-json-1.0"},
                      {"X-Amz-Target", std::string(kTargetPrefix) + operation}};
  request->context = context;
  request->operation = std::string("DynamoDB ") + operation;
  try {
    request->body = body.dump();
  } catch (const json::exception&) {
    Status bad = Status::InvalidArgument(std::string(operation) + ": a string is not valid UTF-8");
    *error = context.empty() ? bad : bad.WithContext(context);
    return false;
  }
  return true;
}

Status DynamoDbClient::InvokeRaw(const char* operation, const std::string& context,
                                 const json& body, std::string* response_body,
                                 std::string* error_body) {
  aws::ServiceRequest request;
  Status bad;
  if (!BuildRequest(operation, context, body, &request, &bad)) return bad;
  aws::HttpResponse http;
  Status s = aws_->Call(request, &http);
  if (!s.ok()) {
    if (error_body != nullptr) *error_body = std::move(http.body);
    return s;
  }
  *response_body = std::move(http.body);
  return Status::OK();
}

void DynamoDbClient::StartInvokeRaw(const char* operation, const std::string& context,
                                    const json& body,
                                    std::function<void(Status, std::string)> done) {
  aws::ServiceRequest request;
  Status bad;
  if (!BuildRequest(operation, context, body, &request, &bad)) {
    done(std::move(bad), {});
    return;
  }
  aws_->Start(std::move(request), [done = std::move(done)](Status s, aws::HttpResponse http) {
    done(std::move(s), std::move(http.body));
  });
}

void DynamoDbClient::StartInvoke(const char* operation, const std::string& context,
                                 const json& body, std::function<void(Status, json)> done) {
  StartInvokeRaw(operation, context, body,
                 [this, operation, context, done = std::move(done)](Status s, std::string text) {
                   json response;
                   if (s.ok()) {
                     s = ParseResponse(operation, context, AnswerFrom(operation), text, &response);
                   }
                   done(std::move(s), std::move(response));
                 });
}

Status DynamoDbClient::Invoke(const char* operation, const std::string& context, const json& body,
                              json* response) {
  std::string text;
  Status s = InvokeRaw(operation, context, body, &text);
  if (!s.ok()) return s;
  return ParseResponse(operation, context, AnswerFrom(operation), text, response);
}

Status ParseResponse(const char* operation, const std::string& context, const std::string& where,
                     const std::string& text, json* response) {
  auto with_context = [&](const Status& s) {
    Status named = s.WithContext(where);
    return context.empty() ? named : named.WithContext(context);
  };
  try {
    *response = json::parse(text);
  } catch (const json::exception& e) {
    return with_context(Status::Corruption(std::string(operation) +
                                           " response is not JSON: " + Sanitize(e.what(), 200)));
  }
  if (!response->is_object()) {
    return with_context(
        Status::Corruption(std::string(operation) + " response is not a JSON object"));
  }
  return Status::OK();
}

// ---- Tables ----

Status DynamoDbClient::ListTables(const ListTablesRequest& request, ListTablesPage* page) {
  json body = json::object();
  AddIfNotEmpty("ExclusiveStartTableName", request.exclusive_start_table_name, &body);
  if (request.limit > 0) body["Limit"] = request.limit;
  json response;
  Status s = Invoke("ListTables", "", body, &response);
  if (!s.ok()) return s;
  *page = ListTablesPage();
  // A list of another shape is a broken answer, not an account without
  // tables (which would read as "no such table" later).
  const json* names = Member(response, "TableNames");
  if (names != nullptr && !names->is_array()) {
    return Status::Corruption("TableNames is not a list").WithContext(AnswerFrom("ListTables"));
  }
  if (names != nullptr) {
    for (const json& n : *names) {
      if (!n.is_string()) {
        return Status::Corruption("TableNames holds a value that is not a string")
            .WithContext(AnswerFrom("ListTables"));
      }
      page->names.push_back(n.get<std::string>());
    }
  }
  if (const json* last = Member(response, "LastEvaluatedTableName");
      last != nullptr && !last->is_string()) {
    return Status::Corruption("LastEvaluatedTableName is not a string")
        .WithContext(AnswerFrom("ListTables"));
  }
  page->last_evaluated_table_name = StringMember(response, "LastEvaluatedTableName");
  return Status::OK();
}

Status DynamoDbClient::ListTables(std::vector<std::string>* names) {
  names->clear();
  ListTablesRequest request;
  for (;;) {
    ListTablesPage page;
    Status s = ListTables(request, &page);
    if (!s.ok()) return s;
    names->insert(names->end(), page.names.begin(), page.names.end());
    if (page.last_evaluated_table_name.empty()) return Status::OK();
    if (page.last_evaluated_table_name == request.exclusive_start_table_name) {
      return Status::Corruption("ListTables returned the same page twice");
    }
    request.exclusive_start_table_name = std::move(page.last_evaluated_table_name);
  }
}

Status DynamoDbClient::DescribeTable(const std::string& table, TableDescription* out) {
  json response;
  Status s = Invoke("DescribeTable", TableContext(table), {{"TableName", table}}, &response);
  if (!s.ok()) return s;
  const json* t = Member(response, "Table");
  if (t == nullptr) {
    return Status::Corruption("DescribeTable response without Table")
        .WithContext(TableContext(table) + ": " + AnswerFrom("DescribeTable"));
  }
  s = ParseTableDescription(*t, out);
  return s.ok() ? s : s.WithContext(TableContext(table) + ": " + AnswerFrom("DescribeTable"));
}

Status DynamoDbClient::CreateTable(const CreateTableRequest& request, TableDescription* out) {
  json body = {{"TableName", request.table},
               {"KeySchema", KeySchemaJson(request.key)},
               {"BillingMode", request.billing_mode}};
  Status s = AttributeDefinitions(request, &body["AttributeDefinitions"]);
  if (!s.ok()) return s.WithContext(TableContext(request.table));
  const bool provisioned = request.billing_mode == "PROVISIONED";
  const json throughput = {{"ReadCapacityUnits", request.read_capacity},
                           {"WriteCapacityUnits", request.write_capacity}};
  if (provisioned) body["ProvisionedThroughput"] = throughput;
  for (const IndexDescription& index : request.global_indexes) {
    json j = {{"IndexName", index.name},
              {"KeySchema", KeySchemaJson(index.key)},
              {"Projection", ProjectionJson(index.projection)}};
    if (provisioned) j["ProvisionedThroughput"] = throughput;
    body["GlobalSecondaryIndexes"].push_back(std::move(j));
  }
  for (const IndexDescription& index : request.local_indexes) {
    body["LocalSecondaryIndexes"].push_back({{"IndexName", index.name},
                                             {"KeySchema", KeySchemaJson(index.key)},
                                             {"Projection", ProjectionJson(index.projection)}});
  }
  json response;
  s = Invoke("CreateTable", TableContext(request.table), body, &response);
  if (!s.ok() || out == nullptr) return s;
  const json* t = Member(response, "TableDescription");
  if (t == nullptr) return Status::Corruption("CreateTable response without TableDescription");
  s = ParseTableDescription(*t, out);
  return s.ok() ? s : s.WithContext(TableContext(request.table) + ": CreateTable");
}

Status DynamoDbClient::WaitUntilActive(const std::string& table, std::chrono::milliseconds timeout,
                                       TableDescription* out) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::chrono::milliseconds delay(100);
  for (;;) {
    TableDescription d;
    Status s = DescribeTable(table, &d);
    if (!s.ok()) return s;
    bool active = d.status == "ACTIVE";
    std::string waiting_for = "table status " + d.status;
    for (const IndexDescription& index : d.global_indexes) {
      if (active && !index.status.empty() && index.status != "ACTIVE") {
        active = false;
        waiting_for = "index " + index.name + " status " + index.status;
      }
    }
    if (out != nullptr) *out = std::move(d);
    if (active) return Status::OK();
    if (std::chrono::steady_clock::now() + delay > deadline) {
      return Status::Transport(TableContext(table) + ": not ACTIVE after " +
                               std::to_string(timeout.count()) + " ms (" + waiting_for + ")");
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(2000));
  }
}

Status DynamoDbClient::DeleteTable(const std::string& table) {
  json response;
  return Invoke("DeleteTable", TableContext(table), {{"TableName", table}}, &response);
}

// ---- Single items ----

namespace {

json GetItemBody(const GetItemRequest& request) {
  json body = {{"TableName", request.table},
               {"Key", ItemToWireJson(request.key)},
               {"ReturnConsumedCapacity", "TOTAL"}};
  if (request.consistent_read) body["ConsistentRead"] = true;
  AddIfNotEmpty("ProjectionExpression", request.projection, &body);
  if (!request.names.empty()) body["ExpressionAttributeNames"] = request.names;
  return body;
}

}  // namespace

Status DynamoDbClient::GetItem(const GetItemRequest& request, GetItemResult* out) {
  const std::string context = KeyContext(request.table, request.key);
  json response;
  Status s = Invoke("GetItem", context, GetItemBody(request), &response);
  if (!s.ok()) return s;
  s = ItemMember(response, "Item", &out->item, &out->found);
  out->consumed_capacity = ConsumedCapacityUnits(response);
  return s.ok() ? s : s.WithContext(context + ": " + AnswerFrom("GetItem"));
}

void DynamoDbClient::StartGetItem(const GetItemRequest& request, GetItemCallback done) {
  std::string context = KeyContext(request.table, request.key);
  StartInvoke("GetItem", context, GetItemBody(request),
              [this, context, done = std::move(done)](Status s, json response) {
                GetItemResult out;
                if (s.ok()) {
                  s = ItemMember(response, "Item", &out.item, &out.found);
                  out.consumed_capacity = ConsumedCapacityUnits(response);
                  if (!s.ok()) s = s.WithContext(context + ": " + AnswerFrom("GetItem"));
                }
                done(std::move(s), std::move(out));
              });
}

namespace {

// The parts PutItem, UpdateItem and DeleteItem share.
template <typename Request>
json WriteBody(const Request& r) {
  json body = {{"TableName", r.table}, {"ReturnConsumedCapacity", "TOTAL"}};
  AddIfNotEmpty("ConditionExpression", r.condition, &body);
  AddExpressionParams(r.names, r.values, &body);
  if (r.return_values != ReturnValues::kNone) {
    body["ReturnValues"] = ReturnValuesName(r.return_values);
  }
  return body;
}

Status ParseWriteResult(const json& response, const std::string& context, WriteResult* out) {
  if (out == nullptr) return Status::OK();
  Status s = ItemMember(response, "Attributes", &out->attributes);
  out->consumed_capacity = ConsumedCapacityUnits(response);
  return s.ok() ? s : s.WithContext(context);
}

}  // namespace

namespace {

json PutItemBody(const PutItemRequest& request) {
  json body = WriteBody(request);
  body["Item"] = ItemToWireJson(request.item);
  return body;
}

json UpdateItemBody(const UpdateItemRequest& request) {
  json body = WriteBody(request);
  body["Key"] = ItemToWireJson(request.key);
  AddIfNotEmpty("UpdateExpression", request.update, &body);
  return body;
}

json DeleteItemBody(const DeleteItemRequest& request) {
  json body = WriteBody(request);
  body["Key"] = ItemToWireJson(request.key);
  return body;
}

// A write's answer handed to `done` as the blocking form returns it.
std::function<void(Status, json)> WriteAnswer(std::string context,
                                              DynamoDbClient::WriteCallback done) {
  return [context = std::move(context), done = std::move(done)](Status s, json response) {
    WriteResult out;
    if (s.ok()) s = ParseWriteResult(response, context, &out);
    done(std::move(s), std::move(out));
  };
}

}  // namespace

Status DynamoDbClient::PutItem(const PutItemRequest& request, WriteResult* out) {
  // The key schema is unknown here, so the context cannot single out the key.
  const std::string context = TableContext(request.table);
  json response;
  Status s = Invoke("PutItem", context, PutItemBody(request), &response);
  return s.ok() ? ParseWriteResult(response, context, out) : s;
}

Status DynamoDbClient::UpdateItem(const UpdateItemRequest& request, WriteResult* out) {
  const std::string context = KeyContext(request.table, request.key);
  json response;
  Status s = Invoke("UpdateItem", context, UpdateItemBody(request), &response);
  return s.ok() ? ParseWriteResult(response, context, out) : s;
}

Status DynamoDbClient::DeleteItem(const DeleteItemRequest& request, WriteResult* out) {
  const std::string context = KeyContext(request.table, request.key);
  json response;
  Status s = Invoke("DeleteItem", context, DeleteItemBody(request), &response);
  return s.ok() ? ParseWriteResult(response, context, out) : s;
}

void DynamoDbClient::StartPutItem(const PutItemRequest& request, WriteCallback done) {
  std::string context = TableContext(request.table);
  StartInvoke("PutItem", context, PutItemBody(request), WriteAnswer(context, std::move(done)));
}

void DynamoDbClient::StartUpdateItem(const UpdateItemRequest& request, WriteCallback done) {
  std::string context = KeyContext(request.table, request.key);
  StartInvoke("UpdateItem", context, UpdateItemBody(request),
              WriteAnswer(context, std::move(done)));
}

void DynamoDbClient::StartDeleteItem(const DeleteItemRequest& request, WriteCallback done) {
  std::string context = KeyContext(request.table, request.key);
  StartInvoke("DeleteItem", context, DeleteItemBody(request),
              WriteAnswer(context, std::move(done)));
}

// ---- BatchGetItem ----

namespace {

// The table's part of a BatchGetItem request's RequestItems, without Keys.
json BatchGetTableRequest(const BatchGetRequest& request) {
  json table_request = json::object();
  if (request.consistent_read) table_request["ConsistentRead"] = true;
  AddIfNotEmpty("ProjectionExpression", request.projection, &table_request);
  if (!request.names.empty()) table_request["ExpressionAttributeNames"] = request.names;
  return table_request;
}

// Reads one BatchGetItem answer of `table` into *out; *pending: its
// UnprocessedKeys (an empty array when none). `answer_from` names who
// answered, for an error (AnswerFrom).
Status ReadBatchGetAnswer(const std::string& table, const std::string& context,
                          const std::string& answer_from, const json& response, BatchGetResult* out,
                          json* pending) {
  out->consumed_capacity += ConsumedCapacityUnits(response);
  if (const json* responses = Member(response, "Responses")) {
    Status s = ItemsMember(*responses, table.c_str(), &out->items);
    if (!s.ok()) return s.WithContext(context + ": " + answer_from);
  }
  *pending = json::array();
  if (const json* unprocessed = Member(response, "UnprocessedKeys")) {
    const json* t = Member(*unprocessed, table.c_str());
    const json* k = t != nullptr ? Member(*t, "Keys") : nullptr;
    if (k != nullptr && k->is_array()) *pending = *k;
  }
  return Status::OK();
}

// The error of keys still unprocessed after `round` requests.
Status UnprocessedKeysError(const std::string& context, size_t left, int round) {
  return Status::AwsError("UnprocessedKeys",
                          context + ": " + str::Plural(left, "key") + " still unprocessed after " +
                              str::Plural(round, "BatchGetItem request"),
                          200);
}

// The keys in requests of at most kBatchGetMaxKeys, each key once: DynamoDB
// rejects a request that names one key twice; the wire JSON of a key is
// canonical (members sorted), so it serves to spot duplicates.
std::vector<std::vector<Item>> BatchGetChunks(const std::vector<Item>& keys) {
  std::set<std::string> seen;
  std::vector<std::vector<Item>> chunks;
  for (const Item& key : keys) {
    std::string fingerprint =
        ItemToWireJson(key).dump(-1, ' ', false, json::error_handler_t::replace);
    if (!seen.insert(std::move(fingerprint)).second) continue;
    if (chunks.empty() || chunks.back().size() == kBatchGetMaxKeys) chunks.emplace_back();
    chunks.back().push_back(key);
  }
  return chunks;
}

}  // namespace

Status DynamoDbClient::BatchGetChunk(const BatchGetRequest& request, std::vector<Item> keys,
                                     BatchGetResult* out) {
  const std::string context = TableContext(request.table);
  json table_request = BatchGetTableRequest(request);
  json pending = json::array();
  for (const Item& key : keys) pending.push_back(ItemToWireJson(key));

  const aws::RetryPolicy backoff = UnprocessedBackoff();
  std::mt19937_64 rng(std::random_device{}());
  int stalled = 0;
  for (int round = 1;; ++round) {
    const size_t sent = pending.size();
    table_request["Keys"] = std::move(pending);
    json body = {{"RequestItems", {{request.table, table_request}}},
                 {"ReturnConsumedCapacity", "TOTAL"}};
    json response;
    Status s = Invoke("BatchGetItem", context, body, &response);
    if (!s.ok()) return s;
    s = ReadBatchGetAnswer(request.table, context, AnswerFrom("BatchGetItem"), response, out,
                           &pending);
    if (!s.ok()) return s;
    if (pending.empty()) return Status::OK();
    stalled = pending.size() < sent ? 0 : stalled + 1;
    if (stalled >= kMaxStalledRounds) return UnprocessedKeysError(context, pending.size(), round);
    std::this_thread::sleep_for(aws::BackoffDelay(backoff, stalled + 1, rng));
  }
}

// Where a StartBatchGetItem stands: the requests of 100 keys, the one it is
// on, its keys still to read and the rounds that made no progress.
struct DynamoDbClient::BatchGetState {
  BatchGetRequest request;  // without keys
  std::vector<std::vector<Item>> chunks;
  size_t chunk = 0;
  json table_request;
  json pending;  // the current chunk's keys still to read
  std::string context;
  int round = 0;
  int stalled = 0;
  BatchGetResult result;
  std::mt19937_64 rng{std::random_device{}()};
  BatchGetCallback done;
};

void DynamoDbClient::StartBatchGetItem(const BatchGetRequest& request, BatchGetCallback done) {
  auto state = std::make_shared<BatchGetState>();
  state->chunks = BatchGetChunks(request.keys);
  state->request = request;
  state->request.keys.clear();
  state->table_request = BatchGetTableRequest(request);
  state->context = TableContext(request.table);
  state->done = std::move(done);
  if (state->chunks.empty()) {
    state->done(Status::OK(), BatchGetResult());
    return;
  }
  state->pending = json::array();
  for (const Item& key : state->chunks[0]) state->pending.push_back(ItemToWireJson(key));
  BatchGetRound(std::move(state));
}

void DynamoDbClient::BatchGetRound(std::shared_ptr<BatchGetState> state) {
  ++state->round;
  const size_t sent = state->pending.size();
  state->table_request["Keys"] = std::move(state->pending);
  json body = {{"RequestItems", {{state->request.table, state->table_request}}},
               {"ReturnConsumedCapacity", "TOTAL"}};
  std::string context = state->context;
  StartInvoke(
      "BatchGetItem", context, body,
      [this, sent, state = std::move(state)](Status s, json response) mutable {
        if (s.ok()) {
          s = ReadBatchGetAnswer(state->request.table, state->context, AnswerFrom("BatchGetItem"),
                                 response, &state->result, &state->pending);
        }
        if (!s.ok()) {
          state->done(std::move(s), std::move(state->result));
          return;
        }
        if (state->pending.empty()) {
          // The next request of 100, or the end.
          if (++state->chunk >= state->chunks.size()) {
            state->done(Status::OK(), std::move(state->result));
            return;
          }
          state->round = 0;
          state->stalled = 0;
          for (const Item& key : state->chunks[state->chunk]) {
            state->pending.push_back(ItemToWireJson(key));
          }
          BatchGetRound(std::move(state));
          return;
        }
        state->stalled = state->pending.size() < sent ? 0 : state->stalled + 1;
        if (state->stalled >= kMaxStalledRounds) {
          state->done(UnprocessedKeysError(state->context, state->pending.size(), state->round),
                      std::move(state->result));
          return;
        }
        auto delay = aws::BackoffDelay(UnprocessedBackoff(), state->stalled + 1, state->rng);
        aws_->http().RunAfter(delay, [this, state](bool cancelled) mutable {
          if (cancelled) {
            state->done(Status::Cancelled(), std::move(state->result));
            return;
          }
          BatchGetRound(std::move(state));
        });
      });
}

void DynamoDbClient::RunAfter(std::chrono::milliseconds delay,
                              std::function<void(bool cancelled)> fn) {
  aws_->http().RunAfter(delay, std::move(fn));
}

Status DynamoDbClient::BatchGetItem(const BatchGetRequest& request, BatchGetResult* out) {
  *out = BatchGetResult();
  std::vector<std::vector<Item>> chunks = BatchGetChunks(request.keys);

  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first_error;  // guarded by mu
  auto worker = [&]() {
    for (;;) {
      const size_t i = next.fetch_add(1);
      if (i >= chunks.size()) return;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (!first_error.ok()) return;
      }
      BatchGetResult part;
      Status s = BatchGetChunk(request, std::move(chunks[i]), &part);
      std::lock_guard<std::mutex> lock(mu);
      if (!s.ok()) {
        if (first_error.ok()) first_error = s;
        return;
      }
      out->consumed_capacity += part.consumed_capacity;
      std::move(part.items.begin(), part.items.end(), std::back_inserter(out->items));
    }
  };
  // Helpers run on their own threads, the caller's thread works too; if no
  // thread can be started the caller simply does all the work.
  std::vector<std::future<void>> helpers;
  const size_t threads = std::min(chunks.size(), kMaxParallelBatchGets);
  for (size_t t = 1; t < threads; ++t) {
    try {
      helpers.push_back(std::async(std::launch::async, worker));
    } catch (const std::system_error&) {
      break;
    }
  }
  worker();
  for (auto& h : helpers) h.wait();
  return first_error;
}

// ---- Query and Scan ----

Status DynamoDbClient::Query(const QueryRequest& request, QueryPage* page) {
  json body = ReadBody(request);
  AddIfNotEmpty("KeyConditionExpression", request.key_condition, &body);
  if (!request.scan_forward) body["ScanIndexForward"] = false;
  std::string context = TableContext(request.table);
  if (!request.index.empty()) context += ", index " + request.index;
  std::string text;
  Status s = InvokeRaw("Query", context, body, &text);
  if (!s.ok()) return s;
  s = ParsePageText(std::move(text), request.keep_item_text, page);
  return s.ok() ? s : s.WithContext(context + ": " + AnswerFrom("Query"));
}

Status DynamoDbClient::Scan(const ScanRequest& request, ScanPage* page) {
  json body = ReadBody(request);
  if (request.total_segments > 0) {
    body["Segment"] = request.segment;
    body["TotalSegments"] = request.total_segments;
  }
  std::string context = TableContext(request.table);
  if (!request.index.empty()) context += ", index " + request.index;
  std::string text;
  Status s = InvokeRaw("Scan", context, body, &text);
  if (!s.ok()) return s;
  s = ParsePageText(std::move(text), request.keep_item_text, page);
  return s.ok() ? s : s.WithContext(context + ": " + AnswerFrom("Scan"));
}

Status DynamoDbClient::QueryAll(const QueryRequest& request, const PageCallback& on_page) {
  return AllPages<QueryRequest>(request, on_page,
                                [this](const QueryRequest& r, ItemPage* p) { return Query(r, p); });
}

Status DynamoDbClient::ScanAll(const ScanRequest& request, const PageCallback& on_page) {
  return AllPages<ScanRequest>(request, on_page,
                               [this](const ScanRequest& r, ItemPage* p) { return Scan(r, p); });
}

// ---- Writes of many items ----

Status DynamoDbClient::BatchWriteItem(const std::vector<BatchWriteEntry>& entries,
                                      double* consumed_capacity) {
  std::promise<std::pair<Status, double>> promise;
  std::future<std::pair<Status, double>> answer = promise.get_future();
  StartBatchWriteItem(entries, [&promise](Status s, double capacity) {
    promise.set_value({std::move(s), capacity});
  });
  auto [s, capacity] = answer.get();
  if (consumed_capacity != nullptr) *consumed_capacity = capacity;
  return s;
}

// Where a StartBatchWriteItem stands: the entries, the request of 25 it is
// on, what of it is unprocessed, and the rounds that made no progress.
struct DynamoDbClient::BatchWriteState {
  std::vector<BatchWriteEntry> entries;
  size_t start = 0;  // the first entry of the current request
  json pending;      // RequestItems still to send of it
  std::string context;
  int round = 0;
  int stalled = 0;
  double capacity = 0;
  std::mt19937_64 rng{std::random_device{}()};
  BatchWriteCallback done;
};

namespace {

// RequestItems of entries [start, end), and the context naming their tables.
json BatchRequestItems(const std::vector<BatchWriteEntry>& entries, size_t start, size_t end,
                       std::string* context) {
  json pending = json::object();
  std::set<std::string> tables;
  for (size_t i = start; i < end; ++i) {
    const BatchWriteEntry& e = entries[i];
    tables.insert(e.table);
    if (e.kind == BatchWriteEntry::Kind::kPut) {
      pending[e.table].push_back({{"PutRequest", {{"Item", ItemToWireJson(e.item)}}}});
    } else {
      pending[e.table].push_back({{"DeleteRequest", {{"Key", ItemToWireJson(e.item)}}}});
    }
  }
  *context = TablesContext(tables);
  return pending;
}

}  // namespace

void DynamoDbClient::StartBatchWriteItem(const std::vector<BatchWriteEntry>& entries,
                                         BatchWriteCallback done) {
  auto state = std::make_shared<BatchWriteState>();
  state->entries = entries;
  state->done = std::move(done);
  if (entries.empty()) {
    state->done(Status::OK(), 0);
    return;
  }
  state->pending = BatchRequestItems(
      state->entries, 0, std::min(entries.size(), kBatchWriteMaxItems), &state->context);
  BatchWriteRound(std::move(state));
}

void DynamoDbClient::BatchWriteRound(std::shared_ptr<BatchWriteState> state) {
  ++state->round;
  const size_t sent = CountRequestItems(state->pending);
  json body = {{"RequestItems", std::move(state->pending)}, {"ReturnConsumedCapacity", "TOTAL"}};
  state->pending = json::object();
  std::string context = state->context;
  StartInvoke(
      "BatchWriteItem", context, body,
      [this, sent, state = std::move(state)](Status s, json response) mutable {
        if (!s.ok()) {
          state->done(std::move(s), state->capacity);
          return;
        }
        state->capacity += ConsumedCapacityUnits(response);
        const json* unprocessed = Member(response, "UnprocessedItems");
        state->pending =
            unprocessed != nullptr && unprocessed->is_object() ? *unprocessed : json::object();
        const size_t left = CountRequestItems(state->pending);
        if (left == 0) {
          // The next request of 25, or the end.
          state->start += kBatchWriteMaxItems;
          if (state->start >= state->entries.size()) {
            state->done(Status::OK(), state->capacity);
            return;
          }
          state->round = 0;
          state->stalled = 0;
          state->pending = BatchRequestItems(
              state->entries, state->start,
              std::min(state->entries.size(), state->start + kBatchWriteMaxItems), &state->context);
          BatchWriteRound(std::move(state));
          return;
        }
        state->stalled = left < sent ? 0 : state->stalled + 1;
        if (state->stalled >= kMaxStalledRounds) {
          state->done(Status::AwsError("UnprocessedItems",
                                       state->context + ": " + str::Plural(left, "item") +
                                           " still unprocessed after " +
                                           str::Plural(state->round, "BatchWriteItem request"),
                                       200),
                      state->capacity);
          return;
        }
        auto delay = aws::BackoffDelay(UnprocessedBackoff(), state->stalled + 1, state->rng);
        aws_->http().RunAfter(delay, [this, state](bool cancelled) mutable {
          if (cancelled) {
            state->done(Status::Cancelled(), state->capacity);
            return;
          }
          BatchWriteRound(std::move(state));
        });
      });
}

std::vector<CancellationReason> ParseCancellationReasons(std::string_view body) {
  std::vector<CancellationReason> out;
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  const json* reasons = Member(doc, "CancellationReasons");
  if (reasons == nullptr || !reasons->is_array()) return out;
  for (const json& r : *reasons) {
    CancellationReason reason;
    reason.code = StringMember(r, "Code");
    reason.message = StringMember(r, "Message");
    const json* item = Member(r, "Item");
    // An item that does not decode is left out: the code is what counts.
    if (item != nullptr && !ItemFromWireJson(*item, &reason.item).ok()) reason.item.clear();
    out.push_back(std::move(reason));
  }
  return out;
}

Status DynamoDbClient::TransactWriteItems(const TransactWriteRequest& request,
                                          double* consumed_capacity) {
  TransactWriteResult result;
  Status s = TransactWriteItems(request, &result);
  if (consumed_capacity != nullptr) *consumed_capacity = result.consumed_capacity;
  return s;
}

namespace {

// TransactWriteItems' body, and the context of its errors (its tables).
json TransactWriteBody(const TransactWriteRequest& request, std::string* context_out) {
  json items = json::array();
  std::set<std::string> tables;
  for (const TransactWriteEntry& e : request.entries) {
    tables.insert(e.table);
    json op = {{"TableName", e.table}};
    AddIfNotEmpty("ConditionExpression", e.condition, &op);
    AddExpressionParams(e.names, e.values, &op);
    if (e.return_old_on_condition_failure) op["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD";
    const char* kind = "Put";
    switch (e.kind) {
      case TransactWriteEntry::Kind::kPut:
        op["Item"] = ItemToWireJson(e.item);
        break;
      case TransactWriteEntry::Kind::kUpdate:
        kind = "Update";
        op["Key"] = ItemToWireJson(e.item);
        AddIfNotEmpty("UpdateExpression", e.update, &op);
        break;
      case TransactWriteEntry::Kind::kDelete:
        kind = "Delete";
        op["Key"] = ItemToWireJson(e.item);
        break;
      case TransactWriteEntry::Kind::kConditionCheck:
        kind = "ConditionCheck";
        op["Key"] = ItemToWireJson(e.item);
        break;
    }
    items.push_back({{kind, std::move(op)}});
  }
  json body = {{"TransactItems", std::move(items)}, {"ReturnConsumedCapacity", "TOTAL"}};
  AddIfNotEmpty("ClientRequestToken", request.client_request_token, &body);
  *context_out = TablesContext(tables);
  return body;
}

}  // namespace

Status DynamoDbClient::TransactWriteItems(const TransactWriteRequest& request,
                                          TransactWriteResult* result) {
  std::string context;
  json body = TransactWriteBody(request, &context);
  std::string text;
  std::string error_body;
  Status s = InvokeRaw("TransactWriteItems", context, body, &text, &error_body);
  if (!s.ok()) {
    if (result != nullptr && s.aws_code() == "TransactionCanceledException") {
      result->cancellation_reasons = ParseCancellationReasons(error_body);
    }
    return s;
  }
  json response;
  s = ParseResponse("TransactWriteItems", context, AnswerFrom("TransactWriteItems"), text,
                    &response);
  if (s.ok() && result != nullptr) result->consumed_capacity = ConsumedCapacityUnits(response);
  return s;
}

void DynamoDbClient::StartTransactWriteItems(const TransactWriteRequest& request,
                                             TransactWriteCallback done) {
  std::string context;
  json body = TransactWriteBody(request, &context);
  StartInvokeRaw("TransactWriteItems", context, body,
                 [this, context, done = std::move(done)](Status s, std::string text) {
                   TransactWriteResult result;
                   if (!s.ok()) {
                     if (s.aws_code() == "TransactionCanceledException") {
                       result.cancellation_reasons = ParseCancellationReasons(text);
                     }
                   } else {
                     json response;
                     s = ParseResponse("TransactWriteItems", context,
                                       AnswerFrom("TransactWriteItems"), text, &response);
                     if (s.ok()) result.consumed_capacity = ConsumedCapacityUnits(response);
                   }
                   done(std::move(s), std::move(result));
                 });
}

// ---- PartiQL ----

namespace {

// "statement SELECT * FROM orders WHERE ...": the statement names the
// table, so its start is the most useful context; whitespace runs are
// folded so that a multi-line statement stays on one line.
std::string StatementContext(const std::string& statement) {
  std::string folded;
  for (char c : statement) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space && (folded.empty() || folded.back() == ' ')) continue;
    folded.push_back(space ? ' ' : c);
  }
  while (!folded.empty() && folded.back() == ' ') folded.pop_back();
  return "statement " + Sanitize(folded, kMaxContextChars);
}

Status ParseStatementPage(std::string_view text, StatementPage* page) {
  *page = StatementPage();
  std::vector<JsonMember> others;
  Status s = DecodeItemsResponse(text, "Items", &page->items, &others);
  if (!s.ok()) return s;
  for (const JsonMember& m : others) {
    if (m.name == "LastEvaluatedKey") {
      s = ItemFromWireJsonText(m.value, &page->last_evaluated_key);
      if (!s.ok()) return s.WithContext("LastEvaluatedKey");
    } else if (m.name == "NextToken" || m.name == "ConsumedCapacity") {
      json value = json::parse(m.value, nullptr, /*allow_exceptions=*/false);
      if (value.is_discarded()) return Status::Corruption(m.name + " is not JSON");
      if (m.name == "NextToken") {
        if (!value.is_string() && !value.is_null()) {
          return Status::Corruption("NextToken is not a string");
        }
        if (value.is_string()) page->next_token = value.get<std::string>();
      } else {
        json wrapper = {{"ConsumedCapacity", std::move(value)}};
        page->consumed_capacity = ConsumedCapacityUnits(wrapper);
      }
    }
  }
  return Status::OK();
}

}  // namespace

Status DynamoDbClient::ExecuteStatement(const ExecuteStatementRequest& request,
                                        StatementPage* page) {
  json body = {{"Statement", request.statement}, {"ReturnConsumedCapacity", "TOTAL"}};
  if (!request.parameters.empty()) {
    json parameters = json::array();
    for (const AttributeValue& v : request.parameters) {
      json j;
      ToWireJson(v, &j);
      parameters.push_back(std::move(j));
    }
    body["Parameters"] = std::move(parameters);
  }
  if (request.consistent_read) body["ConsistentRead"] = true;
  AddIfNotEmpty("NextToken", request.next_token, &body);
  if (request.limit > 0) body["Limit"] = request.limit;
  const std::string context = StatementContext(request.statement);
  std::string text;
  Status s = InvokeRaw("ExecuteStatement", context, body, &text);
  if (!s.ok()) return s;
  s = ParseStatementPage(text, page);
  return s.ok() ? s : s.WithContext(context + ": " + AnswerFrom("ExecuteStatement"));
}

}  // namespace ddb::dynamodb
