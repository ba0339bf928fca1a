#include "engine/s3/xml.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>

namespace ddb::s3 {
namespace {

TEST(S3XmlTest, ParsesErrorDocument) {
  const char* xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>"
      "<Key>a &amp; b</Key><RequestId>4442587FB7D0A2F9</RequestId></Error>";
  ErrorDocument doc;
  ASSERT_TRUE(ParseErrorDocument(xml, &doc));
  EXPECT_EQ(doc.code, "NoSuchKey");
  EXPECT_EQ(doc.message, "The specified key does not exist.");
  EXPECT_EQ(doc.key, "a & b");
  EXPECT_EQ(doc.request_id, "4442587FB7D0A2F9");
}

TEST(S3XmlTest, ParsesRedirectAndWrappedErrors) {
  ErrorDocument doc;
  ASSERT_TRUE(ParseErrorDocument(
      "<Error><Code>PermanentRedirect</Code><Message>Use the endpoint.</Message>"
      "<Endpoint>b.s3.eu-west-1.amazonaws.com</Endpoint><BucketName>b</BucketName></Error>",
      &doc));
  EXPECT_EQ(doc.endpoint, "b.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(doc.bucket, "b");

  ErrorDocument wrapped;
  ASSERT_TRUE(ParseErrorDocument(
      "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error>"
      "</ErrorResponse>",
      &wrapped));
  EXPECT_EQ(wrapped.code, "AccessDenied");
}

TEST(S3XmlTest, RejectsWhatIsNotAnErrorDocument) {
  ErrorDocument doc;
  EXPECT_FALSE(ParseErrorDocument("", &doc));
  EXPECT_FALSE(ParseErrorDocument("<html><body>502 Bad Gateway</body></html>", &doc));
  EXPECT_FALSE(ParseErrorDocument("<Error><Message>no code</Message></Error>", &doc));
  EXPECT_FALSE(ParseErrorDocument("<Error><Code>Trunc", &doc));
}

TEST(S3XmlTest, ParsesListPageWithContinuationToken) {
  const char* xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Name>bkt</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
      "<IsTruncated>true</IsTruncated>"
      "<Contents><Key>p/a</Key><LastModified>2024-01-02T03:04:05.000Z</LastModified>"
      "<ETag>&quot;9e107d9d372bb6826bd81d3542a419d6&quot;</ETag><Size>43</Size>"
      "<StorageClass>STANDARD</StorageClass></Contents>"
      "<Contents><Key>p/b</Key><ETag>\"abc-2\"</ETag><Size>18446744073709551615</Size>"
      "</Contents>"
      "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
      "</ListBucketResult>";
  ListPage page;
  ASSERT_TRUE(ParseListObjectsV2(xml, &page).ok());
  ASSERT_EQ(page.objects.size(), 2u);
  EXPECT_EQ(page.objects[0].key, "p/a");
  EXPECT_EQ(page.objects[0].size, 43u);
  EXPECT_EQ(page.objects[0].etag, "9e107d9d372bb6826bd81d3542a419d6");
  EXPECT_EQ(page.objects[0].last_modified, "2024-01-02T03:04:05.000Z");
  EXPECT_EQ(page.objects[0].storage_class, "STANDARD");
  EXPECT_EQ(page.objects[1].etag, "abc-2");
  EXPECT_EQ(page.objects[1].size, 18446744073709551615u);
  EXPECT_TRUE(page.is_truncated);
  EXPECT_EQ(page.next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST(S3XmlTest, LastPageHasNoToken) {
  ListPage page;
  ASSERT_TRUE(ParseListObjectsV2("<ListBucketResult><IsTruncated>false</IsTruncated>"
                                 "<KeyCount>0</KeyCount></ListBucketResult>",
                                 &page)
                  .ok());
  EXPECT_TRUE(page.objects.empty());
  EXPECT_FALSE(page.is_truncated);
  EXPECT_TRUE(page.next_continuation_token.empty());
}

TEST(S3XmlTest, DecodesUrlEncodedKeysAndPrefixes) {
  // As S3 answers with encoding-type=url: space as '+', '+' as %2B.
  const char* xml =
      "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
      "<Contents><Key>a+b%2Bc%3D%E2%82%AC%01</Key><Size>1</Size></Contents>"
      "<CommonPrefixes><Prefix>dir%20x/</Prefix></CommonPrefixes>"
      "</ListBucketResult>";
  ListPage page;
  ASSERT_TRUE(ParseListObjectsV2(xml, &page).ok());
  ASSERT_EQ(page.objects.size(), 1u);
  EXPECT_EQ(page.objects[0].key, "a b+c=\xE2\x82\xAC\x01");
  ASSERT_EQ(page.common_prefixes.size(), 1u);
  EXPECT_EQ(page.common_prefixes[0], "dir x/");
}

TEST(S3XmlTest, KeepsWhitespaceKeysWhenNotEncoded) {
  ListPage page;
  ASSERT_TRUE(ParseListObjectsV2("<ListBucketResult><Contents><Key>  </Key><Size>0</Size>"
                                 "</Contents><Contents><Key>a+b</Key><Size>0</Size></Contents>"
                                 "</ListBucketResult>",
                                 &page)
                  .ok());
  ASSERT_EQ(page.objects.size(), 2u);
  EXPECT_EQ(page.objects[0].key, "  ");
  EXPECT_EQ(page.objects[1].key, "a+b");  // no decoding without EncodingType
}

TEST(S3XmlTest, RejectsMalformedListings) {
  ListPage page;
  Status s = ParseListObjectsV2(
      "<ListBucketResult><IsTruncated>true</IsTruncated>"
      "</ListBucketResult>",
      &page);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("NextContinuationToken"), std::string::npos);

  s = ParseListObjectsV2(
      "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents>"
      "</ListBucketResult>",
      &page);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("k"), std::string::npos);

  EXPECT_EQ(ParseListObjectsV2("<Error><Code>x</Code></Error>", &page).code(),
            Status::Code::kCorruption);
  EXPECT_EQ(ParseListObjectsV2("<ListBucketResult><Contents>", &page).code(),
            Status::Code::kCorruption);
}

TEST(S3XmlTest, ParsesDeleteResultWithErrors) {
  const char* xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Deleted><Key>gone</Key></Deleted>"
      "<Error><Key>locked &lt;1&gt;</Key><Code>AccessDenied</Code><Message>Access Denied"
      "</Message></Error>"
      "<Error><Key>other</Key><Code>InternalError</Code><Message>try again</Message></Error>"
      "</DeleteResult>";
  std::vector<DeleteError> errors;
  std::vector<std::string> deleted;
  ASSERT_TRUE(ParseDeleteObjectsResult(xml, &errors, &deleted).ok());
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].key, "locked <1>");
  EXPECT_EQ(errors[0].code, "AccessDenied");
  EXPECT_EQ(errors[0].message, "Access Denied");
  EXPECT_EQ(errors[1].code, "InternalError");
  EXPECT_EQ(deleted, std::vector<std::string>{"gone"});

