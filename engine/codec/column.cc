#include "engine/codec/column.h"

namespace ddb::codec {

Status ParseSqlType(std::string_view name, SqlType* type) {
  if (name == "text")
    *type = SqlType::kText;
  else if (name == "blob")
    *type = SqlType::kBlob;
  else if (name == "number")
    *type = SqlType::kNumeric;
  else if (name == "json")
    *type = SqlType::kJson;
  else
    return Status::InvalidArgument("unknown type \"" + std::string(name) + "\"");
  return Status::OK();
}
std::string_view SqlTypeName(SqlType type) {
  switch (type) {
    case SqlType::kText:
      return "text";
    case SqlType::kBlob:
      return "blob";
    case SqlType::kNumeric:
      return "number";
    case SqlType::kJson:
      return "json";
  }
  return "";
}
std::string_view SqlDeclType(SqlType type) {
  switch (type) {
    case SqlType::kText:
      return "TEXT";
    case SqlType::kBlob:
      return "BLOB";
    case SqlType::kNumeric:
      return "NUMERIC";
    case SqlType::kJson:
      return "TEXT";
  }
  return "";
}

Column::Column(Spec spec) : spec_(std::move(spec)) {}
bool Column::deterministic() const { return !spec_.s3 && spec_.chain.deterministic(); }
Status Column::ObjectUri(const Context&, const dynamodb::AttributeValue&, std::string*) const {
  return Status::NotSupported("not implemented yet");
}
Status Column::Decode(const Context&, const dynamodb::AttributeValue&, std::string_view,
                      PlainValue*) const {
  return Status::NotSupported("not implemented yet");
}
Status Column::Encode(const Context&, const PlainValue&, const WriteOptions&, EncodedValue*) const {
  return Status::NotSupported("not implemented yet");
}
Status Column::EncodeForQuery(const Context&, const PlainValue&, dynamodb::AttributeValue*) const {
  return Status::NotSupported("not implemented yet");
}
void DecodeBatch(const Column& column, const std::vector<DecodeRequest>& requests,
                 BatchFetcher* fetcher, std::vector<DecodeResult>* results) {
  results->assign(requests.size(), DecodeResult{Status::NotSupported("not implemented yet"), {}});
}
Status ParseS3Uri(std::string_view uri, std::string* bucket, std::string* key) {
  return Status::NotSupported("not implemented yet");
}
std::string MakeS3Uri(std::string_view bucket, std::string_view key) {
  return "s3://" + std::string(bucket) + "/" + std::string(key);
}

}  // namespace ddb::codec
