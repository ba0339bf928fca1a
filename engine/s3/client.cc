#include "engine/s3/client.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "engine/encoding.h"
#include "engine/strings.h"

namespace ddb::s3 {

namespace {

constexpr std::string_view kMetaPrefix = "x-amz-meta-";

bool IsAsciiPrintable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

// RFC 9110 token characters, the only ones allowed in a header name.
bool IsToken(std::string_view s) {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    unsigned char u = static_cast<unsigned char>(c);
    return u < 0x80 && (std::isalnum(u) || kExtra.find(c) != std::string_view::npos);
  });
}

bool ParseUint64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

std::string StripQuotes(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return std::string(s);
}

// Legacy us-east-1 buckets may use upper case and '_', up to 255 characters;
// anything else (notably '/') would change the request path.
Status ValidateBucket(const std::string& bucket) {
  bool ok = !bucket.empty() && bucket.size() <= 255 &&
            std::all_of(bucket.begin(), bucket.end(), [](char c) {
              unsigned char u = static_cast<unsigned char>(c);
              return u < 0x80 && (std::isalnum(u) || c == '.' || c == '-' || c == '_');
            });
  if (!ok) return Status::InvalidArgument("invalid S3 bucket name '" + bucket + "'");
  return Status::OK();
}

Status ValidateObject(const std::string& bucket, const std::string& key) {
  Status s = ValidateBucket(bucket);
  if (!s.ok()) return s;
  if (key.empty()) return Status::InvalidArgument("empty object key").WithContext("s3://" + bucket);
  return Status::OK();
}

std::string ObjectUri(std::string_view bucket, std::string_view key) {
  std::string uri = "s3://" + std::string(bucket);
  if (!key.empty()) uri += "/" + std::string(key);
  return uri;
}

// A code for answers without an error document (HEAD, proxies).
std::string CodeForStatus(long status) {
  switch (status) {
    case 301:
      return "PermanentRedirect";
    case 304:
      return "NotModified";
    case 307:
      return "TemporaryRedirect";
    case 400:
      return "BadRequest";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 409:
      return "Conflict";
    case 412:
      return "PreconditionFailed";
    case 416:
      return "InvalidRange";
    case 500:
      return "InternalError";
    case 501:
      return "NotImplemented";
    case 503:
      return "ServiceUnavailable";
    default:
      return "HTTP" + std::to_string(status);
  }
}

// The start of a body that is not an error document, made safe for one line.
std::string Snippet(std::string_view body) {
  constexpr size_t kMax = 160;
  std::string out;
  for (char c : body.substr(0, kMax)) {
    out.push_back(c >= 0x20 && c <= 0x7E ? c : ' ');
  }
  if (body.size() > kMax) out += "...";
  return out;
}

void FillObjectInfo(const aws::HttpResponse& r, ObjectInfo* info) {
  *info = ObjectInfo();
  uint64_t length = 0;
  if (ParseUint64(aws::FindHeader(r.headers, "content-length"), &length)) {
    info->content_length = length;
  }
  info->object_size = info->content_length;
  // "bytes 0-99/1234": the whole object's size follows the slash ('*' if unknown).
  std::string_view range = aws::FindHeader(r.headers, "content-range");
  if (size_t slash = range.rfind('/'); slash != std::string_view::npos) {
    uint64_t total = 0;
    if (ParseUint64(range.substr(slash + 1), &total)) info->object_size = total;
  }
  info->etag = StripQuotes(aws::FindHeader(r.headers, "etag"));
  info->content_type = std::string(aws::FindHeader(r.headers, "content-type"));
  info->last_modified = std::string(aws::FindHeader(r.headers, "last-modified"));
  info->version_id = std::string(aws::FindHeader(r.headers, "x-amz-version-id"));
  for (const auto& [name, value] : r.headers) {
    std::string lower = str::Lower(name);
    if (lower.size() > kMetaPrefix.size() &&
        lower.compare(0, kMetaPrefix.size(), kMetaPrefix) == 0) {
      info->metadata[lower.substr(kMetaPrefix.size())] = value;
    }
  }
}

