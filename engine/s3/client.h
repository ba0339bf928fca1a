// S3Client: the S3 object operations ddbsql needs (codec columns whose bytes
// live in S3, the ledger's writes and garbage collection, the shell's
// commands), over aws::AwsClient for signing, retries and HTTP.
//
// Addressing: on AWS endpoints a bucket whose name is a valid DNS label is
// addressed virtual-hosted style (bucket.s3.REGION.amazonaws.com/key); other
// buckets (dots, upper case, underscores) and custom endpoints (emulators,
// proxies, S3-compatible stores) use path style (host/bucket/key). Keys are
// percent-encoded once, byte by byte, keeping '/'; S3 signing uses that path
// as sent, so a key round-trips exactly, including spaces, '+', "//" and
// non-ASCII characters.
//
// Errors name what they are about ("s3://bucket/key: ..."). A missing object
// is Status::NotFound; other service errors are Status::AwsError with S3's
// code (NoSuchBucket, AccessDenied, PermanentRedirect ...).
//
// Every method is thread-safe; concurrent calls share the HTTP connections.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/aws/client.h"
#include "engine/s3/xml.h"
#include "engine/status.h"

namespace ddb::s3 {

// The hooks AwsClient needs for S3: signing name "s3", S3 signing rules, and
// an error parser for S3's XML error documents (and for the bodiless answers
// to HEAD requests, whose code is derived from the HTTP status).
aws::ServiceTraits S3Traits();

// Turns a non-2xx S3 response into Status::AwsError. Exposed for tests.
Status ParseS3Error(const aws::HttpResponse& response);

// Checks a whole-object GET answer against the SHA-256 or CRC32 checksum S3
// sent with it (x-amz-checksum-*); Corruption naming `context` on a mismatch.
// Composite (multipart) checksums, other algorithms and content-encoded
// bodies are not checked. Exposed for tests.
Status VerifyObjectChecksum(const aws::HttpResponse& response, const std::string& context);

enum class AddressingStyle {
  kAuto,           // virtual-hosted on AWS endpoints, path style on custom ones
  kVirtualHosted,  // whenever the bucket name allows it
  kPath,
};

// A bucket name usable as the first label of a TLS host name: 3-63
// characters of a-z, 0-9 and '-', starting and ending with a letter or digit.
bool IsVirtualHostable(std::string_view bucket);

// Percent-encodes an object key for a request path (RFC 3986 unreserved
// characters and '/' kept, every other byte %XX).
std::string EncodeKey(std::string_view key);

// Sets request->path and request->host_override for `bucket` and `key` (an
// empty key addresses the bucket itself).
void SetAddress(const aws::Endpoint& endpoint, AddressingStyle style, std::string_view bucket,
                std::string_view key, aws::ServiceRequest* request);

// Object metadata given by the user: x-amz-meta-NAME headers. S3 stores names
// in lower case; values must be printable ASCII.
using Metadata = std::map<std::string, std::string>;

// What a GET or HEAD tells about an object.
struct ObjectInfo {
  uint64_t content_length = 0;  // bytes in this answer's body (HEAD: the object's size)
  uint64_t object_size = 0;     // the whole object's size (differs for ranged GETs)
  std::string etag;             // without the surrounding quotes
  std::string content_type;
  std::string last_modified;  // HTTP date, as sent
  std::string version_id;     // empty when the bucket is not versioned
  Metadata metadata;          // x-amz-meta-* without the prefix, names lower case
};

// Bytes first..last of an object, both inclusive; without `last`, to the end.
struct ByteRange {
  uint64_t first = 0;
  std::optional<uint64_t> last;

  std::string ToHeader() const;  // "bytes=0-99", "bytes=100-"
};

struct GetObjectRequest {
  std::string bucket;
  std::string key;
  std::optional<ByteRange> range;
};

struct PutObjectRequest {
  std::string bucket;
  std::string key;
  std::string body;
  std::string content_type = "application/octet-stream";
  Metadata metadata;
  // Content-MD5: S3 rejects the upload if the bytes it received differ.
  bool content_md5 = true;
  // x-amz-checksum-sha256: S3 verifies and stores it, and returns it on later
  // GETs, where GetObject verifies it against the bytes received. The same
  // digest signs the payload (x-amz-content-sha256): the body is hashed once.
  bool checksum_sha256 = true;
  // The MD5 of `body` (16 raw bytes) when the caller computed it already
  // (codec::S3Upload::body_md5); empty: computed here. It must be the body's:
  // S3 refuses the upload (Content-MD5) and the ETag check fails otherwise.
  std::string body_md5;
  // The same for its SHA-256 (32 raw bytes; codec::S3Upload::body_sha256).
  std::string body_sha256;
};

struct PutObjectResult {
  std::string etag;  // without quotes
  std::string version_id;
};

struct ListRequest {
  std::string bucket;
  std::string prefix;
  std::string delimiter;           // empty: no grouping
  std::string continuation_token;  // empty: from the start
  std::string start_after;
  int max_keys = 0;  // per page; 0: S3's default (1000)
};

struct DeleteObjectsResult {
  size_t deleted = 0;  // keys S3 reported no error for
  std::vector<DeleteError> errors;
};

class S3Client {
 public:
  // DeleteObjects accepts at most this many keys per request.
  static constexpr size_t kMaxDeleteBatch = 1000;

