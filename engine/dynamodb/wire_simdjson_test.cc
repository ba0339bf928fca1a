// The simdjson page decoder (wire_simdjson.cc) against the text reader
// (wire_text.cc), under every simdjson kernel this CPU runs: whatever
// simdjson accepts, the text reader accepts with the same result, and the
// public decoders give the text reader's Status on whatever it rejects.
#include "engine/dynamodb/wire_simdjson.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "engine/dynamodb/attribute_value.h"
#include "engine/dynamodb/wire_rules.h"

namespace ddb::dynamodb {
namespace {

// Pages that decode: every type, escapes, nesting, white space, the members
// around "Items" (numbers, strings, literals, objects, arrays).
const std::vector<std::string>& ValidPages() {
  static const std::vector<std::string> pages = {
      R"({"Items": [], "Count": 0, "ScannedCount": 0})",
      R"({"Count":1,"Items":[{"k":{"S":"a"}}],"ScannedCount":1,"LastEvaluatedKey":{"k":{"S":"a"}}})",
      R"({"Items": [{"z": {"N": "1"}, "\u00e9": {"S": "\u00e9\n\u0001\\\"\/"},)"
      R"( "a\u0000": {"BOOL": true}, "a": {"M": {"y": {"L": [{"M": {"b": {"NULL": true},)"
      R"( "a": {"S": "x"}}}]}, "x": {"SS": ["\u0041", "\u0009"]}}},)"
      R"( "ns": {"NS": ["+5", ".5", "-0", "1E+2"]}, "n": {"S": null, "N": "007.50"},)"
      R"( "bs": {"BS": ["AB==", "AQI="]}, "b": {"B": "AQ=="}}, {}, {"k": {"L": []}, "j": {"M": {}}}],)"
      R"( "Count": 3, "ConsumedCapacity": {"TableName": "t", "CapacityUnits": 0.5e-1,)"
      R"( "x": [true, false, null, -0, 1E+400, "\ud83d\ude00"]}})",
      " \n\t{ \"Items\" : [ { \"k\" : { \"S\" : \"v\" } } , { } ] , \"Count\" : 2 } \r\n",
      R"({"Items": [{"k": {"S": "a"}}], "Items": [{"k": {"S": "b"}}]})",
      R"({"Count": 0})",
      R"({})",
      R"({"Items": [{"big": {"L": [{"M": {"m": {"SS": ["a", "b", "c"]}}}, {"NULL": true}]}}]})",
  };
  return pages;
}

// Each valid page broken in every way a byte can break it: dropped, or
// replaced by a character that JSON or the wire rules care about.
std::vector<std::string> BrokenPages() {
  std::vector<std::string> broken;
  const std::string replacements = std::string("\"\\{}[],: 0n-\x01\xff", 15);
  for (const std::string& page : ValidPages()) {
    for (size_t i = 0; i < page.size(); ++i) {
      std::string dropped = page;
      dropped.erase(i, 1);
      broken.push_back(dropped);
      for (char c : replacements) {
        if (page[i] == c) continue;
        std::string replaced = page;
        replaced[i] = c;
        broken.push_back(replaced);
      }
    }
  }
  return broken;
}

// Runs `body` through the simdjson decoder and the text reader, in both
// modes, and checks that they agree as the fast path needs them to.
void Compare(const std::string& body, int* accepted) {
  SCOPED_TRACE(body);
  for (bool as_text : {false, true}) {
    std::vector<Item> items, text_items;
    std::vector<std::string_view> texts, text_texts;
    std::vector<JsonMember> others, text_others;
    bool fast = wire::SimdjsonDecodeResponse(body, "Items", as_text ? nullptr : &items,
                                             as_text ? &texts : nullptr, &others);
    Status slow = wire::TextDecodeResponse(body, "Items", as_text ? nullptr : &text_items,
                                           as_text ? &text_texts : nullptr, &text_others);
    if (fast) {
      ++*accepted;
      ASSERT_TRUE(slow.ok()) << slow.ToString();
      EXPECT_EQ(items, text_items);
      EXPECT_EQ(texts, text_texts);
      ASSERT_EQ(others.size(), text_others.size());
      for (size_t i = 0; i < others.size(); ++i) {
        EXPECT_EQ(others[i].name, text_others[i].name);
        // The very same span of the body, not only equal text.
        EXPECT_EQ(others[i].value.data(), text_others[i].value.data());
        EXPECT_EQ(others[i].value.size(), text_others[i].value.size());
      }
      for (size_t i = 0; i < texts.size() && i < text_texts.size(); ++i) {
        EXPECT_EQ(texts[i].data(), text_texts[i].data());
      }
    }
    // The public decoders: the text reader's Status either way.
    std::vector<Item> public_items;
    std::vector<std::string_view> public_texts;
    std::vector<JsonMember> public_others;
    Status s = as_text ? SplitItemsResponse(body, "Items", &public_texts, &public_others)
                       : DecodeItemsResponse(body, "Items", &public_items, &public_others);
    EXPECT_EQ(s.ToString(), slow.ToString());
    if (s.ok()) {
      EXPECT_EQ(public_items, text_items);
      EXPECT_EQ(public_texts, text_texts);
    }
  }
}

