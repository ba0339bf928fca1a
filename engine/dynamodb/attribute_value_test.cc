#include "engine/dynamodb/attribute_value.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <clocale>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "tests/support/emulators.h"

namespace ddb::dynamodb {
namespace {

using Json = nlohmann::json;
using Type = AttributeValue::Type;

// A value with every type, nested.
AttributeValue Everything() {
  AttributeMap inner;
  inner["s"] = AttributeValue::S("x");
  inner["n"] = AttributeValue::N("-1.5E-3");
  inner["l"] = AttributeValue::L({AttributeValue::Null(), AttributeValue::Bool(false)});
  AttributeMap m;
  m["S"] = AttributeValue::S("h\xc3\xa9llo \"w\"\n");
  m["N"] = AttributeValue::N("12345678901234567890123456789012345678");
  m["B"] = AttributeValue::B(std::string("a\0b\xff", 4));
  m["BOOL"] = AttributeValue::Bool(true);
  m["NULL"] = AttributeValue::Null();
  m["M"] = AttributeValue::M(std::move(inner));
  m["L"] =
      AttributeValue::L({AttributeValue::N("1"), AttributeValue::S(""), AttributeValue::M({})});
  m["SS"] = AttributeValue::SS({"b", "a", ""});
  m["NS"] = AttributeValue::NS({"-0.00000000000000000000000000000000000001", "1E2"});
  m["BS"] = AttributeValue::BS({std::string("\0", 1), ""});
  return AttributeValue::M(std::move(m));
}

TEST(AttributeValueTest, ConstructorsAndAccessors) {
  AttributeValue null;
  EXPECT_EQ(null.type(), Type::kNull);
  EXPECT_EQ(AttributeValue::Null().type(), Type::kNull);

  AttributeValue s = AttributeValue::S("text");
  EXPECT_EQ(s.type(), Type::kS);
  EXPECT_EQ(s.scalar(), "text");
  AttributeValue n = AttributeValue::N("1.50");
  EXPECT_EQ(n.type(), Type::kN);
  EXPECT_EQ(n.scalar(), "1.50");
  AttributeValue b = AttributeValue::B(std::string("\0\1", 2));
  EXPECT_EQ(b.type(), Type::kB);
  EXPECT_EQ(b.scalar(), std::string("\0\1", 2));
  EXPECT_TRUE(AttributeValue::Bool(true).boolean());
  EXPECT_FALSE(AttributeValue::Bool(false).boolean());
  EXPECT_EQ(AttributeValue::Bool(false).type(), Type::kBool);

  AttributeValue m = AttributeValue::M({{"k", AttributeValue::S("v")}});
  EXPECT_EQ(m.type(), Type::kM);
  ASSERT_EQ(m.map().size(), 1u);
  EXPECT_EQ(m.map().at("k").scalar(), "v");
  AttributeValue l = AttributeValue::L({AttributeValue::N("1"), AttributeValue::N("2")});
  EXPECT_EQ(l.type(), Type::kL);
  ASSERT_EQ(l.list().size(), 2u);
  EXPECT_EQ(l.list()[1].scalar(), "2");

  EXPECT_EQ(AttributeValue::SS({"a"}).type(), Type::kSS);
  EXPECT_EQ(AttributeValue::NS({"1"}).type(), Type::kNS);
  EXPECT_EQ(AttributeValue::BS({"a"}).type(), Type::kBS);
  EXPECT_EQ(AttributeValue::SS({"b", "a"}).set(), (std::vector<std::string>{"b", "a"}));
  EXPECT_TRUE(AttributeValue::BS({"a"}).is_set());
  EXPECT_FALSE(l.is_set());

  // Another type's payload reads as empty.
  EXPECT_EQ(m.scalar(), "");
  EXPECT_TRUE(s.map().empty());
  EXPECT_TRUE(s.list().empty());
  EXPECT_TRUE(s.set().empty());
  EXPECT_FALSE(s.boolean());
}

TEST(AttributeValueTest, TypeNames) {
  EXPECT_STREQ(AttributeValue::TypeName(Type::kS), "S");
  EXPECT_STREQ(AttributeValue::TypeName(Type::kN), "N");
  EXPECT_STREQ(AttributeValue::TypeName(Type::kB), "B");
  EXPECT_STREQ(AttributeValue::TypeName(Type::kBool), "BOOL");
  EXPECT_STREQ(AttributeValue::TypeName(Type::kNull), "NULL");
  EXPECT_STREQ(AttributeValue::TypeName(Type::kM), "M");
  EXPECT_STREQ(AttributeValue::TypeName(Type::kL), "L");
  EXPECT_STREQ(AttributeValue::TypeName(Type::kSS), "SS");
  EXPECT_STREQ(AttributeValue::TypeName(Type::kNS), "NS");
  EXPECT_STREQ(AttributeValue::TypeName(Type::kBS), "BS");
}

TEST(AttributeValueTest, LeanLayout) { EXPECT_LE(sizeof(AttributeValue), 40u); }

TEST(AttributeValueTest, CopyIsDeep) {
  AttributeValue original = Everything();
  AttributeValue copy = original;
  EXPECT_EQ(copy, original);
  (*copy.mutable_map())["M"].mutable_map()->erase("s");
  (*copy.mutable_map())["L"].mutable_list()->push_back(AttributeValue::Null());
  EXPECT_NE(copy, original);
  EXPECT_EQ(original.map().at("M").map().count("s"), 1u);
  EXPECT_EQ(original.map().at("L").list().size(), 3u);

  AttributeValue assigned = AttributeValue::S("old");
  assigned = original;
  EXPECT_EQ(assigned, original);
}

TEST(AttributeValueTest, MoveLeavesNull) {
  AttributeValue a = Everything();
  AttributeValue b = std::move(a);
  EXPECT_EQ(a.type(), Type::kNull);  // NOLINT(bugprone-use-after-move): documented
  EXPECT_EQ(b, Everything());
  AttributeValue c = AttributeValue::N("1");
  c = std::move(b);
  EXPECT_EQ(b.type(), Type::kNull);  // NOLINT(bugprone-use-after-move): documented
  EXPECT_EQ(c, Everything());
}

TEST(AttributeValueTest, AssignFromOwnChild) {
  AttributeValue v = AttributeValue::L({AttributeValue::M({{"k", AttributeValue::S("deep")}})});
  v = v.list()[0];
  EXPECT_EQ(v.map().at("k").scalar(), "deep");
  v = std::move((*v.mutable_map())["k"]);
  EXPECT_EQ(v, AttributeValue::S("deep"));
  AttributeValue& self = v;
  v = self;
  EXPECT_EQ(v.scalar(), "deep");
}

TEST(AttributeValueTest, MutableAccessorsConvert) {
  AttributeValue v = AttributeValue::S("x");
  (*v.mutable_map())["a"] = AttributeValue::N("1");
  EXPECT_EQ(v.type(), Type::kM);
  EXPECT_EQ(v.map().size(), 1u);
  v.mutable_map()->emplace("b", AttributeValue::Null());  // stays the same map
  EXPECT_EQ(v.map().size(), 2u);
  v.mutable_list()->emplace_back();
  EXPECT_EQ(v.type(), Type::kL);
  EXPECT_EQ(v.list().size(), 1u);
}

TEST(AttributeValueTest, Equality) {
  EXPECT_EQ(AttributeValue::N("1.0"), AttributeValue::N("1"));
  EXPECT_EQ(AttributeValue::N("1"), AttributeValue::N("1E0"));
  EXPECT_EQ(AttributeValue::N("-0"), AttributeValue::N("0.00"));
  EXPECT_NE(AttributeValue::N("1"), AttributeValue::N("1.00000000000000000000000000000000000001"));
  EXPECT_NE(AttributeValue::N("1"), AttributeValue::S("1"));
  EXPECT_NE(AttributeValue::S("a"), AttributeValue::B("a"));
  EXPECT_NE(AttributeValue::Bool(true), AttributeValue::Bool(false));
  EXPECT_EQ(AttributeValue::Null(), AttributeValue());
  EXPECT_EQ(AttributeValue::SS({"a", "b", "c"}), AttributeValue::SS({"c", "a", "b"}));
  EXPECT_NE(AttributeValue::SS({"a", "b"}), AttributeValue::SS({"a", "c"}));
  EXPECT_NE(AttributeValue::SS({"a", "b"}), AttributeValue::SS({"a"}));
  EXPECT_NE(AttributeValue::SS({"a"}), AttributeValue::BS({"a"}));
  EXPECT_EQ(AttributeValue::NS({"1", "2.50"}), AttributeValue::NS({"2.5", "1E0"}));
  EXPECT_NE(AttributeValue::NS({"1", "2"}), AttributeValue::NS({"1", "3"}));
  EXPECT_EQ(AttributeValue::BS({std::string("\0", 1), "x"}),
            AttributeValue::BS({"x", std::string("\0", 1)}));
  EXPECT_EQ(AttributeValue::M({{"a", AttributeValue::N("10")}}),
            AttributeValue::M({{"a", AttributeValue::N("1e1")}}));
  EXPECT_NE(AttributeValue::M({{"a", AttributeValue::N("10")}}),
            AttributeValue::M({{"b", AttributeValue::N("10")}}));
  // Lists are ordered.
  EXPECT_NE(AttributeValue::L({AttributeValue::N("1"), AttributeValue::N("2")}),
            AttributeValue::L({AttributeValue::N("2"), AttributeValue::N("1")}));
  EXPECT_EQ(AttributeValue::L({AttributeValue::N("1"), AttributeValue::L({})}),
            AttributeValue::L({AttributeValue::N("1.0"), AttributeValue::L({})}));
}

// ---- Wire JSON ----

void ExpectWireRoundTrip(const AttributeValue& v, const char* wire) {
  Json expected = Json::parse(wire);
  Json j;
  ToWireJson(v, &j);
  EXPECT_EQ(j, expected) << j.dump();
  AttributeValue back;
  Status s = FromWireJson(expected, &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(back, v);
  // Exact text, not only numeric equality.
  Json again;
  ToWireJson(back, &again);
  EXPECT_EQ(again, expected);
}

TEST(WireJsonTest, RoundTripEveryType) {
  ExpectWireRoundTrip(AttributeValue::S("x"), R"({"S": "x"})");
  ExpectWireRoundTrip(AttributeValue::S(""), R"({"S": ""})");
  ExpectWireRoundTrip(AttributeValue::S("\xe2\x82\xac \xf0\x9f\x98\x80"), R"({"S": "€ 😀"})");
  ExpectWireRoundTrip(AttributeValue::N("1.50"), R"({"N": "1.50"})");
  ExpectWireRoundTrip(AttributeValue::N("12345678901234567890123456789012345678"),
                      R"({"N": "12345678901234567890123456789012345678"})");
  ExpectWireRoundTrip(AttributeValue::N("-0.00000000000000000000000000000000000001"),
                      R"({"N": "-0.00000000000000000000000000000000000001"})");
  ExpectWireRoundTrip(AttributeValue::N("-1.2345678901234567890123456789012345678E-92"),
                      R"({"N": "-1.2345678901234567890123456789012345678E-92"})");
  ExpectWireRoundTrip(AttributeValue::B(std::string("a\0b", 3)), R"({"B": "YQBi"})");
  ExpectWireRoundTrip(AttributeValue::B(""), R"({"B": ""})");
  ExpectWireRoundTrip(AttributeValue::Bool(true), R"({"BOOL": true})");
  ExpectWireRoundTrip(AttributeValue::Bool(false), R"({"BOOL": false})");
  ExpectWireRoundTrip(AttributeValue::Null(), R"({"NULL": true})");
  ExpectWireRoundTrip(AttributeValue::M({}), R"({"M": {}})");
  ExpectWireRoundTrip(AttributeValue::L({}), R"({"L": []})");
  ExpectWireRoundTrip(AttributeValue::SS({"b", "a", ""}), R"({"SS": ["b", "a", ""]})");
  ExpectWireRoundTrip(AttributeValue::NS({"3", "-1.5", "1E2"}), R"({"NS": ["3", "-1.5", "1E2"]})");
  ExpectWireRoundTrip(AttributeValue::BS({std::string("\0\0", 2), ""}), R"({"BS": ["AAA=", ""]})");
}

TEST(WireJsonTest, RoundTripNested) {
  ExpectWireRoundTrip(Everything(), R"({"M": {
      "S": {"S": "héllo \"w\"\n"},
      "N": {"N": "12345678901234567890123456789012345678"},
      "B": {"B": "YQBi/w=="},
      "BOOL": {"BOOL": true},
      "NULL": {"NULL": true},
      "M": {"M": {"s": {"S": "x"}, "n": {"N": "-1.5E-3"},
                  "l": {"L": [{"NULL": true}, {"BOOL": false}]}}},
      "L": {"L": [{"N": "1"}, {"S": ""}, {"M": {}}]},
      "SS": {"SS": ["b", "a", ""]},
      "NS": {"NS": ["-0.00000000000000000000000000000000000001", "1E2"]},
      "BS": {"BS": ["AA==", ""]}}})");
}

TEST(WireJsonTest, Items) {
  Item item = Everything().map();
  Json j = ItemToWireJson(item);
  EXPECT_EQ(j["N"], Json::parse(R"({"N": "12345678901234567890123456789012345678"})"));
  Item back;
  Status s = ItemFromWireJson(j, &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(back, item);

  Item empty;
  ASSERT_TRUE(ItemFromWireJson(Json::object(), &empty).ok());
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(ItemToWireJson(Item()), Json::object());
}

std::string WireError(const char* wire) {
  AttributeValue v = AttributeValue::S("untouched");
  Status s = FromWireJson(Json::parse(wire), &v);
  if (s.ok()) return "OK";
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(v, AttributeValue::S("untouched")) << "output changed on error";
  return s.message();
}

std::string ItemError(const char* wire) {
  Item item;
  Status s = ItemFromWireJson(Json::parse(wire), &item);
  if (s.ok()) return "OK";
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  return s.message();
}

TEST(WireJsonTest, RejectsWhatDynamoDBRejects) {
  EXPECT_EQ(WireError(R"("x")"),
            "expected an AttributeValue object such as {\"S\": \"x\"}, got string");
  EXPECT_EQ(WireError(R"([])"),
            "expected an AttributeValue object such as {\"S\": \"x\"}, got array");
  EXPECT_EQ(WireError(R"({})"),
            "AttributeValue has no type; expected exactly one of S, N, B, BOOL, NULL, M, L, SS, "
            "NS, BS");
  EXPECT_EQ(WireError(R"({"S": null})"), WireError(R"({})"));
  EXPECT_EQ(WireError(R"({"S": "x", "N": "1"})"),
            "AttributeValue has several types (N, S); expected exactly one");
  EXPECT_EQ(WireError(R"({"X": "1"})"),
            "unknown AttributeValue type \"X\"; expected one of S, N, B, BOOL, NULL, M, L, SS, "
            "NS, BS");
  EXPECT_EQ(WireError(R"({"s": "x"})").substr(0, 31), "unknown AttributeValue type \"s\"");
  EXPECT_EQ(WireError(R"({"S": 1})"), "\"S\" must be a JSON string, got number");
  EXPECT_EQ(WireError(R"({"N": 1})"), "\"N\" must be a JSON string, got number");
  EXPECT_EQ(WireError(R"({"B": []})"), "\"B\" must be a JSON string, got array");
  EXPECT_EQ(WireError(R"({"BOOL": "true"})"), "\"BOOL\" must be true or false, got string");
  EXPECT_EQ(WireError(R"({"NULL": false})"), "\"NULL\" must be true, got false");
  EXPECT_EQ(WireError(R"({"NULL": "true"})"), "\"NULL\" must be true, got string");
  EXPECT_EQ(WireError(R"({"M": []})"), "\"M\" must be a JSON object, got array");
  EXPECT_EQ(WireError(R"({"L": {}})"), "\"L\" must be a JSON array, got object");
  EXPECT_EQ(WireError(R"({"SS": "a"})"), "\"SS\" must be a JSON array, got string");
  EXPECT_EQ(WireError(R"({"SS": []})"), "empty string set");
  EXPECT_EQ(WireError(R"({"NS": []})"), "empty number set");
  EXPECT_EQ(WireError(R"({"BS": []})"), "empty binary set");
  EXPECT_EQ(WireError(R"({"SS": [null]})"), "string set members must be JSON strings, got null");
  EXPECT_EQ(WireError(R"({"NS": [1]})"), "number set members must be JSON strings, got number");
  EXPECT_EQ(WireError(R"({"N": "1e"})").substr(0, 37), "invalid number \"1e\": not a decimal nu");
  EXPECT_EQ(WireError(R"({"N": ""})").substr(0, 17), "invalid number \"\"");
  EXPECT_EQ(WireError(R"({"N": "123456789012345678901234567890123456789"})"),
            "invalid number \"123456789012345678901234567890123456789\": 39 significant digits; "
            "DynamoDB allows at most 38");
  EXPECT_EQ(WireError(R"({"NS": ["1", "abc"]})").substr(0, 21), "invalid number \"abc\":");
  EXPECT_EQ(WireError(R"({"B": "AA"})"), "\"B\": invalid base64: length 2 is not a multiple of 4");
  EXPECT_EQ(WireError(R"({"BS": ["AA=="," AA="]})").substr(0, 41),
            "binary set member: invalid base64: unexpe");
  EXPECT_EQ(WireError(R"({"M": {"": {"S": "x"}}})"), "empty attribute name in map");
}

TEST(WireJsonTest, AcceptsWhatDynamoDBAccepts) {
  EXPECT_EQ(WireError(R"({"S": "x", "N": null})"), "OK");  // explicit null is "not set"
  EXPECT_EQ(WireError(R"({"SS": [""]})"), "OK");
  EXPECT_EQ(WireError(R"({"BS": [""]})"), "OK");
  EXPECT_EQ(WireError(R"({"N": "+.5"})"), "OK");
  EXPECT_EQ(WireError(R"({"M": {"a": {"M": {}}}})"), "OK");
}

TEST(WireJsonTest, RejectsDuplicateSetMembers) {
  EXPECT_EQ(WireError(R"({"SS": ["a", "b", "a"]})"), "duplicate member \"a\" in string set");
  EXPECT_EQ(WireError(R"({"NS": ["1", "1.0"]})"),
            "duplicate members \"1\" and \"1.0\" (equal numbers) in number set");
  EXPECT_EQ(WireError(R"({"NS": ["100", "2", "1e2"]})"),
            "duplicate members \"100\" and \"1e2\" (equal numbers) in number set");
  EXPECT_EQ(WireError(R"({"NS": ["7", "7"]})"), "duplicate member \"7\" in number set");
  EXPECT_EQ(WireError(R"({"BS": ["AA==", "AQ==", "AA=="]})"),
            "duplicate member \"AA==\" (base64) in binary set");
  EXPECT_EQ(WireError(R"({"BS": ["", ""]})"), "duplicate member \"\" (base64) in binary set");
  // Distinct members in any order are fine.
  EXPECT_EQ(WireError(R"({"NS": ["10", "9", "-1", "1E-130"]})"), "OK");
  EXPECT_EQ(WireError(R"({"SS": ["b", "a", "ab"]})"), "OK");
}

TEST(WireJsonTest, ErrorsSayWhere) {
  EXPECT_EQ(ItemError(R"({"tags": {"SS": []}})"), "attribute \"tags\": empty string set");
  EXPECT_EQ(ItemError(R"({"a": {"M": {"b": {"L": [{"S": "x"}, {"N": "x"}]}}}})").substr(0, 38),
            "attribute \"a.b[1]\": invalid number \"x\"");
  EXPECT_EQ(ItemError(R"({"a": {"L": [{"L": [{"M": {"c": {"S": 1}}}]}]}})"),
            "attribute \"a[0][0].c\": \"S\" must be a JSON string, got number");
  EXPECT_EQ(ItemError(R"({"ok": {"S": "x"}, "z": {"NULL": false}})"),
            "attribute \"z\": \"NULL\" must be true, got false");
  EXPECT_EQ(ItemError(R"({"": {"S": "x"}})"), "empty attribute name");
  EXPECT_EQ(ItemError(R"([])"), "expected an item (a JSON object), got array");
  EXPECT_EQ(ItemError(R"({"a": "x"})"),
            "attribute \"a\": expected an AttributeValue object such as {\"S\": \"x\"}, got "
            "string");
  EXPECT_EQ(WireError(R"({"L": [{"S": "x"}, {"M": {"x": {"SS": []}}}]})"),
            "at \"[1].x\": empty string set");
  EXPECT_EQ(WireError(R"({"M": {"k": {"BOOL": 0}}})"),
            "at \"k\": \"BOOL\" must be true or false, got number");
}

std::string Nested(int levels) {
  std::string s = R"({"S": "x"})";
  for (int i = 0; i < levels; ++i) {
    s = (i % 2 ? R"({"L": [)" : R"({"M": {"k": )") + s + (i % 2 ? "]}" : "}}");
  }
  return s;
}

TEST(WireJsonTest, NestingLimit) {
  // DynamoDB Local accepts an attribute with 31 nested M/L levels, not 32.
  EXPECT_EQ(ItemError(("{\"a\": " + Nested(31) + "}").c_str()), "OK");
  std::string error = ItemError(("{\"a\": " + Nested(32) + "}").c_str());
  EXPECT_NE(error.find("nested deeper than DynamoDB's limit of 32 levels"), std::string::npos)
      << error;
  EXPECT_EQ(WireError(Nested(31).c_str()), "OK");
  EXPECT_NE(WireError(Nested(32).c_str()), "OK");
}

TEST(WireJsonTest, ItemOutputReplacedOnlyOnSuccess) {
  Item item = {{"old", AttributeValue::S("x")}};
  ASSERT_FALSE(ItemFromWireJson(Json::parse(R"({"a": {"SS": []}})"), &item).ok());
  EXPECT_EQ(item.count("old"), 1u);
  ASSERT_TRUE(ItemFromWireJson(Json::parse(R"({"a": {"N": "1"}})"), &item).ok());
  EXPECT_EQ(item.size(), 1u);
  EXPECT_EQ(item.at("a"), AttributeValue::N("1"));
}

// ---- Wire JSON from text ----

// Every case gives the same value or the same message on both decoders.
// Wire JSON values, valid and not, each breaking one rule (or none).
const char* const kValueCases[] = {
    R"({"S": "x"})",
    R"({"S": ""})",
    R"({"S": "\u00e9\ud83d\ude00\n\"\\\/"})",
    R"({"N": "1.50"})",
    R"({"N": "-0.00000000000000000000000000000000000001"})",
    R"({"B": "YQBi"})",
    R"({"B": ""})",
    R"({"BOOL": true})",
    R"({"BOOL": false})",
    R"({"NULL": true})",
    R"({"M": {}})",
    R"({"L": []})",
    R"({"SS": ["b", "a", ""]})",
    R"({"NS": ["3", "-1.5", "1E2"]})",
    R"({"BS": ["AAA=", ""]})",
    R"({"S": "x", "N": null})",
    R"( { "M" : { "a" : { "L" : [ { "N" : "1" } , { "NULL" : true } ] } } } )",
    R"("x")",
    R"([])",
    R"(1)",
    R"(null)",
    R"({})",
    R"({"S": null})",
    R"({"S": "x", "N": "1"})",
    R"({"S": "x", "N": "1", "BOOL": true})",
    R"({"X": "1"})",
    R"({"s": "x"})",
    R"({"S": 1})",
    R"({"N": 1})",
    R"({"B": []})",
    R"({"BOOL": "true"})",
    R"({"BOOL": null, "NULL": false})",
    R"({"NULL": "true"})",
    R"({"NULL": 1})",
    R"({"M": []})",
    R"({"L": {}})",
    R"({"SS": "a"})",
    R"({"SS": []})",
    R"({"NS": []})",
    R"({"BS": []})",
    R"({"SS": [null]})",
    R"({"NS": [1]})",
    R"({"BS": [true]})",
    R"({"N": "1e"})",
    R"({"N": ""})",
    R"({"N": "1E126"})",
    R"({"NS": ["1", "abc"]})",
    R"({"B": "AA"})",
    R"({"BS": ["AA==", " AA="]})",
    R"({"M": {"": {"S": "x"}}})",
    R"({"SS": ["a", "b", "a"]})",
    R"({"NS": ["1", "1.0"]})",
    R"({"NS": ["100", "2", "1e2"]})",
    R"({"BS": ["AA==", "AQ==", "AA=="]})",
    R"({"L": [{"S": "x"}, {"M": {"x": {"SS": []}}}]})",
    R"({"M": {"k": {"BOOL": 0}}})",
    R"({"L": [{"L": [{"M": {"c": {"S": 1}}}]}]})",
};

