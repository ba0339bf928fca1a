// The `item_encryption` member of a catalog table declaration for items of
// the AWS Database Encryption SDK (scheme "aws-database-encryption-sdk";
// engine/item_encryption/declaration.h dispatches here on the scheme):
//
//   {"scheme": "aws-database-encryption-sdk",
//    "keyring": KEYRING,
//    "actions": {"NAME": "ENCRYPT_AND_SIGN" | "SIGN_ONLY" |
//                        "SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT" | "DO_NOTHING", ...},
//    "allowed_unsigned_attributes": ["NAME", ...],
//    "allowed_unsigned_attribute_prefix": "PREFIX"}
//
// `actions` is the SDK's attributeActionsOnEncrypt (its names), the other
// two its allowedUnsignedAttributes and allowedUnsignedAttributePrefix; all
// three may be left out. KEYRING is one of
//
//   {"type": "hierarchical", "branch_key_id": "ID",
//    "static_branch_key": {"version": "UUID", "key": KEY}}
//   {"type": "hierarchical", "branch_key_id": "ID",
//    "key_store": {"table": "NAME", "kms_key_arn": "arn:aws:kms:..."}}
//   {"type": "raw-aes", "key_namespace": "NS", "key_name": "NAME", "key": KEY}
//   {"type": "aws-kms", "key_id": "arn:aws:kms:..."}
//
// with KEY a key parameter (engine/item_encryption/key_reference.h). The
// SDK's own consistency rules hold: a DO_NOTHING attribute must be allowed
// unsigned (listed or prefixed) and an attribute allowed unsigned must be
// DO_NOTHING if it has an action; no name may start with "aws_dbe_".
// Errors carry the field below item_encryption as their context
// ("item_encryption.keyring.static_branch_key.version"); parsing reads no
// key.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "engine/item_encryption/key_reference.h"
#include "engine/status.h"

namespace ddb::dbe {

inline constexpr char kSchemeDatabaseEncryptionSdk[] = "aws-database-encryption-sdk";

enum class CryptoAction { kEncryptAndSign, kSignOnly, kSignAndIncludeInContext, kDoNothing };

// The SDK's name of `a` ("ENCRYPT_AND_SIGN", ...).
const char* CryptoActionName(CryptoAction a);

struct KeyringDecl {
  enum class Type { kHierarchical, kRawAes, kAwsKms };
  Type type = Type::kHierarchical;
  // hierarchical
  std::string branch_key_id;
  std::string static_version;                           // static_branch_key
  std::optional<item_encryption::KeyParam> static_key;  // static_branch_key
  std::string key_store_table;                          // key_store
  std::string key_store_kms_key_arn;                    // key_store
  // raw-aes
  std::string key_namespace;
  std::string key_name;
  std::optional<item_encryption::KeyParam> key;
  // aws-kms
  std::string key_id;
};

struct DbeDecl {
  KeyringDecl keyring;
  std::map<std::string, CryptoAction> actions;
  std::set<std::string> allowed_unsigned;
  std::optional<std::string> allowed_unsigned_prefix;

  // True when attribute `name` is outside the signature scope.
  bool Unsigned(const std::string& name) const;
};

// Parses `value`, the whole `item_encryption` object (its "scheme" being
// kSchemeDatabaseEncryptionSdk). InvalidArgument with the field as context.
Status ParseDbeDecl(const nlohmann::json& value, DbeDecl* out);

}  // namespace ddb::dbe
