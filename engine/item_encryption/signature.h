// The item signature, "*amzn-ddb-map-sig*" (B).
//
// The string to sign is SHA-256("TABLE>" + table name + "<TABLE"), then,
// for each attribute of the item as stored (encrypted attributes as their
// ciphertext) in order of name, skipping the two reserved attributes and
// those whose action is "nothing", three SHA-256 digests:
//
//   SHA-256(name) || SHA-256("ENCRYPTED" or "PLAINTEXT") || SHA-256(serialised value)
//
// (attribute_serialization.h). The signature is HMAC-SHA256 or
// SHA256withRSA of that string. Names sort by their bytes in the Python
// order and by UTF-16 code units in the Java order (attribute_serialization.h).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "engine/dynamodb/attribute_value.h"
#include "engine/item_encryption/attribute_serialization.h"
#include "engine/item_encryption/crypto.h"
#include "engine/item_encryption/materials.h"
#include "engine/status.h"

namespace ddb::item_encryption {

// The digests of the string to sign that repeat from item to item of a
// table: the table's, the two actions' and those of the attribute names
// (the first kMaxNames names seen). Saves most of the SHA-256s per item.
// One cache serves one thread at a time (ItemEncryptor keeps one per
// workspace); it holds no key material.
struct SigningDigestCache {
  static constexpr size_t kMaxNames = 1024;
  std::string table;  // the table the digests are for ("" before first use)
  std::string table_digest;
  std::string encrypted_digest;
  std::string plaintext_digest;
  std::map<std::string, std::string, std::less<>> name_digests;
  std::string scratch;  // a value's serialisation (as stored: ciphertext when encrypted)
};

// *out = the string to sign. InvalidArgument for a value that cannot be
// serialised (a malformed number). `cache` (optional) keeps the repeating
// digests between calls; the result is the same with or without it.
Status StringToSign(std::string_view table, const dynamodb::Item& item, const Actions& actions,
                    Ordering order, CryptoContext* crypto, std::string* out,
                    SigningDigestCache* cache = nullptr);

Status Sign(const SignatureKey& key, std::string_view string_to_sign, CryptoContext* crypto,
            std::string* signature);

// OK when `signature` is right; InvalidArgument "signature does not verify"
// otherwise (compared in constant time for HMAC).
Status Verify(const SignatureKey& key, std::string_view string_to_sign, std::string_view signature,
              CryptoContext* crypto);

}  // namespace ddb::item_encryption
