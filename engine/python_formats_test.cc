// Python's byte formats (python_formats.h) against what Python prints.
#include "engine/python_formats.h"

#include <string>

#include <gtest/gtest.h>

namespace ddb {
namespace {

TEST(PythonFormats, FloatRepr) {
  EXPECT_EQ(PythonFloatRepr(3.14), "3.14");
  EXPECT_EQ(PythonFloatRepr(1e-09), "1e-09");
  EXPECT_EQ(PythonFloatRepr(1e16), "1e+16");
  EXPECT_EQ(PythonFloatRepr(1e15), "1000000000000000.0");
  EXPECT_EQ(PythonFloatRepr(0.0001), "0.0001");
  EXPECT_EQ(PythonFloatRepr(0.00001), "1e-05");
  EXPECT_EQ(PythonFloatRepr(-2.5e-300), "-2.5e-300");
  EXPECT_EQ(PythonFloatRepr(1.0), "1.0");
  EXPECT_EQ(PythonFloatRepr(-0.0), "-0.0");
  EXPECT_EQ(PythonFloatRepr(123456789.125), "123456789.125");
  EXPECT_EQ(PythonFloatRepr(1.7976931348623157e308), "1.7976931348623157e+308");
}

TEST(PythonFormats, JsonDumps) {
  std::string out;
  ASSERT_TRUE(PythonJsonDumps(R"({"a":[1,2.50,{"b":null}],"s":"é😀\n/"})", &out).ok());
  EXPECT_EQ(out, R"({"a": [1, 2.5, {"b": null}], "s": "\u00e9\ud83d\ude00\n/"})");
  Status s = PythonJsonDumps("{\"a\": }", &out);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("offset 6"), std::string::npos) << s.message();
}

TEST(PythonFormats, Base85MatchesPython) {
  // base64.b85encode(b"\x00\x01\x02\x03\xff") == b"009C6{{"
  EXPECT_EQ(Base85Encode(std::string("\x00\x01\x02\x03\xff", 5)), "009C6{{");
  EXPECT_EQ(Base85Encode("hello"), "Xk~0{Zv");
  std::string back;
  ASSERT_TRUE(Base85Decode("Xk~0{Zv", &back).ok());
  EXPECT_EQ(back, "hello");
  EXPECT_FALSE(Base85Decode("Xk\"0{", &back).ok());
}

TEST(PythonFormats, JsonNumber) {
  bool integer = false;
  EXPECT_TRUE(IsJsonNumber("-12", &integer));
  EXPECT_TRUE(integer);
  EXPECT_TRUE(IsJsonNumber("0.5e-3", &integer));
  EXPECT_FALSE(integer);
  EXPECT_TRUE(IsJsonNumber("1E2", &integer));
  EXPECT_FALSE(integer);
  for (const char* bad : {"", "-", "01", "1.", ".5", "1e", "+1", "1 ", "NaN", "0x10"}) {
    EXPECT_FALSE(IsJsonNumber(bad, &integer)) << bad;
  }
}

TEST(PythonFormats, Utf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));  // é € 😀
  EXPECT_FALSE(IsValidUtf8("\xc3"));                                 // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));                             // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));                         // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));                     // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xff"));
}

}  // namespace
}  // namespace ddb
