// DbeItemDecryptor: one table's items as the AWS Database Encryption SDK for
// DynamoDB stores them, verified and decrypted into their plain form (the
// SDK's specification: dynamodb-encryption-client/decrypt-item.md,
// structured-encryption/decrypt-path-structure.md and what they cite):
//
//   stored:  {"RecNum": {"N": "1"}, "Stuff": {"B": 00 01 || ct || tag},
//             "aws_dbe_head": {"B": ...}, "aws_dbe_foot": {"B": ...}}
//   plain:   {"RecNum": {"N": "1"}, "Stuff": {"S": "StuffData"}}
//
// For every item: parse the header (format version 1 or 2, flavor 0 or 1),
// rebuild the encryption context (table, key names, v1 the key values, v2
// the SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT attributes), unwrap the data
// key through the keyring (intermediate key wrapping), check the header's
// key commitment (HMAC-SHA512), the footer's HMAC-SHA384 tag over the
// canonical record of the header and every signed attribute and, for
// flavor 1, its ECDSA P-384 signature; then decrypt each attribute the
// header's legend marks 'e' (AES-256-GCM under a key and nonce derived per
// field). The legend, not the declaration's actions, decides what is
// encrypted; the declaration's allowed-unsigned names decide what is signed.
//
// The keys derived from a header (data key, signing and field root keys,
// commitment checked) are kept per distinct header and context (bounded,
// least recently used out), so an item read again costs only its footer
// and its fields; branch keys are kept per version by the keyring.
//
// Errors name the table and the item's key ("table T, item {"RecNum":1}:
// ..."), never key material. Writing is refused (WriteRefusal).
#pragma once

#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/dbe/crypto.h"
#include "engine/dbe/declaration.h"
#include "engine/dbe/format.h"
#include "engine/dbe/keyring.h"
#include "engine/dynamodb/client.h"
#include "engine/item_encryption/item_scheme.h"

namespace ddb::dbe {

class DbeItemDecryptor : public item_encryption::ItemScheme {
 public:
  // `table` is the logical table name (the DynamoDB table's), `key` its key
  // schema. InvalidArgument when the declaration encrypts or leaves
  // unsigned a key attribute (the SDK refuses such a configuration).
  static Status Create(std::string table, const dynamodb::KeySchema& key, const DbeDecl& decl,
                       std::shared_ptr<Keyring> keyring, std::unique_ptr<DbeItemDecryptor>* out,
                       size_t cache_capacity = 4096);
  ~DbeItemDecryptor() override;

  Status Decrypt(const dynamodb::Item& stored, dynamodb::Item* plain) override;
  // Key attributes are signed (kSign), unsigned ones kNothing; every other
  // attribute may be encrypted in a given item whatever the declaration
  // says (the header decides), so it is kEncrypt.
  item_encryption::Action ActionFor(std::string_view name) const override;
  Status WriteRefusal() const override;

  const std::string& table() const { return table_; }
  Keyring& keyring() { return *keyring_; }
  // Headers whose keys were derived (cache misses) so far.
  uint64_t keys_derived() const;

 private:
  struct Keys;       // derived from one header
  struct Workspace;  // per call
  class Lease;

  DbeItemDecryptor(std::string table, const dynamodb::KeySchema& key, const DbeDecl& decl,
                   std::shared_ptr<Keyring> keyring, size_t cache_capacity);
  Status DecryptItem(const dynamodb::Item& stored, dynamodb::Item* plain, Workspace* w);
  Status DeriveKeys(const Header& header, std::string_view header_bytes,
                    const EncryptionContext& context, Workspace* w,
                    std::shared_ptr<const Keys>* out);
  Status Fail(const dynamodb::Item& item, const Status& s) const;

  std::string table_;
  std::string partition_key_;
  std::string sort_key_;
  DbeDecl decl_;
  std::shared_ptr<Keyring> keyring_;
  size_t capacity_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Workspace>> pool_;
  std::list<std::string> lru_;
  std::map<std::string, std::pair<std::shared_ptr<const Keys>, std::list<std::string>::iterator>>
      cache_;
  uint64_t keys_derived_ = 0;
};

}  // namespace ddb::dbe
