// SQL functions for data no catalog declares (registered DIRECTONLY, so that
// views and triggers cannot reach S3 or keys):
//
//   s3_get(uri)                  the object's bytes (BLOB) for 's3://bucket/key'
//   gunzip(blob)                 gzip data (one or more members) decompressed (BLOB)
//   zstd_decompress(blob)        zstd frames decompressed (BLOB)
//   decrypt(blob, scheme, key_ref [, table, column, key_json])
//                                plaintext (BLOB) of a value of `scheme`
//                                (aes-256-gcm, aes-256-siv, pynamodb-mate-ecb,
//                                pynamodb-mate-ctr) whose key `key_ref` names
//                                (env:NAME, file:PATH, cmd:COMMAND); ddbsql's
//                                AEAD values also need the table, column and
//                                item key (a JSON object, partition key first:
//                                strings bind as S, numbers as N) they were
//                                written under
//
// Each returns NULL for a NULL first argument and fails the statement with a
// clear message otherwise (never a key). CAST(... AS TEXT) reads text.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <memory>
#include <string>

#include "engine/codec/keys.h"
#include "engine/codec/s3_resolver.h"
#include "engine/status.h"

namespace ddb::vtab {

struct CodecFunctionSources {
  // The session's S3 resolver, asked at each s3_get() call; null (or a
  // null result) makes s3_get() fail with "S3 is not available".
  std::function<codec::S3Resolver*()> resolver;
  // Where decrypt() resolves key references (shared with the catalog, so a
  // key is read once per session). Null: a private store.
  std::shared_ptr<codec::KeyStore> keys;
  // Why there is no resolver (the session could not connect), for
  // s3_get()'s message.
  std::string no_s3_reason;
  // The most gunzip(), zstd_decompress() and decrypt() may decode to
  // (`.maxvalue`), asked at each call; null: codec::kDefaultMaxDecodedBytes.
  std::function<size_t()> max_decoded_bytes;
};

Status RegisterCodecFunctions(sqlite3* db, CodecFunctionSources sources);

}  // namespace ddb::vtab
