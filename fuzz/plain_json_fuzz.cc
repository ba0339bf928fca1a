// Fuzz target: the plain JSON reader (FromPlainJson, the `item` column and
// JSON written by users) and Python's json.dumps form (PythonJsonDumps,
// python_formats.h). What FromPlainJson accepts must come back equal from
// ToPlainJson; what PythonJsonDumps writes must be JSON it accepts again,
// unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/dynamodb/attribute_value.h"
#include "engine/python_formats.h"

namespace {

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "plain_json_fuzz: invariant broken: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ddb::dynamodb::AttributeValue value;
  if (ddb::dynamodb::FromPlainJson(text, &value).ok()) {
    std::string plain = ddb::dynamodb::ToPlainJson(value);
    ddb::dynamodb::AttributeValue again;
    ddb::Status s = ddb::dynamodb::FromPlainJson(plain, &again);
    Check(s.ok(), "ToPlainJson wrote JSON that FromPlainJson rejects");
    Check(again == value, "plain JSON does not round-trip");
    Check(ddb::dynamodb::ToPlainJson(again) == plain, "ToPlainJson is not stable");
  }
  std::string dumped;
  if (ddb::PythonJsonDumps(text, &dumped).ok()) {
    std::string twice;
    ddb::Status s = ddb::PythonJsonDumps(dumped, &twice);
    Check(s.ok(), "PythonJsonDumps wrote JSON it rejects");
    Check(twice == dumped, "PythonJsonDumps is not idempotent");
  }
  bool is_integer = false;
  (void)ddb::IsJsonNumber(text, &is_integer);
  (void)ddb::IsValidUtf8(text);
  return 0;
}