TEST(WireJsonTextTest, AgreesWithDomDecoder) {
  for (const char* text : kValueCases) {
    AttributeValue from_dom, from_text;
    Status dom = FromWireJson(Json::parse(text), &from_dom);
    Status txt = FromWireJsonText(text, &from_text);
    EXPECT_EQ(txt.ok(), dom.ok()) << text;
    EXPECT_EQ(txt.message(), dom.message()) << text;
    EXPECT_EQ(txt.code(), dom.code()) << text;
    if (dom.ok()) {
      EXPECT_EQ(from_text, from_dom) << text;
      EXPECT_EQ(ToPlainJson(from_text), ToPlainJson(from_dom)) << text;  // same text, too
    }
  }
  for (int levels : {31, 32}) {
    std::string text = Nested(levels);
    AttributeValue a, b;
    Status dom = FromWireJson(Json::parse(text), &a);
    Status txt = FromWireJsonText(text, &b);
    EXPECT_EQ(txt.message(), dom.message()) << levels;
  }
  const char* kItems[] = {
      R"({"tags": {"SS": []}})",
      R"({"a": {"M": {"b": {"L": [{"S": "x"}, {"N": "x"}]}}}})",
      R"({"ok": {"S": "x"}, "z": {"NULL": false}})",
      R"({"": {"S": "x"}})",
      R"([])",
      R"({"a": "x"})",
      R"({})",
      R"({"k": {"S": "v"}, "n": {"N": "12345678901234567890123456789012345678"}})",
  };
  for (const char* text : kItems) {
    Item from_dom, from_text;
    Status dom = ItemFromWireJson(Json::parse(text), &from_dom);
    Status txt = ItemFromWireJsonText(text, &from_text);
    EXPECT_EQ(txt.message(), dom.message()) << text;
    EXPECT_EQ(from_text, from_dom) << text;
  }
}

