// Fuzz target: DynamoDB's wire JSON as response pages bring it, through the
// public decoders of engine/dynamodb/attribute_value.h, with differential
// checks between them:
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

#include <nlohmann/json.hpp>

#include "engine/dynamodb/attribute_value.h"

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

void CheckPage(std::string_view body) {
  std::vector<Item> items;
  std::vector<JsonMember> others;
  Status decoded = ddb::dynamodb::DecodeItemsResponse(body, "Items", &items, &others);
  std::vector<std::string_view> texts;
  std::vector<JsonMember> split_others;
  Status split = ddb::dynamodb::SplitItemsResponse(body, "Items", &texts, &split_others);
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

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
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
