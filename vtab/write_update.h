// An UPDATE of a row as DynamoDB requests: the steps of
// TableWriter::BuildUpdate (write_update.cc) that are pure logic, apart
// from the sqlite3_value and codec work that stays with the writer.
//
//   1. the new key          key columns set to other values (a key move)
//   2. column changes       the attributes the statement's columns set
//   3. item-column changes  what a new `item` JSON adds, changes, leaves out
//   4. the expression       SET/REMOVE, on the condition that the item still
//                           exists and holds what was read
//   5. a key move           the whole item under its new key (a delete plus
//                           a put in one TransactWriteItems)
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/dynamodb/attribute_value.h"
#include "engine/dynamodb/client.h"
#include "engine/status.h"
#include "vtab/transaction.h"

namespace ddb::vtab {

struct WriteColumn;  // vtab/write.h

// Step 3: the changes an `item` column set to the JSON object `doc` makes
// to `old` (the whole item): each attribute it holds, typed as the item
// (or, for a new one, its column) has it and unchanged where the JSON still
// says what is stored; and the removal of each it leaves out. Keys (given
// by `key`, the item's key) must not change, and attributes in
// `set_by_column` are the statement's columns' business: neither is changed.
Status ItemColumnChanges(std::string_view doc, const dynamodb::Item& old, const dynamodb::Item& key,
                         const std::vector<WriteColumn>& columns,
                         const std::set<std::string>& set_by_column, AttributeChanges* changes);

// Step 4: the UpdateItem request for `changes` to the item read as `old`
// (`whole`: every attribute was read, so an absent one is known absent).
struct UpdateExpression {
  std::string update;     // "SET #u0 = :u0, ... REMOVE #u2, ..."; empty: no change
  std::string condition;  // "attribute_exists(#k0) AND #u0 = :o0 AND ..."
  dynamodb::NameMap names;
  dynamodb::AttributeMap values;  // :u* the new values, :o* the old ones
  Expect expect;                  // the condition as a structure (transaction.h)
};
UpdateExpression BuildUpdateExpression(const AttributeChanges& changes, const dynamodb::Item& old,
                                       bool whole, const std::string& hash_attribute);

// Step 5's request values: the delete of a key move uses only the old
// values (:o*); DynamoDB refuses values an expression does not use.
void DropNewValues(dynamodb::AttributeMap* values);

}  // namespace ddb::vtab