TEST(WireJsonTextTest, RoundTripOfEverything) {
  Json wire;
  ToWireJson(Everything(), &wire);
  AttributeValue back;
  ASSERT_TRUE(FromWireJsonText(wire.dump(), &back).ok());
  EXPECT_EQ(back, Everything());
  ASSERT_TRUE(FromWireJsonText(wire.dump(2), &back).ok());  // with white space
  EXPECT_EQ(back, Everything());
  Item item;
  ASSERT_TRUE(ItemFromWireJsonText(ItemToWireJson(Everything().map()).dump(), &item).ok());
  EXPECT_EQ(item, Everything().map());
}

TEST(WireJsonTextTest, Escapes) {
  AttributeValue v;
  // Escaped type keys and names are decoded before they are looked at.
  ASSERT_TRUE(FromWireJsonText(R"({"\u0053": "a\tb"})", &v).ok());
  EXPECT_EQ(v, AttributeValue::S("a\tb"));
  ASSERT_TRUE(FromWireJsonText(R"({"M": {"k\u00e9y": {"S": "\u0000"}}})", &v).ok());
  EXPECT_EQ(v.map().at("k\xc3\xa9y").scalar(), std::string("\0", 1));
  ASSERT_TRUE(FromWireJsonText(R"({"S": "\uD83D\uDE00 \u20AC"})", &v).ok());
  EXPECT_EQ(v.scalar(), "\xf0\x9f\x98\x80 \xe2\x82\xac");
  ASSERT_TRUE(FromWireJsonText(R"({"BS": ["A\u0041==", "AQ=="]})", &v).ok());
  EXPECT_EQ(v.set()[0], std::string("\0", 1));
  EXPECT_EQ(FromWireJsonText(R"({"BS": ["A\u0041==", "AA=="]})", &v).message(),
            "duplicate member \"AA==\" (base64) in binary set");
  // Raw UTF-8 passes; long strings cross the 8-byte fast path.
  std::string text = std::string("{\"S\": \"") + "0123456789abcdef\xc3\xa9 0123456789\"}";
  ASSERT_TRUE(FromWireJsonText(text, &v).ok());
  EXPECT_EQ(v.scalar(), "0123456789abcdef\xc3\xa9 0123456789");
}

