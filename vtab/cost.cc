#include "vtab/cost.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace ddb::vtab {

namespace {

using dynamodb::AttributeValue;

// When nothing tells how big a table is (DescribeTable says 0 and the sample
// was not the whole table): big enough that per-row lookups look better
// than a Scan unless the outer side is large.
constexpr double kUnknownItems = 10000;
constexpr double kDefaultItemBytes = 400;
// Items per partition key value when the sample cannot tell.
constexpr double kDefaultPartitionItems = 10;
// An index entry without a size from DescribeTable: DynamoDB's overhead
// per entry, and a key attribute's value and name.
constexpr double kIndexEntryOverheadBytes = 100;
constexpr double kKeyAttributeBytes = 32;

// DynamoDB's size of a value: names and values in bytes, numbers about
// one byte per two digits, plus a little for each nested value.
double ValueBytes(const AttributeValue& v) {
  switch (v.type()) {
    case AttributeValue::Type::kS:
    case AttributeValue::Type::kB:
      return static_cast<double>(v.scalar().size());
    case AttributeValue::Type::kN:
      return static_cast<double>(v.scalar().size()) / 2 + 1;
    case AttributeValue::Type::kBool:
    case AttributeValue::Type::kNull:
      return 1;
    case AttributeValue::Type::kM: {
      double n = 3;
      for (const auto& [k, x] : v.map()) n += static_cast<double>(k.size()) + ValueBytes(x) + 1;
      return n;
    }
    case AttributeValue::Type::kL: {
      double n = 3;
      for (const auto& x : v.list()) n += ValueBytes(x) + 1;
      return n;
    }
    default: {
      double n = 0;
      for (const auto& x : v.set()) n += static_cast<double>(x.size());
      return n;
    }
  }
}

std::string ValueKey(const AttributeValue& v) {
  if (v.type() == AttributeValue::Type::kS || v.type() == AttributeValue::Type::kN ||
      v.type() == AttributeValue::Type::kB) {
    return std::string(AttributeValue::TypeName(v.type())) + ":" + v.scalar();
  }
  return std::string(AttributeValue::TypeName(v.type())) + ":" +
         std::to_string(static_cast<long long>(ValueBytes(v)));
}

// Items per value of `attribute` in a collection of `items` items: the
// sample's own ratio when it saw each value several times, else the default.
double PerValue(const TableStats& s, const std::string& attribute, double items) {
  auto d = s.distinct.find(attribute);
  auto p = s.present.find(attribute);
  if (d == s.distinct.end() || p == s.present.end() || d->second == 0) {
    return std::min(items, kDefaultPartitionItems);
  }
  double seen = p->second;
  double distinct = d->second;
  if (distinct * 2 <= seen) return std::max(1.0, items / distinct);  // a small set of values
  return std::max(1.0, std::min(items, seen / distinct));
}

}  // namespace

SampleSummary SummarizeSample(const std::vector<dynamodb::Item>& sample, bool complete) {
  SampleSummary out;
  out.sampled = static_cast<int>(sample.size());
  out.complete = complete;
  std::map<std::string, std::set<std::string>> values;
  for (const auto& item : sample) {
    for (const auto& [name, v] : item) {
      out.bytes += static_cast<double>(name.size()) + ValueBytes(v);
      out.present[name]++;
      values[name].insert(ValueKey(v));
    }
  }
  for (const auto& [name, set] : values) out.distinct[name] = static_cast<int>(set.size());
  return out;
}