// Big-endian CRC32, base64: the form of x-amz-checksum-crc32.
std::string Crc32Checksum(std::string_view body) {
  uint32_t crc = Crc32(body);
  char bytes[4] = {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16),
                   static_cast<char>(crc >> 8), static_cast<char>(crc)};
  return Base64Encode(std::string_view(bytes, 4));
}

Status ValidateMetadata(const Metadata& metadata, const std::string& context) {
  Metadata seen;
  for (const auto& [name, value] : metadata) {
    if (!IsToken(name)) {
      return Status::InvalidArgument("invalid metadata name '" + name + "'").WithContext(context);
    }
    // HTTP trims surrounding whitespace and S3 returns non-ASCII values
    // RFC 2047-encoded, so neither would come back as given.
    if (!IsAsciiPrintable(value) ||
        (!value.empty() && (value.front() == ' ' || value.back() == ' '))) {
      return Status::InvalidArgument("metadata '" + name +
                                     "' must be printable ASCII without surrounding spaces")
          .WithContext(context);
    }
    if (!seen.emplace(str::Lower(name), value).second) {
      return Status::InvalidArgument("metadata name '" + name +
                                     "' differs from another only in case")
          .WithContext(context);
    }
  }
  return Status::OK();
}

std::string AppendQuery(std::string query, std::string_view name, std::string_view value) {
  if (!query.empty()) query.push_back('&');
  query += name;
  query.push_back('=');
  query += aws::UriEncode(value);
  return query;
}

}  // namespace

Status ParseS3Error(const aws::HttpResponse& response) {
  ErrorDocument doc;
  const long status = response.status;
  if (response.body.empty() || !ParseErrorDocument(response.body, &doc)) {
    doc = ErrorDocument();
    doc.code = CodeForStatus(status);
    if (!response.body.empty()) doc.message = Snippet(response.body);
  }
  std::string message = doc.message.empty() ? "HTTP " + std::to_string(status) : doc.message;

  // A bucket in another region: tell the user which region to use.
  std::string region(aws::FindHeader(response.headers, "x-amz-bucket-region"));
  if (region.empty()) region = doc.region;
  bool wrong_region = status == 301 || status == 307 || doc.code == "PermanentRedirect" ||
                      doc.code == "TemporaryRedirect" ||
                      doc.code == "AuthorizationHeaderMalformed" ||
                      doc.code == "IllegalLocationConstraintException";
  if (wrong_region && !region.empty()) {
    message += " (the bucket is in region " + region + "; use --region " + region + ")";
  } else if (wrong_region && !doc.endpoint.empty()) {
    message += " (use endpoint " + doc.endpoint + ")";
  }
  return Status::AwsError(doc.code, message, static_cast<int>(status));
}

// Composite checksums of multipart uploads ("...-N") cover parts, not the
// object; the body of a content-encoded answer has been inflated.
Status VerifyObjectChecksum(const aws::HttpResponse& r, const std::string& context) {
  if (!aws::FindHeader(r.headers, "content-encoding").empty()) return Status::OK();
  if (aws::FindHeader(r.headers, "x-amz-checksum-type") == "COMPOSITE") return Status::OK();
  struct Algo {
    std::string_view header;
    std::string (*compute)(std::string_view);
  };
  static constexpr Algo kAlgos[] = {
      {"x-amz-checksum-sha256", [](std::string_view b) { return Base64Encode(Sha256(b)); }},
      {"x-amz-checksum-crc32", [](std::string_view b) { return Crc32Checksum(b); }},
  };
  for (const Algo& algo : kAlgos) {
    std::string_view expected = aws::FindHeader(r.headers, algo.header);
    if (expected.empty() || expected.find('-') != std::string_view::npos) continue;
    std::string actual = algo.compute(r.body);
    if (actual != expected) {
      return Status::Corruption("body does not match its " + std::string(algo.header) +
                                " (expected " + std::string(expected) + ", got " + actual + ")")
          .WithContext(context);
    }
  }
  return Status::OK();
}

aws::ServiceTraits S3Traits() {
  aws::ServiceTraits traits;
  traits.signing_name = "s3";
  traits.s3_signing = true;
  traits.parse_error = ParseS3Error;
  return traits;
}

bool IsVirtualHostable(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(bucket.front()) || !alnum(bucket.back())) return false;
  return std::all_of(bucket.begin(), bucket.end(), [&](char c) { return alnum(c) || c == '-'; });
}

