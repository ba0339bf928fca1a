// The `item_encryption` member of a catalog table declaration:
//
//   {"scheme": "aws-dynamodb-encryption-client",
//    "materials": PROVIDER,
//    "actions": {"default": "encrypt" | "sign" | "nothing",
//                "attributes": {"NAME": "encrypt" | "sign" | "nothing", ...}}}
//
// PROVIDER is one of
//
//   {"provider": "static", "encryption_key": KEY, "signing_key": KEY}
//   {"provider": "wrapped", "wrapping_key": KEY, "unwrapping_key": KEY,
//    "signing_key": KEY, "verification_key": KEY}
//       (each optional: reading needs unwrapping_key and verification_key
//        or signing_key; writing wrapping_key and signing_key)
//   {"provider": "aws-kms", "key_id": "arn:aws:kms:...:key/..." | "alias/..."}
//   {"provider": "most-recent", "metastore_table": "T", "material_name": "M",
//    "materials": PROVIDER (not most-recent), "ttl_seconds": 300}
//
// and KEY a key parameter (key_reference.h). "actions" may be left out
// (default "encrypt" for all), as may its members; "ttl_seconds" defaults
// to 300. Every other member, a wrong type or an unknown name is an error
// "ORIGIN: table T, item_encryption.materials.signing_key: ...". Parsing
// reads no key.
//
// The scheme "aws-database-encryption-sdk" (the AWS Database Encryption SDK)
// has members of its own, parsed by engine/dbe/declaration.h into `dbe`.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "engine/dbe/declaration.h"
#include "engine/item_encryption/key_reference.h"
#include "engine/item_encryption/materials.h"
#include "engine/status.h"

namespace ddb::item_encryption {

inline constexpr char kSchemeDynamoDbEncryptionClient[] = "aws-dynamodb-encryption-client";
inline constexpr double kDefaultTtlSeconds = 300;

struct ProviderDecl {
  enum class Kind { kStatic, kWrapped, kAwsKms, kMostRecent };
  Kind kind = Kind::kStatic;
  // static: encryption_key, signing_key. wrapped: all four, each optional.
  std::optional<KeyParam> encryption_key;
  std::optional<KeyParam> signing_key;
  std::optional<KeyParam> wrapping_key;
  std::optional<KeyParam> unwrapping_key;
  std::optional<KeyParam> verification_key;
  // aws-kms
  std::string key_id;
  // most-recent
  std::string metastore_table;
  std::string material_name;
  double ttl_seconds = kDefaultTtlSeconds;
  std::shared_ptr<const ProviderDecl> materials;
};

struct ItemEncryptionDecl {
  std::string scheme;
  ProviderDecl materials;
  Actions actions;
  // The AWS Database Encryption SDK's declaration (then `materials` and
  // `actions` are unused); null for the DynamoDB Encryption Client.
  std::shared_ptr<const dbe::DbeDecl> dbe;
};

// Parses `value`, the JSON of `item_encryption` in table `table` of the
// catalog `origin`.
Status ParseItemEncryption(const nlohmann::json& value, std::string_view origin,
                           std::string_view table, ItemEncryptionDecl* out);

}  // namespace ddb::item_encryption
