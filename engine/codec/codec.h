// Codecs: reversible transformations of an attribute's bytes (compression,
// encryption, encodings), each an Encode/Decode pair, and chains of them.
//
// A codec sees only bytes. What the bytes are about (table, item key,
// attribute) travels in a Context: authenticated ciphers bind it as
// associated data, so that a ciphertext pasted into another item or column
// fails to decrypt, and every error names it.
//
//   std::unique_ptr<Codec> gz = NewGzipCodec();
//   std::string stored, plain;
//   Status s = gz->Encode(ctx, "hello", &stored);
//   if (s.ok()) s = gz->Decode(ctx, stored, &plain);
//
// Codecs are immutable after construction; Encode and Decode are thread-safe.
// Keys are resolved through a KeyStore (keys.h) on first use, not at
// construction, so declaring a column never reads a secret.
//
// Errors: Decode of bytes that are not this codec's output is Corruption
// ("not gzip data", "authentication failed: wrong key or tampered value");
// a key that cannot be read is the KeyStore's error. Messages never contain
// key material.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/dynamodb/attribute_value.h"
#include "engine/status.h"

namespace ddb::codec {

class KeyRef;
class KeyStore;

// One of an item's key attributes (partition key first, then sort key).
struct KeyAttribute {
  std::string name;
  dynamodb::AttributeValue value;
};

// The most a compressed value may expand to when decoded (64 MiB), unless
// Context::max_decoded_bytes says otherwise: a decompression bomb (a few KB
// claiming gigabytes) stops with Corruption instead of exhausting memory.
// 160 times DynamoDB's largest item; S3 objects beyond it are not values a
// SQL shell shows.
inline constexpr size_t kDefaultMaxDecodedBytes = size_t{64} << 20;

// What a value is about. `key` may be empty when the item is unknown (SQL
// functions on loose values): AEAD codecs then bind only table and
// attribute, which are empty too for such calls.
struct Context {
  std::string table;
  std::string attribute;
  std::vector<KeyAttribute> key;
  // Decompression stops with Corruption past this many bytes of output.
  size_t max_decoded_bytes = kDefaultMaxDecodedBytes;

  // "table pages, key (pk='a', sk=3), column html": for error messages.
  std::string Describe() const;
  // The associated data of ddbsql's AEAD codecs: an unambiguous,
  // length-prefixed encoding of table, attribute and key (numbers
  // canonicalized, so that 1.0 and 1 bind alike). Layout in README.
  // (aes-256-siv binds table and attribute only: see NewCipherCodec.)
  std::string AssociatedData() const;
};

class Codec {
 public:
  virtual ~Codec() = default;

  // The name as written in a chain ("gzip", "aes-256-gcm").
  virtual std::string_view name() const = 0;
  // True when equal input and context give equal output whoever wrote it
  // (not compression: writers differ in levels and timestamps), so that
  // equality on the decoded value can be pushed down by encoding a literal.
  virtual bool deterministic() const = 0;
  // The reference of the key this step uses ("env:SSN_PASSWORD", safe to
  // print: KeyRef::ToString), empty for a step without a key.
  virtual std::string key_reference() const { return {}; }

  virtual Status Encode(const Context& ctx, std::string_view plain, std::string* out) const = 0;
  virtual Status Decode(const Context& ctx, std::string_view stored, std::string* out) const = 0;
};

// Steps in write order: Encode runs them first to last, Decode last to
// first. An empty chain is the identity.
class Chain {
 public:
  Chain() = default;
  explicit Chain(std::vector<std::shared_ptr<const Codec>> steps) : steps_(std::move(steps)) {}

  const std::vector<std::shared_ptr<const Codec>>& steps() const { return steps_; }
  bool empty() const { return steps_.empty(); }
  bool deterministic() const;
  // True when a step binds the item's key (aes-256-gcm): the stored form
  // is only valid in the item it was written for.
  bool BindsItemKey() const;
  // "zstd, aes-256-gcm"
  std::string Describe() const;
  // The key references of the steps that have one, in step order, joined
  // by ", " ("env:A, file:~/k"); empty when no step has a key.
  std::string KeyReferences() const;

  Status Encode(const Context& ctx, std::string_view plain, std::string* out) const;
  Status Decode(const Context& ctx, std::string_view stored, std::string* out) const;

 private:
  std::vector<std::shared_ptr<const Codec>> steps_;
};

// --- Compression ---------------------------------------------------------

// gzip (RFC 1952). Encode writes the header Python's gzip.compress writes
// (no name, OS 255) with mtime 0, so output is repeatable and, for level 9,
// byte-identical to pynamodb_mate's apart from the mtime field. Decode
// accepts any gzip member sequence. Compression codecs are not
// deterministic() (other writers differ).
std::unique_ptr<Codec> NewGzipCodec(int level = 9);
// zlib format (RFC 1950).
std::unique_ptr<Codec> NewZlibCodec(int level = 6);
// Zstandard frames (libzstd).
std::unique_ptr<Codec> NewZstdCodec(int level = 3);

// --- Encodings -------------------------------------------------------------

// Standard base64 text of the bytes: PynamoDB 4's binary attributes
// ("legacy_encoding"). Deterministic.
std::unique_ptr<Codec> NewBase64Codec();

// --- Ciphers -------------------------------------------------------------

// Schemes of decrypt() and of {"cipher": NAME} / {"aead": NAME} chain steps.
enum class Scheme {
  kPynamoDbMateEcb,  // "pynamodb-mate-ecb": AES-256-ECB, PKCS7, key = SHA-256(password)
  kPynamoDbMateCtr,  // "pynamodb-mate-ctr": AES-256-CTR, JSON {"nonce","token"} base85
  kAes256Gcm,        // "aes-256-gcm": ddbsql AEAD, random nonce, context as AD
  kAes256Siv,        // "aes-256-siv": ddbsql deterministic AEAD, table and column as AD
};
// InvalidArgument naming the unknown scheme and listing the known ones.
Status ParseScheme(std::string_view name, Scheme* scheme);
std::string_view SchemeName(Scheme scheme);

// A cipher of `scheme` whose key is `key`, read from `keys` on first use.
// pynamodb_mate schemes take the referenced value as a password; ddbsql's
// take 32 raw bytes written as base64 or hex, or else a password stretched
// with scrypt (parameters and salt in each ciphertext's header). aes-256-gcm
// binds table, item key and column as associated data; aes-256-siv binds
// table and column only, so that equal values encrypt alike across items
// (lookups by value, key columns). `keys` must outlive the codec.
std::unique_ptr<Codec> NewCipherCodec(Scheme scheme, const KeyRef& key,
                                      std::shared_ptr<KeyStore> keys);

}  // namespace ddb::codec