void EstimateTableStats(const dynamodb::TableDescription& desc, const SampleSummary& sample,
                        TableStats* stats) {
  TableStats s;
  s.sampled = sample.sampled;
  s.present = sample.present;
  s.distinct = sample.distinct;
  bool sample_complete = sample.complete;
  double bytes = sample.bytes;

  if (desc.item_count > 0) {
    s.items = static_cast<double>(desc.item_count);
    s.item_bytes = static_cast<double>(desc.size_bytes) / s.items;
  } else if (sample_complete) {
    s.items = static_cast<double>(sample.sampled);
  } else {
    s.items = kUnknownItems;
  }
  if (s.item_bytes <= 0) s.item_bytes = s.sampled == 0 ? kDefaultItemBytes : bytes / s.sampled;
  s.item_bytes = std::max(s.item_bytes, 1.0);
  // A Scan returns a partition's items together, so the sample (the first
  // page) sees whole partitions: items per partition is what it saw per
  // value. Without a sort key the partition key is unique.
  s.partition_items = 1;
  if (desc.key.range) {
    auto d = s.distinct.find(desc.key.hash.name);
    s.partition_items = d == s.distinct.end() || d->second == 0
                            ? kDefaultPartitionItems
                            : std::max(1.0, s.present[desc.key.hash.name] / double(d->second));
  }

  for (const auto* list : {&desc.global_indexes, &desc.local_indexes}) {
    bool local = list == &desc.local_indexes;
    for (const auto& ix : *list) {
      double items = static_cast<double>(ix.item_count);
      if (items <= 0) {
        // Sparse: only items holding the index's keys are in it.
        double fraction = 1;
        for (const auto* k : {&ix.key.hash, ix.key.range ? &*ix.key.range : nullptr}) {
          if (!k || s.sampled == 0) continue;
          auto p = s.present.find(k->name);
          fraction = std::min(fraction, p == s.present.end() ? 0.0 : p->second / double(s.sampled));
        }
        items = std::max(1.0, s.items * fraction);
      }
      s.index_items[ix.name] = items;
      double entry = s.item_bytes;
      if (ix.item_count > 0 && ix.size_bytes > 0) {
        entry = static_cast<double>(ix.size_bytes) / static_cast<double>(ix.item_count);
      } else if (ix.projection.type != "ALL") {
        double keys = 2 + (desc.key.range ? 1 : 0) + (ix.key.range ? 1 : 0);
        entry = kIndexEntryOverheadBytes + keys * kKeyAttributeBytes;
        if (ix.projection.type == "INCLUDE" && !s.present.empty()) {
          double share = static_cast<double>(ix.projection.non_key_attributes.size()) /
                         static_cast<double>(s.present.size());
          entry += s.item_bytes * std::min(1.0, share);
        }
      }
      s.index_entry_bytes[ix.name] = std::max(1.0, std::min(entry, s.item_bytes + 100));
      // A local index shares the table's partitions (holding fewer items
      // when sparse); a global one has partitions of its own.
      s.index_partition_items[ix.name] =
          local ? std::max(1.0, s.partition_items * std::min(1.0, items / std::max(1.0, s.items)))
                : PerValue(s, ix.key.hash.name, items);
    }
  }
  *stats = std::move(s);
}

double ReadUnits(const TableStats& s, double bytes) {
  // 0.5 unit per 4 KB (eventually consistent), at least one 4 KB step.
  double units = std::max(1.0, std::ceil(bytes / 4096.0)) * 0.5;
  return s.consistent ? units * 2 : units;
}

Cost GetItemCost(const TableStats& s) { return {1, ReadUnits(s, s.item_bytes)}; }

Cost BatchGetCost(const TableStats& s, double keys) {
  // Each key is read (and rounded up to 4 KB) on its own; 100 keys a request.
  return {std::ceil(keys / 100.0), keys * ReadUnits(s, s.item_bytes)};
}

Cost QueryCost(const TableStats& s, double partitions, double items, const std::string& index) {
  double bytes = std::max(1.0, items) * EntryBytes(s, index);
  double pages = std::max(1.0, std::ceil(bytes / kPageBytes));
  return {partitions * pages, partitions * ReadUnits(s, bytes)};
}

Cost IndexFetchCost(const TableStats& s, const std::string& index, double partitions,
                    double items) {
  // Every key found is fetched: BatchGetItem reads each item on its own.
  return QueryCost(s, partitions, items, index) +
         BatchGetCost(s, partitions * std::max(1.0, items));
}

Cost ScanCost(const TableStats& s) {
  double bytes = s.items * s.item_bytes;
  double pages = std::max(1.0, std::ceil(bytes / kPageBytes));
  return {pages, ReadUnits(s, bytes), s.items};
}

double EqualitySelectivity(const TableStats& s, const std::string& attribute) {
  return PerValue(s, attribute, s.items) / std::max(1.0, s.items);
}

double NullSelectivity(const TableStats& s, const std::string& attribute, bool is_null) {
  if (s.sampled == 0) return 0.5;
  auto p = s.present.find(attribute);
  double held = p == s.present.end() ? 0 : p->second / double(s.sampled);
  // Never 0 or 1: the sample may have missed some.
  held = std::clamp(held, 0.05, 0.95);
  return is_null ? 1 - held : held;
}

double PartitionItems(const TableStats& s, const std::string& index) {
  if (index.empty()) return s.partition_items;
  auto it = s.index_partition_items.find(index);
  return it == s.index_partition_items.end() ? kDefaultPartitionItems : it->second;
}

double EntryBytes(const TableStats& s, const std::string& index) {
  if (index.empty()) return s.item_bytes;
  auto it = s.index_entry_bytes.find(index);
  return it == s.index_entry_bytes.end() ? s.item_bytes : it->second;
}

}  // namespace ddb::vtab