std::string TextError(std::string_view text) {
  AttributeValue v;
  Status s = FromWireJsonText(text, &v);
  return s.ok() ? "OK" : s.message();
}

TEST(WireJsonTextTest, RejectsInvalidJson) {
  EXPECT_EQ(TextError(""), "invalid JSON at offset 0: expected '{', got the end of the text");
  EXPECT_EQ(TextError(R"({"S": "x"} x)"),
            "invalid JSON at offset 11: expected the end of the text after the value, got \"x\"");
  EXPECT_EQ(TextError(R"({"S" "x"})"),
            "invalid JSON at offset 5: expected ':', got \"\\x22x\\x22}\"");
  EXPECT_EQ(TextError(R"({"S": "x",})"),
            "invalid JSON at offset 10: expected a string key, got \"}\"");
  EXPECT_EQ(TextError(R"({"S": "x")"),
            "invalid JSON at offset 9: expected ',' or '}', got the end of the text");
  EXPECT_EQ(TextError(R"({"S": "x)"), "invalid JSON at offset 8: unterminated string");
  EXPECT_EQ(TextError("{\"S\": \"a\nb\"}"),
            "invalid JSON at offset 8: control character in string");
  EXPECT_EQ(TextError("{\"S\": \"a\xff\"}"), "invalid JSON at offset 8: invalid UTF-8 in string");
  EXPECT_EQ(TextError("{\"S\": \"a\xc3\"}"), "invalid JSON at offset 8: invalid UTF-8 in string");
  EXPECT_EQ(TextError("{\"S\": \"\xed\xa0\x80\"}"),
            "invalid JSON at offset 7: invalid UTF-8 in string");
  EXPECT_EQ(TextError("{\"S\": \"\xc0\xaf\"}"),
            "invalid JSON at offset 7: invalid UTF-8 in string");
  EXPECT_EQ(TextError(R"({"S": "\x"})"), "invalid JSON at offset 8: invalid escape in string");
  EXPECT_EQ(TextError(R"({"S": "\u12"})"),
            "invalid JSON at offset 9: \\u must be followed by four hex digits");
  EXPECT_EQ(TextError(R"({"S": "\ud800"})"),
            "invalid JSON at offset 13: high surrogate not followed by a low surrogate");
  EXPECT_EQ(TextError(R"({"S": "\udc00"})"),
            "invalid JSON at offset 13: lone low surrogate in string");
  EXPECT_EQ(TextError(R"({"S": tru})"), "invalid JSON at offset 6: expected a value, got \"tru}\"");
  EXPECT_EQ(TextError(R"({"S": "x", "N": 01})"),
            "invalid JSON at offset 17: expected ',' or '}', got \"1}\"");  // no leading zeros
  EXPECT_EQ(TextError(R"({"S": "x", "N": -})"), "invalid JSON at offset 16: malformed number");
  EXPECT_EQ(TextError(R"({"L": [{"S": "x"} {"S": "y"}]})"),
            "invalid JSON at offset 18: expected ',' or ']', got \"{\\x22S\\x22: \\x22y\"");
  // The path is known for errors below the top.
  EXPECT_EQ(TextError(R"({"M": {"a": {"S": "x}}})"),
            "at \"a\": invalid JSON at offset 23: unterminated string");
  // Repeated names in one object, which a DOM would silently collapse.
  EXPECT_EQ(TextError(R"({"M": {"a": {"S": "x"}, "a": {"S": "y"}}})"),
            "repeated attribute name \"a\"");
  Item item;
  EXPECT_EQ(ItemFromWireJsonText(R"({"a": {"S": "x"}, "a": {"N": "1"}})", &item).message(),
            "repeated attribute name \"a\"");
  EXPECT_EQ(ItemFromWireJsonText(R"({"a": {"S": "x"}} [)", &item).message(),
            "invalid JSON at offset 18: expected the end of the text after the value, got \"[\"");
}

