// Plan: how one scan of a DynamoDB virtual table is served, chosen by
// xBestIndex (dynamodb_best_index.cc) and carried to xFilter in idxStr.
//
// idxStr is the plan written out readably, because SQLite's EXPLAIN QUERY
// PLAN prints it as is:
//
//   GetItem key=(pk=?1, sk=?2) project=pk,sk,total
//   BatchGetItem key=(pk IN ?1) project=*
//   Query index=by_email key=(email=?1, created>=?2, created<?3) order=desc limit=?4
//   Query index=by_g key=(g=?1) fetch=BatchGetItem project=pk,g,total
//   Scan segments=auto project=pk,name
//
// Each "?N" is argv[N-1] of xFilter. The tokens are:
//
//   <op>               GetItem | BatchGetItem | Query | Scan
//   index=NAME         a global or local secondary index (Query, Scan)
//   key=(...)          key conditions, comma-separated, each
//                        ATTR=?N      equality                (hash or sort key)
//                        ATTR IN ?N   all values of an IN list (sqlite3_vtab_in)
//                        ATTR>?N, >=, <, <=                    (sort key)
//                        ATTR^=?N     begins_with             (sort key)
//                        ATTR GLOB ?N begins_with the pattern's literal prefix
//   filter=(...)       FilterExpression predicates, comma-separated, each
//                        ATTR=?N, ATTR>?N, >=, <, <=, ATTR GLOB ?N,
//                        ATTR IS NULL, ATTR IS NOT NULL
//   order=asc|desc     rows come out sorted by the sort key (ORDER BY consumed)
//   limit=?N           LIMIT value; offset=?N the OFFSET value
//   fetch=BatchGetItem (Query of an index) the index lacks attributes the
//                      statement needs (KEYS_ONLY, INCLUDE): the Query asks
//                      for the keys only, and the table's items for the keys
//                      found are read with BatchGetItem (100 keys a request,
//                      several in flight), put back in the index's order and
//                      dropped when their index key no longer matches the
//                      index entry (an index is updated after its table).
//                      filter= then holds only what the index projects; the
//                      other WHERE terms are left to SQLite (not omitted),
//                      and SQLite checks every filter= term again
//   project=A,B|*      attributes to fetch (ProjectionExpression); * for all;
//                      with fetch=, what BatchGetItem reads
//   -- TEXT            a note for EXPLAIN QUERY PLAN, to the end: why an
//                      index that matches the partition key was not used
//
// Attribute names are written with ParsePlan-safe quoting: a name holding
// one of " ,=<>^()?" or space is written in double quotes, quotes doubled.
//
// Cost model (xBestIndex; units and sizes in cost.h)
//
// estimatedCost is what one run of the plan costs: round trips x 10 ms +
// read capacity units x 1 ms (+ 2 us per item decoded), from DescribeTable's
// ItemCount and TableSizeBytes (per index for index Queries) and the
// sample's values per attribute: GetItem 1 trip and 0.5 RCU per 4 KB item,
// BatchGetItem one trip per 100 keys (3 assumed for an IN list), Query one
// trip per MB of a partition (the sample's items per partition key value,
// a third of it per sort-key bound; an index's entries are its own size),
// Scan one trip per MB of the table and half a unit per 4 KB of it. A Query
// with fetch= adds BatchGetItem of every item the Query finds (half a unit
// per 4 KB of each item, one trip per 100): cheaper than a Scan for a few
// items of a large table, dearer for a small table or a large partition,
// and xBestIndex takes whichever costs less. estimatedRows is the items read less what
// the other WHERE terms keep (1/values seen for =, 1/3 for a range).
//
// How SQLite uses them: for each join order it tries, the solver (where.c,
// wherePathSolver) adds each loop's cost multiplied by the rows of the loops
// outside it (nOut of the outer loops, i.e. our estimatedRows). It calls
// xBestIndex several times per table, with different constraints `usable`:
// those on outer tables' columns are usable only when that table is outside
// in the order tried. So a key equality on a join column gives a lookup
// plan whose cost SQLite multiplies by the outer rows, and a plan without
// it a Scan that SQLite also multiplies; the product over-counts repeated
// Scans, which are read once (scan_cache.h), and lookups that xFilter turns
// into one Scan when they would cost more (see ScanInsteadOfLookups in
// dynamodb_cursor.cc). A non-key join value (sqlite3_vtab_rhs_value finds no
// constant) is left to SQLite, so the Scan stays the same on every outer
// row. colUsed decides the projection; a plan needing `item` fetches all.
#pragma once

#include <string>
#include <vector>

#include "engine/status.h"

namespace ddb::vtab {

struct KeyCondition {
  enum class Op { kEq, kIn, kGt, kGe, kLt, kLe, kBeginsWith, kGlob };
  std::string attribute;
  Op op = Op::kEq;
  bool is_hash = false;  // the partition key of the table or index
  int argv = 0;          // 1-based
};

// A predicate sent as FilterExpression (Query, Scan). The expression is
// built so that it keeps every item SQLite could keep (see FilterBuilder
// in filter_expression.h); SQLite re-checks all but IS [NOT] NULL (and those
// too with fetch=, where the filter saw the index entry, not the item).
struct FilterCondition {
  enum class Op { kEq, kGt, kGe, kLt, kLe, kGlob, kIsNull, kIsNotNull };
  std::string attribute;
  Op op = Op::kEq;
  int argv = 0;  // 1-based; 0 for IS [NOT] NULL
};

struct Plan {
  enum class Op { kScan, kGetItem, kBatchGetItem, kQuery };
  Op op = Op::kScan;
  std::string index;
  std::vector<KeyCondition> key;
  std::vector<FilterCondition> filter;
  enum class Order { kNone, kAsc, kDesc };
  Order order = Order::kNone;
  int limit_argv = 0;   // 0: no LIMIT pushed
  int offset_argv = 0;  // 0: none
  // Query of an index that lacks attributes: BatchGetItem reads the items.
  bool fetch = false;
  bool project_all = true;
  std::vector<std::string> project;  // when !project_all
  // Said after " -- " at the end: why a better-looking access was not used.
  std::string note;

  std::string ToString() const;
};

// Parses what Plan::ToString wrote.
Status ParsePlan(const std::string& text, Plan* plan);

}  // namespace ddb::vtab