std::string EncodeKey(std::string_view key) { return aws::UriEncode(key, /*keep_slash=*/true); }

void SetAddress(const aws::Endpoint& endpoint, AddressingStyle style, std::string_view bucket,
                std::string_view key, aws::ServiceRequest* request) {
  bool virtual_hosted = style != AddressingStyle::kPath && IsVirtualHostable(bucket) &&
                        (style == AddressingStyle::kVirtualHosted || !endpoint.custom);
  if (virtual_hosted) {
    request->host_override = std::string(bucket) + "." + endpoint.host;
    request->path = "/" + EncodeKey(key);
  } else {
    request->host_override.clear();
    request->path = "/" + aws::UriEncode(bucket);
    if (!key.empty()) request->path += "/" + EncodeKey(key);
  }
}

std::string ByteRange::ToHeader() const {
  std::string h = "bytes=" + std::to_string(first) + "-";
  if (last) h += std::to_string(*last);
  return h;
}

S3Client::S3Client(aws::Endpoint endpoint, std::string region,
                   std::shared_ptr<aws::CredentialsProvider> credentials,
                   std::shared_ptr<aws::HttpClient> http, aws::RetryPolicy policy,
                   std::shared_ptr<aws::RetryQuota> quota, AddressingStyle addressing)
    : aws_(std::make_unique<aws::AwsClient>(S3Traits(), std::move(endpoint), std::move(region),
                                            std::move(credentials), std::move(http), policy,
                                            std::move(quota))),
      addressing_(addressing) {}

namespace {

// A failed S3 call's Status as S3Client's calls give it: every failure but
// a missing key or a cancellation names the endpoint it was sent to.
Status NameEndpoint(Status s, const aws::AwsClient& aws) {
  if (s.ok() || s.IsCancelled() || s.aws_code() == "NoSuchKey" || s.IsNotFound()) return s;
  return s.WithNote("S3 endpoint " + aws::RedactUrlUserInfo(aws.endpoint().BaseUrl()));
}

}  // namespace

Status S3Client::Call(const aws::ServiceRequest& request, aws::HttpResponse* response) {
  return NameEndpoint(aws_->Call(request, response), *aws_);
}

void S3Client::StartCall(aws::ServiceRequest request, aws::AwsClient::Callback done) {
  aws_->Start(std::move(request),
              [this, done = std::move(done)](Status s, aws::HttpResponse response) {
                done(NameEndpoint(std::move(s), *aws_), std::move(response));
              });
}

aws::ServiceRequest S3Client::NewRequest(std::string method, const std::string& bucket,
                                         const std::string& key) const {
  aws::ServiceRequest req;
  req.method = std::move(method);
  SetAddress(aws_->endpoint(), addressing_, bucket, key, &req);
  req.context = ObjectUri(bucket, key);
  return req;
}

Status S3Client::GetRequest(const GetObjectRequest& request, aws::ServiceRequest* req) const {
  Status s = ValidateObject(request.bucket, request.key);
  if (!s.ok()) return s;
  if (request.range && request.range->last && *request.range->last < request.range->first) {
    return Status::InvalidArgument("empty byte range " + request.range->ToHeader())
        .WithContext(ObjectUri(request.bucket, request.key));
  }
  *req = NewRequest("GET", request.bucket, request.key);
  if (request.range) {
    req->headers.emplace_back("Range", request.range->ToHeader());
  } else {
    // Ranged answers carry no checksum; whole objects do when asked.
    req->headers.emplace_back("x-amz-checksum-mode", "ENABLED");
  }
  return Status::OK();
}

namespace {

// A GetObject's answer: the body checked and handed over, `info` filled.
Status GetAnswer(Status s, bool ranged, const std::string& context, aws::HttpResponse* resp,
                 std::string* body, ObjectInfo* info) {
  if (!s.ok()) {
    if (s.aws_code() == "NoSuchKey") return Status::NotFound(s.message()).WithContext(s.context());
    return s;
  }
  if (!ranged) {
    s = VerifyObjectChecksum(*resp, context);
    if (!s.ok()) return s;
  }
  if (info != nullptr) {
    FillObjectInfo(*resp, info);
    info->content_length = resp->body.size();
    if (!ranged) info->object_size = resp->body.size();
  }
  *body = std::move(resp->body);
  return Status::OK();
}

}  // namespace

