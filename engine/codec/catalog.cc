#include "engine/codec/catalog.h"

namespace ddb::codec {

Catalog::Catalog(std::shared_ptr<KeyStore> keys) : keys_(std::move(keys)) {}
Status Catalog::Parse(std::string_view, std::string_view) {
  return Status::NotSupported("catalog: not implemented yet");
}
Status Catalog::LoadFile(const std::string&) {
  return Status::NotSupported("catalog: not implemented yet");
}
Status Catalog::Declare(std::string_view, std::string_view, std::string_view, std::string_view) {
  return Status::NotSupported("catalog: not implemented yet");
}
Status Catalog::ParseColumn(std::string_view, std::string_view, std::string_view, std::string_view,
                            std::shared_ptr<const Column>*) const {
  return Status::NotSupported("catalog: not implemented yet");
}
const TableDecl* Catalog::Find(std::string_view table) const {
  auto it = tables_.find(table);
  return it == tables_.end() ? nullptr : &it->second;
}
Status Catalog::CheckKeyColumns(std::string_view, const std::vector<std::string>&) const {
  return Status::OK();
}
void FindCatalogPath(const std::string& flag, std::string* path, bool* explicit_choice) {
  *path = flag;
  *explicit_choice = !flag.empty();
}

}  // namespace ddb::codec
