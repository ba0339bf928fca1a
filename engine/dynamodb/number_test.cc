#include "engine/dynamodb/number.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace ddb::dynamodb {
namespace {

std::string Canonical(std::string_view in) {
  std::string out;
  Status s = CanonicalNumber(in, &out);
  return s.ok() ? out : "error: " + s.message();
}

std::string Json(std::string_view in) {
  std::string out = "<";
  if (!AppendJsonNumber(in, &out)) return "not a number";
  return out + ">";
}

TEST(NumberTest, ValidSyntax) {
  for (const char* n : {"0", "-0", "+5", "1.50", ".5", "-.5", "+.5", "5.", "00012", "1E2", "1e-0",
                        "1.2e+3", "1.2E-3", "0e500", "1e0000000000000000000002", "0.0e0"}) {
    EXPECT_TRUE(ValidateNumber(n).ok()) << n;
  }
}

TEST(NumberTest, InvalidSyntax) {
  for (const char* n :
       {"",      "-",  "+",  ".",    "e5",       "1e",  "5e+",   "-e5",   "1e+-2", "+-5",     "--5",
        "1.2.3", " 1", "1 ", "0x10", "Infinity", "NaN", "1,000", "1_000", "1e2.5", "\xd9\xa1"}) {
    Status s = ValidateNumber(n);
    EXPECT_FALSE(s.ok()) << n;
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
    EXPECT_NE(s.message().find("not a decimal number"), std::string::npos) << s.message();
  }
  EXPECT_EQ(ValidateNumber("1e").message(),
            "invalid number \"1e\": not a decimal number (expected digits with an optional sign, "
            "decimal point and exponent, e.g. -12.5E3)");
}

TEST(NumberTest, ThirtyEightDigits) {
  EXPECT_TRUE(ValidateNumber("12345678901234567890123456789012345678").ok());
  EXPECT_TRUE(ValidateNumber("-12345678901234567890123456789012345678").ok());
  EXPECT_TRUE(ValidateNumber("0.00000000000000000000000000000000000001").ok());
  EXPECT_TRUE(ValidateNumber("-0.00000000000000000000000000000000000001").ok());
  EXPECT_TRUE(ValidateNumber("1.2345678901234567890123456789012345678").ok());
  // Leading and trailing zeros are not significant.
  EXPECT_TRUE(ValidateNumber("0012345678901234567890123456789012345678").ok());
  EXPECT_TRUE(ValidateNumber("1234567890123456789012345678901234567800000").ok());
  EXPECT_TRUE(ValidateNumber("1234567890123456789012345678901234567.80").ok());
  EXPECT_TRUE(ValidateNumber("1.00000000000000000000000000000000000000000").ok());

  Status s = ValidateNumber("123456789012345678901234567890123456789");
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "invalid number \"123456789012345678901234567890123456789\": 39 significant digits; "
            "DynamoDB allows at most 38");
  // Zeros in the middle are significant.
  EXPECT_FALSE(ValidateNumber("1000000000000000000000000000000000000001").ok());
  EXPECT_FALSE(ValidateNumber("0.000123456789012345678901234567890123456789").ok());
}

TEST(NumberTest, ExponentLimits) {
  EXPECT_TRUE(ValidateNumber("1E-130").ok());
  EXPECT_TRUE(ValidateNumber("-1e-130").ok());
  EXPECT_TRUE(ValidateNumber("10E-131").ok());
  EXPECT_TRUE(ValidateNumber("0.1e-129").ok());
  EXPECT_TRUE(ValidateNumber("9.9999999999999999999999999999999999999E+125").ok());
  EXPECT_TRUE(ValidateNumber("-9.9999999999999999999999999999999999999E+125").ok());
  EXPECT_TRUE(ValidateNumber("0.000e-200").ok());  // zero has no magnitude limit

  Status under = ValidateNumber("1E-131");
  EXPECT_EQ(under.message(),
            "invalid number \"1E-131\": magnitude below DynamoDB's minimum 1E-130");
  Status over = ValidateNumber("1E126");
  EXPECT_EQ(over.message(),
            "invalid number \"1E126\": magnitude above DynamoDB's maximum "
            "9.9999999999999999999999999999999999999E+125");
  EXPECT_FALSE(ValidateNumber("-1e+126").ok());
  EXPECT_FALSE(ValidateNumber("0.099e-129").ok());
  EXPECT_FALSE(ValidateNumber("9.99999999999999999999999999999999999999E+125").ok());  // 39 digits
  EXPECT_FALSE(ValidateNumber("1e2147483647").ok());
}