Status S3Client::GetObject(const GetObjectRequest& request, std::string* body, ObjectInfo* info) {
  aws::ServiceRequest req;
  Status s = GetRequest(request, &req);
  if (!s.ok()) return s;
  aws::HttpResponse resp;
  s = Call(req, &resp);
  return GetAnswer(std::move(s), request.range.has_value(), req.context, &resp, body, info);
}

void S3Client::StartGetObject(const GetObjectRequest& request, GetCallback done) {
  aws::ServiceRequest req;
  Status s = GetRequest(request, &req);
  if (!s.ok()) {
    done(std::move(s), {}, {});
    return;
  }
  std::string context = req.context;
  StartCall(std::move(req), [ranged = request.range.has_value(), context = std::move(context),
                             done = std::move(done)](Status st, aws::HttpResponse resp) {
    std::string body;
    ObjectInfo info;
    st = GetAnswer(std::move(st), ranged, context, &resp, &body, &info);
    done(std::move(st), std::move(body), std::move(info));
  });
}

Status S3Client::PutRequest(PutObjectRequest* put, aws::ServiceRequest* req,
                            std::string* md5) const {
  const PutObjectRequest& request = *put;
  Status s = ValidateObject(request.bucket, request.key);
  if (!s.ok()) return s;
  const std::string context = ObjectUri(request.bucket, request.key);
  s = ValidateMetadata(request.metadata, context);
  if (!s.ok()) return s;
  if (!IsAsciiPrintable(request.content_type)) {
    return Status::InvalidArgument("content type must be printable ASCII").WithContext(context);
  }
  *req = NewRequest("PUT", request.bucket, request.key);
  // Each digest of the body is computed once: a 64 KB object's MD5 and
  // SHA-256 were most of the CPU of its upload (README "Speed").
  *md5 = request.body_md5.size() == 16 ? request.body_md5 : Md5(request.body);
  if (!request.content_type.empty())
    req->headers.emplace_back("Content-Type", request.content_type);
  if (request.content_md5) req->headers.emplace_back("Content-MD5", Base64Encode(*md5));
  if (request.checksum_sha256) {
    std::string sha256 =
        request.body_sha256.size() == 32 ? request.body_sha256 : Sha256(request.body);
    req->headers.emplace_back("x-amz-sdk-checksum-algorithm", "SHA256");
    req->headers.emplace_back("x-amz-checksum-sha256", Base64Encode(sha256));
    req->payload_hash = HexEncode(sha256);  // signed as x-amz-content-sha256
  }
  for (const auto& [name, value] : request.metadata) {
    req->headers.emplace_back(std::string(kMetaPrefix) + str::Lower(name), value);
  }
  req->body = std::move(put->body);
  return Status::OK();
}

namespace {

// A PutObject's answer: the ETag checked against the MD5 of what was sent.
Status PutAnswer(Status s, const std::string& md5, const std::string& context,
                 const aws::HttpResponse& resp, PutObjectResult* result) {
  if (!s.ok()) return s;
  std::string etag = StripQuotes(aws::FindHeader(resp.headers, "etag"));
  // With SSE-KMS or customer keys the ETag is not the MD5 of the content.
  std::string_view sse = aws::FindHeader(resp.headers, "x-amz-server-side-encryption");
  bool etag_is_md5 =
      etag.size() == 32 && sse.substr(0, 7) != "aws:kms" &&
      aws::FindHeader(resp.headers, "x-amz-server-side-encryption-customer-algorithm").empty();
  if (etag_is_md5 && str::Lower(etag) != HexEncode(md5)) {
    return Status::Corruption("ETag " + etag + " is not the MD5 of the bytes sent (" +
                              HexEncode(md5) + ")")
        .WithContext(context);
  }
  if (result != nullptr) {
    result->etag = etag;
    result->version_id = std::string(aws::FindHeader(resp.headers, "x-amz-version-id"));
  }
  return Status::OK();
}

}  // namespace

Status S3Client::PutObject(const PutObjectRequest& request, PutObjectResult* result) {
  aws::ServiceRequest req;
  std::string md5;
  PutObjectRequest copy = request;
  Status s = PutRequest(&copy, &req, &md5);
  if (!s.ok()) return s;
  aws::HttpResponse resp;
  s = Call(req, &resp);
  return PutAnswer(std::move(s), md5, req.context, resp, result);
}