TEST(WireJsonTextTest, ItemArrays) {
  std::vector<Item> items = {{{"x", AttributeValue::S("stale")}}};
  ASSERT_TRUE(ItemsFromWireJsonText(" [ ] ", &items).ok());
  EXPECT_TRUE(items.empty());
  ASSERT_TRUE(
      ItemsFromWireJsonText(R"([{"k": {"S": "a"}}, {}, {"k": {"N": "2"}, "m": {"M": {}}}])", &items)
          .ok());
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].at("k"), AttributeValue::S("a"));
  EXPECT_TRUE(items[1].empty());
  EXPECT_EQ(items[2].at("k"), AttributeValue::N("2"));
  EXPECT_EQ(items[2].at("m"), AttributeValue::M({}));

  Status s = ItemsFromWireJsonText(R"([{"k": {"S": "a"}}, {"k": {"SS": []}}])", &items);
  EXPECT_EQ(s.message(), "item 1: attribute \"k\": empty string set");
  EXPECT_EQ(items.size(), 3u);  // unchanged on error
  EXPECT_EQ(ItemsFromWireJsonText(R"({})", &items).message(),
            "expected a JSON array of items, got object");
  EXPECT_EQ(ItemsFromWireJsonText(R"([1])", &items).message(),
            "item 0: expected an item (a JSON object), got number");
  EXPECT_EQ(ItemsFromWireJsonText(R"([{}, ])", &items).message(),
            "item 1: invalid JSON at offset 5: expected '{', got \"]\"");
}

TEST(WireJsonTextTest, SplitJsonObject) {
  std::vector<JsonMember> members;
  const char* text =
      R"( {"Count": 2, "Items": [{"a": {"S": "}]"}}], "Nested": {"x": [1, -2.5e3, true, null]},)"
      R"( "S\u00e9": "v"} )";
  ASSERT_TRUE(SplitJsonObject(text, &members).ok());
  ASSERT_EQ(members.size(), 4u);
  EXPECT_EQ(members[0].name, "Count");
  EXPECT_EQ(members[0].value, "2");
  EXPECT_EQ(members[1].name, "Items");
  EXPECT_EQ(members[1].value, R"([{"a": {"S": "}]"}}])");
  EXPECT_EQ(members[2].value, R"({"x": [1, -2.5e3, true, null]})");
  EXPECT_EQ(members[3].name, "S\xc3\xa9");
  EXPECT_EQ(members[3].value, R"("v")");
  EXPECT_EQ(Json::parse(members[2].value)["x"][1], -2500.0);

  EXPECT_EQ(SplitJsonObject("[]", &members).message(), "expected a JSON object, got array");
  EXPECT_EQ(SplitJsonObject(R"({"a": 01})", &members).message(),
            "invalid JSON at offset 7: expected ',' or '}', got \"1}\"");
  EXPECT_EQ(SplitJsonObject(R"({"a": [1,]})", &members).message(),
            "invalid JSON at offset 9: expected a value, got \"]}\"");
  EXPECT_EQ(SplitJsonObject("{\"a\": " + std::string(600, '['), &members).message(),
            "invalid JSON at offset 518: nested too deeply");
  EXPECT_EQ(members.size(), 4u);  // unchanged on error
}

TEST(WireJsonTextTest, DecodeItemsResponse) {
  std::vector<Item> items;
  std::vector<JsonMember> others;
  const char* body = R"({"Count": 2, "Items": [{"k": {"S": "a"}}, {"k": {"S": "b"}}],)"
                     R"( "LastEvaluatedKey": {"k": {"S": "b"}}, "ScannedCount": 5})";
  ASSERT_TRUE(DecodeItemsResponse(body, "Items", &items, &others).ok());
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].at("k"), AttributeValue::S("b"));
  ASSERT_EQ(others.size(), 3u);
  EXPECT_EQ(others[0].name, "Count");
  EXPECT_EQ(others[1].name, "LastEvaluatedKey");
  Item last;
  ASSERT_TRUE(ItemFromWireJsonText(others[1].value, &last).ok());
  EXPECT_EQ(last.at("k"), AttributeValue::S("b"));
  EXPECT_EQ(others[2].value, "5");

  ASSERT_TRUE(DecodeItemsResponse(R"({"Count": 0})", "Items", &items, &others).ok());
  EXPECT_TRUE(items.empty());
  EXPECT_EQ(others.size(), 1u);
  EXPECT_EQ(DecodeItemsResponse(R"({"Items": [{"k": {"N": "x"}}]})", "Items", &items, &others)
                .message()
                .substr(0, 46),
            "\"Items\": item 0: attribute \"k\": invalid number");
}

