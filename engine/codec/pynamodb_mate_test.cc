// pynamodb_mate compatibility: every vector of tests/data/pynamodb_mate
// decodes to its value through the catalog's class of the same name, and
// every deterministic one re-encodes to the same bytes.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/codec/catalog.h"
#include "engine/encoding.h"
#include "engine/python_formats.h"

#ifndef DDBSQL_SOURCE_DIR
#error "DDBSQL_SOURCE_DIR must be defined (the CMake build does)"
#endif

namespace ddb::codec {
namespace {

using dynamodb::AttributeValue;
using Json = nlohmann::ordered_json;

Json LoadVectors() {
  std::ifstream in(std::string(DDBSQL_SOURCE_DIR) + "/tests/data/pynamodb_mate/vectors.json");
  std::stringstream text;
  text << in.rdbuf();
  return Json::parse(text.str());
}

// The Python value of a vector as the plain value SQL would hand over.
PlainValue PlainOf(const Json& v, SqlType type) {
  if (v.contains("value_b64")) {
    std::string bytes;
    EXPECT_TRUE(Base64Decode(v["value_b64"].get<std::string>(), &bytes).ok());
    return PlainValue::Blob(bytes);
  }
  const Json& value = v["value"];
  if (value.is_string()) return PlainValue::Text(value.get<std::string>());
  if (value.is_number_integer()) return PlainValue::Integer(value.dump());
  if (value.is_number_float()) return PlainValue::Real(PythonFloatRepr(value.get<double>()));
  EXPECT_EQ(type, SqlType::kJson);
  return PlainValue::Text(value.dump());
}

class PynamoDbMateVectors : public ::testing::Test {
 protected:
  std::shared_ptr<const Column> ColumnFor(const Json& v) {
    Json decl;
    decl["codec"] = v["codec"];
    if (v.contains("password")) {
      decl["key"] = "env:VECTOR_PASSWORD";
      decl["determinative"] = v["determinative"];
      KeyRef ref;
      EXPECT_TRUE(KeyRef::Parse("env:VECTOR_PASSWORD", &ref).ok());
      catalog_.keys()->Set(ref, v["password"].get<std::string>());
    }
    std::shared_ptr<const Column> col;
    Status s = catalog_.ParseColumn("t", "c", decl.dump(), "test", &col);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return col;
  }

