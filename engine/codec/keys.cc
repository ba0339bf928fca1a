#include "engine/codec/keys.h"

namespace ddb::codec {

Status KeyRef::Parse(std::string_view text, KeyRef* out) {
  return Status::NotSupported("key references: not implemented yet");
}
std::string KeyRef::ToString() const { return Spec(); }
std::string KeyRef::Spec() const { return target_; }

KeyStore::~KeyStore() = default;
Status KeyStore::Resolve(const KeyRef& ref, std::string* secret) {
  return Status::NotSupported("key references: not implemented yet");
}
void KeyStore::Set(const KeyRef& ref, std::string secret) {
  std::lock_guard<std::mutex> lock(mu_);
  secrets_[ref.Spec()] = std::move(secret);
}
void Wipe(std::string* s) { s->clear(); }
Status ReadKeyRef(const KeyRef& ref, std::string* secret) {
  return Status::NotSupported("key references: not implemented yet");
}

}  // namespace ddb::codec
