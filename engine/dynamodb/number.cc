#include "engine/dynamodb/number.h"

#include <charconv>
#include <climits>
#include <cmath>
#include <system_error>

namespace ddb::dynamodb {

namespace {

__extension__ typedef unsigned __int128 Uint128;

// A parsed decimal. Its significant digits are the concatenation
// int_digits + frac_digits restricted to [first, last): no leading or
// trailing zeros, empty for zero. Its value is 0.d_first...d_last x 10^point.
struct Decimal {
  bool negative = false;
  std::string_view int_digits;
  std::string_view frac_digits;
  size_t first = 0;
  size_t last = 0;
  int64_t point = 0;
  int64_t exponent = 0;    // as written after 'e'
  bool has_point = false;  // a '.' was written

  bool zero() const { return first == last; }
  size_t digit_count() const { return last - first; }
  // The i-th significant digit (0-based), as a char.
  char digit(size_t i) const {
    size_t k = first + i;
    return k < int_digits.size() ? int_digits[k] : frac_digits[k - int_digits.size()];
  }
};

enum class ParseResult { kOk, kSyntax, kExponentRange };

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Parses the syntax described in number.h. Exponents beyond 32 bits are
// rejected like DynamoDB does (it keeps a 32-bit decimal scale).
ParseResult ParseDecimal(std::string_view s, Decimal* d) {
  size_t i = 0, n = s.size();
  if (i < n && (s[i] == '+' || s[i] == '-')) {
    d->negative = s[i] == '-';
    ++i;
  }
  size_t start = i;
  while (i < n && IsDigit(s[i])) ++i;
  d->int_digits = s.substr(start, i - start);
  if (i < n && s[i] == '.') {
    d->has_point = true;
    start = ++i;
    while (i < n && IsDigit(s[i])) ++i;
    d->frac_digits = s.substr(start, i - start);
  }
  if (d->int_digits.empty() && d->frac_digits.empty()) return ParseResult::kSyntax;
  int64_t exponent = 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
      exp_negative = s[i] == '-';
      ++i;
    }
    if (i == n) return ParseResult::kSyntax;
    bool range = false;
    for (; i < n && IsDigit(s[i]); ++i) {
      exponent = exponent * 10 + (s[i] - '0');
      if (exponent > INT32_MAX) {
        range = true;
        exponent = INT32_MAX;  // keep scanning for syntax errors
      }
    }
    if (i != n) return ParseResult::kSyntax;
    if (range) return ParseResult::kExponentRange;
    if (exp_negative) exponent = -exponent;
  }
  if (i != n) return ParseResult::kSyntax;
  d->exponent = exponent;
  // The scale (fraction digits minus exponent) must fit 32 bits too.
  if (static_cast<int64_t>(d->frac_digits.size()) - exponent > INT32_MAX) {
    return ParseResult::kExponentRange;
  }

  size_t total = d->int_digits.size() + d->frac_digits.size();
  auto at = [d](size_t k) {
    return k < d->int_digits.size() ? d->int_digits[k] : d->frac_digits[k - d->int_digits.size()];
  };
  size_t first = 0;
  while (first < total && at(first) == '0') ++first;
  size_t last = total;
  while (last > first && at(last - 1) == '0') --last;
  d->first = first;
  d->last = last;
  d->point = static_cast<int64_t>(d->int_digits.size()) - static_cast<int64_t>(first) + exponent;
  return ParseResult::kOk;
}

// Quotes a value for an error message; long values are cut short.
std::string Quote(std::string_view s) {
  constexpr size_t kMax = 60;
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > kMax) out += "...";
  out += '"';
  return out;
}

Status Invalid(std::string_view text, std::string_view why) {
  return Status::InvalidArgument("invalid number " + Quote(text) + ": " + std::string(why));
}

Status CheckLimits(std::string_view text, const Decimal& d) {
  if (d.zero()) return Status::OK();
  if (d.digit_count() > static_cast<size_t>(kMaxNumberDigits)) {
    return Invalid(
        text, std::to_string(d.digit_count()) + " significant digits; DynamoDB allows at most 38");
  }
  int64_t adjusted = d.point - 1;  // exponent of the leading digit
  if (adjusted > kMaxNumberExponent) {
    return Invalid(
        text, "magnitude above DynamoDB's maximum 9.9999999999999999999999999999999999999E+125");
  }
  if (adjusted < kMinNumberExponent) {
    return Invalid(text, "magnitude below DynamoDB's minimum 1E-130");
  }
  return Status::OK();
}

