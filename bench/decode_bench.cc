// Decode rate of a recorded-style Scan response page, per core.
//
// Builds, once, a realistic ~1 MB Scan response body (items of 11 attributes
// of mixed types, as DynamoDB sends them) and measures how many items per
// second one thread turns into dynamodb::Item values by each decoding path:
//
//   NlohmannThenItemFromWireJson   json::parse of the body, then
//                                  ItemFromWireJson per element of "Items"
//                                  (what a DOM-based client does)
//   DecodeItemsResponse            the page decoder of attribute_value.h
//                                  (simdjson, wire_simdjson.cc; the label
//                                  names the kernel chosen at run time),
//                                  body to Items
//   TextDecodeItemsResponse        the text reader alone (wire_text.cc), as
//                                  it reads a page simdjson rejected
//   DecodeItemsResponsePlainJson   the same, then ItemToPlainJson per item
//                                  (the `item` column of every row)
//   ItemToPlainJson                ItemToPlainJson alone, on decoded items
//   SplitItemsResponse             the same checks, the items kept as text
//                                  (what a Scan page costs ddbsql's cursor
//                                  before any column is read)
//   SplitItemsResponsePlainJson    the same, then AppendCheckedItemPlainJson
//                                  per item (the `item` column from text)
//   SplitItemsResponseOneAttribute the same, then CheckedItemAttributes::Find
//                                  of one attribute per item (one column)
//
// Run: build/bench/ddbsql_decode_bench [--benchmark_format=json] ...
// bench/run.sh runs it and reports its numbers with the end-to-end ones.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/dynamodb/attribute_value.h"
#include "engine/dynamodb/wire_rules.h"
#include "engine/dynamodb/wire_simdjson.h"

namespace ddb::dynamodb {
namespace {

using Json = nlohmann::json;

// DynamoDB stops a Scan page at 1 MB of data; the JSON text of such a page
// is about that size too.
constexpr size_t kPageBytes = 1 << 20;

// One item: every scalar and container type, sizes and shapes of a typical
// application record (~450 bytes of JSON).
Item MakeItem(int i) {
  std::string id = std::to_string(100000 + i);
  Item item;
  item["pk"] = AttributeValue::S("user#" + id);
  item["sk"] = AttributeValue::N(std::to_string(1700000000 + i * 37));
  item["name"] = AttributeValue::S("Zoë Ünïcödé customer " + id + " — café");
  item["price"] = AttributeValue::N(std::to_string(i % 1000) + "." + std::to_string(10 + i % 90));
  item["active"] = AttributeValue::Bool(i % 3 != 0);
  item["note"] = AttributeValue::Null();
  std::string blob;
  for (int k = 0; k < 24; ++k) blob.push_back(static_cast<char>((i * 31 + k * 7) & 0xff));
  item["blob"] = AttributeValue::B(std::move(blob));
  item["tags"] = AttributeValue::SS({"red", "green", "tag" + std::to_string(i % 17)});
  item["scores"] = AttributeValue::NS({"1", "2.5", std::to_string(i % 100 + 3)});
  AttributeMap attrs;
  attrs["color"] = AttributeValue::S(i % 2 ? "blue" : "orange");
  attrs["size"] = AttributeValue::N(std::to_string(i % 50));
  attrs["updated"] = AttributeValue::S("2024-05-0" + std::to_string(1 + i % 9) + "T12:00:00Z");
  item["attrs"] = AttributeValue::M(std::move(attrs));
  item["history"] = AttributeValue::L(
      {AttributeValue::S("created"), AttributeValue::N(id), AttributeValue::Bool(false)});
  return item;
}

struct Page {
  std::string body;  // the response JSON text
  int items = 0;     // how many items it holds
};

// Builds the response body once: items until ~1 MB, then the counts and a
// LastEvaluatedKey, as a Scan page in the middle of a table looks.
Page BuildPage() {
  Page page;
  try {
    Json items = Json::array();
    size_t bytes = 0;
    while (bytes < kPageBytes) {
      Json j = ItemToWireJson(MakeItem(page.items));
      bytes += j.dump().size() + 1;
      items.push_back(std::move(j));
      ++page.items;
    }
    Json body;
    body["Items"] = std::move(items);
    body["Count"] = page.items;
    body["ScannedCount"] = page.items;
    body["LastEvaluatedKey"] = ItemToWireJson(MakeItem(page.items - 1));
    page.body = body.dump();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "decode_bench: cannot build the page: %s\n", e.what());
    std::exit(1);
  }
  return page;
}

// Built on first use and never changed afterwards.
const Page& TestPage() {
  static const Page page = BuildPage();
  return page;
}

void SetCounters(benchmark::State& state, const Page& page) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * page.items);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(page.body.size()));
  state.counters["items_per_page"] = page.items;
  state.counters["page_bytes"] = static_cast<double>(page.body.size());
}

