#include "engine/export/ion.h"

#include <gtest/gtest.h>

#include <string>

#include "engine/dynamodb/attribute_value.h"

namespace ddb::table_export {
namespace {

std::string Json(std::string_view ion) {
  std::string out;
  Status s = IonLineToJson(ion, &out);
  EXPECT_TRUE(s.ok()) << ion << ": " << s.ToString();
  return out;
}

std::string Error(std::string_view ion) {
  std::string out = "kept";
  Status s = IonLineToJson(ion, &out);
  EXPECT_FALSE(s.ok()) << ion;
  EXPECT_EQ(out, "kept");
  return s.ToString();
}

TEST(IonTest, AnExportLineBecomesItsDynamoDbJson) {
  EXPECT_EQ(
      Json("$ion_1_0 {Item:{Authors:$dynamodb_SS::[\"A1\",\"A2\"],Dim:\"8.5 x 11\",Id:101.,"
           "InPub:false,Price:2d1,Rate:1.5e0,Pic:{{aGk=}},None:null,Tags:[1,\"x\",null.string],"
           "Map:{'quoted key':\"v\",\"s key\":-0.5},Ns:$dynamodb_NS::[1.,2d-1],"
           "Bs:$dynamodb_BS::[{{ aGk= }},{{AA==}}]}}"),
      "{\"Item\":{\"Authors\":{\"SS\":[\"A1\",\"A2\"]},\"Dim\":{\"S\":\"8.5 x 11\"},"
      "\"Id\":{\"N\":\"101\"},\"InPub\":{\"BOOL\":false},\"Price\":{\"N\":\"2e1\"},"
      "\"Rate\":{\"N\":\"1.5e0\"},\"Pic\":{\"B\":\"aGk=\"},\"None\":{\"NULL\":true},"
      "\"Tags\":{\"L\":[{\"N\":\"1\"},{\"S\":\"x\"},{\"NULL\":true}]},"
      "\"Map\":{\"M\":{\"quoted key\":{\"S\":\"v\"},\"s key\":{\"N\":\"-0.5\"}}},"
      "\"Ns\":{\"NS\":[\"1\",\"2e-1\"]},\"Bs\":{\"BS\":[\"aGk=\",\"AA==\"]}}}");
}

TEST(IonTest, TheResultDecodesAsAnItem) {
  std::string json = Json("{Item:{id:\"a\",n:0x1F,m:{x:[true]},b:0b101,big:1_000}}");
  dynamodb::Item item;
  ASSERT_TRUE(dynamodb::ItemFromWireJsonText(json.substr(8, json.size() - 9), &item).ok()) << json;
  EXPECT_EQ(item.at("n").scalar(), "31");
  EXPECT_EQ(item.at("b").scalar(), "5");
  EXPECT_EQ(item.at("big").scalar(), "1000");
}

TEST(IonTest, IncrementalLinesKeepTheirFields) {
  EXPECT_EQ(
      Json("{Metadata:{WriteTimestampMicros:1700000000000000},Keys:{id:\"a\"},"
           "NewImage:{id:\"a\",n:1}}"),
      "{\"Metadata\":{\"WriteTimestampMicros\":{\"N\":\"1700000000000000\"}},"
      "\"Keys\":{\"id\":{\"S\":\"a\"}},\"NewImage\":{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}}}");
}

TEST(IonTest, StringsDecodeEscapesAndJoinLongOnes) {
  EXPECT_EQ(Json(R"({Item:{s:"q\"\\\n\t\x41\u00e9\U0001F600/",l:'''ab''' '''cd''',c:"é"}})"),
            "{\"Item\":{\"s\":{\"S\":\"q\\\"\\\\\\u000a\\u0009A\xc3\xa9\xf0\x9f\x98\x80/\"},"
            "\"l\":{\"S\":\"abcd\"},\"c\":{\"S\":\"\xc3\xa9\"}}}");
  EXPECT_EQ(Json("// comment\n{Item:{/* c */a:1}}"), "{\"Item\":{\"a\":{\"N\":\"1\"}}}");
}

TEST(IonTest, WhatIsNoDynamoDbValueIsRefusedSayingWhere) {
  EXPECT_NE(Error("{Item:{a:sym}}").find("symbol 'sym'"), std::string::npos);
  EXPECT_NE(Error("{Item:{a:nan}}").find("symbol 'nan'"), std::string::npos);
  EXPECT_NE(Error("{Item:{a:-inf}}").find("nan and inf"), std::string::npos);
  EXPECT_NE(Error("{Item:{a:2020-01-01T}}").find("timestamp"), std::string::npos);
  EXPECT_NE(Error("{Item:{a:(x)}}").find("s-expressions"), std::string::npos);
  EXPECT_NE(Error("{Item:{a:{{\"clob\"}}}}").find("clobs"), std::string::npos);
  EXPECT_NE(Error("{Item:{a:{{!!}}}}").find("not base64"), std::string::npos);
  EXPECT_NE(Error("{Item:{a:foo::[1]}}").find("unknown annotation foo"), std::string::npos);
  EXPECT_NE(Error("{Item:{a:$dynamodb_SS::[1]}}").find("not a string"), std::string::npos);
  EXPECT_NE(Error("{Item:{a:\"x}}").find("unterminated string"), std::string::npos);
  EXPECT_NE(Error("{Item:{a:1}} {Item:{}}").find("more than one value"), std::string::npos);
  EXPECT_NE(Error("{Item:5}").find("field Item: expected a struct"), std::string::npos);
  EXPECT_NE(Error("{Item:{a 1}}").find("ION at offset 9: expected ':'"), std::string::npos);
  EXPECT_NE(Error("{Item:{a:0xFFFFFFFFFFFFFFFFFF}}").find("too large"), std::string::npos);
  // Found by fuzz/ion_fuzz: bytes that are no UTF-8 in a string; a set
  // that ends where a number belongs.
  EXPECT_NE(Error("{Item:{a:\"\xff\"}}").find("not valid UTF-8"), std::string::npos);
  EXPECT_NE(Error("{Item:{a:$dynamodb_NS::[1.,").find("expected a number"), std::string::npos);
  std::string deep = "{Item:{a:" + std::string(100, '[') + std::string(100, ']') + "}}";
  EXPECT_NE(Error(deep).find("nested deeper"), std::string::npos);
}

}  // namespace
}  // namespace ddb::table_export
