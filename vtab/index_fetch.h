// Index fetch: how a Query of a KEYS_ONLY or INCLUDE index that lacks
// attributes a statement needs becomes rows (plan.h, "fetch=BatchGetItem").
//
// The Query returns index entries (the table's key, the index's key and any
// included attributes) in the index's order; BatchGetItem then reads the
// table's items for those keys and returns them in no particular order.
// FetchKeys() gives the keys to read; MatchFetched() puts the items read
// back in the entries' order.
//
// A global index is updated after its table (eventually consistent), so
// between the Query and the fetch an item may have been deleted or given
// another index key. Such an item is no row of the statement: the entry
// matched the key condition, the item may not any more. MatchFetched keeps
// an item only when its index key attributes still equal the entry's, so
// every row returned satisfies the key condition SQLite relies on (the
// index key constraints are omitted: SQLite does not check them again).
#pragma once

#include <vector>

#include "engine/dynamodb/attribute_value.h"
#include "engine/dynamodb/client.h"
#include "engine/status.h"

namespace ddb::vtab {

// The table keys of `entries` (index entries, which always hold them), in
// the entries' order. Corruption when an entry lacks a key attribute.
Status FetchKeys(const dynamodb::KeySchema& table_key, const std::vector<dynamodb::Item>& entries,
                 std::vector<dynamodb::Item>* keys);

// The items of `fetched` (BatchGetItem's answer, any order) in the order of
// `entries`, one per entry whose item was fetched and still holds the
// entry's index key values (`index_key`); the others are left out.
std::vector<dynamodb::Item> MatchFetched(const dynamodb::KeySchema& table_key,
                                         const dynamodb::KeySchema& index_key,
                                         const std::vector<dynamodb::Item>& entries,
                                         std::vector<dynamodb::Item> fetched);

}  // namespace ddb::vtab
