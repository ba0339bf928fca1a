#include "engine/export/manifest.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/export/reader.h"

namespace ddb::table_export {
namespace {

TEST(ExportManifestTest, UriGivesBucketAndFolder) {
  ExportLocation loc;
  ASSERT_TRUE(ParseExportUri("s3://b/p/q/AWSDynamoDB/0170-ab", &loc).ok());
  EXPECT_EQ(loc.bucket, "b");
  EXPECT_EQ(loc.folder, "p/q/AWSDynamoDB/0170-ab/");
  EXPECT_EQ(loc.Uri(), "s3://b/p/q/AWSDynamoDB/0170-ab");
  ASSERT_TRUE(ParseExportUri("s3://b/AWSDynamoDB/x/manifest-summary.json", &loc).ok());
  EXPECT_EQ(loc.folder, "AWSDynamoDB/x/");
  ASSERT_TRUE(ParseExportUri("s3://b/AWSDynamoDB/x/", &loc).ok());
  EXPECT_EQ(loc.folder, "AWSDynamoDB/x/");
  for (const char* bad : {"b/AWSDynamoDB/x", "s3://b", "s3://b/", "s3:///x"}) {
    Status s = ParseExportUri(bad, &loc);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.ToString().find(bad), std::string::npos) << s.ToString();
  }
}

TEST(ExportManifestTest, SummaryFieldsAndTableName) {
  Summary s;
  ASSERT_TRUE(
      ParseSummary(
          R"({"version":"2020-06-30","exportArn":"arn:aws:dynamodb:us-east-1:1:table/Orders/export/0170-ab",
      "tableArn":"arn:aws:dynamodb:us-east-1:1:table/Orders","exportTime":"2020-11-04T07:28:34.028Z",
      "manifestFilesS3Key":"AWSDynamoDB/0170-ab/manifest-files.json","itemCount":8,
      "outputFormat":"ION","s3Prefix":null})",
          "s3://b/m", &s)
          .ok());
  EXPECT_EQ(s.TableName(), "Orders");
  EXPECT_EQ(s.item_count, 8);
  EXPECT_EQ(s.format, OutputFormat::kIon);
  EXPECT_EQ(s.type, ExportType::kFull);
  ASSERT_TRUE(ParseSummary(R"({"version":"2020-06-30","manifestFilesS3Key":"k",
      "exportType":"INCREMENTAL_EXPORT","exportFromTime":"a","exportToTime":"b"})",
                           "s3://b/m", &s)
                  .ok());
  EXPECT_EQ(s.type, ExportType::kIncremental);
  EXPECT_EQ(s.export_to_time, "b");
  EXPECT_EQ(s.TableName(), "");
}

TEST(ExportManifestTest, SummaryRefusals) {
  Summary s;
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"[1]", "s3://b/m: not a JSON object"},
      {R"({"version":"2021-01-01","manifestFilesS3Key":"k"})", "version '2021-01-01'"},
      {R"({"version":"2020-06-30"})", "no manifestFilesS3Key"},
      {R"({"version":"2020-06-30","manifestFilesS3Key":"k","outputFormat":"CSV"})",
       "outputFormat 'CSV'"},
      {R"({"version":"2020-06-30","manifestFilesS3Key":"k","exportType":"X"})", "exportType 'X'"},
      {R"({"version":"2020-06-30","manifestFilesS3Key":"k","itemCount":"3"})",
       "itemCount is not a whole number"},
      {R"({"version":2020,"manifestFilesS3Key":"k"})", "version is not a string"},
  };
  for (const auto& c : cases) {
    Status st = ParseSummary(c.text, "s3://b/m", &s);
    EXPECT_FALSE(st.ok()) << c.text;
    EXPECT_NE(st.ToString().find(c.message), std::string::npos) << st.ToString();
  }
}

TEST(ExportManifestTest, FilesOneObjectALine) {
  std::vector<DataFile> files;
  ASSERT_TRUE(ParseManifestFiles(
                  "{\"itemCount\":8,\"md5Checksum\":\"sQMSpEILNgoQmarvDFonGQ==\",\"etag\":\"af-1\","
                  "\"dataFileS3Key\":\"p/AWSDynamoDB/0170-ab/data/abc.json.gz\"}\n\n"
                  "{\"itemCount\":0,\"md5Checksum\":\"b10a8db164e0754105b7a99be72e3fe5\","
                  "\"dataFileS3Key\":\"AWSDynamoDB/data/x.ion.gz\"}",
                  "s3://b/f", &files)
                  .ok());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].name, "data/abc.json.gz");
  EXPECT_EQ(files[0].item_count, 8);
  EXPECT_EQ(files[0].md5.size(), 16u);
  EXPECT_EQ(files[0].etag, "af-1");
  EXPECT_EQ(files[1].name, "data/x.ion.gz");
  EXPECT_EQ(static_cast<unsigned char>(files[1].md5[0]), 0xb1);
}

