// Fuzz target: the S3 XML documents ddbsql reads (engine/s3/xml.h): error
// documents, ListObjectsV2 pages, DeleteObjects results, and %XX decoding.
// Also checks that a key XmlEscape writes reads back unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "engine/s3/xml.h"

namespace {

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "s3_xml_fuzz: invariant broken: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ddb::s3::ErrorDocument error;
  (void)ddb::s3::ParseErrorDocument(text, &error);
  ddb::s3::ListPage page;
  (void)ddb::s3::ParseListObjectsV2(text, &page);
  std::vector<ddb::s3::DeleteError> errors;
  std::vector<std::string> deleted;
  (void)ddb::s3::ParseDeleteObjectsResult(text, &errors, &deleted);
  (void)ddb::s3::UrlDecode(text, /*plus_as_space=*/true);
  (void)ddb::s3::UrlDecode(text, /*plus_as_space=*/false);

  // A key that may travel as XML comes back as it went.
  if (!text.empty() && ddb::s3::IsXmlRepresentable(text)) {
    std::string doc = "<DeleteResult><Deleted><Key>" + ddb::s3::XmlEscape(text) +
                      "</Key></Deleted></DeleteResult>";
    errors.clear();
    deleted.clear();
    ddb::Status s = ddb::s3::ParseDeleteObjectsResult(doc, &errors, &deleted);
    Check(s.ok(), "a DeleteResult with an escaped key does not parse");
    Check(deleted.size() == 1 && deleted[0] == text, "an escaped key does not read back");
    (void)ddb::s3::DeleteObjectsBody({std::string(text)}, /*quiet=*/true);
  }
  return 0;
}
