// Fuzz target: catalog documents and column declarations
// (engine/codec/catalog.h) and key references (engine/codec/keys.h).
// Parsing reads no key and runs no command, so any input is safe here; a
// declaration that parses must also describe itself and check key columns.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/codec/catalog.h"
#include "engine/codec/keys.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ddb::codec::Catalog catalog;
  if (catalog.Parse(text, "fuzz.json").ok()) {
    for (const auto& [name, table] : catalog.tables()) {
      for (const auto& [column, decl] : table.columns) {
        (void)decl->declaration();
        (void)decl->chain().Describe();
        (void)decl->chain().KeyReferences();
        (void)decl->deterministic();
        (void)catalog.CheckKeyColumns(name, {column});
      }
    }
  }
  std::shared_ptr<const ddb::codec::Column> column;
  (void)catalog.ParseColumn("t", "c", text, ".codec", &column);
  ddb::codec::KeyRef ref;
  if (ddb::codec::KeyRef::Parse(text, &ref).ok()) {
    (void)ref.ToString();
    (void)ref.Spec();
  }
  return 0;
}