// Names out of order, escaped, nested; values with escapes and numbers and
// base64 that plain JSON writes differently.
constexpr const char* kMixedItems =
    R"([{"z": {"N": "1"}, "\u00e9": {"S": "\u00e9\n\u0001\\\"\/"}, "a\u0000": {"BOOL": true},)"
    R"( "a": {"M": {"y": {"L": [{"M": {"b": {"NULL": true}, "a": {"S": "x"}}}]},)"
    R"( "x": {"SS": ["\u0041", "\u0009"]}}}, "ns": {"NS": ["+5", ".5", "-0", "1E+2"]},)"
    R"( "n": {"S": null, "N": "007.50"}, "bs": {"BS": ["AB==", "AQI="]}, "b": {"B": "AQ=="}},)"
    R"( {}, {"k": {"L": []}, "j": {"M": {}}}])";

// Items kept as text: SplitItemsResponse accepts and rejects exactly what
// DecodeItemsResponse does, with the same Status, and the spans it keeps
// decode to the same items.
TEST(WireJsonTextTest, ItemsKeptAsTextAgreeWithDecodedItems) {
  std::vector<std::string> bodies;
  for (const char* value : kValueCases) {
    bodies.push_back(std::string(R"({"Items": [{"k": {"S": "a"}}, {"a": )") + value + "}]}");
    bodies.push_back(std::string(R"({"Items": [{"a": {"M": {"b": )") + value + "}}}]}");
    bodies.push_back(std::string(R"({"Items": [{"a": {"L": [{"NULL": true}, )") + value + "]}}]}");
  }
  for (const char* items : {
           R"([])",
           R"([{}, {}])",
           R"([{"a": {"S": "x"}, "a": {"S": "y"}}])",
           R"([{"a": {"S": "x"}, "\u0061": {"S": "y"}}])",  // the same name, escaped
           R"([{"\u0061b": {"S": "x"}, "b": {"N": "1"}, "\u0061b": {"S": "y"}}])",
           R"([{"a": {"M": {"x": {"S": "1"}, "y": {"S": "2"}, "x": {"S": "3"}}}}])",
           R"([{"a": {"M": {"x": {"M": {"x": {"S": "1"}}}, "y": {"S": "2"}}}}])",  // no repeat
           R"([{"b": {"S": "x"}, "a": {"M": {"b": {"S": "y"}}}, "c": {"M": {"a": {"S": ""}}}}])",
           R"([{"": {"S": "x"}}])",
           R"([{"a": {"M": {"": {"S": "x"}}}}])",
           R"([{"a": {"S": "x"}} {"b": {"S": "y"}}])",
           R"([{"a": {"S": "x"}}, 3])",
           R"([{"a": {"S": "x"},}])",
           R"([{"a": {"S": "x\u00"}}])",
           R"([{"a": {"S": "\ud800"}}])",
           R"({"a": {"S": "x"}})",
           R"([{"a": {"BS": ["AA==", "AQ=="]}, "b": {"B": "AQID"}}])",
           R"([{"a": {"BS": ["AQ==", "A\u0041=="]}, "b": {"BS": ["AQ==", "AQ=="]}}])",
           "[{\"a\": {\"S\": \"tab\tinside\"}}]",
           kMixedItems,
           "[{\"a\": {\"S\": \"\xff\"}}]",
       }) {
    bodies.push_back(std::string(R"({"Count": 1, "Items": )") + items + "}");
  }
  // Strings long enough for the scans that take 16 bytes at a time, with
  // something to look at in every position.
  for (size_t at = 0; at < 40; ++at) {
    for (const char* special : {"\\\"", "\\u00e9", "\xc3\xa9", "\x01", "\xff", "\\n", "\xe2\x82"}) {
      std::string str = std::string(at, 'a') + special + std::string(40 - at, 'b');
      bodies.push_back(R"({"Items": [{")" + str + R"(": {"S": ")" + str + R"("}}]})");
      // nlohmann's parser, the independent judge of what a JSON string is.
      std::string value = R"({"S": ")" + str + R"("})";
      Json dom = Json::parse(value, nullptr, /*allow_exceptions=*/false);
      AttributeValue v;
      Status txt = FromWireJsonText(value, &v);
      ASSERT_EQ(txt.ok(), !dom.is_discarded()) << value;
      if (txt.ok()) {
        EXPECT_EQ(v.scalar(), dom["S"].get<std::string>()) << value;
      }
    }
  }
  // Wide objects, past the switch from a linear search for repeated names to
  // a sorted list; repeats before and after it.
  for (int repeat : {-1, 3, 20}) {
    std::string item = "{", map = "{";
    for (int i = 0; i < 40; ++i) {
      std::string name = "n" + std::to_string((i * 7) % 40);
      if (i == 30 && repeat >= 0) name = "n" + std::to_string((repeat * 7) % 40);
      item += (i ? ", \"" : "\"") + name + R"(": {"N": ")" + std::to_string(i) + "\"}";
      map += (i ? ", \"" : "\"") + name + R"(": {"S": "v"})";
    }
    bodies.push_back(R"({"Items": [)" + item + "}]}");
    bodies.push_back(R"({"Items": [{"m": {"M": )" + map + "}}}]}");
  }
  bodies.push_back(R"({"Count": 0})");
  bodies.push_back(R"({"Items": [{"k": {"S": "a"}}]} x)");
  bodies.push_back(R"({"Items": [{"k": {"S": "a"}}], "Items2": [1, {"x": [}]})");
  bodies.push_back(std::string(R"({"Items": [{"deep": )") + Nested(31) + "}]}");
  bodies.push_back(std::string(R"({"Items": [{"deep": )") + Nested(32) + "}]}");

  int accepted = 0;
  for (const std::string& body : bodies) {
    std::vector<Item> items;
    std::vector<JsonMember> others, others_kept;
    std::vector<std::string_view> texts;
    Status decoded = DecodeItemsResponse(body, "Items", &items, &others);
    Status kept = SplitItemsResponse(body, "Items", &texts, &others_kept);
    EXPECT_EQ(kept.code(), decoded.code()) << body;
    EXPECT_EQ(kept.message(), decoded.message()) << body;
    if (!decoded.ok() || !kept.ok()) continue;
    ++accepted;
    ASSERT_EQ(texts.size(), items.size()) << body;
    ASSERT_EQ(others_kept.size(), others.size()) << body;
    for (size_t i = 0; i < texts.size(); ++i) {
      // The span lies within the body and holds the whole item.
      EXPECT_GE(texts[i].data(), body.data());
      EXPECT_LE(texts[i].data() + texts[i].size(), body.data() + body.size());
      Item item;
      ASSERT_TRUE(ItemFromWireJsonText(texts[i], &item).ok()) << texts[i];
      EXPECT_EQ(item, items[i]) << texts[i];
      std::string plain = "prefix";
      ASSERT_TRUE(AppendCheckedItemPlainJson(texts[i], &plain).ok()) << texts[i];
      EXPECT_EQ(plain, "prefix" + ItemToPlainJson(items[i])) << texts[i];
      // Every attribute found by name, in reverse order too, and no other.
      CheckedItemAttributes attributes;
      for (bool reverse : {false, true}) {
        attributes.Reset(texts[i]);
        std::vector<std::string> names = {"", "absent"};
        for (const auto& [name, value] : items[i]) names.push_back(name);
        if (reverse) std::reverse(names.begin(), names.end());
        for (const std::string& name : names) {
          std::string_view text;
          bool found;
          ASSERT_TRUE(attributes.Find(name, &text, &found).ok()) << texts[i];
          ASSERT_EQ(found, items[i].count(name) == 1) << name;
          if (!found) continue;
          AttributeValue v;
          ASSERT_TRUE(FromWireJsonText(text, &v).ok()) << text;
          EXPECT_EQ(v, items[i].at(name)) << text;
        }
      }
    }
  }
  EXPECT_GE(accepted, 150);  // the comparison saw valid pages, not only errors

  std::vector<std::string_view> texts;
  std::vector<JsonMember> others;
  const std::string body = std::string(R"({"Items": )") + kMixedItems + "}";
  ASSERT_TRUE(SplitItemsResponse(body, "Items", &texts, &others).ok());
  std::string plain;
  ASSERT_TRUE(AppendCheckedItemPlainJson(texts.at(0), &plain).ok());
  EXPECT_EQ(plain,
            R"({"a":{"x":["A","\t"],"y":[{"a":"x","b":null}]},"a\u0000":true,"b":"AQ==",)"
            R"("bs":["AA==","AQI="],"n":7.50,"ns":[5,0.5,-0,1E+2],"z":1,"é":"é\n\u0001\\\"/"})");
}

