// ExportTableToPointInTime, DescribeExport, ListExports (export_api.h).
#include "engine/export/export_api.h"

#include <nlohmann/json.hpp>

#include <string>

namespace ddb::table_export {

namespace {

using nlohmann::json;

// Sends `operation` with `body` and parses the JSON answer.
Status Call(dynamodb::DynamoDbClient& client, const char* operation, const std::string& context,
            const json& body, json* out) {
  aws::ServiceRequest request;
  request.method = "POST";
  request.path = "/";
  request.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Target", std::string("DynamoDB_20120810.") + operation}};
  request.context = context;
  request.operation = std::string("DynamoDB ") + operation;
  request.body = body.dump();
  aws::HttpResponse http;
  Status s = client.aws().Call(request, &http);
  if (!s.ok()) return s;
  *out = json::parse(http.body, nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded() || !out->is_object()) {
    return Status::Corruption(std::string(operation) + " answer is not a JSON object")
        .WithContext(context);
  }
  return Status::OK();
}

std::string StringOf(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

void FromDescription(const json& d, ExportInfo* out) {
  out->arn = StringOf(d, "ExportArn");
  out->status = StringOf(d, "ExportStatus");
  out->type = StringOf(d, "ExportType");
  if (out->type.empty()) out->type = "FULL_EXPORT";
  out->table_arn = StringOf(d, "TableArn");
  out->bucket = StringOf(d, "S3Bucket");
  out->prefix = StringOf(d, "S3Prefix");
  out->manifest = StringOf(d, "ExportManifest");
  std::string code = StringOf(d, "FailureCode");
  std::string message = StringOf(d, "FailureMessage");
  out->failure = code.empty() ? message : message.empty() ? code : code + ": " + message;
  auto count = d.find("ItemCount");
  out->item_count = count != d.end() && count->is_number_integer() ? count->get<int64_t>() : -1;
}

}  // namespace

std::string ExportInfo::Uri() const {
  size_t slash = manifest.rfind('/');
  if (manifest.empty() || bucket.empty() || slash == std::string::npos) return "";
  return "s3://" + bucket + "/" + manifest.substr(0, slash);
}

Status StartExport(dynamodb::DynamoDbClient& client, const StartExportRequest& request,
                   ExportInfo* out) {
  json body = {{"TableArn", request.table_arn},
               {"S3Bucket", request.bucket},
               {"ExportFormat", request.format}};
  if (!request.prefix.empty()) body["S3Prefix"] = request.prefix;
  if (!request.incremental_since.empty()) {
    body["ExportType"] = "INCREMENTAL_EXPORT";
    json spec = {{"ExportFromTime", request.incremental_since}};
    if (!request.incremental_until.empty()) spec["ExportToTime"] = request.incremental_until;
    body["IncrementalExportSpecification"] = spec;
  }
  json answer;
  std::string context = "table " + request.table;
  Status s = Call(client, "ExportTableToPointInTime", context, body, &answer);
  if (!s.ok() && s.aws_code().find("PointInTimeRecoveryUnavailable") != std::string::npos) {
    return Status::InvalidArgument(
        "table " + request.table +
        ": an export needs point-in-time recovery, which the table does not have (aws "
        "dynamodb update-continuous-backups --table-name " +
        request.table +
        " --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true turns it "
        "on)");
  }
  if (!s.ok()) return s;
  auto d = answer.find("ExportDescription");
  if (d == answer.end() || !d->is_object()) {
    return Status::Corruption("ExportTableToPointInTime answer without ExportDescription")
        .WithContext(context);
  }
  FromDescription(*d, out);
  return Status::OK();
}

Status DescribeExport(dynamodb::DynamoDbClient& client, const std::string& arn, ExportInfo* out) {
  json answer;
  std::string context = "export " + arn;
  Status s = Call(client, "DescribeExport", context, {{"ExportArn", arn}}, &answer);
  if (!s.ok()) return s;
  auto d = answer.find("ExportDescription");
  if (d == answer.end() || !d->is_object()) {
    return Status::Corruption("DescribeExport answer without ExportDescription")
        .WithContext(context);
  }
  FromDescription(*d, out);
  return Status::OK();
}

Status ListExports(dynamodb::DynamoDbClient& client, const std::string& table_arn,
                   std::vector<ExportInfo>* out) {
  out->clear();
  std::string token;
  do {
    json body = {{"TableArn", table_arn}};
    if (!token.empty()) body["NextToken"] = token;
    json answer;
    Status s = Call(client, "ListExports", "table " + table_arn, body, &answer);
    if (!s.ok()) return s;
    auto list = answer.find("ExportSummaries");
    if (list != answer.end() && list->is_array()) {
      for (const auto& e : *list) {
        ExportInfo info;
        FromDescription(e, &info);
        out->push_back(std::move(info));
      }
    }
    token = StringOf(answer, "NextToken");
  } while (!token.empty());
  return Status::OK();
}

}  // namespace ddb::table_export
