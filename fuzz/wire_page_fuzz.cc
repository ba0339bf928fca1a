// Fuzz target: DynamoDB's wire JSON as response pages bring it, through the
// public decoders of engine/dynamodb/attribute_value.h, with differential
// checks between them:
//   - the simdjson page decoder (wire_simdjson.h) accepts only what the
//     text reader (wire::TextDecodeResponse) accepts, with the same items,
//     the same spans of the page, the same other members; the public
//     decoders give the text reader's Status; each input runs under one of
//     the simdjson kernels this CPU has, in turn;
//   - DecodeItemsResponse and SplitItemsResponse accept and reject the same
//     pages with the same Status;
//   - an item kept as text (AppendCheckedItemPlainJson, CheckedItemAttributes)
//     reads as the decoded item does;
//   - what the text decoder accepts, json::parse + ItemFromWireJson accepts
//     too, with the same item (the other way round differs on purpose:
//     repeated names are refused by the text decoder only).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>
#include <nlohmann/json.hpp>

#include "engine/dynamodb/attribute_value.h"
#include "engine/dynamodb/wire_rules.h"
#include "engine/dynamodb/wire_simdjson.h"

namespace {

using ddb::Status;
using ddb::dynamodb::AttributeValue;
using ddb::dynamodb::Item;
using ddb::dynamodb::JsonMember;

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "wire_page_fuzz: invariant broken: %s\n", what);
  std::abort();
}

// The DOM decoder agrees with an item the text decoder accepted.
void CheckAgainstDom(std::string_view text, const Item& item) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  Check(!j.is_discarded(), "text decoder accepted what json::parse rejects");
  Item dom;
  Status s = ddb::dynamodb::ItemFromWireJson(j, &dom);
  Check(s.ok(), "text decoder accepted an item ItemFromWireJson rejects");
  Check(ddb::dynamodb::ItemToPlainJson(dom) == ddb::dynamodb::ItemToPlainJson(item),
        "text and DOM decoders decode different items");
}

bool SameMembers(const std::vector<JsonMember>& a, const std::vector<JsonMember>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].value.data() != b[i].value.data() ||
        a[i].value.size() != b[i].value.size()) {
      return false;
    }
  }
  return true;
}

// The simdjson decoder against the text reader, in both modes.
void CheckSimdjson(std::string_view body, const Status& decoded, const Status& split) {
  namespace wire = ddb::dynamodb::wire;
  for (bool as_text : {false, true}) {
    std::vector<Item> fast_items, slow_items;
    std::vector<std::string_view> fast_texts, slow_texts;
    std::vector<JsonMember> fast_others, slow_others;
    bool fast = wire::SimdjsonDecodeResponse(body, "Items", as_text ? nullptr : &fast_items,
                                             as_text ? &fast_texts : nullptr, &fast_others);
    Status slow = wire::TextDecodeResponse(body, "Items", as_text ? nullptr : &slow_items,
                                           as_text ? &slow_texts : nullptr, &slow_others);
    Check((as_text ? split : decoded).ToString() == slow.ToString(),
          "a public page decoder and the text reader give different results");
    if (!fast) continue;
    Check(slow.ok(), "simdjson accepted a page the text reader rejects");
    Check(fast_items == slow_items, "simdjson and the text reader decode different items");
    Check(fast_texts.size() == slow_texts.size(), "different item text counts");
    for (size_t i = 0; i < fast_texts.size(); ++i) {
      Check(fast_texts[i].data() == slow_texts[i].data() &&
                fast_texts[i].size() == slow_texts[i].size(),
            "simdjson and the text reader keep different item texts");
    }
    Check(SameMembers(fast_others, slow_others),
          "simdjson and the text reader split the other members differently");
  }
}

void CheckPage(std::string_view body) {
  std::vector<Item> items;
  std::vector<JsonMember> others;
  Status decoded = ddb::dynamodb::DecodeItemsResponse(body, "Items", &items, &others);
  std::vector<std::string_view> texts;
  std::vector<JsonMember> split_others;
  Status split = ddb::dynamodb::SplitItemsResponse(body, "Items", &texts, &split_others);
  CheckSimdjson(body, decoded, split);
  Check(decoded.ok() == split.ok(), "DecodeItemsResponse and SplitItemsResponse disagree");
  if (!decoded.ok()) {
    Check(decoded.ToString() == split.ToString(), "the two page decoders give different errors");
    return;
  }
  Check(items.size() == texts.size(), "different item counts");
  Check(others.size() == split_others.size(), "different member counts");
  ddb::dynamodb::CheckedItemAttributes attrs;
  for (size_t i = 0; i < items.size(); ++i) {
    std::string plain;
    Status s = ddb::dynamodb::AppendCheckedItemPlainJson(texts[i], &plain);
    Check(s.ok(), "AppendCheckedItemPlainJson failed on a checked item");
    Check(plain == ddb::dynamodb::ItemToPlainJson(items[i]),
          "item text and decoded item give different plain JSON");
    attrs.Reset(texts[i]);
    for (const auto& [name, value] : items[i]) {
      std::string_view wire;
      bool found = false;
      s = attrs.Find(name, &wire, &found);
      Check(s.ok() && found, "CheckedItemAttributes misses an attribute");
      AttributeValue v;
      s = ddb::dynamodb::FromWireJsonText(wire, &v);
      Check(s.ok(), "an attribute's wire text does not decode");
      Check(ddb::dynamodb::ToPlainJson(v) == ddb::dynamodb::ToPlainJson(value),
            "an attribute found by name differs from the decoded one");
    }
    bool found = true;
    std::string_view wire;
    s = attrs.Find("\x01no such attribute", &wire, &found);
    Check(s.ok() && !found, "CheckedItemAttributes finds an absent attribute");
    CheckAgainstDom(texts[i], items[i]);
  }
}

}  // namespace

// The simdjson kernels this CPU runs (the decoder's parser takes the active
// one when it is made).
const std::vector<const simdjson::implementation*>& Kernels() {
  static const std::vector<const simdjson::implementation*> kernels = [] {
    std::vector<const simdjson::implementation*> found;
    for (const simdjson::implementation* impl : simdjson::get_available_implementations()) {
      if (impl->supported_by_runtime_system()) found.push_back(impl);
    }
    return found;
  }();
  return kernels;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // One kernel per input, by its size: all of them over a run.
  if (!Kernels().empty()) {
    simdjson::get_active_implementation() = Kernels()[size % Kernels().size()];
  }
  // A whole response page, as Scan and Query answer.
  CheckPage(text);
  // A bare value, an item, and an array of items.
  AttributeValue value;
  (void)ddb::dynamodb::FromWireJsonText(text, &value);
  Item item;
  if (ddb::dynamodb::ItemFromWireJsonText(text, &item).ok()) CheckAgainstDom(text, item);
  std::vector<Item> items;
  (void)ddb::dynamodb::ItemsFromWireJsonText(text, &items);
  std::vector<JsonMember> members;
  (void)ddb::dynamodb::SplitJsonObject(text, &members);
  return 0;
}