  Catalog catalog_;
  Context ctx_{"t", "c", {}};
};

TEST_F(PynamoDbMateVectors, EveryVectorDecodesToItsValue) {
  Json vectors = LoadVectors();
  ASSERT_GT(vectors.size(), 100u);
  for (const Json& v : vectors) {
    SCOPED_TRACE(v.dump().substr(0, 200));
    auto col = ColumnFor(v);
    ASSERT_TRUE(col);
    std::string stored;
    ASSERT_TRUE(Base64Decode(v["stored_B"].get<std::string>(), &stored).ok());
    PlainValue plain;
    Status s = col->Decode(ctx_, AttributeValue::B(stored), {}, &plain);
    ASSERT_TRUE(s.ok()) << s.ToString();
    if (v.contains("value_b64")) {
      EXPECT_EQ(plain.type, PlainValue::Type::kBlob);
      EXPECT_EQ(Base64Encode(plain.data), v["value_b64"].get<std::string>());
    } else if (col->type() == SqlType::kJson) {
      EXPECT_EQ(plain.type, PlainValue::Type::kText);
      EXPECT_EQ(Json::parse(plain.data), v["value"]);
    } else if (col->type() == SqlType::kNumeric) {
      const Json& value = v["value"];
      if (value.is_number_integer()) {
        EXPECT_EQ(plain.type, PlainValue::Type::kInteger);
        EXPECT_EQ(plain.data, value.dump());
      } else {
        EXPECT_EQ(plain.type, PlainValue::Type::kReal);
        EXPECT_EQ(std::stod(plain.data), value.get<double>());
      }
    } else {
      EXPECT_EQ(plain.type, PlainValue::Type::kText);
      EXPECT_EQ(plain.data, v["value"].get<std::string>());
    }
  }
}

TEST_F(PynamoDbMateVectors, DeterministicVectorsReencodeBitExactly) {
  int checked = 0;
  for (const Json& v : LoadVectors()) {
    if (!v.contains("determinative") || !v["determinative"].get<bool>()) continue;
    SCOPED_TRACE(v.dump().substr(0, 200));
    auto col = ColumnFor(v);
    ASSERT_TRUE(col);
    EXPECT_TRUE(col->deterministic());
    EncodedValue enc;
    Status s = col->Encode(ctx_, PlainOf(v, col->type()), WriteOptions(), &enc);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(enc.stored.type(), AttributeValue::Type::kB);
    EXPECT_EQ(Base64Encode(enc.stored.scalar()), v["stored_B"].get<std::string>());
    ++checked;
  }
  EXPECT_GE(checked, 70);
}

// gzip.compress writes the current time into the header; everything else
// (flags, level byte, OS, deflate stream, CRC, size) must match.
TEST_F(PynamoDbMateVectors, CompressedVectorsMatchApartFromMtime) {
  int checked = 0;
  for (const Json& v : LoadVectors()) {
    if (v["codec"].get<std::string>().find("Compressed") == std::string::npos) continue;
    SCOPED_TRACE(v.dump().substr(0, 200));
    auto col = ColumnFor(v);
    ASSERT_TRUE(col);
    EncodedValue enc;
    Status s = col->Encode(ctx_, PlainOf(v, col->type()), WriteOptions(), &enc);
    ASSERT_TRUE(s.ok()) << s.ToString();
    std::string expected;
    ASSERT_TRUE(Base64Decode(v["stored_B"].get<std::string>(), &expected).ok());
    std::string got = enc.stored.scalar();
    ASSERT_EQ(got.size(), expected.size());
    EXPECT_EQ(got.substr(4, 4), std::string(4, '\0'));
    got.replace(4, 4, expected.substr(4, 4));
    EXPECT_EQ(HexEncode(got), HexEncode(expected));
    ++checked;
  }
  EXPECT_EQ(checked, 10);
}

TEST_F(PynamoDbMateVectors, NonDeterministicEncodingRoundTrips) {
  for (const Json& v : LoadVectors()) {
    if (!v.contains("determinative") || v["determinative"].get<bool>()) continue;
    SCOPED_TRACE(v.dump().substr(0, 200));
    auto col = ColumnFor(v);
    ASSERT_TRUE(col);
    EXPECT_FALSE(col->deterministic());
    PlainValue in = PlainOf(v, col->type());
    EncodedValue a, b;
    ASSERT_TRUE(col->Encode(ctx_, in, WriteOptions(), &a).ok());
    ASSERT_TRUE(col->Encode(ctx_, in, WriteOptions(), &b).ok());
    EXPECT_NE(a.stored.scalar(), b.stored.scalar());  // fresh nonces
    EXPECT_EQ(a.stored.scalar().substr(0, 11), "{\"nonce\": \"");
    PlainValue out;
    ASSERT_TRUE(col->Decode(ctx_, a.stored, {}, &out).ok());
    if (col->type() == SqlType::kJson) {
      EXPECT_EQ(Json::parse(out.data), Json::parse(in.data));
    } else {
      EXPECT_EQ(out.data, in.data);
    }
  }
}

TEST_F(PynamoDbMateVectors, WrongPasswordIsAnErrorNotGarbage) {
  KeyRef ref;
  ASSERT_TRUE(KeyRef::Parse("env:WRONG", &ref).ok());
  catalog_.keys()->Set(ref, "not-my-password");
  for (bool determinative : {true, false}) {
    for (const Json& v : LoadVectors()) {
      if (v["codec"] != "pynamodb_mate.EncryptedUnicodeAttribute" ||
          v["determinative"].get<bool>() != determinative ||
          v["value"].get<std::string>().size() < 8) {
        continue;
      }
      Json decl = {{"codec", "EncryptedUnicodeAttribute"},
                   {"key", "env:WRONG"},
                   {"determinative", determinative}};
      std::shared_ptr<const Column> col;
      ASSERT_TRUE(catalog_.ParseColumn("t", "c", decl.dump(), "test", &col).ok());
      std::string stored;
      ASSERT_TRUE(Base64Decode(v["stored_B"].get<std::string>(), &stored).ok());
      PlainValue plain;
      Status s = col->Decode(ctx_, AttributeValue::B(stored), {}, &plain);
      EXPECT_FALSE(s.ok()) << v["value"];
      EXPECT_NE(s.ToString().find("table t, column c"), std::string::npos) << s.ToString();
      EXPECT_EQ(s.ToString().find("not-my-password"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace ddb::codec
