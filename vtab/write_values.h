// SQL values to DynamoDB values, for writes: values.h's reading rules in
// reverse, the column's DynamoDB type (its declared type) first.
//
//   column type  INTEGER        REAL             TEXT                      BLOB
//   S            S (its text)   S (its text)     S                         B
//   N            N              N (shortest)     N when a DynamoDB number, else S    B
//   BOOL         BOOL if 0/1, else N             as N, 0/1 -> BOOL         B
//   B            N              N                S                         B
//   M, L         N              N                M/L when JSON of that shape, else S   B
//   SS, NS, BS   N              N                the set when a JSON array of its members, else S B
//   "" (mixed)   N              N                S                         B
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

// `v` (not NULL) as the value of column `column` whose DynamoDB type is
// `type`, as the table above says. Errors name the column.
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
