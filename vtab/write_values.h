// SQL values to DynamoDB values, for writes: values.h's reading rules in
// reverse. The DynamoDB type to write is the one the attribute has (the
// item's stored type on UPDATE, the column's sampled type on INSERT), and it
// is kept: other programs read these tables with fixed models. A value is
// converted as SQLite's affinity for the column's declared type would
// convert it; one that does not convert is an error naming the column, the
// type and the value, never a quiet change of type.
//
//   type         INTEGER, REAL      TEXT                                  BLOB
//   S            S (its text)       S                                     error
//   N            N (shortest)       N when it reads as a number           error
//                                   (all 38 digits kept), else error
//   BOOL         BOOL if 0 or 1     BOOL if it reads as 0 or 1            error
//   B            error              error (CAST(x AS BLOB) gives bytes)    B
//   M / L        error              a JSON object / array, else error     error
//   SS, NS, BS   error              a JSON array of the set's members     error
//                                   (base64 for BS), else error
//   "" (mixed, NULL or unknown)  N  S                                     B
//
// The item column is the way to change a type on purpose: its JSON says
// the type (a string is S, a number N, an object M; PlainToAttribute).
//
// SQL NULL is no attribute (INSERT leaves it out, UPDATE removes it). Key
// columns are strict: the key's type or an error. Everything DynamoDB would
// refuse (an empty set, a number beyond 38 digits or 1E+126, an empty key
// string, an item over 400 KB) is an error here, before anything is sent.
#pragma once

#include <sqlite3.h>

#include <string>
#include <vector>

#include "engine/dynamodb/attribute_value.h"
#include "engine/status.h"

namespace ddb::vtab {

// DynamoDB's largest item, in its own size accounting.
inline constexpr size_t kMaxItemBytes = 400 * 1024;

// `v` (not NULL) as a value of DynamoDB type `type` for column `column`, as
// the table above says. Errors name the column, the type and the value.
Status SqlToAttribute(sqlite3_value* v, const std::string& type, const std::string& column,
                      dynamodb::AttributeValue* out);

// `v` as the key attribute `column` of type `key_type` ("S", "N", "B"):
// NULL, an empty string or binary, or a value of another type is an error
// naming the column.
Status SqlToKeyAttribute(sqlite3_value* v, const std::string& key_type, const std::string& column,
                         dynamodb::AttributeValue* out);

// A value parsed from plain JSON (the `item` column) made into the DynamoDB
// type `hint` when it can be ("" keeps it): base64 text -> B, arrays ->
// SS/NS/BS. Numbers and sets are checked as DynamoDB checks them; errors
// name `attribute`.
Status PlainToAttribute(dynamodb::AttributeValue plain, const std::string& hint,
                        const std::string& attribute, dynamodb::AttributeValue* out);

// PlainToAttribute for an attribute the item holds as `old` (null: it
// does not): where the JSON still says what `old` says, at any depth, the
// stored value is kept as it is (B, sets, number text), so that rewriting
// `item` changes only what the statement changed.
Status MergePlainAttribute(const dynamodb::AttributeValue* old, dynamodb::AttributeValue plain,
                           const std::string& hint, const std::string& attribute,
                           dynamodb::AttributeValue* out);

// DynamoDB's size of an attribute (its name and value) and of an item.
size_t AttributeSize(const std::string& name, const dynamodb::AttributeValue& v);
size_t ItemSize(const dynamodb::Item& item);

// OK when `item` fits in 400 KB; else an error naming its size and its
// largest attributes and suggesting an S3-backed column. `what` names the
// item ("table t, key id='a'").
Status CheckItemSize(const dynamodb::Item& item, const std::string& what);

// "id='a', sk=3": a key for messages (binary as x'..', long text shortened).
std::string DescribeKey(const dynamodb::Item& key);

}  // namespace ddb::vtab