TEST(NumberTest, ExponentBeyond32Bits) {
  // DynamoDB keeps a 32-bit scale, so even zero fails with such exponents.
  EXPECT_TRUE(ValidateNumber("0e2147483647").ok());
  EXPECT_TRUE(ValidateNumber("0e-2147483647").ok());
  for (const char* n :
       {"1e99999999999", "1e-99999999999", "0e2147483648", "0e-2147483648", "0.5e-2147483647"}) {
    Status s = ValidateNumber(n);
    EXPECT_FALSE(s.ok()) << n;
    EXPECT_NE(s.message().find("exponent out of range"), std::string::npos) << s.message();
  }
}

TEST(NumberTest, ErrorQuotesLongValuesShort) {
  std::string long_value(100, '1');
  long_value += "x";
  Status s = ValidateNumber(long_value);
  EXPECT_EQ(s.message().find("invalid number \"" + std::string(60, '1') + "...\""), 0u)
      << s.message();
  EXPECT_EQ(ValidateNumber("1\n\"").message().substr(0, 26), "invalid number \"1\\x0a\\x22\"");
}

// Expected values observed by storing each number in DynamoDB Local 1.25.1
// and reading it back with the AWS CLI.
TEST(NumberTest, CanonicalMatchesDynamoDB) {
  EXPECT_EQ(Canonical("1.50"), "1.5");
  EXPECT_EQ(Canonical("1E2"), "100");
  EXPECT_EQ(Canonical("-0"), "0");
  EXPECT_EQ(Canonical("0.00"), "0");
  EXPECT_EQ(Canonical("0"), "0");
  EXPECT_EQ(Canonical(".5"), "0.5");
  EXPECT_EQ(Canonical("5."), "5");
  EXPECT_EQ(Canonical("+5"), "5");
  EXPECT_EQ(Canonical("-.5"), "-0.5");
  EXPECT_EQ(Canonical("+.5"), "0.5");
  EXPECT_EQ(Canonical("00012"), "12");
  EXPECT_EQ(Canonical("1.2e+3"), "1200");
  EXPECT_EQ(Canonical("1.2E-3"), "0.0012");
  EXPECT_EQ(Canonical("-1.5e-3"), "-0.0015");
  EXPECT_EQ(Canonical("0e5"), "0");
  EXPECT_EQ(Canonical("-0e-5"), "0");
  EXPECT_EQ(Canonical("1e-0"), "1");
  EXPECT_EQ(Canonical("1e0000000000000000000002"), "100");
  EXPECT_EQ(Canonical("1234567890123456789012345678901234567.80"),
            "1234567890123456789012345678901234567.8");
  EXPECT_EQ(Canonical("-0.00000000000000000000000000000000000001"),
            "-0.00000000000000000000000000000000000001");
  EXPECT_EQ(Canonical("1e-130"), "0." + std::string(129, '0') + "1");
  EXPECT_EQ(Canonical("-1E-130"), "-0." + std::string(129, '0') + "1");
  EXPECT_EQ(Canonical("9.9999999999999999999999999999999999999E+125"),
            std::string(38, '9') + std::string(88, '0'));
  EXPECT_EQ(Canonical("100000000000000000000000000000000000000000000"),
            "100000000000000000000000000000000000000000000");
  EXPECT_EQ(Canonical("12.340"), "12.34");
  EXPECT_EQ(Canonical("1E126"),
            "error: invalid number \"1E126\": magnitude above DynamoDB's maximum "
            "9.9999999999999999999999999999999999999E+125");
  EXPECT_EQ(Canonical("abc").substr(0, 29), "error: invalid number \"abc\": ");
}

