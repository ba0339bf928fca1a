// Fuzz target: the Ion text of ION exports (engine/export/ion.h). Checks
// that a line either fails leaving the output as it was, or becomes JSON
// text whose members split cleanly (dynamodb::SplitJsonObject), and that
// an item line's item is then decoded or refused by the wire decoder
// without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "engine/dynamodb/attribute_value.h"
#include "engine/export/ion.h"

namespace {

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "ion_fuzz: invariant broken: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  std::string out = "prefix";
  ddb::Status s = ddb::table_export::IonLineToJson(line, &out);
  if (!s.ok()) {
    Check(out == "prefix", "a failed line changed the output");
    return 0;
  }
  Check(out.rfind("prefix", 0) == 0, "the output lost what it held");
  std::string_view json = std::string_view(out).substr(6);
  std::vector<ddb::dynamodb::JsonMember> members;
  Check(ddb::dynamodb::SplitJsonObject(json, &members).ok(), "the JSON of a line does not parse");
  for (const auto& m : members) {
    ddb::dynamodb::Item item;
    (void)ddb::dynamodb::ItemFromWireJsonText(m.value, &item);  // may refuse; must not crash
  }
  return 0;
}
