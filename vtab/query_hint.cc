#include "vtab/query_hint.h"

#include <string>
#include <vector>

namespace ddb::vtab {

Status QueryIndexHint(dynamodb::DynamoDbClient* client, const dynamodb::QueryRequest& request,
                      const Status& error) {
  if (!request.index.empty() || error.aws_code() != "ValidationException" ||
      error.message().find("missed key schema element") == std::string::npos) {
    return error;
  }
  dynamodb::TableDescription table;
  if (!client->DescribeTable(request.table, &table).ok()) return error;
  // The attribute names the condition uses (ddb_query names every attribute
  // through a #placeholder).
  std::vector<std::string> named;
  for (const auto& [placeholder, name] : request.names) {
    if (request.key_condition.find(placeholder) != std::string::npos) named.push_back(name);
  }
  std::string key;
  std::vector<std::string> indexes;
  auto consider = [&](const dynamodb::IndexDescription& index, const char* kind) {
    for (const auto& n : named) {
      if (index.key.hash.name != n) continue;
      if (key.empty()) key = n;
      if (key == n) indexes.push_back(index.name + " (" + kind + ")");
    }
  };
  for (const auto& index : table.global_indexes) consider(index, "global");
  for (const auto& index : table.local_indexes) consider(index, "local");
  std::string message = "table " + request.table + ": the key condition must name the table's " +
                        "partition key " + table.key.hash.name;
  if (indexes.empty()) {
    return Status::InvalidArgument(
        message + ", or an index's; no index of the table has " +
        (named.empty() ? "the attributes it names" : "one of them as partition key"));
  }
  std::string list;
  for (size_t i = 0; i < indexes.size(); ++i) list += (i ? ", " : "") + indexes[i];
  std::string first = indexes[0].substr(0, indexes[0].find(' '));
  return Status::InvalidArgument(
      message + "; " + key + " is the partition key of index" + (indexes.size() > 1 ? "es " : " ") +
      list + ": name one as the 4th argument, e.g. ddb_query('" + request.table + "', '" + key +
      " = :v', '{\":v\": ...}', '" + first + "')");
}

}  // namespace ddb::vtab
