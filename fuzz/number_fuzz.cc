// Fuzz target: DynamoDB's decimal numbers (engine/dynamodb/number.h). Checks
// that validation and canonicalisation agree, that the canonical form is a
// fixed point equal in value to the input, that the comparison is a total
// order (reflexive, antisymmetric) also on malformed text, and that
// classification and JSON rewriting keep the value. The input is split at
// its first NUL byte into two numbers to compare.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/dynamodb/number.h"

namespace {

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "number_fuzz: invariant broken: %s\n", what);
  std::abort();
}

int Sign(int c) { return (c > 0) - (c < 0); }

void CheckOne(std::string_view a) {
  using namespace ddb::dynamodb;
  bool valid = ValidateNumber(a).ok();
  std::string canonical;
  bool canonical_ok = CanonicalNumber(a, &canonical).ok();
  Check(valid == canonical_ok, "ValidateNumber and CanonicalNumber disagree");
  Check(CompareNumbers(a, a) == 0, "a number differs from itself");
  if (canonical_ok) {
    Check(ValidateNumber(canonical).ok(), "the canonical form is not valid");
    std::string again;
    Check(CanonicalNumber(canonical, &again).ok() && again == canonical,
          "the canonical form is not canonical");
    Check(CompareNumbers(a, canonical) == 0, "the canonical form has another value");
  }
  std::string json;
  if (AppendJsonNumber(a, &json)) {
    // Text with an exponent out of range compares by its bytes (see
    // CompareNumbers): only numbers DynamoDB accepts compare by value.
    Check(!valid || CompareNumbers(a, json) == 0, "AppendJsonNumber changed the value");
    std::string json_again;
    Check(AppendJsonNumber(json, &json_again) && json_again == json,
          "AppendJsonNumber's output is not kept verbatim");
  }
  for (DoubleRule rule : {DoubleRule::kExact, DoubleRule::kShortestRoundTrip}) {
    NumberClass c = ClassifyNumber(a, rule);
    if (c.kind == NumberClass::Kind::kInt64) {
      Check(CompareNumbers(a, std::to_string(c.i)) == 0, "kInt64 holds another value");
    } else if (c.kind == NumberClass::Kind::kDouble && rule == DoubleRule::kShortestRoundTrip) {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof(buf), c.d, std::chars_format::scientific);
      Check(CompareNumbers(a, std::string_view(buf, r.ptr - buf)) == 0,
            "kDouble does not print back to the value");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t nul = text.find('\0');
  std::string_view a = text.substr(0, nul);
  std::string_view b = nul == std::string_view::npos ? std::string_view() : text.substr(nul + 1);
  CheckOne(a);
  CheckOne(b);
  Check(Sign(ddb::dynamodb::CompareNumbers(a, b)) == -Sign(ddb::dynamodb::CompareNumbers(b, a)),
        "CompareNumbers is not antisymmetric");
  return 0;
}
