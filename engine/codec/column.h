// Column: one declared codec column, turning the value DynamoDB stores into
// the plain value SQL sees, and back.
//
// Reading a page (the vtab's path):
//
//   std::vector<DecodeRequest> reqs;  // one per row that needs the column
//   std::vector<DecodeResult> results;
//   DecodeBatch(column, reqs, &resolver, &results);  // S3 GETs in parallel
//   // results[i].status: per value; NotFound for a missing S3 object
//
// Writing (the writes' path):
//
//   EncodedValue enc;
//   Status s = column.Encode(ctx, PlainValue::Text("hello"), WriteOptions(), &enc);
//   // upload enc.upload (if any) first, then store enc.stored in the item
//
// Stored forms: a column without S3 stores B (bytes); an S3 column stores S
// holding "s3://bucket/key". legacy_encoding reads and writes B holding the
// base64 text of the bytes (PynamoDB 4).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/codec/codec.h"
#include "engine/dynamodb/attribute_value.h"
#include "engine/s3/client.h"
#include "engine/status.h"

namespace ddb::codec {

// The SQL type a column reads as ("as" in the catalog).
enum class SqlType {
  kText,     // "text": UTF-8 text
  kBlob,     // "blob": bytes
  kNumeric,  // "number": a JSON number (Python json.dumps), read as NUMERIC
  kJson,     // "json": TEXT holding JSON
};
Status ParseSqlType(std::string_view name, SqlType* type);
std::string_view SqlTypeName(SqlType type);  // "text", "blob", "number", "json"
// The declared type for CREATE TABLE: TEXT, BLOB, NUMERIC, TEXT.
std::string_view SqlDeclType(SqlType type);

// A value as SQL sees it.
struct PlainValue {
  enum class Type { kNull, kInteger, kReal, kText, kBlob };
  Type type = Type::kNull;
  std::string data;  // kText: UTF-8; kBlob: bytes; kInteger/kReal: decimal text
                     // (integers may exceed 64 bits: "12345678901234567890")

  static PlainValue Null() { return PlainValue(); }
  static PlainValue Text(std::string s) { return {Type::kText, std::move(s)}; }
  static PlainValue Blob(std::string s) { return {Type::kBlob, std::move(s)}; }
  static PlainValue Integer(std::string decimal) { return {Type::kInteger, std::move(decimal)}; }
  static PlainValue Real(std::string decimal) { return {Type::kReal, std::move(decimal)}; }
};

// Where an S3 column's objects go on write. Reads follow the stored URI
// wherever it points.
struct S3Location {
  enum class Layout {
    // pynamodb_mate 6's large-attribute pattern:
    // "{prefix}/pk={pk}/sk={sk}/attr={attr}/md5={md5 hex of the object}",
    // metadata pk, sk, attr, update_at.
    kLargeAttribute,
    // pynamodb_mate 5's S3Backed* classes: key_template with "{fingerprint}"
    // replaced by the SHA-256 hex of the object (of the value before gzip
    // for the S3Backed* classes themselves).
    kKeyTemplate,
  };
  std::string bucket;
  Layout layout = Layout::kLargeAttribute;
  std::string prefix;                                                 // kLargeAttribute
  std::string key_template = "pynamodb-mate/s3backed/{fingerprint}";  // kKeyTemplate
  bool fingerprint_of_plain = false;  // S3Backed*: hash the value before the chain
};

// An object to PUT before the item that points at it is written.
struct S3Upload {
  std::string bucket;
  std::string key;
  std::string uri;  // "s3://bucket/key"
  std::string body;
  // The MD5 of `body` (16 raw bytes) when the object's key needed it (the
  // large-attribute layout's md5= segment); the upload reuses it for
  // Content-MD5 and the ETag check instead of hashing the body again.
  std::string body_md5;
  // The SHA-256 of `body` (32 raw bytes) when the key needed it (a
  // key_template fingerprint of the stored bytes); reused by the upload.
  std::string body_sha256;
  s3::Metadata metadata;
};

struct EncodedValue {
  dynamodb::AttributeValue stored;
  std::optional<S3Upload> upload;
};

struct WriteOptions {
  // The large-attribute layout's update_at metadata (Python isoformat);
  // empty: the current UTC time.
  std::string update_at;
};

class Column {
 public:
  struct Spec {
    std::string name;   // the attribute name
    std::string codec;  // as declared: a pynamodb_mate class or "chain"
    SqlType type = SqlType::kBlob;
    Chain chain;  // byte steps in write order (S3 not included)
    std::optional<S3Location> s3;
    bool legacy_encoding = false;
    // JSON of the declaration with key references shown safely (.schema).
    std::string declaration;
  };

