// What a DynamoDB access costs, in DynamoDB's own units, for xBestIndex and
// for xFilter's choice between per-row lookups and one Scan (see plan.h,
// "Cost model", for how SQLite uses these numbers).
//
// A cost is round trips plus read capacity. Both are turned into one number
// (milliseconds of a session's time, roughly) by Cost::Total():
//
//   kRoundTripMs  one request's latency (a region ~5-10 ms away)
//   kReadUnitMs   one read capacity unit (4 KB read by DynamoDB)
//   kItemMs       decoding one item here (breaks ties towards lookups)
//
// Sizes come from DescribeTable (ItemCount, TableSizeBytes, per index);
// where it reports none (a new table: DynamoDB refreshes them about every
// six hours), from the sample page read to find the columns. An entry of a
// KEYS_ONLY or INCLUDE index DescribeTable gives no size for is estimated
// as DynamoDB's 100 bytes of index overhead plus 32 per key attribute, plus
// for INCLUDE the share of the item its included attributes are of the
// attributes the sample saw.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/dynamodb/attribute_value.h"
#include "engine/dynamodb/client.h"

namespace ddb::vtab {

inline constexpr double kRoundTripMs = 10;
inline constexpr double kReadUnitMs = 1;
inline constexpr double kItemMs = 0.002;
// DynamoDB reads at most this much per Query or Scan request.
inline constexpr double kPageBytes = 1 << 20;

struct Cost {
  double round_trips = 0;
  double read_units = 0;
  double items = 0;  // items decoded
  double Total() const {
    return round_trips * kRoundTripMs + read_units * kReadUnitMs + items * kItemMs;
  }
  Cost operator+(const Cost& o) const {
    return {round_trips + o.round_trips, read_units + o.read_units, items + o.items};
  }
};

// What is known of one table's contents.
struct TableStats {
  double items = 0;            // estimated items in the table
  double item_bytes = 0;       // their average size
  double partition_items = 1;  // items per partition key value (table key)
  bool consistent = false;     // strongly consistent reads cost twice
  // From the sample: per attribute, distinct values and items holding it.
  int sampled = 0;
  std::map<std::string, int> distinct;
  std::map<std::string, int> present;
  // Per index: items (sparse indexes hold fewer), items per partition, and
  // the size of an index entry (smaller than the item unless the index
  // projects ALL).
  std::map<std::string, double> index_items;
  std::map<std::string, double> index_partition_items;
  std::map<std::string, double> index_entry_bytes;
};

// What the sample page (read to find the columns) says about the table;
// kept with the columns in the schema cache (schema_cache.h).
struct SampleSummary {
  int sampled = 0;
  bool complete = false;                // the sample held the whole table
  double bytes = 0;                     // the sampled items' size
  std::map<std::string, int> distinct;  // per attribute: values seen
  std::map<std::string, int> present;   // per attribute: items holding it
};
SampleSummary SummarizeSample(const std::vector<dynamodb::Item>& sample, bool complete);

// Fills `stats` from DescribeTable and the sample.
void EstimateTableStats(const dynamodb::TableDescription& desc, const SampleSummary& sample,
                        TableStats* stats);

// Read units of reading `bytes` in one request.
double ReadUnits(const TableStats& s, double bytes);

Cost GetItemCost(const TableStats& s);
Cost BatchGetCost(const TableStats& s, double keys);
// A Query of `partitions` partition key values, reading `items` items each,
// on the table (index empty) or an index (entries of that index's size).
Cost QueryCost(const TableStats& s, double partitions, double items, const std::string& index = "");
// The same Query of an index that lacks attributes the statement needs,
// then BatchGetItem of the table's items for every key it found.
Cost IndexFetchCost(const TableStats& s, const std::string& index, double partitions, double items);
// A full Scan of the table.
Cost ScanCost(const TableStats& s);

// The fraction of items an equality on `attribute` keeps (1 / distinct
// values seen); IS [NOT] NULL from how many sampled items hold it.
double EqualitySelectivity(const TableStats& s, const std::string& attribute);
double NullSelectivity(const TableStats& s, const std::string& attribute, bool is_null);
inline constexpr double kRangeSelectivity = 1.0 / 3;
inline constexpr double kPrefixSelectivity = 1.0 / 10;

// Items per partition of `index` (empty: the table).
double PartitionItems(const TableStats& s, const std::string& index);
// Bytes of one entry of `index` (empty: an item of the table).
double EntryBytes(const TableStats& s, const std::string& index);

}  // namespace ddb::vtab