  ASSERT_TRUE(ParseDeleteObjectsResult("<DeleteResult/>", &errors, nullptr).ok());
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(ParseDeleteObjectsResult("<Other/>", &errors, nullptr).code(),
            Status::Code::kCorruption);
}

TEST(S3XmlTest, XmlRepresentability) {
  EXPECT_TRUE(IsXmlRepresentable("plain/key.txt"));
  EXPECT_TRUE(IsXmlRepresentable("tab\tnl\ncr\r"));
  EXPECT_TRUE(IsXmlRepresentable("\xE2\x82\xAC \xF0\x9F\x98\x80"));  // euro, emoji
  EXPECT_FALSE(IsXmlRepresentable(std::string("nul\0", 4)));
  EXPECT_FALSE(IsXmlRepresentable("bell\x07"));
  EXPECT_FALSE(IsXmlRepresentable("\xFF"));          // not UTF-8
  EXPECT_FALSE(IsXmlRepresentable("\xC0\xAF"));      // overlong '/'
  EXPECT_FALSE(IsXmlRepresentable("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(IsXmlRepresentable("\xEF\xBF\xBE"));  // U+FFFE
  EXPECT_FALSE(IsXmlRepresentable("\xE2\x82"));      // truncated
}

TEST(S3XmlTest, DeleteBodyCarriesKeysExactly) {
  std::vector<std::string> keys = {"a&b",   "<tag>", "quote\"'",      "cr\rlf\n",
                                   "tab\t", "  ",    "\xE2\x82\xAC/x"};
  std::string body = DeleteObjectsBody(keys, /*quiet=*/true);
  EXPECT_NE(body.find("<Quiet>true</Quiet>"), std::string::npos);
  EXPECT_EQ(body.find('\r'), std::string::npos);
  // A conforming parser (with default, whitespace-normalizing options) reads
  // back the keys that were meant.
  pugi::xml_document doc;
  ASSERT_TRUE(
      doc.load_buffer(body.data(), body.size(), pugi::parse_default | pugi::parse_ws_pcdata));
  std::vector<std::string> parsed;
  for (pugi::xml_node o : doc.child("Delete").children("Object")) {
    parsed.push_back(o.child("Key").child_value());
  }
  EXPECT_EQ(parsed, keys);
}

TEST(S3XmlTest, CreateBucketBody) {
  EXPECT_EQ(CreateBucketBody("us-east-1"), "");
  EXPECT_EQ(CreateBucketBody(""), "");
  std::string body = CreateBucketBody("eu-west-1");
  EXPECT_NE(body.find("<LocationConstraint>eu-west-1</LocationConstraint>"), std::string::npos);
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_string(body.c_str()));
}

TEST(S3XmlTest, UrlDecode) {
  EXPECT_EQ(UrlDecode("a%2Fb+c", true), "a/b c");
  EXPECT_EQ(UrlDecode("a%2Fb+c", false), "a/b+c");
  EXPECT_EQ(UrlDecode("100%", true), "100%");
  EXPECT_EQ(UrlDecode("%zz%4", true), "%zz%4");
  EXPECT_EQ(UrlDecode("%00", true), std::string(1, '\0'));
}

}  // namespace
}  // namespace ddb::s3