TEST(WireJsonTextTest, CheckedItemAttributes) {
  CheckedItemAttributes attributes;
  auto find = [&attributes](std::string_view name) {
    std::string_view value;
    bool found = false;
    Status s = attributes.Find(name, &value, &found);
    if (!s.ok()) return "error: " + s.message();
    return found ? std::string(value) : std::string("(absent)");
  };
  const std::string item =
      R"( {"s": {"S": "a\"}]\\"}, "m\u00e9": {"M": {"x": {"L": [{"S": "]}"}]}}},)"
      R"( "n" : {"N": "1"} } )";
  attributes.Reset(item);
  EXPECT_EQ(find("m\xc3\xa9"), R"({"M": {"x": {"L": [{"S": "]}"}]}}})");
  EXPECT_EQ(find("s"), R"({"S": "a\"}]\\"})");
  EXPECT_EQ(find("x"), "(absent)");  // a name nested deeper is not an attribute
  EXPECT_EQ(find("n"), R"({"N": "1"})");
  EXPECT_EQ(find(R"(m\u00e9)"), "(absent)");  // names compare decoded
  // The next item: nothing of the last one is left.
  attributes.Reset(R"({"n": {"N": "2"}})");
  EXPECT_EQ(find("s"), "(absent)");
  EXPECT_EQ(find("n"), R"({"N": "2"})");
  attributes.Reset("{}");
  EXPECT_EQ(find("n"), "(absent)");
  // Text that was never checked: an error, not a read past its end.
  for (const char* bad : {R"({"a": {"S": "x)", R"({"a": {"M": {})", R"({"a")", R"([])", "",
                          R"({"a": {"S": "x"}} x)"}) {
    attributes.Reset(bad);
    EXPECT_EQ(find("z").substr(0, 6), "error:") << bad;
    std::string plain = "kept";
    EXPECT_FALSE(AppendCheckedItemPlainJson(bad, &plain).ok()) << bad;
    EXPECT_EQ(plain, "kept");
  }
  std::string plain;
  EXPECT_FALSE(
      AppendCheckedItemPlainJson(std::string(R"({"deep": )") + Nested(40) + "}", &plain).ok());
}

// ---- Plain JSON ----

TEST(PlainJsonTest, EachType) {
  EXPECT_EQ(ToPlainJson(AttributeValue::S("x")), R"("x")");
  EXPECT_EQ(ToPlainJson(AttributeValue::S("")), R"("")");
  EXPECT_EQ(ToPlainJson(AttributeValue::N("1.50")), "1.50");
  EXPECT_EQ(ToPlainJson(AttributeValue::N("12345678901234567890123456789012345678")),
            "12345678901234567890123456789012345678");
  EXPECT_EQ(ToPlainJson(AttributeValue::N("-0.00000000000000000000000000000000000001")),
            "-0.00000000000000000000000000000000000001");
  EXPECT_EQ(ToPlainJson(AttributeValue::N("1E-130")), "1E-130");
  EXPECT_EQ(ToPlainJson(AttributeValue::N(".5")), "0.5");
  EXPECT_EQ(ToPlainJson(AttributeValue::N("5.")), "5");
  EXPECT_EQ(ToPlainJson(AttributeValue::N("+5")), "5");
  EXPECT_EQ(ToPlainJson(AttributeValue::N("-007.50e+3")), "-7.50e+3");
  EXPECT_EQ(ToPlainJson(AttributeValue::N("not a number")), R"("not a number")");
  EXPECT_EQ(ToPlainJson(AttributeValue::B(std::string("a\0b\xff", 4))), R"("YQBi/w==")");
  EXPECT_EQ(ToPlainJson(AttributeValue::B("")), R"("")");
  EXPECT_EQ(ToPlainJson(AttributeValue::Bool(true)), "true");
  EXPECT_EQ(ToPlainJson(AttributeValue::Bool(false)), "false");
  EXPECT_EQ(ToPlainJson(AttributeValue::Null()), "null");
  EXPECT_EQ(ToPlainJson(AttributeValue::M({})), "{}");
  EXPECT_EQ(ToPlainJson(AttributeValue::L({})), "[]");
  EXPECT_EQ(ToPlainJson(AttributeValue::SS({"b", "a"})), R"(["b","a"])");
  EXPECT_EQ(ToPlainJson(AttributeValue::NS({"1", ".5", "-2E3"})), "[1,0.5,-2E3]");
  EXPECT_EQ(ToPlainJson(AttributeValue::BS({std::string("\0", 1), "\xff"})), R"(["AA==","/w=="])");
}

TEST(PlainJsonTest, StringEscapes) {
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls.push_back(static_cast<char>(c));
  EXPECT_EQ(ToPlainJson(AttributeValue::S(controls)),
            R"("\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f)"
            R"(\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c)"
            R"(\u001d\u001e\u001f")");
  EXPECT_EQ(ToPlainJson(AttributeValue::S("say \"hi\" \\ / \x7f")), R"("say \"hi\" \\ / )"
                                                                    "\x7f\"");
  // Non-ASCII UTF-8 passes through.
  EXPECT_EQ(ToPlainJson(AttributeValue::S("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")),
            "\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  // What we write, a JSON parser reads back.
  std::string all;
  for (int c = 1; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  all += "\xc3\xa9";
  EXPECT_EQ(Json::parse(ToPlainJson(AttributeValue::S(all))).get<std::string>(), all);
}

TEST(PlainJsonTest, NestedWithSortedKeys) {
  EXPECT_EQ(ToPlainJson(Everything()),
            R"({"B":"YQBi/w==","BOOL":true,"BS":["AA==",""],"L":[1,"",{}],)"
            R"("M":{"l":[null,false],"n":-1.5E-3,"s":"x"},)"
            R"("N":12345678901234567890123456789012345678,)"
            R"("NS":[-0.00000000000000000000000000000000000001,1E2],)"
            "\"NULL\":null,\"S\":\"h\xc3\xa9llo \\\"w\\\"\\n\",\"SS\":[\"b\",\"a\",\"\"]}");
  Item item = {{"z", AttributeValue::N("1")},
               {"a", AttributeValue::S("x")},
               {"\xc3\xa9", AttributeValue::Null()},
               {"B", AttributeValue::Bool(true)}};
  EXPECT_EQ(ItemToPlainJson(item), "{\"B\":true,\"a\":\"x\",\"z\":1,\"\xc3\xa9\":null}");
  EXPECT_EQ(ItemToPlainJson(Item()), "{}");

  std::string out = "prefix:";
  AppendItemPlainJson(item, &out);
  AppendPlainJson(AttributeValue::N("2"), &out);
  EXPECT_EQ(out, "prefix:{\"B\":true,\"a\":\"x\",\"z\":1,\"\xc3\xa9\":null}2");
}

AttributeValue Parse(std::string_view text) {
  AttributeValue v;
  Status s = FromPlainJson(text, &v);
  EXPECT_TRUE(s.ok()) << text << ": " << s.ToString();
  return v;
}

std::string ParseError(std::string_view text) {
  AttributeValue v = AttributeValue::S("untouched");
  Status s = FromPlainJson(text, &v);
  if (s.ok()) return "OK";
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(v, AttributeValue::S("untouched"));
  return s.message();
}

TEST(PlainJsonTest, ParseEachType) {
  EXPECT_EQ(Parse(R"("x")"), AttributeValue::S("x"));
  EXPECT_EQ(Parse("true"), AttributeValue::Bool(true));
  EXPECT_EQ(Parse("false"), AttributeValue::Bool(false));
  EXPECT_EQ(Parse(" null "), AttributeValue::Null());
  EXPECT_EQ(Parse("{}"), AttributeValue::M({}));
  EXPECT_EQ(Parse("[]"), AttributeValue::L({}));
  EXPECT_EQ(Parse(R"("\u00e9\ud83d\ude00\n")").scalar(), "\xc3\xa9\xf0\x9f\x98\x80\n");
  EXPECT_EQ(Parse(R"("a\u0000b")").scalar(), std::string("a\0b", 3));
  AttributeValue v = Parse(R"({"b": [1, "two", null, {"c": false}], "a": {}})");
  EXPECT_EQ(
      v, AttributeValue::M(
             {{"a", AttributeValue::M({})},
              {"b", AttributeValue::L(
                        {AttributeValue::N("1"), AttributeValue::S("two"), AttributeValue::Null(),
                         AttributeValue::M({{"c", AttributeValue::Bool(false)}})})}}));
}

TEST(PlainJsonTest, ParseKeepsNumberText) {
  for (const char* n : {"0",
                        "1",
                        "-1",
                        "1.50",
                        "1.50e+3",
                        "-0.0",
                        "1E-130",
                        "9223372036854775807",
                        "-9223372036854775808",
                        "18446744073709551615",
                        "18446744073709551616",
                        "-9223372036854775809",
                        "12345678901234567890123456789012345678",
                        "-12345678901234567890123456789012345678",
                        "0.00000000000000000000000000000000000001",
                        "-0.00000000000000000000000000000000000001",
                        "1234567890123456789012345678901234567890",
                        "3.14159265358979323846264338327950288419716939937510",
                        "1e308",
                        "4.9e-324",
                        "1e-400"}) {
    AttributeValue v = Parse(n);
    EXPECT_EQ(v.type(), Type::kN) << n;
    EXPECT_EQ(v.scalar(), n);
    EXPECT_EQ(ToPlainJson(v), n);
  }
  EXPECT_EQ(Parse("-0").scalar(), "0");  // an integer token: its text is not kept
  EXPECT_EQ(Parse("[2.5,-7]"),
            AttributeValue::L({AttributeValue::N("2.5"), AttributeValue::N("-7")}));
}

TEST(PlainJsonTest, PlainRoundTrip) {
  const char* text =
      R"({"a":[1,2.50,"x",true,null,{"b":[]}],"big":12345678901234567890123456789012345678,)"
      R"("s":"\u0001\"\\\u00e9"})";
  AttributeValue v = Parse(text);
  EXPECT_EQ(ToPlainJson(v),
            R"({"a":[1,2.50,"x",true,null,{"b":[]}],"big":12345678901234567890123456789012345678,)"
            "\"s\":\"\\u0001\\\"\\\\\xc3\xa9\"}");
  EXPECT_EQ(Parse(ToPlainJson(v)), v);
}

