// Catalog: the per-table codec column declarations of a catalog file.
//
//   {"tables": {"pages": {"columns": {
//       "html":  {"codec": "S3BackedBigTextAttribute", "bucket": "my-bucket"},
//       "ssn":   {"codec": "EncryptedUnicodeAttribute", "key": "env:SSN_PASSWORD"},
//       "order": {"chain": ["s3", "zstd", {"aead": "aes-256-gcm", "key": "file:~/.k"}],
//                 "bucket": "b", "as": "json"}}}}}
//
// A column is either a pynamodb_mate attribute class ("codec", with that
// class's parameters) or a ddbsql chain ("chain", "as", and "bucket",
// "prefix", "key_template" when the chain starts with "s3"). The accepted
// names and parameters are listed in README ("Codec columns").
//
// A table may also carry "item_encryption" beside (or instead of)
// "columns": the AWS DynamoDB Encryption Client's format
// (engine/item_encryption/declaration.h), parsed by ParseItemEncryption.
//
// Errors name the origin (file name, or "--catalog"/".codec"), the table and
// the column: "catalog.json: table pages, column ssn: unknown parameter
// \"keyy\"". Parsing reads no key: references are checked for syntax only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/codec/column.h"
#include "engine/codec/keys.h"
#include "engine/item_encryption/declaration.h"
#include "engine/status.h"

namespace ddb::codec {

struct TableDecl {
  std::string name;
  std::map<std::string, std::shared_ptr<const Column>, std::less<>> columns;
  // The table's "item_encryption" declaration; nullptr when it has none.
  std::shared_ptr<const item_encryption::ItemEncryptionDecl> item_encryption;
};

class Catalog {
 public:
  // `keys` resolves the key references of the catalog's ciphers.
  explicit Catalog(std::shared_ptr<KeyStore> keys = std::make_shared<KeyStore>());

  // Adds the declarations of a catalog document. `origin` names it in
  // errors. A table or column declared again replaces the earlier one.
  Status Parse(std::string_view json_text, std::string_view origin);
  // Reads and parses a file; errors name `path`.
  Status LoadFile(const std::string& path);

  // One column from its JSON declaration (the .codec dot-command and the
  // vtab's catalog= argument).
  Status Declare(std::string_view table, std::string_view column, std::string_view json_text,
                 std::string_view origin);
  // Parses a declaration without adding it.
  Status ParseColumn(std::string_view table, std::string_view column, std::string_view json_text,
                     std::string_view origin, std::shared_ptr<const Column>* out) const;

  // Removes the declaration of `column` of `table` (.codec TABLE COLUMN
  // off); false when there was none. A table with item_encryption stays.
  bool Remove(std::string_view table, std::string_view column);

  // nullptr when the table has no declarations.
  const TableDecl* Find(std::string_view table) const;
  const std::map<std::string, TableDecl, std::less<>>& tables() const { return tables_; }

  // Refuses a key attribute of `table` declared with a non-deterministic
  // codec or an S3 codec (its stored form could not be looked up): call
  // once the table's key schema is known, before any request that uses it.
  Status CheckKeyColumns(std::string_view table, const std::vector<std::string>& key_names) const;

  const std::shared_ptr<KeyStore>& keys() const { return keys_; }

 private:
  std::shared_ptr<KeyStore> keys_;
  std::map<std::string, TableDecl, std::less<>> tables_;
  std::map<std::string, std::string, std::less<>> origins_;  // table -> origin
};

// Whether a key attribute of the table, of DynamoDB type `key_type` ("S",
// "N" or "B"), may be declared with `column`. DynamoDB finds an item by the
// stored bytes of its key, so a key may only carry a codec whose stored form
// is the same every time a value is written, by ddbsql or another writer:
// deterministic ciphers (pynamodb_mate's determinative AES-ECB, aes-256-siv)
// and base64, never S3 (DynamoDB would see the object's URI), compression
// (writers' gzip bytes differ) or a random-nonce cipher (GCM, CTR). Such a
// codec stores B, so the key must be of type B. The error's message is bare
// (the caller names the table and column).
Status CheckKeyCodec(const Column& column, std::string_view key_type);

// The catalog file to load: `flag` (--catalog) if not empty, else
// $DDBSQL_CATALOG, else $XDG_CONFIG_HOME/ddbsql/catalog.json (XDG_CONFIG_HOME
// defaulting to ~/.config). Never the current directory. *explicit_choice
// tells whether the user named the file (then a missing file is an error;
// the default location may be absent). Empty *path: nowhere to look.
void FindCatalogPath(const std::string& flag, std::string* path, bool* explicit_choice);

}  // namespace ddb::codec
