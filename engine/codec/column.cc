#include "engine/codec/column.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <unordered_map>

#include "engine/dynamodb/number.h"
#include "engine/encoding.h"
#include "engine/python_formats.h"

namespace ddb::codec {
namespace {

using dynamodb::AttributeValue;

// The JSON number text for a plain value (json.dumps of an int or float).
Status NumberText(const PlainValue& plain, std::string* out) {
  bool integer = false;
  switch (plain.type) {
    case PlainValue::Type::kInteger:
      if (IsJsonNumber(plain.data, &integer) && integer) {
        *out = plain.data;
        return Status::OK();
      }
      break;
    case PlainValue::Type::kReal:
    case PlainValue::Type::kText: {
      std::string_view t = plain.data;
      if (IsJsonNumber(t, &integer)) {
        *out = integer ? std::string(t) : PythonFloatRepr(std::strtod(plain.data.c_str(), nullptr));
        return Status::OK();
      }
      if (plain.type == PlainValue::Type::kReal) {
        // Non-finite reals, as json.dumps writes them.
        double d = std::strtod(plain.data.c_str(), nullptr);
        if (d != d)
          *out = "NaN";
        else if (d > 0)
          *out = "Infinity";
        else
          *out = "-Infinity";
        return Status::OK();
      }
      break;
    }
    default:
      break;
  }
  std::string shown = plain.data.size() > 40 ? plain.data.substr(0, 40) + "..." : plain.data;
  return Status::InvalidArgument("not a number: '" + shown + "'");
}

// The bytes a plain value serializes to before the chain.
Status Serialize(SqlType type, const PlainValue& plain, std::string* out) {
  switch (type) {
    case SqlType::kBlob:
      *out = plain.data;
      return Status::OK();
    case SqlType::kText:
      if (plain.type == PlainValue::Type::kBlob && !IsValidUtf8(plain.data)) {
        return Status::InvalidArgument("a text column needs UTF-8 text, not arbitrary bytes");
      }
      *out = plain.data;
      return Status::OK();
    case SqlType::kNumeric:
      return NumberText(plain, out);
    case SqlType::kJson:
      if (plain.type == PlainValue::Type::kInteger || plain.type == PlainValue::Type::kReal) {
        return NumberText(plain, out);
      }
      return PythonJsonDumps(plain.data, out);
  }
  return Status::OK();
}

// The plain value of decoded bytes.
Status Deserialize(SqlType type, std::string bytes, PlainValue* out) {
  switch (type) {
    case SqlType::kBlob:
      *out = PlainValue::Blob(std::move(bytes));
      return Status::OK();
    case SqlType::kText:
    case SqlType::kJson:
      if (!IsValidUtf8(bytes)) {
        return Status::Corruption("decoded value is not UTF-8 text (wrong key or codec?)");
      }
      *out = PlainValue::Text(std::move(bytes));
      return Status::OK();
    case SqlType::kNumeric: {
      bool integer = false;
      if (IsJsonNumber(bytes, &integer)) {
        *out = integer ? PlainValue::Integer(std::move(bytes)) : PlainValue::Real(std::move(bytes));
        return Status::OK();
      }
      if (bytes == "NaN") {
        *out = PlainValue::Null();
        return Status::OK();
      }
      if (bytes == "Infinity" || bytes == "-Infinity") {
        *out = PlainValue::Real(bytes == "Infinity" ? "inf" : "-inf");
        return Status::OK();
      }
      return Status::Corruption("decoded value is not a number (wrong key or codec?)");
    }
  }
  return Status::OK();
}

// A key attribute as pynamodb_mate's large-attribute layout writes it
// (f"{pk}"): strings as they are, numbers canonical, bytes as base64.
std::string KeyPathPart(const AttributeValue& v) {
  switch (v.type()) {
    case AttributeValue::Type::kN: {
      std::string canonical;
      return dynamodb::CanonicalNumber(v.scalar(), &canonical).ok() ? canonical : v.scalar();
    }
    case AttributeValue::Type::kB:
      return Base64Encode(v.scalar());
    default:
      return v.scalar();
  }
}

// datetime.now(timezone.utc).isoformat()
std::string UtcIsoNow() {
  auto now = std::chrono::system_clock::now();
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  std::tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06lld+00:00", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(micros % 1000000));
  return buf;
}

std::string ReplaceAll(std::string s, std::string_view from, std::string_view to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

Status ObjectKey(const S3Location& loc, const Context& ctx, std::string_view serialized,
                 std::string_view body, std::string* key, std::string* body_md5,
                 std::string* body_sha256, s3::Metadata* metadata, const WriteOptions& options) {
  if (loc.layout == S3Location::Layout::kKeyTemplate) {
    std::string digest = Sha256(loc.fingerprint_of_plain ? serialized : body);
    std::string fingerprint = HexEncode(digest);
    // Named from the stored bytes: the upload's SHA-256 is this one.
    if (!loc.fingerprint_of_plain) *body_sha256 = std::move(digest);
    // str.format: "{fingerprint}" is the field; "{{" and "}}" are braces.
    std::string k = ReplaceAll(loc.key_template, "{fingerprint}", "\x01");
    k = ReplaceAll(ReplaceAll(k, "{{", "{"), "}}", "}");
    *key = ReplaceAll(k, "\x01", fingerprint);
    return Status::OK();
  }
  if (ctx.key.empty()) {
    return Status::InvalidArgument(
        "the large-attribute layout needs the item's key to name the S3 object");
  }
  std::string prefix = loc.prefix;
  // As pynamodb_mate does: one leading or else one trailing '/' is dropped.
  if (!prefix.empty() && prefix.front() == '/') {
    prefix.erase(0, 1);
  } else if (!prefix.empty() && prefix.back() == '/') {
    prefix.pop_back();
  }
  std::string pk = KeyPathPart(ctx.key[0].value);
  std::string out = prefix.empty() ? "" : prefix + "/";
  out += "pk=" + pk;
  (*metadata)["pk"] = pk;
  if (ctx.key.size() > 1) {
    std::string sk = KeyPathPart(ctx.key[1].value);
    out += "/sk=" + sk;
    (*metadata)["sk"] = sk;
  }
  *body_md5 = Md5(body);
  out += "/attr=" + ctx.attribute + "/md5=" + HexEncode(*body_md5);
  (*metadata)["attr"] = ctx.attribute;
  (*metadata)["update_at"] = options.update_at.empty() ? UtcIsoNow() : options.update_at;
  *key = std::move(out);
  return Status::OK();
}

}  // namespace

Status ParseSqlType(std::string_view name, SqlType* type) {
  for (SqlType t : {SqlType::kText, SqlType::kBlob, SqlType::kNumeric, SqlType::kJson}) {
    if (name == SqlTypeName(t)) {
      *type = t;
      return Status::OK();
    }
  }
  return Status::InvalidArgument("unknown type \"" + std::string(name) +
                                 "\" (known: text, blob, json, number)");
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

bool Column::BindsItemKey() const {
  return spec_.chain.BindsItemKey() ||
         (spec_.s3 && spec_.s3->layout == S3Location::Layout::kLargeAttribute);
}

Status Column::ObjectUri(const Context& ctx, const AttributeValue& stored, std::string* uri) const {
  if (stored.type() != AttributeValue::Type::kS) {
    return Status::InvalidArgument(std::string("expected an S3 URI (a string), found a ") +
                                   AttributeValue::TypeName(stored.type()) + " value")
        .WithContext(ctx.Describe());
  }
  std::string bucket, key;
  Status s = ParseS3Uri(stored.scalar(), &bucket, &key);
  if (!s.ok()) return s.WithContext(ctx.Describe());
  *uri = stored.scalar();
  return Status::OK();
}

Status Column::Decode(const Context& ctx, const AttributeValue& stored, std::string_view object,
                      PlainValue* out) const {
  if (stored.type() == AttributeValue::Type::kNull) {
    *out = PlainValue::Null();
    return Status::OK();
  }
  std::string_view bytes;
  std::string legacy;
  if (spec_.s3) {
    bytes = object;
  } else if (stored.type() != AttributeValue::Type::kB) {
    return Status::InvalidArgument(std::string("expected a binary (B) value, found ") +
                                   AttributeValue::TypeName(stored.type()))
        .WithContext(ctx.Describe());
  } else if (spec_.legacy_encoding) {
    if (!Base64Decode(stored.scalar(), &legacy).ok()) {
      return Status::Corruption("not base64 text (legacy_encoding)").WithContext(ctx.Describe());
    }
    bytes = legacy;
  } else {
    bytes = stored.scalar();
  }
  std::string plain;
  Status s = spec_.chain.Decode(ctx, bytes, &plain);
  if (s.ok()) s = Deserialize(spec_.type, std::move(plain), out);
  return s.ok() ? s : s.WithContext(ctx.Describe());
}

Status Column::Encode(const Context& ctx, const PlainValue& plain, const WriteOptions& options,
                      EncodedValue* out) const {
  out->upload.reset();
  if (plain.type == PlainValue::Type::kNull) {
    out->stored = AttributeValue::Null();
    return Status::OK();
  }
  std::string serialized, body;
  Status s = Serialize(spec_.type, plain, &serialized);
  if (s.ok()) s = spec_.chain.Encode(ctx, serialized, &body);
  if (!s.ok()) return s.WithContext(ctx.Describe());
  if (spec_.s3) {
    S3Upload up;
    up.bucket = spec_.s3->bucket;
    s = ObjectKey(*spec_.s3, ctx, serialized, body, &up.key, &up.body_md5, &up.body_sha256,
                  &up.metadata, options);
    if (!s.ok()) return s.WithContext(ctx.Describe());
    up.uri = MakeS3Uri(up.bucket, up.key);
    up.body = std::move(body);
    out->stored = AttributeValue::S(up.uri);
    out->upload = std::move(up);
    return Status::OK();
  }
  out->stored = AttributeValue::B(spec_.legacy_encoding ? Base64Encode(body) : std::move(body));
  return Status::OK();
}

Status Column::EncodeForQuery(const Context& ctx, const PlainValue& plain,
                              AttributeValue* out) const {
  if (!deterministic()) {
    return Status::NotSupported("column " + spec_.name +
                                " is not deterministic: its values cannot be looked up");
  }
  EncodedValue enc;
  Status s = Encode(ctx, plain, WriteOptions(), &enc);
  if (!s.ok()) return s;
  *out = std::move(enc.stored);
  return Status::OK();
}

void DecodeBatch(const Column& column, const std::vector<DecodeRequest>& requests,
                 BatchFetcher* fetcher, std::vector<DecodeResult>* results) {
  results->clear();
  results->resize(requests.size());
  if (!column.s3()) {
    for (size_t i = 0; i < requests.size(); ++i) {
      const DecodeRequest& r = requests[i];
      if (r.stored == nullptr) continue;
      (*results)[i].status = column.Decode(*r.context, *r.stored, {}, &(*results)[i].value);
    }
    return;
  }
  // Unique URIs, fetched together.
  std::vector<std::string> uris;
  std::unordered_map<std::string, size_t> index;
  std::vector<size_t> slot(requests.size(), SIZE_MAX);
  for (size_t i = 0; i < requests.size(); ++i) {
    const DecodeRequest& r = requests[i];
    if (r.stored == nullptr || r.stored->type() == AttributeValue::Type::kNull) continue;
    std::string uri;
    Status s = column.ObjectUri(*r.context, *r.stored, &uri);
    if (!s.ok()) {
      (*results)[i].status = s;
      continue;
    }
    auto [it, added] = index.emplace(uri, uris.size());
    if (added) uris.push_back(uri);
    slot[i] = it->second;
  }
  std::vector<FetchResult> fetched;
  if (!uris.empty()) {
    if (fetcher == nullptr) {
      fetched.assign(uris.size(),
                     FetchResult{Status::NotSupported("no S3 access configured"), nullptr});
    } else {
      fetcher->Fetch(uris, &fetched);
    }
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    if (slot[i] == SIZE_MAX) continue;
    const FetchResult& f = fetched[slot[i]];
    const Context& ctx = *requests[i].context;
    if (!f.status.ok()) {
      (*results)[i].status = f.status.WithContext(ctx.Describe());
      continue;
    }
    std::string_view body = f.body ? std::string_view(*f.body) : std::string_view();
    (*results)[i].status = column.Decode(ctx, *requests[i].stored, body, &(*results)[i].value);
  }
}

Status ParseS3Uri(std::string_view uri, std::string* bucket, std::string* key) {
  std::string shown(uri.substr(0, 60));
  if (uri.size() > 60) shown += "...";
  if (uri.substr(0, 5) != "s3://") {
    return Status::InvalidArgument("not an S3 URI: '" + shown + "'");
  }
  std::string_view rest = uri.substr(5);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= rest.size()) {
    return Status::InvalidArgument("not an S3 URI (s3://bucket/key): '" + shown + "'");
  }
  *bucket = std::string(rest.substr(0, slash));
  *key = std::string(rest.substr(slash + 1));
  return Status::OK();
}

std::string MakeS3Uri(std::string_view bucket, std::string_view key) {
  return "s3://" + std::string(bucket) + "/" + std::string(key);
}

}  // namespace ddb::codec