void S3Client::StartPutObject(PutObjectRequest request, PutCallback done) {
  aws::ServiceRequest req;
  std::string md5;
  Status s = PutRequest(&request, &req, &md5);
  if (!s.ok()) {
    done(std::move(s), {});
    return;
  }
  std::string context = req.context;
  StartCall(std::move(req), [md5 = std::move(md5), context = std::move(context),
                             done = std::move(done)](Status st, aws::HttpResponse resp) {
    PutObjectResult result;
    st = PutAnswer(std::move(st), md5, context, resp, &result);
    done(std::move(st), std::move(result));
  });
}

Status S3Client::HeadObject(const std::string& bucket, const std::string& key, ObjectInfo* info) {
  Status s = ValidateObject(bucket, key);
  if (!s.ok()) return s;
  aws::ServiceRequest req = NewRequest("HEAD", bucket, key);
  aws::HttpResponse resp;
  s = Call(req, &resp);
  if (!s.ok()) {
    if (s.http_status() == 404) return Status::NotFound("no such object").WithContext(req.context);
    return s;
  }
  FillObjectInfo(resp, info);
  return Status::OK();
}

Status S3Client::DeleteObject(const std::string& bucket, const std::string& key) {
  Status s = ValidateObject(bucket, key);
  if (!s.ok()) return s;
  aws::HttpResponse resp;
  return Call(NewRequest("DELETE", bucket, key), &resp);
}

Status S3Client::DeleteBatch(const std::string& bucket, const std::vector<std::string>& keys,
                             DeleteObjectsResult* result) {
  aws::ServiceRequest req = NewRequest("POST", bucket, "");
  req.query = "delete=";
  req.body = DeleteObjectsBody(keys, /*quiet=*/true);
  req.headers.emplace_back("Content-Type", "application/xml");
  req.headers.emplace_back("Content-MD5", Base64Encode(Md5(req.body)));
  aws::HttpResponse resp;
  Status s = Call(req, &resp);
  if (!s.ok()) return s;
  std::vector<DeleteError> errors;
  s = ParseDeleteObjectsResult(resp.body, &errors, nullptr);
  if (!s.ok()) return s.WithContext(req.context);
  result->deleted += keys.size() - std::min(keys.size(), errors.size());
  for (DeleteError& e : errors) result->errors.push_back(std::move(e));
  return Status::OK();
}

Status S3Client::DeleteObjects(const std::string& bucket, const std::vector<std::string>& keys,
                               DeleteObjectsResult* result) {
  DeleteObjectsResult local;
  DeleteObjectsResult* out = result != nullptr ? result : &local;
  *out = DeleteObjectsResult();
  Status s = ValidateBucket(bucket);
  if (!s.ok()) return s;

  std::vector<std::string> batch;
  std::vector<const std::string*> singles;
  for (const std::string& key : keys) {
    if (key.empty()) {
      return Status::InvalidArgument("empty object key").WithContext(ObjectUri(bucket, ""));
    }
  }
  for (const std::string& key : keys) {
    if (!IsXmlRepresentable(key)) {
      singles.push_back(&key);
      continue;
    }
    batch.push_back(key);
    if (batch.size() == kMaxDeleteBatch) {
      s = DeleteBatch(bucket, batch, out);
      if (!s.ok()) return s;
      batch.clear();
    }
  }
  if (!batch.empty()) {
    s = DeleteBatch(bucket, batch, out);
    if (!s.ok()) return s;
  }
  for (const std::string* key : singles) {
    s = DeleteObject(bucket, *key);
    if (s.ok()) {
      ++out->deleted;
    } else {
      out->errors.push_back({*key, s.aws_code(), s.message()});
    }
  }

  if (out->errors.empty()) return Status::OK();
  const DeleteError& first = out->errors.front();
  return Status::AwsError(
             first.code,
             std::to_string(out->errors.size()) + " of " + str::Plural(keys.size(), "object") +
                 " not deleted; first: " + ObjectUri(bucket, first.key) + ": " + first.message,
             0)
      .WithContext(ObjectUri(bucket, ""));
}