// Every simdjson kernel this CPU runs, made the active one in turn (the
// decoder's parser takes the active kernel when it is made).
class EachKernel {
 public:
  EachKernel() : saved_(simdjson::get_active_implementation()) {}
  ~EachKernel() { simdjson::get_active_implementation() = saved_; }
  EachKernel(const EachKernel&) = delete;
  EachKernel& operator=(const EachKernel&) = delete;

  template <typename F>
  void Run(F f) {
    for (const simdjson::implementation* impl : simdjson::get_available_implementations()) {
      if (!impl->supported_by_runtime_system()) continue;
      simdjson::get_active_implementation() = impl;
      ASSERT_EQ(std::string(wire::SimdjsonKernel()), impl->name());
      SCOPED_TRACE(impl->name());
      f();
    }
  }

 private:
  const simdjson::implementation* saved_;
};

TEST(WireSimdjsonTest, ValidPagesDecodeAsTheTextReaderDecodesThem) {
  EachKernel kernels;
  kernels.Run([] {
    int accepted = 0;
    for (const std::string& page : ValidPages()) Compare(page, &accepted);
    // Every valid page goes the fast way, in both modes.
    EXPECT_EQ(accepted, static_cast<int>(2 * ValidPages().size()));
  });
}

TEST(WireSimdjsonTest, BrokenPagesAreRejectedOrDecodedAsTheTextReaderDoes) {
  const std::vector<std::string> broken = BrokenPages();
  EachKernel kernels;
  kernels.Run([&] {
    int accepted = 0;
    for (const std::string& page : broken) {
      Compare(page, &accepted);
      if (::testing::Test::HasFailure()) return;
    }
    // Some breakages leave valid JSON (a space for a space, a digit for a
    // digit): those still take the fast way.
    EXPECT_GT(accepted, 0);
  });
}

TEST(WireSimdjsonTest, RulesTheTextReaderHasAreKept) {
  // Each is valid JSON that a rule rejects; simdjson must not accept it.
  const char* pages[] = {
      R"({"Items": [{"": {"S": "a"}}]})",                                  // empty name
      R"({"Items": [{"a": {"S": "x"}, "a": {"S": "y"}}]})",                // repeated name
      R"({"Items": [{"a": {"M": {"": {"S": "x"}}}}]})",                    // empty map key
      R"({"Items": [{"a": {"M": {"b": {"S": "x"}, "b": {"N": "1"}}}}]})",  // repeated map key
      R"({"Items": [{"a": {"SS": []}}]})",                                 // empty set
      R"({"Items": [{"a": {"SS": ["x", "x"]}}]})",                         // repeated member
      R"({"Items": [{"a": {"NS": ["1", "1.0"]}}]})",                       // equal numbers
      R"({"Items": [{"a": {"N": "1e999"}}]})",                             // out of range
      R"({"Items": [{"a": {"B": "*"}}]})",                                 // bad base64
      R"({"Items": [{"a": {"NULL": false}}]})",                            // NULL must be true
      R"({"Items": [{"a": {"S": "x", "N": "1"}}]})",                       // two types
      R"({"Items": [{"a": {}}]})",                                         // no type
      R"({"Items": [{"a": {"Q": "x"}}]})",                                 // unknown type
      R"({"Items": [{"a": {"S": 1}}]})",                                   // wrong JSON type
      R"({"Items": [1]})",                                                 // not an item
      R"({"Items": {}})",                                                  // not an array
      R"({"Count": 01})",                                                  // bad number
      R"({"Count": 1} x)",                                                 // trailing text
      R"([])",                                                             // not an object
  };
  EachKernel kernels;
  kernels.Run([&] {
    for (const char* page : pages) {
      SCOPED_TRACE(page);
      std::vector<Item> items;
      std::vector<JsonMember> others;
      EXPECT_FALSE(wire::SimdjsonDecodeResponse(page, "Items", &items, nullptr, &others));
      EXPECT_FALSE(DecodeItemsResponse(page, "Items", &items, &others).ok());
    }
  });
  // Nesting: kMaxValueNesting levels of M are fine, one more is not; 512
  // levels of plain JSON beside the items are not (the text reader's
  // limit), though simdjson's own goes further.
  auto nested = [](int levels) {
    std::string value = R"({"S": "x"})";
    for (int i = 0; i < levels; ++i) value = R"({"M": {"a": )" + value + "}}";
    return R"({"Items": [{"a": )" + value + "}]}";
  };
  std::vector<Item> items;
  std::vector<JsonMember> others;
  EXPECT_TRUE(
      wire::SimdjsonDecodeResponse(nested(kMaxValueNesting), "Items", &items, nullptr, &others));
  EXPECT_FALSE(wire::SimdjsonDecodeResponse(nested(kMaxValueNesting + 1), "Items", &items, nullptr,
                                            &others));
  std::string deep = R"({"x": )" + std::string(600, '[') + std::string(600, ']') + "}";
  EXPECT_FALSE(wire::SimdjsonDecodeResponse(deep, "Items", &items, nullptr, &others));
  EXPECT_FALSE(DecodeItemsResponse(deep, "Items", &items, &others).ok());
}

}  // namespace
}  // namespace ddb::dynamodb