TEST(ExportManifestTest, FilesRefusalsNameTheLine) {
  std::vector<DataFile> files;
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"{}\nnope", "s3://b/f line 1: no dataFileS3Key"},
      {"{\"dataFileS3Key\":\"data/a\",\"itemCount\":1,\"md5Checksum\":\"short\"}",
       "line 1: no md5Checksum"},
      {"\n{\"dataFileS3Key\":\"data/a\",\"md5Checksum\":\"sQMSpEILNgoQmarvDFonGQ==\"}",
       "line 2: no itemCount"},
      {"{\"dataFileS3Key\":\"x/a.json.gz\",\"itemCount\":1,"
       "\"md5Checksum\":\"sQMSpEILNgoQmarvDFonGQ==\"}",
       "line 1: dataFileS3Key 'x/a.json.gz' is not in a data/ folder"},
      {"[1]", "line 1: not a JSON object"},
  };
  for (const auto& c : cases) {
    Status st = ParseManifestFiles(c.text, "s3://b/f", &files);
    EXPECT_FALSE(st.ok()) << c.text;
    EXPECT_NE(st.ToString().find(c.message), std::string::npos) << st.ToString();
  }
}

TEST(ExportManifestTest, ChecksumFilesBesideEachManifest) {
  EXPECT_EQ(ChecksumNames("manifest-files.json"),
            (std::vector<std::string>{"manifest-files.md5", "manifest-files.checksum"}));
  EXPECT_EQ(ChecksumNames("manifest-summary.json")[0], "manifest-summary.md5");
}

TEST(ExportManifestTest, ChecksumBase64OrHex) {
  // MD5("abc") = 900150983cd24fb0d6963f7d28e17f72 (RFC 1321's test suite).
  for (const char* good : {"kAFQmDzST7DWlj99KOF/cg==", " kAFQmDzST7DWlj99KOF/cg==\n",
                           "900150983CD24FB0D6963F7D28E17F72"}) {
    EXPECT_TRUE(CheckManifestChecksum("abc", good, "s3://b/m.json", "s3://b/m.md5", true).ok())
        << good;
  }
  Status s = CheckManifestChecksum("abd", "kAFQmDzST7DWlj99KOF/cg==", "s3://b/m.json",
                                   "s3://b/m.md5", true);
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
  EXPECT_NE(s.ToString().find("s3://b/m.json: MD5 does not match s3://b/m.md5"), std::string::npos)
      << s.ToString();
  s = CheckManifestChecksum("abc", "sha256:00", "s3://b/m.json", "s3://b/m.md5", true);
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
  EXPECT_NE(s.ToString().find("s3://b/m.md5: not an MD5"), std::string::npos) << s.ToString();
  s = CheckManifestChecksum("abc", "sha256:00", "s3://b/m.json", "s3://b/m.checksum", false);
  EXPECT_EQ(s.code(), Status::Code::kNotSupported) << s.ToString();
}

TEST(ExportManifestTest, JsonLinesUnwrapTheItem) {
  std::string out;
  ASSERT_TRUE(DynamoDbJsonLineToItem("{\"Item\":{\"a\":{\"S\":\"x\"}}}\r", &out).ok());
  EXPECT_EQ(out, "{\"a\":{\"S\":\"x\"}}");
  out.clear();
  ASSERT_TRUE(DynamoDbJsonLineToItem(" { \"Item\" : {\"a\":{\"N\":\"1\"}} }", &out).ok());
  EXPECT_EQ(out, "{\"a\":{\"N\":\"1\"}}");
  out.clear();
  EXPECT_FALSE(DynamoDbJsonLineToItem("{\"NewImage\":{}}", &out).ok());
  EXPECT_FALSE(DynamoDbJsonLineToItem("not json", &out).ok());
}

}  // namespace
}  // namespace ddb::table_export