  S3Client(aws::Endpoint endpoint, std::string region,
           std::shared_ptr<aws::CredentialsProvider> credentials,
           std::shared_ptr<aws::HttpClient> http, aws::RetryPolicy policy,
           std::shared_ptr<aws::RetryQuota> quota,
           AddressingStyle addressing = AddressingStyle::kAuto);

  // Reads an object (or the byte range asked for) into `body`; `info` may be
  // null. NotFound when the key does not exist. When S3 returns a full-object
  // SHA-256 or CRC32 checksum, the body is verified against it (Corruption on
  // a mismatch).
  Status GetObject(const GetObjectRequest& request, std::string* body, ObjectInfo* info = nullptr);

  // Writes an object, replacing any object under the same key. When S3's
  // ETag is the MD5 of the content (no KMS or customer-key encryption) it is
  // checked against the bytes sent; a mismatch is Corruption.
  Status PutObject(const PutObjectRequest& request, PutObjectResult* result = nullptr);

  // GetObject and PutObject without waiting (aws::AwsClient::Start): `done`
  // gets what the blocking form returns, once, on the HTTP client's loop
  // thread (or at once on the caller's for a request that cannot be sent).
  // The client must outlive the call.
  using GetCallback = std::function<void(Status, std::string body, ObjectInfo info)>;
  using PutCallback = std::function<void(Status, PutObjectResult)>;
  void StartGetObject(const GetObjectRequest& request, GetCallback done);
  // (Taken by value: a request moved in hands its body on without a copy.)
  void StartPutObject(PutObjectRequest request, PutCallback done);

  // The object's size, ETag and metadata. NotFound when it does not exist
  // (S3 answers a HEAD with a bare 404, so a missing bucket is NotFound too).
  Status HeadObject(const std::string& bucket, const std::string& key, ObjectInfo* info);

  // Deletes an object. Deleting a key that does not exist succeeds.
  Status DeleteObject(const std::string& bucket, const std::string& key);

  // Deletes `keys` in batches of up to kMaxDeleteBatch (quiet mode). Keys
  // XML cannot carry are deleted one by one with DeleteObject. Fails if any
  // key could not be deleted; `result` (may be null) receives every per-key
  // error and the number deleted, also on failure.
  Status DeleteObjects(const std::string& bucket, const std::vector<std::string>& keys,
                       DeleteObjectsResult* result = nullptr);

  // One page of a ListObjectsV2 listing; page->next_continuation_token
  // continues it.
  Status ListObjectsV2(const ListRequest& request, ListPage* page);

  // Lists every page from request.continuation_token on, calling `on_page`
  // for each. `on_page` may set *more = false to stop early; a non-ok Status
  // from it stops the listing and is returned.
  Status ListAllPages(const ListRequest& request,
                      const std::function<Status(const ListPage& page, bool* more)>& on_page);

  // Collects every object (and common prefix, if `common_prefixes` is not
  // null) of the listing.
  Status ListAllObjects(const ListRequest& request, std::vector<ObjectSummary>* objects,
                        std::vector<std::string>* common_prefixes = nullptr);

  // Creates a bucket in this client's region. A bucket this account already
  // owns is success.
  Status CreateBucket(const std::string& bucket);

  // OK when the bucket exists and is accessible; NotFound when it does not
  // exist; AwsError (Forbidden, PermanentRedirect) otherwise.
  Status HeadBucket(const std::string& bucket);

  // Deletes an empty bucket.
  Status DeleteBucket(const std::string& bucket);

  aws::AwsClient& aws() { return *aws_; }

 private:
  aws::ServiceRequest NewRequest(std::string method, const std::string& bucket,
                                 const std::string& key) const;
  Status DeleteBatch(const std::string& bucket, const std::vector<std::string>& keys,
                     DeleteObjectsResult* result);
  // aws_->Call, with every failure but a missing key or a cancellation
  // naming the S3 endpoint it was sent to ("(S3 endpoint URL)"): S3 has an
  // endpoint chain of its own, and a request sent to the wrong place must
  // say where it went.
  Status Call(const aws::ServiceRequest& request, aws::HttpResponse* response);
  // Call() without waiting.
  void StartCall(aws::ServiceRequest request, aws::AwsClient::Callback done);
  // The requests GetObject and PutObject send (`md5`: of the body sent;
  // the body is moved from `request` into `req`).
  Status GetRequest(const GetObjectRequest& request, aws::ServiceRequest* req) const;
  Status PutRequest(PutObjectRequest* request, aws::ServiceRequest* req, std::string* md5) const;

  std::unique_ptr<aws::AwsClient> aws_;
  AddressingStyle addressing_;
};

}  // namespace ddb::s3
