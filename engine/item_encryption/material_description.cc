#include "engine/item_encryption/material_description.h"

#include <cstdint>

#include "engine/encoding.h"

namespace ddb::item_encryption {
namespace {

void PutField(std::string_view bytes, std::string* out) {
  uint32_t n = static_cast<uint32_t>(bytes.size());
  char b[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
               static_cast<char>(n)};
  out->append(b, 4);
  out->append(bytes);
}

bool GetField(std::string_view in, size_t* pos, std::string_view* field) {
  if (in.size() - *pos < 4) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data() + *pos);
  size_t n = (size_t{p[0]} << 24) | (size_t{p[1]} << 16) | (size_t{p[2]} << 8) | p[3];
  *pos += 4;
  if (in.size() - *pos < n) return false;
  *field = in.substr(*pos, n);
  *pos += n;
  return true;
}

}  // namespace

Status DecodeDescriptionBase64(std::string_view text, std::string* out) {
  std::string compact;
  compact.reserve(text.size());
  for (char c : text) {
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t') compact.push_back(c);
  }
  if (!Base64Decode(compact, out).ok()) {
    return Status::Corruption("material description: a value is not base64");
  }
  return Status::OK();
}

std::string SerializeMaterialDescription(const MaterialDescription& description) {
  std::string out(4, '\0');                        // version 0
  for (const auto& [name, value] : description) {  // std::map: sorted by name's bytes
    PutField(name, &out);
    PutField(value, &out);
  }
  return out;
}

Status ParseMaterialDescription(std::string_view bytes, MaterialDescription* out) {
  out->clear();
  if (bytes.size() < 4) return Status::Corruption("material description: truncated version");
  if (bytes.substr(0, 4) != std::string_view("\0\0\0\0", 4)) {
    return Status::Corruption("material description: unsupported version (only 0 is known)");
  }
  size_t pos = 4;
  while (pos < bytes.size()) {
    std::string_view name, value;
    if (!GetField(bytes, &pos, &name) || !GetField(bytes, &pos, &value)) {
      return Status::Corruption("material description: truncated name/value pair");
    }
    if (!out->emplace(name, value).second) {
      return Status::Corruption("material description: \"" + std::string(name) + "\" given twice");
    }
  }
  return Status::OK();
}

}  // namespace ddb::item_encryption