Status ParseAndValidate(std::string_view text, Decimal* d) {
  switch (ParseDecimal(text, d)) {
    case ParseResult::kOk:
      return CheckLimits(text, *d);
    case ParseResult::kSyntax:
      return Invalid(text,
                     "not a decimal number (expected digits with an optional sign, decimal point "
                     "and exponent, e.g. -12.5E3)");
    case ParseResult::kExponentRange:
      break;
  }
  return Invalid(text, "exponent out of range");
}

int CompareParsed(const Decimal& a, const Decimal& b) {
  int sa = a.zero() ? 0 : (a.negative ? -1 : 1);
  int sb = b.zero() ? 0 : (b.negative ? -1 : 1);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  int magnitude = 0;  // of |a| against |b|
  if (a.point != b.point) {
    magnitude = a.point < b.point ? -1 : 1;
  } else {
    size_t na = a.digit_count(), nb = b.digit_count();
    size_t common = na < nb ? na : nb;
    for (size_t i = 0; i < common && magnitude == 0; ++i) {
      char ca = a.digit(i), cb = b.digit(i);
      if (ca != cb) magnitude = ca < cb ? -1 : 1;
    }
    // Significant digits end in a non-zero digit, so a proper prefix is smaller.
    if (magnitude == 0 && na != nb) magnitude = na < nb ? -1 : 1;
  }
  return sa * magnitude;
}

bool IsJsonNumber(std::string_view s) {
  size_t i = 0, n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i == n) return false;
  if (s[i] == '0') {
    ++i;
  } else if (IsDigit(s[i])) {
    while (i < n && IsDigit(s[i])) ++i;
  } else {
    return false;
  }
  if (i < n && s[i] == '.') {
    ++i;
    size_t start = i;
    while (i < n && IsDigit(s[i])) ++i;
    if (i == start) return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    size_t start = i;
    while (i < n && IsDigit(s[i])) ++i;
    if (i == start) return false;
  }
  return i == n;
}

// The significant digits as an integer; requires digit_count() <= 38.
Uint128 Significand(const Decimal& d) {
  Uint128 v = 0;
  for (size_t i = 0; i < d.digit_count(); ++i) v = v * 10 + static_cast<unsigned>(d.digit(i) - '0');
  return v;
}

int CountTrailingZeros(Uint128 v) {
  uint64_t lo = static_cast<uint64_t>(v);
  if (lo != 0) return __builtin_ctzll(lo);
  return 64 + __builtin_ctzll(static_cast<uint64_t>(v >> 64));
}

int BitLength(uint64_t v) { return v == 0 ? 0 : 64 - __builtin_clzll(v); }

// Sets *out to the double whose value is exactly d's, if there is one.
bool ExactDouble(const Decimal& d, double* out) {
  if (d.digit_count() > static_cast<size_t>(kMaxNumberDigits)) return false;
  constexpr uint64_t kLimit = uint64_t{1} << 53;
  Uint128 significand = Significand(d);
  // value = significand x 10^e10 = significand x 5^e10 x 2^e10
  int64_t e10 = d.point - static_cast<int64_t>(d.digit_count());
  int64_t e2 = e10;
  if (e10 < 0) {
    // Dyadic only if 5^-e10 divides the significand.
    for (int64_t k = -e10; k > 0; --k) {
      if (significand % 5 != 0) return false;
      significand /= 5;
    }
  }
  int shift = CountTrailingZeros(significand);
  significand >>= shift;
  e2 += shift;
  if (significand >= kLimit) return false;
  uint64_t odd = static_cast<uint64_t>(significand);
  for (int64_t k = 0; k < e10; ++k) {
    if (odd > kLimit / 5) return false;
    odd *= 5;
  }
  if (odd >= kLimit) return false;
  // Representable: not below the least subnormal's exponent, not above the maximum.
  if (e2 < -1074 || BitLength(odd) + e2 > 1024) return false;
  double v = std::ldexp(static_cast<double>(odd), static_cast<int>(e2));
  *out = d.negative ? -v : v;
  return true;
}

