// Byte encodings shared by every layer: base64, hex, CRC32, SHA-256, HMAC.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace ddb {

std::string Base64Encode(std::string_view bytes);
// Strict standard base64 with padding; InvalidArgument on anything else.
Status Base64Decode(std::string_view text, std::string* bytes);

std::string HexEncode(std::string_view bytes);  // lower case

uint32_t Crc32(std::string_view bytes, uint32_t seed = 0);

std::string Sha256(std::string_view data);                            // 32 raw bytes
std::string HmacSha256(std::string_view key, std::string_view data);  // 32 raw bytes
std::string Sha1(std::string_view data);  // 20 raw bytes (the AWS CLI's cache file names)
std::string Md5(std::string_view data);   // 16 raw bytes

}  // namespace ddb
