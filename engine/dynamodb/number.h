// DynamoDB numbers as exact decimal text.
//
// DynamoDB numbers are decimals with at most 38 significant digits and a
// magnitude of zero or between 1E-130 and 9.9999999999999999999999999999999999999E+125.
// They travel as text ("N": "1.50") and are never rounded here: parsing,
// comparing and canonicalizing all work on the digits themselves.
//
// Accepted syntax (what DynamoDB accepts; checked against DynamoDB Local):
//   [+-] digits [. [digits]] [(e|E) [+-] digits]    or    [+-] . digits [exponent]
// ASCII digits only; no spaces, no "Infinity"/"NaN", no hex. Leading zeros of
// the integer part and of the exponent are allowed ("0012", "1e007").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace ddb::dynamodb {

// At most this many significant digits (leading and trailing zeros don't count).
inline constexpr int kMaxNumberDigits = 38;
// Decimal exponent range of the leading digit (d.ddd x 10^e) of non-zero numbers.
inline constexpr int kMinNumberExponent = -130;
inline constexpr int kMaxNumberExponent = 125;

// OK if DynamoDB would accept `decimal` as a number, else InvalidArgument
// naming the value and the rule it breaks (syntax, precision, range).
Status ValidateNumber(std::string_view decimal);

// The text DynamoDB returns for a stored number: plain notation without
// exponent, no leading zeros, no trailing fractional zeros, no '+', and "0"
// for every zero ("1.50" -> "1.5", "1E2" -> "100", "-0" -> "0",
// "1E-3" -> "0.001"). Fails like ValidateNumber on numbers DynamoDB rejects.
Status CanonicalNumber(std::string_view decimal, std::string* out);

// Exact numeric comparison of two decimal texts: <0, 0 or >0. "1.0", "1" and
// "1E0" compare equal. Defines a total order even on malformed input (text
// that is not a number in the syntax above, or whose exponent is out of
// range): malformed texts sort before every number and among themselves by
// their bytes. Precision and range limits are not applied, so longer numbers
// still compare exactly.
int CompareNumbers(std::string_view a, std::string_view b);

// Appends `decimal` to `out` as a valid JSON number without losing digits:
// verbatim when it already is one (DynamoDB's canonical form always is), else
// rewritten: '+' dropped, leading zeros dropped, ".5" -> "0.5", "5." -> "5",
// "5.e3" -> "5e3". Returns false and appends nothing when `decimal` is not a
// number at all.
bool AppendJsonNumber(std::string_view decimal, std::string* out);

// How the SQL layer may hold a number without changing its value.
struct NumberClass {
  enum class Kind : uint8_t {
    kInt64,   // an integer in int64 range: `i` holds it
    kDouble,  // not such an integer, but `d` stands for it (see DoubleRule)
    kText,    // neither: keep the decimal text
  };
  Kind kind = Kind::kText;
  int64_t i = 0;
  double d = 0;
};

enum class DoubleRule : uint8_t {
  // The double's exact binary value equals the decimal's exact value:
  // "0.5", "1e20", "9223372036854775808" (2^63) qualify; "0.1" does not
  // (0.1 has no finite binary expansion). Nothing is ever approximated.
  kExact,
  // The nearest double's shortest round-trip digits (std::to_chars with
  // chars_format::scientific) equal the decimal numerically: "0.1" and
  // "19.99" qualify; "0.10000000000000001" (the same double as 0.1) and
  // "9223372036854775808" (2^63, shortest 9.223372036854776e18) do not.
  // Printing the double back that way restores the decimal's value.
  kShortestRoundTrip,
};

// Classifies `decimal`: kInt64 first, then kDouble per `rule`, else kText.
// Zero in any spelling ("-0", "0.00") is kInt64 0. Malformed text, and under
// kExact numbers with more than 38 significant digits, are kText.
NumberClass ClassifyNumber(std::string_view decimal, DoubleRule rule = DoubleRule::kExact);

}  // namespace ddb::dynamodb
