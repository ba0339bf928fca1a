// Mapping between DynamoDB values and SQLite values.
//
//   S     -> TEXT
//   N     -> INTEGER when integral and within int64; else REAL when the
//            double is exactly the decimal's value; else TEXT (the decimal
//            as stored: digits are never silently lost)
//   B     -> BLOB
//   BOOL  -> INTEGER 0/1
//   NULL  -> NULL (and a missing attribute is NULL too)
//   M, L  -> TEXT holding JSON (plain TEXT, as a local table would hold it)
//   SS, NS, BS -> TEXT holding a JSON array (BS members base64)
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>

#include "engine/dynamodb/attribute_value.h"
#include "engine/status.h"

namespace ddb::vtab {

// Sets the result of `ctx` to `v` as described above.
void ResultAttribute(sqlite3_context* ctx, const dynamodb::AttributeValue& v);

// Sets `ctx` to the whole item as JSON object text.
void ResultItemJson(sqlite3_context* ctx, const dynamodb::Item& item);

// The same two from wire JSON text that dynamodb::SplitItemsResponse has
// checked (an attribute's value from SplitCheckedItem, a whole item): the
// results are those of the decoded value or item, without building it when
// the value is a plain S, N, BOOL or NULL.
void ResultWireAttribute(sqlite3_context* ctx, std::string_view wire_value);
void ResultWireItemJson(sqlite3_context* ctx, std::string_view wire_item);

// What a SQL value becomes as a key attribute of DynamoDB type `key_type`
// ("S", "N" or "B") when SQLite compares it with a column of that type's
// affinity (TEXT, NUMERIC, BLOB). `exact` is false when no key of that type
// can compare equal to `value` (then an equality matches nothing).
struct KeyValue {
  bool exact = false;
  dynamodb::AttributeValue value;
};
KeyValue SqlToKey(sqlite3_value* value, const std::string& key_type);

// The shortest decimal text that reads back as the finite double `d`
// ("0.1", "1e+20"): how a REAL becomes a DynamoDB number.
std::string ShortestDouble(double d);

// The declared SQL type for a column holding DynamoDB type `type`
// ("S" -> "TEXT", "N" -> "NUMERIC", "B" -> "BLOB", "BOOL" -> "INTEGER", ...).
const char* DeclaredType(const std::string& type);

}  // namespace ddb::vtab