void BM_NlohmannThenItemFromWireJson(benchmark::State& state) {
  const Page& page = TestPage();
  for (auto _ : state) {
    Json doc = Json::parse(page.body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.contains("Items")) {
      state.SkipWithError("nlohmann could not parse the page");
      return;
    }
    std::vector<Item> items;
    items.reserve(doc["Items"].size());
    for (const Json& j : doc["Items"]) {
      Item item;
      Status s = ItemFromWireJson(j, &item);
      if (!s.ok()) {
        state.SkipWithError(s.ToString().c_str());
        return;
      }
      items.push_back(std::move(item));
    }
    benchmark::DoNotOptimize(items.data());
  }
  SetCounters(state, page);
}
BENCHMARK(BM_NlohmannThenItemFromWireJson)->Unit(benchmark::kMillisecond);

void BM_DecodeItemsResponse(benchmark::State& state) {
  const Page& page = TestPage();
  for (auto _ : state) {
    std::vector<Item> items;
    std::vector<JsonMember> others;
    Status s = DecodeItemsResponse(page.body, "Items", &items, &others);
    if (!s.ok() || static_cast<int>(items.size()) != page.items) {
      state.SkipWithError(s.ok() ? "wrong item count" : s.ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(items.data());
  }
  SetCounters(state, page);
  state.SetLabel(std::string("simdjson ") + wire::SimdjsonKernel());
}
BENCHMARK(BM_DecodeItemsResponse)->Unit(benchmark::kMillisecond);

void BM_TextDecodeItemsResponse(benchmark::State& state) {
  const Page& page = TestPage();
  for (auto _ : state) {
    std::vector<Item> items;
    std::vector<JsonMember> others;
    Status s = wire::TextDecodeResponse(page.body, "Items", &items, nullptr, &others);
    if (!s.ok() || static_cast<int>(items.size()) != page.items) {
      state.SkipWithError(s.ok() ? "wrong item count" : s.ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(items.data());
  }
  SetCounters(state, page);
}
BENCHMARK(BM_TextDecodeItemsResponse)->Unit(benchmark::kMillisecond);

void BM_DecodeItemsResponsePlainJson(benchmark::State& state) {
  const Page& page = TestPage();
  for (auto _ : state) {
    std::vector<Item> items;
    std::vector<JsonMember> others;
    Status s = DecodeItemsResponse(page.body, "Items", &items, &others);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    size_t total = 0;
    for (const Item& item : items) total += ItemToPlainJson(item).size();
    benchmark::DoNotOptimize(total);
  }
  SetCounters(state, page);
}
BENCHMARK(BM_DecodeItemsResponsePlainJson)->Unit(benchmark::kMillisecond);

void BM_ItemToPlainJson(benchmark::State& state) {
  const Page& page = TestPage();
  std::vector<Item> items;
  std::vector<JsonMember> others;
  Status s = DecodeItemsResponse(page.body, "Items", &items, &others);
  if (!s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  for (auto _ : state) {
    size_t total = 0;
    for (const Item& item : items) total += ItemToPlainJson(item).size();
    benchmark::DoNotOptimize(total);
  }
  SetCounters(state, page);
}
BENCHMARK(BM_ItemToPlainJson)->Unit(benchmark::kMillisecond);

void BM_SplitItemsResponse(benchmark::State& state) {
  const Page& page = TestPage();
  for (auto _ : state) {
    std::vector<std::string_view> items;
    std::vector<JsonMember> others;
    Status s = SplitItemsResponse(page.body, "Items", &items, &others);
    if (!s.ok() || static_cast<int>(items.size()) != page.items) {
      state.SkipWithError(s.ok() ? "wrong item count" : s.ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(items.data());
  }
  SetCounters(state, page);
  state.SetLabel(std::string("simdjson ") + wire::SimdjsonKernel());
}
BENCHMARK(BM_SplitItemsResponse)->Unit(benchmark::kMillisecond);

void BM_SplitItemsResponsePlainJson(benchmark::State& state) {
  const Page& page = TestPage();
  for (auto _ : state) {
    std::vector<std::string_view> items;
    std::vector<JsonMember> others;
    Status s = SplitItemsResponse(page.body, "Items", &items, &others);
    size_t total = 0;
    for (std::string_view item : items) {
      std::string json;
      if (s.ok()) s = AppendCheckedItemPlainJson(item, &json);
      total += json.size();
    }
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(total);
  }
  SetCounters(state, page);
}
BENCHMARK(BM_SplitItemsResponsePlainJson)->Unit(benchmark::kMillisecond);

void BM_SplitItemsResponseOneAttribute(benchmark::State& state) {
  const Page& page = TestPage();
  CheckedItemAttributes attributes;
  for (auto _ : state) {
    std::vector<std::string_view> items;
    std::vector<JsonMember> others;
    Status s = SplitItemsResponse(page.body, "Items", &items, &others);
    size_t found_count = 0;
    for (std::string_view item : items) {
      attributes.Reset(item);
      std::string_view value;
      bool found = false;
      if (s.ok()) s = attributes.Find("price", &value, &found);
      found_count += found;
    }
    if (!s.ok() || static_cast<int>(found_count) != page.items) {
      state.SkipWithError(s.ok() ? "attribute not found" : s.ToString().c_str());
      return;
    }
  }
  SetCounters(state, page);
}
BENCHMARK(BM_SplitItemsResponseOneAttribute)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ddb::dynamodb

BENCHMARK_MAIN();
