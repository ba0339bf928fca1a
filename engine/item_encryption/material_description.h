// The material description: the attribute "*amzn-ddb-map-desc*" (B) that
// tells a reader how an item was protected. Its bytes are a 4-byte version
// (0), then name/value pairs, each a 4-byte big-endian length and UTF-8
// bytes. The Python client writes the pairs sorted by name (as Serialize
// does); the Java client in hash-map order, so Parse accepts any order.
//
// The names the client uses are below; a provider may add its own (the
// most-recent provider's "amzn-ddb-meta-id").
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace ddb::item_encryption {

using MaterialDescription = std::map<std::string, std::string>;

inline constexpr char kMaterialDescriptionAttribute[] = "*amzn-ddb-map-desc*";
inline constexpr char kSignatureAttribute[] = "*amzn-ddb-map-sig*";

// "/CBC/PKCS5Padding", appended to the key's algorithm ("AES").
inline constexpr char kDescSymmetricMode[] = "amzn-ddb-map-sym-mode";
// "HmacSHA256" or "SHA256withRSA".
inline constexpr char kDescSigningAlgorithm[] = "amzn-ddb-map-signingAlg";
// The data key, wrapped (base64).
inline constexpr char kDescWrappedKey[] = "amzn-ddb-env-key";
// The data key's algorithm: "AES" or "AES/256".
inline constexpr char kDescContentAlgorithm[] = "amzn-ddb-env-alg";
// "AESWrap", "RSA/ECB/OAEPWithSHA-256AndMGF1Padding" or "kms".
inline constexpr char kDescWrappingAlgorithm[] = "amzn-ddb-wrap-alg";
// The aws-kms provider's signing key: "HmacSHA256/256".
inline constexpr char kDescItemSignatureAlgorithm[] = "amzn-ddb-sig-alg";
// The aws-kms provider: "*keys*" (the key attributes are in the context).
inline constexpr char kDescKmsCoveredAttributes[] = "aws-kms-ec-attr";
// The most-recent provider: "MATERIAL_NAME#VERSION".
inline constexpr char kDescMetaId[] = "amzn-ddb-meta-id";

inline constexpr char kCbcPkcs5Mode[] = "/CBC/PKCS5Padding";

// Decodes a base64 value of a description (amzn-ddb-env-key). Older Java
// clients wrote MIME base64, lines broken by "\r\n": whitespace is skipped.
Status DecodeDescriptionBase64(std::string_view text, std::string* out);

std::string SerializeMaterialDescription(const MaterialDescription& description);
// Corruption naming what is wrong: a version other than 0, a truncated
// pair, a name given twice.
Status ParseMaterialDescription(std::string_view bytes, MaterialDescription* out);

}  // namespace ddb::item_encryption
