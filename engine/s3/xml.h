// The XML documents of the S3 REST API that ddbsql reads and writes: error
// documents, ListObjectsV2 results, DeleteObjects requests and results, and
// CreateBucket configurations. Parsing uses pugixml; nothing here does I/O,
// so every function is testable on literal documents.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace ddb::s3 {

// An S3 error document: <Error><Code>NoSuchKey</Code><Message>...</Message>...
struct ErrorDocument {
  std::string code;
  std::string message;
  std::string request_id;
  std::string region;    // <Region>, sent with some wrong-region errors
  std::string endpoint;  // <Endpoint>, sent with PermanentRedirect
  std::string bucket;
  std::string key;
};

// Parses `xml` as an S3 error document. False when it is not one (not XML,
// or no <Error> element with a <Code>), e.g. an HTML page from a proxy.
bool ParseErrorDocument(std::string_view xml, ErrorDocument* out);

// One <Contents> entry of a listing.
struct ObjectSummary {
  std::string key;
  uint64_t size = 0;
  std::string etag;           // without the surrounding quotes
  std::string last_modified;  // ISO 8601, as sent
  std::string storage_class;
};

// One page of a ListObjectsV2 listing.
struct ListPage {
  std::vector<ObjectSummary> objects;
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  // The token for the next page; empty on the last page.
  std::string next_continuation_token;
};

// Parses a ListObjectsV2 result (<ListBucketResult>). When the document says
// <EncodingType>url</EncodingType>, keys and prefixes are decoded. Corruption
// for anything that is not a well-formed listing, including a truncated page
// without a continuation token (which would otherwise end a listing early).
Status ParseListObjectsV2(std::string_view xml, ListPage* out);

// A key that DeleteObjects could not delete.
struct DeleteError {
  std::string key;
  std::string code;
  std::string message;
};

// Parses a DeleteObjects result (<DeleteResult>): `errors` receives the
// <Error> entries, `deleted` (may be null) the <Deleted> keys (none in quiet
// mode). Corruption when the document is not a DeleteResult.
Status ParseDeleteObjectsResult(std::string_view xml, std::vector<DeleteError>* errors,
                                std::vector<std::string>* deleted);

// Whether `text` can travel as XML 1.0 character data: valid UTF-8 without
// the control characters XML 1.0 forbids (it allows only tab, LF and CR
// below U+0020) and without U+FFFE/U+FFFF.
bool IsXmlRepresentable(std::string_view text);

// Escapes `text` for XML character data. CR, LF and tab become character
// references so that no XML parser's end-of-line or whitespace handling can
// change them. `text` must satisfy IsXmlRepresentable().
std::string XmlEscape(std::string_view text);

// The body of a DeleteObjects request. Every key must satisfy
// IsXmlRepresentable().
std::string DeleteObjectsBody(const std::vector<std::string>& keys, bool quiet);

// The body of a CreateBucket request for `region`: empty for us-east-1,
// which takes no LocationConstraint.
std::string CreateBucketBody(std::string_view region);

// Decodes %XX escapes and, with `plus_as_space`, '+' as space (the form
// S3 uses for encoding-type=url). Malformed escapes are kept as they are.
std::string UrlDecode(std::string_view text, bool plus_as_space);

}  // namespace ddb::s3