TEST(NumberTest, CompareNumerically) {
  EXPECT_EQ(CompareNumbers("1.0", "1"), 0);
  EXPECT_EQ(CompareNumbers("1", "1E0"), 0);
  EXPECT_EQ(CompareNumbers("100", "1e2"), 0);
  EXPECT_EQ(CompareNumbers("0.001", "1E-3"), 0);
  EXPECT_EQ(CompareNumbers("-0", "0.000"), 0);
  EXPECT_EQ(CompareNumbers("+5", "5"), 0);
  EXPECT_EQ(CompareNumbers(".5", "0.50"), 0);
  EXPECT_LT(CompareNumbers("2", "10"), 0);
  EXPECT_GT(CompareNumbers("10", "9.99999"), 0);
  EXPECT_LT(CompareNumbers("-10", "-9"), 0);
  EXPECT_LT(CompareNumbers("-1", "0"), 0);
  EXPECT_LT(CompareNumbers("0", "1E-130"), 0);
  EXPECT_GT(CompareNumbers("0", "-1E-130"), 0);
  EXPECT_LT(CompareNumbers("1.5", "1.55"), 0);
  EXPECT_GT(CompareNumbers("-1.5", "-1.55"), 0);
  EXPECT_LT(CompareNumbers("12345678901234567890123456789012345677",
                           "12345678901234567890123456789012345678"),
            0);
  EXPECT_GT(CompareNumbers("0.00000000000000000000000000000000000002",
                           "0.00000000000000000000000000000000000001"),
            0);
  EXPECT_LT(CompareNumbers("9.9999999999999999999999999999999999999E+125", "1e126"), 0);
  // Exact beyond double precision.
  EXPECT_LT(CompareNumbers("9007199254740992", "9007199254740993"), 0);
  EXPECT_LT(CompareNumbers("0.1", "0.10000000000000000000000000000000000001"), 0);
  // Beyond DynamoDB's 38 digits still compares exactly.
  EXPECT_LT(CompareNumbers("1234567890123456789012345678901234567890",
                           "1234567890123456789012345678901234567891"),
            0);
}

TEST(NumberTest, CompareMalformedIsTotal) {
  EXPECT_LT(CompareNumbers("abc", "-1e100"), 0);
  EXPECT_GT(CompareNumbers("0", "abc"), 0);
  EXPECT_LT(CompareNumbers("abc", "abd"), 0);
  EXPECT_EQ(CompareNumbers("abc", "abc"), 0);
  EXPECT_LT(CompareNumbers("1e99999999999", "0"), 0);  // exponent out of range is malformed
}

TEST(NumberTest, JsonNumber) {
  EXPECT_EQ(Json("1.5"), "<1.5>");
  EXPECT_EQ(Json("-0"), "<-0>");
  EXPECT_EQ(Json("1.50"), "<1.50>");
  EXPECT_EQ(Json("1E+2"), "<1E+2>");
  EXPECT_EQ(Json("12345678901234567890123456789012345678"),
            "<12345678901234567890123456789012345678>");
  EXPECT_EQ(Json(".5"), "<0.5>");
  EXPECT_EQ(Json("-.5"), "<-0.5>");
  EXPECT_EQ(Json("5."), "<5>");
  EXPECT_EQ(Json("5.e3"), "<5e3>");
  EXPECT_EQ(Json("+5"), "<5>");
  EXPECT_EQ(Json("+5.250E-007"), "<5.250E-007>");
  EXPECT_EQ(Json("00012.50"), "<12.50>");
  EXPECT_EQ(Json("000"), "<0>");
  EXPECT_EQ(Json("-00.0"), "<-0.0>");
  EXPECT_EQ(Json("abc"), "not a number");
  EXPECT_EQ(Json(""), "not a number");
  EXPECT_EQ(Json("1e"), "not a number");
}

using Kind = NumberClass::Kind;