TEST(PlainJsonTest, ParseErrors) {
  EXPECT_EQ(ParseError(""),
            "invalid JSON: parse error at line 1, column 1: syntax error while parsing value - "
            "unexpected end of input; expected '[', '{', or a literal");
  EXPECT_NE(ParseError("[1] x").find("invalid JSON: parse error at line 1, column 5"),
            std::string::npos);
  EXPECT_NE(ParseError("{\"a\":}").find("invalid JSON"), std::string::npos);
  EXPECT_NE(ParseError("[1,]").find("invalid JSON"), std::string::npos);
  EXPECT_NE(ParseError("'x'").find("invalid JSON"), std::string::npos);
  EXPECT_NE(ParseError("\"\xff\"").find("invalid JSON"), std::string::npos);  // not UTF-8
  EXPECT_NE(ParseError("NaN").find("invalid JSON"), std::string::npos);
  EXPECT_EQ(ParseError("1e400"), "invalid JSON: number overflow parsing '1e400'");
  EXPECT_EQ(ParseError(R"({"a": 1, "b": {"c": 1, "c": 2}})"), "duplicate key \"c\" in JSON object");
}

TEST(PlainJsonTest, NestingLimit) {
  std::string ok = std::string(32, '[') + std::string(32, ']');
  EXPECT_EQ(ParseError(ok), "OK");
  std::string deep = std::string(33, '[') + std::string(33, ']');
  EXPECT_EQ(ParseError(deep), "JSON nested deeper than DynamoDB's limit of 32 levels");
  std::string very_deep(100000, '[');
  EXPECT_EQ(ParseError(very_deep), "JSON nested deeper than DynamoDB's limit of 32 levels");
}

TEST(PlainJsonTest, NumbersIgnoreNumericLocale) {
  const char* kLocales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"};
  std::string saved = std::setlocale(LC_NUMERIC, nullptr);
  const char* used = nullptr;
  for (const char* l : kLocales) {
    if (std::setlocale(LC_NUMERIC, l) != nullptr) {
      used = l;
      break;
    }
  }
  REQUIRE_INSTALLED(used != nullptr, "a locale with a ',' decimal point (de_DE.UTF-8)");
  AttributeValue v;
  Status s = FromPlainJson("[1.25, 2e3]", &v);
  std::setlocale(LC_NUMERIC, saved.c_str());
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(v, AttributeValue::L({AttributeValue::N("1.25"), AttributeValue::N("2e3")}));
  EXPECT_EQ(v.list()[0].scalar(), "1.25");
}

}  // namespace
}  // namespace ddb::dynamodb