  explicit Column(Spec spec);

  const std::string& name() const { return spec_.name; }
  const std::string& codec() const { return spec_.codec; }
  SqlType type() const { return spec_.type; }
  const Chain& chain() const { return spec_.chain; }
  const std::optional<S3Location>& s3() const { return spec_.s3; }
  bool legacy_encoding() const { return spec_.legacy_encoding; }
  const std::string& declaration() const { return spec_.declaration; }
  // No S3 and every step deterministic: equal values have equal stored
  // forms, so `col = literal` may be pushed down (EncodeForQuery).
  bool deterministic() const;
  // True when the stored form depends on the item's key: an AEAD step that
  // binds it, or objects named after it (the large-attribute layout). Such a
  // value must be written again when the item's key changes.
  bool BindsItemKey() const;

  // For an S3 column: the URI `stored` points at. InvalidArgument naming
  // ctx when it is not an S string holding s3://bucket/key.
  Status ObjectUri(const Context& ctx, const dynamodb::AttributeValue& stored,
                   std::string* uri) const;

  // Decodes a stored value. For an S3 column `object` is the body of the
  // object ObjectUri names (fetched by the caller); otherwise it is ignored.
  // Errors name ctx (table, key, column).
  Status Decode(const Context& ctx, const dynamodb::AttributeValue& stored, std::string_view object,
                PlainValue* out) const;

  // The stored form of `plain`, and for S3 columns the object to upload.
  Status Encode(const Context& ctx, const PlainValue& plain, const WriteOptions& options,
                EncodedValue* out) const;

  // The stored form of a literal for pushdown; NotSupported unless
  // deterministic().
  Status EncodeForQuery(const Context& ctx, const PlainValue& plain,
                        dynamodb::AttributeValue* out) const;

 private:
  Spec spec_;
};

// Fetches S3 objects for a batch of URIs. S3Resolver (s3_resolver.h) is the
// implementation over S3Client; tests and the vtab may supply their own.
struct FetchResult {
  Status status;  // NotFound for a missing object
  std::shared_ptr<const std::string> body;
};
class BatchFetcher {
 public:
  virtual ~BatchFetcher() = default;
  // Fills (*results)[i] for uris[i]; results->size() == uris.size() after.
  virtual void Fetch(const std::vector<std::string>& uris, std::vector<FetchResult>* results) = 0;
};

struct DecodeRequest {
  const Context* context = nullptr;
  const dynamodb::AttributeValue* stored = nullptr;  // NULL/absent: decodes to NULL
};
struct DecodeResult {
  Status status;
  PlainValue value;
};

// Decodes a page of one column's values: collects the S3 URIs, fetches them
// with one fetcher->Fetch call (duplicates fetched once), then decodes each.
// Errors are per value in (*results)[i].status. `fetcher` may be null for a
// column without S3.
void DecodeBatch(const Column& column, const std::vector<DecodeRequest>& requests,
                 BatchFetcher* fetcher, std::vector<DecodeResult>* results);

// "s3://bucket/key" -> bucket, key. InvalidArgument (quoting at most 60
// characters of the text) for anything else, including an empty bucket or key.
Status ParseS3Uri(std::string_view uri, std::string* bucket, std::string* key);
std::string MakeS3Uri(std::string_view bucket, std::string_view key);

}  // namespace ddb::codec