Status S3Client::ListObjectsV2(const ListRequest& request, ListPage* page) {
  Status s = ValidateBucket(request.bucket);
  if (!s.ok()) return s;
  if (request.max_keys < 0) {
    return Status::InvalidArgument("negative max keys").WithContext(ObjectUri(request.bucket, ""));
  }
  aws::ServiceRequest req = NewRequest("GET", request.bucket, "");
  if (!request.prefix.empty()) req.context += "/" + request.prefix;
  // encoding-type=url: keys with characters XML cannot carry still list.
  std::string q = AppendQuery("", "list-type", "2");
  q = AppendQuery(std::move(q), "encoding-type", "url");
  if (!request.prefix.empty()) q = AppendQuery(std::move(q), "prefix", request.prefix);
  if (!request.delimiter.empty()) q = AppendQuery(std::move(q), "delimiter", request.delimiter);
  if (!request.continuation_token.empty()) {
    q = AppendQuery(std::move(q), "continuation-token", request.continuation_token);
  }
  if (!request.start_after.empty())
    q = AppendQuery(std::move(q), "start-after", request.start_after);
  if (request.max_keys > 0) {
    q = AppendQuery(std::move(q), "max-keys", std::to_string(request.max_keys));
  }
  req.query = std::move(q);

  aws::HttpResponse resp;
  s = Call(req, &resp);
  if (!s.ok()) return s;
  s = ParseListObjectsV2(resp.body, page);
  if (!s.ok()) return s.WithContext(req.context);
  return Status::OK();
}

Status S3Client::ListAllPages(
    const ListRequest& request,
    const std::function<Status(const ListPage& page, bool* more)>& on_page) {
  ListRequest next = request;
  ListPage page;
  for (;;) {
    Status s = ListObjectsV2(next, &page);
    if (!s.ok()) return s;
    bool more = true;
    s = on_page(page, &more);
    if (!s.ok()) return s;
    if (!more || !page.is_truncated) return Status::OK();
    // A server repeating a token would make this loop forever.
    if (page.next_continuation_token == next.continuation_token) {
      return Status::Corruption("listing returned the same continuation token twice")
          .WithContext(ObjectUri(request.bucket, request.prefix));
    }
    next.continuation_token = page.next_continuation_token;
    next.start_after.clear();  // S3 ignores it once a token is given
  }
}

Status S3Client::ListAllObjects(const ListRequest& request, std::vector<ObjectSummary>* objects,
                                std::vector<std::string>* common_prefixes) {
  objects->clear();
  if (common_prefixes != nullptr) common_prefixes->clear();
  return ListAllPages(request, [&](const ListPage& page, bool*) {
    objects->insert(objects->end(), page.objects.begin(), page.objects.end());
    if (common_prefixes != nullptr) {
      common_prefixes->insert(common_prefixes->end(), page.common_prefixes.begin(),
                              page.common_prefixes.end());
    }
    return Status::OK();
  });
}

Status S3Client::CreateBucket(const std::string& bucket) {
  Status s = ValidateBucket(bucket);
  if (!s.ok()) return s;
  aws::ServiceRequest req = NewRequest("PUT", bucket, "");
  req.body = CreateBucketBody(aws_->region());
  if (!req.body.empty()) req.headers.emplace_back("Content-Type", "application/xml");
  aws::HttpResponse resp;
  s = Call(req, &resp);
  if (!s.ok() && s.aws_code() == "BucketAlreadyOwnedByYou") return Status::OK();
  return s;
}

Status S3Client::HeadBucket(const std::string& bucket) {
  Status s = ValidateBucket(bucket);
  if (!s.ok()) return s;
  aws::ServiceRequest req = NewRequest("HEAD", bucket, "");
  aws::HttpResponse resp;
  s = Call(req, &resp);
  if (!s.ok() && s.http_status() == 404) {
    return Status::NotFound("no such bucket").WithContext(req.context);
  }
  return s;
}

Status S3Client::DeleteBucket(const std::string& bucket) {
  Status s = ValidateBucket(bucket);
  if (!s.ok()) return s;
  aws::HttpResponse resp;
  return Call(NewRequest("DELETE", bucket, ""), &resp);
}

}  // namespace ddb::s3
