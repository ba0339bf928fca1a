// Python's byte formats (python_formats.h) against what Python prints.
#include "engine/python_formats.h"

#include <cstdint>
#include <string>
#include <string_view>

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
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // overlong 3-byte '/'
  EXPECT_FALSE(IsValidUtf8("\xf0\x80\x80\xaf"));  // overlong 4-byte '/'
  EXPECT_TRUE(IsValidUtf8("\xed\x9f\xbf"));       // U+D7FF, just below the surrogates
  EXPECT_FALSE(IsValidUtf8("\xed\xbf\xbf"));      // the last surrogate
  EXPECT_TRUE(IsValidUtf8("\xee\x80\x80"));       // U+E000, just above them
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));   // U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xf5\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));  // truncated 3-byte
  EXPECT_FALSE(IsValidUtf8("\xf0\x9f\x98"));
  EXPECT_FALSE(IsValidUtf8("\x80"));  // a lone continuation byte
  EXPECT_FALSE(IsValidUtf8(std::string_view("a\0\xc3", 3)));
  EXPECT_TRUE(IsValidUtf8(std::string_view("a\0b", 3)));  // NUL is valid UTF-8
}

// The byte-at-a-time rules IsValidUtf8 keeps (RFC 3629): the reference the
// vectorised check is compared with below.
bool ReferenceUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    uint32_t cp = c & (0x7f >> len);
    for (int k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) {
      return false;
    }
    i += len;
  }
  return true;
}

TEST(PythonFormats, Utf8AgreesWithTheByteRules) {
  // Every 1- and 2-byte string, and every 3-byte string whose last byte is a
  // continuation or ASCII (the lead/second-byte combinations where overlongs,
  // surrogates and > U+10FFFF are decided).
  for (int a = 0; a < 256; ++a) {
    std::string one(1, static_cast<char>(a));
    ASSERT_EQ(IsValidUtf8(one), ReferenceUtf8(one)) << a;
    for (int b = 0; b < 256; ++b) {
      std::string two = one + static_cast<char>(b);
      ASSERT_EQ(IsValidUtf8(two), ReferenceUtf8(two)) << a << " " << b;
      for (int c : {0x41, 0x80, 0xbf}) {
        std::string three = two + static_cast<char>(c);
        ASSERT_EQ(IsValidUtf8(three), ReferenceUtf8(three)) << a << " " << b << " " << c;
        std::string four = three + '\x80';
        ASSERT_EQ(IsValidUtf8(four), ReferenceUtf8(four)) << a << " " << b << " " << c;
      }
    }
  }
  // ASCII runs of every length up to 130 (odd lengths and the vector block
  // edges), with a valid or invalid sequence at every position.
  for (size_t n = 0; n <= 130; ++n) {
    std::string ascii(n, 'x');
    ASSERT_TRUE(IsValidUtf8(ascii)) << n;
    for (size_t at = 0; at <= n; ++at) {
      for (std::string_view seq : {std::string_view("\xf0\x9f\x98\x80"), std::string_view("\xc3"),
                                   std::string_view("\xed\xa0\x80"), std::string_view("\xc0\xaf"),
                                   std::string_view("\xe2\x82")}) {
        std::string s = ascii;
        s.insert(at, seq);
        ASSERT_EQ(IsValidUtf8(s), ReferenceUtf8(s)) << n << " at " << at;
      }
    }
  }
}

}  // namespace
}  // namespace ddb