// Sets *out to the nearest double if its shortest representation is
// numerically the decimal itself.
bool ShortestRoundTripDouble(const Decimal& d, double* out) {
  // std::from_chars accepts neither '+' nor an empty exponent; feed it digits
  // and an exponent.
  std::string text;
  text.reserve(d.digit_count() + 24);
  if (d.negative) text += '-';
  for (size_t i = 0; i < d.digit_count(); ++i) text += d.digit(i);
  text += 'e';
  text += std::to_string(d.point - static_cast<int64_t>(d.digit_count()));
  double v = 0;
  auto parsed = std::from_chars(text.data(), text.data() + text.size(), v);
  if (parsed.ec != std::errc() || !std::isfinite(v)) return false;
  char shortest[64];
  // Scientific, so that the digits are the shortest round-trip digits even
  // where a fixed rendering (exact for large integers) would be as short.
  auto printed =
      std::to_chars(shortest, shortest + sizeof(shortest), v, std::chars_format::scientific);
  if (printed.ec != std::errc()) return false;
  Decimal back;
  if (ParseDecimal(std::string_view(shortest, static_cast<size_t>(printed.ptr - shortest)),
                   &back) != ParseResult::kOk ||
      CompareParsed(d, back) != 0) {
    return false;
  }
  *out = v;
  return true;
}

}  // namespace

Status ValidateNumber(std::string_view decimal) {
  Decimal d;
  return ParseAndValidate(decimal, &d);
}

Status CanonicalNumber(std::string_view decimal, std::string* out) {
  Decimal d;
  Status s = ParseAndValidate(decimal, &d);
  if (!s.ok()) return s;
  out->clear();
  if (d.zero()) {
    out->push_back('0');
    return Status::OK();
  }
  size_t n = d.digit_count();
  if (d.negative) out->push_back('-');
  if (d.point <= 0) {
    out->append("0.");
    out->append(static_cast<size_t>(-d.point), '0');
    for (size_t i = 0; i < n; ++i) out->push_back(d.digit(i));
  } else if (static_cast<size_t>(d.point) >= n) {
    for (size_t i = 0; i < n; ++i) out->push_back(d.digit(i));
    out->append(static_cast<size_t>(d.point) - n, '0');
  } else {
    size_t whole = static_cast<size_t>(d.point);
    for (size_t i = 0; i < whole; ++i) out->push_back(d.digit(i));
    out->push_back('.');
    for (size_t i = whole; i < n; ++i) out->push_back(d.digit(i));
  }
  return Status::OK();
}

int CompareNumbers(std::string_view a, std::string_view b) {
  Decimal da, db;
  bool ok_a = ParseDecimal(a, &da) == ParseResult::kOk;
  bool ok_b = ParseDecimal(b, &db) == ParseResult::kOk;
  if (ok_a && ok_b) return CompareParsed(da, db);
  if (ok_a != ok_b) return ok_a ? 1 : -1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool AppendJsonNumber(std::string_view decimal, std::string* out) {
  if (IsJsonNumber(decimal)) {
    out->append(decimal);
    return true;
  }
  Decimal d;
  if (ParseDecimal(decimal, &d) == ParseResult::kSyntax) return false;
  // An out-of-range exponent is still well-formed text: keep it as written.
  if (d.negative) out->push_back('-');
  std::string_view whole = d.int_digits;
  while (whole.size() > 1 && whole[0] == '0') whole.remove_prefix(1);
  if (whole.empty()) whole = "0";
  out->append(whole);
  if (!d.frac_digits.empty()) {
    out->push_back('.');
    out->append(d.frac_digits);
  }
  size_t e = decimal.find_first_of("eE");
  if (e != std::string_view::npos) {
    std::string_view exponent = decimal.substr(e);
    out->append(exponent);
  }
  return true;
}

NumberClass ClassifyNumber(std::string_view decimal, DoubleRule rule) {
  NumberClass c;
  Decimal d;
  if (ParseDecimal(decimal, &d) != ParseResult::kOk) return c;
  if (d.zero()) {
    c.kind = NumberClass::Kind::kInt64;
    return c;
  }
  size_t n = d.digit_count();
  // An integer iff every significant digit lies before the decimal point.
  if (d.point >= static_cast<int64_t>(n) && d.point <= 19) {
    Uint128 magnitude = Significand(d);
    for (int64_t k = static_cast<int64_t>(n); k < d.point; ++k) magnitude *= 10;
    constexpr Uint128 kMaxPositive = static_cast<Uint128>(INT64_MAX);
    if (magnitude <= kMaxPositive || (d.negative && magnitude == kMaxPositive + 1)) {
      c.kind = NumberClass::Kind::kInt64;
      // Negate in unsigned arithmetic so that INT64_MIN needs no special case.
      uint64_t m = static_cast<uint64_t>(magnitude);
      c.i = static_cast<int64_t>(d.negative ? ~m + 1 : m);
      return c;
    }
  }
  bool ok = rule == DoubleRule::kExact ? ExactDouble(d, &c.d) : ShortestRoundTripDouble(d, &c.d);
  if (ok) c.kind = NumberClass::Kind::kDouble;
  return c;
}

}  // namespace ddb::dynamodb