TEST(NumberTest, ClassifyInt64) {
  auto expect_int = [](const char* text, int64_t value) {
    NumberClass c = ClassifyNumber(text);
    EXPECT_EQ(c.kind, Kind::kInt64) << text;
    EXPECT_EQ(c.i, value) << text;
  };
  expect_int("0", 0);
  expect_int("-0", 0);
  expect_int("0.00", 0);
  expect_int("42", 42);
  expect_int("-42", -42);
  expect_int("1e2", 100);
  expect_int("1.5e1", 15);
  expect_int("1500e-2", 15);
  expect_int("9223372036854775807", std::numeric_limits<int64_t>::max());
  expect_int("-9223372036854775808", std::numeric_limits<int64_t>::min());
  expect_int("9.223372036854775807E18", std::numeric_limits<int64_t>::max());
  expect_int("1000000000000000000", 1000000000000000000);
}

TEST(NumberTest, ClassifyExactDouble) {
  auto expect_double = [](const char* text, double value) {
    NumberClass c = ClassifyNumber(text);
    EXPECT_EQ(c.kind, Kind::kDouble) << text;
    EXPECT_EQ(c.d, value) << text;
  };
  expect_double("0.5", 0.5);
  expect_double("-0.5", -0.5);
  expect_double("0.375", 0.375);
  expect_double("1.25e-1", 0.125);
  expect_double("9223372036854775808", 9223372036854775808.0);  // 2^63
}

TEST(NumberTest, ClassifyExactDoubleCases) {
  auto kind = [](const char* text) { return ClassifyNumber(text).kind; };
  EXPECT_EQ(ClassifyNumber("9223372036854775808").d, 9223372036854775808.0);
  EXPECT_EQ(kind("9223372036854775809"), Kind::kText);  // needs 64 bits of mantissa
  EXPECT_EQ(kind("-9223372036854775809"), Kind::kText);
  EXPECT_EQ(kind("1e20"), Kind::kDouble);
  EXPECT_EQ(ClassifyNumber("1e20").d, 1e20);
  EXPECT_EQ(kind("1e22"), Kind::kDouble);              // 5^22 < 2^53
  EXPECT_EQ(kind("1e23"), Kind::kText);                // 5^23 > 2^53
  EXPECT_EQ(kind("9007199254740993e5"), Kind::kText);  // odd significand above 2^53
  EXPECT_EQ(kind("0.1"), Kind::kText);
  EXPECT_EQ(kind("19.99"), Kind::kText);
  EXPECT_EQ(kind("12345678901234567890123456789012345678"), Kind::kText);
  EXPECT_EQ(kind("abc"), Kind::kText);
  // 2^-20 written out in full.
  EXPECT_EQ(ClassifyNumber("0.00000095367431640625").d, std::ldexp(1.0, -20));
  // 2^100 written out in full (31 digits).
  EXPECT_EQ(ClassifyNumber("1267650600228229401496703205376").d, std::ldexp(1.0, 100));
  EXPECT_EQ(kind("1267650600228229401496703205377"), Kind::kText);
  // 2^53 - 1 times 0.5 still has a 53-bit significand.
  EXPECT_EQ(ClassifyNumber("4503599627370495.5").d, 4503599627370495.5);
  EXPECT_EQ(kind("4503599627370496.25"), Kind::kText);  // needs 55 bits
}

TEST(NumberTest, ClassifyShortestRoundTrip) {
  auto classify = [](const char* text) {
    return ClassifyNumber(text, DoubleRule::kShortestRoundTrip);
  };
  EXPECT_EQ(classify("0.1").kind, Kind::kDouble);
  EXPECT_EQ(classify("0.1").d, 0.1);
  EXPECT_EQ(classify("19.99").d, 19.99);
  EXPECT_EQ(classify("-1.5e-3").d, -1.5e-3);
  EXPECT_EQ(classify("0.30000000000000004").d, 0.1 + 0.2);
  EXPECT_EQ(classify("0.10000000000000001").kind, Kind::kText);  // same double as 0.1
  EXPECT_EQ(classify("12345678901234567890123").kind, Kind::kText);
  EXPECT_EQ(classify("1e23").kind, Kind::kDouble);
  EXPECT_EQ(classify("9223372036854775808").kind, Kind::kText);  // shortest is 9.223372036854776e18
  EXPECT_EQ(classify("42").kind, Kind::kInt64);
  EXPECT_EQ(classify("abc").kind, Kind::kText);
  EXPECT_EQ(classify("1e-130").d, 1e-130);
}

}  // namespace
}  // namespace ddb::dynamodb
